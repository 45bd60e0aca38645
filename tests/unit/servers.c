/* Servers the unit tests start on loopback (servers.h). */
#include "tests/unit/servers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "providers/http.h"

long sp_ts_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int scratch(struct sp_test_server *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof s->dir, "/tmp/sp-check-srv.XXXXXX");
	if (!mkdtemp(s->dir)) {
		snprintf(s->why, sizeof s->why, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Starts argv in s->dir, its output in s->dir/server.out. */
static int spawn(struct sp_test_server *s, char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(s->why, sizeof s->why, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char out[128];
		int fd;
		snprintf(out, sizeof out, "%s/server.out", s->dir);
		if (chdir(s->dir) < 0 || (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	s->pid = pid;
	return 0;
}

/* Whether the server has died (reaped), with its output's last line in why. */
static int died(struct sp_test_server *s)
{
	int st;

	if (waitpid(s->pid, &st, WNOHANG) != s->pid)
		return 0;
	s->pid = 0;
	snprintf(s->why, sizeof s->why, "the server exited (status %d); see %s/server.out", st, s->dir);
	return 1;
}

int sp_ts_faulty_start(struct sp_test_server *s, const char *upstream)
{
	const char *src = getenv("SP_SRCDIR");
	char script[512], portfile[128], up[256];
	char *argv[12];
	int n = 0;

	if (scratch(s) < 0)
		return -1;
	snprintf(script, sizeof script, "%s/tests/servers/faulty.py", src ? src : ".");
	snprintf(portfile, sizeof portfile, "%s/port", s->dir);
	snprintf(s->log, sizeof s->log, "%s/requests.log", s->dir);
	argv[n++] = (char *)"python3";
	argv[n++] = script;
	argv[n++] = (char *)"serve";
	argv[n++] = (char *)"--port-file";
	argv[n++] = portfile;
	argv[n++] = (char *)"--log";
	argv[n++] = s->log;
	if (upstream) {
		argv[n++] = (char *)"--upstream";
		snprintf(up, sizeof up, "%s", upstream);
		argv[n++] = up;
	}
	argv[n] = NULL;
	if (spawn(s, argv) < 0)
		return -1;
	for (long end = sp_ts_now_ms() + 30000; sp_ts_now_ms() < end; nap(50)) {
		FILE *f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;
			fclose(f);
			if (ok) {
				snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
				return 0;
			}
		}
		if (died(s))
			return -1;
	}
	snprintf(s->why, sizeof s->why, "faulty.py did not start within 30 s (%s)", script);
	sp_ts_stop(s);
	return -1;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int sp_ts_json_server_start(struct sp_test_server *s, const char *db_json)
{
	const char *js = getenv("SP_JSON_SERVER"), *src = getenv("SP_SRCDIR");
	char jsbuf[512], db[128], port[16];
	FILE *f;

	if (scratch(s) < 0)
		return -1;
	if (js && *js)
		snprintf(jsbuf, sizeof jsbuf, "%s", js);
	else
		snprintf(jsbuf, sizeof jsbuf, "%s/.deps/node_modules/.bin/json-server", src ? src : ".");
	if (access(jsbuf, X_OK) < 0) {
		snprintf(s->why, sizeof s->why, "no json-server at %s (run 'make test-deps')", jsbuf);
		return -1;
	}
	snprintf(db, sizeof db, "%s/db.json", s->dir);
	if (!(f = fopen(db, "w")) || fputs(db_json, f) < 0 || fclose(f) != 0) {
		snprintf(s->why, sizeof s->why, "cannot write %s", db);
		return -1;
	}
	if ((s->port = free_port()) < 0) {
		snprintf(s->why, sizeof s->why, "no free port");
		return -1;
	}
	snprintf(port, sizeof port, "%d", s->port);
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
	char *argv[] = { jsbuf, (char *)"--host", (char *)"127.0.0.1", (char *)"--port", port, db, NULL };
	if (spawn(s, argv) < 0)
		return -1;
	/* it answers once its routes are up */
	struct sp_http_opts o = { .timeout_ms = 1000, .max_attempts = 1 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	struct sp_sb url = SP_SB_INIT;
	sp_sb_addf(&url, "%s/db", s->url);
	for (long end = sp_ts_now_ms() + 30000; c && sp_ts_now_ms() < end; nap(100)) {
		struct sp_http_resp resp;
		int rc = sp_http_request(c, "GET", url.buf, NULL, 0, NULL, NULL, 0, 0, &resp, &err);
		sp_http_resp_free(&resp);
		if (rc == 0) {
			sp_http_free(c);
			sp_sb_release(&url);
			return 0;
		}
		if (died(s))
			break;
	}
	sp_http_free(c);
	sp_sb_release(&url);
	if (s->pid) {
		snprintf(s->why, sizeof s->why, "json-server did not answer within 30 s; see %s/server.out", s->dir);
		sp_ts_stop(s);
	}
	return -1;
}

void sp_ts_stop(struct sp_test_server *s)
{
	if (s->pid > 0) {
		int st;
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 50 && waitpid(s->pid, &st, WNOHANG) == 0; i++)
			nap(100);
		if (kill(s->pid, 0) == 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
		}
		s->pid = 0;
	}
	if (s->dir[0])
		nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}

int sp_ts_faults(struct sp_test_server *s, const char *rules)
{
	struct sp_http_opts o = { .timeout_ms = 5000, .max_attempts = 1 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	struct sp_http_resp resp;
	struct sp_sb url = SP_SB_INIT;
	int rc;

	if (!c)
		return -1;
	sp_sb_addf(&url, "%s/_faulty/faults", s->url);
	rc = sp_http_request(c, "POST", url.buf, rules, strlen(rules), NULL, NULL, 0, 0, &resp, &err);
	if (rc < 0)
		fprintf(stderr, "faulty.py refused the rules %s: %s\n", rules, err.msg);
	sp_http_resp_free(&resp);
	sp_http_free(c);
	sp_sb_release(&url);
	if (rc == 0 && truncate(s->log, 0) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}

size_t sp_ts_log_count(const struct sp_test_server *s, const char *needle)
{
	struct sp_sb sb = SP_SB_INIT;
	size_t n = 0;

	if (sp_sb_read_file(&sb, s->log, 64 << 20) < 0) {
		sp_sb_release(&sb);
		return 0;
	}
	for (char *line = sb.buf, *nl; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		if (!needle || strstr(line, needle))
			n++;
	}
	sp_sb_release(&sb);
	return n;
}
