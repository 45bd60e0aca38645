/* One arena per run for the spec, the graph and the plan: objects are never
 * freed one by one; sp_arena_free releases everything at once.
 * Built with -DSP_ARENA_DEBUG every allocation goes straight to malloc (and is
 * tracked for the final free) so that the address sanitizer sees each one. */
#ifndef SP_ARENA_H
#define SP_ARENA_H
#include <stddef.h>

struct sp_arena_block;

struct sp_arena {
	struct sp_arena_block *head;
	size_t used;  /* bytes handed out, for memory reports */
};

/* Starts an empty arena. */
void sp_arena_init(struct sp_arena *a);
/* Releases every allocation of a at once; a is empty (and usable) after. */
void sp_arena_free(struct sp_arena *a);
/* Zeroed memory aligned for any type; never NULL (aborts on OOM). */
void *sp_arena_alloc(struct sp_arena *a, size_t n);
/* Zeroed room for nmemb elements of size bytes; aborts when the product overflows. */
void *sp_arena_array(struct sp_arena *a, size_t nmemb, size_t size);
/* A copy of s in a. */
char *sp_arena_strdup(struct sp_arena *a, const char *s);
/* A copy of the n bytes at s in a, with a NUL after them. */
char *sp_arena_strndup(struct sp_arena *a, const char *s, size_t n);
/* A formatted string in a. */
char *sp_arena_printf(struct sp_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define SP_NEW(arena, type) ((type *)sp_arena_alloc((arena), sizeof(type)))
#define SP_NEWN(arena, type, n) ((type *)sp_arena_array((arena), (n), sizeof(type)))

#endif
