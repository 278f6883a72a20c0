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
 * tcplogd-send: the scripted client of the integration tests.  It opens
 * one or more TCP connections to HOST PORT in one process (non-blocking
 * sockets and poll(2), no fork) and sends on each either generated lines
 * ("c<CONN>-l<LINE> " padded with 'x') or the bytes of a file, in chunks
 * of at most -k bytes with -d milliseconds of stall between chunks, then
 * ends each connection as -e says: close, reset (RST), half (shutdown of
 * the write side, then read until the server closes) or hold (read until
 * the server closes).  Everything is bounded by the -t timeout.  With -v
 * it reports on stdout what happened to each connection, so that a test
 * can wait for "sent" before acting.  -p ends the generated lines with a
 * partial one (the first bytes of the next line, no LF); -z sends that
 * many 'z' bytes, without LF, before the data (a huge line made on the
 * fly); -B binds the sockets to a local address (another peer address).
 *
 * SIGUSR1 ends the generated lines early: each connection finishes the
 * line it is in (no -p partial line follows) and ends as -e says; -v
 * reports the bytes each sent ("sent N bytes").  So a test can keep a
 * load going for exactly as long as it needs one (-n is then a bound),
 * instead of guessing how long the load must last, and still knows what
 * each connection sent.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEND_MAX_CONNS	100000
#define SEND_MAX_SIZE	(64 * 1024 * 1024)
#define SEND_MAX_ZSIZE	(64ULL * 1024 * 1024 * 1024)
#define SEND_BURST	16	/* chunks per connection per poll round */

enum end_mode {
	END_CLOSE,
	END_RESET,
	END_HALF,
	END_HOLD
};

enum conn_state {
	ST_CONNECTING,
	ST_SENDING,
	ST_WAITING,			/* reading until the server closes */
	ST_DONE
};

struct conn {
	int		 fd;
	unsigned long	 id;		/* connection number in the lines */
	enum conn_state	 state;
	int		 failed;

	unsigned long	 line;		/* next line to generate */
	char		*lbuf;		/* current generated line, owned */
	size_t		 llen;
	size_t		 loff;
	size_t		 foff;		/* offset in the file data */

	uint64_t	 zleft;		/* -z filler bytes still to send */
	int		 pdone;		/* -p partial line generated */

	char		*cbuf;		/* current chunk, owned */
	size_t		 clen;
	size_t		 coff;
	int		 eof;		/* nothing left to put in chunks */

	uint64_t	 sent;
	int64_t		 next;		/* ms: no write before this time */
};

static void		 usage(void) __attribute__((noreturn));
static void		 errx_(int, const char *, ...)
			    __attribute__((format(printf, 2, 3), noreturn));
static void		 warnc(struct conn *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
static void		 say(struct conn *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
static unsigned long	 number(const char *, const char *, unsigned long,
			    unsigned long);
static int64_t		 now_ms(void);
static void		 read_file(const char *);
static void		 raise_nofile(unsigned long);
static void		 conn_start(struct conn *);
static void		 conn_connected(struct conn *);
static void		 conn_gen_line(struct conn *);
static int		 conn_more(struct conn *);
static size_t		 conn_fill(struct conn *, char *, size_t);
static void		 conn_write(struct conn *);
static void		 conn_sent_all(struct conn *);
static void		 conn_read(struct conn *);
static void		 conn_finish(struct conn *);
static void		 conn_fail(struct conn *);
static void		 stop_cb(int);

static const char	*host;
static const char	*port;
static struct addrinfo	*ai;
static unsigned long	 nconns = 1;
static unsigned long	 base;
static unsigned long	 nlines;
static size_t		 lsize = 40;
static size_t		 plen;
static uint64_t		 zsize;
static const char	*bindaddr;
static struct addrinfo	*bai;
static int		 crlf;
static const char	*file;
static char		*fdata;
static size_t		 fsize;
static size_t		 chunk = 65536;
static unsigned long	 delay;
static enum end_mode	 mode = END_CLOSE;
static unsigned long	 timeout = 60;
static int		 wait_close;
static int		 verbose;
static volatile sig_atomic_t stopping;	/* SIGUSR1: no new lines */
static struct conn	*conns;

static void
usage(void)
{
	fprintf(stderr, "usage: tcplogd-send [-Cvw] [-B addr] [-b base] "
	    "[-c conns] [-d ms]\n"
	    "                    [-e close|reset|half|hold] [-f file] "
	    "[-k chunk] [-n lines]\n"
	    "                    [-p bytes] [-s size] [-t sec] [-z bytes] "
	    "host port\n");
	exit(1);
}

/* Print a message and exit with the given status. */
static void
errx_(int status, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "tcplogd-send: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

/* Print a message about a connection on stderr. */
static void
warnc(struct conn *c, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "tcplogd-send: c%lu: ", c->id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* With -v, report progress of a connection on stdout. */
static void
say(struct conn *c, const char *fmt, ...)
{
	va_list	ap;

	if (!verbose)
		return;
	printf("c%lu ", c->id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Parse a decimal option argument within [min, max]. */
static unsigned long
number(const char *what, const char *s, unsigned long min, unsigned long max)
{
	unsigned long	 v;
	char		*end;

	errno = 0;
	if (*s < '0' || *s > '9')
		errx_(1, "%s: not a number: %s", what, s);
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		errx_(1, "%s: invalid (%lu..%lu): %s", what, min, max, s);
	return (v);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Read the whole file (or stdin for "-") into fdata. */
static void
read_file(const char *path)
{
	size_t	 cap = 65536;
	ssize_t	 n;
	int	 fd;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1)
		errx_(1, "%s: %s", path, strerror(errno));
	if ((fdata = malloc(cap)) == NULL)
		errx_(1, "out of memory");
	for (;;) {
		if (fsize == cap) {
			if (cap > SIZE_MAX / 2 ||
			    (fdata = realloc(fdata, cap * 2)) == NULL)
				errx_(1, "out of memory");
			cap *= 2;
		}
		n = read(fd, fdata + fsize, cap - fsize);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			errx_(1, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		fsize += n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
}

/* Make sure we may open enough sockets. */
static void
raise_nofile(unsigned long want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + 16) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > want + 16)
			rl.rlim_cur = want + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Open the socket and start a non-blocking connect. */
static void
conn_start(struct conn *c)
{
	int	one = 1;

	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (c->fd == -1)
		errx_(1, "socket: %s", strerror(errno));
	/* Every chunk goes out as it is written, so stalls split reads. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bai != NULL && bind(c->fd, bai->ai_addr, bai->ai_addrlen) == -1)
		errx_(1, "bind to %s: %s", bindaddr, strerror(errno));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		conn_connected(c);
	else if (errno == EINPROGRESS)
		c->state = ST_CONNECTING;
	else
		errx_(1, "connect to %s port %s: %s", host, port,
		    strerror(errno));
}

/* The connection is established: report it and start sending. */
static void
conn_connected(struct conn *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 h[NI_MAXHOST], p[NI_MAXSERV];

	c->state = ST_SENDING;
	c->next = 0;
	if (verbose && getsockname(c->fd, (struct sockaddr *)&ss,
	    &sslen) == 0 && getnameinfo((struct sockaddr *)&ss, sslen,
	    h, sizeof(h), p, sizeof(p), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
		if (ss.ss_family == AF_INET6)
			say(c, "connected [%s]:%s", h, p);
		else
			say(c, "connected %s:%s", h, p);
	}
}

/* Generate line c->line into c->lbuf. */
static void
conn_gen_line(struct conn *c)
{
	int	n;

	n = snprintf(c->lbuf, lsize + 3, "c%lu-l%lu ", c->id, c->line);
	if (n < 0)
		errx_(1, "snprintf failed");
	if ((size_t)n > lsize)
		n = lsize;	/* cut: -s smaller than the prefix */
	memset(c->lbuf + n, 'x', lsize - n);
	c->llen = lsize;
	if (crlf)
		c->lbuf[c->llen++] = '\r';
	c->lbuf[c->llen++] = '\n';
	c->loff = 0;
	c->line++;
}

/* Is there data left to put in chunks? */
static int
conn_more(struct conn *c)
{
	if (c->zleft > 0)
		return (1);
	if (file != NULL)
		return (c->foff < fsize);
	if (stopping)
		return (c->loff < c->llen);
	return (c->loff < c->llen || c->line < nlines ||
	    (plen > 0 && !c->pdone));
}

/* Copy up to len bytes of the connection's data stream into buf. */
static size_t
conn_fill(struct conn *c, char *buf, size_t len)
{
	size_t	n, done = 0;

	if (c->zleft > 0) {
		done = c->zleft < len ? (size_t)c->zleft : len;
		memset(buf, 'z', done);
		c->zleft -= done;
		if (done == len)
			return (done);
	}
	if (file != NULL) {
		n = fsize - c->foff;
		if (n > len - done)
			n = len - done;
		memcpy(buf + done, fdata + c->foff, n);
		c->foff += n;
		return (done + n);
	}
	while (done < len) {
		if (c->loff == c->llen) {
			if (stopping)
				break;
			if (c->line < nlines)
				conn_gen_line(c);
			else if (plen > 0 && !c->pdone) {
				/* The start of the next line, no LF. */
				conn_gen_line(c);
				c->llen = plen;
				c->pdone = 1;
			} else
				break;
		}
		n = c->llen - c->loff;
		if (n > len - done)
			n = len - done;
		memcpy(buf + done, c->lbuf + c->loff, n);
		c->loff += n;
		done += n;
	}
	return (done);
}

/* Write as much as the socket takes, chunk by chunk, honouring -d. */
static void
conn_write(struct conn *c)
{
	ssize_t	n;
	int	burst;

	for (burst = 0; burst < SEND_BURST; burst++) {
		if (c->coff == c->clen) {
			if (c->eof) {
				conn_sent_all(c);
				return;
			}
			c->clen = conn_fill(c, c->cbuf, chunk);
			c->coff = 0;
			if (c->clen == 0) {
				c->eof = 1;
				conn_sent_all(c);
				return;
			}
		}
		n = write(c->fd, c->cbuf + c->coff, c->clen - c->coff);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			warnc(c, "write: %s (sent %" PRIu64 " bytes)",
			    strerror(errno), c->sent);
			say(c, "error after %" PRIu64 " bytes", c->sent);
			conn_fail(c);
			return;
		}
		c->coff += n;
		c->sent += n;
		if (c->coff < c->clen)
			return;
		if (delay > 0) {
			c->next = now_ms() + delay;
			/* A last chunk ends the data without a stall. */
			if (!conn_more(c)) {
				c->eof = 1;
				conn_sent_all(c);
			}
			return;
		}
	}
}

/* Every byte is written: end the connection as -e and -w say. */
static void
conn_sent_all(struct conn *c)
{
	say(c, "sent %" PRIu64 " bytes", c->sent);
	if (mode == END_HALF) {
		if (shutdown(c->fd, SHUT_WR) == -1) {
			warnc(c, "shutdown: %s", strerror(errno));
			conn_fail(c);
			return;
		}
		c->state = ST_WAITING;
	} else if (mode == END_HOLD || wait_close)
		c->state = ST_WAITING;
	else
		conn_finish(c);
}

/* Read and discard until the server closes the connection. */
static void
conn_read(struct conn *c)
{
	char	buf[4096];
	ssize_t	n;

	n = read(c->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		return;
	/* A server closing with unread data resets: closed all the same. */
	if (n == -1 && errno != ECONNRESET) {
		warnc(c, "read: %s", strerror(errno));
		conn_fail(c);
		return;
	}
	say(c, "closed by server%s", n == -1 ? " (reset)" : "");
	conn_finish(c);
}

/* End the connection normally: close, or reset with SO_LINGER 0. */
static void
conn_finish(struct conn *c)
{
	struct linger	l;

	if (mode == END_RESET) {
		l.l_onoff = 1;
		l.l_linger = 0;
		if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l,
		    sizeof(l)) == -1)
			warnc(c, "SO_LINGER: %s", strerror(errno));
	}
	close(c->fd);
	c->fd = -1;
	c->state = ST_DONE;
	say(c, "done");
}

/* SIGUSR1: generate no new line (conn_more, conn_fill). */
static void
stop_cb(int sig __attribute__((unused)))
{
	stopping = 1;
}

/* End the connection after an error. */
static void
conn_fail(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->failed = 1;
	c->state = ST_DONE;
}

int
main(int argc, char **argv)
{
	struct addrinfo	 hints;
	struct pollfd	*pfd;
	struct conn	*c;
	struct conn	**pc;
	unsigned long	 i, left;
	int64_t		 deadline, now, wait;
	int		 ch, error, failed, n, np, k;
	socklen_t	 len;
	struct sigaction	 sa;

	while ((ch = getopt(argc, argv, "B:b:Cc:d:e:f:k:n:p:s:t:vwz:")) !=
	    -1) {
		switch (ch) {
		case 'B':
			bindaddr = optarg;
			break;
		case 'b':
			base = number("-b", optarg, 0, ULONG_MAX / 2);
			break;
		case 'C':
			crlf = 1;
			break;
		case 'c':
			nconns = number("-c", optarg, 1, SEND_MAX_CONNS);
			break;
		case 'd':
			delay = number("-d", optarg, 0, 3600 * 1000);
			break;
		case 'e':
			if (strcmp(optarg, "close") == 0)
				mode = END_CLOSE;
			else if (strcmp(optarg, "reset") == 0)
				mode = END_RESET;
			else if (strcmp(optarg, "half") == 0)
				mode = END_HALF;
			else if (strcmp(optarg, "hold") == 0)
				mode = END_HOLD;
			else
				errx_(1, "-e: close, reset, half or hold: %s",
				    optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'k':
			chunk = number("-k", optarg, 1, SEND_MAX_SIZE);
			break;
		case 'n':
			nlines = number("-n", optarg, 0, ULONG_MAX / 2);
			break;
		case 'p':
			plen = number("-p", optarg, 1, SEND_MAX_SIZE);
			break;
		case 's':
			lsize = number("-s", optarg, 0, SEND_MAX_SIZE);
			break;
		case 't':
			timeout = number("-t", optarg, 1, 86400);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'w':
			wait_close = 1;
			break;
		case 'z':
			zsize = number("-z", optarg, 1, SEND_MAX_ZSIZE);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	host = argv[0];
	port = argv[1];
	if (file != NULL && nlines > 0)
		errx_(1, "-f and -n are mutually exclusive");
	if (plen > 0 && (file != NULL || plen > lsize))
		errx_(1, "-p needs generated lines of at least -p bytes");

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_cb;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1)
		errx_(1, "sigaction: %s", strerror(errno));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((error = getaddrinfo(host, port, &hints, &ai)) != 0)
		errx_(1, "%s port %s: %s", host, port, gai_strerror(error));
	if (bindaddr != NULL && (error = getaddrinfo(bindaddr, "0", &hints,
	    &bai)) != 0)
		errx_(1, "-B %s: %s", bindaddr, gai_strerror(error));
	if (file != NULL)
		read_file(file);
	raise_nofile(nconns);

	conns = calloc(nconns, sizeof(*conns));
	pfd = calloc(nconns, sizeof(*pfd));
	pc = calloc(nconns, sizeof(*pc));
	if (conns == NULL || pfd == NULL || pc == NULL)
		errx_(1, "out of memory");
	for (i = 0; i < nconns; i++) {
		c = &conns[i];
		c->id = base + i;
		c->fd = -1;
		c->zleft = zsize;
		if ((c->cbuf = malloc(chunk)) == NULL ||
		    (c->lbuf = malloc(lsize + 3)) == NULL)
			errx_(1, "out of memory");
	}
	deadline = now_ms() + (int64_t)timeout * 1000;
	for (i = 0; i < nconns; i++)
		conn_start(&conns[i]);

	for (;;) {
		now = now_ms();
		wait = deadline - now;
		np = 0;
		left = 0;
		for (i = 0; i < nconns; i++) {
			c = &conns[i];
			if (c->state == ST_DONE)
				continue;
			left++;
			pfd[np].fd = c->fd;
			pfd[np].revents = 0;
			switch (c->state) {
			case ST_CONNECTING:
				pfd[np].events = POLLOUT;
				break;
			case ST_SENDING:
				if (c->next > now) {
					if (c->next - now < wait)
						wait = c->next - now;
					continue;
				}
				pfd[np].events = POLLOUT;
				break;
			default:
				pfd[np].events = POLLIN;
				break;
			}
			pc[np++] = c;
		}
		if (left == 0)
			break;
		if (now >= deadline) {
			for (i = 0; i < nconns; i++) {
				c = &conns[i];
				if (c->state != ST_DONE)
					warnc(c, "%s after %" PRIu64 " bytes",
					    c->state == ST_CONNECTING ?
					    "still connecting" :
					    c->state == ST_SENDING ?
					    "still sending" :
					    "server did not close", c->sent);
			}
			errx_(2, "timeout after %lu seconds", timeout);
		}
		if (wait < 0)
			wait = 0;
		n = poll(pfd, np, wait > INT_MAX ? INT_MAX : (int)wait);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			errx_(1, "poll: %s", strerror(errno));
		}
		for (k = 0; k < np; k++) {
			if (pfd[k].revents == 0)
				continue;
			c = pc[k];
			switch (c->state) {
			case ST_CONNECTING:
				len = sizeof(error);
				if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
				    &error, &len) == -1)
					error = errno;
				if (error != 0)
					errx_(1, "connect to %s port %s: %s",
					    host, port, strerror(error));
				conn_connected(c);
				break;
			case ST_SENDING:
				conn_write(c);
				break;
			case ST_WAITING:
				conn_read(c);
				break;
			case ST_DONE:
				break;
			}
		}
	}

	failed = 0;
	for (i = 0; i < nconns; i++) {
		failed |= conns[i].failed;
		free(conns[i].cbuf);
		free(conns[i].lbuf);
	}
	free(conns);
	free(pfd);
	free(pc);
	free(fdata);
	freeaddrinfo(ai);
	if (bai != NULL)
		freeaddrinfo(bai);
	return (failed ? 1 : 0);
}
