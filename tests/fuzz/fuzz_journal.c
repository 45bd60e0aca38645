/* libFuzzer target for the state journal's replay: any bytes, read as the
 * journal of a small state, give the entries applied or a clean error, never
 * a crash; whatever the replay leaves encodes and decodes again to the same
 * bytes. Each input is replayed four ways: as the journal the state names or
 * one it does not, with and without the format-1 (legacy) rules.
 *   make fuzz FUZZ_TARGET=journal */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "providers/state_journal.h"
#include "providers/state_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINEAGE "0f8fad5b-d9cb-469f-a165-70867728950e"
#define JOURNAL "7c9e6679-7425-40de-944b-e07fc1f90ae7"

static struct sp_state *base_state(void)
{
	struct sp_state *s = sp_state_new();
	struct sp_resource *r = SP_NEWN(&s->arena, struct sp_resource, 1);
	struct sp_attr *at = SP_NEWN(&s->arena, struct sp_attr, 1);

	s->lineage = LINEAGE;
	s->serial = 3;
	snprintf(s->journal, sizeof(s->journal), "%s", JOURNAL);
	memset(r, 0, sizeof(*r));
	r->address = "service.a[r]";
	r->type = "service";
	r->name = "a";
	r->region = "r";
	at->key = "nodes";
	at->type = SP_ATTR_NUM;
	at->n = 2;
	r->attrs = at;
	r->nattrs = 1;
	s->resources.v = r;
	s->resources.n = 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int way = 0; way < 4; way++) {
		struct sp_state *s = base_state(), *again = NULL;
		struct sp_err err;
		char *once = NULL, *twice = NULL;
		int rc = sp_state_journal_replay(s, (const char *)data, size, "fuzz.journal", (way & 1) ? NULL : JOURNAL,
						 (way & 2) ? SP_JOURNAL_LEGACY : 0, &err);
		if (rc >= 0) {
			s->journal[0] = '\0';
			if (sp_state_to_json(s, &once, &err) == 0) {
				if (sp_state_from_json(&again, once, strlen(once), "again.json", &err) != 0)
					abort();
				if (sp_state_to_json(again, &twice, &err) != 0 || strcmp(once, twice))
					abort();
			}
		} else if (rc != SP_EINVAL && rc != SP_ECORRUPT) {
			abort();
		}
		free(once);
		free(twice);
		sp_state_free(again);
		sp_state_free(s);
	}
	return 0;
}
