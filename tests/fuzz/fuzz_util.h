/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the libFuzzer harnesses share: the input as a file (the loaders
 * take paths) and as strings.  Static inline so each harness stays one .c
 * file, as the unit tests do.
 */
#ifndef LS_FUZZ_UTIL_H
#define LS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* libFuzzer's entry points, which each harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * data as a file: a memfd, named by its /proc/self/fd path so the loaders
 * open it as they open any file.  -1 on failure (then the input is skipped).
 */
static inline int fuzz_memfd(const uint8_t *data, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* data as a NUL-terminated string (it may hold NULs of its own). */
static inline char *fuzz_str(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* Output is thrown away, but all of it is produced and formatted. */
static inline FILE *fuzz_sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "we");
	return f;
}

#endif
