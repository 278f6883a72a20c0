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
 * tcplogd-syslog-recv: a minimal syslog daemon for the integration tests.
 * It binds an AF_UNIX datagram socket at SOCKPATH (in the tests: /dev/log
 * inside a private mount namespace) and appends every datagram it
 * receives, followed by a newline, to OUTFILE with one write(2) each, so
 * a test can poll the file.  With -s SEC it stops reading for SEC seconds
 * after the first datagram, like a stalled syslog daemon.  SIGTERM or
 * SIGINT removes the socket and exits 0.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECV_MAX	(1024 * 1024)	/* largest datagram kept whole */

static void	usage(void) __attribute__((noreturn));
static void	fail(const char *, const char *) __attribute__((noreturn));
static void	stop_cb(int);
static void	stall(unsigned long);

static const char	*sockpath;

static void
usage(void)
{
	fprintf(stderr, "usage: tcplogd-syslog-recv [-s sec] sockpath "
	    "outfile\n");
	exit(1);
}

/* Print what failed with strerror(errno) and exit 1. */
static void
fail(const char *what, const char *arg)
{
	fprintf(stderr, "tcplogd-syslog-recv: %s%s%s: %s\n", what,
	    arg != NULL ? " " : "", arg != NULL ? arg : "", strerror(errno));
	exit(1);
}

/* SIGTERM/SIGINT: remove the socket and exit; only safe calls here. */
static void
stop_cb(int sig)
{
	(void)sig;
	unlink(sockpath);
	_exit(0);
}

/* Sleep for sec seconds, whatever signals come (SIGTERM exits). */
static void
stall(unsigned long sec)
{
	struct timespec	ts, rem;

	ts.tv_sec = sec;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct sigaction	 sa;
	struct stat		 st;
	unsigned long		 stall_sec = 0;
	char			*buf, *end;
	ssize_t			 n;
	int			 ch, fd, out, stalled = 0;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			errno = 0;
			stall_sec = strtoul(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    stall_sec > 3600)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	sockpath = argv[0];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "tcplogd-syslog-recv: path too long: %s\n",
		    sockpath);
		exit(1);
	}
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);

	if ((buf = malloc(RECV_MAX + 1)) == NULL)
		fail("malloc", NULL);
	out = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	if (out == -1)
		fail("open", argv[1]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_cb;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fail("sigaction", NULL);

	/* Replace a stale socket, never anything else. */
	if (lstat(sockpath, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sockpath);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		fail("socket", NULL);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fail("bind", sockpath);
	if (chmod(sockpath, 0666) == -1)
		fail("chmod", sockpath);

	for (;;) {
		n = recv(fd, buf, RECV_MAX, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fail("recv", NULL);
		}
		buf[n] = '\n';
		if (write(out, buf, n + 1) != n + 1)
			fail("write", argv[1]);
		if (stall_sec > 0 && !stalled) {
			stalled = 1;
			stall(stall_sec);
		}
	}
	/* NOTREACHED */
}
