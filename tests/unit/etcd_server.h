/* A real etcd for the unit tests of the etcd client and backend: one member
 * on loopback ports picked free, in a scratch folder, started by the test
 * and stopped by its PID (and killed with the test runner, whatever way it
 * ends: the member is started with PR_SET_PDEATHSIG). */
#ifndef SP_TEST_ETCD_SERVER_H
#define SP_TEST_ETCD_SERVER_H
#include <sys/types.h>

#include "lib/arena.h"
#include "providers/state.h"

struct etcd_server {
	pid_t pid;
	char dir[64];               /* scratch folder: data, log */
	char url[64];               /* http://127.0.0.1:PORT (https:// with TLS) */
	char client_cert[128], client_key[128];  /* TLS: the client's certificate and key */
};

/* Starts a member (extra: more etcd flags, or NULL) and waits until it
 * answers (30 s at most); fails the test otherwise. */
void etcd_server_start(struct etcd_server *s, const char *const *extra);
/* The same over TLS with client certificates: certs holds ca.pem,
 * server.pem, server.key, client.pem and client.key (etcd_make_certs). */
void etcd_server_start_tls(struct etcd_server *s, const char *certs);
/* Makes a CA and the server's (127.0.0.1) and a client's certificates in
 * dir, with openssl; fails the test otherwise. */
void etcd_make_certs(const char *dir);
/* Stops it (TERM, then KILL after 5 s), reaps it and removes its folder. */
void etcd_server_stop(struct etcd_server *s);
/* Runs etcdctl against s with the words of argv (NULL-terminated) and, when
 * input is not NULL, that on its standard input; its exit status. */
int etcd_server_ctl(const struct etcd_server *s, const char *input, const char *const *argv);

/* A TCP port on 127.0.0.1 that was free a moment ago (for a dead endpoint). */
int etcd_free_port(void);

/* The etcd backend on the endpoints urls (n of them), prefix, lock TTL; or
 * fails the test. */
struct sp_backend *etcd_backend(const char *const *urls, size_t n, const char *prefix, int ttl);

#endif
