/* Renders a plan for people: text for a terminal or a CI log, markdown for a
 * pull-request comment. The JSON document is planner/planfile.h's. */
#ifndef SP_RENDER_PLAN_H
#define SP_RENDER_PLAN_H
#include <stddef.h>
#include <stdio.h>

#include "lib/strbuf.h"
#include "planner/planfile.h"

/* Largest markdown comment: code hosts reject comments over 65,536 characters. */
#define SP_PLAN_MARKDOWN_MAX 65000

struct sp_plan_view {
	const char *title;                /* the spec's name (or NULL) */
	const char *at;                   /* the month planned */
	double percentile;
	const struct sp_diff *diff;
	const struct sp_plan_cost *cost;  /* NULL: no cost lines */
	int color;
	const char *const *left_alone;    /* removed from the state: neither adopted nor deleted */
	size_t nleft_alone;
};

/* One line per change with its attributes old -> new, then the summary and
 * the cost. No-ops are counted, not listed. */
void sp_render_plan_text(FILE *out, const struct sp_plan_view *v);

/* A pull-request comment: the summary line first, a table of changes, the
 * details folded; never more than max characters (the table and details are
 * summarised when the plan is larger). Appends to sb. */
void sp_render_plan_markdown(struct sp_sb *sb, const struct sp_plan_view *v, size_t max);

/* An attribute's value as people read it: "text" quoted, whole numbers
 * without decimals, others with 6 significant digits, true/false; "(none)"
 * for NULL. */
void sp_attr_format(char *buf, size_t n, const struct sp_attr *a);

/* "+$1,234" / "-$1,234" / "$0": a signed amount of money. */
void sp_render_money_delta(char *buf, size_t n, double v, const char *currency);

#endif
