/* The spec loader's keys for the instance choice and memory (docs/spec.md,
 * "Instance choice and memory"): work.cpu_reference,
 * work.memory_mb_per_instance, work.memory_mb_per_request, `instance: auto`
 * and `families`. What needs the catalog is checked by sp_choose_check. */
#include <string.h>

#include "model/load_internal.h"

void sp_choose_load_work(struct sp_ld *ld, const struct sp_ynode *work, struct sp_service *s)
{
	s->memory_pos = work->pos;
	sp_ld_str(ld, work, "cpu_reference", &s->cpu_reference, &s->cpu_reference_pos);
	sp_ld_num(ld, work, "memory_mb_per_instance", SP_R_NONNEG, &s->memory_mb_per_instance);
	sp_ld_num(ld, work, "memory_mb_per_request", SP_R_NONNEG, &s->memory_mb_per_request);
}

void sp_choose_load_instance(struct sp_ld *ld, const struct sp_ynode *svc, struct sp_service *s)
{
	const struct sp_ynode *key = NULL, *f = sp_ymap_get(svc, "families", &key);

	s->instance_auto = s->instance && !strcmp(s->instance, "auto");
	if (!f)
		return;
	if (!s->instance_auto) {
		sp_error(ld->d, key ? key->pos : f->pos,
			 "'families' chooses among instance types: it needs 'instance: auto' (service '%s' names '%s')",
			 s->name, s->instance ? s->instance : "nothing");
		return;
	}
	if (sp_ld_is_seq(ld, f, "families") < 0)
		return;
	if (f->n == 0) {
		sp_error(ld->d, f->pos, "'families' is empty: list at least one family (m7i, c7i, ...) or leave it out");
		return;
	}
	s->families = SP_NEWN(ld->a, const char *, f->n);
	s->families_pos = SP_NEWN(ld->a, struct sp_pos, f->n);
	for (size_t i = 0; i < f->n; i++) {
		const struct sp_ynode *it = f->items[i];
		if (it->kind != SP_Y_SCALAR || it->len == 0 || strlen(it->str) != it->len || strchr(it->str, '.')) {
			sp_error(ld->d, it->pos,
				 "'families' items are instance families such as m7i or c7i (the name before the '.')");
			continue;
		}
		s->families_pos[s->nfamilies] = it->pos;
		s->families[s->nfamilies++] = it->str;
	}
}
