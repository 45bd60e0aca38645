/* Option values shared by several commands (plan, apply, drift, state, report). */
#include "planner/cmd_opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int sp_parse_percentiles(const char *s, const char *opt, double *pcts, size_t max, size_t *n, char *msg,
			 size_t msglen)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[64], *end;
		double v;
		if (len == 0 || len >= sizeof(item)) {
			snprintf(msg, msglen, "invalid value '%s' for %s: %s; expected a list such as 10,50,90", s, opt,
				 len ? "an item is too long" : "an item is empty");
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		errno = 0;
		v = strtod(item, &end);
		if (*end || errno || item[0] == ' ' || !isfinite(v)) {
			snprintf(msg, msglen, "invalid percentile '%s' in %s: expected a number", item, opt);
			return -1;
		}
		if (!(v > 0 && v < 100)) {
			snprintf(msg, msglen, "percentile '%s' in %s is out of range: each must be above 0 and below 100", item,
				 opt);
			return -1;
		}
		if (*n == max) {
			snprintf(msg, msglen, "too many percentiles in %s: at most %zu", opt, max);
			return -1;
		}
		pcts[(*n)++] = v;
		if (!comma)
			break;
		p = comma + 1;
	}
	qsort(pcts, *n, sizeof(double), cmp_double);
	for (size_t i = 1; i < *n; i++)
		if (pcts[i] == pcts[i - 1]) {
			snprintf(msg, msglen, "percentile %.10g is given twice in %s", pcts[i], opt);
			return -1;
		}
	return 0;
}
