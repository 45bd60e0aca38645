/* Option values shared by plan, apply, drift and state. */
#include "planner/cmd_opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sp_parse_duration_ms(const char *s, int *out)
{
	char *end;
	double v, mul = 1000;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v >= 0) || !isfinite(v))
		return -1;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "s") || !*end)
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else
		return -1;
	if (v * mul > 24.0 * 3600 * 1000)
		return -1;
	*out = (int)(v * mul + 0.5);
	return 0;
}

int sp_parse_count(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int sp_parse_int(const char *s, int lo, int hi, int *out)
{
	long v;
	if (sp_parse_count(s, lo, hi, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int sp_parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*out = 0;
		return 0;
	}
	return -1;
}

int sp_parse_seed(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	/* digits only: strtoull skips leading spaces and takes a sign, so
	 * " -1" would read as 18446744073709551615 */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno)
		return -1;
	*out = v;
	return 0;
}
