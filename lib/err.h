/* An explicit error object (libgit2's convention): functions return 0 or a
 * negative SP_E* code and fill a struct sp_err the caller owns, so a unit
 * test can assert on the code, the place and the message. */
#ifndef SP_ERR_H
#define SP_ERR_H

enum {
	SP_OK = 0,
	SP_EINVAL = -1,   /* bad input (spec, plan file, state) */
	SP_EIO = -2,      /* file system or network failure */
	SP_ENOTFOUND = -3,
	SP_ELOCKED = -4,
	SP_ESTALE = -5,
	SP_ETOOBIG = -6,
	SP_ECORRUPT = -7, /* stored data that was damaged after it was written (a checksum, a lost journal) */
};

struct sp_err {
	int code;
	char file[256];   /* or the resource address, or the server */
	int line, col;    /* 0 when not applicable */
	char msg[768];
};

/* Zeroes e: code 0, no file, no place, no message. */
void sp_err_clear(struct sp_err *e);
/* Sets e (when non-NULL) and returns code, for `return sp_err_set(...)`. */
int sp_err_set(struct sp_err *e, int code, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
