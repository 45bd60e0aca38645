#include "lib/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define ARENA_ALIGN 16
#define ARENA_BLOCK (64 * 1024)

struct sp_arena_block {
	struct sp_arena_block *next;
	size_t size, off;
	_Alignas(16) unsigned char data[];
};

void sp_arena_init(struct sp_arena *a)
{
	a->head = NULL;
	a->used = 0;
}

void sp_arena_free(struct sp_arena *a)
{
	struct sp_arena_block *b = a->head;
	while (b) {
		struct sp_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}

void *sp_arena_alloc(struct sp_arena *a, size_t n)
{
	struct sp_arena_block *b;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (need < n) /* overflow */
		need = SIZE_MAX;
	a->used += n;
#ifdef SP_ARENA_DEBUG
	b = sp_xmalloc(sizeof(*b) + (need ? need : 1));
	b->size = need;
	b->off = need;
	b->next = a->head;
	a->head = b;
	memset(b->data, 0, need ? need : 1);
	return b->data;
#else
	b = a->head;
	if (!b || b->size - b->off < need) {
		size_t size = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
		struct sp_arena_block *nb = sp_xmalloc(sizeof(*nb) + size);
		nb->size = size;
		nb->off = 0;
		if (size == need && b) {
			/* a large object gets its own block behind the current one, so
			 * the current block's free space is not wasted */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->off;
	b->off += need;
	memset(p, 0, need);
	return p;
#endif
}

void *sp_arena_array(struct sp_arena *a, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size) {
		fprintf(stderr, "scaleplan: fatal: array of %zu x %zu bytes overflows\n", nmemb, size);
		abort();
	}
	return sp_arena_alloc(a, nmemb * size);
}

char *sp_arena_strndup(struct sp_arena *a, const char *s, size_t n)
{
	char *p = sp_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sp_arena_strdup(struct sp_arena *a, const char *s)
{
	return sp_arena_strndup(a, s, strlen(s));
}

char *sp_arena_printf(struct sp_arena *a, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = sp_arena_alloc(a, (size_t)n + 1);
	if ((size_t)n < sizeof(small)) {
		memcpy(p, small, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return p;
}
