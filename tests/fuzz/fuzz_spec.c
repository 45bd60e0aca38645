/* libFuzzer target for the spec loader: any bytes must give a spec or clean
 * diagnostics, never a crash, a hang or undefined behaviour; and when a spec
 * loads, its graph must build or report a cycle cleanly.
 *   make fuzz FUZZ_TIME=60     (clang with -fsanitize=fuzzer,address,undefined)
 * The corpus starts from examples/ and tests/bad/. */
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"
#include "model/graph.h"
#include "model/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_diags d;

	sp_diags_init(&d);
	if (sp_spec_load_string(&spec, "fuzz.yaml", (const char *)data, size, &d) == 0) {
		if (sp_graph_build(&g, spec, &d) == 0) {
			sp_graph_lint(g, &d);
			sp_graph_free(g);
		}
		sp_spec_free(spec);
	}
	sp_diags_free(&d);
	return 0;
}
