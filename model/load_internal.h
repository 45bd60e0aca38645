/* The spec loader's shared state, private to its files:
 *   model/load.c             files and folders, the top-level sections, settings, drivers, regions
 *   model/load_components.c  services, caches, datastores, queues, GPU workloads and their references
 *   model/load_where.c       the state and provider settings
 *   model/load_text.c        the byte checks (NUL, control characters, UTF-8, UTF-16/32) before YAML
 * with the typed readers of model/load_util.h. model/spec.h is the public interface. */
#ifndef SP_LOAD_INTERNAL_H
#define SP_LOAD_INTERNAL_H
#include <stddef.h>

#include "lib/hmap.h"
#include "model/load_util.h"
#include "model/spec.h"
#include "model/yaml.h"

/* The spec's private index (names -> objects), behind spec->index_. */
struct spec_index {
	struct sp_hmap drivers;     /* name -> driver index */
	struct sp_hmap components;  /* name -> (kind << 28) | index */
};

/* A (key node, value node) pair gathered from one of the files. */
struct pair {
	const struct sp_ynode *key, *val;
};

struct pairs {
	struct pair *v;
	size_t n, cap;
};

/* The top-level sections that are maps of named entries. */
enum { SEC_DRIVERS, SEC_SERVICES, SEC_CACHES, SEC_DATASTORES, SEC_QUEUES, SEC_TAGS, SEC_NMAPS };

/* Every top-level section, merged over the files of a directory. */
struct sections {
	const struct sp_ynode *single[16];      /* settings that may appear once */
	const struct sp_ynode *single_key[16];
	struct pairs maps[SEC_NMAPS];          /* SEC_DRIVERS ... SEC_TAGS */
	struct pairs regions;                  /* key NULL, val = list item */
	struct pairs gpu_workloads;            /* key NULL, val = list item */
	const struct sp_ynode *gpu_tiers, *gpu_tiers_key;
};

/* ---- model/load_where.c ---------------------------------------------------------------------- */

/* The `state:` section at v (NULL: absent) into ld->spec->state, with every
 * default (local, .scaleplan/state.json; etcd prefix scaleplan/<name>). Needs
 * the spec's name loaded first. */
void sp_load_state_cfg(struct sp_ld *ld, const struct sp_ynode *v);
/* The `provider:` section at v (NULL: absent) into ld->spec->provider. */
void sp_load_provider_cfg(struct sp_ld *ld, const struct sp_ynode *v);

/* ---- model/load_components.c ---------------------------------------------------------------- */

/* Loads the services, caches, datastores, queues and GPU workloads of s into
 * ld->spec (arrays in ld's arena), registering every name in ix->components;
 * then the GPU tiers. Every problem is added to ld->d, with a note at the
 * first definition of a name defined twice. */
void sp_load_components(struct sp_ld *ld, struct spec_index *ix, const struct sections *s);

/* Resolves what the components name (call targets, caches, queue producers
 * and workers, demand and storage drivers) through ix, and checks each
 * service's latency SLO against its floor. Reports each undefined or
 * ill-typed name in ld->d, with a suggestion when one is close. */
void sp_load_components_resolve(struct sp_ld *ld, struct spec_index *ix);

/* ---- model/load_choose.c ---------------------------------------------------------------------- */

/* A service's work.cpu_reference, work.memory_mb_per_instance and
 * work.memory_mb_per_request from its `work` mapping into s. */
void sp_choose_load_work(struct sp_ld *ld, const struct sp_ynode *work, struct sp_service *s);
/* `instance: auto` and `families` of the service mapping svc into s (after
 * s->instance is read); families without auto, an empty list or an item
 * that is not a family name are errors. */
void sp_choose_load_instance(struct sp_ld *ld, const struct sp_ynode *svc, struct sp_service *s);

/* ---- model/load_text.c ----------------------------------------------------------------------- */

/* Skips a UTF-8 byte-order mark opening src, as YAML allows: the text (and so
 * every line and column) starts after it. */
void sp_load_text_skip_bom(struct sp_src *src);

/* Checks the bytes of src before libyaml reads them: UTF-16 or UTF-32 text,
 * a NUL or control character, invalid UTF-8 or a character YAML forbids.
 * Returns 0, or -1 with the first problem in d (an excerpt of an invalid
 * UTF-8 line shows '?' for its bad bytes; that copy is made in a). */
int sp_load_text_check(struct sp_arena *a, const struct sp_src *src, struct sp_diags *d);

#endif
