/* Renders a forecast (model/forecast.h) as a table for people, CSV and JSON
 * for programs, or markdown for a pull request or a wiki. Every format and
 * field is documented in docs/forecast-output.md; the CSV and JSON formats
 * are versioned there. Output depends only on the forecast and the spec, so
 * the same inputs and seed give the same bytes. */
#ifndef SP_RENDER_FORECAST_H
#define SP_RENDER_FORECAST_H
#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"
#include "model/forecast.h"
#include "model/spec.h"

#define SP_FC_CSV_VERSION 1
#define SP_FC_JSON_VERSION 1

/* Writes f to out. format: "table", "csv", "json" or "markdown"; by:
 * "component" (NULL means it), "class", "region" or "category" (the table,
 * markdown and CSV group by it; JSON always holds every grouping). spec is
 * the spec f was computed from (names, budgets, scaling bounds). Returns 0,
 * SP_EINVAL for an unknown format or grouping or a forecast holding a value
 * that is not a finite number >= 0 or is malformed (an engine bug: nothing is
 * written then), or SP_EIO when writing or flushing out fails (part of the
 * output may have been written: write a file through a temporary one); err
 * says which. */
int sp_render_forecast(FILE *out, const struct sp_forecast *f, const struct sp_spec *spec, const char *format,
		       const char *by, struct sp_err *err);

/* Formats an amount of money rounded to whole units (halves away from zero)
 * with thousands separators into buf (n bytes, always terminated when n > 0):
 * "$12,345" for USD, "EUR 12,345" for other currency codes, "-$5" below
 * zero, "?" for NaN or an infinity. */
void sp_render_money(char *buf, size_t n, double v, const char *currency);

#endif
