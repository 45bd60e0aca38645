/* Where the state and the resources live (providers/where.h). */
#include "providers/where.h"

#include <stdlib.h>
#include <string.h>


int sp_where_expand(const char *tmpl, const char *what, struct sp_sb *out, struct sp_err *err)
{
	sp_sb_reset(out);
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '$' && p[1] == '$') {
			sp_sb_addc(out, '$');
			p++;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			sp_sb_addc(out, *p);
			continue;
		}
		const char *end = strchr(p + 2, '}');
		char name[128];
		if (!end || end == p + 2 || (size_t)(end - p - 2) >= sizeof name)
			return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
					  "%s: '${' must be followed by a variable name and '}'", what);
		memcpy(name, p + 2, (size_t)(end - p - 2));
		name[end - p - 2] = 0;
		for (const char *q = name; *q; q++)
			if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
			      *q == '_'))
				return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
						  "%s: '${%s}' is not an environment variable name", what, name);
		const char *val = getenv(name);
		if (!val || !*val)
			return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
					  "%s needs the environment variable %s, which is not set", what, name);
		sp_sb_adds(out, val);
		p = end;
	}
	return 0;
}

void sp_where_http_release(struct sp_where_http *h)
{
	explicit_bzero(h->user.buf, h->user.len);
	explicit_bzero(h->pass.buf, h->pass.len);
	sp_sb_release(&h->user);
	sp_sb_release(&h->pass);
	sp_sb_release(&h->ca);
	sp_sb_release(&h->cert);
	sp_sb_release(&h->key);
	memset(&h->o, 0, sizeof h->o);
}

/* One setting: the environment variable <prefix>_<suffix> when set, else the
 * spec's value expanded; *out is NULL when neither. */
static int one(const char *prefix, const char *suffix, const char *spec, const char *what, struct sp_sb *sb,
	       const char **out, struct sp_err *err)
{
	char name[96];
	const char *env = NULL;

	*out = NULL;
	if (prefix) {
		snprintf(name, sizeof name, "%s_%s", prefix, suffix);
		env = getenv(name);
	}
	if (env && *env) {
		sp_sb_reset(sb);
		sp_sb_adds(sb, env);
	} else if (spec) {
		if (sp_where_expand(spec, what, sb, err) < 0)
			return -1;
	} else {
		return 0;
	}
	*out = sb->buf;
	return 0;
}

int sp_where_http_opts(struct sp_where_http *h, const struct sp_remote_cfg *r, const char *env_prefix,
		       struct sp_err *err)
{
	memset(h, 0, sizeof *h);
	sp_sb_init(&h->user);
	sp_sb_init(&h->pass);
	sp_sb_init(&h->ca);
	sp_sb_init(&h->cert);
	sp_sb_init(&h->key);
	h->o.connect_timeout_ms = (long)(r->timeout_s * 1000 < 3000 ? r->timeout_s * 1000 : 3000);
	h->o.timeout_ms = (long)(r->timeout_s * 1000);
	h->o.max_attempts = r->retry_max + 1;
	h->o.backoff_min_ms = (long)(r->retry_wait_min_s * 1000);
	h->o.backoff_max_ms = (long)(r->retry_wait_max_s * 1000);
	h->o.total_ms = h->o.timeout_ms * h->o.max_attempts + h->o.backoff_max_ms * r->retry_max;
	h->o.insecure = r->insecure_skip_verify;
	if (one(env_prefix, "USERNAME", r->username, "username", &h->user, &h->o.username, err) < 0 ||
	    one(env_prefix, "PASSWORD", r->password, "password", &h->pass, &h->o.password, err) < 0 ||
	    one(env_prefix, "CACERT", r->ca_file, "ca_file", &h->ca, &h->o.ca_file, err) < 0 ||
	    one(env_prefix, "CERT", r->cert_file, "cert_file", &h->cert, &h->o.cert_file, err) < 0 ||
	    one(env_prefix, "KEY", r->key_file, "key_file", &h->key, &h->o.key_file, err) < 0) {
		sp_where_http_release(h);
		return SP_EINVAL;
	}
	if (h->o.password && !h->o.username) {
		sp_where_http_release(h);
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "a password is set (%s_PASSWORD or 'password') without "
				  "a username", env_prefix ? env_prefix : "");
	}
	return 0;
}

/* ---- the plan file's record ----------------------------------------------------------------- */

static void put_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

/* The connection settings, but a password only as a ${NAME} template. */
static void put_remote(json_t *o, const struct sp_remote_cfg *r)
{
	put_str(o, "username", r->username);
	if (r->password && strstr(r->password, "${"))
		put_str(o, "password", r->password);
	put_str(o, "ca_file", r->ca_file);
	put_str(o, "cert_file", r->cert_file);
	put_str(o, "key_file", r->key_file);
	if (r->insecure_skip_verify)
		json_object_set_new(o, "insecure_skip_verify", json_true());
	json_object_set_new(o, "timeout_s", sp_json_number(r->timeout_s));
	json_object_set_new(o, "retry_max", json_integer(r->retry_max));
	json_object_set_new(o, "retry_wait_min_s", sp_json_number(r->retry_wait_min_s));
	json_object_set_new(o, "retry_wait_max_s", sp_json_number(r->retry_wait_max_s));
}

json_t *sp_state_cfg_to_json(const struct sp_state_cfg *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "backend", json_string(c->backend));
	if (!strcmp(c->backend, "local")) {
		json_object_set_new(o, "path", json_string(c->path));
		return o;
	}
	if (!strcmp(c->backend, "etcd")) {
		json_t *e = json_array();
		for (size_t i = 0; i < c->nendpoints; i++)
			json_array_append_new(e, json_string(c->endpoints[i]));
		json_object_set_new(o, "endpoints", e);
		put_str(o, "prefix", c->prefix);
		json_object_set_new(o, "lock_ttl_s", json_integer(c->lock_ttl_s));
	} else {
		put_str(o, "address", c->address);
		put_str(o, "lock_address", c->lock_address);
		put_str(o, "unlock_address", c->unlock_address);
		put_str(o, "update_method", c->update_method);
		put_str(o, "lock_method", c->lock_method);
		put_str(o, "unlock_method", c->unlock_method);
	}
	put_remote(o, &c->remote);
	return o;
}

json_t *sp_provider_cfg_to_json(const struct sp_provider_cfg *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string(c->kind));
	if (!strcmp(c->kind, "local")) {
		json_object_set_new(o, "path", json_string(c->path));
		return o;
	}
	put_str(o, "url", c->url);
	if (c->nheaders) {
		/* the loader has made every credential a ${NAME} template */
		json_t *h = json_object();
		for (size_t i = 0; i < c->nheaders; i++)
			json_object_set_new(h, c->headers[i].key, json_string(c->headers[i].value));
		json_object_set_new(o, "headers", h);
	}
	put_remote(o, &c->remote);
	return o;
}

static int get_num(struct sp_jdec *d, json_t *o, const char *key, double *out)
{
	json_t *v;
	if (sp_jdec_member(d, o, key, SP_JNUMBER, 0, &v) < 0)
		return SP_EINVAL;
	if (v) {
		*out = json_number_value(v);
		if (!(*out > 0))
			return sp_jdec_fail_in(d, key, "must be above 0");
	}
	return 0;
}

static int get_remote(struct sp_jdec *d, json_t *o, struct sp_remote_cfg *r)
{
	json_t *v;

	if (sp_jdec_str(d, o, "username", 0, &r->username) < 0 || sp_jdec_str(d, o, "password", 0, &r->password) < 0 ||
	    sp_jdec_str(d, o, "ca_file", 0, &r->ca_file) < 0 || sp_jdec_str(d, o, "cert_file", 0, &r->cert_file) < 0 ||
	    sp_jdec_str(d, o, "key_file", 0, &r->key_file) < 0 ||
	    sp_jdec_bool(d, o, "insecure_skip_verify", 0, &r->insecure_skip_verify) < 0 ||
	    get_num(d, o, "timeout_s", &r->timeout_s) < 0 || get_num(d, o, "retry_wait_min_s", &r->retry_wait_min_s) < 0 ||
	    get_num(d, o, "retry_wait_max_s", &r->retry_wait_max_s) < 0 ||
	    sp_jdec_member(d, o, "retry_max", SP_JINTEGER, 0, &v) < 0)
		return SP_EINVAL;
	if (v) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 20)
			return sp_jdec_fail_in(d, "retry_max", "must be between 0 and 20");
		r->retry_max = (int)json_integer_value(v);
	}
	return 0;
}

#define REMOTE_JKEYS "username", "password", "ca_file", "cert_file", "key_file", "insecure_skip_verify", \
		"timeout_s", "retry_max", "retry_wait_min_s", "retry_wait_max_s"

int sp_state_cfg_from_json(struct sp_jdec *d, json_t *obj, struct sp_state_cfg *c)
{
	static const char *const local_keys[] = { "backend", "path", "lineage", "serial", NULL };
	static const char *const etcd_keys[] = { "backend", "endpoints", "prefix", "lock_ttl_s", "lineage", "serial",
						 REMOTE_JKEYS, NULL };
	static const char *const http_keys[] = { "backend", "address", "lock_address", "unlock_address",
						 "update_method", "lock_method", "unlock_method", "lineage", "serial",
						 REMOTE_JKEYS, NULL };
	const char *kind = "local";
	json_t *v;

	sp_state_cfg_init(c, NULL, d->a);
	if (sp_jdec_str(d, obj, "backend", SP_JNONEMPTY, &kind) < 0)
		return SP_EINVAL;
	if (!strcmp(kind, "local")) {
		c->backend = "local";
		return sp_jdec_keys(d, obj, local_keys) < 0 ? SP_EINVAL
							     : sp_jdec_str(d, obj, "path", SP_JREQ | SP_JNONEMPTY, &c->path);
	}
	if (!strcmp(kind, "etcd")) {
		c->backend = "etcd";
		if (sp_jdec_keys(d, obj, etcd_keys) < 0 || sp_jdec_member(d, obj, "endpoints", SP_JARRAY, SP_JREQ, &v) < 0)
			return SP_EINVAL;
		if (!json_array_size(v))
			return sp_jdec_fail_in(d, "endpoints", "must list at least one etcd member");
		c->endpoints = SP_NEWN(d->a, const char *, json_array_size(v));
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			if (!json_is_string(e)) {
				sp_jdec_push_key(d, "endpoints");
				sp_jdec_push_idx(d, i);
				return sp_jdec_fail(d, "must be a URL string");
			}
			c->endpoints[c->nendpoints++] = sp_arena_strdup(d->a, json_string_value(e));
		}
		if (sp_jdec_str(d, obj, "prefix", SP_JREQ | SP_JNONEMPTY, &c->prefix) < 0 ||
		    sp_jdec_member(d, obj, "lock_ttl_s", SP_JINTEGER, 0, &v) < 0)
			return SP_EINVAL;
		if (v) {
			if (json_integer_value(v) < 5 || json_integer_value(v) > 86400)
				return sp_jdec_fail_in(d, "lock_ttl_s", "must be between 5 and 86400");
			c->lock_ttl_s = (int)json_integer_value(v);
		}
		return get_remote(d, obj, &c->remote);
	}
	if (!strcmp(kind, "http")) {
		c->backend = "http";
		if (sp_jdec_keys(d, obj, http_keys) < 0 ||
		    sp_jdec_str(d, obj, "address", SP_JREQ | SP_JNONEMPTY, &c->address) < 0 ||
		    sp_jdec_str(d, obj, "lock_address", 0, &c->lock_address) < 0 ||
		    sp_jdec_str(d, obj, "unlock_address", 0, &c->unlock_address) < 0 ||
		    sp_jdec_str(d, obj, "update_method", 0, &c->update_method) < 0 ||
		    sp_jdec_str(d, obj, "lock_method", 0, &c->lock_method) < 0 ||
		    sp_jdec_str(d, obj, "unlock_method", 0, &c->unlock_method) < 0)
			return SP_EINVAL;
		return get_remote(d, obj, &c->remote);
	}
	return sp_jdec_fail_in(d, "backend", "'%s' is not a state backend (local, etcd or http)", kind);
}

int sp_provider_cfg_from_json(struct sp_jdec *d, json_t *obj, struct sp_provider_cfg *c)
{
	static const char *const local_keys[] = { "kind", "path", NULL };
	static const char *const rest_keys[] = { "kind", "url", "headers", REMOTE_JKEYS, NULL };
	const char *kind = "local";
	json_t *h;

	sp_provider_cfg_init(c);
	if (sp_jdec_str(d, obj, "kind", SP_JNONEMPTY, &kind) < 0)
		return SP_EINVAL;
	if (!strcmp(kind, "local"))
		return sp_jdec_keys(d, obj, local_keys) < 0 ? SP_EINVAL
							     : sp_jdec_str(d, obj, "path", SP_JREQ | SP_JNONEMPTY, &c->path);
	if (strcmp(kind, "rest"))
		return sp_jdec_fail_in(d, "kind", "'%s' is not a provider (local or rest)", kind);
	c->kind = "rest";
	if (sp_jdec_keys(d, obj, rest_keys) < 0 || sp_jdec_str(d, obj, "url", SP_JREQ | SP_JNONEMPTY, &c->url) < 0 ||
	    sp_jdec_member(d, obj, "headers", SP_JOBJECT, 0, &h) < 0)
		return SP_EINVAL;
	if (h && json_object_size(h)) {
		const char *k;
		json_t *v;
		c->headers = SP_NEWN(d->a, struct sp_kv, json_object_size(h));
		json_object_foreach(h, k, v) {
			if (!json_is_string(v)) {
				sp_jdec_push_key(d, "headers");
				return sp_jdec_fail_in(d, k, "must be a string");
			}
			c->headers[c->nheaders].key = sp_arena_strdup(d->a, k);
			c->headers[c->nheaders].value = sp_arena_strdup(d->a, json_string_value(v));
			c->nheaders++;
		}
	}
	return get_remote(d, obj, &c->remote);
}
