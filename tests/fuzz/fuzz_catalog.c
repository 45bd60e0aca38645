/* libFuzzer target for the price-catalog parser: any bytes give a catalog or
 * a clean error, never a crash.   make fuzz FUZZ_TARGET=catalog */
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "providers/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_catalog *c;
	struct sp_err err;

	if (sp_catalog_parse(&c, (const char *)data, size, "fuzz.json", &err) == 0)
		sp_catalog_free(c);
	return 0;
}
