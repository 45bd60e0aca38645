/* Version-4 UUIDs (providers/uuid.h). */
#include "providers/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void format(char out[37], const unsigned char b[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

int sp_uuid_v4(char out[37], struct sp_err *err)
{
	unsigned char b[16];
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sp_err_set(err, SP_EIO, "/dev/urandom", 0, 0, "cannot open: %s", strerror(errno));
	while (got < sizeof(b)) {
		ssize_t n = read(fd, b + got, sizeof(b) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return sp_err_set(err, SP_EIO, "/dev/urandom", 0, 0, "cannot read: %s", strerror(e));
		}
		got += (size_t)n;
	}
	close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);  /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);  /* variant 10 */
	format(out, b);
	return 0;
}

/* Without /dev/urandom (a chroot without /dev): time, pid and address bits
 * through splitmix64. It only has to be unique. */
void sp_uuid_v4_unique(char out[37], const void *salt)
{
	struct timespec ts;
	uint64_t x, w[2];
	unsigned char b[16];

	if (sp_uuid_v4(out, NULL) == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	x ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)salt;
	for (int i = 0; i < 2; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		w[i] = z ^ (z >> 31);
	}
	memcpy(b, w, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);  /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);  /* variant 10 */
	format(out, b);
}

int sp_uuid_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		int c = (unsigned char)s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return s[i] == '\0';
}
