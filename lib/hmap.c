#include "lib/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

uint32_t sp_hash_str(const char *s)
{
	/* FNV-1a: deterministic across runs, so iteration-free code stays reproducible */
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void sp_hmap_init(struct sp_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void sp_hmap_free(struct sp_hmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static void rehash(struct sp_hmap *m, size_t cap)
{
	struct sp_hmap_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = sp_xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].key)
			continue;
		size_t j = old[i].hash & (cap - 1);
		while (m->slots[j].key)
			j = (j + 1) & (cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

int sp_hmap_put(struct sp_hmap *m, const char *key, uint32_t val, uint32_t *old)
{
	if ((m->n + 1) * 4 >= m->cap * 3)
		rehash(m, m->cap ? m->cap * 2 : 64);
	uint32_t h = sp_hash_str(key);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && !strcmp(m->slots[j].key, key)) {
			if (old)
				*old = m->slots[j].val;
			return 1;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j].key = key;
	m->slots[j].hash = h;
	m->slots[j].val = val;
	m->n++;
	return 0;
}

int sp_hmap_get(const struct sp_hmap *m, const char *key, uint32_t *val)
{
	if (!m->cap)
		return -1;
	uint32_t h = sp_hash_str(key);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && !strcmp(m->slots[j].key, key)) {
			*val = m->slots[j].val;
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	return -1;
}
