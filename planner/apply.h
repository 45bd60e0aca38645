/* Applying a diff: every change becomes one or two operations (a replace is a
 * delete then a create: one address cannot exist twice), ordered by the
 * dependencies: creates and updates after what they depend on, deletes before
 * what they depended on goes. Independent operations run in parallel. Each
 * completed operation is recorded in the state at once (the backend's
 * journal), so a failure or a kill at any point leaves state that matches
 * what was done, and running apply again converges. */
#ifndef SP_APPLY_H
#define SP_APPLY_H
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "planner/diff.h"
#include "providers/provider.h"
#include "providers/state.h"

enum sp_op_status { SP_OP_PENDING, SP_OP_DONE, SP_OP_FAILED, SP_OP_SKIPPED };

struct sp_op {
	const struct sp_change *change;
	int is_delete;              /* the delete half (delete, or the first half of a replace) */
	enum sp_op_status status;
	char error[1024];           /* why it failed, or which failure it was skipped for */
	/* scheduling (private) */
	size_t *succ, nsucc, cap;
	size_t indeg;
};

struct sp_apply {
	struct sp_backend *backend;        /* locked by the caller */
	struct sp_provider *provider;
	struct sp_state *state;            /* as read under the lock; updated in place */
	const struct sp_diff *diff;
	int parallelism;                   /* >= 1 */
	int verify_before;                 /* check the provider still holds each change's "before" */
	FILE *log;                         /* one line per started and finished operation; NULL: quiet */
	/* when non-NULL and it becomes non-zero (a signal): nothing new starts,
	 * what is in flight finishes and is recorded; the rest is skipped */
	volatile sig_atomic_t *stop;
	/* when non-NULL, called for each operation as it is reported (logged
	 * done or failed), under the engine's lock: a done operation is in the
	 * state's journal by then */
	void (*reported)(void *ctx, const struct sp_op *op);
	void *reported_ctx;
	/* results */
	struct sp_op *ops;
	size_t nops;
	size_t done, failed, skipped;
	int interrupted;                   /* stopped by *stop */
};

/* Runs the operations. Returns 0 when every operation succeeded, -1
 * otherwise (the ops array tells which failed and which were skipped); a
 * state that could not be recorded stops the apply (nothing more starts).
 * The state's resources are left sorted and matching the recorded journal. */
int sp_apply_run(struct sp_apply *ap);
/* Frees the operations (ap->ops); the backend, provider, state and diff are
 * the caller's. */
void sp_apply_free(struct sp_apply *ap);

#endif
