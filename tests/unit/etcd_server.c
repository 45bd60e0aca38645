/* A real etcd member for the unit tests (etcd_server.h). */
#include "tests/unit/etcd_server.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/spec.h"
#include "providers/backend_etcd.h"
#include "providers/etcd.h"

int etcd_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void start(struct etcd_server *s, const char *const *extra, const char *tls)
{
	char client[64], peer[64], cluster[96], data[96], log[96], cert[128], key[128], ca[128];
	char *argv[40];
	int cp = etcd_free_port(), pp, n = 0;

	do
		pp = etcd_free_port();
	while (pp == cp);
	memset(s, 0, sizeof(*s));
	if (tls) {
		snprintf(s->client_cert, sizeof(s->client_cert), "%s/client.pem", tls);
		snprintf(s->client_key, sizeof(s->client_key), "%s/client.key", tls);
	}
	snprintf(s->dir, sizeof(s->dir), "/tmp/sp-check-etcd.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", tls ? "https" : "http", cp);
	snprintf(client, sizeof(client), "%s", s->url);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", pp);
	snprintf(cluster, sizeof(cluster), "m1=%s", peer);
	snprintf(data, sizeof(data), "%s/m1", s->dir);
	snprintf(log, sizeof(log), "%s/etcd.log", s->dir);
	argv[n++] = "etcd";
	argv[n++] = "--name";
	argv[n++] = "m1";
	argv[n++] = "--data-dir";
	argv[n++] = data;
	argv[n++] = "--listen-client-urls";
	argv[n++] = client;
	argv[n++] = "--advertise-client-urls";
	argv[n++] = client;
	argv[n++] = "--listen-peer-urls";
	argv[n++] = peer;
	argv[n++] = "--initial-advertise-peer-urls";
	argv[n++] = peer;
	argv[n++] = "--initial-cluster";
	argv[n++] = cluster;
	argv[n++] = "--heartbeat-interval";
	argv[n++] = "50";
	argv[n++] = "--election-timeout";
	argv[n++] = "500";
	if (tls) {
		/* https, and a client certificate the CA signed is required */
		snprintf(cert, sizeof(cert), "%s/server.pem", tls);
		snprintf(key, sizeof(key), "%s/server.key", tls);
		snprintf(ca, sizeof(ca), "%s/ca.pem", tls);
		argv[n++] = strdup("--cert-file");
		argv[n++] = strdup(cert);
		argv[n++] = strdup("--key-file");
		argv[n++] = strdup(key);
		argv[n++] = strdup("--trusted-ca-file");
		argv[n++] = strdup(ca);
		argv[n++] = strdup("--client-cert-auth");
	}
	for (size_t i = 0; extra && extra[i] && n < 38; i++)
		argv[n++] = strdup(extra[i]);
	argv[n] = NULL;
	pid_t parent = getpid();
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid > 0)
		for (int i = 19; i < n; i++)
			free(argv[i]);
	if (s->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		/* the member ends with the test runner, however the runner ends */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp("etcd", argv);
		_exit(127);
	}
	/* answering: a range succeeds */
	const char *eps[1] = { s->url };
	struct sp_etcd_opts o;
	struct sp_err err;
	memset(&o, 0, sizeof(o));
	o.endpoints = eps;
	o.nendpoints = 1;
	o.rounds = 1;
	o.http.timeout_ms = 1000;
	o.http.connect_timeout_ms = 500;
	o.where = "test etcd";
	if (tls) {
		o.http.ca_file = ca;
		o.http.cert_file = s->client_cert;
		o.http.key_file = s->client_key;
	}
	struct sp_etcd *c = sp_etcd_new(&o, &err);
	ck_assert_ptr_nonnull(c);
	for (int i = 0;; i++) {
		struct sp_arena a;
		struct sp_etcd_kvs kvs;
		int rc;
		sp_arena_init(&a);
		memset(&kvs, 0, sizeof(kvs));
		rc = sp_etcd_range(c, "x", 1, NULL, 0, 0, 0, &kvs, &a, &err);
		free(kvs.v);
		sp_arena_free(&a);
		if (rc == 0)
			break;
		int st;
		ck_assert_msg(waitpid(s->pid, &st, WNOHANG) == 0, "etcd exited at start; see %s", log);
		ck_assert_msg(i < 300, "etcd did not answer within 30 s: %s", err.msg);
		sleep_ms(100);
	}
	sp_etcd_free(c);
}

void etcd_server_start(struct etcd_server *s, const char *const *extra)
{
	start(s, extra, NULL);
}

void etcd_server_start_tls(struct etcd_server *s, const char *certs)
{
	start(s, NULL, certs);
}

void etcd_make_certs(const char *dir)
{
	/* a CA, a server certificate for 127.0.0.1 and a client certificate,
	 * all EC P-256 (quick to make), valid for a day */
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec >openssl.log 2>&1 && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem "
		 "-days 1 -subj /CN=sp-test-ca && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr "
		 "-subj /CN=127.0.0.1 && printf 'subjectAltName=IP:127.0.0.1\\n' >san.ext && "
		 "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 "
		 "-extfile san.ext && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr "
		 "-subj /CN=scaleplan && "
		 "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1",
		 dir);
	ck_assert_msg(system(cmd) == 0, "openssl could not make the test certificates (see %s/openssl.log)", dir);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void etcd_server_stop(struct etcd_server *s)
{
	int st;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 50 && waitpid(s->pid, &st, WNOHANG) == 0; i++)
			sleep_ms(100);
		if (kill(s->pid, SIGKILL) == 0)
			waitpid(s->pid, &st, 0);
		s->pid = 0;
	}
	if (s->dir[0])
		nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}

int etcd_server_ctl(const struct etcd_server *s, const char *input, const char *const *argv)
{
	char ep[96];
	char *args[32];
	int in[2], n = 0, st;
	pid_t pid;

	snprintf(ep, sizeof(ep), "--endpoints=%s", s->url);
	args[n++] = "etcdctl";
	args[n++] = ep;
	for (size_t i = 0; argv[i] && n < 31; i++)
		args[n++] = strdup(argv[i]);
	args[n] = NULL;
	ck_assert_int_eq(pipe(in), 0);
	pid = fork();
	if (pid != 0)
		for (int i = 2; i < n; i++)
			free(args[i]);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char log[96];
		snprintf(log, sizeof(log), "%s/etcdctl.log", s->dir);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(in[0], 0);
		close(in[1]);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		setenv("ETCDCTL_API", "3", 1);
		execvp("etcdctl", args);
		_exit(127);
	}
	close(in[0]);
	if (input && write(in[1], input, strlen(input)) < 0)
		ck_abort_msg("cannot write to etcdctl");
	close(in[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct sp_backend *etcd_backend(const char *const *urls, size_t n, const char *prefix, int ttl)
{
	struct sp_arena a;          /* the settings' strings: the backend copies what it keeps */
	struct sp_state_cfg c;
	struct sp_backend *b = NULL;
	struct sp_err err;

	sp_arena_init(&a);
	sp_state_cfg_init(&c, NULL, &a);
	c.backend = "etcd";
	c.endpoints = SP_NEWN(&a, const char *, n);
	for (size_t i = 0; i < n; i++)
		c.endpoints[i] = sp_arena_strdup(&a, urls[i]);
	c.nendpoints = n;
	c.prefix = sp_arena_strdup(&a, prefix);
	c.lock_ttl_s = ttl;
	c.remote.retry_max = 3;
	sp_err_clear(&err);
	ck_assert_msg(sp_backend_etcd_open(&b, &c, &err) == 0, "open: %s", err.msg);
	sp_arena_free(&a);
	ck_assert_str_eq(b->ops->kind, "etcd");
	return b;
}
