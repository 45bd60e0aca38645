/* The plan's forecast cache (planner/fccache.h). */
#include "planner/fccache.h"

#include <errno.h>
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"

#define MAGIC "scaleplan-forecast-cache 1\n"
#define MAX_BYTES (256u << 20)

int sp_fccache_key(char out[41], const char *spec_digest, const struct sp_catalog *cat,
		   const struct sp_forecast_opts *opts, const struct sp_spec *spec)
{
	struct sp_sb sb = SP_SB_INIT;
	git_oid oid;
	int ret, months = opts->months > 0 && opts->months < spec->months ? opts->months : spec->months;

	sp_sb_addf(&sb, "%s%s\nspec %s\n", MAGIC, SP_VERSION, spec_digest);
	sp_sb_addf(&sb, "catalog %s %s %s %a %a %a %a %a %a %a %a\n", cat->name, cat->currency,
		   cat->as_of ? cat->as_of : "", cat->hours_per_month, cat->spot_discount, cat->block_storage_gb_month,
		   cat->object_storage_gb_month, cat->db_storage_gb_month, cat->cross_az_gb, cat->cross_region_gb,
		   cat->egress_free_gb);
	for (size_t i = 0; i < cat->negress; i++)
		sp_sb_addf(&sb, "egress %a %a\n", cat->egress[i].up_to_gb, cat->egress[i].price_per_gb);
	for (size_t i = 0; i < cat->nskus; i++) {
		const struct sp_sku *k = &cat->skus[i];
		sp_sb_addf(&sb, "sku %s %d %a %a %d %s %a %a %a %a\n", k->name, (int)k->kind, k->vcpus, k->memory_gib,
			   k->gpus, k->gpu_model ? k->gpu_model : "-", k->on_demand_hourly, k->commit_1y_hourly,
			   k->commit_3y_hourly, k->spot_hourly);
	}
	for (size_t i = 0; i < cat->ngpus; i++)
		sp_sb_addf(&sb, "gpu %s %a %s\n", cat->gpus[i].name, cat->gpus[i].peak_tflops, cat->gpus[i].sku);
	sp_sb_addf(&sb, "run months %d paths %d seed %llu groupings %d pcts", months, opts->paths,
		   (unsigned long long)opts->seed, !opts->no_groupings);
	for (size_t k = 0; k < opts->npcts; k++)
		sp_sb_addf(&sb, " %a", opts->pcts[k]);
	sp_sb_addc(&sb, '\n');
	git_libgit2_init();
	ret = git_odb_hash(&oid, sb.buf, sb.len, GIT_OBJECT_BLOB);
	if (ret == 0)
		git_oid_tostr(out, 41, &oid);
	else
		out[0] = '\0';
	git_libgit2_shutdown();
	sp_sb_release(&sb);
	return ret == 0 ? 0 : -1;
}

/* FNV-1a, 64 bits: the checksum line (damage, not an adversary). */
static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void path_of(struct sp_sb *sb, const char *dir, const char *key)
{
	sp_sb_addf(sb, "%s/forecast-%s", dir, key);
}

int sp_fccache_read(struct sp_sb *text, const char *dir, const char *key)
{
	struct sp_sb path = SP_SB_INIT;
	char head[128];
	int ret = -1;

	path_of(&path, dir, key);
	if (sp_sb_read_file(text, path.buf, MAX_BYTES) < 0)
		goto out;
	snprintf(head, sizeof(head), "%skey %s\n", MAGIC, key);
	if (text->len < strlen(head) || memcmp(text->buf, head, strlen(head)) || strlen(text->buf) != text->len)
		goto out;
	/* the last line: "sum <16 hex digits>\n", over every byte before it */
	const char *end = text->buf + text->len;
	if (text->len < 21 || end[-1] != '\n' || memcmp(end - 21, "sum ", 4))
		goto out;
	char *stop;
	unsigned long long sum = strtoull(end - 17, &stop, 16);
	if (stop != end - 1 || sum != fnv1a(text->buf, text->len - 21))
		goto out;
	ret = 0;
out:
	if (ret < 0)
		sp_sb_reset(text);
	sp_sb_release(&path);
	return ret;
}

/* ---- reading the figures back ------------------------------------------------------------------ */

struct cur {
	const char *p;
	int bad;
};

static void expect(struct cur *c, const char *word)
{
	size_t n = strlen(word);
	while (*c->p == ' ' || *c->p == '\n')
		c->p++;
	if (strncmp(c->p, word, n))
		c->bad = 1;
	else
		c->p += n;
}

static double num(struct cur *c)
{
	char *e;
	double x;
	if (c->bad)
		return 0;
	errno = 0;
	x = strtod(c->p, &e);
	if (e == c->p || errno)
		c->bad = 1;
	c->p = e;
	return x;
}

static long integer(struct cur *c)
{
	char *e;
	long x;
	if (c->bad)
		return 0;
	errno = 0;
	x = strtol(c->p, &e, 10);
	if (e == c->p || errno)
		c->bad = 1;
	c->p = e;
	return x;
}

static void nums(struct cur *c, const char *word, double *v, size_t n)
{
	expect(c, word);
	for (size_t i = 0; i < n && !c->bad; i++)
		v[i] = num(c);
}

int sp_fccache_apply(struct sp_forecast *f, const char *text)
{
	struct cur c = { text, 0 };
	size_t np = f->npcts, M = (size_t)f->months;

	expect(&c, MAGIC);
	expect(&c, "key");
	while (*c.p && *c.p != '\n')
		c.p++;
	expect(&c, "shape");
	if (integer(&c) != f->months || integer(&c) != f->years || integer(&c) != (long)np ||
	    integer(&c) != f->paths || integer(&c) != (long)f->nlines || c.bad)
		return -1;
	nums(&c, "total", f->total, M * np);
	nums(&c, "total_od", f->total_od, M * np);
	nums(&c, "year_total", f->year_total, (size_t)f->years * np);
	nums(&c, "horizon", f->horizon_total, np);
	nums(&c, "horizon_od", f->horizon_total_od, np);
	nums(&c, "cum_total", f->cum_total, M * np);
	expect(&c, "risk");
	long n = integer(&c);
	for (long i = 0; i < n && !c.bad; i++) {
		long li = integer(&c), rm = integer(&c), ra = integer(&c);
		double share = num(&c);
		if (li < 0 || (size_t)li >= f->nlines || rm < -1 || rm >= f->months || ra < -1 || ra >= f->months) {
			c.bad = 1;
			break;
		}
		f->lines[li].risk_month = (int)rm;
		f->lines[li].risk_any_month = (int)ra;
		f->lines[li].risk_share = share;
	}
	expect(&c, "outgrow");
	n = integer(&c);
	for (long i = 0; i < n && !c.bad; i++) {
		long li = integer(&c), m = integer(&c);
		if (li < 0 || (size_t)li >= f->nlines || m < 0 || m >= f->months) {
			c.bad = 1;
			break;
		}
		f->lines[li].outgrow_month = (int)m;
	}
	expect(&c, "sum");
	return c.bad ? -1 : 0;
}

/* ---- writing -------------------------------------------------------------------------------------- */

static void put(struct sp_sb *sb, const char *word, const double *v, size_t n)
{
	sp_sb_adds(sb, word);
	for (size_t i = 0; i < n; i++)
		sp_sb_addf(sb, " %a", v[i]);
	sp_sb_addc(sb, '\n');
}

int sp_fccache_write(const struct sp_forecast *f, const char *dir, const char *key)
{
	struct sp_sb sb = SP_SB_INIT, tmp = SP_SB_INIT, path = SP_SB_INIT;
	size_t np = f->npcts, M = (size_t)f->months, nrisk = 0, nout = 0;
	int fd = -1, ret = -1;

	sp_sb_addf(&sb, "%skey %s\n", MAGIC, key);
	sp_sb_addf(&sb, "shape %d %d %zu %d %zu\n", f->months, f->years, np, f->paths, f->nlines);
	put(&sb, "total", f->total, M * np);
	put(&sb, "total_od", f->total_od, M * np);
	put(&sb, "year_total", f->year_total, (size_t)f->years * np);
	put(&sb, "horizon", f->horizon_total, np);
	put(&sb, "horizon_od", f->horizon_total_od, np);
	put(&sb, "cum_total", f->cum_total, M * np);
	for (size_t i = 0; i < f->nlines; i++) {
		nrisk += f->lines[i].risk_month >= 0 || f->lines[i].risk_any_month >= 0;
		nout += f->lines[i].outgrow_month >= 0;
	}
	sp_sb_addf(&sb, "risk %zu\n", nrisk);
	for (size_t i = 0; i < f->nlines; i++)
		if (f->lines[i].risk_month >= 0 || f->lines[i].risk_any_month >= 0)
			sp_sb_addf(&sb, "%zu %d %d %a\n", i, f->lines[i].risk_month, f->lines[i].risk_any_month,
				   f->lines[i].risk_share);
	sp_sb_addf(&sb, "outgrow %zu\n", nout);
	for (size_t i = 0; i < f->nlines; i++)
		if (f->lines[i].outgrow_month >= 0)
			sp_sb_addf(&sb, "%zu %d\n", i, f->lines[i].outgrow_month);
	sp_sb_addf(&sb, "sum %016llx\n", (unsigned long long)fnv1a(sb.buf, sb.len));

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto out;
	sp_sb_addf(&tmp, "%s/.forecast-XXXXXX", dir);
	path_of(&path, dir, key);
	if ((fd = mkstemp(tmp.buf)) < 0)
		goto out;
	for (size_t off = 0; off < sb.len;) {
		ssize_t k = write(fd, sb.buf + off, sb.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto out;
		off += (size_t)k;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path.buf) < 0)
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmp.len)
		unlink(tmp.buf);
	sp_sb_release(&sb);
	sp_sb_release(&tmp);
	sp_sb_release(&path);
	return ret;
}
