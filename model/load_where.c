/* The spec's `state:` and `provider:` sections: where the state and the
 * resources live, and how scaleplan reaches them (docs/spec.md). Only the
 * settings are read and checked here; opening a backend, and reading the
 * credentials the environment adds, belong to providers/. */
#include <string.h>

#include "lib/strbuf.h"
#include "model/load_internal.h"

static const char *const backends[] = { "local", "etcd", "http", NULL };
static const char *const providers[] = { "local", "rest", NULL };

/* The settings every remote kind takes, after its own. */
#define REMOTE_KEYS "username", "password", "ca_file", "cert_file", "key_file", "insecure_skip_verify", \
		"timeout_s", "retry_max", "retry_wait_min_s", "retry_wait_max_s"

static void remote_defaults(struct sp_remote_cfg *r)
{
	memset(r, 0, sizeof *r);
	r->timeout_s = 10;
	r->retry_max = 4;
	r->retry_wait_min_s = 0.2;
	r->retry_wait_max_s = 5;
}

static void load_remote(struct sp_ld *ld, const struct sp_ynode *v, struct sp_remote_cfg *r)
{
	const struct sp_ynode *x;

	sp_ld_str(ld, v, "username", &r->username, NULL);
	sp_ld_str(ld, v, "password", &r->password, NULL);
	sp_ld_str(ld, v, "ca_file", &r->ca_file, NULL);
	sp_ld_str(ld, v, "cert_file", &r->cert_file, NULL);
	sp_ld_str(ld, v, "key_file", &r->key_file, NULL);
	sp_ld_bool(ld, v, "insecure_skip_verify", &r->insecure_skip_verify);
	sp_ld_num(ld, v, "timeout_s", SP_R_POS, &r->timeout_s);
	sp_ld_int(ld, v, "retry_max", 0, 20, &r->retry_max);
	sp_ld_num(ld, v, "retry_wait_min_s", SP_R_POS, &r->retry_wait_min_s);
	sp_ld_num(ld, v, "retry_wait_max_s", SP_R_POS, &r->retry_wait_max_s);
	if (r->timeout_s > 600 && (x = sp_ymap_get(v, "timeout_s", NULL)))
		sp_error(ld->d, x->pos, "'timeout_s' must be at most 600 seconds, got %s", x->str);
	if (r->retry_wait_max_s < r->retry_wait_min_s && (x = sp_ymap_get(v, "retry_wait_max_s", NULL)))
		sp_error(ld->d, x->pos, "'retry_wait_max_s' must not be below 'retry_wait_min_s'");
	if (!!r->cert_file != !!r->key_file && (x = sp_ymap_get(v, r->cert_file ? "cert_file" : "key_file", NULL)))
		sp_error(ld->d, x->pos, "'cert_file' and 'key_file' go together: a client certificate needs its key");
}

/* A URL at key (http:// or https://), into *out. With templates, a URL
 * that starts with a ${NAME} (like ${CI_API_V4_URL}/projects/...) is taken
 * as it is: its scheme is checked when the backend or provider that expands
 * it opens. */
static int load_url(struct sp_ld *ld, const struct sp_ynode *n, const char *key, const char **out, int templates)
{
	if (n->kind != SP_Y_SCALAR || !n->len) {
		sp_error(ld->d, n->pos, "'%s' must be a URL like http://127.0.0.1:2379", key);
		return -1;
	}
	if (strncmp(n->str, "http://", 7) && strncmp(n->str, "https://", 8) && !(templates && !strncmp(n->str, "${", 2))) {
		sp_error(ld->d, n->pos, "'%s' must be an http:// or https:// URL%s, got '%s'", key,
			 templates ? " (or start with a ${VAR} that holds one)" : "", n->str);
		return -1;
	}
	if (strchr(n->str, ' ') || strlen(n->str) != n->len) {
		sp_error(ld->d, n->pos, "'%s' is not a URL: it contains a space or a NUL", key);
		return -1;
	}
	*out = n->str;
	return 0;
}

static void load_url_key(struct sp_ld *ld, const struct sp_ynode *v, const char *key, const char **out)
{
	const struct sp_ynode *x = sp_ymap_get(v, key, NULL);
	if (x)
		load_url(ld, x, key, out, 1);   /* expanded when opened */
}

/* An HTTP method name: upper-case letters only. */
static void load_method(struct sp_ld *ld, const struct sp_ynode *v, const char *key, const char **out)
{
	const char *m = NULL;
	struct sp_pos pos;

	if (sp_ld_str(ld, v, key, &m, &pos) != 0)
		return;
	for (const char *p = m; *p; p++)
		if (*p < 'A' || *p > 'Z') {
			sp_error(ld->d, pos, "'%s' must be an HTTP method in capitals (POST, PUT, LOCK), got '%s'",
				 key, m);
			return;
		}
	*out = m;
}

static void load_etcd(struct sp_ld *ld, const struct sp_ynode *v, struct sp_state_cfg *c)
{
	static const char *const keys[] = { "backend", "endpoints", "prefix", "lock_ttl_s", REMOTE_KEYS, NULL };
	const struct sp_ynode *e = sp_ymap_get(v, "endpoints", NULL);
	struct sp_pos pos;

	sp_ld_keys(ld, v, keys, "state (etcd)");
	if (!e) {
		sp_ld_missing(ld, v, "endpoints", "state (etcd)");
	} else if (sp_ld_is_seq(ld, e, "endpoints") == 0) {
		if (!e->n)
			sp_error(ld->d, e->pos, "'endpoints' must list at least one etcd member");
		c->endpoints = SP_NEWN(ld->a, const char *, e->n ? e->n : 1);
		for (size_t i = 0; i < e->n; i++)
			if (load_url(ld, e->items[i], "endpoints", &c->endpoints[c->nendpoints], 0) == 0)
				c->nendpoints++;
	}
	if (sp_ld_str(ld, v, "prefix", &c->prefix, &pos) == 0 && (c->prefix[0] == '/' || strstr(c->prefix, "//")))
		sp_error(ld->d, pos, "'prefix' must be a key path like scaleplan/acme-shop (no leading or double '/')");
	sp_ld_int(ld, v, "lock_ttl_s", 5, 86400, &c->lock_ttl_s);
	load_remote(ld, v, &c->remote);
}

static void load_http(struct sp_ld *ld, const struct sp_ynode *v, struct sp_state_cfg *c)
{
	static const char *const keys[] = { "backend", "address", "lock_address", "unlock_address", "update_method",
					    "lock_method", "unlock_method", REMOTE_KEYS, NULL };

	sp_ld_keys(ld, v, keys, "state (http)");
	if (!sp_ymap_get(v, "address", NULL))
		sp_ld_missing(ld, v, "address", "state (http)");
	load_url_key(ld, v, "address", &c->address);
	load_url_key(ld, v, "lock_address", &c->lock_address);
	load_url_key(ld, v, "unlock_address", &c->unlock_address);
	load_method(ld, v, "update_method", &c->update_method);
	load_method(ld, v, "lock_method", &c->lock_method);
	load_method(ld, v, "unlock_method", &c->unlock_method);
	if (c->unlock_address && !c->lock_address)
		sp_error(ld->d, v->pos, "'unlock_address' needs 'lock_address': the state is locked and unlocked "
					"at the same server");
	if (c->lock_address && !c->unlock_address)
		c->unlock_address = c->lock_address;
	load_remote(ld, v, &c->remote);
}

void sp_state_cfg_init(struct sp_state_cfg *c, const char *name, struct sp_arena *a)
{
	memset(c, 0, sizeof *c);
	c->backend = "local";
	c->path = ".scaleplan/state.json";
	c->lock_ttl_s = 60;
	c->update_method = "POST";
	c->lock_method = "LOCK";
	c->unlock_method = "UNLOCK";
	remote_defaults(&c->remote);
	if (name) {
		struct sp_sb sb = SP_SB_INIT;
		sp_sb_addf(&sb, "scaleplan/%s", name);
		c->prefix = sp_arena_strdup(a, sb.buf);
		sp_sb_release(&sb);
	} else {
		c->prefix = "scaleplan/default";
	}
}

void sp_provider_cfg_init(struct sp_provider_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->kind = "local";
	c->path = ".scaleplan/infra";
	remote_defaults(&c->remote);
}

void sp_load_state_cfg(struct sp_ld *ld, const struct sp_ynode *v)
{
	struct sp_state_cfg *c = &ld->spec->state;
	int k = 0;

	sp_state_cfg_init(c, ld->spec->name, ld->a);
	if (!v)
		return;
	c->pos = v->pos;
	if (sp_ld_is_map(ld, v, "state") < 0)
		return;
	if (sp_ld_enum(ld, v, "backend", backends, &k) == 1)
		sp_ld_missing(ld, v, "backend", "state");
	c->backend = backends[k];
	if (k == 1) {
		load_etcd(ld, v, c);
	} else if (k == 2) {
		load_http(ld, v, c);
	} else {
		static const char *const keys[] = { "backend", "path", NULL };
		sp_ld_keys(ld, v, keys, "state (local)");
		sp_ld_str(ld, v, "path", &c->path, NULL);
	}
}

/* Whether a header's value is a credential by its name. */
static int secret_header(const char *name)
{
	static const char *const words[] = { "authorization", "cookie", "token", "secret", "password", "api-key",
					     "apikey", "api_key", NULL };
	char low[128];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof low; i++)
		low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	low[i] = 0;
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

void sp_load_provider_cfg(struct sp_ld *ld, const struct sp_ynode *v)
{
	struct sp_provider_cfg *c = &ld->spec->provider;
	const struct sp_ynode *h;
	int k = 0;

	sp_provider_cfg_init(c);
	if (!v)
		return;
	c->pos = v->pos;
	if (sp_ld_is_map(ld, v, "provider") < 0)
		return;
	if (sp_ld_enum(ld, v, "kind", providers, &k) == 1)
		sp_ld_missing(ld, v, "kind", "provider");
	c->kind = providers[k];
	if (k == 0) {
		static const char *const keys[] = { "kind", "path", NULL };
		sp_ld_keys(ld, v, keys, "provider (local)");
		sp_ld_str(ld, v, "path", &c->path, NULL);
		return;
	}
	static const char *const keys[] = { "kind", "url", "headers", REMOTE_KEYS, NULL };
	sp_ld_keys(ld, v, keys, "provider (rest)");
	if (!sp_ymap_get(v, "url", NULL))
		sp_ld_missing(ld, v, "url", "provider (rest)");
	load_url_key(ld, v, "url", &c->url);
	if ((h = sp_ymap_get(v, "headers", NULL)) && sp_ld_is_map(ld, h, "headers") == 0) {
		c->headers = SP_NEWN(ld->a, struct sp_kv, h->n ? h->n : 1);
		for (size_t i = 0; i < h->n; i++) {
			const struct sp_ynode *key = h->keys[i], *val = h->items[i];
			if (!key->len || strcspn(key->str, " \t:\r\n") != key->len) {
				sp_error(ld->d, key->pos, "header name '%s' must be a token (no spaces or ':')", key->str);
				continue;
			}
			if (val->kind != SP_Y_SCALAR || strcspn(val->str, "\r\n") != val->len) {
				sp_error(ld->d, val->pos, "header '%s' must be a one-line string", key->str);
				continue;
			}
			if (secret_header(key->str) && !strstr(val->str, "${")) {
				sp_error(ld->d, val->pos, "header '%s' carries a secret: write its value with ${VAR} "
							  "(like \"Bearer ${API_TOKEN}\") so that it is read from the "
							  "environment and never stored in a spec or a plan file", key->str);
				continue;
			}
			c->headers[c->nheaders].key = key->str;
			c->headers[c->nheaders].value = val->str;
			c->headers[c->nheaders].pos = key->pos;
			c->nheaders++;
		}
	}
	load_remote(ld, v, &c->remote);
}
