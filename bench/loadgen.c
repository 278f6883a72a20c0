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
 * loadgen: the benchmark's load generator.  It opens N connections to
 * HOST PORT (all at once, or C at a time until N have been made), sends M
 * lines of S bytes on each (LF, or CRLF with -r) and closes them, or holds
 * them open with -H.  It is bounded in time (-t) and talks to loopback
 * only: HOST must be a numeric address in 127.0.0.0/8 or ::1.
 *
 * Line SEQ of connection ID is "cID-lSEQ " followed by letters up to S
 * bytes: the letter at offset i is 'a' + (ID + SEQ + i) % 26.  bench/check
 * rebuilds every line from its ID and SEQ, so it sees any byte that was
 * lost, changed, reordered or spliced.
 *
 * With -y each line is an RFC 5424 message of S bytes: the fixed head
 * LOADGEN_SYSLOG_HEAD below (PRI 134 is local0.info), then "cID-lSEQ "
 * and the letters as before, offsets counted from the '<'.  With -o
 * lines are sent octet-counted (RFC 6587 3.4.1, "S SP" before each, no
 * LF), as logger --octet-count and rsyslog's TCP_Framing="octet-counted"
 * send them.
 *
 * Single-threaded, epoll, non-blocking.  At most P connects are in flight
 * at once (-p), so that a listen backlog never drops SYNs and turns the
 * benchmark into a measurement of TCP's retransmission timer.  A
 * connection that has sent its lines half-closes and counts as open
 * until the server closes it too (reading and discarding anything the
 * server sends), so "C at a time" holds at the server as well; -q closes
 * at once instead.
 *
 * At the end it prints one line on stdout:
 *	loadgen: conns N failed N lines N bytes N seconds S
 * With -H, once every connection has sent its lines, it prints
 *	loadgen: holding N connections
 * and waits for SIGUSR1 (or the hold time) before closing them.  Exit
 * status: 0 all sent, 1 a connection failed or time ran out, 64 usage.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(64 * 1024)	/* bytes per write(2) at most */
#define MAX_SIZE	(1024 * 1024)	/* longest line, -s */
#define MAX_EVENTS	256

/* -y: what every message starts with (bench/check knows it too). */
#define LOADGEN_SYSLOG_HEAD \
	"<134>1 2026-12-04T10:00:00.000000Z host app 1234 ID47 " \
	"[x@32473 a=\"b\"] "

enum state {
	ST_IDLE,		/* not started yet */
	ST_CONNECTING,
	ST_SENDING,
	ST_CLOSING,		/* all sent, half-closed, reading to EOF */
	ST_HELD,		/* all sent, kept open (-H) */
	ST_DONE			/* closed */
};

struct lconn {
	int		fd;
	enum state	state;
	uint64_t	sent;	/* bytes of this connection sent */
};

static void	usage(void) __attribute__((noreturn));
static void	die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static double	now(void);
static uint64_t	number(const char *, uint64_t, uint64_t, const char *);
static int	parse_addr(const char *, const char *);
static void	make_line(char *, uint64_t, uint64_t);
static size_t	fill(char *, size_t, uint64_t, uint64_t);
static void	start_conn(uint64_t);
static void	close_conn(uint64_t);
static void	conn_failed(uint64_t, const char *, int);
static void	send_some(uint64_t);
static void	read_some(uint64_t);
static void	stop_cb(int);

static struct lconn	*conns;
static uint64_t		 nconns = 1, nlines = 1, size = 100;
static uint64_t		 concurrent;	/* 0: all at once */
static uint64_t		 max_pending = 100;
static double		 hold = -1;	/* -H seconds, -1: do not hold */
static int		 crlf, octet, syslog5424, quick, verbose;
static size_t		 linelen;	/* size, its framing around it */
static char		 prefix[24];	/* -o: "S " */
static size_t		 prefixlen, headlen;
static uint64_t		 conn_bytes;	/* nlines * linelen */
static struct sockaddr_storage	 dst;
static socklen_t	 dstlen;
static int		 ep = -1;
static char		 alphabet[2 * 26];
static char		*scratch, *linebuf;

static uint64_t		 next_id, active, pending, held, failed;
static uint64_t		 lines_sent, bytes_sent;
static volatile sig_atomic_t	 got_signal;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-orvy] [-n conns] [-c concurrent] [-m lines] "
	    "[-s size]\n"
	    "               [-p pending] [-H seconds] [-q] [-t seconds] "
	    "host port\n"
	    "  -n  connections in all (default 1)\n"
	    "  -c  connections open at a time (default: all at once)\n"
	    "  -m  lines per connection (default 1)\n"
	    "  -s  bytes per line, without its LF or CRLF (default 100)\n"
	    "  -r  end lines with CRLF instead of LF\n"
	    "  -o  octet-counted framing (\"S \" before each, no LF)\n"
	    "  -y  RFC 5424 messages: a fixed syslog head, then the line\n"
	    "  -p  connects in flight at most (default 100)\n"
	    "  -H  once every line is sent, hold all connections open\n"
	    "      until SIGUSR1 or for at most this many seconds\n"
	    "  -q  close as soon as the lines are sent (default: half-close\n"
	    "      and wait until the server closes)\n"
	    "  -t  give up after this many seconds in all (default 60)\n"
	    "  -v  say on stderr what is going on\n"
	    "host: a numeric address in 127.0.0.0/8, or ::1.\n");
	exit(64);
}

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
stop_cb(int sig)
{
	got_signal = sig;
}

static uint64_t
number(const char *s, uint64_t min, uint64_t max, const char *what)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    v < min || v > max) {
		fprintf(stderr, "loadgen: %s: '%s' is not a number from "
		    "%" PRIu64 " to %" PRIu64 "\n", what, s, min, max);
		exit(64);
	}
	return (v);
}

/*
 * Loopback only: a numeric 127.0.0.0/8 or ::1 address (no names, so
 * nothing can resolve elsewhere).  Returns -1 for anything else.
 */
static int
parse_addr(const char *host, const char *port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&dst;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&dst;
	uint64_t		 p = number(port, 1, 65535, "port");

	memset(&dst, 0, sizeof dst);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			return (-1);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		dstlen = sizeof *sin;
		return (0);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return (-1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		dstlen = sizeof *sin6;
		return (0);
	}
	return (-1);
}

/*
 * Line seq of connection id, framed (its count before it, or its LF or
 * CRLF after it), into buf: linelen bytes, and one more may be written.
 */
static void
make_line(char *buf, uint64_t id, uint64_t seq)
{
	char	*msg = buf + prefixlen;
	size_t	 i, k;
	int	 n;

	memcpy(buf, prefix, prefixlen);
	memcpy(msg, LOADGEN_SYSLOG_HEAD, headlen);
	n = snprintf(msg + headlen, size - headlen + 1,
	    "c%" PRIu64 "-l%" PRIu64 " ", id, seq);
	for (i = headlen + n; i < size; i += k) {
		k = size - i < 26 ? size - i : 26;
		memcpy(msg + i, alphabet + (id + seq + i) % 26, k);
	}
	if (octet)
		return;
	if (crlf) {
		msg[size] = '\r';
		msg[size + 1] = '\n';
	} else
		msg[size] = '\n';
}

/*
 * Up to cap bytes of connection id's stream from offset off into buf;
 * returns how many.
 */
static size_t
fill(char *buf, size_t cap, uint64_t id, uint64_t off)
{
	uint64_t	seq = off / linelen, skip = off % linelen;
	size_t		n = 0, k;

	while (n < cap && seq < nlines) {
		if (skip == 0 && cap - n >= linelen)
			make_line(buf + n, id, seq);	/* no copy */
		else {
			make_line(linebuf, id, seq);
			k = linelen - skip;
			if (k > cap - n)
				k = cap - n;
			memcpy(buf + n, linebuf + skip, k);
			n += k;
			skip = 0;
			seq++;
			continue;
		}
		n += linelen;
		seq++;
	}
	return (n);
}

/* Open connection id, non-blocking. */
static void
start_conn(uint64_t id)
{
	struct lconn		*c = &conns[id];
	struct epoll_event	 ev;
	int			 fd;

	fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		die("socket: %s (raise ulimit -n?)", strerror(errno));
	c->fd = fd;
	c->state = ST_CONNECTING;
	active++;
	pending++;
	if (connect(fd, (struct sockaddr *)&dst, dstlen) == -1 &&
	    errno != EINPROGRESS) {
		conn_failed(id, "connect", errno);
		return;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLOUT;
	ev.data.u64 = id;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
}

/* Close connection id. */
static void
close_conn(uint64_t id)
{
	struct lconn	*c = &conns[id];

	if (c->state == ST_CONNECTING)
		pending--;
	if (c->state == ST_HELD)
		held--;
	if (c->fd != -1)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->state = ST_DONE;
	active--;
}

static void
conn_failed(uint64_t id, const char *what, int err)
{
	fprintf(stderr, "loadgen: c%" PRIu64 ": %s: %s\n", id, what,
	    strerror(err));
	failed++;
	close_conn(id);
}

/* Connection id is writable: send what the socket takes. */
static void
send_some(uint64_t id)
{
	struct lconn	*c = &conns[id];
	socklen_t	 len = sizeof (int);
	uint64_t	 before;
	size_t		 n;
	ssize_t		 w;
	int		 err = 0;

	if (c->state == ST_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) ==
		    -1 || err != 0) {
			conn_failed(id, "connect", err != 0 ? err : errno);
			return;
		}
		pending--;
		c->state = ST_SENDING;
		if (verbose)
			fprintf(stderr, "loadgen: c%" PRIu64 " connected\n",
			    id);
	}
	while (c->sent < conn_bytes) {
		n = fill(scratch, CHUNK, id, c->sent);
		w = write(c->fd, scratch, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN)
			return;
		if (w <= 0) {
			conn_failed(id, "write", w == 0 ? EIO : errno);
			return;
		}
		before = c->sent / linelen;
		c->sent += w;
		bytes_sent += w;
		lines_sent += c->sent / linelen - before;
		if ((size_t)w < n)
			return;		/* the socket is full */
	}
	if (hold >= 0) {
		if (epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) == -1)
			die("epoll_ctl: %s", strerror(errno));
		c->state = ST_HELD;
		held++;
		return;
	}
	if (!quick) {
		struct epoll_event	ev;

		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.u64 = id;
		if (shutdown(c->fd, SHUT_WR) == -1) {
			conn_failed(id, "shutdown", errno);
			return;
		}
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
		c->state = ST_CLOSING;
		return;
	}
	if (verbose)
		fprintf(stderr, "loadgen: c%" PRIu64 " done\n", id);
	close_conn(id);
}

/* Half-closed connection id: read to the server's EOF, then close. */
static void
read_some(uint64_t id)
{
	struct lconn	*c = &conns[id];
	ssize_t		 r;

	for (;;) {
		r = read(c->fd, scratch, CHUNK);
		if (r > 0)
			continue;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			return;
		break;
	}
	if (r == -1) {
		conn_failed(id, "read", errno);
		return;
	}
	if (verbose)
		fprintf(stderr, "loadgen: c%" PRIu64 " done\n", id);
	close_conn(id);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 evs[MAX_EVENTS];
	struct rlimit		 rl;
	struct sigaction	 sa;
	double			 limit = 60, t0, deadline, hold_end = 0, left;
	uint64_t		 id, need;
	int			 ch, i, n, timeout, holding = 0, timed_out = 0;

	while ((ch = getopt(argc, argv, "c:H:m:n:op:qrs:t:vy")) != -1) {
		switch (ch) {
		case 'c':
			concurrent = number(optarg, 1, 10000000, "-c");
			break;
		case 'H':
			hold = number(optarg, 0, 86400, "-H");
			break;
		case 'm':
			nlines = number(optarg, 0, UINT64_C(1) << 40, "-m");
			break;
		case 'n':
			nconns = number(optarg, 1, 10000000, "-n");
			break;
		case 'o':
			octet = 1;
			break;
		case 'p':
			max_pending = number(optarg, 1, 100000, "-p");
			break;
		case 'q':
			quick = 1;
			break;
		case 'r':
			crlf = 1;
			break;
		case 's':
			size = number(optarg, 1, MAX_SIZE, "-s");
			break;
		case 't':
			limit = number(optarg, 1, 86400, "-t");
			break;
		case 'v':
			verbose = 1;
			break;
		case 'y':
			syslog5424 = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	if (parse_addr(argv[0], argv[1]) == -1) {
		fprintf(stderr, "loadgen: %s: not a loopback address "
		    "(127.0.0.0/8 or ::1); refusing\n", argv[0]);
		exit(64);
	}
	if (concurrent == 0 || concurrent > nconns)
		concurrent = nconns;
	if (hold >= 0 && concurrent != nconns) {
		fprintf(stderr, "loadgen: -H needs every connection open at "
		    "once (no -c)\n");
		exit(64);
	}
	if (octet && crlf) {
		fprintf(stderr, "loadgen: -o and -r do not go together\n");
		exit(64);
	}
	/* The longest prefix must fit: "c<id>-l<seq> ", after the head. */
	headlen = syslog5424 ? strlen(LOADGEN_SYSLOG_HEAD) : 0;
	need = headlen + snprintf(NULL, 0, "c%" PRIu64 "-l%" PRIu64 " ",
	    nconns - 1, nlines > 0 ? nlines - 1 : 0);
	if (size < need) {
		fprintf(stderr, "loadgen: -s %" PRIu64 " is too short for "
		    "%s\"c<id>-l<seq> \" (%" PRIu64 " bytes)\n", size,
		    syslog5424 ? "the syslog head and " : "", need);
		exit(64);
	}
	if (octet)
		prefixlen = snprintf(prefix, sizeof prefix, "%" PRIu64 " ",
		    size);
	linelen = prefixlen + size + (octet ? 0 : crlf ? 2 : 1);
	conn_bytes = nlines * linelen;
	for (i = 0; i < 2 * 26; i++)
		alphabet[i] = 'a' + i % 26;

	/* One descriptor per open connection, and a few. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < concurrent + 16) {
		fprintf(stderr, "loadgen: %" PRIu64 " connections at once "
		    "need more descriptors than ulimit -n allows (%llu)\n",
		    concurrent, (unsigned long long)rl.rlim_cur);
		exit(1);
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = stop_cb;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((conns = calloc(nconns, sizeof *conns)) == NULL ||
	    (scratch = malloc(CHUNK + linelen)) == NULL ||
	    (linebuf = malloc(linelen + 1)) == NULL)
		die("out of memory");
	for (id = 0; id < nconns; id++)
		conns[id].fd = -1;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));

	t0 = now();
	deadline = t0 + limit;
	for (;;) {
		/* Top up: C open at a time, at most P connecting. */
		while (next_id < nconns && active < concurrent &&
		    pending < max_pending)
			start_conn(next_id++);
		if (next_id == nconns && active == held) {
			if (hold < 0 || active == 0)
				break;
			if (!holding) {
				holding = 1;
				hold_end = now() + hold;
				printf("loadgen: holding %" PRIu64
				    " connections\n", held);
				fflush(stdout);
			}
		}
		if (got_signal != 0 && (holding || got_signal != SIGUSR1)) {
			if (!holding) {
				fprintf(stderr, "loadgen: stopped by signal "
				    "%d\n", (int)got_signal);
				timed_out = 1;
			}
			break;
		}
		if (holding && now() >= hold_end)
			break;
		left = deadline - now();
		if (left <= 0) {
			timed_out = 1;
			fprintf(stderr, "loadgen: time is up after %.0f s: "
			    "%" PRIu64 " of %" PRIu64 " lines sent\n", limit,
			    lines_sent, nconns * nlines);
			break;
		}
		if (holding && hold_end - now() < left)
			left = hold_end - now();
		timeout = (int)(left * 1000) + 1;
		if (holding && active == held)
			timeout = timeout > 100 ? 100 : timeout;
		n = epoll_wait(ep, evs, MAX_EVENTS, timeout);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			id = evs[i].data.u64;
			if (conns[id].state == ST_CONNECTING ||
			    conns[id].state == ST_SENDING)
				send_some(id);
			else if (conns[id].state == ST_CLOSING)
				read_some(id);
		}
	}
	for (id = 0; id < nconns; id++) {
		if (conns[id].fd != -1)
			close_conn(id);
	}
	printf("loadgen: conns %" PRIu64 " failed %" PRIu64 " lines %" PRIu64
	    " bytes %" PRIu64 " seconds %.3f\n", next_id, failed, lines_sent,
	    bytes_sent, now() - t0);
	return (failed > 0 || timed_out ? 1 : 0);
}
