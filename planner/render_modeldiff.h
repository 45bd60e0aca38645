/* Renders what a change to the spec does to the model (planner/modeldiff.h)
 * and the verdicts of the --fail-on gates (planner/gates.h): text for a
 * terminal or a CI log, markdown for a pull-request comment, JSON for
 * programs (versioned: SP_MD_FORMAT_VERSION, docs/diff-format.md). Output
 * depends only on the comparison, so the same inputs and seed give the same
 * bytes. */
#ifndef SP_RENDER_MODELDIFF_H
#define SP_RENDER_MODELDIFF_H
#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "planner/gates.h"
#include "planner/modeldiff.h"

/* The change in text: where each side came from, the components added,
 * removed, changed (with their keys) and resized with their capacity and
 * cost, the other keys changed, the cost, budgets and SLOs; then the gates
 * when gates is non-NULL. Appends to sb. */
void sp_render_modeldiff_text(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_gate_report *gates);

/* The change as a pull-request comment: a headline with the counts and the
 * cost change, the gates (when non-NULL), the cost table, budgets newly
 * breached and SLOs newly at risk, then the table of components, summarised
 * so that the whole stays under max characters. Appends to sb. */
void sp_render_modeldiff_markdown(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_gate_report *gates,
				  size_t max);

/* The change as a JSON object (docs/diff-format.md), with "gates" when
 * gates is non-NULL. A new reference. */
json_t *sp_modeldiff_json(const struct sp_modeldiff *md, const struct sp_gate_report *gates);

/* The change read back from that JSON (a plan file's "base"), for the
 * renderers: md's strings in md->arena, the components that changed (the
 * unchanged are only counted), and the gates into *gates with *has_gates
 * set when doc has "gates". Returns 0, or SP_EINVAL with err naming origin
 * and the key ("base.components[2].change: unknown value 'x'"). Free md
 * with sp_modeldiff_free in either case (planner/modeldiff_json.c). */
int sp_modeldiff_from_json(struct sp_modeldiff *md, struct sp_gate_report *gates, int *has_gates, json_t *doc,
			   const char *origin, struct sp_err *err);

/* The gates' verdicts: markdown, a line each, the tripped first and named
 * as such; text, "Gates:" then a line each. Nothing when r has none. */
void sp_render_gates_markdown(struct sp_sb *sb, const struct sp_gate_report *r);
void sp_render_gates_text(struct sp_sb *sb, const struct sp_gate_report *r);

/* s with what markdown would read as markup escaped (| ` < > * _ \ [ ] and
 * $, which GitHub may read as math), newlines as spaces. */
void sp_render_md_escape(struct sp_sb *sb, const char *s);

#endif
