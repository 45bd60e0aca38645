/* The HTTP state backend (docs/providers.md, "The HTTP backend"): the state
 * on a server that speaks the protocol of Terraform's `http` backend, as
 * GitLab, Gitea and others serve it:
 *
 *   GET    address                  the state (200); none yet: 204, 404 or an empty body
 *   POST   address[?ID=<lock id>]   the whole state as the body (update_method)
 *   LOCK   lock_address             the lock info JSON (ID, Operation, Info, Who, Version,
 *                                   Created, Path); 200 taken, 423 or 409 with the
 *                                   holder's lock info when it is held (lock_method)
 *   UNLOCK unlock_address           the lock info of the lock to release (unlock_method)
 *
 * Every request goes through providers/http.c: a timeout on each, retries
 * with backoff on connection errors, 429 and 5xx (all of these requests may
 * be sent twice: a state is sent whole, and a LOCK answered with our own ID
 * is ours). Basic auth comes from SCALEPLAN_HTTP_USERNAME and
 * SCALEPLAN_HTTP_PASSWORD, else TF_HTTP_USERNAME and TF_HTTP_PASSWORD, else
 * the spec's username and password (providers/where.h); no credential is
 * ever in a message. */
#ifndef SP_BACKEND_HTTP_H
#define SP_BACKEND_HTTP_H

#include "lib/err.h"
#include "model/spec.h"
#include "providers/state.h"

/* Opens the backend c names (c->backend "http"): nothing is sent until the
 * first call. b->where is "http ADDRESS" without credentials.
 * read:   the stored state, checked as a state file is (checksum, format);
 *         none stored gives an empty state. SP_EINVAL naming the address
 *         for a body that is not a scaleplan state, and for a 4xx answer
 *         (401 and 403: "the server refused the credentials"); SP_EIO when
 *         the server does not answer, or answers 5xx, after the retries.
 * write:  checks s against the stored state as the local backend does (SP_EINVAL
 *         another lineage, SP_ESTALE an older serial or the stored serial
 *         with other content; the same state is not sent again), then sends it
 *         whole, with ?ID=<lock id>. Takes the lock for its own duration when
 *         this backend does not hold it. SP_ELOCKED when the server refuses the
 *         write because the lock is not ours (409 or 423).
 * write_force: the same without the checks against the stored state.
 * lock:   LOCK with the lock info; while another holds it, retries with backoff
 *         (50 ms doubling to 1 s, jittered) until timeout_ms has passed, then
 *         SP_ELOCKED with *holder filled from the server's answer. Without a
 *         lock_address, SP_EINVAL: a command that changes the state always
 *         holds its lock.
 * unlock: with the held lock's ID, releases it; with another ID (state unlock
 *         ID), sends UNLOCK with that ID: SP_EINVAL when the server holds
 *         another lock (nothing changed), SP_ENOTFOUND when it holds none.
 * begin:  under the lock: the stored state must be s's serial and lineage
 *         (SP_ESTALE), and is sent back as it is, which proves the server
 *         takes writes with these credentials before the provider is changed.
 * record: the protocol has no journal: each operation is kept in memory as a
 *         journal line (providers/state_journal.h), and the state with them
 *         replayed is sent at most every 5 s (sp_backend_http_set_persist_ms)
 *         and by the write that ends the apply. An error sending it is
 *         returned (the operation stays recorded in memory).
 * read_recovery: SP_ENOTFOUND: the server holds one state; no backup, no journal.
 * close:  releases a lock still held (UNLOCK), wipes the credentials. */
int sp_backend_http_open(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err);

/* How long record waits at most before it sends the state with the
 * operations recorded since the last send: ms (0: after every operation). */
void sp_backend_http_set_persist_ms(struct sp_backend *b, long ms);

#endif
