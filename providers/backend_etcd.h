/* The etcd state backend (docs/providers.md, "The etcd state backend"): the
 * state in an etcd v3 cluster, one key per resource, reached through its
 * JSON gateway (providers/etcd.h).
 *
 * Keys, under PREFIX/ (the spec's `prefix`, default scaleplan/<name>):
 *   head               the state's header (format, lineage, serial, cost,
 *                      the checksum and count of the keys below, the ID of
 *                      the last write, and the "pending" mark of a write
 *                      that spans several transactions); small
 *   r/<address>        one resource (the state's record of it, compact JSON)
 *   removed/<address>  one address 'state rm' took out of management
 *   lock               who holds the lock, attached to a lease of lock_ttl_s
 *
 * Every write is a transaction that compares the head's revision and the
 * lock's lease, so two writers never both succeed, and a writer whose lease
 * expired can no longer write (fencing).
 *
 * read:   the committed state as one snapshot (SP_ECORRUPT when the keys do
 *         not match the head's checksum, or a key is not one scaleplan
 *         writes; SP_EIO when no member answers).
 * write, write_force, lock, unlock, record, begin: as the local backend's
 *         (backend_local.h), with etcd's transactions in place of files.
 * read_recovery: SP_READ_BACKUP the committed state before the last write
 *         (etcd's history, until it is compacted); SP_READ_NO_JOURNAL the
 *         keys as they are now, ignoring a pending write and the checksum.
 * close:  stops renewing the lease and releases a lock still held. */
#ifndef SP_BACKEND_ETCD_H
#define SP_BACKEND_ETCD_H

#include "lib/err.h"
#include "model/spec.h"
#include "providers/state.h"

/* Opens the backend the settings c name (backend: etcd): endpoints, prefix,
 * lock_ttl_s, and the connection settings with the credentials of the
 * environment (SCALEPLAN_ETCD_USERNAME, _PASSWORD, _CACERT, _CERT, _KEY).
 * Nothing is sent until the first call. 0, or SP_EINVAL with err set. */
int sp_backend_etcd_open(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err);

#endif
