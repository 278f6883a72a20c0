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
 * syslogrecv: a fast syslog receiver for the benchmark of tcplogd's
 * syslog output.  It binds an AF_UNIX datagram socket at SOCKPATH (in
 * bench/run: /dev/log in a private mount namespace), takes datagrams in
 * batches with recvmmsg(2) and appends each, with a newline, to OUTFILE
 * in large writes: written out when the buffer is half full or when no
 * datagram is waiting.  SIGTERM or SIGINT: write out, remove the socket,
 * exit 0.  (tests/integration/tcplogd-syslog-recv does one write(2) per
 * datagram, which would make the receiver the bottleneck.)
 *
 *	syslogrecv sockpath outfile
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH		64
#define DGRAM_MAX	(64 * 1024)
#define OUT_SIZE	(4 * 1024 * 1024)

static volatile sig_atomic_t	stopping;
static char			*out;
static size_t			 out_len;
static int			 out_fd;

static void
fail(const char *what)
{
	fprintf(stderr, "syslogrecv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
stop_cb(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
out_flush(void)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < out_len) {
		n = write(out_fd, out + off, out_len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write");
		off += n;
	}
	out_len = 0;
}

int
main(int argc, char **argv)
{
	static char		 bufs[BATCH][DGRAM_MAX];
	struct mmsghdr		 msgs[BATCH];
	struct iovec		 iov[BATCH];
	struct sockaddr_un	 sun;
	struct sigaction	 sa;
	struct pollfd		 pfd;
	sigset_t		 block, waitmask;
	int			 fd, i, n, size = 8 * 1024 * 1024;

	if (argc != 3) {
		fprintf(stderr, "usage: syslogrecv sockpath outfile\n");
		return (64);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = stop_cb;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Signals only while waiting (ppoll): no lost wake-up. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	if ((out = malloc(OUT_SIZE)) == NULL)
		fail("malloc");
	out_fd = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (out_fd == -1)
		fail(argv[2]);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		fail(argv[1]);
	}
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fail("socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		fail(argv[1]);

	memset(msgs, 0, sizeof msgs);
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = DGRAM_MAX;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stopping) {
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			/* Nothing waiting: write out, then sleep. */
			if (out_len > 0)
				out_flush();
			(void)ppoll(&pfd, 1, NULL, &waitmask);
			continue;
		}
		if (n == -1)
			fail("recvmmsg");
		for (i = 0; i < n; i++) {
			if (out_len + msgs[i].msg_len + 1 > OUT_SIZE)
				out_flush();
			memcpy(out + out_len, bufs[i], msgs[i].msg_len);
			out_len += msgs[i].msg_len;
			out[out_len++] = '\n';
		}
		if (out_len >= OUT_SIZE / 2)
			out_flush();
	}
	out_flush();
	unlink(argv[1]);
	return (0);
}
