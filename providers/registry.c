/* The kinds of state backend and provider this build has, and the one
 * place that opens them by name (providers/where.h). To add a kind: its
 * opener taking the spec's settings, and one line in the table. */
#include <string.h>

#include "providers/backend_http.h"
#include "providers/backend_etcd.h"
#include "providers/backend_local.h"
#include "providers/provider_local.h"
#include "providers/provider_rest.h"
#include "providers/where.h"

/* Each kind's opener, in the order docs/providers.md lists them. */
struct backend_kind {
	const char *kind;
	int (*open)(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err);
};

static int open_local_backend(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err)
{
	return sp_backend_local_open(out, c->path, err) < 0 ? -1 : 0;
}

static const struct backend_kind backend_kinds[] = {
	{ "local", open_local_backend },
	{ "http", sp_backend_http_open },
	{ "etcd", sp_backend_etcd_open },
};

struct provider_kind {
	const char *kind;
	int (*open)(struct sp_provider **out, const struct sp_provider_cfg *c, struct sp_err *err);
};

static int open_local_provider(struct sp_provider **out, const struct sp_provider_cfg *c, struct sp_err *err)
{
	return sp_provider_local_open(out, c->path, err) < 0 ? -1 : 0;
}

static const struct provider_kind provider_kinds[] = {
	{ "local", open_local_provider },
	{ "rest", sp_provider_rest_open },
};

#define NKINDS(a) (sizeof(a) / sizeof((a)[0]))

int sp_backend_open(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err)
{
	*out = NULL;
	for (size_t i = 0; i < NKINDS(backend_kinds); i++)
		if (!strcmp(c->backend, backend_kinds[i].kind))
			return backend_kinds[i].open(out, c, err);
	sp_err_set(err, SP_EINVAL, "", 0, 0, "state backend '%s' is not available in this build", c->backend);
	return -1;
}

int sp_provider_open(struct sp_provider **out, const struct sp_provider_cfg *c, struct sp_err *err)
{
	*out = NULL;
	for (size_t i = 0; i < NKINDS(provider_kinds); i++)
		if (!strcmp(c->kind, provider_kinds[i].kind))
			return provider_kinds[i].open(out, c, err);
	sp_err_set(err, SP_EINVAL, "", 0, 0, "provider '%s' is not available in this build", c->kind);
	return -1;
}
