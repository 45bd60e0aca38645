#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sp_err_clear(struct sp_err *e)
{
	memset(e, 0, sizeof(*e));
}

int sp_err_set(struct sp_err *e, int code, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return code;
	e->code = code;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}
