/* Inside the forecast renderers (planner/render_forecast.c and its
 * render_forecast_{table,csv,json}.c): the output buffer, the context of one
 * rendering, and the number and label formats every format shares. Not for
 * use outside them; the public interface is planner/render_forecast.h. */
#ifndef SP_RENDER_FORECAST_INT_H
#define SP_RENDER_FORECAST_INT_H
#include <stddef.h>
#include <stdio.h>

#include "lib/strbuf.h"
#include "model/forecast.h"
#include "model/spec.h"

/* Machine names (CSV and JSON) of the engine's enums. */
extern const char *const sp_rf_kind_keys[SP_NODE_NKINDS];
extern const char *const sp_rf_purchase_keys[];

/* Output is built in sb and written to f in large pieces; the first failed
 * write is remembered (failed, errnum) and later ones are skipped. */
struct sp_rf_out {
	FILE *f;
	struct sp_sb sb;
	int failed;
	int errnum;              /* errno of the first failed write */
};
/* Writes what sb holds and empties it. */
void sp_rf_out_flush(struct sp_rf_out *o);
/* The same, once sb holds 64 KiB or more. */
void sp_rf_out_maybe_flush(struct sp_rf_out *o);

/* One rendering: the forecast (checked: every figure finite and >= 0), its
 * spec, where it goes and how. */
struct sp_rf_ctx {
	const struct sp_forecast *f;
	const struct sp_spec *spec;
	struct sp_rf_out *o;
	const char *by;          /* NULL for components */
	size_t med, lo, hi;      /* percentile indexes: median, lowest, highest */
	int band;                /* more than one percentile */
	int markdown;
};

/* The renderers, one per format; each appends the whole document to x->o. */
void sp_rf_text(struct sp_rf_ctx *x);
void sp_rf_markdown(struct sp_rf_ctx *x);
void sp_rf_csv(struct sp_rf_ctx *x);
void sp_rf_json(struct sp_rf_ctx *x);

/* planner/render_forecast_sizing.c: `--by sizing` (x->by is "sizing") as
 * a table or markdown section and as CSV, and a service's "service_ms",
 * "instance_choice" and "sizing" members in its JSON component (nothing
 * for other kinds). */
void sp_rf_table_sizing(struct sp_rf_ctx *x);
void sp_rf_csv_sizing(struct sp_rf_ctx *x);
void sp_rf_json_sizing(struct sp_rf_ctx *x, const struct sp_fc_line *l);

/* A whole number with thousands separators into buf: "1,000". */
void sp_rf_group_int(char *buf, size_t n, unsigned long long v);
/* Money in CSV and JSON: "%.2f" (no "-0.00"). */
void sp_rf_add_money(struct sp_sb *sb, double v);
/* A rate or a size with at most dec decimals, trailing zeros dropped. */
void sp_rf_add_qty(struct sp_sb *sb, double v, int dec);
/* A metric's value in the format of its kind: money, a count or a quantity. */
void sp_rf_add_metric(struct sp_sb *sb, enum sp_fc_metric mt, double v);
/* A percentile's label into buf: "p10", "p50", "p99.9". */
void sp_rf_pct_label(char *buf, size_t n, double p);
/* Month m of the forecast (0-based) as "YYYY-MM". */
void sp_rf_month_label(const struct sp_forecast *f, int m, char buf[16]);
/* "2027-01..2031-12 (60 months)", or "2027-01 (1 month)", into buf; returns buf. */
const char *sp_rf_horizon_label(const struct sp_forecast *f, char *buf, size_t n);
/* The forecast's grouping by "class", "region" or "category"; NULL when none. */
const struct sp_fc_grouping *sp_rf_grouping(const struct sp_forecast *f, const char *by);
/* The spec's service named name; hint is its likely index (lines follow
 * the graph, which keeps spec order within each kind). NULL when none. */
const struct sp_service *sp_rf_line_service(const struct sp_spec *s, const char *name, size_t hint);

#endif
