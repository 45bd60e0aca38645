/* The dependency graph as a picture, through Graphviz (libcgraph + libgvc).
 *
 * Each component is a node shaped and coloured by kind (service: rounded box,
 * cache: ellipse, datastore: cylinder, queue: cds, GPU inference: hexagon,
 * GPU training: octagon) and labelled with its key figures; each edge carries
 * its ratio ("×2.0", "×0.3 miss", "r3 w0.2"); queue edges are dashed.
 *
 * Formats:
 *   "dot"  the graph before layout, written by agwrite: no coordinates, so the
 *          bytes depend only on the spec (and the Graphviz version), and the
 *          text can be edited or piped into `dot -Tpdf` etc.
 *   "svg"  laid out with the dot engine and rendered by Graphviz; deterministic
 *          for one Graphviz version and font set.
 *   "png"  the same, rendered by the cairo plugin.
 */
#ifndef SP_RENDER_GRAPH_H
#define SP_RENDER_GRAPH_H
#include <stdio.h>

#include "lib/err.h"
#include "model/graph.h"
#include "model/spec.h"

/* Writes the graph g of spec to out in format ("dot", "svg" or "png").
 * Returns 0, SP_EINVAL for an unknown format, or SP_EIO when Graphviz fails
 * or out cannot be written; err (may be NULL) says why. Graphviz's own
 * messages are captured into err, never printed. svg and png use one Graphviz
 * context per process, made on first use and freed by atexit. Not
 * thread-safe (Graphviz keeps global state). */
int sp_render_graph(const struct sp_spec *spec, const struct sp_graph *g, const char *format, FILE *out,
		    struct sp_err *err);

#endif
