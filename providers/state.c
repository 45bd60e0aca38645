/* States: creation with a fresh lineage, and the addresses taken out of
 * management (providers/state.h). The JSON encoding is in state_json.c, the
 * journal in journal.c. */
#include "providers/state.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "providers/uuid.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

struct sp_state *sp_state_new(void)
{
	struct sp_state *s = sp_xcalloc(1, sizeof(*s));
	char id[37];

	sp_arena_init(&s->arena);
	sp_uuid_v4_unique(id, s);
	s->version = SP_STATE_VERSION;
	s->lineage = sp_arena_strdup(&s->arena, id);
	s->serial = 0;
	s->scaleplan_version = SP_VERSION;
	return s;
}

void sp_state_free(struct sp_state *s)
{
	if (!s)
		return;
	sp_arena_free(&s->arena);
	free(s);
}


int sp_state_is_removed(const struct sp_state *s, const char *address)
{
	size_t lo = 0, hi = s->nremoved;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->removed[mid], address);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int sp_state_set_removed(struct sp_state *s, const char *address, int on)
{
	size_t lo = 0, hi = s->nremoved;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->removed[mid], address) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	int present = lo < s->nremoved && !strcmp(s->removed[lo], address);
	if (!!on == present)
		return 0;
	if (on) {
		if (s->nremoved == s->removed_cap) {
			/* doubling in the arena: amortised O(1) growth (a memmove per insert) */
			size_t cap = s->removed_cap ? s->removed_cap * 2 : 16;
			const char **v = SP_NEWN(&s->arena, const char *, cap);
			if (s->nremoved)
				memcpy(v, s->removed, s->nremoved * sizeof(*v));
			s->removed = v;
			s->removed_cap = cap;
		}
		memmove(s->removed + lo + 1, s->removed + lo, (s->nremoved - lo) * sizeof(*s->removed));
		s->removed[lo] = sp_arena_strdup(&s->arena, address);
		s->nremoved++;
	} else {
		memmove(s->removed + lo, s->removed + lo + 1, (s->nremoved - lo - 1) * sizeof(*s->removed));
		s->nremoved--;
	}
	return 1;
}
