/* The roadmap as text, markdown or JSON (docs/roadmap-format.md): the entry,
 * the wording every format shares, and text and markdown (JSON is in
 * render_roadmap_json.c). Text and markdown hold the same sections in the
 * same order: the header, the strategic layer (a section per year), the
 * tactical layer (a section per quarter), every milestone with its reason,
 * and the decision triggers. Each milestone's action and reason are worded
 * once (sp_rr_describe) for all three formats. Output is built in a string
 * buffer and written in large pieces; every number has a fixed format, so
 * the same roadmap gives the same bytes. */
#include "planner/render_roadmap.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_forecast.h"
#include "planner/render_roadmap_int.h"

#define FLUSH_AT (1u << 16)
#define WRAP_AT 110

void sp_rr_flush(struct sp_rr *x, int force)
{
	if (!force && x->sb.len < FLUSH_AT)
		return;
	if (x->sb.len && !x->failed && fwrite(x->sb.buf, 1, x->sb.len, x->out) != x->sb.len) {
		x->failed = 1;
		x->errnum = errno;
	}
	if (x->sb.len >= 2)
		memcpy(x->tail, &x->sb.buf[x->sb.len - 2], 2);
	else if (x->sb.len == 1)
		x->tail[0] = x->tail[1], x->tail[1] = x->sb.buf[0];
	sp_sb_reset(&x->sb);
}

/* ---- numbers and labels --------------------------------------------------------------------------- */

void sp_rr_month(const struct sp_rr *x, int m, char buf[16])
{
	sp_month_format(x->spec->start + m, buf);
}

/* A whole number with thousands separators ("12,345"); v is rounded. */
const char *sp_rr_group(char *buf, size_t n, double v)
{
	char money[64];
	sp_render_money(money, sizeof(money), fabs(v), "USD");
	snprintf(buf, n, "%s%s", v <= -0.5 ? "-" : "", money + 1);
	return buf;
}

/* A rate or a size: two decimals below 10, one below 100, then whole and grouped. */
static const char *qty(char *buf, size_t n, double v)
{
	if (fabs(v) < 10)
		snprintf(buf, n, "%.2f", v == 0 ? 0.0 : v);
	else if (fabs(v) < 100)
		snprintf(buf, n, "%.1f", v);
	else
		sp_rr_group(buf, n, v);
	return buf;
}

static const char *money(const struct sp_rr *x, char *buf, size_t n, double v)
{
	sp_render_money(buf, n, v, x->f->currency);
	return buf;
}

/* 1000 GB -> "1 TB", 10 TB, 100 TB, then "1 PB", ... */
static const char *size_label(char *buf, size_t n, double gb)
{
	static const char *const unit[] = { "TB", "PB", "EB", "ZB" };
	double v = gb / 1000;
	int u = 0;
	while (v >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	snprintf(buf, n, "%.0f %s", v, unit[u]);
	return buf;
}

static const char *plural(double n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

const char *sp_rr_region(const struct sp_rr *x, int ri)
{
	return ri >= 0 && (size_t)ri < x->spec->nregions ? x->spec->regions[ri].name : NULL;
}

static const char *const strategy_how[] = {
	[SP_SHARD_NONE] = "move the data to the new shards",
	[SP_SHARD_HASH] = "reassign hash slots to the new shards",
	[SP_SHARD_RANGE] = "split the largest key ranges and move their upper halves",
	[SP_SHARD_DIRECTORY] = "re-point tenants in the directory, the hottest first",
};

/* ---- what a milestone says ---------------------------------------------------------------------------- */

/* The action (what to do) and the reason with its figures, in plain text. */
void sp_rr_describe(const struct sp_rr *x, const struct sp_rm_milestone *m, struct sp_sb *act, struct sp_sb *why)
{
	const char *reg = sp_rr_region(x, m->region);
	char a[64], b[64], c[64], d[64];

	switch (m->kind) {
	case SP_RM_REPLICA: {
		int n = m->u.replica.to - m->u.replica.from;
		const char *what = m->u.replica.units ? "block" : "replica";
		if (m->u.replica.units)
			sp_sb_addf(act, "%s: add read capacity in %s: %d -> %d blocks per shard", m->name, reg,
				   m->u.replica.from, m->u.replica.to);
		else
			sp_sb_addf(act, "%s: add %s in %s: %d -> %d per shard", m->name,
				   n == 1 ? "a read replica" : "read replicas", reg, m->u.replica.from, m->u.replica.to);
		sp_sb_addf(why, "peak reads %s/s over %d %s at %s reads/s per %s%s", qty(a, sizeof(a), m->u.replica.reads_per_s),
			   m->u.replica.shards, plural(m->u.replica.shards, "shard", "shards"),
			   qty(b, sizeof(b), m->u.replica.per_replica), what, m->u.replica.ha ? ", plus one for HA" : "");
		break;
	}
	case SP_RM_SHARD: {
		int from = m->u.shard.from, to = m->u.shard.to;
		sp_sb_addf(act, "%s: reshard %s from %d to %d shards (%s on %s)", m->name, reg, from, to,
			   sp_shard_strategy_names[m->u.shard.strategy], m->u.shard.key);
		if (m->u.shard.data_need >= m->u.shard.write_need)
			sp_sb_addf(why, "its data, %s GB, needs %.2f shards of %s GB", qty(a, sizeof(a), m->u.shard.data_gb),
				   m->u.shard.data_need, qty(b, sizeof(b), m->u.shard.max_gb));
		else
			sp_sb_addf(why, "its writes, %s/s, need %.2f primaries", qty(a, sizeof(a), m->u.shard.writes_per_s),
				   m->u.shard.write_need);
		sp_sb_addf(why, "; %s GB (%.0f%%) moves: %s", qty(c, sizeof(c), m->u.shard.moved_gb),
			   100.0 * (to - from) / to, strategy_how[m->u.shard.strategy]);
		break;
	}
	case SP_RM_INSTANCE:
		sp_sb_addf(act, "%s: move the primary in %s up from %s to %s", m->name, reg, m->u.instance.sku_from,
			   m->u.instance.sku_to);
		sp_sb_addf(why, "its writes, %s/s, take %.2f %s primaries", qty(a, sizeof(a), m->u.instance.writes_per_s),
			   m->u.instance.need, m->u.instance.base);
		break;
	case SP_RM_INSTANCE_LIMIT:
		sp_sb_addf(act, "%s: outgrows %s, the largest of its family, in %s: shard it", m->name, m->u.limit.sku, reg);
		if (m->u.limit.by_data)
			sp_sb_addf(why, "its data, %s GB, passes max_gb_per_shard, %s GB", qty(a, sizeof(a), m->u.limit.data_gb),
				   qty(b, sizeof(b), m->u.limit.max_gb));
		else
			sp_sb_addf(why, "its writes, %s/s, take %.2f %s primaries; %s holds %.0f",
				   qty(a, sizeof(a), m->u.limit.writes_per_s), m->u.limit.need, m->u.limit.base, m->u.limit.sku,
				   m->u.limit.limit);
		break;
	case SP_RM_STORAGE:
		sp_sb_addf(act, "%s: its data passes %s", m->name, size_label(a, sizeof(a), m->u.storage.threshold_gb));
		sp_sb_addf(why, "%s GB in all regions: check storage limits, backups and the time a restore takes",
			   qty(b, sizeof(b), m->u.storage.data_gb));
		break;
	case SP_RM_CACHE_NODES:
		sp_sb_addf(act, "%s: grow %s from %d to %d nodes", m->name, reg, m->u.cache.from, m->u.cache.to);
		if (!strcmp(m->u.cache.why, "memory"))
			sp_sb_addf(why, "its working set, %s GB, at %s GB usable per node", qty(a, sizeof(a), m->u.cache.ws_gb),
				   qty(b, sizeof(b), m->u.cache.usable_gb));
		else if (!strcmp(m->u.cache.why, "operations"))
			sp_sb_addf(why, "%s operations/s at %s per node", qty(a, sizeof(a), m->u.cache.ops_per_s),
				   qty(b, sizeof(b), m->u.cache.ops_per_node));
		else
			sp_sb_adds(why, "its min_nodes");
		break;
	case SP_RM_CACHE_MEMORY:
		sp_sb_addf(act, "%s: its working set outgrows one node in %s: spread it over nodes (cluster mode)", m->name, reg);
		sp_sb_addf(why, "%s GB against %s GB usable on a %s (75%% of %s GiB)", qty(a, sizeof(a), m->u.memory.ws_gb),
			   qty(b, sizeof(b), m->u.memory.usable_gb), m->u.memory.sku, qty(c, sizeof(c), m->u.memory.memory_gib));
		break;
	case SP_RM_SCALING_MAX:
		sp_sb_addf(act, "%s: needs %s instances in %s, above scaling.max %s (short by %s): raise it or cut the work per request",
			   m->name, sp_rr_group(a, sizeof(a), m->u.scaling.need), reg, sp_rr_group(b, sizeof(b), m->u.scaling.max),
			   sp_rr_group(c, sizeof(c), m->u.scaling.need - m->u.scaling.max));
		sp_rr_month(x, m->u.scaling.worst_month, d);
		sp_sb_addf(why, "peak %s requests/s; ", qty(a, sizeof(a), m->u.scaling.peak_rps));
		sp_sb_addf(why, "at worst %s instances in %s (short by %s)", sp_rr_group(b, sizeof(b), m->u.scaling.worst_need), d,
			   sp_rr_group(c, sizeof(c), m->u.scaling.worst_need - m->u.scaling.max));
		break;
	case SP_RM_REGION: {
		int any = 0;
		sp_sb_addf(act, "open %s (%.0f%% of demand)", m->name, m->u.region.share * 100);
		sp_sb_addf(why, "%d %s in its first month", m->u.region.components,
			   plural(m->u.region.components, "component", "components"));
		const struct {
			double v;
			const char *one, *many;
		} parts[] = {
			{ m->u.region.instances, "instance", "instances" },
			{ m->u.region.db_nodes, "datastore node", "datastore nodes" },
			{ m->u.region.cache_nodes, "cache node", "cache nodes" },
			{ m->u.region.gpus, "GPU", "GPUs" },
		};
		for (size_t i = 0; i < SP_ARRAY_LEN(parts); i++)
			if (parts[i].v > 0)
				sp_sb_addf(why, "%s %s %s", any++ ? "," : ":", sp_rr_group(a, sizeof(a), parts[i].v),
					   plural(parts[i].v, parts[i].one, parts[i].many));
		break;
	}
	case SP_RM_GPU_COMMIT: {
		int per = m->u.commit.gpus_per_instance, yrs = m->u.commit.term / 12;
		sp_sb_addf(act, "%s: ", m->name);
		if (m->u.commit.prev == 0)
			sp_sb_addf(act, "buy %d %s (%d %s GPUs) on a %d-year commitment", m->u.commit.buy, m->u.commit.sku,
				   m->u.commit.buy * per, m->u.commit.gpu, yrs);
		else if (m->u.commit.level == 0)
			sp_sb_addf(act, "let the %d %s committed lapse", m->u.commit.lapse, m->u.commit.sku);
		else {
			sp_sb_addf(act, "renew %d %s (%d %s GPUs) for %d %s", m->u.commit.renew, m->u.commit.sku,
				   m->u.commit.renew * per, m->u.commit.gpu, yrs, plural(yrs, "year", "years"));
			if (m->u.commit.buy)
				sp_sb_addf(act, ", buy %d more", m->u.commit.buy);
			if (m->u.commit.lapse)
				sp_sb_addf(act, ", let %d lapse", m->u.commit.lapse);
		}
		sp_rr_month(x, m->need, c);
		sp_rr_month(x, m->u.commit.end - 1, d);
		sp_sb_addf(why, "the newsvendor level for %s..%s is %d; it saves %s against on-demand over those months", c, d,
			   m->u.commit.level, money(x, a, sizeof(a), m->u.commit.saving));
		break;
	}
	case SP_RM_TRAINING: {
		int mo = m->u.training.months;
		if (m->u.training.spot)
			sp_sb_addf(act, "%s: run %d of %d on spot: %d %s GPUs for %d %s; checkpoint for interruptions", m->name,
				   m->u.training.run, m->u.training.runs, m->u.training.gpus, m->u.training.gpu, mo,
				   plural(mo, "month", "months"));
		else
			sp_sb_addf(act, "%s: run %d of %d: reserve a capacity block of %d %s (%d %s GPUs) for %d %s", m->name,
				   m->u.training.run, m->u.training.runs, m->u.training.instances, m->u.training.sku,
				   m->u.training.gpus, m->u.training.gpu, mo, plural(mo, "month", "months"));
		sp_sb_addf(why, "%s GPU-hours (6 x parameters x tokens at its MFU), %s", sp_rr_group(a, sizeof(a), m->u.training.gpu_hours),
			   money(x, b, sizeof(b), m->u.training.cost));
		break;
	}
	case SP_RM_BUDGET:
		sp_sb_addf(act, "budget %s %s: %s at p%g", m->name, money(x, a, sizeof(a), m->u.budget.limit),
			   m->u.budget.total ? "the cost so far passes it" : "the first month over it", m->u.budget.pct);
		sp_sb_addf(why, "%s%s, %.1f%% over", m->u.budget.total ? "the cost from the horizon's start is " : "the month costs ",
			   money(x, b, sizeof(b), m->u.budget.value), (m->u.budget.value / m->u.budget.limit - 1) * 100);
		break;
	case SP_RM_NKINDS: break;
	}
}

/* ---- text and markdown building blocks ------------------------------------------------------------------- */

static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* s cleaned for the format: control characters as '?' (text) or ' '
 * (markdown); in markdown, the punctuation that means something escaped. */
static void add_clean(struct sp_sb *sb, const char *s, int md)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			sp_sb_addc(sb, md ? ' ' : '?');
		else if (md && strchr("\\`*_[]<|$~", c))
			sp_sb_addf(sb, "\\%c", c);
		else
			sp_sb_addc(sb, (char)c);
	}
}

static char *clean(const char *s, int md)
{
	struct sp_sb sb = SP_SB_INIT;
	add_clean(&sb, s, md);
	return sp_sb_detach(&sb, NULL);
}

static void pad(struct sp_sb *sb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sp_sb_addc(sb, ' ');
}

/* Text wrapped at WRAP_AT columns: the first line starts at column `at`
 * (already written), the others at `indent`. */
static void wrap(struct sp_sb *sb, const char *text, size_t at, size_t indent)
{
	const char *p = text;
	size_t col = at;
	int first = 1;
	while (*p) {
		size_t wl = strcspn(p, " ");
		size_t ww = width(p) - width(p + wl);
		if (!first && col + 1 + ww > WRAP_AT) {
			sp_sb_addc(sb, '\n');
			pad(sb, indent);
			col = indent;
		} else if (!first) {
			sp_sb_addc(sb, ' ');
			col++;
		}
		sp_sb_add(sb, p, wl);
		col += ww;
		first = 0;
		p += wl;
		while (*p == ' ')
			p++;
	}
	sp_sb_addc(sb, '\n');
}

/* Ends the output with an empty line, unless it does already. */
static void blank_line(struct sp_rr *x)
{
	size_t n = x->sb.len;
	char a = n >= 2 ? x->sb.buf[n - 2] : n == 1 ? x->tail[1] : x->tail[0];
	char b = n >= 1 ? x->sb.buf[n - 1] : x->tail[1];
	if (b != '\n')
		sp_sb_adds(&x->sb, "\n\n");
	else if (a != '\n')
		sp_sb_addc(&x->sb, '\n');
}

/* A sentence: in text indented by `indent` and wrapped; in markdown a
 * paragraph line, or a bullet. */
static void line(struct sp_rr *x, int bullet, size_t indent, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void line(struct sp_rr *x, int bullet, size_t indent, const char *fmt, ...)
{
	struct sp_sb s = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&s, fmt, ap);
	va_end(ap);
	char *c = clean(s.buf, x->md);
	if (x->md) {
		sp_sb_addf(&x->sb, "%s%s\n", bullet ? "- " : "", c);
	} else {
		pad(&x->sb, indent);
		if (bullet)
			sp_sb_adds(&x->sb, "- ");
		wrap(&x->sb, c, indent + (bullet ? 2 : 0), indent + (bullet ? 2 : 0));
	}
	free(c);
	sp_sb_release(&s);
}

static void heading(struct sp_rr *x, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void heading(struct sp_rr *x, int level, const char *fmt, ...)
{
	struct sp_sb s = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&s, fmt, ap);
	va_end(ap);
	char *c = clean(s.buf, x->md);
	if (x->md) {
		blank_line(x);
		sp_sb_addf(&x->sb, "%s %s\n\n", level == 1 ? "##" : "###", c);
	} else {
		/* a section is underlined, a part of it is not */
		sp_sb_addf(&x->sb, "\n%s\n", c);
		for (size_t i = 0, n = width(c); i < n && level == 1; i++)
			sp_sb_addc(&x->sb, '=');
		if (level == 1)
			sp_sb_addc(&x->sb, '\n');
	}
	free(c);
	sp_sb_release(&s);
}

/* A table: cells row by row, the first row the header; 'l' or 'r' per column. */
struct tbl {
	const char *align;
	size_t ncols;
	char **cell;
	size_t n, cap;
};

static void tbl_init(struct tbl *t, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
}

static void cell(struct tbl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell(struct tbl *t, const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	SP_GROW(t->cell, t->cap, t->n + 1);
	t->cell[t->n++] = sp_sb_detach(&sb, NULL);
}

static void tbl_free(struct tbl *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

/* One row of cleaned cells c (or, with c NULL, the rule under the header). */
static void tbl_row(struct sp_rr *x, const struct tbl *t, char *const *c, const size_t *w, size_t indent)
{
	if (x->md)
		sp_sb_addc(&x->sb, '|');
	else
		pad(&x->sb, indent);
	for (size_t j = 0; j < t->ncols; j++) {
		int right = t->align[j] == 'r', last = j + 1 == t->ncols;
		if (x->md)
			sp_sb_addc(&x->sb, ' ');
		else if (j)
			sp_sb_adds(&x->sb, "  ");
		if (!c) {
			for (size_t k = 0; k < w[j]; k++)
				sp_sb_addc(&x->sb, x->md && right && k + 1 == w[j] ? ':' : '-');
		} else if (right) {
			pad(&x->sb, w[j] - width(c[j]));
			sp_sb_adds(&x->sb, c[j]);
		} else {
			sp_sb_adds(&x->sb, c[j]);
			if (x->md || !last)
				pad(&x->sb, w[j] - width(c[j]));
		}
		if (x->md)
			sp_sb_adds(&x->sb, " |");
	}
	sp_sb_addc(&x->sb, '\n');
}

/* Text: indented, two spaces between columns, a rule under the header.
 * Markdown: a pipe table with the same alignment. Frees t. */
static void tbl_emit(struct sp_rr *x, struct tbl *t, size_t indent)
{
	size_t nrows = t->n / t->ncols, *w = sp_xcalloc(t->ncols, sizeof(size_t));
	char **c = sp_xcalloc(t->n + 1, sizeof(char *));

	for (size_t i = 0; i < t->n; i++) {
		c[i] = clean(t->cell[i], x->md);
		if (width(c[i]) > w[i % t->ncols])
			w[i % t->ncols] = width(c[i]);
	}
	for (size_t j = 0; j < t->ncols && x->md; j++)
		if (w[j] < 3)
			w[j] = 3;
	for (size_t r = 0; r < nrows; r++) {
		tbl_row(x, t, &c[r * t->ncols], w, indent);
		if (r == 0)
			tbl_row(x, t, NULL, w, indent);
	}
	for (size_t i = 0; i < t->n; i++)
		free(c[i]);
	free(c);
	free(w);
	tbl_free(t);
	sp_rr_flush(x, 0);
}

/* ---- sections ------------------------------------------------------------------------------------------ */

static const char *const theme_title[SP_RM_NTHEMES] = {
	[SP_RM_TH_DATA] = "data tier", [SP_RM_TH_CACHE] = "caching", [SP_RM_TH_SERVICES] = "service capacity",
	[SP_RM_TH_REGIONS] = "regions", [SP_RM_TH_GPU] = "GPU portfolio", [SP_RM_TH_COST] = "cost and budgets",
};

static const char *const kind_title[SP_NODE_NKINDS] = {
	[SP_NODE_SERVICE] = "instances", [SP_NODE_DATASTORE] = "datastore nodes", [SP_NODE_CACHE] = "cache nodes",
	[SP_NODE_QUEUE] = "", [SP_NODE_GPU] = "GPUs",
};

void sp_rr_year_label(const struct sp_rr *x, const struct sp_rm_year *y, char *buf, size_t n)
{
	char a[16], b[16];
	sp_rr_month(x, y->m0, a);
	sp_rr_month(x, y->m1 - 1, b);
	if (y->m1 - y->m0 == 12 && (x->spec->start + y->m0) % 12 == 0)
		snprintf(buf, n, "%d", (x->spec->start + y->m0) / 12);
	else if (y->m1 - y->m0 == 1)
		snprintf(buf, n, "%s", a);
	else
		snprintf(buf, n, "%s..%s", a, b);
}

/* One line of the header: text aligned after its key, markdown a list item. */
static void header_item(struct sp_rr *x, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void header_item(struct sp_rr *x, const char *key, const char *fmt, ...)
{
	struct sp_sb s = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&s, fmt, ap);
	va_end(ap);
	char *v = clean(s.buf, x->md);
	if (x->md) {
		sp_sb_addf(&x->sb, "- **%s**: %s\n", key, v);
	} else {
		sp_sb_addf(&x->sb, "  %-9s ", key);
		wrap(&x->sb, v, 12, 12);
	}
	free(v);
	sp_sb_release(&s);
}

static void header(struct sp_rr *x)
{
	const struct sp_roadmap *r = x->r;
	const struct sp_forecast *f = x->f;
	char a[16], b[16], c[16], d[16], now[16], paths[64];
	struct sp_sb owners = SP_SB_INIT;
	char *name = clean(x->spec->name, x->md);

	sp_rr_month(x, 0, a);
	sp_rr_month(x, f->months - 1, b);
	sp_rr_month(x, r->from, c);
	sp_rr_month(x, r->until, d);
	sp_rr_month(x, r->now, now);
	sp_rr_group(paths, sizeof(paths), f->paths);
	if (x->md)
		sp_sb_addf(&x->sb, "# Roadmap: %s\n\n", name);
	else
		sp_sb_addf(&x->sb, "Roadmap for %s\n", name);
	free(name);
	header_item(x, "horizon", "%s..%s (%d %s); this roadmap covers %s..%s; now is %s", a, b, f->months,
		    plural(f->months, "month", "months"), c, d, now);
	if (f->paths == 1)
		header_item(x, "path", "milestones on the only path (no driver has an uncertainty band): every percentile is the same");
	else
		header_item(x, "path", "milestones on the %s of %s Monte Carlo paths, seed %" PRIu64 "; envelopes p10..p90",
			    x->path, paths, f->seed);
	header_item(x, "catalog", "%s, prices as of %s, in %s", f->catalog, f->catalog_as_of ? f->catalog_as_of : "?",
		    f->currency);
	for (int dmn = 0; dmn < SP_RM_NDOMAINS; dmn++)
		sp_sb_addf(&owners, "%s%s: %s", dmn ? ", " : "", sp_rm_domain_keys[dmn],
			   r->owners[dmn] ? r->owners[dmn] : "unassigned");
	header_item(x, "owners", "%s (from the spec's tags)", owners.buf);
	sp_sb_release(&owners);
}

static void strategic(struct sp_rr *x)
{
	const struct sp_roadmap *r = x->r;
	static const enum sp_node_kind kinds[] = { SP_NODE_SERVICE, SP_NODE_DATASTORE, SP_NODE_CACHE, SP_NODE_GPU };
	char lbl[64], a[64], b[64], c[64];

	heading(x, 1, "Strategic layer: one section per year");
	if (!r->nyears)
		line(x, 0, 2, "no year in this roadmap");
	for (size_t i = 0; i < r->nyears; i++) {
		const struct sp_rm_year *y = &r->years[i];
		int any = 0;
		sp_rr_year_label(x, y, lbl, sizeof(lbl));
		heading(x, 2, "%s (year %d)", lbl, y->index + 1);
		if (!x->md)
			sp_sb_adds(&x->sb, "  themes\n");
		else
			sp_sb_adds(&x->sb, "Themes:\n\n");
		for (int th = 0; th < SP_RM_NTHEMES; th++) {
			const struct sp_rm_theme_sum *ts = &y->themes[th];
			struct sp_sb names = SP_SB_INIT;
			if (!ts->count)
				continue;
			any = 1;
			for (int k = 0; k < ts->ncomponents && k < 3; k++)
				sp_sb_addf(&names, "%s%s", k ? ", " : "", ts->names[k]);
			if (ts->ncomponents > 3)
				sp_sb_addf(&names, " and %d more", ts->ncomponents - 3);
			line(x, 1, 4, "%s: %d %s (%s)", theme_title[th], ts->count, plural(ts->count, "milestone", "milestones"),
			     names.buf);
			sp_sb_release(&names);
		}
		if (y->has_change)
			line(x, 1, 4, "cost: %+.1f%% a month over the year before (p50)", y->change * 100);
		else if (!any)
			line(x, 1, 4, "steady: no milestone is needed this year");
		if (x->md)
			sp_sb_addc(&x->sb, '\n');
		struct tbl t;
		tbl_init(&t, "lrrr");
		cell(&t, "envelope");
		cell(&t, "p10");
		cell(&t, "p50");
		cell(&t, "p90");
		cell(&t, "cost of the year");
		for (int k = 0; k < 3; k++)
			cell(&t, "%s", money(x, a, sizeof(a), y->cost[k]));
		for (size_t j = 0; j < SP_ARRAY_LEN(kinds); j++) {
			const double *v = y->cap[kinds[j]];
			if (!(v[2] > 0))
				continue;
			cell(&t, "%s, busiest month", kind_title[kinds[j]]);
			cell(&t, "%s", sp_rr_group(a, sizeof(a), v[0]));
			cell(&t, "%s", sp_rr_group(b, sizeof(b), v[1]));
			cell(&t, "%s", sp_rr_group(c, sizeof(c), v[2]));
		}
		tbl_emit(x, &t, 4);
		if (x->md)
			sp_sb_adds(&x->sb, "\nBig milestones:\n\n");
		else
			sp_sb_adds(&x->sb, "  big milestones\n");
		if (!y->nbig)
			line(x, 1, 4, "none");
		for (size_t k = 0; k < y->nbig; k++) {
			const struct sp_rm_milestone *m = &r->ms[y->big[k]];
			struct sp_sb act = SP_SB_INIT, why = SP_SB_INIT;
			char need[16], raise[16];
			sp_rr_describe(x, m, &act, &why);
			sp_rr_month(x, m->need, need);
			sp_rr_month(x, m->raise, raise);
			line(x, 1, 4, "%s  %s (act by %s)", need, act.buf, raise);
			sp_sb_release(&act);
			sp_sb_release(&why);
		}
		sp_rr_flush(x, 0);
	}
}

void sp_rr_quarter_label(const struct sp_rm_quarter *q, char *buf, size_t n)
{
	snprintf(buf, n, "%d-Q%d", q->start / 12, q->start % 12 / 3 + 1);
}

static void latency_label(const struct sp_service *s, char *buf, size_t n)
{
	if (s->has_latency_slo)
		snprintf(buf, n, "p%.10g <= %.10g ms", s->slo_quantile * 100, s->slo_ms);
	else
		snprintf(buf, n, "-");
}

static void tactical(struct sp_rr *x)
{
	const struct sp_roadmap *r = x->r;
	char lbl[32], a[16], b[16], c[64], d[64], e[64];

	if (!r->nquarters) {
		heading(x, 1, "Tactical layer");
		line(x, 0, 2, "no quarter: now is past the end of this roadmap");
	} else {
		heading(x, 1, "Tactical layer: the next %zu %s", r->nquarters,
			plural((double)r->nquarters, "quarter", "quarters"));
	}
	for (size_t q = 0; q < r->nquarters; q++) {
		const struct sp_rm_quarter *qu = &r->quarters[q];
		sp_rr_quarter_label(qu, lbl, sizeof(lbl));
		sp_rr_month(x, qu->m0, a);
		sp_rr_month(x, qu->m1 - 1, b);
		heading(x, 2, "%s (%s..%s)", lbl, a, b);
		if (!qu->nactions) {
			line(x, 0, 2, "no milestone to act on this quarter");
		} else {
			struct tbl t;
			tbl_init(&t, "lllll");
			cell(&t, "act by");
			cell(&t, "needed");
			cell(&t, "owner");
			cell(&t, "status");
			cell(&t, "action");
			for (size_t k = 0; k < qu->nactions; k++) {
				const struct sp_rm_milestone *m = &r->ms[qu->actions[k]];
				struct sp_sb act = SP_SB_INIT, why = SP_SB_INIT;
				sp_rr_describe(x, m, &act, &why);
				sp_rr_month(x, m->raise, a);
				sp_rr_month(x, m->need, b);
				cell(&t, "%s", a);
				cell(&t, "%s", b);
				cell(&t, "%s", m->owner ? m->owner : "unassigned");
				cell(&t, "%s", m->raise < qu->m0 ? "overdue" : m->late ? "late" : "due");
				cell(&t, "%s", act.buf);
				sp_sb_release(&act);
				sp_sb_release(&why);
			}
			tbl_emit(x, &t, 2);
		}
		/* the load tests before the quarter */
		struct tbl t;
		size_t rows = 0;
		tbl_init(&t, "llrrrlr");
		cell(&t, "load test");
		cell(&t, "region");
		cell(&t, "peak/s");
		cell(&t, "2x/s");
		cell(&t, "5x/s");
		cell(&t, "hold");
		cell(&t, "instances 1x/2x/5x");
		for (size_t i = 0; i < r->ntriggers; i++) {
			const struct sp_rm_trigger *tr = &r->triggers[i];
			for (size_t k = 0; k < tr->ntests; k++) {
				const struct sp_rm_loadtest *lt = &tr->tests[k];
				if (lt->quarter != (int)q)
					continue;
				char hold[64];
				latency_label(tr->s, hold, sizeof(hold));
				cell(&t, "%s", tr->s->name);
				cell(&t, "%s", sp_rr_region(x, lt->region));
				cell(&t, "%s", qty(c, sizeof(c), lt->peak_rps));
				cell(&t, "%s", qty(d, sizeof(d), 2 * lt->peak_rps));
				cell(&t, "%s", qty(e, sizeof(e), 5 * lt->peak_rps));
				cell(&t, "%s", hold);
				char i1[64], i2[64], i5[64];
				cell(&t, "%s/%s/%s%s", sp_rr_group(i1, sizeof(i1), lt->inst[0]), sp_rr_group(i2, sizeof(i2), lt->inst[1]),
				     sp_rr_group(i5, sizeof(i5), lt->inst[2]),
				     tr->s->max > 0 && lt->inst[2] > tr->s->max ? " (max binds)" : "");
				rows++;
			}
		}
		if (x->md)
			sp_sb_addc(&x->sb, '\n');
		if (rows) {
			line(x, 0, 2, "load tests to pass before the quarter, at 2x and 5x its %s peak in the busiest region:",
			     x->path);
			if (x->md)
				sp_sb_addc(&x->sb, '\n');
			tbl_emit(x, &t, 2);
		} else {
			tbl_free(&t);
			line(x, 0, 2, "no service has traffic to load-test this quarter");
		}
	}
}

static void milestones(struct sp_rr *x)
{
	const struct sp_roadmap *r = x->r;
	char a[16], b[16];

	heading(x, 1, "Milestones on the %s path", x->path);
	if (!r->nms) {
		line(x, 0, 2, "no milestone in this roadmap");
		return;
	}
	if (x->md) {
		struct tbl t;
		tbl_init(&t, "llrlll");
		cell(&t, "act by");
		cell(&t, "needed");
		cell(&t, "lead");
		cell(&t, "owner");
		cell(&t, "milestone");
		cell(&t, "why");
		for (size_t i = 0; i < r->nms; i++) {
			const struct sp_rm_milestone *m = &r->ms[i];
			struct sp_sb act = SP_SB_INIT, why = SP_SB_INIT;
			sp_rr_describe(x, m, &act, &why);
			sp_rr_month(x, m->raise, a);
			sp_rr_month(x, m->need, b);
			cell(&t, "%s%s", a, m->late ? " (late)" : "");
			cell(&t, "%s", b);
			cell(&t, "%d", m->lead);
			cell(&t, "%s", m->owner ? m->owner : "unassigned");
			cell(&t, "%s", act.buf);
			cell(&t, "%s", why.buf);
			sp_sb_release(&act);
			sp_sb_release(&why);
		}
		tbl_emit(x, &t, 0);
		return;
	}
	/* text: a row per milestone, its reason on the line below */
	size_t ow = strlen("owner");
	for (size_t i = 0; i < r->nms; i++)
		if (r->ms[i].owner && width(r->ms[i].owner) > ow)
			ow = width(r->ms[i].owner);
	if (ow < strlen("unassigned"))
		for (size_t i = 0; i < r->nms; i++)
			if (!r->ms[i].owner)
				ow = strlen("unassigned");
	size_t col = 2 + 8 + 2 + 7 + 2 + 4 + 2 + ow + 2;
	sp_sb_addf(&x->sb, "  act by    needed   lead  %-*s  milestone\n", (int)ow, "owner");
	sp_sb_addf(&x->sb, "  --------  -------  ----  ");
	for (size_t k = 0; k < ow; k++)
		sp_sb_addc(&x->sb, '-');
	sp_sb_adds(&x->sb, "  ---------\n");
	for (size_t i = 0; i < r->nms; i++) {
		const struct sp_rm_milestone *m = &r->ms[i];
		struct sp_sb act = SP_SB_INIT, why = SP_SB_INIT;
		sp_rr_describe(x, m, &act, &why);
		sp_rr_month(x, m->raise, a);
		sp_rr_month(x, m->need, b);
		char *owner = clean(m->owner ? m->owner : "unassigned", 0), *ca = clean(act.buf, 0), *cw = clean(why.buf, 0);
		sp_sb_addf(&x->sb, "  %-7s%s  %-7s  %4d  ", a, m->late ? "!" : " ", b, m->lead);
		sp_sb_adds(&x->sb, owner);
		pad(&x->sb, ow - width(owner) + 2);
		wrap(&x->sb, ca, col, col + 2);
		pad(&x->sb, col + 2);
		wrap(&x->sb, cw, col + 2, col + 2);
		free(owner);
		free(ca);
		free(cw);
		sp_sb_release(&act);
		sp_sb_release(&why);
		sp_rr_flush(x, 0);
	}
	line(x, 0, 2, "'!': the act-by month is before now (late); lead: months from act-by to needed");
}

static void triggers(struct sp_rr *x)
{
	const struct sp_roadmap *r = x->r;
	char a[64], b[96];
	struct tbl t;

	heading(x, 1, "Decision triggers");
	line(x, 0, 2, "burn-rate alerts on each service's error budget, over a 30-day SLO period (the SRE workbook's multiwindow alerts):");
	if (x->md)
		sp_sb_addc(&x->sb, '\n');
	tbl_init(&t, "lrrrrr");
	cell(&t, "alert");
	cell(&t, "burn rate");
	cell(&t, "long window");
	cell(&t, "short window");
	cell(&t, "budget spent when it fires");
	cell(&t, "budget gone in");
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct sp_rm_alert *al = &r->alerts[i];
		double gone_h = SP_RM_SLO_PERIOD_H / al->burn_rate;
		cell(&t, "%s", al->severity);
		cell(&t, "%.10gx", al->burn_rate);
		cell(&t, al->long_min % 1440 == 0 ? "%d d" : al->long_min % 60 == 0 ? "%d h" : "%d min",
		     al->long_min % 1440 == 0 ? al->long_min / 1440 : al->long_min % 60 == 0 ? al->long_min / 60 : al->long_min);
		cell(&t, al->short_min % 1440 == 0 ? "%d d" : al->short_min % 60 == 0 ? "%d h" : "%d min",
		     al->short_min % 1440 == 0 ? al->short_min / 1440
		     : al->short_min % 60 == 0 ? al->short_min / 60
					       : al->short_min);
		cell(&t, "%.1f%%", sp_rm_alert_budget_share(al) * 100);
		if (gone_h >= 48)
			cell(&t, "%.1f days", gone_h / 24);
		else
			cell(&t, "%.1f h", gone_h);
	}
	tbl_emit(x, &t, 2);
	if (x->md)
		sp_sb_addc(&x->sb, '\n');
	if (!r->ntriggers) {
		line(x, 0, 2, "the spec has no service");
		return;
	}
	line(x, 0, 2, "per service: the error budget of its availability, the error rate at which each alert fires, and the signal its class scales on:");
	if (x->md)
		sp_sb_addc(&x->sb, '\n');
	{
		char *align = sp_xcalloc(r->nalerts + 7, 1);
		memset(align, 'l', 3);
		memset(align + 3, 'r', r->nalerts + 2);
		align[r->nalerts + 5] = 'l';
		tbl_init(&t, align);
		cell(&t, "service");
		cell(&t, "class");
		cell(&t, "owner");
		cell(&t, "availability");
		cell(&t, "budget/30 d");
		for (size_t i = 0; i < r->nalerts; i++)
			cell(&t, "%s %.10gx", r->alerts[i].severity, r->alerts[i].burn_rate);
		cell(&t, "scaling signal");
		for (size_t i = 0; i < r->ntriggers; i++) {
			const struct sp_rm_trigger *tr = &r->triggers[i];
			const struct sp_service *s = tr->s;
			cell(&t, "%s", s->name);
			cell(&t, "%s", sp_class_names[s->cls]);
			cell(&t, "%s", tr->owner ? tr->owner : "unassigned");
			if (s->availability > 0) {
				cell(&t, "%.10g%%", s->availability);
				cell(&t, "%s min", qty(a, sizeof(a), tr->budget_min));
				for (size_t k = 0; k < r->nalerts; k++)
					cell(&t, "%.3g%%", tr->error_rate[k] * 100);
			} else {
				cell(&t, "-");
				cell(&t, "-");
				for (size_t k = 0; k < r->nalerts; k++)
					cell(&t, "-");
			}
			snprintf(b, sizeof(b), "%d..%s", s->min, s->max > 0 ? sp_rr_group(a, sizeof(a), s->max) : "");
			switch (tr->signal) {
			case SP_RM_SIG_CPU: cell(&t, "CPU at %.0f%% (%s instances)", tr->signal_target * 100, b); break;
			case SP_RM_SIG_BACKLOG:
				cell(&t, "backlog age over %s s (%s instances)", qty(a, sizeof(a), tr->signal_target), b);
				break;
			case SP_RM_SIG_SCHEDULE: cell(&t, "schedule windows (%s instances)", b); break;
			}
		}
		tbl_emit(x, &t, 2);
		free(align);
	}
	if (x->md)
		sp_sb_addc(&x->sb, '\n');
	line(x, 0, 2, "error rate: the share of failing requests, over both windows, at which the alert fires; '-': no availability objective");
}

/* ---- entry ---------------------------------------------------------------------------------------------- */

int sp_render_roadmap(FILE *out, const struct sp_roadmap *r, const char *format, struct sp_err *err)
{
	struct sp_rr x;

	if (!format || (strcmp(format, "text") && strcmp(format, "markdown") && strcmp(format, "json")))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "unknown format '%s'; expected text, markdown or json",
				  format ? format : "");
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.spec = r->spec;
	x.f = r->f;
	x.out = out;
	sp_sb_init(&x.sb);
	snprintf(x.path, sizeof(x.path), "p%.10g", r->pct);
	if (!strcmp(format, "json")) {
		sp_rr_json(&x);
	} else {
		x.md = !strcmp(format, "markdown");
		header(&x);
		strategic(&x);
		tactical(&x);
		milestones(&x);
		triggers(&x);
	}
	sp_rr_flush(&x, 1);
	sp_sb_release(&x.sb);
	if (!x.failed && fflush(out) != 0) {
		x.failed = 1;
		x.errnum = errno;
	}
	if (x.failed || ferror(out))
		return sp_err_set(err, SP_EIO, "", 0, 0, "cannot write the roadmap: %s", strerror(x.errnum ? x.errnum : EIO));
	return 0;
}
