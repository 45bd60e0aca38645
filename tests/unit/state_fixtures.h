/* Fixtures shared by the unit tests of the state (check_state.c), its
 * journal (check_journal.c) and the local backend (check_backend.c): a
 * scratch folder per test, files in it, resources and states. */
#ifndef SP_TEST_STATE_FIXTURES_H
#define SP_TEST_STATE_FIXTURES_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "model/resource.h"
#include "providers/state.h"

#define LINEAGE "0f8fad5b-d9cb-469f-a165-70867728950e"
#define LINEAGE2 "7c9e6679-7425-40de-944b-e07fc1f90ae7"

/* The scratch folder of the running test ("" outside one). */
extern char tmpdir[64];
/* A Check fixture: makes tmpdir (mkdtemp), and removes it with all it holds. */
void tmp_setup(void);
void tmp_teardown(void);
/* "<tmpdir>/<name>" in a static ring of 8 buffers. */
const char *tp(const char *name);
/* A file's content (malloc), or NULL when it does not exist. */
char *slurp(const char *path);
/* Writes text to path (replacing it), or fails the test. */
void spew(const char *path, const char *text);
/* Whether path exists. */
int exists(const char *path);
/* The entries of a folder (not . and ..). */
int count_files(const char *dir);
/* A resource "<type>.<name>[<region>]" in arena a with room for 16 attributes
 * and 8 dependencies, which the add_* functions append (keys are not copied). */
struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region);
struct sp_attr *add_str(struct sp_resource *r, const char *key, const char *v);
struct sp_attr *add_num(struct sp_resource *r, const char *key, double v);
struct sp_attr *add_bool(struct sp_resource *r, const char *key, int v);
/* A state of lineage LINEAGE at serial with copies of the n resources rs. */
struct sp_state *mkstate(uint64_t serial, const struct sp_resource *rs, size_t n);
/* sp_state_to_json of s (malloc), or fails the test. */
char *encode(const struct sp_state *s);
/* The local backend on "<tmpdir>/dot/state.json". */
struct sp_backend *open_backend(void);
/* A state at serial holding service.web[us] with that many nodes. */
struct sp_state *state_with(uint64_t serial, int nodes);
/* b's write of s, err cleared first. */
int bwrite(struct sp_backend *b, const struct sp_state *s, struct sp_err *err);

#endif
