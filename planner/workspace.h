/* The workspace a command works in: the spec (and its graph), the price
 * catalog the spec names, the state backend and the provider that hold the
 * resources, the state lock, and "now" ($SCALEPLAN_NOW); and the one error
 * printer. The openers print nothing: they return an sp_err, or add what
 * they have to say to an sp_ws_report, and the command prints it (only
 * main() and the cmd_*.c files print), in lib/diag.c's format:
 *
 *   scaleplan: FILE:LINE:COL: error: MSG
 *       LINE | the source line, when its text is at hand
 *            |     ^
 */
#ifndef SP_WORKSPACE_H
#define SP_WORKSPACE_H
#include <stddef.h>

#include "lib/diag.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/graph.h"
#include "model/spec.h"
#include "providers/catalog.h"
#include "providers/provider.h"
#include "providers/state.h"
#include "providers/where.h"

/* Defaults when no spec is named, or the spec leaves the place out. Paths
 * are relative to the working directory, as Terraform's working directory. */
#define SP_DEFAULT_SPEC "scaleplan.yaml"
#define SP_DEFAULT_STATE ".scaleplan/state.json"
#define SP_DEFAULT_INFRA ".scaleplan/infra"

/* What a step has to say, for its command to print in order: batches of
 * diagnostics, each printed as sp_ws_print_diags prints one (sorted by place,
 * then its "N errors" line), each followed by text printed as it is (a hint,
 * who holds the lock). */
struct sp_ws_report {
	struct sp_ws_msg {
		struct sp_diags diags;
		struct sp_sb text;
	} *v;
	size_t n, cap;
};
#define SP_WS_REPORT_INIT { NULL, 0, 0 }

/* A new, empty batch at the end of r, for a step to fill (sp_error,
 * sp_warn, or a library function's diags); valid until r grows again. */
struct sp_diags *sp_ws_report_diags(struct sp_ws_report *r);
/* e as a batch of its own, worded as sp_ws_err_diag words it. */
void sp_ws_report_err(struct sp_ws_report *r, const struct sp_err *e, const struct sp_src *src);
/* "scaleplan: error: MSG" as a batch of its own. */
void sp_ws_report_error(struct sp_ws_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error of sp_ws_lock: the error, then who holds the lock and what to do
 * when another command holds it. */
void sp_ws_report_lock_err(struct sp_ws_report *r, const struct sp_err *e, const struct sp_lock_info *holder);
/* Text after the last batch (after an empty one when r has none). */
void sp_ws_report_text(struct sp_ws_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints r to stderr in order, then frees it (r is empty and reusable). */
void sp_ws_report_print(struct sp_ws_report *r);
/* Frees r without printing it. */
void sp_ws_report_free(struct sp_ws_report *r);

/* Where the state and the resources are, and which adapters hold them: the
 * spec's settings (model/spec.h), a plan file's, or the local defaults. The
 * strings belong to the spec or the plan file (or are static). */
struct sp_ws_where {
	struct sp_state_cfg state;
	struct sp_provider_cfg provider;
};

/* The spec's settings (spec may be NULL: the local defaults). */
void sp_ws_where_of(struct sp_ws_where *w, const struct sp_spec *spec);
/* Options that name a local file or folder (-state PATH, -infra PATH) make
 * that side local, whatever the spec says. */
void sp_ws_where_local_state(struct sp_ws_where *w, const char *path);
void sp_ws_where_local_provider(struct sp_ws_where *w, const char *path);

/* Takes the state lock for operation ("apply", "state rm"), waiting up to
 * timeout_ms. Returns 0, or -1 with err set; when another command holds the
 * lock, err->code is SP_ELOCKED and *holder says who (print both with
 * sp_ws_print_lock_err, or add them to a report with sp_ws_report_lock_err). */
int sp_ws_lock(struct sp_backend *b, const char *operation, int timeout_ms, struct sp_lock_info *holder,
	       struct sp_err *err);

/* The current month: $SCALEPLAN_NOW (YYYY-MM) when set, for tests and
 * reproducible runs, else the UTC clock. Returns 0, or -1 with err set when
 * $SCALEPLAN_NOW is not a month. */
int sp_ws_now(sp_month *out, struct sp_err *err);

/* The catalog search path: $SCALEPLAN_CATALOG_PATH is read by the catalog
 * loader first; then the folders beside the binary (<exe>/../catalogs for a
 * build tree, <exe>/../share/scaleplan/catalogs for an installed prefix that
 * moved) and the compiled-in data folder. A static string. */
const char *sp_ws_catalog_path(void);
/* Loads the price catalog the spec names (default aws-us-east-1). A value
 * with a '/' or ending in ".json" is a path, and a relative one is relative
 * to the spec file that names it (else to spec_path), so a spec and its
 * catalog travel together. Returns 0, or -1 with the error in r. */
int sp_ws_load_catalog(struct sp_catalog **out, const struct sp_spec *spec, const char *spec_path,
		       struct sp_ws_report *r);

/* The git blob id (SHA-1, 40 hex digits and a NUL) of the spec's files in
 * load order, each framed by its base name and length. Returns 0 or -1. */
int sp_ws_spec_digest(const struct sp_spec *spec, char out[41]);

/* Loads and validates the spec at path (a file or a folder), and builds its
 * graph when g is non-NULL. Every diagnostic (warnings too) goes to r as
 * one batch, and a hint after it when the default spec is missing. Returns
 * 0 (the caller frees *spec and *g) or -1 (both NULL). */
int sp_ws_load(const char *path, struct sp_spec **spec, struct sp_graph **g, struct sp_ws_report *r);

/* The state backend and the provider of a command, and the spec that
 * said where they are (when one was read). */
struct sp_ws {
	struct sp_spec *spec;         /* NULL when no spec was read */
	struct sp_ws_where where;
	struct sp_backend *backend;
	struct sp_provider *provider; /* NULL unless asked for */
};

/* Opens the backend w->where names and, with need_provider, the provider.
 * Returns 0, or -1 with err set. Close w with sp_ws_close in either case. */
int sp_ws_open(struct sp_ws *w, int need_provider, struct sp_err *err);
/* For commands where a spec is optional (drift, state): reads spec_path, or
 * scaleplan.yaml when spec_path is NULL and it exists (as sp_ws_load), then
 * opens the backend on state_path and, with need_provider, the provider on
 * infra_path; a NULL path is the spec's, else the default. Returns 0, or -1
 * with what went wrong in r. w is zeroed first; close it with sp_ws_close
 * in either case. */
int sp_ws_open_where(struct sp_ws *w, const char *spec_path, const char *state_path, const char *infra_path,
		     int need_provider, struct sp_ws_report *r);
/* Closes what w opened and frees its spec. */
void sp_ws_close(struct sp_ws *w);

/* ---- the one error printer: standard error, lib/diag.c's format ---- */

/* Adds e to d as an error: "scaleplan: FILE:LINE:COL: error: MSG" when e
 * has a line (with the line and a caret under the column when src is that
 * file's text; a JSON file the loader read itself has none, so no excerpt),
 * "scaleplan: error: FILE: MSG" when it names only a file, else
 * "scaleplan: error: MSG". src may be NULL. */
void sp_ws_err_diag(struct sp_diags *d, const struct sp_err *e, const struct sp_src *src);
/* Prints d to stderr, sorted by place, then "N errors" when more than one. */
void sp_ws_print_diags(struct sp_diags *d);
/* Prints "scaleplan: error: MSG". */
void sp_ws_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints e as sp_ws_err_diag words it. */
void sp_ws_print_err(const struct sp_err *e, const struct sp_src *src);
/* Prints an error of sp_ws_lock as sp_ws_report_lock_err words it. */
void sp_ws_print_lock_err(const struct sp_err *e, const struct sp_lock_info *holder);

#endif
