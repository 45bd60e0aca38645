/* Inside the report renderers (planner/render_report.c, render_report_html.c
 * and render_report_focus.c): the document the formats for people share
 * (a title, facts, sections of prose, tables and charts), built once from the
 * report and written as text, markdown or HTML, so that the three always say
 * the same; and the number formats every format uses. Not for use outside
 * them; the public interface is planner/render_report.h. */
#ifndef SP_RENDER_REPORT_INT_H
#define SP_RENDER_REPORT_INT_H
#include <stddef.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/graph.h"
#include "model/report.h"
#include "model/spec.h"

/* A table cell: its text, and for numbers the value tables sort by (HTML). */
struct rr_cell {
	char *text;
	double key;
	int numeric;
};

/* A table: the header row first; 'l' or 'r' per column. */
struct rr_table {
	char align[32];
	size_t ncols;
	struct rr_cell *cells;         /* row-major */
	size_t n, cap;
	int sortable;                  /* the HTML lets readers sort it */
};

enum rr_block_kind { RR_PARA, RR_BULLET, RR_TABLE, RR_CHART };
/* The charts of the HTML report (text and markdown skip them). */
enum rr_chart { RR_CHART_CATEGORY, RR_CHART_BAND, RR_CHART_CAPACITY, RR_CHART_MIX, RR_CHART_GRAPH };

struct rr_block {
	enum rr_block_kind kind;
	char *text;                    /* RR_PARA, RR_BULLET */
	struct rr_table *table;        /* RR_TABLE */
	enum rr_chart chart;           /* RR_CHART */
};

struct rr_section {
	const char *id;                /* the HTML anchor */
	char *title;
	struct rr_block *b;
	size_t n, cap;
};

/* A key figure (the HTML's cards; a list in text and markdown). */
struct rr_card {
	char *label, *value, *note;
};

struct rr_doc {
	char *title;
	char *meta_key[8], *meta_val[8];
	size_t nmeta;
	struct rr_card card[6];
	size_t ncards;
	struct rr_section *s;
	size_t n, cap;
};

/* One rendering: the report, its spec and graph, and the percentile indexes
 * tables show (the median, the lowest and the highest). */
struct rr_ctx {
	const struct sp_report *r;
	const struct sp_forecast *f;
	const struct sp_spec *spec;
	const struct sp_graph *g;
	size_t med, lo, hi;
	int band;                      /* more than one percentile */
	size_t *order;                 /* the lines by decreasing horizon cost at the median */
};

/* Builds the document of x's report; free it with rr_doc_free. */
void rr_doc_build(struct rr_doc *d, const struct rr_ctx *x);
void rr_doc_free(struct rr_doc *d);

/* The formats: each appends the whole document to sb. */
void rr_text(struct sp_sb *sb, const struct rr_doc *d, int markdown);
/* Returns 0, or SP_EIO with err set when Graphviz fails. */
int rr_html(struct sp_sb *sb, const struct rr_doc *d, const struct rr_ctx *x, struct sp_err *err);

/* Money in whole units with thousands separators ("$12,345"). */
void rr_money(char *buf, size_t n, double v, const char *currency);
/* "p10", "p50", "p99.9". */
void rr_pct_label(char *buf, size_t n, double p);
/* Year y of f: "2027" for a calendar year, else "2027-04..2028-03" (or one month). */
const char *rr_year_label(const struct sp_forecast *f, int y, char *buf, size_t n);
/* The number of months in year y of f. */
int rr_year_months(const struct sp_forecast *f, int y);
/* An amount with at most dec decimals, trailing zeros dropped, no "-0". */
void rr_add_dec(struct sp_sb *sb, double v, int dec);

#endif
