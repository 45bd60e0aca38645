/* Where the state and the resources live: the settings of model/spec.h's
 * `state:` and `provider:` sections turned into an open backend or
 * provider, the credentials the environment adds, and the settings as a
 * plan file records them (never a secret).
 *
 * Every setting string may be written ${NAME}, or contain ${NAME}: the
 * variable's value is put in its place when the backend or provider opens,
 * so a spec and a plan file name a secret without holding it. */
#ifndef SP_WHERE_H
#define SP_WHERE_H
#include <jansson.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "model/spec.h"
#include "providers/http.h"
#include "providers/provider.h"
#include "providers/state.h"

/* Expands every ${NAME} of tmpl from the environment into out (reset
 * first). An unset or empty variable is an error naming it and `what`
 * (the setting), never the value. "$$" is a literal '$'. 0 or SP_EINVAL. */
int sp_where_expand(const char *tmpl, const char *what, struct sp_sb *out, struct sp_err *err);

/* The HTTP options of r, with the credentials: the environment variables
 * <env_prefix>_USERNAME, _PASSWORD, _CACERT, _CERT and _KEY (when set and
 * not empty) win over the spec's username, password, ca_file, cert_file and
 * key_file; every string expanded. The strings live in h (the secrets are
 * wiped by sp_where_http_release). 0 or SP_EINVAL. */
struct sp_where_http {
	struct sp_http_opts o;
	struct sp_sb user, pass, ca, cert, key;
};
int sp_where_http_opts(struct sp_where_http *h, const struct sp_remote_cfg *r, const char *env_prefix,
		       struct sp_err *err);
void sp_where_http_release(struct sp_where_http *h);

/* Opens the backend c names (local, etcd or http). Returns 0, or -1 with err set. */
int sp_backend_open(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err);
/* Opens the provider c names (local or rest). Returns 0, or -1 with err set. */
int sp_provider_open(struct sp_provider **out, const struct sp_provider_cfg *c, struct sp_err *err);

/* The settings as a plan file records them: every non-secret setting as
 * written in the spec; `password` only when it is a ${NAME} template. */
json_t *sp_state_cfg_to_json(const struct sp_state_cfg *c);
json_t *sp_provider_cfg_to_json(const struct sp_provider_cfg *c);
/* Reads them back (strings into d->a; no backend or kind: local), with the defaults for what is
 * absent. 0 or SP_EINVAL through d. */
int sp_state_cfg_from_json(struct sp_jdec *d, json_t *obj, struct sp_state_cfg *c);
int sp_provider_cfg_from_json(struct sp_jdec *d, json_t *obj, struct sp_provider_cfg *c);

#endif
