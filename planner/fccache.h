/* The forecast a plan prints its horizon band from, kept between runs: a
 * cache file under .scaleplan/cache/ keyed by the digest of everything the
 * forecast depends on (the spec's bytes, the catalog's figures, the seed,
 * the paths, the percentiles, the months and scaleplan's version).
 *
 * It holds what a month forecast (model/fastplan.h) does not compute: the
 * totals along the paths (month, year, horizon, cumulative) and each line's
 * SLO risk and outgrown-primary months. Numbers are written in C's hex
 * float form, so they read back to the same bits; a checksum line ends the
 * file. A file that is missing, short, damaged or for another key is a miss,
 * never an error. Writes go to a temporary file renamed into place, so
 * concurrent runs each see a whole file or none. */
#ifndef SP_FCCACHE_H
#define SP_FCCACHE_H
#include <stddef.h>

#include "lib/strbuf.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/spec.h"

#define SP_FCCACHE_DIR ".scaleplan/cache"

/* The cache key (40 hex digits and a NUL) of a forecast of the spec whose
 * digest is spec_digest (sp_ws_spec_digest), priced from cat, with opts
 * (months, paths, seed, percentiles, no_groupings; the month planned and the
 * threads do not change the totals). Returns 0, or -1 when hashing fails. */
int sp_fccache_key(char out[41], const char *spec_digest, const struct sp_catalog *cat,
		   const struct sp_forecast_opts *opts, const struct sp_spec *spec);

/* The cache file of key in dir, checked (header, key, checksum) into *text
 * (the caller releases it). Returns 0, or -1 when there is none or it is
 * damaged. */
int sp_fccache_read(struct sp_sb *text, const char *dir, const char *key);

/* Fills f's totals and its lines' risk months from text (sp_fccache_read)
 * when its shape (months, years, percentiles, paths, lines) is f's. Returns
 * 0, or -1 (f's totals then partly filled: discard f). */
int sp_fccache_apply(struct sp_forecast *f, const char *text);

/* Writes f's totals and risks under key into dir (created when missing;
 * its parent must exist). Returns 0, or -1 when it cannot (nothing is left
 * behind). */
int sp_fccache_write(const struct sp_forecast *f, const char *dir, const char *key);

#endif
