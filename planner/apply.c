/* Applying a diff in dependency order, in parallel (planner/apply.h).
 *
 * The operations form a DAG built in one pass over the changes with an
 * address index, so a 10,000-resource apply schedules in linear time. Worker
 * threads take ready operations lowest-address first (so one worker gives a
 * deterministic order) and call the provider without the lock. An operation
 * that returns joins the queue of operations to record; one worker at a time
 * (the recorder) takes the whole queue, makes the provider's writes durable
 * (its sync, when it has one) and records them in the state journal with one
 * sync (group commit), while the other workers go on. Only then is each
 * operation reported and what waits on it released. */
#include "planner/apply.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/xalloc.h"

struct run {
	struct sp_apply *ap;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t *heap, nheap;          /* ready operations, a min-heap of op indexes */
	size_t running, finished;
	int stop;                     /* the state could not be recorded: start nothing more */
	size_t *queue, nqueue;        /* returned, not yet recorded (op indexes, in order) */
	int recording;                /* a worker is recording a group (without the lock) */
	/* the state's resources during the apply: address -> slot */
	struct sp_hmap idx;
	struct sp_resource *res;
	char *alive;
	size_t nres, capres;
};

static void add_edge(struct sp_apply *ap, size_t from, size_t to)
{
	struct sp_op *o = &ap->ops[from];
	if (o->nsucc == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 4;
		o->succ = sp_xrealloc(o->succ, o->cap * sizeof(*o->succ));
	}
	o->succ[o->nsucc++] = to;
	ap->ops[to].indeg++;
}

static void heap_push(struct run *r, size_t v)
{
	size_t i = r->nheap++;
	while (i > 0 && r->heap[(i - 1) / 2] > v) {
		r->heap[i] = r->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->heap[i] = v;
}

static size_t heap_pop(struct run *r)
{
	size_t top = r->heap[0], v = r->heap[--r->nheap], i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= r->nheap)
			break;
		if (c + 1 < r->nheap && r->heap[c + 1] < r->heap[c])
			c++;
		if (r->heap[c] >= v)
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->nheap)
		r->heap[i] = v;
	return top;
}

/* Whether r depends on address. */
static int lists(const struct sp_resource *r, const char *address)
{
	for (size_t i = 0; i < r->ndeps; i++)
		if (!strcmp(r->depends_on[i], address))
			return 1;
	return 0;
}

/* ops in address order; a replace's delete half comes right before its create */
static void build_ops(struct sp_apply *ap, struct sp_hmap *create_op, struct sp_hmap *delete_op)
{
	const struct sp_diff *d = ap->diff;
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].action == SP_ACT_REPLACE ? 2 : d->v[i].action != SP_ACT_NOOP;
	ap->ops = sp_xcalloc(n ? n : 1, sizeof(*ap->ops));
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *c = &d->v[i];
		if (c->action == SP_ACT_NOOP)
			continue;
		if (c->action == SP_ACT_REPLACE || c->action == SP_ACT_DELETE) {
			ap->ops[ap->nops] = (struct sp_op){ .change = c, .is_delete = 1 };
			sp_hmap_put(delete_op, c->address, (uint32_t)ap->nops++, NULL);
		}
		if (c->action != SP_ACT_DELETE) {
			ap->ops[ap->nops] = (struct sp_op){ .change = c };
			sp_hmap_put(create_op, c->address, (uint32_t)ap->nops++, NULL);
		}
	}
	for (size_t k = 0; k < ap->nops; k++) {
		const struct sp_change *c = ap->ops[k].change;
		uint32_t j;
		if (!ap->ops[k].is_delete) {
			/* after what it depends on is created or updated */
			for (size_t e = 0; e < c->after->ndeps; e++)
				if (sp_hmap_get(create_op, c->after->depends_on[e], &j) == 0)
					add_edge(ap, j, k);
			/* a replace: the create half after the delete half */
			if (c->action == SP_ACT_REPLACE && sp_hmap_get(delete_op, c->address, &j) == 0)
				add_edge(ap, j, k);
		}
		/* what it depended on is deleted after it is deleted or updated away;
		 * an update that still depends on a replaced resource waits for the
		 * new one instead (the edge above: both would be a cycle) */
		if (c->before && (ap->ops[k].is_delete || c->action == SP_ACT_UPDATE))
			for (size_t e = 0; e < c->before->ndeps; e++) {
				const char *dep = c->before->depends_on[e];
				if (!ap->ops[k].is_delete && lists(c->after, dep) && sp_hmap_get(create_op, dep, &j) == 0)
					continue;
				if (sp_hmap_get(delete_op, dep, &j) == 0 && j != k)
					add_edge(ap, k, j);
			}
	}
}

/* Returns 0 when the operations can all be ordered; -1 with a cycle. */
static int check_acyclic(struct sp_apply *ap)
{
	size_t *indeg = sp_xmalloc((ap->nops + 1) * sizeof(*indeg)), *q = sp_xmalloc((ap->nops + 1) * sizeof(*q));
	size_t head = 0, tail = 0;
	for (size_t k = 0; k < ap->nops; k++)
		if ((indeg[k] = ap->ops[k].indeg) == 0)
			q[tail++] = k;
	while (head < tail) {
		const struct sp_op *o = &ap->ops[q[head++]];
		for (size_t e = 0; e < o->nsucc; e++)
			if (--indeg[o->succ[e]] == 0)
				q[tail++] = o->succ[e];
	}
	free(indeg);
	free(q);
	return tail == ap->nops ? 0 : -1;
}

static void skip_after(struct run *r, size_t k)
{
	/* everything that waits on k, transitively (iterative, no deep recursion) */
	struct sp_apply *ap = r->ap;
	size_t *stack = sp_xmalloc((ap->nops + 1) * sizeof(*stack)), sp = 0;
	stack[sp++] = k;
	while (sp) {
		const struct sp_op *o = &ap->ops[stack[--sp]];
		for (size_t e = 0; e < o->nsucc; e++) {
			struct sp_op *s = &ap->ops[o->succ[e]];
			if (s->status != SP_OP_PENDING)
				continue;
			s->status = SP_OP_SKIPPED;
			snprintf(s->error, sizeof(s->error), "waits on %s (%s)", o->change->address,
				 o->status == SP_OP_FAILED ? "failed" : "skipped");
			ap->skipped++;
			r->finished++;
			stack[sp++] = o->succ[e];
		}
	}
	free(stack);
}

static int same_attrs(const struct sp_resource *a, const struct sp_resource *b)
{
	if (a->nattrs != b->nattrs)
		return 0;
	for (size_t i = 0; i < a->nattrs; i++)
		if (strcmp(a->attrs[i].key, b->attrs[i].key) || !sp_attr_equal(&a->attrs[i], &b->attrs[i]))
			return 0;
	return 1;
}

/* The provider call for one operation; 0 or -1 with err filled. */
static int execute(struct sp_apply *ap, const struct sp_op *op, struct sp_err *err)
{
	const struct sp_change *c = op->change;
	struct sp_provider *p = ap->provider;

	if (ap->verify_before && c->before && (op->is_delete || c->action == SP_ACT_UPDATE)) {
		struct sp_arena a;
		struct sp_resource now;
		int rc;
		sp_arena_init(&a);
		rc = p->ops->read(p, c->address, &now, &a, err);
		if (rc == 0 && !same_attrs(&now, c->before))
			rc = sp_err_set(err, SP_ESTALE, c->address, 0, 0,
					"changed outside scaleplan since the plan was made; run plan again");
		else if (rc == SP_ENOTFOUND)
			rc = sp_err_set(err, SP_ESTALE, c->address, 0, 0,
					"no longer exists; it was deleted outside scaleplan since the plan was made");
		sp_arena_free(&a);
		if (rc < 0)
			return -1;
	}
	if (op->is_delete)
		return p->ops->remove(p, c->before, err) < 0 ? -1 : 0;
	if (c->action == SP_ACT_UPDATE)
		return p->ops->update(p, c->before, c->after, err) < 0 ? -1 : 0;
	return p->ops->create(p, c->after, err) < 0 ? -1 : 0;
}

static void res_set(struct run *r, const char *address, const struct sp_resource *now)
{
	uint32_t j;
	if (sp_hmap_get(&r->idx, address, &j) < 0) {
		if (!now)
			return;
		if (r->nres == r->capres) {
			r->capres = r->capres ? r->capres * 2 : 64;
			r->res = sp_xrealloc(r->res, r->capres * sizeof(*r->res));
			r->alive = sp_xrealloc(r->alive, r->capres);
		}
		j = (uint32_t)r->nres++;
		sp_hmap_put(&r->idx, address, j, NULL);
	}
	if (now)
		r->res[j] = *now;
	r->alive[j] = now != NULL;
}

static void log_finished(struct sp_apply *ap, const struct sp_op *op)
{
	const char *verb = op->is_delete ? "deleting" : op->change->action == SP_ACT_UPDATE ? "updating" : "creating";

	if (!ap->log)
		return;
	if (op->status == SP_OP_DONE)
		fprintf(ap->log, "%s: %s\n", op->change->address,
			op->is_delete ? "deleted" : op->change->action == SP_ACT_UPDATE ? "updated" : "created");
	else
		fprintf(ap->log, "%s: %s failed: %s\n", op->change->address, verb, op->error);
	fflush(ap->log);
}

/* An operation is over (done and recorded, or failed): report it, then
 * release what waits on it, or skip it. Under the lock. */
static void finish(struct run *r, size_t k)
{
	struct sp_apply *ap = r->ap;
	struct sp_op *op = &ap->ops[k];

	r->finished++;
	log_finished(ap, op);
	if (ap->reported)
		ap->reported(ap->reported_ctx, op);
	if (op->status == SP_OP_DONE) {
		for (size_t e = 0; e < op->nsucc; e++) {
			struct sp_op *s = &ap->ops[op->succ[e]];
			if (--s->indeg == 0 && s->status == SP_OP_PENDING)
				heap_push(r, op->succ[e]);
		}
	} else {
		skip_after(r, k);
	}
}

/* Runs the lowest ready operation; called and returns with the lock held. */
static void run_one(struct run *r)
{
	struct sp_apply *ap = r->ap;
	size_t k = heap_pop(r);
	struct sp_op *op = &ap->ops[k];
	struct sp_err err;
	int rc;

	r->running++;
	if (ap->log) {
		fprintf(ap->log, "%s: %s\n", op->change->address,
			op->is_delete ? "deleting" : op->change->action == SP_ACT_UPDATE ? "updating" : "creating");
		fflush(ap->log);
	}
	pthread_mutex_unlock(&r->mu);
	sp_err_clear(&err);
	rc = execute(ap, op, &err);
	pthread_mutex_lock(&r->mu);
	r->running--;
	if (rc == 0) {
		r->queue[r->nqueue++] = k; /* reported once recorded */
	} else {
		op->status = SP_OP_FAILED;
		snprintf(op->error, sizeof(op->error), "%s", err.msg);
		ap->failed++;
		finish(r, k);
	}
	pthread_cond_broadcast(&r->cv);
}

/* Records the queue as one group; called with the lock held, no other
 * recorder running and a non-empty queue; returns with the lock held. The
 * lock is released meanwhile, so the others go on running operations. */
static void record_group(struct run *r)
{
	struct sp_apply *ap = r->ap;
	struct sp_backend *b = ap->backend;
	size_t n = r->nqueue, nrec = 0;
	size_t *ks = sp_xmalloc(n * sizeof(*ks));
	struct sp_record *v = sp_xmalloc(n * sizeof(*v));
	struct sp_err serr;
	const char *why = NULL;

	memcpy(ks, r->queue, n * sizeof(*ks));
	r->nqueue = 0;
	r->recording = 1;
	pthread_mutex_unlock(&r->mu);

	sp_err_clear(&serr);
	for (size_t i = 0; i < n; i++) {
		const struct sp_op *op = &ap->ops[ks[i]];
		v[i].address = op->change->address;
		v[i].now = op->is_delete ? NULL : op->change->after;
	}
	/* the provider's writes are durable before the journal says they were done */
	if (ap->provider->deferred && ap->provider->ops->sync(ap->provider, &serr) < 0) {
		why = "sync";
	} else if (b->ops->record_many) {
		if (b->ops->record_many(b, ap->state, v, n, &serr) < 0)
			why = "record";
		else
			nrec = n;
	} else {
		for (; nrec < n; nrec++)
			if (b->ops->record(b, ap->state, v[nrec].address, v[nrec].now, &serr) < 0) {
				why = "record";
				break;
			}
	}

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < n; i++) {
		struct sp_op *op = &ap->ops[ks[i]];
		if (i < nrec) {
			res_set(r, op->change->address, v[i].now);
			op->status = SP_OP_DONE;
			ap->done++;
		} else {
			op->status = SP_OP_FAILED;
			if (!strcmp(why, "sync"))
				snprintf(op->error, sizeof(op->error), "%s", serr.msg);
			else
				snprintf(op->error, sizeof(op->error),
					 "done, but the state could not record it: %s (the next plan's refresh sees it)",
					 serr.msg);
			ap->failed++;
			r->stop = 1;
		}
		finish(r, ks[i]);
	}
	r->recording = 0;
	pthread_cond_broadcast(&r->cv);
	free(ks);
	free(v);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct sp_apply *ap = r->ap;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (ap->stop && *ap->stop && !r->stop) {
			r->stop = 1;
			ap->interrupted = 1;
		}
		/* what returned is recorded even after a stop: it was done */
		if (r->nqueue && !r->recording) {
			record_group(r);
			continue;
		}
		if (r->nheap && !r->stop) {
			run_one(r);
			continue;
		}
		if (!r->running && !r->recording && !r->nqueue)
			break;
		pthread_cond_wait(&r->cv, &r->mu);
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static int cmp_res(const void *x, const void *y)
{
	return strcmp(((const struct sp_resource *)x)->address, ((const struct sp_resource *)y)->address);
}

int sp_apply_run(struct sp_apply *ap)
{
	struct sp_hmap create_op, delete_op;
	struct run r;
	size_t nthreads;
	pthread_t *th;

	memset(&r, 0, sizeof(r));
	r.ap = ap;
	sp_hmap_init(&create_op);
	sp_hmap_init(&delete_op);
	build_ops(ap, &create_op, &delete_op);
	sp_hmap_free(&create_op);
	sp_hmap_free(&delete_op);
	if (check_acyclic(ap) < 0) {
		for (size_t k = 0; k < ap->nops; k++) {
			ap->ops[k].status = SP_OP_SKIPPED;
			snprintf(ap->ops[k].error, sizeof(ap->ops[k].error),
				 "the operations' dependencies form a cycle; apply the changes in smaller steps (--target)");
		}
		ap->skipped = ap->nops;
		return -1;
	}

	sp_hmap_init(&r.idx);
	for (size_t i = 0; i < ap->state->resources.n; i++)
		res_set(&r, ap->state->resources.v[i].address, &ap->state->resources.v[i]);
	r.heap = sp_xmalloc((ap->nops + 1) * sizeof(*r.heap));
	r.queue = sp_xmalloc((ap->nops + 1) * sizeof(*r.queue));
	/* the provider's syncs are grouped with the journal's */
	ap->provider->deferred = ap->provider->ops->sync != NULL;
	for (size_t k = 0; k < ap->nops; k++)
		if (ap->ops[k].indeg == 0)
			heap_push(&r, k);
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	nthreads = (size_t)(ap->parallelism > 0 ? ap->parallelism : 1);
	if (nthreads > ap->nops)
		nthreads = ap->nops ? ap->nops : 1;
	th = sp_xcalloc(nthreads, sizeof(*th));
	/* workers wait while others run; "running" keeps the first ones alive */
	for (size_t t = 0; t < nthreads; t++)
		pthread_create(&th[t], NULL, worker, &r);
	for (size_t t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	free(th);
	ap->provider->deferred = 0;
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);

	/* what never started (the apply stopped) is skipped */
	for (size_t k = 0; k < ap->nops; k++)
		if (ap->ops[k].status == SP_OP_PENDING) {
			ap->ops[k].status = SP_OP_SKIPPED;
			snprintf(ap->ops[k].error, sizeof(ap->ops[k].error), "not started: %s",
				 ap->interrupted ? "the apply was interrupted" : "the apply stopped");
			ap->skipped++;
		}

	/* the state's resources, sorted, as recorded */
	{
		struct sp_resource *v = SP_NEWN(&ap->state->arena, struct sp_resource, r.nres + 1);
		size_t n = 0;
		for (size_t j = 0; j < r.nres; j++)
			if (r.alive[j])
				v[n++] = r.res[j];
		qsort(v, n, sizeof(*v), cmp_res);
		ap->state->resources.v = v;
		ap->state->resources.n = n;
	}
	free(r.heap);
	free(r.queue);
	free(r.res);
	free(r.alive);
	sp_hmap_free(&r.idx);
	return ap->failed || ap->skipped ? -1 : 0;
}

void sp_apply_free(struct sp_apply *ap)
{
	for (size_t k = 0; k < ap->nops; k++)
		free(ap->ops[k].succ);
	free(ap->ops);
	ap->ops = NULL;
	ap->nops = 0;
}
