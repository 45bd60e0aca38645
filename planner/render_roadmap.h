/* Renders a roadmap (model/roadmap.h) as text for a terminal, markdown for a
 * wiki or a pull request, or JSON for programs (docs/roadmap-format.md, which
 * versions the JSON by SP_RM_JSON_VERSION). The output depends only on the
 * roadmap, so the same inputs and seed give the same bytes. */
#ifndef SP_RENDER_ROADMAP_H
#define SP_RENDER_ROADMAP_H
#include <stdio.h>

#include "lib/err.h"
#include "model/roadmap.h"

#define SP_RM_JSON_VERSION "1"

/* Writes r to out in format "text", "markdown" or "json". Returns 0,
 * SP_EINVAL for an unknown format (nothing written), or SP_EIO when writing
 * or flushing fails (part may have been written: write a file through a
 * temporary one); err says which. */
int sp_render_roadmap(FILE *out, const struct sp_roadmap *r, const char *format, struct sp_err *err);

#endif
