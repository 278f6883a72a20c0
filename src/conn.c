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
 * One struct conn per TCP peer.  A connection owns its socket, its read
 * event and its protocol state; it borrows its listener, which owns it,
 * and holds a reference on the settings it started with.  conn_close()
 * is the only way a connection ends.
 *
 * A new connection first runs its listener's stages (a PROXY header, a
 * TLS handshake), each within its own timeout; bytes a stage read past
 * its end are carried to the next one, or to the protocol.  Only then is
 * it connected: the protocol starts and the connected record is written.
 * A connection that ends during its stages writes no record.
 *
 * Data reads go into one buffer shared by all connections,
 * CONN_READ_SIZE bytes, one read through the transport per readable
 * event: the protocol takes every byte before the next connection reads,
 * keeping only an unfinished record, so an idle connection holds no input
 * buffer and a busy one needs no copy of the lines it receives whole.
 * What the transport holds already read (pending) is read on the next
 * round of the loop, without waiting for the socket.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcplogd.h"
#include "log.h"

#define CONN_READ_SIZE	(256 * 1024) /* one read(2), shared buffer */
#define CONN_QUIET_MSEC	200	/* stopping: close after this silence */
#define CONN_DRAIN_MAX	(16 * 1024 * 1024) /* stopping, out of time */
#define CONN_DRAIN_OUTPUT_MAX (64 * 1024 * 1024) /* then stop reading */
#define CONN_DRAIN_POLL	5	/* ms to wait for data still in flight */
#define CONN_KEEPIDLE	60	/* keepalive: first probe after, seconds */
#define CONN_KEEPINTVL	10	/* then every */
#define CONN_KEEPCNT	6	/* probes before giving up */

static void	conn_io_cb(evutil_socket_t, short, void *);
static void	conn_stage_cb(evutil_socket_t, short, void *);
static ssize_t	conn_read(struct conn *, size_t, enum conn_reason *);
static ssize_t	conn_read_carried(struct conn *, size_t,
		    enum conn_reason *);
static size_t	conn_peer_inet(const struct sockaddr_in *, char *);
static ssize_t	conn_take_carry(struct conn *, void *, size_t);
static size_t	conn_pending(struct conn *);
static void	conn_want(struct conn *, short);
static void	conn_arm(struct conn *);
static void	conn_kick(struct conn *);
static void	conn_wait_input(struct conn *);
static void	conn_stage_begin(struct conn *);
static void	conn_stage_step(struct conn *);
static void	conn_stage_end(struct conn *);
static void	conn_start(struct conn *);
static void	conn_record(struct conn *, struct record *, enum rec_type);
static void	conn_event(struct conn *, enum rec_type, enum conn_reason);
static void	conn_now(struct conn *);
static void	conn_parse(struct conn *, struct record *,
		    struct syslog_msg *);
static void	conn_keepalive(struct conn *, evutil_socket_t);
static int	conn_drain_wait(struct conn *);

static u_char	conn_buf[CONN_READ_SIZE];	/* every read lands here */

/*
 * The stages a connection may go through before its data, in the order
 * they run; each row's enabled() says whether a listener's config wants
 * it.  A new stage is one file and one row.
 */
const struct stage_ops *const conn_stages[] = {
	&stage_proxy_ops,	/* a balancer's header comes first */
#ifdef HAVE_OPENSSL
	&stage_tls_ops,
#endif
	NULL
};

/* "1.2.3.4:5678" or "[::1]:5678". */
void
conn_peer_string(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 host[INET6_ADDRSTRLEN];
	size_t				 n;

	if (len == 0)
		return;
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		n = conn_peer_inet(sin, host);
		if (n >= len)
			n = len - 1;
		memcpy(buf, host, n);
		buf[n] = '\0';
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	default:
		snprintf(buf, len, "unknown");
		break;
	}
}

/*
 * "a.b.c.d:port" into buf (room for the longest), returning its length:
 * every connection is named once or twice (behind a balancer), and
 * inet_ntop() with snprintf() cost about as much as the rest of a short
 * connection.
 */
static size_t
conn_peer_inet(const struct sockaddr_in *sin, char *buf)
{
	const u_char	*q = (const u_char *)&sin->sin_addr;
	char		*o = buf, d[5];
	u_int		 v, i, k;

	for (i = 0; i < 5; i++) {
		v = i < 4 ? q[i] : ntohs(sin->sin_port);
		k = 0;
		do {
			d[k++] = '0' + v % 10;
			v /= 10;
		} while (v > 0);
		while (k > 0)
			*o++ = d[--k];
		if (i < 4)
			*o++ = i < 3 ? '.' : ':';
	}
	*o = '\0';
	return (o - buf);
}

/*
 * An IPv4 client of a dual-stack socket comes as ::ffff:a.b.c.d: make it
 * the IPv4 address it is, so that records, allow/deny and max_per_peer
 * see one address whatever the socket.  Returns the new length.
 */
socklen_t
sockaddr_unmap(struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	if (ss->ss_family != AF_INET6 || len < sizeof sin6)
		return (len);
	memcpy(&sin6, ss, sizeof sin6);
	if (!IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr))
		return (len);
	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	sin->sin_port = sin6.sin6_port;
	memcpy(&sin->sin_addr, &sin6.sin6_addr.s6_addr[12], 4);
	return (sizeof *sin);
}

/*
 * TCP keepalive, so that a peer that vanished without a FIN is found in
 * about CONN_KEEPIDLE + CONN_KEEPINTVL * CONN_KEEPCNT seconds, not the
 * kernel's two hours.
 */
static void
conn_keepalive(struct conn *c, evutil_socket_t fd)
{
	int	on = 1, idle = CONN_KEEPIDLE, intvl = CONN_KEEPINTVL;
	int	cnt = CONN_KEEPCNT;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof idle) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof intvl) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) == -1)
		log_debug("%s: %s: keepalive: %s", c->conf->name, c->peer,
		    strerror(errno));
}

/*
 * The time of this batch of records: the wall clock read after the read
 * that completed them returned, never the loop's cached clock, which is
 * older than the bytes it would stamp.
 */
static void
conn_now(struct conn *c)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c->tv.tv_sec = ts.tv_sec;
	c->tv.tv_usec = ts.tv_nsec / 1000;
}

/* A record of c of this type, the rest of it zero. */
static void
conn_record(struct conn *c, struct record *rec, enum rec_type type)
{
	memset(rec, 0, sizeof *rec);
	rec->type = type;
	rec->tv = &c->tv;
	rec->listener = c->conf->name;
	rec->peer = c->peer;
	rec->label = c->label;
	rec->label_len = c->label_len;
	rec->jpeer = c->jpeer;
	rec->jpeer_len = c->jpeer_len;
	rec->tls = c->tls;
	rec->proxy = c->proxy;
}

/* Write a connected or disconnected record if the listener wants them. */
static void
conn_event(struct conn *c, enum rec_type type, enum conn_reason reason)
{
	struct record	rec;

	if (!c->conf->events)
		return;
	conn_record(c, &rec, type);
	rec.reason = reason;
	rec.records = c->records;
	rec.bytes = c->bytes;
	listener_write(c->l, c->conf, &rec);
}

/* Wait for the socket to be ready for what (EV_READ or EV_WRITE). */
static void
conn_want(struct conn *c, short what)
{
	if (c->want == what)
		return;
	event_del(c->ev);
	event_assign(c->ev, c->l->env->base, c->fd, what | EV_PERSIST,
	    conn_io_cb, c);
	c->want = what;
}

/*
 * Wait for input: in a stage, for as long as its own timer allows;
 * then with the idle timeout, or once stopping with CONN_QUIET_MSEC of
 * silence; not at all while paused.
 */
static void
conn_arm(struct conn *c)
{
	struct timeval	tv = { 0, 0 };

	if (!c->started) {
		event_add(c->ev, NULL);
		return;
	}
	if (c->paused) {
		/* A stage may have left it on: the input must wait. */
		event_del(c->ev);
		return;
	}
	if (c->quiet)
		tv.tv_usec = CONN_QUIET_MSEC * 1000;
	else if (c->conf->idle_timeout > 0)
		tv.tv_sec = c->conf->idle_timeout;
	event_add(c->ev, timerisset(&tv) ? &tv : NULL);
}

/* Bytes that can be read without waiting for the socket. */
static size_t
conn_pending(struct conn *c)
{
	size_t	n = c->carry_len - c->carry_off;

	if (c->tops->pending != NULL)
		n += c->tops->pending(c);
	return (n);
}

/* Run the read callback in the next round if there is input already. */
static void
conn_kick(struct conn *c)
{
	if (conn_pending(c) > 0 && !(c->started && c->paused))
		event_active(c->ev, EV_READ, 0);
}

/* Wait for input, and read at once what is already here. */
static void
conn_wait_input(struct conn *c)
{
	conn_want(c, EV_READ);
	conn_arm(c);
	conn_kick(c);
}

/* A new connection on listener l; takes over fd. */
struct conn *
conn_new(struct listener *l, evutil_socket_t fd, const struct sockaddr *sa,
    int salen)
{
	struct listener_env	*env = l->env;
	struct conn		*c;

	c = xcalloc(1, sizeof *c);
	c->l = l;
	c->conf = lconf_ref(l->conf);
	c->ops = l->ops;
	c->tops = &transport_tcp_ops;
	c->fd = fd;
	c->want = EV_READ;
	c->since = time(NULL);
	conn_peer_string(sa, c->peer, sizeof c->peer);
	if ((size_t)salen <= sizeof c->addr)
		memcpy(&c->addr, sa, salen);
	if (c->conf->keepalive)
		conn_keepalive(c, fd);

	c->ev = event_new(env->base, fd, EV_READ | EV_PERSIST, conn_io_cb, c);
	if (c->ev == NULL || evutil_make_socket_nonblocking(fd) == -1) {
		log_warnx("%s: %s: cannot set up connection", c->conf->name,
		    c->peer);
		if (c->ev != NULL)
			event_free(c->ev);
		c->tops->close(c);
		lconf_unref(c->conf);
		free(c);
		return (NULL);
	}

	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	l->stats.accepted++;
	l->stats.active++;
	env->active++;
	log_debug("%s: %s: accepted", c->conf->name, c->peer);

	c->stage = l->stages;
	conn_stage_begin(c);
	return (c);
}

/*
 * Start the stage c->stage points to, or the data if none is left.  A
 * stage's timer runs from its start; it first waits for input.
 */
static void
conn_stage_begin(struct conn *c)
{
	const struct stage_ops	*so;
	struct timeval		 tv = { 0, 0 };
	int			 carried;

	while (*c->stage != NULL && !(*c->stage)->enabled(c->conf))
		c->stage++;
	if ((so = *c->stage) == NULL) {
		c->stage = NULL;
		conn_start(c);
		return;
	}
	/*
	 * What the last stage read past its end may be all there is (a
	 * whole TLS ClientHello after a PROXY header): run at once even
	 * if init() takes the bytes where conn_pending() cannot see them.
	 */
	carried = conn_pending(c) > 0;
	c->sstate = so->init != NULL ? so->init(c) : NULL;
	if (so->timeout != NULL && (tv.tv_sec = so->timeout(c->conf)) > 0) {
		if (c->ev_stage == NULL && (c->ev_stage = evtimer_new(
		    c->l->env->base, conn_stage_cb, c)) == NULL)
			fatalx("%s: cannot create a timer", c->conf->name);
		evtimer_add(c->ev_stage, &tv);
	}
	conn_wait_input(c);
	if (carried)
		event_active(c->ev, EV_READ, 0);
}

/* Free the running stage's state and stop its timer. */
static void
conn_stage_end(struct conn *c)
{
	const struct stage_ops	*so = *c->stage;

	if (c->ev_stage != NULL)
		evtimer_del(c->ev_stage);
	if (so->free != NULL)
		so->free(c->sstate);
	c->sstate = NULL;
}

/* Run the stage: wait again, go on to the next, or close. */
static void
conn_stage_step(struct conn *c)
{
	enum conn_reason	reason = CONN_ERROR;
	int			rc;

	rc = (*c->stage)->run(c, c->sstate, &reason);
	if (rc == -1) {
		conn_close(c, reason);
		return;
	}
	if (rc != 0) {
		conn_want(c, rc & EV_WRITE ? EV_WRITE : EV_READ);
		conn_arm(c);
		return;
	}
	conn_stage_end(c);
	c->stage++;
	conn_stage_begin(c);
}

/* A stage took too long. */
static void
conn_stage_cb(evutil_socket_t fd __unused, short what __unused, void *arg)
{
	struct conn		*c = arg;
	const struct stage_ops	*so = *c->stage;

	if (so->expire != NULL)
		so->expire(c, c->sstate);
	conn_close(c, so->expired);
}

/*
 * Stages done: the connection is connected.  The protocol starts, the
 * connected record is written, and reading goes on with the idle timeout.
 */
static void
conn_start(struct conn *c)
{
	struct listener	*l = c->l;

	if (c->ev_stage != NULL) {
		event_free(c->ev_stage);
		c->ev_stage = NULL;
	}
	c->label_len = xasprintf(&c->label, "%s %s", c->conf->name, c->peer);
	c->jpeer = xmalloc(FORMAT_JSON_PEER_MAX);
	c->jpeer_len = format_json_peer(c->jpeer, c->peer);
	log_debug("%s: %s: connected", c->conf->name, c->peer);
	c->state = c->ops->init(c);
	c->started = 1;
	conn_now(c);
	conn_event(c, REC_CONNECTED, CONN_OK);
	if (c->ops->connection_made != NULL)
		c->ops->connection_made(c, c->state);
	c->paused = l->paused;
	conn_wait_input(c);
}

/* Give a stage's reader the bytes carried over first. */
static ssize_t
conn_take_carry(struct conn *c, void *buf, size_t len)
{
	size_t	n = c->carry_len - c->carry_off;

	if (n > len)
		n = len;
	memcpy(buf, c->carry + c->carry_off, n);
	c->carry_off += n;
	if (c->carry_off == c->carry_len) {
		free(c->carry);
		c->carry = NULL;
		c->carry_off = c->carry_len = 0;
	}
	return (n);
}

/*
 * A stage reads (and so does conn_read() after the stages): the bytes
 * an earlier stage left first, then from the transport.  As the
 * transport's read.
 */
ssize_t
conn_stage_read(struct conn *c, void *buf, size_t len,
    enum conn_reason *reason)
{
	if (c->carry != NULL)
		return (conn_take_carry(c, buf, len));
	return (c->tops->read(c, buf, len, reason));
}

/* A stage read len bytes past its end: they come first for the next. */
void
conn_stage_unread(struct conn *c, const void *p, size_t len)
{
	size_t	left = c->carry_len - c->carry_off;
	u_char	*n;

	if (len == 0)
		return;
	n = xmalloc(len + left);
	memcpy(n, p, len);
	if (left > 0)
		memcpy(n + len, c->carry + c->carry_off, left);
	free(c->carry);
	c->carry = n;
	c->carry_off = 0;
	c->carry_len = len + left;
}

/* From now on, bytes come through tops (with state) on top of the old. */
void
conn_set_transport(struct conn *c, const struct transport_ops *tops,
    void *state)
{
	c->tops = tops;
	c->tstate = state;
}

/*
 * One read of at most len bytes into the shared buffer, handed to the
 * protocol.  Returns the bytes read, 0 if there was nothing to read, or
 * -1 with *reason set when the connection ends (the peer closed it, an
 * error, or the protocol wants it closed).
 */
static ssize_t
conn_read(struct conn *c, size_t len, enum conn_reason *reason)
{
	enum conn_reason	why;
	ssize_t			n;

	if (c->carry != NULL || c->ended != CONN_OK)
		n = conn_read_carried(c, len, reason);
	else
		n = c->tops->read(c, conn_buf, len, reason);
	if (n <= 0)
		return (n);
	c->bytes += n;
	c->l->stats.bytes += n;
	conn_now(c);
	if ((why = c->ops->data_received(c, c->state, conn_buf, n)) !=
	    CONN_OK) {
		*reason = why;
		return (-1);
	}
	return (n);
}

/*
 * What a stage read past its end, and what the socket has after it, in
 * one piece: the protocol sees them as they came (a line is not cut
 * where the header ended).  An end met after carried bytes is said by
 * the next read, once those bytes are handled.
 */
static ssize_t
conn_read_carried(struct conn *c, size_t len, enum conn_reason *reason)
{
	enum conn_reason	end;
	ssize_t			n, m;

	if (c->carry == NULL) {
		*reason = c->ended;
		return (-1);
	}
	n = conn_take_carry(c, conn_buf, len);
	if (c->carry != NULL || (size_t)n == len)
		return (n);
	if ((m = c->tops->read(c, conn_buf + n, len - n, &end)) > 0)
		n += m;
	else if (m == -1)
		c->ended = end;
	return (n);
}

/* The socket is ready, or the idle timeout. */
static void
conn_io_cb(evutil_socket_t fd __unused, short what, void *arg)
{
	struct conn		*c = arg;
	enum conn_reason	 reason;

	if (!c->started) {
		conn_stage_step(c);
		return;
	}
	if (what & EV_TIMEOUT) {
		conn_close(c, c->quiet ? CONN_SHUTDOWN : CONN_TIMEOUT);
		return;
	}
	if (c->paused)
		return;
	if (conn_read(c, sizeof conn_buf, &reason) == -1) {
		conn_close(c, reason);
		return;
	}
	conn_kick(c);
}

/*
 * parse = syslog: the syslog fields of rec's data into *m, and rec
 * points to them; a record that does not parse is counted, and written
 * as it is.  The pieces of a split record after the first continue its
 * message: they are not parsed, nor counted.
 */
static void
conn_parse(struct conn *c, struct record *rec, struct syslog_msg *m)
{
	int	more = c->split_more;

	c->split_more = (rec->flags & REC_SPLIT) != 0;
	rec->syslog = NULL;
	if (more)
		return;
	if (syslog_parse(m, rec->data, rec->len) == 0)
		rec->syslog = m;
	else
		c->l->stats.parse_errors++;
}

/* A protocol emits one data record. */
void
conn_emit(struct conn *c, const u_char *data, size_t len, int flags)
{
	struct record		rec;
	struct syslog_msg	m;

	conn_record(c, &rec, REC_DATA);
	rec.data = data;
	rec.len = len;
	rec.flags = flags;
	c->records++;
	c->l->stats.records++;
	if (c->conf->parse == PARSE_SYSLOG)
		conn_parse(c, &rec, &m);
	listener_write(c->l, c->conf, &rec);
}

/*
 * A protocol emits data records, complete lines without flags; plain if
 * text passes every byte of them unchanged (line_scan_split()).  Parsed,
 * each goes out alone with its own fields.
 */
void
conn_emit_lines(struct conn *c, const struct iovec *v, size_t n, int plain)
{
	struct record		rec;
	struct syslog_msg	m;
	size_t			i;

	conn_record(c, &rec, REC_DATA);
	rec.plain = plain;
	c->records += n;
	c->l->stats.records += n;
	if (c->conf->parse != PARSE_SYSLOG) {
		listener_write_lines(c->l, c->conf, &rec, v, n);
		return;
	}
	for (i = 0; i < n; i++) {
		rec.data = v[i].iov_base;
		rec.len = v[i].iov_len;
		conn_parse(c, &rec, &m);
		listener_write(c->l, c->conf, &rec);
	}
}

/* A line longer than max_line: count it, note it once per connection. */
void
conn_overlong(struct conn *c)
{
	static const char *what[] = {
		[OVERLONG_TRUNCATE] = "truncated",
		[OVERLONG_SPLIT] = "split",
		[OVERLONG_CLOSE] = "closing",
	};

	c->l->stats.overlong++;
	if (c->overlong_noted++ == 0) {
		listener_note(c->l, NOTE_OVERLONG, c->peer,
		    "line longer than %zu bytes, %s", c->conf->max_line,
		    what[c->conf->overlong]);
	}
}

/* Stop or resume reading (output backpressure). */
void
conn_pause(struct conn *c, int pause)
{
	c->paused = pause;
	if (!c->started)
		return;		/* stages write no records */
	if (pause)
		event_del(c->ev);
	else {
		conn_arm(c);
		conn_kick(c);
	}
}

/*
 * The daemon is stopping: keep reading until the peer closes or stays
 * quiet for CONN_QUIET_MSEC, so what it already sent (in flight or in
 * kernel buffers) is read, then close with reason shutdown.
 */
void
conn_shutdown(struct conn *c)
{
	c->quiet = 1;
	conn_arm(c);
}

/* Wait a little for more input while stopping; 1 if some came. */
static int
conn_drain_wait(struct conn *c)
{
	struct listener_env	*env = c->l->env;
	struct timespec		 t0, t1;
	int			 ms = CONN_DRAIN_POLL, n;

	if (env->drain_wait <= 0)
		return (0);
	if (ms > env->drain_wait)
		ms = env->drain_wait;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = c->tops->wait(c, ms);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	env->drain_wait -= (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	return (n);
}

/*
 * Out of time while stopping: read what the socket holds now (at most
 * CONN_DRAIN_MAX bytes, and nothing once the outputs hold
 * CONN_DRAIN_OUTPUT_MAX unwritten bytes) and close.  What is left
 * unread is said.  A socket found empty after reads may only be waiting
 * for the rest of what the peer already sent (on loopback the peer's
 * kernel sends it when our reads open the window), so it is given
 * CONN_DRAIN_POLL ms more, out of DAEMON_DRAIN_WAIT for all connections.
 * A connection still in its stages has no data yet: it just closes.
 */
void
conn_drain(struct conn *c)
{
	enum conn_reason	 reason = CONN_SHUTDOWN, why;
	size_t			 total = 0, i;
	ssize_t			 n;
	int			 unread, full = 0;

	event_del(c->ev);
	while (c->started && total < CONN_DRAIN_MAX) {
		for (i = 0; i < c->l->nsinks; i++)
			full |= sink_pending(c->l->sinks[i]) >
			    CONN_DRAIN_OUTPUT_MAX;
		if (full)
			break;
		n = conn_read(c, CONN_DRAIN_MAX - total < sizeof conn_buf ?
		    CONN_DRAIN_MAX - total : sizeof conn_buf, &why);
		if (n == -1)
			reason = why;
		if (n == 0 && total > 0 && conn_drain_wait(c))
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	if (c->started && reason == CONN_SHUTDOWN &&
	    (unread = c->tops->unread(c)) > 0) {
		listener_note(c->l, NOTE_UNREAD, c->peer,
		    "stopping, %d bytes left unread%s", unread,
		    full ? " (output full)" : "");
	}
	conn_close(c, reason);
}

/*
 * The end of a connection: flush the protocol, report, free.  One that
 * never got past its stages was never connected and writes no record.
 */
void
conn_close(struct conn *c, enum conn_reason reason)
{
	struct listener		*l = c->l;
	struct listener_env	*env = l->env;

	if (c->closing)
		return;
	c->closing = 1;
	if (c->started) {
		conn_now(c);
		if (c->ops->connection_lost != NULL)
			c->ops->connection_lost(c, c->state, reason);
		conn_event(c, REC_DISCONNECTED, reason);
		log_debug("%s: %s: disconnected (%s)", c->conf->name, c->peer,
		    conn_reason_string(reason));
		if (c->ops->free != NULL)
			c->ops->free(c->state);
	} else {
		log_debug("%s: %s: closed in stage %s (%s)", c->conf->name,
		    c->peer, (*c->stage)->name, conn_reason_string(reason));
		conn_stage_end(c);
	}

	TAILQ_REMOVE(&l->conns, c, entry);
	l->stats.active--;
	env->active--;
	event_free(c->ev);
	if (c->ev_stage != NULL)
		event_free(c->ev_stage);
	c->tops->close(c);
	free(c->carry);
	free(c->proxy);
	lconf_unref(c->conf);
	free(c->label);
	free(c->jpeer);
	free(c);
	if (env->active == 0)
		env->cb->idle(env->arg);
}
