/* The cost report's figures (docs/report-format.md): the forecast, and the
 * sums along each Monte Carlo path that the forecast adds up whole, with
 * percentiles taken last as everywhere in the model:
 *   - cost by category, with the storage of datastores apart from their
 *     nodes: compute, database, cache, storage, gpu, transfer;
 *   - cost by purchase option: the commitments (used or not), what runs on
 *     demand (with storage and internet egress, billed at list price) and
 *     what runs on spot;
 *   - the saving of commitments and the saving of spot against buying the
 *     same capacity all on demand;
 *   - each component's cost by year.
 * And, for FOCUS rows, one path whole: every line's figures month by month
 * on the path whose horizon total stands at a percentile.
 *
 * Nothing is priced again: every figure is the forecast's own (its cost, its
 * all-on-demand cost, its storage cost, its commitment levels), split with
 * the catalog's committed rate. Pure computation: no I/O, no printing. */
#ifndef SP_REPORT_H
#define SP_REPORT_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"

enum sp_rp_category { SP_RP_COMPUTE, SP_RP_DATABASE, SP_RP_CACHE, SP_RP_STORAGE, SP_RP_GPU, SP_RP_TRANSFER,
		      SP_RP_NCAT };
/* "compute", "database", "cache", "storage", "gpu", "transfer" */
extern const char *const sp_rp_category_names[SP_RP_NCAT];

enum sp_rp_buy { SP_RP_COMMITTED, SP_RP_ON_DEMAND, SP_RP_SPOT, SP_RP_NBUY };
/* "commitment", "on-demand", "spot" */
extern const char *const sp_rp_buy_names[SP_RP_NBUY];

enum sp_rp_saving { SP_RP_SAVE_COMMIT, SP_RP_SAVE_SPOT, SP_RP_SAVE_ALL, SP_RP_NSAVE };
/* "commitment", "spot", "all": what each saves against all on demand, and both */
extern const char *const sp_rp_saving_names[SP_RP_NSAVE];

/* What the split of a line's cost needs to know about the line, from the
 * forecast's line, its graph node and the catalog (sp_report_line_info). */
struct sp_rp_line {
	enum sp_fc_purchase purchase;
	enum sp_rp_category category;  /* of its instances (datastores: database) */
	int training;                  /* a GPU training workload: billed per GPU-hour used */
	int per_instance;              /* GPUs per instance of a GPU SKU; 1 otherwise */
	int term;                      /* commitment term in months; 0: none */
	const int *levels;             /* per commitment window: instances committed */
	int nwindows;
	double commit_month;           /* the committed rate per instance-month; 0: none */
	double od_hour;                /* list (on-demand) price per billed unit-hour: an instance,
					* or a GPU for training; 0 for queues */
	double commit_hour;            /* committed price per billed unit-hour; 0: none */
};

/* One line's cost in one month on one path, split: in micro-units of
 * currency (10^-6), parts that add up exactly to the cost the forecast
 * summed, (int64_t)(cost * 10^6 + 0.5). */
struct sp_rp_split {
	int64_t cost, cost_od;         /* the whole, with purchase options and all on demand */
	int64_t committed;             /* the commitment: level x committed rate, used or not
					* (training on a committed tier: all of its cost) */
	int64_t above;                 /* the instances above the commitment, or all of them
					* without one: on demand or spot (by the purchase option) */
	int64_t storage;               /* datastores: storage, at list price */
	int64_t save_commit;           /* cost_od - cost that the commitment saves (negative when
					* it is not used enough) */
	int64_t save_spot;             /* what spot saves; save_commit + save_spot = cost_od - cost */
	int level;                     /* instances committed this month; 0 without a commitment */
	int billed;                    /* instances billed (GPU inference: whole instances of its
					* GPUs); training: GPUs busy */
};

/* The line's facts for sp_report_split. Returns 0, or -1 when the line's SKU
 * is not in the catalog (the forecast would have refused it). */
int sp_report_line_info(struct sp_rp_line *out, const struct sp_fc_line *line, const struct sp_node *node,
			const struct sp_catalog *cat);

/* Splits line li's cost in month m (0-based) on one path: cost, cost_od and
 * storage in currency as the forecast computed them, units the line's
 * capacity over its regions (GPU inference: GPUs). */
void sp_report_split(struct sp_rp_split *out, const struct sp_rp_line *li, int m, double cost, double cost_od,
		     double storage, int units);

/* The figures of a report. Groups hold percentiles of per-path sums, as the
 * forecast's groupings (struct sp_fc_group: month [m][pct], year [y][pct],
 * horizon [pct]). */
struct sp_report {
	struct sp_forecast *f;         /* owned: freed with the report */
	struct sp_arena arena;
	struct sp_fc_group category[SP_RP_NCAT];
	struct sp_fc_group buy[SP_RP_NBUY];
	struct sp_fc_group saving[SP_RP_NSAVE];   /* may be negative */
	double *line_year;             /* [line][year][pct]: each line's cost by year */
	double *line_growth;           /* [line]: yearly growth of its median cost (sp_report_growth); NAN
					* when it cannot be told */
	double transfer_growth;        /* the same for internet egress */
};

/* Runs the forecast with opts and sums what the report needs along its
 * paths. Returns 0 and *out (free with sp_report_free), or -1 with the
 * errors in diags (those of sp_forecast_run). opts->observer must be NULL:
 * the report watches the run itself. */
int sp_report_run(struct sp_report **out, const struct sp_spec *spec, const struct sp_graph *g,
		  const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags);
/* Frees r, its forecast and everything in them; NULL is a no-op. */
void sp_report_free(struct sp_report *r);

/* The growth per year of a cost series: the average month of the first and
 * of the last year (year[y][pct] at percentile index k, 12-month years from
 * the horizon's start, the last one months % 12 long when not whole),
 * compounded between the years' middles: (last / first)^(1 / years apart) - 1.
 * With one year, the first and the last month (month[m][pct]) instead. NAN
 * when the first is 0 or the horizon is a single month. */
double sp_report_growth(const double *month, const double *year, int months, size_t npcts, size_t k);

/* The lines in decreasing order of their horizon cost at percentile index k
 * (ties in spec order) into order[0..f->nlines). */
void sp_report_rank(size_t *order, const struct sp_forecast *f, size_t k);

/* ---- one path, for FOCUS rows ---------------------------------------------------------------- */

/* Every figure of one Monte Carlo path: per line and month ([line][m]), the
 * forecast's cost, all-on-demand cost, storage and capacity, and per month the
 * internet egress and the total. The sums of a path add up: the total of a
 * month is the lines' costs plus the egress bill, to the micro-unit. */
struct sp_report_path {
	struct sp_forecast *f;         /* owned (its per-line percentiles hold only the first month) */
	struct sp_arena arena;
	int path;                      /* the path's index, 0 .. f->paths - 1 */
	double pct;                    /* the percentile of the horizon total it was chosen at */
	double horizon;                /* its horizon total */
	double *cost, *cost_od, *storage;   /* [line][m] */
	int *units;                    /* [line][m]: capacity over the regions (GPU inference: GPUs) */
	int *region_units;             /* [line][region][m] */
	double *egress_gb;             /* [m]: internet egress of the month */
	double *transfer;              /* [m]: its bill */
	double *total;                 /* [m]: the month's total */
};

/* Runs the forecast twice with opts: once for every path's horizon total, to
 * pick the path at percentile pct (nearest rank, docs/model.md; among equal
 * totals the lowest index), then again to keep that path's figures (the
 * same seed gives the same paths). pct in (0, 100). Returns 0 and *out (free
 * with sp_report_path_free), or -1 with the errors in diags. */
int sp_report_path_run(struct sp_report_path **out, const struct sp_spec *spec, const struct sp_graph *g,
		       const struct sp_catalog *cat, const struct sp_forecast_opts *opts, double pct,
		       struct sp_diags *diags);
void sp_report_path_free(struct sp_report_path *p);

/* The tiers an egress bill of gb GB falls into, the free allowance first:
 * per tier, the GB in it and its price per GB (0 for the allowance), into
 * gb_out and price_out (room for c->negress + 1 each). Returns how many
 * tiers hold some GB. Their sum is sp_catalog_egress_cost(c, gb). */
size_t sp_report_egress_tiers(const struct sp_catalog *c, double gb, double *gb_out, double *price_out);

#endif
