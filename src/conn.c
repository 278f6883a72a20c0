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
 * One struct conn per TCP peer.  A connection owns its bufferevent (and
 * so its socket) and its protocol state; it borrows its listener, which
 * owns it, and holds a reference on the settings it started with.
 * conn_close() is the only way a connection ends.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static int	conn_input(struct conn *, struct evbuffer *);
static void	conn_event(struct conn *, enum rec_type, enum conn_reason);
static void	conn_now(struct conn *);
static size_t	conn_read_max(struct conn *);
static void	conn_keepalive(struct conn *, evutil_socket_t);

static const char *conn_reasons[] = {
	[CONN_EOF] = "closed by peer",
	[CONN_RESET] = "reset",
	[CONN_ERROR] = "error",
	[CONN_TOO_LONG] = "line too long",
	[CONN_SHUTDOWN] = "shutdown",
	[CONN_TIMEOUT] = "idle timeout",
	[CONN_RELOAD] = "reload",
	[CONN_TIMEDOUT] = "timeout",
};

const char *
conn_reason_string(enum conn_reason reason)
{
	return (conn_reasons[reason]);
}

/* "1.2.3.4:5678" or "[::1]:5678". */
void
conn_peer_string(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
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
 * The most input a connection buffers: max_line, plus CR and LF in line
 * mode (a full buffer without LF then holds an overlong line).
 */
static size_t
conn_read_max(struct conn *c)
{
	if (c->conf->mode == MODE_LINE)
		return (c->conf->max_line + CONN_READ_MARGIN);
	return (c->conf->max_line);
}

/* The time of this batch of records: the loop's cached clock. */
static void
conn_now(struct conn *c)
{
	if (c->bev == NULL ||
	    event_base_gettimeofday_cached(bufferevent_get_base(c->bev),
	    &c->tv) != 0)
		gettimeofday(&c->tv, NULL);
}

/* Write a connected or disconnected record if the listener wants them. */
static void
conn_event(struct conn *c, enum rec_type type, enum conn_reason reason)
{
	struct record	rec;

	if (!c->conf->events)
		return;
	memset(&rec, 0, sizeof rec);
	rec.type = type;
	rec.tv = &c->tv;
	rec.listener = c->conf->name;
	rec.peer = c->peer;
	rec.reason = reason;
	rec.records = c->records;
	rec.bytes = c->bytes;
	listener_write(c->l, c->conf, &rec);
}

/* A new connection on listener l; takes over fd. */
struct conn *
conn_new(struct listener *l, evutil_socket_t fd, const struct sockaddr *sa,
    int salen)
{
	struct conn		*c;
	struct event_base	*base = l->d->base;
	struct timeval		 idle = { 0, 0 };

	c = xcalloc(1, sizeof *c);
	c->l = l;
	c->conf = lconf_ref(l->conf);
	c->ops = l->ops;
	conn_peer_string(sa, c->peer, sizeof c->peer);
	if ((size_t)salen <= sizeof c->addr)
		memcpy(&c->addr, sa, salen);
	if (c->conf->keepalive)
		conn_keepalive(c, fd);

	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("%s: %s: cannot set up connection", c->conf->name,
		    c->peer);
		close(fd);
		lconf_unref(c->conf);
		free(c);
		return (NULL);
	}
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, conn_read_max(c));
	if (c->conf->idle_timeout > 0) {
		idle.tv_sec = c->conf->idle_timeout;
		bufferevent_set_timeouts(c->bev, &idle, NULL);
	}

	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	l->stats.accepted++;
	l->stats.active++;
	l->d->active++;
	log_debug("%s: %s: connected", c->conf->name, c->peer);

	c->state = c->ops->init(c);
	conn_now(c);
	conn_event(c, REC_CONNECTED, 0);
	if (c->ops->connection_made != NULL)
		c->ops->connection_made(c, c->state);
	if (!l->paused)
		bufferevent_enable(c->bev, EV_READ);
	return (c);
}

/*
 * Hand new input to the protocol, counting it first.  Returns -1 on a
 * protocol error (a line too long under overlong = close).
 */
static int
conn_input(struct conn *c, struct evbuffer *in)
{
	size_t	len = evbuffer_get_length(in);
	int	rc;

	c->bytes += len - c->seen;
	c->l->stats.bytes += len - c->seen;
	conn_now(c);
	rc = c->ops->data_received(c, c->state, in);
	c->seen = evbuffer_get_length(in);
	return (rc);
}

/* Input arrived. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	if (conn_input(c, bufferevent_get_input(bev)) == -1)
		conn_close(c, CONN_TOO_LONG);
}

/* End of file, an error or the stopping timeout. */
static void
conn_event_cb(struct bufferevent *bev __unused, short what, void *arg)
{
	struct conn	*c = arg;
	int		 error = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_EOF)
		conn_close(c, CONN_EOF);
	else if (what & BEV_EVENT_TIMEOUT)
		conn_close(c, c->l->d->stopping ? CONN_SHUTDOWN : CONN_TIMEOUT);
	else if (what & BEV_EVENT_ERROR) {
		if (error == ECONNRESET)
			conn_close(c, CONN_RESET);
		else if (error == ETIMEDOUT)
			conn_close(c, CONN_TIMEDOUT);
		else {
			log_debug("%s: %s: %s", c->conf->name, c->peer,
			    evutil_socket_error_to_string(error));
			conn_close(c, CONN_ERROR);
		}
	}
}

/* A protocol emits one data record. */
void
conn_emit(struct conn *c, const u_char *data, size_t len, int flags)
{
	struct record	rec;

	rec.type = REC_DATA;
	rec.tv = &c->tv;
	rec.listener = c->conf->name;
	rec.peer = c->peer;
	rec.data = data;
	rec.len = len;
	rec.flags = flags;
	rec.reason = 0;
	rec.records = rec.bytes = 0;
	c->records++;
	c->l->stats.records++;
	listener_write(c->l, c->conf, &rec);
}

/* A line longer than max_line: count it, say so once per connection. */
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
		log_warnx("%s: %s: line longer than %zu bytes, %s",
		    c->conf->name, c->peer, c->conf->max_line,
		    what[c->conf->overlong]);
	}
}

/* Stop or resume reading (output backpressure). */
void
conn_pause(struct conn *c, int pause)
{
	if (pause)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
}

/*
 * The daemon is stopping: keep reading until the peer closes or stays
 * quiet for CONN_QUIET_MSEC, so what it already sent (in flight or in
 * kernel buffers) is read, then close with reason shutdown.
 */
void
conn_shutdown(struct conn *c)
{
	struct timeval	tv = { 0, CONN_QUIET_MSEC * 1000 };

	bufferevent_set_timeouts(c->bev, &tv, NULL);
}

/*
 * Out of time while stopping: read what the socket holds now (at most
 * CONN_DRAIN_MAX bytes, and nothing once the outputs hold
 * CONN_DRAIN_OUTPUT_MAX unwritten bytes) and close.  What is left
 * unread is said.
 */
void
conn_drain(struct conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	evutil_socket_t		 fd = bufferevent_getfd(c->bev);
	enum conn_reason	 reason = CONN_SHUTDOWN;
	size_t			 total = 0, room, bound = conn_read_max(c), i;
	int			 n, unread = 0, full = 0;

	bufferevent_disable(c->bev, EV_READ);
	/* A bufferevent keeps its input frozen outside its own reads. */
	evbuffer_unfreeze(in, 0);
	while (total < CONN_DRAIN_MAX) {
		for (i = 0; i < c->l->nsinks; i++)
			full |= sink_pending(c->l->sinks[i]) >
			    CONN_DRAIN_OUTPUT_MAX;
		if (full)
			break;
		room = bound - evbuffer_get_length(in);
		if (room == 0)
			room = bound;
		n = evbuffer_read(in, fd, (int)(room > 65536 ? 65536 : room));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			reason = CONN_EOF;
		else if (n == -1 && errno == ECONNRESET)
			reason = CONN_RESET;
		if (n <= 0)
			break;
		total += n;
		if (conn_input(c, in) == -1) {
			reason = CONN_TOO_LONG;
			break;
		}
	}
	evbuffer_freeze(in, 0);
	if (reason == CONN_SHUTDOWN && ioctl(fd, FIONREAD, &unread) == 0 &&
	    unread > 0) {
		log_warnx("%s: %s: stopping, %d bytes left unread%s",
		    c->conf->name, c->peer, unread,
		    full ? " (output full)" : "");
	}
	conn_close(c, reason);
}

/* The end of a connection: flush the protocol, report, free. */
void
conn_close(struct conn *c, enum conn_reason reason)
{
	struct listener	*l = c->l;

	if (c->closing)
		return;
	c->closing = 1;
	conn_now(c);
	if (c->ops->connection_lost != NULL) {
		c->ops->connection_lost(c, c->state,
		    bufferevent_get_input(c->bev), reason);
	}
	conn_event(c, REC_DISCONNECTED, reason);
	log_debug("%s: %s: disconnected (%s)", c->conf->name, c->peer,
	    conn_reason_string(reason));
	if (c->ops->free != NULL)
		c->ops->free(c->state);

	TAILQ_REMOVE(&l->conns, c, entry);
	l->stats.active--;
	l->d->active--;
	bufferevent_free(c->bev);
	lconf_unref(c->conf);
	free(c);
	if (l->d->stopping && l->d->active == 0)
		daemon_conns_closed(l->d);
}
