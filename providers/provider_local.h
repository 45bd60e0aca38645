/* The local provider, the embedded default (docs/providers.md, "Local
 * provider"): each resource is one JSON file in a folder, so plan and apply
 * work with no cloud account, and a hand edit of a file is drift. */
#ifndef SP_PROVIDER_LOCAL_H
#define SP_PROVIDER_LOCAL_H

#include "lib/err.h"
#include "providers/provider.h"

/* Opens the provider on dir (like ".scaleplan/infra"); the folder is created
 * (with its parents) by the first create. Resource <address> lives in
 * "<dir>/<address>.json", brackets kept: "service.web-api[us-east-1].json".
 *   list    every "*.json" in dir (not hidden files), sorted by address; a
 *           missing dir is an empty list
 *   read    SP_ENOTFOUND when the file does not exist
 *   create  SP_EINVAL when the file exists already
 *   update  SP_ENOTFOUND when it does not exist; before and after must have
 *           the same address
 *   remove  SP_ENOTFOUND when it does not exist
 * Writes are atomic (temporary file, fsync, rename or link, fsync of dir).
 * While p->deferred is set (apply's group commit), create and update write
 * the temporary file only, remove skips the folder's fsync, and sync
 * publishes them: one syncfs(2), the renames, one fsync of dir (see
 * docs/providers.md, "Writes are atomic"). A
 * file that is not valid JSON, not a resource, or holds another address than
 * its name says is SP_EINVAL naming the file (err->file, with line and column
 * for JSON syntax). Other errors name the resource's address in err->file.
 *
 * Fault injection, for tests: SCALEPLAN_FAULT_AT=N makes the Nth create,
 * update or remove of this process fail with SP_EIO before it touches the
 * disk; with SCALEPLAN_FAULT_KIND=crash that operation calls _exit(137)
 * instead, as if the process were killed. A value of SCALEPLAN_FAULT_AT that
 * is not a positive integer makes every write fail with SP_EINVAL.
 *
 * Latency, for tests of locking and parallelism: SCALEPLAN_LOCAL_LATENCY_MS=N
 * makes every create, update and remove wait N milliseconds first (0 to
 * 60000), as a remote provider's call would; another value makes every
 * write fail with SP_EINVAL. */
int sp_provider_local_open(struct sp_provider **out, const char *dir, struct sp_err *err);

/* Restarts the operation count SCALEPLAN_FAULT_AT refers to (tests that run
 * in one process, CK_FORK=no). */
void sp_provider_local_fault_reset(void);

#endif
