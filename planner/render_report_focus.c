/* FOCUS 1.1 cost rows of one path (docs/report-format.md, "focus"): a CSV
 * with a header line, one column per FOCUS column scaleplan can fill, then
 * its own x_ columns. Rows, month by month:
 *   - per resource (a component in a region) its usage, split by how it is
 *     priced, as FOCUS's discount handling asks: the part a commitment covers
 *     (Committed, Used), the part above it (Standard on demand, Dynamic on
 *     spot), and a datastore's storage;
 *   - per commitment its monthly purchase (Purchase, Recurring) and its
 *     unused part (Committed, Unused), not tied to one region;
 *   - internet egress, one row per price tier of the account's volume.
 * Costs are the forecast's own on that path, split in micro-units so that the
 * BilledCost (and the EffectiveCost) of a month add up exactly to the path's
 * total of that month. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_report.h"
#include "planner/render_report_int.h"

#define FLUSH_AT (1u << 16)
#define TAG_PREFIX "scaleplan/"

/* The columns, in FOCUS's alphabetical order, then scaleplan's own. */
enum col {
	C_BILLED_COST, C_BILLING_ACCOUNT_ID, C_BILLING_ACCOUNT_NAME, C_BILLING_CURRENCY, C_BILLING_PERIOD_END,
	C_BILLING_PERIOD_START, C_CHARGE_CATEGORY, C_CHARGE_CLASS, C_CHARGE_DESCRIPTION, C_CHARGE_FREQUENCY,
	C_CHARGE_PERIOD_END, C_CHARGE_PERIOD_START, C_CD_CATEGORY, C_CD_ID, C_CD_NAME, C_CD_QUANTITY, C_CD_STATUS,
	C_CD_TYPE, C_CD_UNIT, C_CONSUMED_QUANTITY, C_CONSUMED_UNIT, C_CONTRACTED_COST, C_CONTRACTED_UNIT_PRICE,
	C_EFFECTIVE_COST, C_INVOICE_ISSUER, C_LIST_COST, C_LIST_UNIT_PRICE, C_PRICING_CATEGORY, C_PRICING_QUANTITY,
	C_PRICING_UNIT, C_PROVIDER, C_PUBLISHER, C_REGION_ID, C_REGION_NAME, C_RESOURCE_ID, C_RESOURCE_NAME,
	C_RESOURCE_TYPE, C_SERVICE_CATEGORY, C_SERVICE_NAME, C_SERVICE_SUBCATEGORY, C_SKU_ID, C_SKU_METER,
	C_SKU_PRICE_DETAILS, C_SKU_PRICE_ID, C_TAGS, C_X_COST_CATEGORY, C_X_PATH, C_X_PATH_PERCENTILE, NCOLS
};

static const char *const col_names[NCOLS] = {
	"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
	"BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
	"CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
	"CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
	"EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity",
	"PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName",
	"ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails",
	"SkuPriceId", "Tags", "x_CostCategory", "x_Path", "x_PathPercentile",
};

/* One row being filled: each column's text, or NULL for null (an empty field). */
struct row {
	char *v[NCOLS];
	struct sp_sb buf[NCOLS];
};

static void row_init(struct row *r)
{
	for (int i = 0; i < NCOLS; i++) {
		sp_sb_init(&r->buf[i]);
		r->v[i] = NULL;
	}
}

static void row_release(struct row *r)
{
	for (int i = 0; i < NCOLS; i++)
		sp_sb_release(&r->buf[i]);
}

static void row_clear(struct row *r)
{
	for (int i = 0; i < NCOLS; i++) {
		sp_sb_reset(&r->buf[i]);
		r->v[i] = NULL;
	}
}

static void set(struct row *r, enum col c, const char *s)
{
	if (!s) {
		r->v[c] = NULL;
		return;
	}
	sp_sb_reset(&r->buf[c]);
	sp_sb_adds(&r->buf[c], s);
	r->v[c] = r->buf[c].buf;
}

static void setf(struct row *r, enum col c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void setf(struct row *r, enum col c, const char *fmt, ...)
{
	va_list ap;
	sp_sb_reset(&r->buf[c]);
	va_start(ap, fmt);
	sp_sb_vaddf(&r->buf[c], fmt, ap);
	va_end(ap);
	r->v[c] = r->buf[c].buf;
}

/* An amount in micro-units, exactly: "123.45", "0.000001", "-2". */
static void set_micro(struct row *r, enum col c, int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	char frac[8];
	int n = 6;

	snprintf(frac, sizeof(frac), "%06" PRIu64, a % 1000000);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n)
		setf(r, c, "%s%" PRIu64 ".%s", v < 0 ? "-" : "", a / 1000000, frac);
	else
		setf(r, c, "%s%" PRIu64, v < 0 ? "-" : "", a / 1000000);
}

/* A quantity or a unit price with at most dec decimals, trailing zeros dropped. */
static void set_dec(struct row *r, enum col c, double v, int dec)
{
	sp_sb_reset(&r->buf[c]);
	rr_add_dec(&r->buf[c], v, dec);
	r->v[c] = r->buf[c].buf;
}

static void field(struct sp_sb *sb, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		sp_sb_addc(sb, '"');
		for (; *s; s++) {
			if (*s == '"')
				sp_sb_addc(sb, '"');
			sp_sb_addc(sb, *s);
		}
		sp_sb_addc(sb, '"');
	} else {
		sp_sb_adds(sb, s);
	}
}

static void row_write(const struct row *r, struct sp_sb *sb)
{
	for (int i = 0; i < NCOLS; i++) {
		if (i)
			sp_sb_addc(sb, ',');
		if (r->v[i])
			field(sb, r->v[i]);
	}
	sp_sb_addc(sb, '\n');
}

/* ---- what each kind of component is in FOCUS's terms ----------------------------------------------------- */

struct service_kind {
	const char *service_name, *category, *subcategory, *resource_type, *meter;
};

static struct service_kind kind_of(const struct sp_node *node)
{
	switch (node->kind) {
	case SP_NODE_SERVICE:
		return (struct service_kind){ "Compute instances", "Compute", "Virtual Machines", "Virtual Machine",
					      "Compute Usage" };
	case SP_NODE_DATASTORE: {
		/* the engines the loader accepts: relational ones, else NoSQL */
		const char *engine = sp_db_engine_names[node->datastore->engine];
		int relational = !strcmp(engine, "postgres") || !strcmp(engine, "mysql") || !strcmp(engine, "aurora");
		return (struct service_kind){ "Managed databases", "Databases",
					      relational ? "Relational Databases" : "NoSQL Databases", "Database",
					      "Database Instance Usage" };
	}
	case SP_NODE_CACHE:
		return (struct service_kind){ "Managed caches", "Databases", "Caching", "Cache Node", "Cache Node Usage" };
	case SP_NODE_GPU:
		if (node->gpu->kind == SP_GPU_TRAINING)
			return (struct service_kind){ "GPU instances", "AI and Machine Learning", "Machine Learning",
						      "GPU Training", "GPU Usage" };
		return (struct service_kind){ "GPU instances", "AI and Machine Learning", "Machine Learning",
					      "GPU Inference", "GPU Usage" };
	default:
		return (struct service_kind){ "Queues", "Integration", "Messaging", "Queue", "Messages" };
	}
}

/* ---- the rendering ---------------------------------------------------------------------------------------- */

struct fx {
	const struct sp_report_path *p;
	const struct sp_forecast *f;
	const struct sp_spec *spec;
	const struct sp_graph *g;
	const struct sp_catalog *cat;
	struct row row;
	struct sp_sb *sb;
	char period_start[32], period_end[32], month[16];
	char pct[32];
	char **tags;                   /* per line: its Tags JSON */
	char *tags_plain;              /* the spec's tags only (rows of no component) */
	int m;
};

/* The columns every row has: the account, the period, the issuer, the path. */
static void common(struct fx *x)
{
	struct row *r = &x->row;
	row_clear(r);
	set(r, C_BILLING_ACCOUNT_ID, x->spec->name);
	set(r, C_BILLING_ACCOUNT_NAME, x->spec->name);
	set(r, C_BILLING_CURRENCY, x->f->currency);
	set(r, C_BILLING_PERIOD_START, x->period_start);
	set(r, C_BILLING_PERIOD_END, x->period_end);
	set(r, C_CHARGE_PERIOD_START, x->period_start);
	set(r, C_CHARGE_PERIOD_END, x->period_end);
	set(r, C_INVOICE_ISSUER, x->f->catalog);
	set(r, C_PROVIDER, x->f->catalog);
	set(r, C_PUBLISHER, x->f->catalog);
	setf(r, C_X_PATH, "%d", x->p->path);
	set(r, C_X_PATH_PERCENTILE, x->pct);
}

/* A cost row's three amounts equal; ListCost and ContractedCost from quantity x list price. */
static void costs(struct row *r, int64_t billed, int64_t effective, double quantity, double list_price)
{
	int64_t list = llround(quantity * list_price * 1e6);
	set_micro(r, C_BILLED_COST, billed);
	set_micro(r, C_EFFECTIVE_COST, effective);
	set_micro(r, C_LIST_COST, list);
	set_micro(r, C_CONTRACTED_COST, list);
	set_dec(r, C_LIST_UNIT_PRICE, list_price, 10);
	set_dec(r, C_CONTRACTED_UNIT_PRICE, list_price, 10);
	set_dec(r, C_PRICING_QUANTITY, quantity, 6);
}

/* Tags: the spec's, then scaleplan's own under its prefix; compact JSON. */
static char *tags_json(const struct sp_spec *spec, const struct sp_fc_line *l)
{
	json_t *o = json_object();
	char *s = NULL;
	size_t len;

	for (size_t i = 0; i < spec->ntags; i++)
		json_object_set_new(o, spec->tags[i].key, json_string(spec->tags[i].value ? spec->tags[i].value : ""));
	json_object_set_new(o, TAG_PREFIX "spec", json_string(spec->name));
	if (l) {
		json_object_set_new(o, TAG_PREFIX "component", json_string(l->name));
		json_object_set_new(o, TAG_PREFIX "class", json_string(l->group_class));
	}
	if (sp_json_dump(o, SP_JSON_COMPACT, &s, NULL) < 0)
		s = sp_xstrdup("{}");
	json_decref(o);
	len = strlen(s);
	while (len && s[len - 1] == '\n')
		s[--len] = '\0';
	return s;
}

/* Splits v (micro-units) by weights w[0..n) (their sum ws > 0): each part
 * rounded, the last gets what is left, so the parts add up to v. */
static void split_micro(int64_t v, const double *w, double ws, size_t n, int64_t *out)
{
	int64_t left = v;
	int last = -1;
	for (size_t i = 0; i < n; i++)
		if (w[i] > 0)
			last = (int)i;
	for (size_t i = 0; i < n; i++) {
		out[i] = 0;
		if (!(w[i] > 0))
			continue;
		out[i] = (int)i == last ? left : llround((double)v * w[i] / ws);
		left -= out[i];
	}
}

/* The region weights of line li in the month: its capacity in each, or the
 * shares of the active regions when it holds none. Returns their sum. */
static double region_weights(const struct fx *x, size_t li, double *w)
{
	const struct sp_report_path *p = x->p;
	size_t R = x->spec->nregions, M = (size_t)x->f->months;
	double ws = 0;

	for (size_t r = 0; r < R; r++) {
		w[r] = p->region_units[(li * R + r) * M + (size_t)x->m];
		ws += w[r];
	}
	if (ws > 0)
		return ws;
	for (size_t r = 0; r < R; r++) {
		const struct sp_region *reg = &x->spec->regions[r];
		int active = reg->from == SP_NO_MONTH || x->f->start + x->m >= reg->from;
		w[r] = active ? reg->share : 0;
		ws += w[r];
	}
	return ws;
}

struct line_ctx {
	const struct sp_fc_line *l;
	const struct sp_node *node;
	struct sp_rp_line li;
	struct service_kind k;
	const struct sp_sku *sku;
	char commit_id[256], commit_name[256], price_commit[96], price_od[96], price_spot[96], details[160];
	const char *unit;              /* "Hours" of an instance, "GPU-Hours" for training */
	size_t i;
};

/* The columns of a resource's row: what it is and where. */
static void resource_cols(struct fx *x, const struct line_ctx *c, int region)
{
	static const char *const types[SP_NODE_NKINDS] = { "service", "cache", "datastore", "queue", "gpu" };
	struct row *r = &x->row;
	const struct sp_region *reg = region >= 0 ? &x->spec->regions[region] : NULL;

	set(r, C_SERVICE_NAME, c->k.service_name);
	set(r, C_SERVICE_CATEGORY, c->k.category);
	set(r, C_SERVICE_SUBCATEGORY, c->k.subcategory);
	set(r, C_RESOURCE_NAME, c->l->name);
	set(r, C_TAGS, x->tags[c->i]);
	set(r, C_SKU_ID, c->l->sku);
	set(r, C_SKU_PRICE_DETAILS, c->details[0] ? c->details : NULL);
	set(r, C_X_COST_CATEGORY, sp_rp_category_names[c->li.category]);
	if (reg) {
		set(r, C_REGION_ID, reg->name);
		set(r, C_REGION_NAME, reg->name);
		/* the address the state and plans use: <type>.<name>[<region>] */
		setf(r, C_RESOURCE_ID, "%s.%s[%s]", types[c->l->kind], c->l->name, reg->name);
		set(r, C_RESOURCE_TYPE, c->k.resource_type);
	}
}

static void commitment_cols(struct row *r, const struct line_ctx *c)
{
	set(r, C_CD_CATEGORY, "Usage");
	set(r, C_CD_ID, c->commit_id);
	set(r, C_CD_NAME, c->commit_name);
	set(r, C_CD_TYPE, "Reservation");
	set(r, C_CD_UNIT, c->unit);
}

/* The unit-hours a cost stands for: instances (or GPUs for training) x hours. */
static void usage_rows(struct fx *x, struct line_ctx *c, const struct sp_rp_split *s, double hours_month)
{
	size_t R = x->spec->nregions;
	double w[64], *wp = R <= 64 ? w : sp_xcalloc(R, sizeof(double));
	int64_t part_used[64], part_above[64], part_storage[64];
	int64_t *pu = R <= 64 ? part_used : sp_xcalloc(R, sizeof(int64_t));
	int64_t *pa = R <= 64 ? part_above : sp_xcalloc(R, sizeof(int64_t));
	int64_t *ps = R <= 64 ? part_storage : sp_xcalloc(R, sizeof(int64_t));
	double ws = region_weights(x, c->i, wp);
	struct row *r = &x->row;
	const struct sp_fc_line *l = c->l;
	double od_hour = c->li.od_hour;
	int spot = l->purchase == SP_BUY_SPOT || l->purchase == SP_BUY_COMMIT_SPOT;
	/* unit-hours of the month: instances x hours, or GPU-hours for training
	 * (read off the list cost: the forecast bills them at od_hour) */
	double list_all = (double)(s->cost_od - s->storage) / 1e6;
	double units_hours = od_hour > 0 ? list_all / od_hour : 0;
	double used_hours = 0, above_hours;
	int64_t used_cost = 0, unused_cost = 0;

	if (c->li.training) {
		if (s->committed > 0)
			used_hours = units_hours, used_cost = s->committed;
	} else if (s->level > 0) {
		int used = s->billed < s->level ? s->billed : s->level;
		used_hours = used * hours_month;
		used_cost = s->level > 0 ? llround((double)s->committed * used / s->level) : 0;
		unused_cost = s->committed - used_cost;
	}
	above_hours = units_hours - used_hours;
	if (above_hours < 0)
		above_hours = 0;
	if (ws > 0) {
		split_micro(used_cost, wp, ws, R, pu);
		split_micro(s->above, wp, ws, R, pa);
		split_micro(s->storage, wp, ws, R, ps);
	}
	char desc[512];
	for (size_t ri = 0; ri < R && ws > 0; ri++) {
		if (!(wp[ri] > 0))
			continue;
		double share = wp[ri] / ws;
		if (used_hours > 0) {
			common(x);
			resource_cols(x, c, (int)ri);
			set(r, C_CHARGE_CATEGORY, "Usage");
			set(r, C_CHARGE_FREQUENCY, "Usage-Based");
			set(r, C_PRICING_CATEGORY, "Committed");
			costs(r, 0, pu[ri], used_hours * share, od_hour);
			set(r, C_PRICING_UNIT, c->unit);
			set_dec(r, C_CONSUMED_QUANTITY, used_hours * share, 6);
			set(r, C_CONSUMED_UNIT, c->unit);
			commitment_cols(r, c);
			set(r, C_CD_STATUS, "Used");
			set_dec(r, C_CD_QUANTITY, used_hours * share, 6);
			set(r, C_SKU_METER, c->k.meter);
			set(r, C_SKU_PRICE_ID, c->price_commit);
			snprintf(desc, sizeof(desc), "%s in %s: %s of %s under %s", l->name, x->spec->regions[ri].name,
				 c->li.training ? "GPU-hours" : "hours", l->sku, c->commit_id);
			set(r, C_CHARGE_DESCRIPTION, desc);
			row_write(r, x->sb);
		}
		if (above_hours > 0 || pa[ri] > 0) {
			common(x);
			resource_cols(x, c, (int)ri);
			set(r, C_CHARGE_CATEGORY, "Usage");
			set(r, C_CHARGE_FREQUENCY, "Usage-Based");
			set(r, C_PRICING_CATEGORY, spot ? "Dynamic" : "Standard");
			costs(r, pa[ri], pa[ri], above_hours * share, od_hour);
			set(r, C_PRICING_UNIT, c->unit);
			set_dec(r, C_CONSUMED_QUANTITY, above_hours * share, 6);
			set(r, C_CONSUMED_UNIT, c->unit);
			set(r, C_SKU_METER, c->k.meter);
			set(r, C_SKU_PRICE_ID, spot ? c->price_spot : c->price_od);
			snprintf(desc, sizeof(desc), "%s in %s: %s of %s %s", l->name, x->spec->regions[ri].name,
				 c->li.training ? "GPU-hours" : "hours", l->sku,
				 spot ? "on spot, with the interruption overhead" : "on demand");
			set(r, C_CHARGE_DESCRIPTION, desc);
			row_write(r, x->sb);
		}
		if (ps[ri] > 0) {
			double price = x->cat->db_storage_gb_month;
			double gbm = price > 0 ? (double)s->storage / 1e6 / price * share : 0;
			common(x);
			resource_cols(x, c, (int)ri);
			set(r, C_CHARGE_CATEGORY, "Usage");
			set(r, C_CHARGE_FREQUENCY, "Usage-Based");
			set(r, C_PRICING_CATEGORY, "Standard");
			costs(r, ps[ri], ps[ri], gbm, price);
			set(r, C_PRICING_UNIT, "GB-Months");
			set_dec(r, C_CONSUMED_QUANTITY, gbm, 6);
			set(r, C_CONSUMED_UNIT, "GB-Months");
			set(r, C_SKU_ID, "database-storage");
			set(r, C_SKU_METER, "Storage");
			set(r, C_SKU_PRICE_ID, "database-storage/gb-month");
			set(r, C_SKU_PRICE_DETAILS, NULL);
			set(r, C_X_COST_CATEGORY, "storage");
			snprintf(desc, sizeof(desc), "%s in %s: database storage, every copy kept", l->name,
				 x->spec->regions[ri].name);
			set(r, C_CHARGE_DESCRIPTION, desc);
			row_write(r, x->sb);
		}
	}
	/* the commitment: its purchase this month, and what of it went unused */
	if (s->committed > 0) {
		double qty = c->li.training ? used_hours : s->level * hours_month;
		common(x);
		set(r, C_SERVICE_NAME, c->k.service_name);
		set(r, C_SERVICE_CATEGORY, c->k.category);
		set(r, C_SERVICE_SUBCATEGORY, c->k.subcategory);
		set(r, C_RESOURCE_ID, c->commit_id);
		set(r, C_RESOURCE_NAME, c->commit_name);
		set(r, C_RESOURCE_TYPE, "Commitment");
		set(r, C_TAGS, x->tags[c->i]);
		set(r, C_SKU_ID, l->sku);
		set(r, C_SKU_PRICE_DETAILS, c->details[0] ? c->details : NULL);
		set(r, C_X_COST_CATEGORY, sp_rp_category_names[c->li.category]);
		set(r, C_CHARGE_CATEGORY, "Purchase");
		set(r, C_CHARGE_FREQUENCY, "Recurring");
		set(r, C_PRICING_CATEGORY, "Standard");
		costs(r, s->committed, 0, qty, c->li.commit_hour);
		set_micro(r, C_LIST_COST, s->committed);
		set_micro(r, C_CONTRACTED_COST, s->committed);
		set(r, C_PRICING_UNIT, c->unit);
		commitment_cols(r, c);
		set_dec(r, C_CD_QUANTITY, qty, 6);
		set(r, C_SKU_METER, c->k.meter);
		set(r, C_SKU_PRICE_ID, c->price_commit);
		snprintf(desc, sizeof(desc), "%s: this month of %s", l->name, c->commit_name);
		set(r, C_CHARGE_DESCRIPTION, desc);
		row_write(r, x->sb);
		if (unused_cost > 0) {
			double unused_hours = (s->level - (s->billed < s->level ? s->billed : s->level)) * hours_month;
			common(x);
			set(r, C_SERVICE_NAME, c->k.service_name);
			set(r, C_SERVICE_CATEGORY, c->k.category);
			set(r, C_SERVICE_SUBCATEGORY, c->k.subcategory);
			set(r, C_RESOURCE_ID, c->commit_id);
			set(r, C_RESOURCE_NAME, c->commit_name);
			set(r, C_RESOURCE_TYPE, "Commitment");
			set(r, C_TAGS, x->tags[c->i]);
			set(r, C_SKU_ID, l->sku);
			set(r, C_SKU_PRICE_DETAILS, c->details[0] ? c->details : NULL);
			set(r, C_X_COST_CATEGORY, sp_rp_category_names[c->li.category]);
			set(r, C_CHARGE_CATEGORY, "Usage");
			set(r, C_CHARGE_FREQUENCY, "Usage-Based");
			set(r, C_PRICING_CATEGORY, "Committed");
			costs(r, 0, unused_cost, unused_hours, c->li.commit_hour);
			set_micro(r, C_LIST_COST, unused_cost);
			set_micro(r, C_CONTRACTED_COST, unused_cost);
			set(r, C_PRICING_UNIT, c->unit);
			commitment_cols(r, c);
			set(r, C_CD_STATUS, "Unused");
			set_dec(r, C_CD_QUANTITY, unused_hours, 6);
			set(r, C_SKU_METER, c->k.meter);
			set(r, C_SKU_PRICE_ID, c->price_commit);
			snprintf(desc, sizeof(desc), "%s: the unused part of %s", l->name, c->commit_name);
			set(r, C_CHARGE_DESCRIPTION, desc);
			row_write(r, x->sb);
		}
	}
	if (wp != w) {
		free(wp);
		free(pu);
		free(pa);
		free(ps);
	}
}

static void line_setup(struct fx *x, struct line_ctx *c, size_t i)
{
	const struct sp_fc_line *l = &x->f->lines[i];
	memset(c, 0, sizeof(*c));
	c->i = i;
	c->l = l;
	c->node = sp_graph_node(x->g, (uint32_t)i);
	c->k = kind_of(c->node);
	if (sp_report_line_info(&c->li, l, c->node, x->cat) < 0)
		c->li.od_hour = 0;
	c->sku = l->sku ? sp_catalog_sku(x->cat, l->sku) : NULL;
	if (c->sku) {
		/* what the catalog says of the SKU, when it says it */
		size_t n = 0;
		if (c->sku->vcpus > 0)
			n += (size_t)snprintf(c->details + n, sizeof(c->details) - n, ",\"CoreCount\":%.10g", c->sku->vcpus);
		if (c->sku->memory_gib > 0 && n < sizeof(c->details))
			n += (size_t)snprintf(c->details + n, sizeof(c->details) - n, ",\"MemoryGiB\":%.10g",
					      c->sku->memory_gib);
		if (c->sku->gpus > 0 && n < sizeof(c->details))
			n += (size_t)snprintf(c->details + n, sizeof(c->details) - n, ",\"GpuCount\":%d", c->sku->gpus);
		if (n > 0 && n < sizeof(c->details) - 1) {
			c->details[0] = '{';
			c->details[n] = '}';
			c->details[n + 1] = '\0';
		} else {
			c->details[0] = '\0';
		}
	}
	/* training is priced per GPU-hour, instances per instance-hour: a price id each */
	c->unit = c->li.training ? "GPU-Hours" : "Hours";
	snprintf(c->price_od, sizeof(c->price_od), "%s/on-demand%s", l->sku ? l->sku : "", c->li.training ? "/gpu-hour" : "");
	snprintf(c->price_spot, sizeof(c->price_spot), "%s/spot%s", l->sku ? l->sku : "", c->li.training ? "/gpu-hour" : "");
	snprintf(c->price_commit, sizeof(c->price_commit), "%s/commitment-%dy%s", l->sku ? l->sku : "", c->li.term / 12,
		 c->li.training ? "/gpu-hour" : "");
}

/* The commitment of line c in month m: its id and name (one per window). */
static void commit_names(struct fx *x, struct line_ctx *c, const struct sp_rp_split *s)
{
	char from[16];
	int w0 = c->li.term > 0 ? x->m / c->li.term * c->li.term : 0;

	sp_month_format(x->f->start + w0, from);
	if (c->li.training) {
		snprintf(c->commit_id, sizeof(c->commit_id), "commitment/%s/%dy", c->l->name, c->li.term / 12);
		snprintf(c->commit_name, sizeof(c->commit_name), "%s %d-year committed GPU-hours on %s", c->l->name,
			 c->li.term / 12, c->l->sku);
	} else {
		snprintf(c->commit_id, sizeof(c->commit_id), "commitment/%s/%dy/%s", c->l->name, c->li.term / 12, from);
		snprintf(c->commit_name, sizeof(c->commit_name), "%s %d-year commitment from %s on %d %s", c->l->name,
			 c->li.term / 12, from, s->level, c->l->sku);
	}
}

static void egress_rows(struct fx *x)
{
	const struct sp_report_path *p = x->p;
	size_t n, cap = x->cat->negress + 1;
	double *gb = sp_xcalloc(cap, sizeof(double)), *price = sp_xcalloc(cap, sizeof(double));
	int64_t bill = llround(p->transfer[x->m] * 1e6), left = bill;
	struct row *r = &x->row;
	char desc[256];

	n = sp_report_egress_tiers(x->cat, p->egress_gb[x->m], gb, price);
	for (size_t t = 0; t < n; t++) {
		int64_t c = t + 1 == n ? left : llround(gb[t] * price[t] * 1e6);
		left -= c;
		common(x);
		set(r, C_SERVICE_NAME, "Data transfer");
		set(r, C_SERVICE_CATEGORY, "Networking");
		set(r, C_SERVICE_SUBCATEGORY, "Network Connectivity");
		set(r, C_TAGS, x->tags_plain);
		set(r, C_CHARGE_CATEGORY, "Usage");
		set(r, C_CHARGE_FREQUENCY, "Usage-Based");
		set(r, C_PRICING_CATEGORY, "Standard");
		costs(r, c, c, gb[t], price[t]);
		set(r, C_PRICING_UNIT, "GB");
		set_dec(r, C_CONSUMED_QUANTITY, gb[t], 6);
		set(r, C_CONSUMED_UNIT, "GB");
		set(r, C_SKU_ID, "internet-egress");
		set(r, C_SKU_METER, "Data Transfer");
		if (price[t] > 0)
			setf(r, C_SKU_PRICE_ID, "internet-egress/tier-%zu", t + (gb[0] > 0 && price[0] == 0 ? 0 : 1));
		else
			set(r, C_SKU_PRICE_ID, "internet-egress/free");
		set(r, C_X_COST_CATEGORY, "transfer");
		snprintf(desc, sizeof(desc), "internet egress of the account, %s",
			 price[t] > 0 ? "a price tier of the month's volume" : "the free allowance");
		set(r, C_CHARGE_DESCRIPTION, desc);
		row_write(r, x->sb);
	}
	free(gb);
	free(price);
}

static int flush(FILE *out, struct sp_sb *sb, int *errnum)
{
	if (sb->len && fwrite(sb->buf, 1, sb->len, out) != sb->len) {
		*errnum = errno ? errno : EIO;
		return -1;
	}
	sp_sb_reset(sb);
	return 0;
}

static int check_path(const struct sp_report_path *p, struct sp_err *err)
{
	const struct sp_forecast *f = p->f;
	size_t LM;
	if (!f || f->months < 1 || p->path < 0 || p->path >= f->paths)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the report's path is malformed");
	LM = f->nlines * (size_t)f->months;
	for (size_t i = 0; i < LM; i++)
		if (!isfinite(p->cost[i]) || !isfinite(p->cost_od[i]) || !isfinite(p->storage[i]) || p->cost[i] < 0 ||
		    p->cost_od[i] < 0 || p->storage[i] < 0)
			return sp_err_set(err, SP_EINVAL, "", 0, 0,
					  "the report's path holds a value that is not a finite number >= 0 ('%s')",
					  f->lines[i / (size_t)f->months].name);
	for (int m = 0; m < f->months; m++)
		if (!isfinite(p->egress_gb[m]) || !isfinite(p->transfer[m]) || !isfinite(p->total[m]))
			return sp_err_set(err, SP_EINVAL, "", 0, 0,
					  "the report's path holds a value that is not a finite number (transfer)");
	return 0;
}

int sp_render_report_focus(FILE *out, const struct sp_report_path *p, const struct sp_spec *spec,
			   const struct sp_graph *g, const struct sp_catalog *cat, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	struct fx x;
	int ret = 0, errnum = 0;
	const struct sp_forecast *f;

	if ((ret = check_path(p, err)) < 0)
		return ret;
	f = p->f;
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.f = f;
	x.spec = spec;
	x.g = g;
	x.cat = cat;
	x.sb = &sb;
	row_init(&x.row);
	snprintf(x.pct, sizeof(x.pct), "%.10g", p->pct);
	x.tags = sp_xcalloc(f->nlines + 1, sizeof(char *));
	for (size_t i = 0; i < f->nlines; i++)
		x.tags[i] = tags_json(spec, &f->lines[i]);
	x.tags_plain = tags_json(spec, NULL);

	for (int c = 0; c < NCOLS; c++) {
		if (c)
			sp_sb_addc(&sb, ',');
		sp_sb_adds(&sb, col_names[c]);
	}
	sp_sb_addc(&sb, '\n');
	for (int m = 0; m < f->months && ret == 0; m++) {
		sp_month mon = f->start + m;
		x.m = m;
		snprintf(x.period_start, sizeof(x.period_start), "%04d-%02d-01T00:00:00Z", mon / 12, mon % 12 + 1);
		snprintf(x.period_end, sizeof(x.period_end), "%04d-%02d-01T00:00:00Z", (mon + 1) / 12, (mon + 1) % 12 + 1);
		for (size_t i = 0; i < f->nlines; i++) {
			size_t k = i * (size_t)f->months + (size_t)m;
			struct line_ctx c;
			struct sp_rp_split s;
			if (f->lines[i].kind == SP_NODE_QUEUE || !(p->cost[k] > 0 || p->cost_od[k] > 0))
				continue;
			line_setup(&x, &c, i);
			sp_report_split(&s, &c.li, m, p->cost[k], p->cost_od[k], p->storage[k], p->units[k]);
			if (s.committed > 0)
				commit_names(&x, &c, &s);
			usage_rows(&x, &c, &s, cat->hours_per_month);
			if (sb.len >= FLUSH_AT && flush(out, &sb, &errnum) < 0)
				ret = -1;
		}
		if (p->egress_gb[m] > 0)
			egress_rows(&x);
	}
	if (ret == 0 && flush(out, &sb, &errnum) < 0)
		ret = -1;
	for (size_t i = 0; i < f->nlines; i++)
		free(x.tags[i]);
	free(x.tags);
	free(x.tags_plain);
	row_release(&x.row);
	sp_sb_release(&sb);
	if (ret == 0 && fflush(out) != 0) {
		errnum = errno;
		ret = -1;
	}
	if (ret < 0 || ferror(out))
		return sp_err_set(err, SP_EIO, "", 0, 0, "cannot write the FOCUS rows: %s", strerror(errnum ? errnum : EIO));
	return 0;
}
