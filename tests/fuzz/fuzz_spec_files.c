/* libFuzzer target for the spec loader from files and folders (sp_spec_load):
 * the input is a small archive of up to 8 files, written into a scratch folder;
 * the folder, then its first file, are loaded (and their graph built when they
 * load), and its last entry when there are several. Any input must give a spec or clean diagnostics: no crash, no hang
 * (a FIFO among the files must be refused, never waited on), no undefined
 * behaviour, no leak.
 *   make fuzz FUZZ_TARGET=spec_files FUZZ_TIME=60
 *
 * The archive: the text up to the first "\n%%file " line is the file spec.yaml;
 * each "\n%%file NAME\n" then starts another file, named NAME (bytes outside
 * [A-Za-z0-9._-] become '_', at most 40 are kept, ".yaml" is added when NAME
 * has no '.'; every name gets its index in front, so names never clash). The
 * eighth file runs to the end of the input. A name starting with "fifo" makes
 * a FIFO instead of a file, "dir" an empty folder, "link" a symbolic link to
 * the first file; a name starting with '.' stays hidden (the loader skips it).
 * A plain YAML file (examples/*.yaml) is an archive of one file. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "lib/diag.h"
#include "model/graph.h"
#include "model/spec.h"

#define MAX_FILES 8
#define MAX_NAME 40

static const char marker[] = "\n%%file ";
#define MARKER_LEN (sizeof(marker) - 1)

static char scratch[PATH_MAX];   /* made once per process */
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_scratch(void)
{
	if (scratch[0])
		rmdir(scratch);
}

static const uint8_t *find_marker(const uint8_t *p, const uint8_t *end)
{
	while ((size_t)(end - p) >= MARKER_LEN) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p) - MARKER_LEN + 1);
		if (!nl)
			return NULL;
		if (!memcmp(nl, marker, MARKER_LEN))
			return nl;
		p = nl + 1;
	}
	return NULL;
}

/* Makes entry i from its raw name and content; writes its file name into out. */
static void make_entry(int i, const uint8_t *name, size_t nlen, const uint8_t *text, size_t tlen,
		       const char *first, char *out, size_t outsz)
{
	char clean[MAX_NAME + 1], path[PATH_MAX];
	size_t n = 0;
	int hidden = nlen > 0 && name[0] == '.';
	int fd;

	for (size_t k = hidden; k < nlen && n < MAX_NAME; k++) {
		uint8_t c = name[k];
		clean[n++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      c == '.' || c == '-' || c == '_') ? (char)c : '_';
	}
	clean[n] = 0;
	snprintf(out, outsz, "%s%d-%s%s", hidden ? "." : "", i, n ? clean : "f",
		 memchr(clean, '.', n) ? "" : ".yaml");
	snprintf(path, sizeof(path), "%s/%s", scratch, out);
	if (!strncmp(clean, "fifo", 4)) {
		mkfifo(path, 0600);
	} else if (!strncmp(clean, "dir", 3)) {
		mkdir(path, 0700);
	} else if (!strncmp(clean, "link", 4) && first) {
		if (symlink(first, path) < 0)
			return;
	} else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) {
		while (tlen > 0) {
			ssize_t w = write(fd, text, tlen);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			text += w;
			tlen -= (size_t)w;
		}
		close(fd);
	}
}

static void load(const char *path)
{
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_diags d;

	sp_diags_init(&d);
	if (sp_spec_load(&spec, path, &d) == 0) {
		if (sp_graph_build(&g, spec, &d) == 0) {
			sp_graph_lint(g, &d);
			sp_graph_free(g);
		}
		sp_spec_free(spec);
	}
	/* the printer shows source lines: run it on what the loader reported
	 * (as the CLI does: only when there is something to print) */
	if (d.n) {
		sp_diags_sort(&d);
		sp_diags_print(devnull, &d, 0);
	}
	sp_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char names[MAX_FILES][MAX_NAME + 16], path[PATH_MAX];
	const uint8_t *p = data, *end = data + size;
	int n = 0;

	if (!scratch[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(scratch, sizeof(scratch), "%s/fuzz-spec-files.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(scratch)) {
			perror("fuzz_spec_files: mkdtemp");
			abort();
		}
		atexit(remove_scratch);
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}

	/* split the archive: file 0 is named spec.yaml, the others by their marker line */
	while (n < MAX_FILES) {
		const uint8_t *name = (const uint8_t *)"spec.yaml", *text, *next;
		size_t nlen = 9;
		if (n > 0) {
			const uint8_t *nl;
			name = p;
			nl = memchr(p, '\n', (size_t)(end - p));
			nlen = nl ? (size_t)(nl - p) : (size_t)(end - p);
			p = nl ? nl + 1 : end;
		}
		text = p;
		/* an empty file: the newline ending its name line starts the next marker */
		next = n + 1 < MAX_FILES ? find_marker(n > 0 && p > data && p[-1] == '\n' ? p - 1 : p, end) : NULL;
		make_entry(n, name, nlen, text, next ? (size_t)(next > text ? next - text : 0) : (size_t)(end - text),
			   n ? names[0] : NULL, names[n], sizeof(names[n]));
		n++;
		if (!next)
			break;
		p = next + MARKER_LEN;
	}

	/* the folder (with or without a trailing '/'), then its first file, and its
	 * last entry when there are several (a FIFO, folder or link, maybe) */
	snprintf(path, sizeof(path), "%s%s", scratch, size & 1 ? "/" : "");
	load(path);
	snprintf(path, sizeof(path), "%s/%s", scratch, names[0]);
	load(path);
	if (n > 1) {
		snprintf(path, sizeof(path), "%s/%s", scratch, names[n - 1]);
		load(path);
	}

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, names[i]);
		remove(path);
	}
	return 0;
}
