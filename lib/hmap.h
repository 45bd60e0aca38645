/* A string-keyed hash map to uint32 values (open addressing, linear probing).
 * Keys are not copied: they must outlive the map (arena strings do). */
#ifndef SP_HMAP_H
#define SP_HMAP_H
#include <stddef.h>
#include <stdint.h>

struct sp_hmap_slot {
	const char *key;
	uint32_t hash, val;
};

struct sp_hmap {
	struct sp_hmap_slot *slots;
	size_t n, cap;   /* cap is a power of two */
};

/* Starts an empty map (no allocation until the first put). */
void sp_hmap_init(struct sp_hmap *m);
/* Frees the slots (not the keys); m is empty after. */
void sp_hmap_free(struct sp_hmap *m);
/* Inserts key -> val. Returns 0, or 1 (and *old = the existing value, map
 * unchanged) when the key is present. */
int sp_hmap_put(struct sp_hmap *m, const char *key, uint32_t val, uint32_t *old);
/* Returns 0 and sets *val, or -1 when absent. */
int sp_hmap_get(const struct sp_hmap *m, const char *key, uint32_t *val);
/* FNV-1a of s: the same on every run. */
uint32_t sp_hash_str(const char *s);

#endif
