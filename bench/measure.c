/* measure: wall time and peak memory of a command.
 *
 *   measure [-r REPEAT] [-v] -- CMD ARGS...
 *
 * Runs CMD REPEAT times (default 3), one after the other, with stdout and
 * stderr sent to /dev/null (-v keeps them), and prints one line:
 *
 *   wall_ms_min=12.345 wall_ms_median=12.789 peak_rss_kb=10240 exit=0 cpu_ms_median=11.9
 *
 * Wall time is CLOCK_MONOTONIC around fork .. wait4; peak_rss_kb is the largest
 * ru_maxrss that wait4 reports for a run (the child alone, in KiB on Linux);
 * cpu_ms_median is the median of the runs' user plus system time (wait4's
 * ru_utime + ru_stime).
 * When a run exits non-zero (or is killed: 128 + signal), measure stops, prints
 * the line for the runs so far with exit=N, and exits with N. Errors of
 * measure itself (bad usage, fork failure) exit 125; a command that cannot be
 * executed gives 127, as in the shell. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_MEASURE 125
#define MAX_REPEAT 1000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One run: *wall_ms, *rss_kb, and the exit code (128 + signal when killed),
 * or -1 when fork or wait4 failed. */
static int run_once(char **cmd, int verbose, double *wall_ms, long *rss_kb, double *cpu_ms)
{
	struct rusage ru;
	int status;
	double t0 = now_ms();
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "measure: error: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (!verbose) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
				_exit(EXIT_MEASURE);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		execvp(cmd[0], cmd);
		/* stderr may be /dev/null: the exit code tells */
		fprintf(stderr, "measure: error: cannot run '%s': %s\n", cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "measure: error: wait4: %s\n", strerror(errno));
			return -1;
		}
	}
	*wall_ms = now_ms() - t0;
	*rss_kb = ru.ru_maxrss;
	*cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
		  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 128;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: measure [-r REPEAT] [-v] -- CMD ARGS...\n"
		   "  -r REPEAT  runs (default 3); prints min and median wall time, peak RSS\n"
		   "  -v         keep the command's stdout and stderr\n");
}

int main(int argc, char **argv)
{
	long repeat = 3;
	int verbose = 0, i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			char *end;
			errno = 0;
			repeat = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || repeat < 1 || repeat > MAX_REPEAT) {
				fprintf(stderr, "measure: error: -r needs an integer in [1, %d]\n", MAX_REPEAT);
				return EXIT_MEASURE;
			}
		} else if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "measure: error: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_MEASURE;
		} else {
			break;   /* the command, without "--" */
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_MEASURE;
	}

	double *wall = calloc((size_t)repeat, sizeof *wall), *cpu = calloc((size_t)repeat, sizeof *cpu);
	if (!wall || !cpu) {
		free(wall);
		free(cpu);
		fprintf(stderr, "measure: error: out of memory\n");
		return EXIT_MEASURE;
	}
	long peak_kb = 0, runs = 0;
	int code = 0;
	while (runs < repeat) {
		long rss = 0;
		code = run_once(argv + i, verbose, &wall[runs], &rss, &cpu[runs]);
		if (code < 0) {
			free(wall);
			free(cpu);
			return EXIT_MEASURE;
		}
		runs++;
		if (rss > peak_kb)
			peak_kb = rss;
		if (code != 0)
			break;
	}

	qsort(wall, (size_t)runs, sizeof *wall, cmp_double);
	double median = runs % 2 ? wall[runs / 2] : (wall[runs / 2 - 1] + wall[runs / 2]) / 2;
	qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
	double cpu_median = runs % 2 ? cpu[runs / 2] : (cpu[runs / 2 - 1] + cpu[runs / 2]) / 2;
	printf("wall_ms_min=%.3f wall_ms_median=%.3f peak_rss_kb=%ld exit=%d cpu_ms_median=%.1f\n", wall[0], median,
	       peak_kb, code, cpu_median);
	free(wall);
	free(cpu);
	if (fflush(stdout) != 0)
		return EXIT_MEASURE;
	return code;
}
