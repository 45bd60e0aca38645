#include "lib/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

char sp_sb_empty[1];

void sp_sb_init(struct sp_sb *sb)
{
	sb->buf = sp_sb_empty;
	sb->len = sb->cap = 0;
}

void sp_sb_release(struct sp_sb *sb)
{
	if (sb->cap)
		free(sb->buf);
	sp_sb_init(sb);
}

void sp_sb_reset(struct sp_sb *sb)
{
	sb->len = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
}

void sp_sb_grow(struct sp_sb *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	if (!sb->cap) {
		sb->buf = NULL;
	}
	size_t cap = sb->cap;
	sp_xgrow((void **)&sb->buf, &cap, need, 1);
	if (!sb->cap)
		sb->buf[0] = '\0';
	sb->cap = cap;
}

void sp_sb_add(struct sp_sb *sb, const void *data, size_t n)
{
	sp_sb_grow(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sp_sb_adds(struct sp_sb *sb, const char *s)
{
	sp_sb_add(sb, s, strlen(s));
}

void sp_sb_addc(struct sp_sb *sb, char c)
{
	sp_sb_add(sb, &c, 1);
}

void sp_sb_vaddf(struct sp_sb *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	sp_sb_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		sp_sb_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void sp_sb_addf(struct sp_sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sp_sb_add_quoted(struct sp_sb *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': sp_sb_adds(sb, "\\\""); break;
		case '\\': sp_sb_adds(sb, "\\\\"); break;
		case '\n': sp_sb_adds(sb, "\\n"); break;
		case '\t': sp_sb_adds(sb, "\\t"); break;
		case '\r': sp_sb_adds(sb, "\\r"); break;
		default:
			if (c < 0x20)
				sp_sb_addf(sb, "\\u%04x", c);
			else
				sp_sb_addc(sb, (char)c);
		}
	}
}

char *sp_sb_detach(struct sp_sb *sb, size_t *len)
{
	char *r;
	if (len)
		*len = sb->len;
	if (!sb->cap)
		r = sp_xstrdup("");
	else
		r = sb->buf;
	sp_sb_init(sb);
	return r;
}

int sp_sb_read_file(struct sp_sb *sb, const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;
	int ret = 0;

	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (sb->len + n > max) {
			ret = -2;
			break;
		}
		sp_sb_add(sb, tmp, n);
	}
	if (ret == 0 && ferror(f)) {
		ret = -1;
	}
	int saved = errno;
	fclose(f);
	errno = saved;
	sp_sb_grow(sb, 0);
	return ret;
}
