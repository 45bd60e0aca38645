/* The state's journal (docs/providers.md, "The journal"): the local
 * backend's record of each operation of an apply, one JSON line appended and
 * synced per completed operation, each line with its own CRC-32C, and the
 * replay that reads it back over the state file. */
#ifndef SP_STATE_JOURNAL_H
#define SP_STATE_JOURNAL_H
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "model/resource.h"
#include "providers/state.h"

/* One line of a state journal (the local backend's record of one completed
 * operation): {"lineage","serial","address","resource","crc32c"} on one line
 * and a newline, where resource is the resource as the state stores it, or
 * null for a deletion, and crc32c the CRC-32C of the line's bytes before
 * ',"crc32c"'. Same number rules and errors as sp_state_to_json; serial must
 * be at least 1 and now, when given, must have that address. */
int sp_state_journal_line(const char *lineage, uint64_t serial, const char *address, const struct sp_resource *now,
			  char **out /* malloc */, struct sp_err *err);

/* The first line of a journal: {"journal","lineage","serial","version",
 * "crc32c"}: its name (the state that names it expects it), the lineage and
 * the serial of the state it starts from. SP_EINVAL when the name or the
 * lineage is not a UUID, or the serial is out of range. */
int sp_state_journal_header(const char *journal, const char *lineage, uint64_t serial, char **out /* malloc */,
			    struct sp_err *err);

/* How a damaged state or journal is recovered, for messages. */
#define SP_STATE_RECOVER_HINT                                                                                  \
	"recover the state as it was before with 'scaleplan state pull --backup > s.json' (or the state file "  \
	"without its journal, 'scaleplan state pull --no-journal > s.json'), then 'scaleplan state push --force " \
	"s.json'; the next plan reads the provider again"

/* Applies a journal to s: the header first (its checksum; its lineage must
 * be s's; when expect names the journal the state names, its name must be
 * that and its serial s's), then each entry in order, each with its
 * checksum: an entry at or below s->serial is skipped (already folded into
 * s), the next one must have s->serial + 1; each replaces, adds or (null)
 * removes its resource and sets s->serial. A journal the state does not name
 * (expect NULL) is what a folding write left behind: every entry must be at
 * or below s->serial. A last line without its newline (an append cut short,
 * never acknowledged) is ignored.
 * Flags: SP_JOURNAL_ADOPT, s is a fresh state (no state file) and takes the
 * journal's lineage; SP_JOURNAL_LEGACY, a format-1 journal (no header, no
 * checksums) is read, as a format-1 state file may have one.
 * Returns the number of entries applied; SP_ECORRUPT for damage (a checksum,
 * a header that does not match, entries missing), SP_EINVAL for a format-1
 * line that does not decode, with origin and the line number in err. Strings
 * go to s's arena; resources stay sorted by address. */
#define SP_JOURNAL_ADOPT 1
#define SP_JOURNAL_LEGACY 2
int sp_state_journal_replay(struct sp_state *s, const char *text, size_t len, const char *origin, const char *expect,
			    int flags, struct sp_err *err);

#endif
