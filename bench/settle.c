/*
 * Copyright (c) 2026 The tcplogd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * settle: wait until a sink has written everything.  Polls FILE every
 * 10 ms until its size has not changed for QUIET_MS milliseconds (or,
 * with -l LINES, until FILE has at least LINES lines, counted
 * incrementally), at most TIMEOUT seconds.  Then prints
 *	settle: size BYTES mtime SECONDS.NANOSECONDS
 * where mtime is the file's modification time (CLOCK_REALTIME): when the
 * last byte was written, which is what a benchmark wants as its end.
 * Exit status 0, or 1 if TIMEOUT passed first (the line is printed all
 * the same), 64 usage.
 *
 *	settle [-l lines] file quiet_ms timeout_s
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Count the newlines appended to fd since *off. */
static unsigned long long
count_new(int fd, off_t *off)
{
	static char		 buf[1 << 20];
	unsigned long long	 n = 0;
	const char		*p, *end;
	ssize_t			 r;

	while ((r = pread(fd, buf, sizeof buf, *off)) > 0) {
		*off += r;
		for (p = buf, end = buf + r;
		    (p = memchr(p, '\n', end - p)) != NULL; p++)
			n++;
	}
	return (n);
}

int
main(int argc, char **argv)
{
	struct stat		 st;
	struct timespec	 tick = { 0, 10 * 1000 * 1000 };
	unsigned long long	 want = 0, lines = 0;
	double			 quiet, deadline, changed;
	off_t			 size = -1, off = 0;
	int			 ch, fd = -1, rc = 1;

	while ((ch = getopt(argc, argv, "l:")) != -1) {
		switch (ch) {
		case 'l':
			want = strtoull(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3) {
usage:
		fprintf(stderr, "usage: settle [-l lines] file quiet_ms "
		    "timeout_s\n");
		return (64);
	}
	quiet = strtod(argv[1], NULL) / 1000;
	deadline = now() + strtod(argv[2], NULL);
	changed = now();
	memset(&st, 0, sizeof st);
	for (;;) {
		if (fd == -1)
			fd = open(argv[0], O_RDONLY | O_CLOEXEC);
		if (fd != -1 && fstat(fd, &st) == 0 && st.st_size != size) {
			size = st.st_size;
			changed = now();
			if (want > 0)
				lines += count_new(fd, &off);
		}
		if (want > 0 && lines >= want) {
			rc = 0;
			break;
		}
		if (now() - changed >= quiet) {
			rc = 0;
			break;
		}
		if (now() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	if (fd != -1)
		(void)fstat(fd, &st);
	printf("settle: size %lld mtime %lld.%09ld\n", (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return (rc);
}
