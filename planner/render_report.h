/* Renders a cost report (model/report.h): text for a terminal, markdown for
 * a wiki, CSV for a spreadsheet, one self-contained HTML file with charts,
 * and FOCUS 1.1 cost rows of one path. Every format and column is described
 * in docs/report-format.md; the CSV and FOCUS layouts are versioned there.
 * Output depends only on the report, the spec and the catalog, so the same
 * inputs and seed give the same bytes. */
#ifndef SP_RENDER_REPORT_H
#define SP_RENDER_REPORT_H
#include <stdio.h>

#include "lib/err.h"
#include "model/catalog.h"
#include "model/graph.h"
#include "model/report.h"
#include "model/spec.h"

#define SP_RR_CSV_VERSION 1
#define SP_RR_FOCUS_VERSION "1.1"

/* Writes r to out in format "text", "markdown", "csv" or "html". spec is the
 * spec r was computed from (names, budgets, tags); g its graph (the HTML
 * embeds it as a Graphviz SVG). Returns 0, SP_EINVAL for an unknown format or
 * a report holding a value that is not a finite number (nothing is written
 * then), SP_EIO when Graphviz fails or writing out fails (part of the output
 * may have been written: write a file through a temporary one); err says
 * which. Not thread-safe (Graphviz). */
int sp_render_report(FILE *out, const struct sp_report *r, const struct sp_spec *spec, const struct sp_graph *g,
		     const char *format, struct sp_err *err);

/* Writes the FOCUS 1.1 rows of path p (CSV with a header line): per resource
 * (component and region) and month, its usage split by how it is priced, the
 * commitments' purchases and unused parts, and internet egress by tier. cat
 * is the catalog p was priced with (list prices, tiers). Returns 0, SP_EINVAL
 * for a path holding a value that is not a finite number, or SP_EIO. */
int sp_render_report_focus(FILE *out, const struct sp_report_path *p, const struct sp_spec *spec,
			   const struct sp_graph *g, const struct sp_catalog *cat, struct sp_err *err);

#endif
