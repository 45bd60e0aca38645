#include "planner/render_graph.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* Graphviz 2.x takes `char *` for strings it only reads. */
static char *mut(const char *s)
{
	return (char *)(uintptr_t)s;
}

/* spec.h exports only the class names; these mirror model/load_components.c's tables */
/* enum values come from the loader, which only stores valid indexes */
#define NAME(tab, i) ((tab)[(i)])

struct kind_style {
	const char *shape, *style, *fill, *line;
};

static const struct kind_style styles[SP_NODE_NKINDS] = {
	[SP_NODE_SERVICE] = { "box", "rounded,filled", "#dbeafe", "#1e40af" },
	[SP_NODE_CACHE] = { "ellipse", "filled", "#fef3c7", "#b45309" },
	[SP_NODE_DATASTORE] = { "cylinder", "filled", "#dcfce7", "#15803d" },
	[SP_NODE_QUEUE] = { "cds", "filled", "#ede9fe", "#6d28d9" },
	[SP_NODE_GPU] = { "hexagon", "filled", "#fee2e2", "#b91c1c" },
};

#define FONT "Helvetica,Arial,sans-serif"

/* ---- label text ------------------------------------------------------------ */

/* A number for a label: integers plain, else three significant digits. */
static void add_num(struct sp_sb *sb, double x)
{
	if (!isfinite(x))
		sp_sb_adds(sb, "?");
	else if (x == floor(x) && fabs(x) < 1e15)
		sp_sb_addf(sb, "%.0f", x);
	else if (fabs(x) >= 100)
		sp_sb_addf(sb, "%.0f", x);
	else
		sp_sb_addf(sb, "%.3g", x);
}

/* A ratio: like add_num, but a small integer keeps one decimal ("2.0"). */
static void add_ratio(struct sp_sb *sb, double x)
{
	if (isfinite(x) && x == floor(x) && fabs(x) < 100)
		sp_sb_addf(sb, "%.1f", x);
	else
		add_num(sb, x);
}

/* Text inside an HTML-like label. */
static void add_html(struct sp_sb *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': sp_sb_adds(sb, "&amp;"); break;
		case '<': sp_sb_adds(sb, "&lt;"); break;
		case '>': sp_sb_adds(sb, "&gt;"); break;
		case '"': sp_sb_adds(sb, "&quot;"); break;
		case '\'': sp_sb_adds(sb, "&#39;"); break;
		case '\n': case '\r': case '\t': sp_sb_addc(sb, ' '); break;
		default: sp_sb_addc(sb, *s); break;
		}
	}
}

/* A label is a bold name, then detail lines in a smaller font; each detail
 * line is started with line() and filled with add_html/add_num. */
struct label {
	struct sp_sb sb;
	int lines;
};

static void label_begin(struct label *l, const char *name)
{
	sp_sb_init(&l->sb);
	l->lines = 0;
	sp_sb_adds(&l->sb, "<B>");
	add_html(&l->sb, name);
	sp_sb_adds(&l->sb, "</B>");
}

static struct sp_sb *line(struct label *l)
{
	sp_sb_adds(&l->sb, l->lines++ ? "<BR/>" : "<BR/><FONT POINT-SIZE=\"9\">");
	return &l->sb;
}

static void label_end(struct label *l)
{
	if (l->lines)
		sp_sb_adds(&l->sb, "</FONT>");
}

/* The first detail line: what the component is, then " · SKU" when it has one. */
static void line_first(struct label *l, const char *what, const char *sku)
{
	struct sp_sb *sb = line(l);
	add_html(sb, what);
	if (sku) {
		sp_sb_adds(sb, " · ");
		add_html(sb, sku);
	}
}

/* A detail line of one figure and its unit: "12 ms CPU/req". */
static void line_num(struct label *l, double v, const char *unit)
{
	struct sp_sb *sb = line(l);
	add_num(sb, v);
	sp_sb_adds(sb, unit);
}

static void label_service(struct label *l, const struct sp_service *s)
{
	struct sp_sb *sb;

	line_first(l, (unsigned)s->cls <= SP_CLASS_DEV ? sp_class_names[s->cls] : "?", s->instance);
	if (s->cpu_ms_per_request > 0)
		line_num(l, s->cpu_ms_per_request, " ms CPU/req");
	if (s->has_latency_slo || s->availability > 0) {
		sb = line(l);
		sp_sb_adds(sb, "SLO ");
		if (s->has_latency_slo) {
			sp_sb_addf(sb, "p%.4g ≤ ", s->slo_quantile * 100);
			add_num(sb, s->slo_ms);
			sp_sb_adds(sb, " ms");
		}
		if (s->availability > 0) {
			if (s->has_latency_slo)
				sp_sb_adds(sb, ", ");
			sp_sb_addf(sb, "%.6g%%", s->availability);
		}
	}
	sb = line(l);
	if (s->max > 0)
		sp_sb_addf(sb, "%d–%d instances", s->min, s->max);
	else
		sp_sb_addf(sb, "≥ %d instances", s->min);
}

static void label_cache(struct label *l, const struct sp_cache *c)
{
	struct sp_sb *sb;

	line_first(l, NAME(sp_cache_engine_names, c->engine), c->node);
	if (c->hit_rate > 0 || c->working_set_gb > 0) {
		sb = line(l);
		if (c->hit_rate > 0) {
			sp_sb_adds(sb, "hit ");
			add_num(sb, c->hit_rate * 100);
			sp_sb_adds(sb, "%");
		}
		if (c->working_set_gb > 0) {
			sp_sb_adds(sb, c->hit_rate > 0 ? " · " : "");
			add_num(sb, c->working_set_gb);
			sp_sb_adds(sb, " GB hot set");
		}
	}
}

static void label_datastore(struct label *l, const struct sp_datastore *d)
{
	struct sp_sb *sb;

	line_first(l, NAME(sp_db_engine_names, d->engine), d->instance);
	if (d->storage_start_gb > 0)
		line_num(l, d->storage_start_gb, " GB at start");
	if (d->sharded) {
		sb = line(l);
		sp_sb_adds(sb, "sharded: ");
		add_html(sb, NAME(sp_shard_strategy_names, d->shard_strategy));
		if (d->shard_key) {
			sp_sb_adds(sb, " on ");
			add_html(sb, d->shard_key);
		}
		if (d->max_gb_per_shard > 0) {
			sp_sb_adds(sb, ", ≤ ");
			add_num(sb, d->max_gb_per_shard);
			sp_sb_adds(sb, " GB/shard");
		}
	}
}

static void label_queue(struct label *l, const struct sp_queue *q)
{
	struct sp_sb *sb = line(l);
	sp_sb_adds(sb, "backlog ≤ ");
	add_num(sb, q->max_backlog_age_s);
	sp_sb_adds(sb, " s");
}

static void label_gpu(struct label *l, const struct sp_gpu_workload *w)
{
	struct sp_sb *sb;

	line_first(l, w->kind == SP_GPU_TRAINING ? "training" : "inference", w->gpu);
	if (w->kind == SP_GPU_TRAINING) {
		sb = line(l);
		add_num(sb, w->params_b);
		sp_sb_adds(sb, "B params · ");
		add_num(sb, w->tokens_b);
		sp_sb_adds(sb, "B tokens");
		sb = line(l);
		if (w->every_months > 0)
			sp_sb_addf(sb, "every %d months", w->every_months);
		else
			sp_sb_adds(sb, "once");
	} else {
		sb = line(l);
		add_num(sb, w->tokens_per_s_per_gpu);
		sp_sb_adds(sb, " tok/s/GPU · ");
		add_num(sb, w->tokens_per_request);
		sp_sb_adds(sb, " tok/req");
		if (w->gpus_per_replica > 1) {
			sb = line(l);
			sp_sb_addf(sb, "%d GPUs/replica", w->gpus_per_replica);
		}
	}
}

static void edge_label(struct sp_sb *sb, const struct sp_edge *e)
{
	switch (e->kind) {
	case SP_EDGE_DATASTORE:
		/* "r3 w0.2"; a zero side is left out ("r3", "w2") unless both are zero */
		if (e->reads > 0 || !(e->writes > 0)) {
			sp_sb_adds(sb, "r");
			add_num(sb, e->reads);
		}
		if (e->writes > 0) {
			sp_sb_adds(sb, sb->len ? " w" : "w");
			add_num(sb, e->writes);
		}
		break;
	case SP_EDGE_CACHE_MISS:
	case SP_EDGE_GPU:
		sp_sb_adds(sb, "×");
		add_ratio(sb, e->ratio);
		if (e->call && e->call->via_cache)
			sp_sb_adds(sb, " miss");
		break;
	default:
		sp_sb_adds(sb, "×");
		add_ratio(sb, e->ratio);
		break;
	}
}

/* ---- Graphviz ---------------------------------------------------------------- */

/* Graphviz reports through agerr; while rendering its messages land here
 * (the last error wins) instead of on stderr. */
static char gv_msg[512];

static int gv_capture(char *msg)
{
	if (strncmp(msg, "Warning", 7) == 0)
		return 0;
	snprintf(gv_msg, sizeof(gv_msg), "%s", msg);
	size_t n = strlen(gv_msg);
	while (n && (gv_msg[n - 1] == '\n' || gv_msg[n - 1] == ' '))
		gv_msg[--n] = '\0';
	return 0;
}

/* One Graphviz context per process, made on first use and freed at exit.
 * A context per call would be tidier, but Graphviz 2.43's pango plugin keeps
 * a pointer to the last font name it measured, which lives in the context's
 * font dictionary: after gvFreeContext the next context's first layout reads
 * freed memory (AddressSanitizer sees it). gvContext() loads the plugins
 * listed in Graphviz's config6a. */
static GVC_t *gv_ctx;

static void context_free(void)
{
	if (gv_ctx)
		gvFreeContext(gv_ctx);
	gv_ctx = NULL;
}

static GVC_t *context(void)
{
	if (!gv_ctx) {
		gv_ctx = gvContext();
		atexit(context_free);
	}
	return gv_ctx;
}

/* Declares an attribute with its default, in a fixed order (agwrite keeps it). */
static Agsym_t *decl(Agraph_t *g, int kind, const char *name, const char *def)
{
	return agattr(g, kind, mut(name), mut(def));
}

struct syms {
	Agsym_t *shape, *style, *fill, *line, *label;
	Agsym_t *e_label, *e_style, *e_color;
};

static void set_html(Agraph_t *g, void *obj, Agsym_t *sym, const char *html)
{
	char *s = agstrdup_html(g, mut(html));
	agxset(obj, sym, s);
	agstrfree(g, s);
}

static void build(Agraph_t *g, const struct sp_graph *sg, Agnode_t **nodes, const char *title)
{
	struct syms y;
	struct sp_sb sb = SP_SB_INIT;

	Agsym_t *title_sym = NULL;
	/* every attribute with its default, in the order agwrite lists them;
	 * keep: where the symbol goes when nodes or edges set it */
	const struct {
		int kind;
		const char *name, *def;
		Agsym_t **keep;
	} attrs[] = {
		{ AGRAPH, "rankdir", "LR", NULL },
		{ AGRAPH, "fontname", FONT, NULL },
		{ AGRAPH, "fontsize", "12", NULL },
		{ AGRAPH, "label", "", &title_sym },
		{ AGRAPH, "labelloc", "t", NULL },
		{ AGRAPH, "nodesep", "0.35", NULL },
		{ AGRAPH, "ranksep", "0.9", NULL },
		{ AGRAPH, "bgcolor", "white", NULL },
		{ AGRAPH, "pad", "0.2", NULL },
		{ AGNODE, "fontname", FONT, NULL },
		{ AGNODE, "fontsize", "11", NULL },
		{ AGNODE, "penwidth", "1.2", NULL },
		{ AGNODE, "margin", "0.15,0.06", NULL },
		{ AGNODE, "shape", "box", &y.shape },
		{ AGNODE, "style", "filled", &y.style },
		{ AGNODE, "fillcolor", "white", &y.fill },
		{ AGNODE, "color", "black", &y.line },
		{ AGNODE, "label", "\\N", &y.label },
		{ AGEDGE, "fontname", FONT, NULL },
		{ AGEDGE, "fontsize", "9", NULL },
		{ AGEDGE, "fontcolor", "#334155", NULL },
		{ AGEDGE, "arrowsize", "0.7", NULL },
		{ AGEDGE, "color", "#64748b", &y.e_color },
		{ AGEDGE, "style", "solid", &y.e_style },
		{ AGEDGE, "label", "", &y.e_label },
	};

	for (size_t i = 0; i < SP_ARRAY_LEN(attrs); i++) {
		Agsym_t *sym = decl(g, attrs[i].kind, attrs[i].name, attrs[i].def);
		if (attrs[i].keep)
			*attrs[i].keep = sym;
	}

	if (title && *title) {
		sp_sb_adds(&sb, "<B>");
		add_html(&sb, title);
		sp_sb_adds(&sb, "</B>");
		set_html(g, g, title_sym, sb.buf);
	}

	for (uint32_t i = 0; i < sp_graph_nnodes(sg); i++) {
		const struct sp_node *n = sp_graph_node(sg, i);
		const struct kind_style *st = &styles[n->kind];
		struct label l;
		Agnode_t *v = agnode(g, mut(n->name), 1);

		nodes[i] = v;
		agxset(v, y.shape, mut(n->kind == SP_NODE_GPU && n->gpu->kind == SP_GPU_TRAINING ?
				      "octagon" : st->shape));
		agxset(v, y.style, mut(st->style));
		agxset(v, y.fill, mut(st->fill));
		agxset(v, y.line, mut(st->line));
		label_begin(&l, n->name);
		switch (n->kind) {
		case SP_NODE_SERVICE: label_service(&l, n->service); break;
		case SP_NODE_CACHE: label_cache(&l, n->cache); break;
		case SP_NODE_DATASTORE: label_datastore(&l, n->datastore); break;
		case SP_NODE_QUEUE: label_queue(&l, n->queue); break;
		case SP_NODE_GPU: label_gpu(&l, n->gpu); break;
		}
		label_end(&l);
		set_html(g, v, y.label, l.sb.buf);
		sp_sb_release(&l.sb);
	}
	for (uint32_t i = 0; i < sp_graph_nedges(sg); i++) {
		const struct sp_edge *e = sp_graph_edge(sg, i);
		Agedge_t *a = agedge(g, nodes[e->from], nodes[e->to], NULL, 1);

		sp_sb_reset(&sb);
		edge_label(&sb, e);
		agxset(a, y.e_label, sb.buf);
		if (e->kind == SP_EDGE_PRODUCE || e->kind == SP_EDGE_CONSUME)
			agxset(a, y.e_style, mut("dashed"));
		if (e->kind == SP_EDGE_PRODUCE || e->kind == SP_EDGE_CACHE_LOOKUP || e->kind == SP_EDGE_CACHE)
			agxset(a, y.e_color, mut(styles[sp_graph_node(sg, e->to)->kind].line));
		else if (e->kind == SP_EDGE_CONSUME)
			agxset(a, y.e_color, mut(styles[SP_NODE_QUEUE].line));
	}
	sp_sb_release(&sb);
}

int sp_render_graph(const struct sp_spec *spec, const struct sp_graph *sg, const char *format, FILE *out,
		    struct sp_err *err)
{
	GVC_t *gvc = NULL;
	Agraph_t *g = NULL;
	Agnode_t **nodes = NULL;
	agusererrf prev;
	int laid = 0, rc = 0, dot;

	if (!format || (strcmp(format, "dot") && strcmp(format, "svg") && strcmp(format, "png")))
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
				  "unknown graph format '%s'; expected dot, svg or png", format ? format : "");
	dot = !strcmp(format, "dot");
	gv_msg[0] = '\0';
	prev = agseterrf(gv_capture);

	if (!dot)
		gvc = context();
	g = agopen(mut(spec && spec->name ? spec->name : "scaleplan"), Agdirected, NULL);
	if (!g) {
		rc = sp_err_set(err, SP_EIO, NULL, 0, 0, "graphviz: cannot create a graph: %s", gv_msg);
		goto out;
	}
	nodes = sp_xcalloc(sp_graph_nnodes(sg) ? sp_graph_nnodes(sg) : 1, sizeof(*nodes));
	build(g, sg, nodes, spec && spec->name ? spec->name : "");

	if (dot) {
		if (agwrite(g, out) != 0) {
			rc = sp_err_set(err, SP_EIO, NULL, 0, 0, "cannot write the graph: %s", strerror(errno));
			goto out;
		}
	} else {
		if (gvLayout(gvc, g, "dot") != 0) {
			rc = sp_err_set(err, SP_EIO, NULL, 0, 0, "graphviz: layout failed%s%s",
					gv_msg[0] ? ": " : "", gv_msg);
			goto out;
		}
		laid = 1;
		if (gvRender(gvc, g, format, out) != 0) {
			rc = sp_err_set(err, SP_EIO, NULL, 0, 0, "graphviz: cannot render %s%s%s", format,
					gv_msg[0] ? ": " : "", gv_msg);
			goto out;
		}
	}
	if (fflush(out) != 0 || ferror(out)) {
		rc = sp_err_set(err, SP_EIO, NULL, 0, 0, "cannot write the graph: %s", strerror(errno));
		goto out;
	}
out:
	if (laid)
		gvFreeLayout(gvc, g);
	if (g)
		agclose(g);
	free(nodes);
	agseterrf(prev);
	return rc;
}
