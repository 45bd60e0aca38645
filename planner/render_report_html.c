/* The cost report as one self-contained HTML file (docs/report-format.md,
 * "html"): the document of render_report.c with key figures on top, SVG
 * charts drawn here (monthly cost by category, the band of the total with
 * the budget line, the capacity of the largest components, the purchase mix
 * by year) and the dependency graph as Graphviz draws it, inline CSS with a
 * print style, and a small inline script that sorts tables. Nothing is
 * loaded from anywhere: a Content-Security-Policy forbids it, and the file
 * names no address but the SVG namespaces. The same report gives the same
 * bytes (the graph: for one Graphviz version and font set). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_graph.h"
#include "planner/render_report.h"
#include "planner/render_report_int.h"

/* ---- escaping and numbers -------------------------------------------------------------------------------- */

static void esc(struct sp_sb *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': sp_sb_adds(sb, "&amp;"); break;
		case '<': sp_sb_adds(sb, "&lt;"); break;
		case '>': sp_sb_adds(sb, "&gt;"); break;
		case '"': sp_sb_adds(sb, "&quot;"); break;
		case '\'': sp_sb_adds(sb, "&#39;"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				sp_sb_addc(sb, ' ');
			else
				sp_sb_addc(sb, (char)c);
		}
	}
}

/* A coordinate: one decimal, no "-0.0". */
static void co(struct sp_sb *sb, double v)
{
	if (!isfinite(v))
		v = 0;
	v = round(v * 10) / 10;
	sp_sb_addf(sb, "%.1f", v == 0 ? 0.0 : v);
}

/* Money for an axis: "$0", "$950", "$12k", "$1.2M". */
static void axis_money(char *buf, size_t n, double v, const char *currency)
{
	const char *sym = !strcmp(currency, "USD") ? "$" : "";
	const char *suffix = "";
	double a = fabs(v);
	if (a >= 1e9) {
		v /= 1e9;
		suffix = "B";
	} else if (a >= 1e6) {
		v /= 1e6;
		suffix = "M";
	} else if (a >= 1e3) {
		v /= 1e3;
		suffix = "k";
	}
	if (*suffix && fabs(v) < 10 && fabs(v - round(v)) > 1e-9)
		snprintf(buf, n, "%s%.1f%s%s%s", sym, v, suffix, *sym ? "" : " ", *sym ? "" : currency);
	else
		snprintf(buf, n, "%s%.0f%s%s%s", sym, v == 0 ? 0.0 : v, suffix, *sym ? "" : " ", *sym ? "" : currency);
}

/* A step of 1, 2 or 5 times a power of ten giving about 5 ticks up to max. */
static double nice_step(double max)
{
	double raw = max / 5, p, f;
	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* ---- the chart frame ------------------------------------------------------------------------------------ */

struct frame {
	double w, h, l, r, t, b;       /* size and margins */
	double ymax, step;             /* y scale: 0 .. ymax */
	int n;                         /* slots along x (months or years) */
};

static double fx(const struct frame *f, double i)
{
	return f->l + (i + 0.5) * (f->w - f->l - f->r) / f->n;
}

static double fy(const struct frame *f, double v)
{
	return f->h - f->b - v / f->ymax * (f->h - f->t - f->b);
}

static double slot(const struct frame *f)
{
	return (f->w - f->l - f->r) / f->n;
}

static void frame_init(struct frame *f, double w, double h, int n, double max)
{
	f->w = w;
	f->h = h;
	f->l = 64;
	f->r = 16;
	f->t = 14;
	f->b = 30;
	f->n = n > 0 ? n : 1;
	f->step = nice_step(max);
	f->ymax = f->step * ceil((max > 0 ? max : 1) / f->step);
	if (f->ymax <= 0)
		f->ymax = 1;
}

static void svg_open(struct sp_sb *sb, const struct frame *f, const char *id, const char *title)
{
	sp_sb_adds(sb, "<svg class=\"chart\" viewBox=\"0 0 ");
	co(sb, f->w);
	sp_sb_addc(sb, ' ');
	co(sb, f->h);
	sp_sb_addf(sb, "\" role=\"img\" aria-labelledby=\"%s-t\"><title id=\"%s-t\">", id, id);
	esc(sb, title);
	sp_sb_adds(sb, "</title>\n");
}

/* The y grid with money labels, and the x labels: a year label at each
 * January (months), or every slot's label (years). */
static void axes(struct sp_sb *sb, const struct frame *f, const char *currency, const struct sp_forecast *fc,
		 int months)
{
	char buf[64];
	for (double v = 0; v <= f->ymax + f->step / 2; v += f->step) {
		sp_sb_adds(sb, "<line class=\"grid\" x1=\"");
		co(sb, f->l);
		sp_sb_adds(sb, "\" x2=\"");
		co(sb, f->w - f->r);
		sp_sb_adds(sb, "\" y1=\"");
		co(sb, fy(f, v));
		sp_sb_adds(sb, "\" y2=\"");
		co(sb, fy(f, v));
		sp_sb_adds(sb, "\"/><text class=\"yl\" x=\"");
		co(sb, f->l - 6);
		sp_sb_adds(sb, "\" y=\"");
		co(sb, fy(f, v) + 4);
		axis_money(buf, sizeof(buf), v, currency);
		sp_sb_adds(sb, "\">");
		esc(sb, buf);
		sp_sb_adds(sb, "</text>\n");
	}
	for (int i = 0; i < f->n; i++) {
		if (months) {
			sp_month mon = fc->start + i;
			if (mon % 12 != 0 && i != 0)
				continue;
			if (i != 0 || mon % 12 == 0)
				snprintf(buf, sizeof(buf), "%d", mon / 12);
			else
				sp_month_format(mon, buf);
			sp_sb_adds(sb, "<line class=\"tick\" x1=\"");
			co(sb, fx(f, i) - slot(f) / 2);
			sp_sb_adds(sb, "\" x2=\"");
			co(sb, fx(f, i) - slot(f) / 2);
			sp_sb_adds(sb, "\" y1=\"");
			co(sb, f->h - f->b);
			sp_sb_adds(sb, "\" y2=\"");
			co(sb, f->h - f->b + 5);
			sp_sb_adds(sb, "\"/><text class=\"xl\" x=\"");
			co(sb, fx(f, i) - slot(f) / 2 + 3);
			sp_sb_adds(sb, "\" y=\"");
			co(sb, f->h - f->b + 16);
			sp_sb_adds(sb, "\" text-anchor=\"start\">");
		} else {
			rr_year_label(fc, i, buf, sizeof(buf));
			sp_sb_adds(sb, "<text class=\"xl\" x=\"");
			co(sb, fx(f, i));
			sp_sb_adds(sb, "\" y=\"");
			co(sb, f->h - f->b + 16);
			sp_sb_adds(sb, "\" text-anchor=\"middle\">");
		}
		esc(sb, buf);
		sp_sb_adds(sb, "</text>\n");
	}
	sp_sb_adds(sb, "<line class=\"axis\" x1=\"");
	co(sb, f->l);
	sp_sb_adds(sb, "\" x2=\"");
	co(sb, f->w - f->r);
	sp_sb_adds(sb, "\" y1=\"");
	co(sb, f->h - f->b);
	sp_sb_adds(sb, "\" y2=\"");
	co(sb, f->h - f->b);
	sp_sb_adds(sb, "\"/>\n");
}

static void rect(struct sp_sb *sb, double x, double y, double w, double h, const char *cls, const char *tip)
{
	sp_sb_adds(sb, "<rect class=\"");
	sp_sb_adds(sb, cls);
	sp_sb_adds(sb, "\" x=\"");
	co(sb, x);
	sp_sb_adds(sb, "\" y=\"");
	co(sb, y);
	sp_sb_adds(sb, "\" width=\"");
	co(sb, w);
	sp_sb_adds(sb, "\" height=\"");
	co(sb, h);
	if (tip) {
		sp_sb_adds(sb, "\"><title>");
		esc(sb, tip);
		sp_sb_adds(sb, "</title></rect>\n");
	} else {
		sp_sb_adds(sb, "\"/>\n");
	}
}

/* A legend under the chart (HTML, so it wraps and prints as text). */
static void legend(struct sp_sb *sb, const char *const *names, const char *const *classes, size_t n)
{
	sp_sb_adds(sb, "<ul class=\"legend\">");
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		sp_sb_addf(sb, "<li><span class=\"key %s\"></span>", classes[i]);
		esc(sb, names[i]);
		sp_sb_adds(sb, "</li>");
	}
	sp_sb_adds(sb, "</ul>\n");
}

/* ---- the charts ------------------------------------------------------------------------------------------ */

static const char *const cat_classes[SP_RP_NCAT] = { "k-compute", "k-database", "k-cache", "k-storage", "k-gpu",
						      "k-transfer" };
static const char *const buy_classes[SP_RP_NBUY] = { "k-commit", "k-od", "k-spot" };

static void figure_open(struct sp_sb *sb)
{
	sp_sb_adds(sb, "<figure>\n");
}

static void figure_close(struct sp_sb *sb, const char *caption)
{
	sp_sb_adds(sb, "<figcaption>");
	esc(sb, caption);
	sp_sb_adds(sb, "</figcaption>\n</figure>\n");
}

static void chart_category(struct sp_sb *sb, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	const struct sp_report *r = x->r;
	size_t np = f->npcts;
	double max = 0;
	struct frame fr;
	const char *names[SP_RP_NCAT];
	char lbl[32], tip[160], mon[16], money[64];

	for (int m = 0; m < f->months; m++) {
		double s = 0;
		for (int c = 0; c < SP_RP_NCAT; c++)
			s += r->category[c].month[(size_t)m * np + x->med];
		max = fmax(max, s);
	}
	rr_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	frame_init(&fr, 760, 280, f->months, max);
	figure_open(sb);
	svg_open(sb, &fr, "c-category", "Monthly cost by category, stacked");
	axes(sb, &fr, f->currency, f, 1);
	double bw = slot(&fr) * 0.8;
	for (int m = 0; m < f->months; m++) {
		double base = 0;
		sp_month_format(f->start + m, mon);
		for (int c = 0; c < SP_RP_NCAT; c++) {
			double v = r->category[c].month[(size_t)m * np + x->med];
			if (!(v > 0))
				continue;
			rr_money(money, sizeof(money), v, f->currency);
			snprintf(tip, sizeof(tip), "%s %s: %s", mon, sp_rp_category_names[c], money);
			rect(sb, fx(&fr, m) - bw / 2, fy(&fr, base + v), bw, fy(&fr, base) - fy(&fr, base + v),
			     cat_classes[c], tip);
			base += v;
		}
	}
	sp_sb_adds(sb, "</svg>\n");
	for (int c = 0; c < SP_RP_NCAT; c++)
		names[c] = r->category[c].horizon[x->hi] > 0 ? sp_rp_category_names[c] : NULL;
	legend(sb, names, cat_classes, SP_RP_NCAT);
	snprintf(tip, sizeof(tip), "Each month's cost by category, each category at %s, stacked.", lbl);
	figure_close(sb, tip);
}

static void polyline(struct sp_sb *sb, const struct frame *fr, const double *v, size_t stride, int n,
		     const char *cls)
{
	sp_sb_addf(sb, "<polyline class=\"%s\" points=\"", cls);
	for (int i = 0; i < n; i++) {
		if (i)
			sp_sb_addc(sb, ' ');
		co(sb, fx(fr, i));
		sp_sb_addc(sb, ',');
		co(sb, fy(fr, v[(size_t)i * stride]));
	}
	sp_sb_adds(sb, "\"/>\n");
}

/* The band between lo[i] and hi[i] (stride apart) as a polygon. */
static void band(struct sp_sb *sb, const struct frame *fr, const double *lo, const double *hi, size_t stride, int n,
		 const char *cls)
{
	sp_sb_addf(sb, "<polygon class=\"%s\" points=\"", cls);
	for (int i = 0; i < n; i++) {
		co(sb, fx(fr, i));
		sp_sb_addc(sb, ',');
		co(sb, fy(fr, hi[(size_t)i * stride]));
		sp_sb_addc(sb, ' ');
	}
	for (int i = n - 1; i >= 0; i--) {
		co(sb, fx(fr, i));
		sp_sb_addc(sb, ',');
		co(sb, fy(fr, lo[(size_t)i * stride]));
		if (i)
			sp_sb_addc(sb, ' ');
	}
	sp_sb_adds(sb, "\"/>\n");
}

static void chart_band(struct sp_sb *sb, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t np = f->npcts;
	double max = 0, limit = x->spec->budgets.monthly_max;
	struct frame fr;
	char lo[32], md[32], hi[32], cap[320], money[64];

	for (int m = 0; m < f->months; m++)
		max = fmax(max, f->total[(size_t)m * np + x->hi]);
	if (limit > 0 && limit < max * 3)
		max = fmax(max, limit);
	rr_pct_label(lo, sizeof(lo), f->pcts[x->lo]);
	rr_pct_label(md, sizeof(md), f->pcts[x->med]);
	rr_pct_label(hi, sizeof(hi), f->pcts[x->hi]);
	frame_init(&fr, 760, 280, f->months, max);
	figure_open(sb);
	svg_open(sb, &fr, "c-band", "Total monthly cost with its band");
	axes(sb, &fr, f->currency, f, 1);
	if (f->months == 1) {
		/* one month: a bar for the band */
		double bw = slot(&fr) * 0.3;
		rect(sb, fx(&fr, 0) - bw / 2, fy(&fr, f->total[x->hi]), bw, fy(&fr, f->total[x->lo]) - fy(&fr, f->total[x->hi]),
		     "band", NULL);
	} else if (x->band) {
		band(sb, &fr, &f->total[x->lo], &f->total[x->hi], np, f->months, "band");
	}
	polyline(sb, &fr, &f->total[x->med], np, f->months, "median");
	if (limit > 0 && limit <= fr.ymax) {
		rr_money(money, sizeof(money), limit, f->currency);
		sp_sb_adds(sb, "<line class=\"budget\" x1=\"");
		co(sb, fr.l);
		sp_sb_adds(sb, "\" x2=\"");
		co(sb, fr.w - fr.r);
		sp_sb_adds(sb, "\" y1=\"");
		co(sb, fy(&fr, limit));
		sp_sb_adds(sb, "\" y2=\"");
		co(sb, fy(&fr, limit));
		sp_sb_adds(sb, "\"/><text class=\"budget-l\" x=\"");
		co(sb, fr.w - fr.r - 4);
		sp_sb_adds(sb, "\" y=\"");
		co(sb, fy(&fr, limit) - 5);
		sp_sb_adds(sb, "\" text-anchor=\"end\">monthly budget ");
		esc(sb, money);
		sp_sb_adds(sb, "</text>\n");
	}
	sp_sb_adds(sb, "</svg>\n");
	{
		char n1[64], n2[80];
		const char *names[3], *classes[3] = { "k-median", "k-band", "k-budget" };
		snprintf(n1, sizeof(n1), "%s", md);
		snprintf(n2, sizeof(n2), "%s..%s", lo, hi);
		names[0] = n1;
		names[1] = x->band ? n2 : NULL;
		names[2] = limit > 0 && limit <= fr.ymax ? "monthly budget" : NULL;
		legend(sb, names, classes, 3);
	}
	if (x->band)
		snprintf(cap, sizeof(cap), "The total cost of each month: the %s line, and the %s to %s band of the paths.",
			 md, lo, hi);
	else
		snprintf(cap, sizeof(cap), "The total cost of each month.");
	if (limit > 0 && limit > fr.ymax) {
		size_t len = strlen(cap);
		rr_money(money, sizeof(money), limit, f->currency);
		snprintf(cap + len, sizeof(cap) - len, " The monthly budget, %s, is above the chart.", money);
	}
	figure_close(sb, cap);
}

static void chart_capacity(struct sp_sb *sb, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t n = 0, idx[5];
	char md[32], cap[256];

	for (size_t j = 0; j < f->nlines && n < 5; j++) {
		const struct sp_fc_line *l = &f->lines[x->order[j]];
		if (l->kind != SP_NODE_QUEUE && l->horizon[x->med] > 0)
			idx[n++] = x->order[j];
	}
	rr_pct_label(md, sizeof(md), f->pcts[x->med]);
	sp_sb_adds(sb, "<figure>\n<div class=\"panels\">\n");
	for (size_t i = 0; i < n; i++) {
		const struct sp_fc_line *l = &f->lines[idx[i]];
		double max = 0, *lo = sp_xcalloc((size_t)f->months, sizeof(double)), *mid = sp_xcalloc((size_t)f->months,
													    sizeof(double));
		double *hi = sp_xcalloc((size_t)f->months, sizeof(double));
		struct frame fr;
		char id[32], title[256], buf[64];
		for (int m = 0; m < f->months; m++) {
			lo[m] = sp_fc_value(f, l, m, SP_FC_UNITS, x->lo);
			mid[m] = sp_fc_value(f, l, m, SP_FC_UNITS, x->med);
			hi[m] = sp_fc_value(f, l, m, SP_FC_UNITS, x->hi);
			max = fmax(max, hi[m]);
		}
		frame_init(&fr, 370, 170, f->months, max);
		fr.l = 44;
		fr.t = 22;
		snprintf(id, sizeof(id), "c-cap-%zu", i + 1);
		snprintf(title, sizeof(title), "%s: %s by month", l->name, l->unit);
		svg_open(sb, &fr, id, title);
		sp_sb_adds(sb, "<text class=\"panel-t\" x=\"");
		co(sb, fr.l);
		sp_sb_adds(sb, "\" y=\"14\">");
		esc(sb, l->name);
		sp_sb_adds(sb, " <tspan class=\"unit\">");
		esc(sb, l->unit);
		sp_sb_adds(sb, "</tspan></text>\n");
		/* the y grid with counts */
		for (double v = 0; v <= fr.ymax + fr.step / 2; v += fr.step) {
			sp_sb_adds(sb, "<line class=\"grid\" x1=\"");
			co(sb, fr.l);
			sp_sb_adds(sb, "\" x2=\"");
			co(sb, fr.w - fr.r);
			sp_sb_adds(sb, "\" y1=\"");
			co(sb, fy(&fr, v));
			sp_sb_adds(sb, "\" y2=\"");
			co(sb, fy(&fr, v));
			sp_sb_adds(sb, "\"/><text class=\"yl\" x=\"");
			co(sb, fr.l - 5);
			sp_sb_adds(sb, "\" y=\"");
			co(sb, fy(&fr, v) + 4);
			snprintf(buf, sizeof(buf), "%.10g", v);
			sp_sb_addf(sb, "\">%s</text>\n", buf);
		}
		for (int m = 0; m < f->months; m++) {
			sp_month mon = f->start + m;
			if (mon % 12 != 0)
				continue;
			sp_sb_adds(sb, "<text class=\"xl\" x=\"");
			co(sb, fx(&fr, m));
			sp_sb_adds(sb, "\" y=\"");
			co(sb, fr.h - fr.b + 16);
			sp_sb_addf(sb, "\" text-anchor=\"middle\">%d</text>\n", mon / 12);
		}
		if (x->band && f->months > 1)
			band(sb, &fr, lo, hi, 1, f->months, "band");
		polyline(sb, &fr, mid, 1, f->months, "median");
		sp_sb_adds(sb, "</svg>\n");
		free(lo);
		free(mid);
		free(hi);
	}
	sp_sb_adds(sb, "</div>\n");
	snprintf(cap, sizeof(cap), "Capacity of the %zu components that cost the most: %s%s.", n, md,
		 x->band ? ", with the band of the paths" : "");
	figure_close(sb, cap);
}

static void chart_mix(struct sp_sb *sb, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	const struct sp_report *r = x->r;
	size_t np = f->npcts;
	double max = 0;
	struct frame fr;
	const char *names[SP_RP_NBUY];
	char md[32], tip[200], money[64], yl[64];

	for (int y = 0; y < f->years; y++) {
		double s = 0;
		for (int b = 0; b < SP_RP_NBUY; b++)
			s += r->buy[b].year[(size_t)y * np + x->med];
		max = fmax(max, s);
	}
	rr_pct_label(md, sizeof(md), f->pcts[x->med]);
	frame_init(&fr, 760, 260, f->years, max);
	figure_open(sb);
	svg_open(sb, &fr, "c-mix", "Purchase mix by year");
	axes(sb, &fr, f->currency, f, 0);
	double bw = fmin(slot(&fr) * 0.6, 90);
	for (int y = 0; y < f->years; y++) {
		double base = 0, sum = 0;
		for (int b = 0; b < SP_RP_NBUY; b++)
			sum += r->buy[b].year[(size_t)y * np + x->med];
		rr_year_label(f, y, yl, sizeof(yl));
		for (int b = 0; b < SP_RP_NBUY; b++) {
			double v = r->buy[b].year[(size_t)y * np + x->med];
			if (!(v > 0))
				continue;
			rr_money(money, sizeof(money), v, f->currency);
			snprintf(tip, sizeof(tip), "%s %s: %s (%.0f%%)", yl, sp_rp_buy_names[b], money, v / sum * 100);
			rect(sb, fx(&fr, y) - bw / 2, fy(&fr, base + v), bw, fy(&fr, base) - fy(&fr, base + v), buy_classes[b],
			     tip);
			if (fy(&fr, base) - fy(&fr, base + v) >= 14) {
				sp_sb_adds(sb, "<text class=\"in\" x=\"");
				co(sb, fx(&fr, y));
				sp_sb_adds(sb, "\" y=\"");
				co(sb, (fy(&fr, base) + fy(&fr, base + v)) / 2 + 4);
				sp_sb_addf(sb, "\" text-anchor=\"middle\">%.0f%%</text>\n", v / sum * 100);
			}
			base += v;
		}
	}
	sp_sb_adds(sb, "</svg>\n");
	for (int b = 0; b < SP_RP_NBUY; b++)
		names[b] = r->buy[b].horizon[x->hi] > 0 ? sp_rp_buy_names[b] : NULL;
	legend(sb, names, buy_classes, SP_RP_NBUY);
	snprintf(tip, sizeof(tip), "Each year's cost by how it is bought, each part at %s, with its share.", md);
	figure_close(sb, tip);
}

/* Graphs larger than this are not drawn: Graphviz's layout takes minutes on
 * thousands of nodes, and no page shows them legibly. */
#define GRAPH_MAX_NODES 200

/* The dependency graph: Graphviz's SVG without its prologue, doctype and
 * comments (which name the Graphviz version), inline. */
static int chart_graph(struct sp_sb *sb, const struct rr_ctx *x, struct sp_err *err)
{
	char *buf = NULL;
	size_t len = 0, n = sp_graph_nnodes(x->g);
	FILE *mem;
	int ret;

	if (n > GRAPH_MAX_NODES) {
		sp_sb_addf(sb, "<p>The spec has %zu components, too many to draw here legibly; "
			       "<code>scaleplan graph --format svg</code> draws them.</p>\n", n);
		return 0;
	}
	mem = open_memstream(&buf, &len);
	if (!mem)
		return sp_err_set(err, SP_EIO, "", 0, 0, "cannot draw the dependency graph: out of memory");
	ret = sp_render_graph(x->spec, x->g, "svg", mem, err);
	if (fclose(mem) != 0 && ret == 0)
		ret = sp_err_set(err, SP_EIO, "", 0, 0, "cannot draw the dependency graph");
	if (ret < 0) {
		free(buf);
		return ret;
	}
	const char *p = buf ? strstr(buf, "<svg") : NULL;
	sp_sb_adds(sb, "<figure>\n<div class=\"graph\">\n");
	while (p && *p) {
		const char *c = strstr(p, "<!--");
		if (!c) {
			sp_sb_adds(sb, p);
			break;
		}
		sp_sb_add(sb, p, (size_t)(c - p));
		const char *e = strstr(c + 4, "-->");
		if (!e)
			break;
		p = e + 3;
		if (*p == '\n')
			p++;
	}
	sp_sb_adds(sb, "</div>\n");
	figure_close(sb, "Services, caches, datastores, queues and GPU workloads, and how they call each other (Graphviz).");
	free(buf);
	return 0;
}

/* ---- the page ------------------------------------------------------------------------------------------- */

static const char css[] =
	":root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#ffffff;--soft:#f8fafc;--accent:#1e40af;"
	"--compute:#2563eb;--database:#16a34a;--cache:#d97706;--storage:#0891b2;--gpu:#dc2626;--transfer:#7c3aed;"
	"--commit:#1e3a8a;--od:#f59e0b;--spot:#10b981}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"body{margin:0 auto;max-width:1120px;padding:24px 28px 48px;color:var(--ink);background:var(--bg);"
	"font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif}\n"
	"h1{font-size:26px;margin:0 0 6px}\n"
	"h2{font-size:19px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}\n"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 14px;color:var(--muted);font-size:14px}\n"
	"dl.meta dt{font-weight:600}dl.meta dd{margin:0}\n"
	"nav.toc{font-size:13px;margin:8px 0 18px}nav.toc a{color:var(--accent);text-decoration:none;margin-right:12px;white-space:nowrap}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:14px 0}\n"
	".card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--soft)}\n"
	".card .l{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}\n"
	".card .v{font-size:24px;font-weight:700;margin:2px 0;font-variant-numeric:tabular-nums}\n"
	".card .n{font-size:12.5px;color:var(--muted)}\n"
	"p,ul{margin:8px 0}ul.notes li{margin:3px 0}\n"
	".tw{overflow-x:auto;margin:10px 0}\n"
	"table{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums}\n"
	"th,td{padding:5px 10px;border-bottom:1px solid var(--line);white-space:nowrap}\n"
	"th{text-align:left;background:var(--soft);font-weight:600}\n"
	"td.n,th.n{text-align:right}\n"
	"tbody tr:hover{background:#f1f5f9}\n"
	"th button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer}\n"
	"th[aria-sort=ascending] button::after{content:\" \\2191\"}th[aria-sort=descending] button::after{content:\" \\2193\"}\n"
	"figure{margin:14px 0 20px}figcaption{font-size:13px;color:var(--muted);margin-top:4px}\n"
	"svg.chart{width:100%;height:auto;display:block;font-size:11px}\n"
	".panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:10px}\n"
	".grid{stroke:var(--line);stroke-width:1}.axis{stroke:#9ca3af;stroke-width:1}.tick{stroke:#9ca3af}\n"
	".yl{text-anchor:end;fill:var(--muted)}.xl{fill:var(--muted)}\n"
	".panel-t{font-weight:600;font-size:13px;fill:var(--ink)}.unit{font-weight:400;fill:var(--muted)}\n"
	".band{fill:#93c5fd;fill-opacity:.45;stroke:none}.median{fill:none;stroke:var(--accent);stroke-width:2}\n"
	".budget{stroke:#b91c1c;stroke-width:1.5;stroke-dasharray:6 4}.budget-l{fill:#b91c1c;font-size:11px}\n"
	".in{fill:#fff;font-size:11px;font-weight:600}\n"
	".k-compute{fill:var(--compute);background:var(--compute)}.k-database{fill:var(--database);background:var(--database)}"
	".k-cache{fill:var(--cache);background:var(--cache)}.k-storage{fill:var(--storage);background:var(--storage)}"
	".k-gpu{fill:var(--gpu);background:var(--gpu)}.k-transfer{fill:var(--transfer);background:var(--transfer)}"
	".k-commit{fill:var(--commit);background:var(--commit)}.k-od{fill:var(--od);background:var(--od)}"
	".k-spot{fill:var(--spot);background:var(--spot)}\n"
	".k-median{background:var(--accent);height:3px!important;margin-bottom:4px}.k-band{background:#93c5fd}"
	".k-budget{background:#b91c1c;height:2px!important;margin-bottom:4px}\n"
	"ul.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}\n"
	"ul.legend .key{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:middle}\n"
	".graph{overflow-x:auto;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff}\n"
	".graph svg{max-width:100%;height:auto}\n"
	"footer{margin-top:40px;font-size:12px;color:var(--muted)}\n"
	"@page{size:A4;margin:14mm 12mm}\n"
	"@media print{body{max-width:none;padding:0;font-size:10.5pt}nav.toc{display:none}"
	"h2{break-after:avoid;margin-top:22px}figure,.cards,.card,tr{break-inside:avoid}"
	"thead{display:table-header-group}.tw{overflow:visible}table{font-size:7.5pt;width:100%}"
	"th,td{padding:2px 4px;white-space:normal}td.n{white-space:nowrap}"
	"th button{cursor:auto}th[aria-sort] button::after{content:\"\"}tbody tr:hover{background:none}"
	".graph{overflow:visible}}\n";

/* Sorts a table by a column when its header is clicked: numbers by their
 * data-v, text as text; a second click reverses. */
static const char script[] =
	"(function(){\n"
	"function key(td){var v=td.getAttribute('data-v');return v===null?null:parseFloat(v);}\n"
	"function sortBy(table,th,col){\n"
	"  var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);\n"
	"  var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;\n"
	"  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});\n"
	"  th.setAttribute('aria-sort',dir===1?'ascending':'descending');\n"
	"  rows.sort(function(a,b){var x=a.cells[col],y=b.cells[col],kx=key(x),ky=key(y);\n"
	"    if(kx!==null&&ky!==null){return kx===ky?0:(kx<ky?-dir:dir);}\n"
	"    return dir*x.textContent.localeCompare(y.textContent);});\n"
	"  rows.forEach(function(r){body.appendChild(r);});\n"
	"}\n"
	"Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){\n"
	"  Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){\n"
	"    var b=th.querySelector('button');if(b){b.addEventListener('click',function(){sortBy(t,th,i);});}\n"
	"  });\n"
	"});\n"
	"})();\n";

static void html_table(struct sp_sb *sb, const struct rr_table *t, int id)
{
	size_t nrows = t->ncols ? t->n / t->ncols : 0;

	sp_sb_addf(sb, "<div class=\"tw\"><table id=\"t%d\"%s>\n<thead><tr>", id, t->sortable ? " class=\"sortable\"" : "");
	for (size_t j = 0; j < t->ncols && nrows; j++) {
		sp_sb_addf(sb, "<th%s scope=\"col\">", t->align[j] == 'r' ? " class=\"n\"" : "");
		if (t->sortable)
			sp_sb_adds(sb, "<button type=\"button\">");
		esc(sb, t->cells[j].text);
		if (t->sortable)
			sp_sb_adds(sb, "</button>");
		sp_sb_adds(sb, "</th>");
	}
	sp_sb_adds(sb, "</tr></thead>\n<tbody>\n");
	for (size_t r = 1; r < nrows; r++) {
		sp_sb_adds(sb, "<tr>");
		for (size_t j = 0; j < t->ncols; j++) {
			const struct rr_cell *c = &t->cells[r * t->ncols + j];
			if (c->numeric) {
				sp_sb_adds(sb, "<td class=\"n\" data-v=\"");
				if (c->key <= -1e299)
					sp_sb_adds(sb, "-Infinity");
				else
					rr_add_dec(sb, c->key, 6);
				sp_sb_adds(sb, "\">");
			} else {
				sp_sb_adds(sb, t->align[j] == 'r' ? "<td class=\"n\">" : "<td>");
			}
			esc(sb, c->text);
			sp_sb_adds(sb, "</td>");
		}
		sp_sb_adds(sb, "</tr>\n");
	}
	sp_sb_adds(sb, "</tbody></table></div>\n");
}

int rr_html(struct sp_sb *sb, const struct rr_doc *d, const struct rr_ctx *x, struct sp_err *err)
{
	int ntable = 0;

	sp_sb_adds(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		       "<link rel=\"icon\" href=\"data:,\">\n<title>");
	esc(sb, d->title);
	sp_sb_addf(sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
	esc(sb, d->title);
	sp_sb_adds(sb, "</h1>\n<dl class=\"meta\">");
	for (size_t i = 0; i < d->nmeta; i++) {
		sp_sb_adds(sb, "<dt>");
		esc(sb, d->meta_key[i]);
		sp_sb_adds(sb, "</dt><dd>");
		esc(sb, d->meta_val[i]);
		sp_sb_adds(sb, "</dd>");
	}
	sp_sb_adds(sb, "</dl>\n<nav class=\"toc\">");
	for (size_t i = 0; i < d->n; i++) {
		sp_sb_addf(sb, "%s<a href=\"#%s\">", i ? "\n" : "", d->s[i].id);
		esc(sb, d->s[i].title);
		sp_sb_adds(sb, "</a>");
	}
	sp_sb_adds(sb, "</nav>\n</header>\n<main>\n<div class=\"cards\">\n");
	for (size_t i = 0; i < d->ncards; i++) {
		sp_sb_adds(sb, "<div class=\"card\"><div class=\"l\">");
		esc(sb, d->card[i].label);
		sp_sb_adds(sb, "</div><div class=\"v\">");
		esc(sb, d->card[i].value);
		sp_sb_adds(sb, "</div><div class=\"n\">");
		esc(sb, d->card[i].note);
		sp_sb_adds(sb, "</div></div>\n");
	}
	sp_sb_adds(sb, "</div>\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct rr_section *s = &d->s[i];
		int in_list = 0;
		sp_sb_addf(sb, "<section id=\"%s\">\n<h2>", s->id);
		esc(sb, s->title);
		sp_sb_adds(sb, "</h2>\n");
		for (size_t j = 0; j < s->n; j++) {
			const struct rr_block *b = &s->b[j];
			if (b->kind != RR_BULLET && in_list) {
				sp_sb_adds(sb, "</ul>\n");
				in_list = 0;
			}
			switch (b->kind) {
			case RR_BULLET:
				if (!in_list)
					sp_sb_adds(sb, "<ul class=\"notes\">\n");
				in_list = 1;
				sp_sb_adds(sb, "<li>");
				esc(sb, b->text);
				sp_sb_adds(sb, "</li>\n");
				break;
			case RR_PARA:
				sp_sb_adds(sb, "<p>");
				esc(sb, b->text);
				sp_sb_adds(sb, "</p>\n");
				break;
			case RR_TABLE: html_table(sb, b->table, ++ntable); break;
			case RR_CHART:
				switch (b->chart) {
				case RR_CHART_CATEGORY: chart_category(sb, x); break;
				case RR_CHART_BAND: chart_band(sb, x); break;
				case RR_CHART_CAPACITY: chart_capacity(sb, x); break;
				case RR_CHART_MIX: chart_mix(sb, x); break;
				case RR_CHART_GRAPH:
					if (chart_graph(sb, x, err) < 0)
						return SP_EIO;
					break;
				}
				break;
			}
		}
		if (in_list)
			sp_sb_adds(sb, "</ul>\n");
		sp_sb_adds(sb, "</section>\n");
	}
	sp_sb_adds(sb, "</main>\n<footer>Written by scaleplan report. Every column and figure is described in "
		       "docs/report-format.md.</footer>\n<script>\n");
	sp_sb_adds(sb, script);
	sp_sb_adds(sb, "</script>\n</body>\n</html>\n");
	return 0;
}
