/* libFuzzer target for the JSON the planner reads back: state files,
 * resource files of the local provider and saved plans. Any bytes give a
 * value or a clean error, never a crash; a state that decodes encodes again
 * and decodes to the same bytes.   make fuzz FUZZ_TARGET=state */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "planner/planfile.h"
#include "providers/resource_json.h"
#include "providers/state_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct sp_state *s;
	struct sp_saved_plan sp;
	struct sp_resource r;
	struct sp_arena a;
	struct sp_err err;

	if (sp_state_from_json(&s, text, size, "fuzz.json", &err) == 0) {
		char *once, *twice;
		struct sp_state *again;
		if (sp_state_to_json(s, &once, &err) == 0) {
			if (sp_state_from_json(&again, once, strlen(once), "again.json", &err) != 0)
				abort();
			if (sp_state_to_json(again, &twice, &err) != 0 || strcmp(once, twice) != 0)
				abort();
			free(twice);
			sp_state_free(again);
			free(once);
		}
		sp_state_free(s);
	}
	sp_arena_init(&a);
	sp_resource_from_json(&r, &a, text, size, "fuzz.json", &err);
	sp_arena_free(&a);
	if (sp_plan_from_json(&sp, text, size, "fuzz.json", &err) == 0 || 1)
		sp_saved_plan_free(&sp);
	return 0;
}
