/* Allocation wrappers: on out-of-memory they print a message and abort, so no
 * other code carries out-of-memory branches. */
#ifndef SP_XALLOC_H
#define SP_XALLOC_H
#include <stddef.h>

/* malloc, calloc and realloc that never return NULL (a size of 0 is 1). */
void *sp_xmalloc(size_t n);
void *sp_xcalloc(size_t nmemb, size_t size);
void *sp_xrealloc(void *p, size_t n);
/* Grows *p to hold at least `need` elements of `size` bytes (doubling, from
 * 8); *cap is updated. */
void sp_xgrow(void **p, size_t *cap, size_t need, size_t size);
/* A malloc'd copy of s, or of its first n bytes with a NUL after them. */
char *sp_xstrdup(const char *s);
char *sp_xstrndup(const char *s, size_t n);

#define SP_GROW(ptr, cap, need) sp_xgrow((void **)&(ptr), &(cap), (need), sizeof(*(ptr)))
#define SP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
