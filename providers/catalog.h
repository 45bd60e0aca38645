/* Loading a price catalog (model/catalog.h) from its JSON file; the format
 * is in docs/catalog.md. A catalog is validated strictly: a price that is
 * missing, negative or mistyped is an error naming the SKU and the place,
 * never a silent zero. */
#ifndef SP_PROVIDERS_CATALOG_H
#define SP_PROVIDERS_CATALOG_H
#include <stddef.h>

#include "lib/err.h"
#include "model/catalog.h"

/* Largest catalog file read, in bytes. */
#define SP_CATALOG_MAX_BYTES (16u << 20)

/* Loads a price catalog. name_or_path is a file when it contains '/' or ends
 * in ".json"; otherwise it is a name, and <name>.json is looked for in each
 * directory of $SCALEPLAN_CATALOG_PATH, then of datadir (both colon-separated
 * lists; empty entries are skipped; datadir may be NULL), first match wins.
 * On success returns 0 and *out owns every string and array (one arena;
 * release with sp_catalog_free), SKUs sorted by name. On failure *out is NULL
 * and err holds the code and the place: err->file is the catalog file (empty
 * when none was found), err->line/col a 1-based position (0 when unknown),
 * and the message starts with the JSON path of the bad value, such as
 * "skus[3].on_demand_hourly: ...". Returns SP_ENOTFOUND (the message lists
 * every directory searched), SP_EIO, SP_ETOOBIG (over SP_CATALOG_MAX_BYTES)
 * or SP_EINVAL (malformed JSON or a catalog that breaks the format). */
int sp_catalog_load(struct sp_catalog **out, const char *name_or_path, const char *datadir, struct sp_err *err);

/* Parses and validates a catalog held in memory (len bytes of text); file
 * names it in errors. Same results as sp_catalog_load otherwise; text is
 * not kept. */
int sp_catalog_parse(struct sp_catalog **out, const char *text, size_t len, const char *file, struct sp_err *err);

/* Frees a catalog from sp_catalog_load or sp_catalog_parse; NULL is allowed. */
void sp_catalog_free(struct sp_catalog *c);

#endif
