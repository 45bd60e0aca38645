/* Parsing option values shared by several commands. Each returns 0 or -1
 * (the caller prints a usage error naming the option). */
#ifndef SP_CMD_OPTS_H
#define SP_CMD_OPTS_H
#include <stddef.h>
#include <stdint.h>

/* "30s", "2m", "500ms" or a plain number of seconds, up to a day. */
int sp_parse_duration_ms(const char *s, int *out);
/* A whole decimal number in [lo, hi]. */
int sp_parse_count(const char *s, long lo, long hi, long *out);
/* The same, into an int; *out is left alone on failure. */
int sp_parse_int(const char *s, int lo, int hi, int *out);
/* true/false (also 1/0, yes/no). */
int sp_parse_bool(const char *s, int *out);
/* A non-negative 64-bit decimal number. */
int sp_parse_seed(const char *s, uint64_t *out);
/* --percentiles: "10,50,90", 1 to max numbers each above 0 and below 100,
 * into pcts sorted, no duplicates; *n their count. On -1, msg (msglen bytes)
 * says what is wrong, naming the option as opt. */
int sp_parse_percentiles(const char *s, const char *opt, double *pcts, size_t max, size_t *n, char *msg,
			 size_t msglen);

#endif
