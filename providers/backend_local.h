/* The local state backend (docs/providers.md, "Local state backend"): the
 * state in one JSON file, written atomically with one backup beside it, a
 * journal of recorded operations, and a flock(2) lock in "<state_path>.lock"
 * that records its holder. */
#ifndef SP_BACKEND_LOCAL_H
#define SP_BACKEND_LOCAL_H

#include "lib/err.h"
#include "providers/state.h"

/* Opens the backend for state_path (like ".scaleplan/state.json"); nothing is
 * read or created until the first call. Files used:
 *   <state_path>          the state (missing: read gives an empty state)
 *   <state_path>.backup   the state file as it was before it was last replaced
 *   <state_path>.lock     the lock; its content is the holder's information
 *   <state_path>.journal  operations recorded since the state file was written
 * The stored state is the state file with the journal replayed over it.
 * read:   the stored state; SP_EINVAL for a state file or journal that cannot
 *         be decoded (never replaced silently), SP_ETOOBIG over 256 MiB, SP_EIO.
 * write:  SP_ESTALE for a serial below the stored one, or the stored serial
 *         with different content; SP_EINVAL for another lineage than the
 *         stored one (any lineage is fine when no state is stored yet) or an
 *         unreadable stored state; SP_ELOCKED when another holder has the lock
 *         (a write takes it for its own duration if this backend does not
 *         hold it). Writing the stored serial with the same content is a
 *         no-op that leaves the backup alone, unless a journal is pending:
 *         then the file is rewritten. Whenever the state file is replaced, the
 *         old file becomes the backup; the journal is then removed.
 * write_force: the same without any check against the stored state (its
 *         lineage, its serial, even whether it can be read): the file is
 *         replaced, the old one kept as the backup, the journal removed.
 * record: appends one journal line and syncs it (see state.h); SP_EINVAL
 *         unless this backend holds the lock, SP_ESTALE when s is not the
 *         stored state (its serial or lineage differ), SP_EIO (the line is
 *         then taken back, and s is unchanged).
 * lock:   timeout_ms 0 (or negative) tries once; otherwise retries with
 *         exponential backoff (50 ms doubling to 1 s, with jitter) until
 *         timeout_ms has passed; then SP_ELOCKED with *holder filled (mine and
 *         holder may be NULL; on success *holder is cleared). A backend that
 *         already holds the lock gets SP_EINVAL. Lock IDs are UUIDs. Taking
 *         the lock removes the temporary files killed writers left.
 * unlock: with the ID of the lock this backend holds, releases it. With
 *         another ID (scaleplan state unlock ID) it clears a recorded holder
 *         whose process is gone, SP_ENOTFOUND when nothing is recorded,
 *         SP_EINVAL when the ID is not the recorded one, and SP_ELOCKED when
 *         a live process holds the lock: such a lock ends with its process.
 * close:  releases a lock still held. */
int sp_backend_local_open(struct sp_backend **out, const char *state_path, struct sp_err *err);

#endif
