/* The HTTP state backend (providers/backend_http.c) against the stand-in
 * server of Terraform's protocol (tests/servers/tfstate.py), which the
 * suite starts on loopback, one per test case, and stops by its PID; each
 * test resets it first. Every request the server sees is in its log, which
 * the tests read for what was sent. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/spec.h"
#include "providers/backend_http.h"
#include "providers/http.h"
#include "providers/state.h"
#include "providers/state_json.h"
#include "providers/where.h"
#include "tests/unit/state_fixtures.h"

Suite *suite_httpbackend(void);

#define PASSWORD "s3cret-Pw-7731"
#define WRONG "wr0ng-Pw-1958"

/* ---- the stand-in server ------------------------------------------------------------------------- */

struct server {
	pid_t pid;
	int port;
	char dir[64], base[64], why[1200];
	size_t mark;                  /* the log's size when the test began */
};

static struct server plain, gitlab;

static void rm_dir(const char *dir)
{
	char p[128];
	static const char *const files[] = { "log", "port", "port.tmp", "out", NULL };

	for (int i = 0; files[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Starts tfstate.py in a scratch folder; on failure s->why says why (each test then fails with it). */
static void server_start(struct server *s, int gitlab_style)
{
	const char *src = getenv("SP_SRCDIR");
	char script[512], log[128], portf[128], parent[32];
	pid_t me = getpid();

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/sp-check-http.XXXXXX");
	if (!mkdtemp(s->dir)) {
		snprintf(s->why, sizeof(s->why), "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(script, sizeof(script), "%s/tests/servers/tfstate.py", src ? src : ".");
	snprintf(log, sizeof(log), "%s/log", s->dir);
	snprintf(portf, sizeof(portf), "%s/port", s->dir);
	snprintf(parent, sizeof(parent), "%ld", (long)me);
	s->pid = fork();
	if (s->pid == 0) {
		char out[128];
		snprintf(out, sizeof(out), "%s/out", s->dir);
		if (!freopen(out, "w", stdout) || !freopen(out, "a", stderr))
			_exit(126);
		if (gitlab_style) {
			setenv("TFSTATE_PASSWORD", PASSWORD, 1);
			execlp("python3", "python3", script, "serve", "--log", log, "--port-file", portf, "--exit-with",
			       parent, "--user", "tf-user", "--lock-method", "POST", "--unlock-method", "DELETE",
			       "--conflict", "409", "--missing", "404", (char *)NULL);
		} else {
			execlp("python3", "python3", script, "serve", "--log", log, "--port-file", portf, "--exit-with",
			       parent, (char *)NULL);
		}
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(portf, "r");
		int st;
		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;
			fclose(f);
			if (ok && s->port > 0) {
				snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
				return;
			}
		}
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			snprintf(s->why, sizeof(s->why), "%s exited (status %d) before it listened; its output is in %s/out",
				 script, st, s->dir);
			s->pid = 0;
			return;
		}
		usleep(50000);
	}
	snprintf(s->why, sizeof(s->why), "%s did not listen within 15 s", script);
}

static void server_stop(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	if (s->dir[0])
		rm_dir(s->dir);
}

static void plain_start(void) { server_start(&plain, 0); }
static void plain_stop(void) { server_stop(&plain); }
static void gitlab_start(void) { server_start(&gitlab, 1); }
static void gitlab_stop(void) { server_stop(&gitlab); }

/* A request of the test's own (the control endpoint, a raw GET); the answer's body, malloc'd. */
static char *raw(const char *method, const char *url, const char *body, long *status)
{
	struct sp_http_opts o = { .max_attempts = 1, .timeout_ms = 5000 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	struct sp_http_resp resp;
	char *text;

	ck_assert_ptr_nonnull(c);
	int rc = sp_http_request(c, method, url, body, body ? strlen(body) : 0, NULL, NULL, 0, SP_HTTP_NO_4XX_ERR, &resp,
				 &err);
	ck_assert_msg(rc == 0, "%s %s: %s", method, url, err.msg);
	if (status)
		*status = resp.status;
	text = sp_sb_detach(&resp.body, NULL);
	sp_http_resp_free(&resp);
	sp_http_free(c);
	return text;
}

static void ctl(struct server *s, const char *json)
{
	char url[128], *answer;
	long status;
	snprintf(url, sizeof(url), "%s/_control", s->base);
	answer = raw("POST", url, json, &status);
	ck_assert_msg(status == 200, "control %s: HTTP %ld: %s", json, status, answer);
	free(answer);
}

/* What the server logged since the test began (malloc'd). */
static char *server_log(struct server *s)
{
	char path[128], *all, *out;
	snprintf(path, sizeof(path), "%s/log", s->dir);
	all = slurp(path);
	ck_assert_ptr_nonnull(all);
	out = strdup(strlen(all) >= s->mark ? all + s->mark : "");
	free(all);
	return out;
}

/* The lines of hay that start with needle. */
static int count(const char *hay, const char *needle)
{
	int n = 0;
	size_t k = strlen(needle);
	for (const char *p = hay; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		n += !strncmp(p, needle, k);
	return n;
}

static int log_count(struct server *s, const char *needle)
{
	char *l = server_log(s);
	int n = count(l, needle);
	free(l);
	return n;
}

static void reset(struct server *s)
{
	char path[128];
	struct stat st;

	ck_assert_msg(s->port > 0, "the stand-in server did not start: %s", s->why);
	ctl(s, "{\"reset\": true}");
	snprintf(path, sizeof(path), "%s/log", s->dir);
	ck_assert_int_eq(stat(path, &st), 0);
	s->mark = (size_t)st.st_size;
}

static void plain_reset(void) { reset(&plain); }

static void gitlab_reset(void)
{
	reset(&gitlab);
	unsetenv("SCALEPLAN_HTTP_USERNAME");
	unsetenv("SCALEPLAN_HTTP_PASSWORD");
	unsetenv("TF_HTTP_USERNAME");
	unsetenv("TF_HTTP_PASSWORD");
	unsetenv("SP_TEST_PW");
}

/* ---- the backend under test ---------------------------------------------------------------------- */

struct cfg {
	struct sp_state_cfg c;
	char addr[192], lock[200];
};

/* The settings of a state at s's path /state/<name>, locked at the same
 * address (lock 1), at <address>/lock (lock 2), or not at all (0); short
 * timeouts and waits, so that failing servers fail fast. */
static void mkcfg(struct cfg *k, struct server *s, const char *name, int lock)
{
	sp_state_cfg_init(&k->c, NULL, NULL);
	k->c.backend = "http";
	snprintf(k->addr, sizeof(k->addr), "%s/state/%s", s->base, name);
	snprintf(k->lock, sizeof(k->lock), "%s%s", k->addr, lock == 2 ? "/lock" : "");
	k->c.address = k->addr;
	k->c.lock_address = k->c.unlock_address = lock ? k->lock : NULL;
	k->c.remote.timeout_s = 3;
	k->c.remote.retry_max = 2;
	k->c.remote.retry_wait_min_s = 0.02;
	k->c.remote.retry_wait_max_s = 0.1;
	if (lock == 2) {
		k->c.lock_method = "POST";
		k->c.unlock_method = "DELETE";
	}
}

static struct sp_backend *open_cfg(const struct cfg *k)
{
	struct sp_backend *b = NULL;
	struct sp_err err;
	sp_err_clear(&err);
	ck_assert_msg(sp_backend_open(&b, &k->c, &err) == 0, "open: %s", err.msg);
	ck_assert_str_eq(b->ops->kind, "http");
	return b;
}

static struct sp_backend *open_http(struct server *s, const char *name, int lock)
{
	struct cfg k;
	mkcfg(&k, s, name, lock);
	return open_cfg(&k);
}

static int lock_as(struct sp_backend *b, const char *op, int timeout_ms, struct sp_lock_info *mine,
		   struct sp_lock_info *holder, struct sp_err *err)
{
	sp_err_clear(err);
	return b->ops->lock(b, op, timeout_ms, mine, holder, err);
}

static int bread(struct sp_backend *b, struct sp_state **out, struct sp_err *err)
{
	sp_err_clear(err);
	*out = NULL;
	return b->ops->read(b, out, err);
}

/* The state as the server stores it, as the local backend would write it. */
static char *stamped(struct sp_state *s)
{
	const char *v = s->scaleplan_version;
	char *t;
	s->scaleplan_version = SP_VERSION;
	t = encode(s);
	s->scaleplan_version = v;
	return t;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- reading and writing ------------------------------------------------------------------------- */

START_TEST(test_http_roundtrip)
{
	struct sp_backend *b = open_http(&plain, "rt", 1);
	struct sp_state *got = NULL, *s1 = state_with(1, 3);
	struct sp_lock_info mine, holder;
	struct sp_err err;
	char url[192], line[256], *want, *stored, *l;
	long status;

	snprintf(url, sizeof(url), "%s/state/rt", plain.base);
	snprintf(line, sizeof(line), "http %s", url);
	ck_assert_str_eq(b->where, line);
	/* nothing stored: 204 (and 404) read as an empty state */
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 0);
	ck_assert_uint_eq(got->resources.n, 0);
	sp_state_free(got);
	ctl(&plain, "{\"missing\": 404}");
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 0);
	sp_state_free(got);
	/* under the lock, the whole state with ?ID=<lock id> */
	ck_assert_int_eq(lock_as(b, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_str_eq(holder.id, "");
	ck_assert_int_eq(bwrite(b, s1, &err), 0);
	snprintf(line, sizeof(line), "POST /state/rt?ID=%s 200", mine.id);
	ck_assert_int_eq(log_count(&plain, line), 1);
	/* stored exactly as the local backend writes its file */
	want = stamped(s1);
	stored = raw("GET", url, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(stored, want);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1);
	ck_assert_str_eq(got->lineage, LINEAGE);
	ck_assert_uint_eq(got->resources.n, 1);
	ck_assert(got->checksummed);
	free(stored);
	stored = stamped(got);
	ck_assert_str_eq(stored, want);
	/* the lock info: Terraform's fields, sent with LOCK and again with UNLOCK */
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), 0);
	l = server_log(&plain);
	ck_assert_ptr_nonnull(strstr(l, "LOCK /state/rt 200"));
	ck_assert_ptr_nonnull(strstr(l, "UNLOCK /state/rt 200"));
	free(l);
	ck_assert_int_eq(lock_as(b, "apply", 0, &mine, &holder, &err), 0);
	b->ops->close(b); /* releases it */
	ck_assert_int_eq(log_count(&plain, "UNLOCK /state/rt 200"), 2);
	sp_state_free(got);
	sp_state_free(s1);
	free(want);
	free(stored);
}
END_TEST

START_TEST(test_http_write_rules)
{
	struct sp_backend *b = open_http(&plain, "rules", 1);
	struct sp_state *s2 = state_with(2, 3), *s1 = state_with(1, 5), *other = state_with(3, 3), *s2b = state_with(2, 9);
	struct sp_state *got = NULL;
	struct sp_lock_info mine, holder;
	struct sp_err err;

	ck_assert_int_eq(lock_as(b, "state push", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	ck_assert_int_eq(bwrite(b, s1, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "older than the stored serial 2"));
	other->lineage = LINEAGE2;
	ck_assert_int_eq(bwrite(b, other, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "different histories"));
	ck_assert_int_eq(bwrite(b, s2b, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs a higher serial"));
	/* the same state again: nothing is sent */
	ck_assert_int_eq(log_count(&plain, "POST /state/rules"), 1);
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	ck_assert_int_eq(log_count(&plain, "POST /state/rules"), 1);
	/* write_force replaces whatever is stored */
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->write_force(b, s1, &err), 0);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1);
	ck_assert_str_eq(got->lineage, LINEAGE);
	sp_state_free(got);
	/* no backup and no journal to recover from */
	ck_assert_int_eq(b->ops->read_recovery(b, SP_READ_BACKUP, &got, &err), SP_ENOTFOUND);
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(strstr(err.msg, "no backup"));
	b->ops->close(b);
	/* a write without the lock takes it for its own duration */
	b = open_http(&plain, "rules", 1);
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	ck_assert_int_eq(log_count(&plain, "LOCK /state/rules 200"), 2);
	ck_assert_int_eq(log_count(&plain, "UNLOCK /state/rules 200"), 2);
	b->ops->close(b);
	sp_state_free(s1);
	sp_state_free(s2);
	sp_state_free(s2b);
	sp_state_free(other);
}
END_TEST

START_TEST(test_http_not_a_state)
{
	struct sp_backend *b = open_http(&plain, "bad", 1);
	struct sp_state *got = NULL, *s1 = state_with(1, 3);
	struct sp_err err;
	struct sp_sb c = SP_SB_INIT;
	char url[192], *good, *p;

	snprintf(url, sizeof(url), "%s/state/bad", plain.base);
	ctl(&plain, "{\"put\": {\"path\": \"/state/bad\", \"body\": \"<html>502 Bad Gateway</html>\"}}");
	ck_assert_int_eq(bread(b, &got, &err), SP_EINVAL);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(err.file, url);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a scaleplan state"));
	/* a state that cannot be read is never replaced, but write_force replaces it */
	ck_assert_int_eq(bwrite(b, s1, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing to replace a state that cannot be read"));
	ck_assert_int_eq(log_count(&plain, "POST /state/bad"), 0);
	ck_assert_int_eq(b->ops->write_force(b, s1, &err), 0);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	sp_state_free(got);
	/* Terraform's own state at that address */
	ctl(&plain, "{\"put\": {\"path\": \"/state/bad\", \"body\": \"{\\\"version\\\": 4, \\\"terraform_version\\\": "
		    "\\\"1.7.0\\\", \\\"serial\\\": 3, \\\"lineage\\\": \\\"x\\\", \\\"outputs\\\": {}, \\\"resources\\\": []}\"}}");
	ck_assert_int_eq(bread(b, &got, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "holds a Terraform state (terraform_version 1.7.0)"));
	/* a stored state damaged after it was written: its checksum says so */
	good = stamped(s1);
	p = strstr(good, "\"nodes\": 3");
	ck_assert_ptr_nonnull(p);
	p[9] = '4';
	sp_sb_adds(&c, "{\"put\": {\"path\": \"/state/bad\", \"body\": \"");
	sp_sb_add_quoted(&c, good);
	sp_sb_adds(&c, "\"}}");
	ctl(&plain, c.buf);
	ck_assert_msg(bread(b, &got, &err) == SP_ECORRUPT, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not match its checksum"));
	ck_assert_ptr_nonnull(strstr(err.msg, "state push --force"));
	b->ops->close(b);
	sp_sb_release(&c);
	sp_state_free(s1);
	free(good);
}
END_TEST

/* ---- locks --------------------------------------------------------------------------------------- */

static void check_contention(const char *name)
{
	struct sp_backend *a = open_http(&plain, name, 1), *b = open_http(&plain, name, 1);
	struct sp_lock_info mine, other, holder;
	struct sp_err err;

	ck_assert_int_eq(lock_as(a, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(lock_as(b, "state rm", 0, &other, &holder, &err), SP_ELOCKED);
	ck_assert_str_eq(holder.id, mine.id);
	ck_assert_str_eq(holder.who, mine.who);
	ck_assert_str_eq(holder.operation, "apply");
	ck_assert_str_eq(holder.created, mine.created);
	ck_assert_int_eq(holder.pid, (long)getpid());
	ck_assert_str_eq(holder.host, mine.host);
	ck_assert_ptr_nonnull(strstr(err.msg, "is locked by"));
	ck_assert_ptr_nonnull(strstr(err.msg, mine.id));
	/* a holder cannot take its own lock twice */
	ck_assert_int_eq(lock_as(a, "apply", 0, NULL, &holder, &err), SP_EINVAL);
	ck_assert_int_eq(a->ops->unlock(a, mine.id, &err), 0);
	ck_assert_int_eq(lock_as(b, "state rm", 0, &other, &holder, &err), 0);
	a->ops->close(a);
	b->ops->close(b);
}

START_TEST(test_http_lock_contention_423)
{
	check_contention("c423");
	ck_assert_int_eq(log_count(&plain, "LOCK /state/c423 423"), 1);
}
END_TEST

START_TEST(test_http_lock_contention_409)
{
	ctl(&plain, "{\"conflict\": 409}");
	check_contention("c409");
	ck_assert_int_eq(log_count(&plain, "LOCK /state/c409 409"), 1);
}
END_TEST

struct later {
	struct sp_backend *b;
	char id[40];
	long after_ms;
};

static void *unlock_later(void *arg)
{
	struct later *l = arg;
	struct sp_err err;
	usleep((useconds_t)l->after_ms * 1000);
	l->b->ops->unlock(l->b, l->id, &err);
	return NULL;
}

START_TEST(test_http_lock_wait)
{
	struct sp_backend *a = open_http(&plain, "wait", 1), *b = open_http(&plain, "wait", 1);
	struct sp_lock_info mine, holder;
	struct sp_err err;
	struct timespec t0;
	struct later l = { a, "", 400 };
	pthread_t th;
	long took;

	ck_assert_int_eq(lock_as(a, "apply", 0, &mine, &holder, &err), 0);
	/* --lock-timeout: gives up after the time, saying so */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(lock_as(b, "apply", 300, NULL, &holder, &err), SP_ELOCKED);
	took = ms_since(&t0);
	ck_assert_msg(took >= 280 && took < 3000, "gave up after %ld ms", took);
	ck_assert_ptr_nonnull(strstr(err.msg, "gave up after waiting"));
	ck_assert_str_eq(holder.id, mine.id);
	/* and takes the lock once its holder lets it go */
	snprintf(l.id, sizeof(l.id), "%s", mine.id);
	ck_assert_int_eq(pthread_create(&th, NULL, unlock_later, &l), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(lock_as(b, "apply", 10000, NULL, &holder, &err), 0);
	took = ms_since(&t0);
	pthread_join(th, NULL);
	ck_assert_msg(took >= 300 && took < 5000, "took the lock after %ld ms", took);
	ck_assert_int_ge(log_count(&plain, "LOCK /state/wait 423"), 3);
	a->ops->close(a);
	b->ops->close(b);
}
END_TEST

START_TEST(test_http_foreign_holder)
{
	struct sp_backend *b = open_http(&plain, "tf", 1);
	struct sp_lock_info holder;
	struct sp_err err;

	/* a lock Terraform took: its Who names the host; there is no pid */
	ctl(&plain, "{\"lock\": {\"path\": \"/state/tf\", \"info\": {\"ID\": \"c2d6a1f0-0000-4000-8000-00000000abcd\", "
		    "\"Operation\": \"OperationTypeApply\", \"Info\": \"\", \"Who\": \"alice@laptop\", \"Version\": "
		    "\"1.7.0\", \"Created\": \"2024-01-15T10:30:45.123456789Z\", \"Path\": \"\"}}}");
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_ELOCKED);
	ck_assert_str_eq(holder.id, "c2d6a1f0-0000-4000-8000-00000000abcd");
	ck_assert_str_eq(holder.who, "alice@laptop");
	ck_assert_str_eq(holder.operation, "OperationTypeApply");
	ck_assert_str_eq(holder.host, "laptop");
	ck_assert_int_eq(holder.pid, 0);
	/* a 423 that does not say who */
	ctl(&plain, "{\"reset\": true, \"rules\": [{\"method\": \"LOCK\", \"count\": -1, \"action\": \"status\", "
		    "\"status\": 423, \"body\": \"locked\"}]}");
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_ELOCKED);
	ck_assert_str_eq(holder.id, "");
	ck_assert_ptr_nonnull(strstr(err.msg, "without the holder's lock info"));
	b->ops->close(b);
}
END_TEST

START_TEST(test_http_force_unlock)
{
	struct sp_backend *a = open_http(&plain, "force", 1), *b = open_http(&plain, "force", 1);
	struct sp_lock_info mine, theirs, holder;
	struct sp_err err;

	ck_assert_int_eq(b->ops->unlock(b, "0f8fad5b-0000-4000-8000-000000000000", &err), SP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "not locked"));
	ck_assert_int_eq(lock_as(a, "apply", 0, &mine, &holder, &err), 0);
	/* another ID: refused, nothing changed */
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->unlock(b, "0f8fad5b-0000-4000-8000-000000000000", &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, mine.id));
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing was changed"));
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_ELOCKED);
	/* the holder's ID (state unlock ID after its holder died) */
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), 0);
	ck_assert_int_eq(lock_as(b, "apply", 0, &theirs, &holder, &err), 0);
	/* the first holder finds its lock gone */
	sp_err_clear(&err);
	ck_assert_int_eq(a->ops->unlock(a, mine.id, &err), SP_ELOCKED);
	ck_assert_ptr_nonnull(strstr(err.msg, theirs.id));
	ck_assert_int_eq(lock_as(a, "apply", 0, NULL, &holder, &err), SP_ELOCKED); /* no longer held by a */
	ck_assert_str_eq(holder.id, theirs.id);
	a->ops->close(a);
	b->ops->close(b);
}
END_TEST

START_TEST(test_http_wrong_lock_id)
{
	struct sp_backend *a = open_http(&plain, "wrong", 1), *b = open_http(&plain, "wrong", 1);
	struct sp_state *s1 = state_with(1, 3), *s2 = state_with(2, 4), *got = NULL;
	struct sp_lock_info mine, theirs, holder;
	struct sp_err err;
	char line[256];

	ck_assert_int_eq(lock_as(a, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(bwrite(a, s1, &err), 0);
	/* someone releases a's lock and takes it: a's next write is refused */
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), 0);
	ck_assert_int_eq(lock_as(b, "apply", 0, &theirs, &holder, &err), 0);
	ck_assert_int_eq(bwrite(a, s2, &err), SP_ELOCKED);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused the state (HTTP 409)"));
	ck_assert_ptr_nonnull(strstr(err.msg, theirs.id));
	ck_assert_ptr_nonnull(strstr(err.msg, mine.id));
	snprintf(line, sizeof(line), "POST /state/wrong?ID=%s 409", mine.id);
	ck_assert_int_eq(log_count(&plain, line), 1);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1); /* kept */
	sp_state_free(got);
	a->ops->close(a);
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	b->ops->close(b);
	sp_state_free(s1);
	sp_state_free(s2);
}
END_TEST

START_TEST(test_http_no_lock_address)
{
	struct sp_backend *b = open_http(&plain, "nolock", 0);
	struct sp_state *got = NULL, *s1 = state_with(1, 3);
	struct sp_lock_info holder;
	struct sp_err err;

	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "no lock_address"));
	ck_assert_int_eq(bwrite(b, s1, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "no lock_address"));
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->begin(b, got, &err), SP_EINVAL);
	ck_assert_int_eq(b->ops->unlock(b, "x", &err), SP_ENOTFOUND);
	ck_assert_int_eq(log_count(&plain, "POST"), 0);
	ck_assert_int_eq(log_count(&plain, "LOCK"), 0);
	b->ops->close(b);
	sp_state_free(got);
	sp_state_free(s1);
}
END_TEST

/* ---- apply's recording --------------------------------------------------------------------------- */

static struct sp_resource *node_res(struct sp_arena *a, const char *name, int n)
{
	struct sp_resource *r = SP_NEWN(a, struct sp_resource, 1);
	*r = mkres(a, "service", name, "us");
	add_num(r, "nodes", n);
	return r;
}

START_TEST(test_http_record)
{
	struct sp_backend *b = open_http(&plain, "rec", 1), *o = open_http(&plain, "rec", 1);
	struct sp_state *s = NULL, *got = NULL, *s1 = state_with(1, 3);
	struct sp_lock_info mine, holder;
	struct sp_arena a;
	struct sp_err err;

	sp_arena_init(&a);
	ck_assert_int_eq(lock_as(b, "state push", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(bwrite(b, s1, &err), 0);
	ck_assert_int_eq(bread(b, &s, &err), 0);
	/* begin sends the stored state back as it is: the server takes writes */
	ck_assert_int_eq(b->ops->begin(b, s, &err), 0);
	ck_assert_int_eq(log_count(&plain, "POST /state/rec"), 2);
	/* operations are kept, and sent at most every persist_ms */
	sp_backend_http_set_persist_ms(b, 600000);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[us]", node_res(&a, "a", 1), &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.b[us]", node_res(&a, "b", 2), &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	ck_assert_int_eq(log_count(&plain, "POST /state/rec"), 2);
	ck_assert_int_eq(bread(o, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1);
	sp_state_free(got);
	sp_backend_http_set_persist_ms(b, 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.web[us]", NULL, &err), 0);
	ck_assert_int_eq(log_count(&plain, "POST /state/rec"), 3);
	ck_assert_int_eq(bread(o, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 4);
	ck_assert_uint_eq(got->resources.n, 2);
	ck_assert_str_eq(got->resources.v[0].address, "service.a[us]");
	ck_assert_str_eq(got->resources.v[1].address, "service.b[us]");
	ck_assert(got->checksummed);
	sp_state_free(got);
	/* a send that fails is an error; the operation stays recorded and goes with the next */
	ctl(&plain, "{\"rules\": [{\"method\": \"POST\", \"count\": 3, \"action\": \"status\", \"status\": 500}]}");
	ck_assert_int_eq(b->ops->record(b, s, "service.c[us]", node_res(&a, "c", 3), &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 500"));
	ck_assert_uint_eq(s->serial, 5);
	ck_assert_int_eq(b->ops->record(b, s, "service.d[us]", node_res(&a, "d", 4), &err), 0);
	ck_assert_int_eq(bread(o, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 6);
	ck_assert_uint_eq(got->resources.n, 4);
	sp_state_free(got);
	/* a state that is not the stored one is refused */
	s->serial = 2;
	ck_assert_int_eq(b->ops->record(b, s, "service.e[us]", node_res(&a, "e", 5), &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "read the state again"));
	s->serial = 6;
	/* record needs the lock */
	ck_assert_int_eq(o->ops->record(o, s, "service.e[us]", node_res(&a, "e", 5), &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs the state lock"));
	b->ops->close(b);
	o->ops->close(o);
	sp_state_free(s);
	sp_state_free(s1);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_http_begin_checks)
{
	struct sp_backend *b = open_http(&plain, "begin", 1), *o = open_http(&plain, "begin", 1);
	struct sp_state *s = NULL, *s1 = state_with(1, 3);
	struct sp_lock_info mine, holder;
	struct sp_err err;

	ck_assert_int_eq(bread(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->begin(b, s, &err), SP_EINVAL); /* not locked */
	ck_assert_ptr_nonnull(strstr(err.msg, "needs the state lock"));
	ck_assert_int_eq(lock_as(b, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), 0);
	/* the state changed since s was read */
	ck_assert_int_eq(bwrite(o, s1, &err), 0);
	ck_assert_int_eq(lock_as(b, "apply", 0, &mine, &holder, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->begin(b, s, &err), SP_ESTALE);
	sp_state_free(s);
	/* the server refuses the write: nothing was changed, and apply stops before the provider */
	ck_assert_int_eq(bread(b, &s, &err), 0);
	ctl(&plain, "{\"rules\": [{\"method\": \"POST\", \"count\": 1, \"action\": \"status\", \"status\": 403}]}");
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->begin(b, s, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused the credentials (HTTP 403)"));
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing was changed"));
	ck_assert_int_eq(b->ops->begin(b, s, &err), 0);
	b->ops->close(b);
	o->ops->close(o);
	sp_state_free(s);
	sp_state_free(s1);
}
END_TEST

/* ---- network faults ------------------------------------------------------------------------------ */

START_TEST(test_http_500_then_ok)
{
	struct sp_backend *b = open_http(&plain, "flaky", 1);
	struct sp_state *got = NULL, *s1 = state_with(1, 3);
	struct sp_lock_info mine, holder;
	struct sp_err err;
	char line[256];

	ctl(&plain, "{\"rules\": [{\"method\": \"GET\", \"count\": 1, \"action\": \"status\", \"status\": 500}, "
		    "{\"method\": \"GET\", \"count\": 1, \"action\": \"status\", \"status\": 429}, "
		    "{\"method\": \"POST\", \"count\": 1, \"action\": \"status\", \"status\": 503}, "
		    "{\"method\": \"LOCK\", \"count\": 1, \"action\": \"status\", \"status\": 502}]}");
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_int_eq(log_count(&plain, "GET /state/flaky 500"), 1);
	ck_assert_int_eq(log_count(&plain, "GET /state/flaky 429"), 1);
	ck_assert_int_eq(log_count(&plain, "GET /state/flaky 204"), 1);
	sp_state_free(got);
	ck_assert_int_eq(lock_as(b, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(log_count(&plain, "LOCK /state/flaky 502"), 1);
	ck_assert_int_eq(bwrite(b, s1, &err), 0);
	snprintf(line, sizeof(line), "POST /state/flaky?ID=%s 503", mine.id);
	ck_assert_int_eq(log_count(&plain, line), 1);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1);
	b->ops->close(b);
	sp_state_free(got);
	sp_state_free(s1);
}
END_TEST

START_TEST(test_http_500_always)
{
	struct sp_backend *b = open_http(&plain, "down", 1);
	struct sp_state *got = NULL;
	struct sp_lock_info holder;
	struct sp_err err;
	char url[192];

	snprintf(url, sizeof(url), "%s/state/down", plain.base);
	ctl(&plain, "{\"rules\": [{\"method\": \"*\", \"count\": -1, \"action\": \"status\", \"status\": 500}]}");
	ck_assert_int_eq(bread(b, &got, &err), SP_EIO);
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(strstr(err.msg, url));   /* named once, in the message */
	ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 500"));
	ck_assert_ptr_nonnull(strstr(err.msg, "3 attempts")); /* retry_max 2 */
	ck_assert_int_eq(log_count(&plain, "GET /state/down 500"), 3);
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "LOCK"));
	b->ops->close(b);
}
END_TEST

START_TEST(test_http_slow_timeout)
{
	struct cfg k;
	struct sp_backend *b;
	struct sp_state *got = NULL;
	struct sp_err err;
	struct timespec t0;
	long took;

	mkcfg(&k, &plain, "slow", 1);
	k.c.remote.timeout_s = 0.3;
	k.c.remote.retry_max = 1;
	b = open_cfg(&k);
	ctl(&plain, "{\"rules\": [{\"method\": \"GET\", \"count\": 2, \"action\": \"delay\", \"ms\": 1500}]}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(bread(b, &got, &err), SP_EIO);
	took = ms_since(&t0);
	ck_assert_ptr_nonnull(strstr(err.msg, "timed out"));
	/* within the bound of timeout_s x attempts + the waits (0.7 s), whatever the machine's load */
	ck_assert_msg(took >= 290 && took < 1400, "gave up after %ld ms: %s", took, err.msg);
	b->ops->close(b);
	/* once the server answers in time again, so does read (a backend with
	 * room for a loaded machine: the delayed answers may still be in flight) */
	mkcfg(&k, &plain, "slow", 1);
	k.c.remote.timeout_s = 10;
	b = open_cfg(&k);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	sp_state_free(got);
	b->ops->close(b);
}
END_TEST

START_TEST(test_http_connection_closed)
{
	struct sp_backend *b = open_http(&plain, "closed", 1);
	struct sp_state *got = NULL, *s1 = state_with(1, 3);
	struct sp_lock_info mine, holder;
	struct sp_err err;
	char line[256];

	ctl(&plain, "{\"rules\": [{\"method\": \"GET\", \"count\": 1, \"action\": \"close\"}]}");
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_int_eq(log_count(&plain, "GET /state/closed closed"), 1);
	sp_state_free(got);
	/* a LOCK done, but its answer lost: sent again, it finds our own lock */
	ctl(&plain, "{\"rules\": [{\"method\": \"LOCK\", \"count\": 1, \"action\": \"drop\"}]}");
	ck_assert_int_eq(lock_as(b, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(log_count(&plain, "LOCK /state/closed dropped"), 1);
	ck_assert_int_eq(log_count(&plain, "LOCK /state/closed 423"), 1);
	/* a POST done, but its answer lost: sent again, the same state */
	ctl(&plain, "{\"rules\": [{\"method\": \"POST\", \"count\": 1, \"action\": \"drop\"}]}");
	ck_assert_int_eq(bwrite(b, s1, &err), 0);
	snprintf(line, sizeof(line), "POST /state/closed?ID=%s 200", mine.id);
	ck_assert_int_eq(log_count(&plain, line), 1);
	/* closed every time: an error naming the address */
	ctl(&plain, "{\"rules\": [{\"method\": \"GET\", \"count\": -1, \"action\": \"close\"}]}");
	ck_assert_int_eq(bread(b, &got, &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/state/closed"));
	ck_assert_ptr_nonnull(strstr(err.msg, "3 attempts"));
	ctl(&plain, "{\"rules\": []}");
	b->ops->close(b);
	sp_state_free(s1);
}
END_TEST

START_TEST(test_http_server_down)
{
	struct server none;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sp_backend *b;
	struct sp_state *got = NULL;
	struct sp_lock_info holder;
	struct sp_err err;
	struct timespec t0;
	char url[192];

	/* a port nobody listens on */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	memset(&none, 0, sizeof(none));
	snprintf(none.base, sizeof(none.base), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	b = open_http(&none, "x", 1);
	snprintf(url, sizeof(url), "%s/state/x", none.base);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(bread(b, &got, &err), SP_EIO);
	ck_assert_msg(ms_since(&t0) < 5000, "took %ld ms", ms_since(&t0));
	ck_assert_ptr_nonnull(strstr(err.msg, url));
	ck_assert_ptr_nonnull(strstr(err.msg, "connect"));
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_EIO);
	b->ops->close(b);
}
END_TEST

/* ---- settings, credentials ----------------------------------------------------------------------- */

START_TEST(test_http_open_settings)
{
	struct cfg k;
	struct sp_backend *b = NULL;
	struct sp_err err;

	mkcfg(&k, &plain, "set", 1);
	snprintf(k.addr, sizeof(k.addr), "http://someone:hunter2@127.0.0.1:%d/state/set", plain.port);
	b = open_cfg(&k);
	ck_assert_ptr_null(strstr(b->where, "hunter2"));
	ck_assert_ptr_nonnull(strstr(b->where, "http http://127.0.0.1:"));
	b->ops->close(b);
	k.c.address = "${SP_TEST_NO_SUCH_VARIABLE}";
	ck_assert_int_eq(sp_backend_open(&b, &k.c, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "SP_TEST_NO_SUCH_VARIABLE"));
	mkcfg(&k, &plain, "set", 1);
	k.c.remote.password = "pw";
	ck_assert_int_eq(sp_backend_open(&b, &k.c, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "without a username"));
	ck_assert_ptr_null(strstr(err.msg, "pw "));
}
END_TEST

/* The error of a read on the GitLab-style server, which must not show any password. */
static int gread(struct cfg *k, struct sp_err *err)
{
	struct sp_backend *b = open_cfg(k);
	struct sp_state *got = NULL;
	int rc = bread(b, &got, err);
	ck_assert_ptr_null(strstr(err->msg, PASSWORD));
	ck_assert_ptr_null(strstr(err->msg, WRONG));
	ck_assert_ptr_null(strstr(err->file, PASSWORD));
	ck_assert_ptr_null(strstr(b->where, PASSWORD));
	sp_state_free(got);
	b->ops->close(b);
	return rc;
}

START_TEST(test_http_auth)
{
	struct cfg k;
	struct sp_err err;

	mkcfg(&k, &gitlab, "auth", 2);
	ck_assert_int_eq(gread(&k, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused the credentials (HTTP 401)"));
	setenv("SCALEPLAN_HTTP_USERNAME", "tf-user", 1);
	setenv("SCALEPLAN_HTTP_PASSWORD", WRONG, 1);
	ck_assert_int_eq(gread(&k, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused the credentials (HTTP 403)"));
	setenv("SCALEPLAN_HTTP_PASSWORD", PASSWORD, 1);
	ck_assert_int_eq(gread(&k, &err), 0);
	ck_assert_int_eq(log_count(&gitlab, "GET /state/auth 404 user=tf-user"), 1);
	/* Terraform's variables when scaleplan's are unset, and below them */
	unsetenv("SCALEPLAN_HTTP_USERNAME");
	unsetenv("SCALEPLAN_HTTP_PASSWORD");
	setenv("TF_HTTP_USERNAME", "tf-user", 1);
	setenv("TF_HTTP_PASSWORD", PASSWORD, 1);
	ck_assert_int_eq(gread(&k, &err), 0);
	setenv("SCALEPLAN_HTTP_PASSWORD", WRONG, 1);
	ck_assert_int_eq(gread(&k, &err), SP_EINVAL);
	unsetenv("SCALEPLAN_HTTP_PASSWORD");
	unsetenv("TF_HTTP_USERNAME");
	unsetenv("TF_HTTP_PASSWORD");
	/* the spec's, with the password from a variable it names */
	k.c.remote.username = "tf-user";
	k.c.remote.password = "${SP_TEST_PW}";
	ck_assert_int_eq(sp_backend_open(&(struct sp_backend *){ NULL }, &k.c, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "SP_TEST_PW"));
	setenv("SP_TEST_PW", PASSWORD, 1);
	ck_assert_int_eq(gread(&k, &err), 0);
	setenv("SP_TEST_PW", WRONG, 1);
	ck_assert_int_eq(gread(&k, &err), SP_EINVAL);
}
END_TEST

START_TEST(test_http_gitlab_layout)
{
	struct cfg k;
	struct sp_backend *a, *b;
	struct sp_state *s1 = state_with(1, 3), *got = NULL;
	struct sp_lock_info mine, holder;
	struct sp_err err;
	char line[256];

	setenv("TF_HTTP_USERNAME", "tf-user", 1);
	setenv("TF_HTTP_PASSWORD", PASSWORD, 1);
	mkcfg(&k, &gitlab, "gl", 2);
	a = open_cfg(&k);
	b = open_cfg(&k);
	/* POST ADDRESS/lock to lock, 409 with the holder, DELETE ADDRESS/lock to unlock */
	ck_assert_int_eq(lock_as(a, "apply", 0, &mine, &holder, &err), 0);
	ck_assert_int_eq(lock_as(b, "apply", 0, NULL, &holder, &err), SP_ELOCKED);
	ck_assert_str_eq(holder.id, mine.id);
	ck_assert_int_eq(log_count(&gitlab, "POST /state/gl/lock 409"), 1);
	ck_assert_int_eq(bwrite(a, s1, &err), 0);
	snprintf(line, sizeof(line), "POST /state/gl?ID=%s 200", mine.id);
	ck_assert_int_eq(log_count(&gitlab, line), 1);
	ck_assert_int_eq(a->ops->unlock(a, mine.id, &err), 0);
	ck_assert_int_eq(log_count(&gitlab, "DELETE /state/gl/lock 200"), 1);
	ck_assert_int_eq(bread(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1);
	a->ops->close(a);
	b->ops->close(b);
	sp_state_free(s1);
	sp_state_free(got);
}
END_TEST

Suite *suite_httpbackend(void)
{
	Suite *s = suite_create("httpbackend");
	TCase *tc = tcase_create("http");
	TCase *gl = tcase_create("http-gitlab");

	tcase_add_unchecked_fixture(tc, plain_start, plain_stop);
	tcase_add_checked_fixture(tc, plain_reset, NULL);
	tcase_add_test(tc, test_http_roundtrip);
	tcase_add_test(tc, test_http_write_rules);
	tcase_add_test(tc, test_http_not_a_state);
	tcase_add_test(tc, test_http_lock_contention_423);
	tcase_add_test(tc, test_http_lock_contention_409);
	tcase_add_test(tc, test_http_lock_wait);
	tcase_add_test(tc, test_http_foreign_holder);
	tcase_add_test(tc, test_http_force_unlock);
	tcase_add_test(tc, test_http_wrong_lock_id);
	tcase_add_test(tc, test_http_no_lock_address);
	tcase_add_test(tc, test_http_record);
	tcase_add_test(tc, test_http_begin_checks);
	tcase_add_test(tc, test_http_500_then_ok);
	tcase_add_test(tc, test_http_500_always);
	tcase_add_test(tc, test_http_slow_timeout);
	tcase_add_test(tc, test_http_connection_closed);
	tcase_add_test(tc, test_http_server_down);
	tcase_add_test(tc, test_http_open_settings);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(gl, gitlab_start, gitlab_stop);
	tcase_add_checked_fixture(gl, gitlab_reset, NULL);
	tcase_add_test(gl, test_http_auth);
	tcase_add_test(gl, test_http_gitlab_layout);
	suite_add_tcase(s, gl);
	return s;
}
