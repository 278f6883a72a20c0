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
 * floor: the least a TCP line logger can do, as a yardstick.  One thread,
 * epoll, level-triggered: read what a connection has, find every line in
 * it (memchr), append the complete lines to one output buffer in one copy
 * as they came (no time, no peer, no escaping) and keep the incomplete
 * rest for that connection; write the buffer to the file in large writes,
 * when it holds FLUSH_AT bytes or when the loop has nothing else to do.
 * So lines are never spliced and the lines of a connection keep their
 * order, and what is left is the cost of the syscalls and copies that any
 * logger pays.  At the end of a connection a last line without LF is
 * written with one.
 *
 *	floor [-P portfile] [-p port] [-T certfile -K keyfile [-A cafile]
 *	    [-N tickets]] outfile
 *
 * With -T (built with OpenSSL, -DHAVE_OPENSSL) it is the TLS floor: the
 * same loop behind the least a TLS server does, OpenSSL's own defaults
 * but for these: TLS 1.3 only; SSL_MODE_RELEASE_BUFFERS (no idle
 * connection keeps its record buffers); no session cache and no session
 * tickets (-N to send some: no client here resumes a session, so they
 * would be work for nothing); with -A, a client certificate is required
 * and checked against cafile.  Each accepted connection handshakes
 * (SSL_accept), then is read with SSL_read until close_notify, which it
 * answers with its own before closing.
 *
 * It listens on 127.0.0.1 only (port 0, the default, lets the kernel
 * choose), writes "floor 127.0.0.1:PORT" to the port file (via a rename),
 * appends to outfile, and exits 0 on SIGTERM or SIGINT after writing
 * everything out.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#define READ_SIZE	(256 * 1024)	/* one read(2) at most */
#define OUT_SIZE	(2 * 1024 * 1024)
#define FLUSH_AT	(256 * 1024)	/* as tcplogd writes, cache-sized */
#define MAX_LINE	(64 * 1024)	/* a longer line is cut */
#define MAX_EVENTS	256

/* A connection and its incomplete last line. */
struct fconn {
	int	 fd;
	char	*rest;
	size_t	 len;
	int	 eof;		/* the end, or an error: close */
#ifdef HAVE_OPENSSL
	SSL	*ssl;		/* -T */
	int	 handshaking;
	int	 notified;	/* close_notify came */
#endif
};

static void	fail(const char *) __attribute__((noreturn));
static void	out_flush(void);
static void	out_append(const char *, size_t);
static size_t	conn_recv(struct fconn *, char *, size_t);
static void	conn_read(struct fconn *);
static void	conn_close(struct fconn *);
static void	stop_cb(int);

static int			 out_fd = -1, ep = -1;
#ifdef HAVE_OPENSSL
static SSL_CTX			*tls_ctx;
static void	tls_init(const char *, const char *, const char *, long);
static size_t	tls_recv(struct fconn *, char *, size_t);
#endif
static char			*out, *rbuf;
static size_t			 out_len;
static volatile sig_atomic_t	 stopping;

static void
fail(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
stop_cb(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Write the whole output buffer (blocking: it is a file). */
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

static void
out_append(const char *p, size_t len)
{
	if (out_len + len > OUT_SIZE)
		out_flush();
	if (len > OUT_SIZE) {
		/* Cannot happen with MAX_LINE < OUT_SIZE; be safe. */
		memcpy(out, p, OUT_SIZE);
		out_len = OUT_SIZE;
		out_flush();
		return;
	}
	memcpy(out + out_len, p, len);
	out_len += len;
}

#ifdef HAVE_OPENSSL
/* The server's TLS context (see the top of the file). */
static void
tls_init(const char *cert, const char *key, const char *ca, long tickets)
{
	if ((tls_ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		fail("SSL_CTX_new");
	if (SSL_CTX_set_min_proto_version(tls_ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(tls_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(tls_ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tls_ctx) != 1) {
		fprintf(stderr, "floor: %s, %s: cannot load the certificate "
		    "and its key\n", cert, key);
		exit(1);
	}
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(tls_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(tls_ctx, tickets);
	if (ca != NULL) {
		if (SSL_CTX_load_verify_locations(tls_ctx, ca, NULL) != 1) {
			fprintf(stderr, "floor: %s: cannot load the CA\n", ca);
			exit(1);
		}
		SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
}

/*
 * TLS: finish the handshake, then SSL_read until buf is full or the
 * socket has nothing more (SSL_read gives a record at a time, and a
 * level-triggered epoll sees only what is left in the kernel).
 */
static size_t
tls_recv(struct fconn *c, char *buf, size_t cap)
{
	struct epoll_event	 ev;
	size_t			 got = 0;
	int			 r, e;

	if (c->handshaking) {
		if ((r = SSL_accept(c->ssl)) != 1) {
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE) {
				memset(&ev, 0, sizeof ev);
				ev.events = e == SSL_ERROR_WANT_READ ?
				    EPOLLIN : EPOLLOUT;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) ==
				    -1)
					fail("epoll_ctl");
			} else
				c->eof = 1;
			return (0);
		}
		c->handshaking = 0;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
			fail("epoll_ctl");
	}
	while (got < cap) {
		if ((r = SSL_read(c->ssl, buf + got, cap - got)) > 0) {
			got += r;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		c->notified = e == SSL_ERROR_ZERO_RETURN;
		c->eof = 1;
		break;
	}
	return (got);
}
#endif

/* Up to cap bytes off connection c; at its end (or an error), c->eof. */
static size_t
conn_recv(struct fconn *c, char *buf, size_t cap)
{
	ssize_t	n;

#ifdef HAVE_OPENSSL
	if (c->ssl != NULL)
		return (tls_recv(c, buf, cap));
#endif
	n = read(c->fd, buf, cap);
	if (n > 0)
		return (n);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return (0);
	c->eof = 1;
	return (0);
}

/* Read once; append whole lines; keep the rest. */
static void
conn_read(struct fconn *c)
{
	size_t	 n;
	char	*p, *nl;
	size_t	 have;

	/* The rest of the last read goes first. */
	if (c->len > 0)
		memcpy(rbuf, c->rest, c->len);
	n = conn_recv(c, rbuf + c->len, READ_SIZE);
	if (n == 0) {
		if (c->eof)
			conn_close(c);
		return;
	}
	have = c->len + n;
	/*
	 * Frame every line, as any line logger must (to attribute, count
	 * or cut records), but copy them all in one go.
	 */
	for (p = rbuf; (nl = memchr(p, '\n', rbuf + have - p)) != NULL;
	    p = nl + 1)
		;
	if (p == rbuf && have > MAX_LINE)
		p = rbuf + have;	/* overlong: cut it here */
	if (p != rbuf)
		out_append(rbuf, p - rbuf);
	c->len = have - (p - rbuf);
	if (c->len > 0) {
		if ((c->rest = realloc(c->rest, c->len)) == NULL)
			fail("realloc");
		memcpy(c->rest, p, c->len);
	} else {
		free(c->rest);
		c->rest = NULL;
	}
	if (out_len >= FLUSH_AT)
		out_flush();
	if (c->eof)
		conn_close(c);
}

/* End of a connection: its last line without LF gets one. */
static void
conn_close(struct fconn *c)
{
	if (c->len > 0) {
		out_append(c->rest, c->len);
		out_append("\n", 1);
	}
#ifdef HAVE_OPENSSL
	if (c->ssl != NULL) {
		if (c->notified)
			(void)SSL_shutdown(c->ssl);	/* ours back */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
#endif
	close(c->fd);
	free(c->rest);
	free(c);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[MAX_EVENTS];
	struct sockaddr_in	 sin;
	struct sigaction	 sa;
	struct rlimit		 rl;
	struct fconn		*c;
	sigset_t		 block, waitmask;
	socklen_t		 len = sizeof sin;
	const char		*portfile = NULL, *cert = NULL, *key = NULL;
	const char		*ca = NULL;
	long			 tickets = 0;
	char			 tmp[4096];
	FILE			*f;
	int			 ch, lfd, fd, i, n, one = 1;
	long			 port = 0;

	while ((ch = getopt(argc, argv, "A:K:N:P:p:T:")) != -1) {
		switch (ch) {
		case 'A':
			ca = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'N':
			tickets = strtol(optarg, NULL, 10);
			if (tickets < 0 || tickets > 10) {
				fprintf(stderr, "floor: -N: 0 to 10\n");
				exit(64);
			}
			break;
		case 'T':
			cert = optarg;
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 0 || port > 65535) {
				fprintf(stderr, "floor: bad port\n");
				exit(64);
			}
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1) {
usage:
		fprintf(stderr, "usage: floor [-P portfile] [-p port] "
		    "[-T certfile -K keyfile [-A cafile] [-N tickets]]\n"
		    "             outfile\n");
		exit(64);
	}
	if ((cert == NULL) != (key == NULL) ||
	    (cert == NULL && (ca != NULL || tickets != 0)))
		goto usage;
#ifdef HAVE_OPENSSL
	if (cert != NULL)
		tls_init(cert, key, ca, tickets);
#else
	if (cert != NULL) {
		fprintf(stderr, "floor: -T: built without OpenSSL\n");
		exit(64);
	}
#endif

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = stop_cb;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Signals only while waiting (epoll_pwait): no lost wake-up. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	if ((out = malloc(OUT_SIZE)) == NULL ||
	    (rbuf = malloc(MAX_LINE + READ_SIZE)) == NULL)
		fail("malloc");
	out_fd = open(argv[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (out_fd == -1)
		fail(argv[0]);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		fail("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1)
		fail("bind");
	if (listen(lfd, 1024) == -1)
		fail("listen");
	if (getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		fail("getsockname");
	if (portfile != NULL) {
		snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
		if ((f = fopen(tmp, "w")) == NULL)
			fail(tmp);
		fprintf(f, "floor 127.0.0.1:%u\n", ntohs(sin.sin_port));
		if (fclose(f) != 0 || rename(tmp, portfile) == -1)
			fail(portfile);
	}

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fail("epoll_create1");
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		fail("epoll_ctl");

	while (!stopping) {
		/* Nothing ready: write out, then sleep. */
		n = out_len > 0 ? epoll_wait(ep, evs, MAX_EVENTS, 0) : 0;
		if (n == 0) {
			if (out_len > 0)
				out_flush();
			n = epoll_pwait(ep, evs, MAX_EVENTS, -1, &waitmask);
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fail("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c != NULL) {
				conn_read(c);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
				if ((c = calloc(1, sizeof *c)) == NULL)
					fail("calloc");
				c->fd = fd;
#ifdef HAVE_OPENSSL
				if (tls_ctx != NULL) {
					if ((c->ssl = SSL_new(tls_ctx)) ==
					    NULL || SSL_set_fd(c->ssl, fd) != 1)
						fail("SSL_new");
					SSL_set_accept_state(c->ssl);
					c->handshaking = 1;
				}
#endif
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
					fail("epoll_ctl");
			}
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED) {
				/* EMFILE: drop the listener for a moment. */
				fprintf(stderr, "floor: accept: %s\n",
				    strerror(errno));
				usleep(10000);
			}
		}
	}
	out_flush();
	return (0);
}
