/* Datastores (docs/model.md §5): the sizing of one store in a region, and the
 * forecast's line of a datastore: shards, replicas, nodes and storage in every
 * region, month and path. A shard count and the stored data, once reached on
 * a path, hold in later months (a running maximum); replicas follow the
 * month's reads. Pricing is cost.c's. */
#include "model/datastore.h"

#include <math.h>
#include <string.h>

#include "model/forecast_run.h"

void sp_ds_size_region(const struct sp_datastore *ds, double reads, double writes, double gb, int prev_shards,
		       struct sp_ds_size *out)
{
	double need = fmax(writes / (ds->write_utilization * ds->write_tps_per_node),
			   ds->max_gb_per_shard > 0 ? gb / ds->max_gb_per_shard : 0);
	int shards = 1, copies_extra = ds->multi_az ? 1 : 0;

	memset(out, 0, sizeof(*out));
	if (ds->sharded)
		shards = need > 1 ? (int)fmin(ceil(need), 1e8) : 1;
	else if (need > 1)
		out->outgrown = 1;
	if (prev_shards > shards) {
		shards = prev_shards;
		out->held = 1;
	}
	double rep = ceil(reads / shards / ds->read_qps_per_replica);
	int rep_n = (int)fmin(rep, 1e6);
	if (ds->availability >= SP_DS_HA_AVAILABILITY)
		rep_n += 1;
	if (rep_n < ds->min_replicas)
		rep_n = ds->min_replicas;
	out->shards = shards;
	out->replicas = rep_n;
	out->nodes = (int)fmin((double)shards * (1 + rep_n + copies_extra), 1e9);
}

/* The storage driver: the spec's, else the driver that brings most of the load. */
static int storage_driver(const struct sp_fc_run *r, const struct sp_datastore *ds, const struct sp_fc_coef *c)
{
	int sd = -1;
	if (ds->storage_drv)
		return (int)(ds->storage_drv - r->spec->drivers);
	double best = 0;
	for (int d = 0; d < r->nd; d++)
		if (c->avg[d] > best) {
			best = c->avg[d];
			sd = d;
		}
	return sd;
}

void sp_capacity_datastore(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_datastore *ds = sp_graph_node(r->g, v)->datastore;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	double *reads = w->tmp, *writes = w->tmp + P;
	int sd = storage_driver(r, ds, c);
	int copies_extra = ds->multi_az ? 1 : 0;
	int outgrow_paths_month = -1;

	for (int m = 0; m < M; m++) {
		double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m), *rep = sp_fc_metric_row(w, SP_FC_REPLICAS, m);
		double *sh = sp_fc_metric_row(w, SP_FC_SHARDS, m), *st = sp_fc_metric_row(w, SP_FC_STORAGE_GB, m);
		const double *st_prev = m > 0 ? sp_fc_metric_row(w, SP_FC_STORAGE_GB, m - 1) : NULL;
		sp_demand_path_rates(r, c->reads, r->peak, m, reads);
		sp_demand_path_rates(r, c->writes, r->peak, m, writes);
		memcpy(sp_fc_xmetric_row(w, SP_FC_X_READS, m), reads, (size_t)P * sizeof(double));
		memcpy(sp_fc_xmetric_row(w, SP_FC_X_WRITES, m), writes, (size_t)P * sizeof(double));
		int outgrown_paths = 0;   /* paths where some active region needs a second primary */
		for (int p = 0; p < P; p++) {
			int path_out = 0;
			double data_total = ds->storage_start_gb +
					    (sd >= 0 ? ds->storage_gb_per_unit_month * r->cum[sp_fc_idx(sd, p, m, P, M)] : 0);
			/* stored data does not shrink: the running maximum over the months */
			if (st_prev && st_prev[p] > data_total)
				data_total = st_prev[p];
			int nodes = 0, max_shards = 0, max_rep = 0;
			double storage_cost = 0;
			for (int ri = 0; ri < r->R; ri++) {
				if (!r->region_active[ri * M + m])
					continue;
				double share = r->spec->regions[ri].share;
				double gb = data_total * share;
				/* the shard count this region and path held last month (0 when inactive) */
				int prev = m > 0 ? w->rshards[sp_fc_idx(ri, m - 1, p, M, P)] : 0;
				struct sp_ds_size z;
				sp_ds_size_region(ds, reads[p] * share, writes[p] * share, gb, prev, &z);
				path_out |= z.outgrown;
				nodes += z.nodes;
				w->units[sp_fc_idx(ri, m, p, M, P)] = z.nodes;
				w->rshards[sp_fc_idx(ri, m, p, M, P)] = z.shards;
				w->rreplicas[sp_fc_idx(ri, m, p, M, P)] = z.replicas;
				storage_cost += gb * (1 + z.replicas + copies_extra) * r->cat->db_storage_gb_month;
				if (z.shards > max_shards)
					max_shards = z.shards;
				if (z.replicas > max_rep)
					max_rep = z.replicas;
			}
			outgrown_paths += path_out;
			w->units_total[(size_t)m * P + p] = nodes;
			w->extra[(size_t)m * P + p] = storage_cost;
			dem[p] = reads[p] + writes[p];
			rep[p] = max_rep;
			sh[p] = max_shards;
			st[p] = data_total;
		}
		/* outgrown at p50: half the paths or more need a second primary */
		if (outgrown_paths > 0 && outgrown_paths * 2 >= P && outgrow_paths_month < 0)
			outgrow_paths_month = m;
	}
	line->outgrow_month = outgrow_paths_month;
}
