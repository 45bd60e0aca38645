/* Resource addresses, ordering and lookups: pure code over model/resource.h,
 * no I/O. An address is "<type>.<name>[<region>]": the type is a letter then
 * letters, digits, '_' or '-'; the name and the region are one or more
 * letters, digits, '-', '_' or '.'. So an address never holds '/', a space or
 * a quote, which lets providers use it as a file name. */
#include "model/resource.h"

#include <stdlib.h>
#include <string.h>

const char *sp_resource_address(struct sp_arena *a, const char *type, const char *name, const char *region)
{
	return sp_arena_printf(a, "%s.%s[%s]", type, name, region);
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_type_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

static int is_name_char(int c)
{
	return is_type_char(c) || c == '.';
}

int sp_resource_parse_address(struct sp_arena *a, const char *address, const char **type, const char **name,
			      const char **region)
{
	const char *p = address, *t, *n, *r;
	size_t tl, nl, rl;

	if (!p || !is_alpha((unsigned char)*p))
		return -1;
	for (t = p; is_type_char((unsigned char)*p); p++)
		;
	tl = (size_t)(p - t);
	if (*p++ != '.')
		return -1;
	for (n = p; is_name_char((unsigned char)*p); p++)
		;
	nl = (size_t)(p - n);
	if (!nl || *p++ != '[')
		return -1;
	for (r = p; is_name_char((unsigned char)*p); p++)
		;
	rl = (size_t)(p - r);
	if (!rl || p[0] != ']' || p[1] != '\0')
		return -1;
	if (type)
		*type = sp_arena_strndup(a, t, tl);
	if (name)
		*name = sp_arena_strndup(a, n, nl);
	if (region)
		*region = sp_arena_strndup(a, r, rl);
	return 0;
}

static int cmp_attr(const void *x, const void *y)
{
	return strcmp(((const struct sp_attr *)x)->key, ((const struct sp_attr *)y)->key);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int cmp_resource(const void *x, const void *y)
{
	return strcmp(((const struct sp_resource *)x)->address, ((const struct sp_resource *)y)->address);
}

void sp_resource_sort(struct sp_resource *r)
{
	size_t n = 0;

	if (r->nattrs > 1)
		qsort(r->attrs, r->nattrs, sizeof(*r->attrs), cmp_attr);
	if (r->ndeps > 1) {
		qsort(r->depends_on, r->ndeps, sizeof(*r->depends_on), cmp_str);
		/* a dependency named twice (two edges to one component) is one dependency */
		for (size_t i = 0; i < r->ndeps; i++)
			if (!n || strcmp(r->depends_on[n - 1], r->depends_on[i]))
				r->depends_on[n++] = r->depends_on[i];
		r->ndeps = n;
	}
}

void sp_resource_set_sort(struct sp_resource_set *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_resource);
}

/* bsearch comparators: a key string against an element's address or key */
static int cmp_key_resource(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sp_resource *)elem)->address);
}

static int cmp_key_attr(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sp_attr *)elem)->key);
}

const struct sp_resource *sp_resource_find(const struct sp_resource_set *s, const char *address)
{
	return s->n ? bsearch(address, s->v, s->n, sizeof(*s->v), cmp_key_resource) : NULL;
}

const struct sp_attr *sp_resource_attr(const struct sp_resource *r, const char *key)
{
	return r->nattrs ? bsearch(key, r->attrs, r->nattrs, sizeof(*r->attrs), cmp_key_attr) : NULL;
}

int sp_attr_equal(const struct sp_attr *a, const struct sp_attr *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case SP_ATTR_STR:
		return !strcmp(a->s ? a->s : "", b->s ? b->s : "");
	case SP_ATTR_NUM:
		return a->n == b->n;
	case SP_ATTR_BOOL:
		return (a->n != 0) == (b->n != 0);
	}
	return 0;
}
