/* yamlparse: the floor for loading a spec, libyaml alone.
 *
 *   yamlparse [-v] FILE|DIR
 *
 * Reads FILE, or every *.yaml / *.yml in DIR sorted by name (as scaleplan
 * does), into memory and runs libyaml's event parser over it (a
 * yaml_parser_parse loop; no tree, no copies), then exits 0. Benchmarks show
 * scaleplan's load time as a ratio of this. -v prints files, bytes and events
 * on stderr. A parse error prints file:line:col and exits 1. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct totals {
	size_t files, bytes, events;
};

static int read_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "yamlparse: error: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			unsigned char *nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "yamlparse: error: out of memory reading '%s'\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "yamlparse: error: cannot read '%s'\n", path);
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int parse_file(const char *path, struct totals *t)
{
	unsigned char *buf;
	size_t len;
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0, done = 0;

	if (read_file(path, &buf, &len))
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "yamlparse: error: cannot initialise libyaml\n");
		free(buf);
		return -1;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			fprintf(stderr, "yamlparse: %s:%zu:%zu: error: %s\n", path, parser.problem_mark.line + 1,
				parser.problem_mark.column + 1, parser.problem ? parser.problem : "parse error");
			rc = -1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		t->events++;
	}
	yaml_parser_delete(&parser);
	free(buf);
	t->files++;
	t->bytes += len;
	return rc;
}

static int is_yaml_name(const char *name)
{
	size_t len = strlen(name);
	return (len > 5 && !strcmp(name + len - 5, ".yaml")) || (len > 4 && !strcmp(name + len - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_dir(const char *dir, struct totals *t)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "yamlparse: error: cannot open folder '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !is_yaml_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
		if (!(names[n] = malloc(len))) {
			rc = -1;
			break;
		}
		snprintf(names[n++], len, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (rc)
		fprintf(stderr, "yamlparse: error: out of memory listing '%s'\n", dir);
	if (!rc && n == 0) {
		fprintf(stderr, "yamlparse: error: no *.yaml or *.yml file in '%s'\n", dir);
		rc = -1;
	}
	if (!rc)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = parse_file(names[i], t);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct totals t = {0, 0, 0};
	struct stat st;
	int verbose = 0, i = 1;

	if (i < argc && !strcmp(argv[i], "-v"))
		verbose = 1, i++;
	if (i + 1 != argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: yamlparse [-v] FILE|DIR\n");
		return 2;
	}
	const char *path = argv[i];
	if (stat(path, &st) != 0) {
		fprintf(stderr, "yamlparse: error: cannot open '%s': %s\n", path, strerror(errno));
		return 1;
	}
	int rc = S_ISDIR(st.st_mode) ? parse_dir(path, &t) : parse_file(path, &t);
	if (verbose)
		fprintf(stderr, "yamlparse: %zu files, %zu bytes, %zu events\n", t.files, t.bytes, t.events);
	return rc ? 1 : 0;
}
