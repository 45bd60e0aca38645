/* Servers the unit tests start on loopback (docs: tests/servers/): the
 * failing-on-demand stand-in tests/servers/faulty.py and json-server, each
 * in a scratch folder, stopped by its PID. Start them in an unchecked
 * fixture (the parent process) so every test of the case finds them. */
#ifndef SP_TEST_SERVERS_H
#define SP_TEST_SERVERS_H
#include <stddef.h>
#include <sys/types.h>

struct sp_test_server {
	pid_t pid;                  /* 0: not running */
	int port;
	char dir[64];               /* the scratch folder (removed by sp_ts_stop) */
	char url[64];               /* http://127.0.0.1:PORT */
	char log[128];              /* faulty.py's request log (one JSON line a request) */
	char why[1024];              /* why it did not start */
};

/* Starts faulty.py (passing unfaulted requests to upstream when not NULL).
 * 0, or -1 with s->why. */
int sp_ts_faulty_start(struct sp_test_server *s, const char *upstream);
/* Starts json-server ($SP_JSON_SERVER, else $SP_SRCDIR/.deps/...) over a
 * db.json with the given text, on a free port. 0, or -1 with s->why. */
int sp_ts_json_server_start(struct sp_test_server *s, const char *db_json);
/* Stops it (TERM, then KILL), reaps it and removes its folder. */
void sp_ts_stop(struct sp_test_server *s);
/* Replaces faulty.py's fault rules (a JSON array) and empties its log. 0 or -1. */
int sp_ts_faults(struct sp_test_server *s, const char *rules);
/* How many requests the log holds, and how many of its lines contain needle. */
size_t sp_ts_log_count(const struct sp_test_server *s, const char *needle);
/* Milliseconds on the monotonic clock. */
long sp_ts_now_ms(void);

#endif
