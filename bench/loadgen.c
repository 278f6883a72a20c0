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
 * With -T (built with OpenSSL, -DHAVE_OPENSSL) every connection speaks
 * TLS 1.3 first: a full handshake each (no session resumption), with the
 * client certificate -C and its key -K if given, checking the server's
 * chain against -A if given.  Lines go out as SSL_write()s of up to
 * CHUNK bytes, and a connection that has sent them sends close_notify
 * (SSL_shutdown) before it half-closes, as a well-behaved TLS client
 * does; held ones (-H) send it when they close.
 *
 * With -p v1 or -p v2 every connection sends a PROXY protocol header
 * first (HAProxy's proxy-protocol.txt), as a load balancer in front of
 * the server would: v1 the text line "PROXY TCP4 SRC DST SPORT DPORT\r\n",
 * v2 the binary header (PROXY command, AF_INET or AF_INET6, STREAM, the
 * address block, no TLVs).  SRC and SPORT are the connection's own
 * address and port (getsockname), DST and DPORT the server's; with -a
 * the client is instead 198.51.100.A port P for connection ID (A = 1 +
 * ID % 254, P = 1024 + ID / 254: an address for documentation, RFC 5737,
 * unique per connection), which bench/check -a expects as the peer of
 * every record.  The header goes out in the connection's first write,
 * with the first lines after it.
 *
 * Single-threaded, epoll, non-blocking.  At most P connects are in flight
 * at once (-P), so that a listen backlog never drops SYNs and turns the
 * benchmark into a measurement of TCP's retransmission timer; with -T a
 * connection is in flight until its handshake is done, so that the
 * server's memory after the handshakes is what held connections take,
 * not what thousands of half-done handshakes left behind.  A
 * connection that has sent its lines half-closes and counts as open
 * until the server closes it too (reading and discarding anything the
 * server sends), so "C at a time" holds at the server as well; -q closes
 * at once instead.
 *
 * At the end it prints one line on stdout:
 *	loadgen: conns N failed N lines N bytes N seconds S[ handshakes N]
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

#ifdef HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#define CHUNK		(64 * 1024)	/* bytes per write(2) at most */
#define MAX_SIZE	(1024 * 1024)	/* longest line, -s */
#define MAX_EVENTS	256
#define PROXY_HDR_MAX	108	/* a v1 line (107) or a v2 header (52) */

/* -y: what every message starts with (bench/check knows it too). */
#define LOADGEN_SYSLOG_HEAD \
	"<134>1 2026-12-04T10:00:00.000000Z host app 1234 ID47 " \
	"[x@32473 a=\"b\"] "

enum state {
	ST_IDLE,		/* not started yet */
	ST_CONNECTING,
	ST_HANDSHAKE,		/* -T: TLS handshake */
	ST_SENDING,
	ST_SHUTDOWN,		/* -T: all sent, close_notify going out */
	ST_CLOSING,		/* all sent, half-closed, reading to EOF */
	ST_HELD,		/* all sent, kept open (-H) */
	ST_DONE			/* closed */
};

struct lconn {
	int		fd;
	enum state	state;
	uint64_t	sent;	/* bytes of this connection sent */
	uint32_t	events;	/* epoll events it waits for */
	uint8_t		hdrlen;	/* -p: its PROXY header, once connected */
	uint8_t		hsent;	/* bytes of it sent */
	char		hdr[PROXY_HDR_MAX];
#ifdef HAVE_OPENSSL
	SSL		*ssl;	/* -T, once connected */
#endif
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
static void	watch(uint64_t, uint32_t);
static ssize_t	conn_write(uint64_t, const char *, size_t);
static int	conn_finish(uint64_t);
static int	proxy_header(uint64_t);
#ifdef HAVE_OPENSSL
static void	tls_init(const char *, const char *, const char *);
static int	tls_want(uint64_t, int, const char *);
#endif

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
static int		 tls;		/* -T */
static int		 proxy_version;	/* -p: 1 or 2, 0 none */
static int		 proxy_doc;	/* -a: clients 198.51.100.A:P */
#ifdef HAVE_OPENSSL
static SSL_CTX		*tls_ctx;
static uint64_t		 handshakes;
#endif

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-aoqrTvy] [-n conns] [-c concurrent] [-m lines] "
	    "[-s size]\n"
	    "               [-P pending] [-p v1|v2] [-H seconds] "
	    "[-t seconds]\n"
	    "               [-A cafile] [-C certfile -K keyfile] host port\n"
	    "  -n  connections in all (default 1)\n"
	    "  -c  connections open at a time (default: all at once)\n"
	    "  -m  lines per connection (default 1)\n"
	    "  -s  bytes per line, without its LF or CRLF (default 100)\n"
	    "  -r  end lines with CRLF instead of LF\n"
	    "  -o  octet-counted framing (\"S \" before each, no LF)\n"
	    "  -y  RFC 5424 messages: a fixed syslog head, then the line\n"
	    "  -P  connects in flight at most (default 100)\n"
	    "  -p  send a PROXY protocol header first, v1 or v2, naming\n"
	    "      the connection's own address as the client\n"
	    "  -a  -p: name 198.51.100.A port P as connection ID's client\n"
	    "      (A = 1 + ID %% 254, P = 1024 + ID / 254) instead\n"
	    "  -H  once every line is sent, hold all connections open\n"
	    "      until SIGUSR1 or for at most this many seconds\n"
	    "  -q  close as soon as the lines are sent (default: half-close\n"
	    "      and wait until the server closes)\n"
	    "  -t  give up after this many seconds in all (default 60)\n"
	    "  -v  say on stderr what is going on\n"
	    "  -T  TLS 1.3, a full handshake per connection, close_notify\n"
	    "      before closing (OpenSSL)\n"
	    "  -A  -T: check the server's certificate against this CA file\n"
	    "  -C  -T: present this client certificate (PEM, chain after)\n"
	    "  -K  -T: the client certificate's key\n"
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
	ev.events = c->events = EPOLLOUT;
	ev.data.u64 = id;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
}

/* Wait for exactly these events on connection id. */
static void
watch(uint64_t id, uint32_t events)
{
	struct lconn		*c = &conns[id];
	struct epoll_event	 ev;

	if (c->events == events)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = c->events = events;
	ev.data.u64 = id;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
}

/*
 * Close connection id.  A held TLS connection says close_notify first
 * (its socket is empty, so one non-blocking try is enough), so that the
 * server sees a client that closed as it should.
 */
static void
close_conn(uint64_t id)
{
	struct lconn	*c = &conns[id];

	if (c->state == ST_CONNECTING || c->state == ST_HANDSHAKE)
		pending--;
	if (c->state == ST_HELD)
		held--;
#ifdef HAVE_OPENSSL
	if (c->ssl != NULL) {
		if (c->state == ST_HELD)
			(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
		ERR_clear_error();
	}
#endif
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

#ifdef HAVE_OPENSSL
/*
 * The client's TLS context: TLS 1.3 only, no session cache (every
 * connection makes a full handshake, the cost a server pays per new
 * client), SSL_write() may return after some records and be called
 * again from a rebuilt buffer (fill() makes the same bytes again).
 */
static void
tls_init(const char *ca, const char *cert, const char *key)
{
	if ((tls_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new failed");
	if (SSL_CTX_set_min_proto_version(tls_ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(tls_ctx, TLS1_3_VERSION) != 1)
		die("cannot limit TLS to 1.3");
	SSL_CTX_set_session_cache_mode(tls_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ca != NULL) {
		if (SSL_CTX_load_verify_locations(tls_ctx, ca, NULL) != 1)
			die("%s: cannot load the CA", ca);
		SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, NULL);
	}
	if (cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(tls_ctx, cert) != 1)
			die("%s: cannot load the certificate", cert);
		if (SSL_CTX_use_PrivateKey_file(tls_ctx, key,
		    SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(tls_ctx) != 1)
			die("%s: cannot load the key, or it does not match",
			    key);
	}
}

/*
 * OpenSSL said r: wait for what it wants and return 1, or fail the
 * connection with its reason and return 0.
 */
static int
tls_want(uint64_t id, int r, const char *what)
{
	struct lconn	*c = &conns[id];
	unsigned long	 e;
	char		 buf[256];

	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		watch(id, EPOLLIN);
		return (1);
	case SSL_ERROR_WANT_WRITE:
		watch(id, EPOLLOUT);
		return (1);
	case SSL_ERROR_SYSCALL:
		if ((e = ERR_peek_error()) == 0) {
			conn_failed(id, what, errno != 0 ? errno : EPIPE);
			return (0);
		}
		break;
	}
	e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof buf);
	fprintf(stderr, "loadgen: c%" PRIu64 ": %s: %s\n", id, what,
	    e != 0 ? buf : "TLS error");
	failed++;
	close_conn(id);
	return (0);
}
#endif

/*
 * Write up to n bytes on connection id: how many went, 0 if it must
 * wait (watching what it waits for), -1 if it failed (and is closed).
 */
static ssize_t
conn_write(uint64_t id, const char *buf, size_t n)
{
	struct lconn	*c = &conns[id];
	ssize_t		 w;

#ifdef HAVE_OPENSSL
	if (c->ssl != NULL) {
		if ((w = SSL_write(c->ssl, buf, n)) > 0)
			return (w);
		return (tls_want(id, w, "SSL_write") ? 0 : -1);
	}
#endif
	for (;;) {
		w = write(c->fd, buf, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN)
			return (0);
		if (w <= 0) {
			conn_failed(id, "write", w == 0 ? EIO : errno);
			return (-1);
		}
		return (w);
	}
}

/*
 * Connection id has sent its lines: close_notify first over TLS, then
 * half-close and read to the server's EOF, or close (-q).  Returns 0
 * while it waits to write close_notify.
 */
static int
conn_finish(uint64_t id)
{
	struct lconn	*c = &conns[id];
	int		 r;

	c->state = ST_SHUTDOWN;
#ifdef HAVE_OPENSSL
	/* 0: sent, the server's is not read (nor needed); -1: wait. */
	if (c->ssl != NULL && (r = SSL_shutdown(c->ssl)) < 0)
		return (tls_want(id, r, "SSL_shutdown") ? 0 : -1);
#else
	(void)r;
#endif
	if (!quick) {
		if (shutdown(c->fd, SHUT_WR) == -1) {
			conn_failed(id, "shutdown", errno);
			return (-1);
		}
		watch(id, EPOLLIN);
		c->state = ST_CLOSING;
		return (1);
	}
	if (verbose)
		fprintf(stderr, "loadgen: c%" PRIu64 " done\n", id);
	close_conn(id);
	return (1);
}

/*
 * -p: connection id's PROXY header into c->hdr (proxy-protocol.txt 2.1
 * and 2.2): its own address (or, with -a, 198.51.100.A:P) as the
 * source, the server's as the destination.  -1: it failed (closed).
 */
static int
proxy_header(uint64_t id)
{
	static const u_char		 sig[12] = { '\r', '\n', '\r', '\n',
		0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n' };
	struct lconn			*c = &conns[id];
	struct sockaddr_storage		 src, dstss;
	struct sockaddr_in		*s4 = (struct sockaddr_in *)&src;
	struct sockaddr_in		*d4 = (struct sockaddr_in *)&dstss;
	struct sockaddr_in6		*s6 = (struct sockaddr_in6 *)&src;
	struct sockaddr_in6		*d6 = (struct sockaddr_in6 *)&dstss;
	socklen_t			 len = sizeof src;
	char				 sa[INET6_ADDRSTRLEN];
	char				 da[INET6_ADDRSTRLEN];
	u_char				*p = (u_char *)c->hdr;
	int				 v6, n;

	if (getsockname(c->fd, (struct sockaddr *)&src, &len) == -1) {
		conn_failed(id, "getsockname", errno);
		return (-1);
	}
	memcpy(&dstss, &dst, sizeof dstss);
	v6 = src.ss_family == AF_INET6;
	if (proxy_doc) {
		/* main() allows -a with an IPv4 server only. */
		s4->sin_addr.s_addr = htonl(0xc6336400 | (1 + id % 254));
		s4->sin_port = htons(1024 + id / 254);
	}
	if (proxy_version == 1) {
		inet_ntop(src.ss_family, v6 ? (void *)&s6->sin6_addr :
		    (void *)&s4->sin_addr, sa, sizeof sa);
		inet_ntop(src.ss_family, v6 ? (void *)&d6->sin6_addr :
		    (void *)&d4->sin_addr, da, sizeof da);
		n = snprintf(c->hdr, sizeof c->hdr, "PROXY TCP%c %s %s %u "
		    "%u\r\n", v6 ? '6' : '4', sa, da,
		    ntohs(v6 ? s6->sin6_port : s4->sin_port),
		    ntohs(v6 ? d6->sin6_port : d4->sin_port));
		c->hdrlen = n;
		return (0);
	}
	memcpy(p, sig, sizeof sig);
	p[12] = 0x21;			/* version 2, PROXY */
	p[13] = v6 ? 0x21 : 0x11;	/* AF_INET6 or AF_INET, STREAM */
	p[14] = 0;
	p[15] = v6 ? 36 : 12;
	p += 16;
	if (v6) {
		memcpy(p, &s6->sin6_addr, 16);
		memcpy(p + 16, &d6->sin6_addr, 16);
		memcpy(p + 32, &s6->sin6_port, 2);
		memcpy(p + 34, &d6->sin6_port, 2);
	} else {
		memcpy(p, &s4->sin_addr, 4);
		memcpy(p + 4, &d4->sin_addr, 4);
		memcpy(p + 8, &s4->sin_port, 2);
		memcpy(p + 10, &d4->sin_port, 2);
	}
	c->hdrlen = 16 + (v6 ? 36 : 12);
	return (0);
}

/* Connection id is ready: connect, handshake, send what it takes. */
static void
send_some(uint64_t id)
{
	struct lconn	*c = &conns[id];
	socklen_t	 len = sizeof (int);
	uint64_t	 before;
	size_t		 n, h;
	ssize_t		 w;
	int		 err = 0;

	if (c->state == ST_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) ==
		    -1 || err != 0) {
			conn_failed(id, "connect", err != 0 ? err : errno);
			return;
		}
		c->state = ST_SENDING;
		if (verbose)
			fprintf(stderr, "loadgen: c%" PRIu64 " connected\n",
			    id);
#ifdef HAVE_OPENSSL
		if (tls) {
			if ((c->ssl = SSL_new(tls_ctx)) == NULL ||
			    SSL_set_fd(c->ssl, c->fd) != 1)
				die("SSL_new failed");
			SSL_set_connect_state(c->ssl);
			c->state = ST_HANDSHAKE;
		}
#endif
		if (c->state == ST_SENDING)
			pending--;
	}
#ifdef HAVE_OPENSSL
	if (c->state == ST_HANDSHAKE) {
		if ((err = SSL_connect(c->ssl)) != 1) {
			(void)tls_want(id, err, "TLS handshake");
			return;
		}
		if (handshakes++ == 0)
			fprintf(stderr, "loadgen: %s %s\n",
			    SSL_get_version(c->ssl),
			    SSL_get_cipher_name(c->ssl));
		pending--;
		c->state = ST_SENDING;
		watch(id, EPOLLOUT);
	}
#endif
	if (c->state == ST_SHUTDOWN) {
		(void)conn_finish(id);
		return;
	}
	if (proxy_version != 0 && c->hdrlen == 0 && proxy_header(id) == -1)
		return;
	while (c->hsent < c->hdrlen || c->sent < conn_bytes) {
		/* What is left of the header, then lines, in one write. */
		h = c->hdrlen - c->hsent;
		memcpy(scratch, c->hdr + c->hsent, h);
		n = h + fill(scratch + h, CHUNK - h, id, c->sent);
		if ((w = conn_write(id, scratch, n)) <= 0)
			return;
		if ((size_t)w <= h) {
			c->hsent += w;
			if (!tls && (size_t)w < n)
				return;
			continue;
		}
		c->hsent = c->hdrlen;
		n -= h;
		w -= h;
		before = c->sent / linelen;
		c->sent += w;
		bytes_sent += w;
		lines_sent += c->sent / linelen - before;
		if (!tls && (size_t)w < n)
			return;		/* the socket is full */
	}
	if (hold >= 0) {
		if (epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL) == -1)
			die("epoll_ctl: %s", strerror(errno));
		c->state = ST_HELD;
		held++;
		return;
	}
	(void)conn_finish(id);
}

/* Half-closed connection id: read to the server's EOF, then close. */
static void
read_some(uint64_t id)
{
	struct lconn	*c = &conns[id];
	ssize_t		 r;

	/*
	 * Over TLS too, raw: close_notify has gone, so what comes now
	 * (session tickets, the server's close_notify) is only drained.
	 */
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
	const char		*ca = NULL, *cert = NULL, *key = NULL;
	int			 ch, i, n, timeout, holding = 0, timed_out = 0;

	while ((ch = getopt(argc, argv, "aA:C:c:H:K:m:n:oP:p:qrs:Tt:vy")) !=
	    -1) {
		switch (ch) {
		case 'a':
			proxy_doc = 1;
			break;
		case 'A':
			ca = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'T':
			tls = 1;
			break;
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
		case 'P':
			max_pending = number(optarg, 1, 100000, "-P");
			break;
		case 'p':
			if (strcmp(optarg, "v1") == 0)
				proxy_version = 1;
			else if (strcmp(optarg, "v2") == 0)
				proxy_version = 2;
			else
				usage();
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
	if ((ca != NULL || cert != NULL || key != NULL) && !tls) {
		fprintf(stderr, "loadgen: -A, -C and -K go with -T\n");
		exit(64);
	}
	if (proxy_doc && (proxy_version == 0 || dst.ss_family != AF_INET)) {
		fprintf(stderr, "loadgen: -a goes with -p and an IPv4 "
		    "server\n");
		exit(64);
	}
	if (proxy_version != 0 && tls) {
		fprintf(stderr, "loadgen: -p and -T do not go together\n");
		exit(64);
	}
	if ((cert == NULL) != (key == NULL)) {
		fprintf(stderr, "loadgen: -C and -K go together\n");
		exit(64);
	}
#ifdef HAVE_OPENSSL
	if (tls)
		tls_init(ca, cert, key);
#else
	if (tls) {
		fprintf(stderr, "loadgen: -T: built without OpenSSL\n");
		exit(64);
	}
#endif
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
			    conns[id].state == ST_HANDSHAKE ||
			    conns[id].state == ST_SENDING ||
			    conns[id].state == ST_SHUTDOWN)
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
	    " bytes %" PRIu64 " seconds %.3f", next_id, failed, lines_sent,
	    bytes_sent, now() - t0);
#ifdef HAVE_OPENSSL
	if (tls)
		printf(" handshakes %" PRIu64, handshakes);
#endif
	printf("\n");
	return (failed > 0 || timed_out ? 1 : 0);
}
