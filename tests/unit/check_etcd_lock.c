/* The etcd backend's lock (a key on a lease, kept alive while its holder
 * runs) and its credentials, against a real etcd each test case starts:
 * contention with who holds it, the lease outliving its TTL while the holder
 * lives and expiring after a kill -9, --lock-timeout, unlocking another's
 * lock and the fencing that follows, user/password auth with the password
 * never in a message, and TLS with a client certificate (openssl makes the
 * CA and the certificates). */
#include <check.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "providers/state.h"
#include "providers/uuid.h"
#include "tests/unit/etcd_server.h"
#include "tests/unit/state_fixtures.h"

Suite *suite_etcd_lock(void);

static struct etcd_server srv, asrv, tsrv;
static char certs[64];

static void srv_start(void)
{
	etcd_server_start(&srv, NULL);
}

static void srv_stop(void)
{
	etcd_server_stop(&srv);
}

static const char *prefix(const char *name)
{
	static char buf[48];
	snprintf(buf, sizeof(buf), "t/%s/%ld", name, (long)getpid());
	return buf;
}

static struct sp_backend *open_at(struct etcd_server *s, const char *name, int ttl)
{
	const char *urls[1] = { s->url };
	return etcd_backend(urls, 1, prefix(name), ttl);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A child process that takes the lock of `name` for "apply", says so on
 * the pipe, and holds it until it is killed (hold_ms < 0) or for hold_ms,
 * then ends normally (closing the backend releases the lock). */
static pid_t holder_child(const char *name, int ttl, long hold_ms)
{
	const char *urls[1] = { srv.url };
	char pfx[48];
	int fds[2];
	char c;
	pid_t pid;

	snprintf(pfx, sizeof(pfx), "%s", prefix(name));
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sp_backend *b = etcd_backend(urls, 1, pfx, ttl);
		struct sp_lock_info mine, other;
		struct sp_err err;
		close(fds[0]);
		if (b->ops->lock(b, "apply", 0, &mine, &other, &err) < 0)
			_exit(3);
		if (write(fds[1], "L", 1) != 1)
			_exit(4);
		if (hold_ms < 0)
			for (;;)
				pause();
		struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		b->ops->close(b);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

START_TEST(test_etcd_lock_contention_and_expiry)
{
	struct sp_backend *b = open_at(&srv, "expiry", 2);
	struct sp_lock_info mine, other;
	struct sp_err err;
	pid_t pid = holder_child("expiry", 2, -1);
	long t0;
	int st;

	/* who holds it, in the message and in *holder */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, &mine, &other, &err), SP_ELOCKED);
	ck_assert_int_eq(other.pid, pid);
	ck_assert_str_eq(other.operation, "apply");
	ck_assert(sp_uuid_valid(other.id));
	ck_assert_ptr_nonnull(strstr(other.who, "@"));
	ck_assert_ptr_nonnull(strstr(err.msg, other.id));
	ck_assert_ptr_nonnull(strstr(err.msg, "2 s after its holder stops renewing it"));
	ck_assert_str_eq(err.file, b->where);
	/* a live holder keeps it well past the TTL: its lease is renewed */
	sleep(5);
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, &mine, &other, &err), SP_ELOCKED);
	ck_assert_int_eq(other.pid, pid);
	/* killed: the lock goes with the lease, after the TTL, with no unlock */
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	t0 = now_ms();
	ck_assert_msg(b->ops->lock(b, "apply", 15000, &mine, &other, &err) == 0, "lock: %s", err.msg);
	ck_assert_int_lt(now_ms() - t0, 2000 + 4000);
	ck_assert_int_eq(mine.pid, getpid());
	ck_assert_str_eq(mine.operation, "apply");
	ck_assert_str_eq(other.id, "");
	/* a second lock by the same backend is refused */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, &mine, &other, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "already holds"));
	b->ops->close(b);
}
END_TEST

START_TEST(test_etcd_lock_timeout)
{
	struct sp_backend *b = open_at(&srv, "wait", 60);
	struct sp_lock_info mine, other;
	struct sp_err err;
	pid_t pid = holder_child("wait", 60, 2500);
	long t0 = now_ms();
	int st;

	/* gives up after the timeout, saying how long it waited */
	ck_assert_int_eq(b->ops->lock(b, "apply", 700, &mine, &other, &err), SP_ELOCKED);
	ck_assert_int_ge(now_ms() - t0, 700);
	ck_assert_ptr_nonnull(strstr(err.msg, "gave up after waiting "));
	ck_assert_int_eq(other.pid, pid);
	/* waits for a holder that finishes */
	ck_assert_msg(b->ops->lock(b, "apply", 20000, &mine, &other, &err) == 0, "lock: %s", err.msg);
	ck_assert_int_lt(now_ms() - t0, 10000);
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	b->ops->close(b);
}
END_TEST

/* state unlock ID of another's lock: it goes, and its holder can no longer
 * write (every write compares the lock's lease). */
START_TEST(test_etcd_unlock_other)
{
	struct sp_backend *a = open_at(&srv, "unlock", 60), *b = open_at(&srv, "unlock", 60);
	struct sp_lock_info amine, bmine, other;
	struct sp_state *st = NULL;
	struct sp_err err;

	ck_assert_int_eq(b->ops->unlock(b, "whatever", &err), SP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "not locked"));
	ck_assert_int_eq(a->ops->lock(a, "apply", 0, &amine, &other, &err), 0);
	ck_assert_int_eq(a->ops->read(a, &st, &err), 0);
	ck_assert_int_eq(a->ops->begin(a, st, &err), 0);
	ck_assert_int_eq(b->ops->unlock(b, "5f1c0c39-2b7e-4a46-9d7a-0b6b0f3f9c1e", &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "not the recorded one"));
	ck_assert_int_eq(b->ops->unlock(b, amine.id, &err), 0);
	ck_assert_int_eq(b->ops->lock(b, "state rm", 0, &bmine, &other, &err), 0);
	struct sp_resource r = mkres(&st->arena, "service", "x", "us");
	ck_assert_int_eq(a->ops->record(a, st, r.address, &r, &err), SP_ELOCKED);
	ck_assert_ptr_nonnull(strstr(err.msg, "no longer holds the lock"));
	ck_assert_int_eq(b->ops->unlock(b, bmine.id, &err), 0);
	ck_assert_int_eq(b->ops->unlock(b, bmine.id, &err), SP_ENOTFOUND);
	sp_state_free(st);
	a->ops->close(a);
	b->ops->close(b);
}
END_TEST

/* ---- credentials ------------------------------------------------------------------------------- */

#define PASSWORD "pw-Zq81-not-in-messages"

static void asrv_start(void)
{
	const char *extra[] = { "--auth-token-ttl", "1", NULL };
	const char *add[] = { "user", "add", "root", "--interactive=false", "--new-user-password=" PASSWORD, NULL };
	const char *enable[] = { "auth", "enable", NULL };

	etcd_server_start(&asrv, extra);
	ck_assert_int_eq(etcd_server_ctl(&asrv, NULL, add), 0);
	ck_assert_int_eq(etcd_server_ctl(&asrv, NULL, enable), 0);
}

static void asrv_stop(void)
{
	etcd_server_stop(&asrv);
}

static void no_secret(const struct sp_err *err)
{
	ck_assert_ptr_null(strstr(err->msg, PASSWORD));
	ck_assert_ptr_null(strstr(err->file, PASSWORD));
}

START_TEST(test_etcd_auth)
{
	struct sp_backend *b;
	struct sp_state *s1 = state_with(1, 3), *got = NULL;
	struct sp_lock_info mine, other;
	struct sp_err err;

	/* no credentials: etcd's refusal */
	b = open_at(&asrv, "auth", 60);
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "user name is empty"));
	b->ops->close(b);
	/* a wrong password: named by the user, never the password */
	setenv("SCALEPLAN_ETCD_USERNAME", "root", 1);
	setenv("SCALEPLAN_ETCD_PASSWORD", PASSWORD "-wrong", 1);
	b = open_at(&asrv, "auth", 60);
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused the credentials of user 'root'"));
	no_secret(&err);
	b->ops->close(b);
	/* the right one: reads, locks and writes; the token is renewed when it expires */
	setenv("SCALEPLAN_ETCD_PASSWORD", PASSWORD, 1);
	b = open_at(&asrv, "auth", 60);
	ck_assert_msg(b->ops->write(b, s1, &err) == 0, "write: %s", err.msg);
	sleep(3);
	ck_assert_msg(b->ops->read(b, &got, &err) == 0, "read after the token expired: %s", err.msg);
	ck_assert_uint_eq(got->serial, 1);
	sp_state_free(got);
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, &mine, &other, &err), 0);
	ck_assert_ptr_null(strstr(b->where, PASSWORD));
	sleep(3);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_int_eq(b->ops->write(b, got, &err), 0);
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), 0);
	sp_state_free(got);
	b->ops->close(b);
	unsetenv("SCALEPLAN_ETCD_USERNAME");
	unsetenv("SCALEPLAN_ETCD_PASSWORD");
	sp_state_free(s1);
}
END_TEST

/* ---- TLS with client certificates --------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tsrv_start(void)
{
	snprintf(certs, sizeof(certs), "/tmp/sp-check-certs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certs));
	etcd_make_certs(certs);
	etcd_server_start_tls(&tsrv, certs);
}

static void tsrv_stop(void)
{
	etcd_server_stop(&tsrv);
	if (certs[0])
		nftw(certs, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

START_TEST(test_etcd_tls)
{
	struct sp_backend *b;
	struct sp_state *s1 = state_with(1, 3), *got = NULL;
	struct sp_lock_info mine, other;
	struct sp_err err;
	char ca[128];

	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	/* the CA and the client's certificate from the environment */
	setenv("SCALEPLAN_ETCD_CACERT", ca, 1);
	setenv("SCALEPLAN_ETCD_CERT", tsrv.client_cert, 1);
	setenv("SCALEPLAN_ETCD_KEY", tsrv.client_key, 1);
	b = open_at(&tsrv, "tls", 60);
	ck_assert_msg(b->ops->write(b, s1, &err) == 0, "write over TLS: %s", err.msg);
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, &mine, &other, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 1);
	sp_state_free(got);
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), 0);
	b->ops->close(b);
	/* without the client's certificate: refused, the member named */
	unsetenv("SCALEPLAN_ETCD_CERT");
	unsetenv("SCALEPLAN_ETCD_KEY");
	b = open_at(&tsrv, "tls", 60);
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, tsrv.url));
	b->ops->close(b);
	/* without the CA: the member's certificate is not trusted */
	unsetenv("SCALEPLAN_ETCD_CACERT");
	setenv("SCALEPLAN_ETCD_CERT", tsrv.client_cert, 1);
	setenv("SCALEPLAN_ETCD_KEY", tsrv.client_key, 1);
	b = open_at(&tsrv, "tls", 60);
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EIO);
	ck_assert_msg(strstr(err.msg, "certificate") || strstr(err.msg, "SSL"), "%s", err.msg);
	b->ops->close(b);
	unsetenv("SCALEPLAN_ETCD_CERT");
	unsetenv("SCALEPLAN_ETCD_KEY");
	sp_state_free(s1);
}
END_TEST

Suite *suite_etcd_lock(void)
{
	Suite *s = suite_create("etcd_lock");
	TCase *tc = tcase_create("lock");
	tcase_add_unchecked_fixture(tc, srv_start, srv_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_etcd_lock_contention_and_expiry);
	tcase_add_test(tc, test_etcd_lock_timeout);
	tcase_add_test(tc, test_etcd_unlock_other);
	suite_add_tcase(s, tc);
	tc = tcase_create("auth");
	tcase_add_unchecked_fixture(tc, asrv_start, asrv_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_etcd_auth);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls");
	tcase_add_unchecked_fixture(tc, tsrv_start, tsrv_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_etcd_tls);
	suite_add_tcase(s, tc);
	return s;
}
