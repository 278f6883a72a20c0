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
 * What the syslog and journal outputs share: one datagram per record on
 * a non-blocking AF_UNIX socket connected to a receiver's path (/dev/log,
 * journald's socket).  Two things can go wrong, and neither may stop the
 * loop the way syslog(3) and sd_journal_sendv() do:
 *
 * - The receiver is slow: its queue (net.unix.max_dgram_qlen, 10 by
 *   default) is full and send() says EAGAIN.  Records then wait in a
 *   queue of our own, in order, sent when the socket is writable again;
 *   over the sinks' high water mark the listeners writing here pause, as
 *   with a slow file or stdout reader.  Nothing is lost.
 * - There is no receiver: the path is missing, refuses, or the one we
 *   were connected to went away (a restart).  Connecting again is tried
 *   once at once; if that fails too the records (and whatever waited)
 *   are dropped and counted (output_errors, and their bytes in dropped),
 *   the failure is said once, and a timer tries again every
 *   DGRAM_RETRY_SEC until the receiver is back, which is said too.
 *   Holding records for a receiver that may never come would stop every
 *   listener that also writes elsewhere.
 *
 * A datagram larger than the socket can carry (EMSGSIZE) goes to the
 * kind's toobig function: the journal passes it in a memfd, syslog cuts
 * it.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define DGRAM_RETRY_SEC	1	/* try a missing receiver again */

/* A datagram waiting in the queue: this header, then len bytes. */
struct dgram_head {
	size_t		 len;
};

struct dgram {
	struct sink	*s;		/* borrowed, owns us */
	char		*path;		/* owned */
	int		 fd;		/* -1: not connected */
	sink_dgram_toobig toobig;
	struct evbuffer	*q;		/* owned, datagrams waiting */
	struct event	*ev_write;	/* owned, fd writable */
	struct event	*ev_retry;	/* owned, reconnect timer */
	int		 down;		/* no receiver, said */
	char		*ident;		/* owned, syslog_ident */
	u_char		*scratch;	/* owned, for the kinds' records */
	size_t		 size;
};

static int	dgram_connect(struct dgram *);
static void	dgram_disconnect(struct dgram *);
static int	dgram_send1(struct dgram *, const u_char *, size_t);
static void	dgram_go_down(struct dgram *);
static void	dgram_drop(struct dgram *, size_t);
static void	dgram_drain(struct dgram *);
static void	dgram_write_cb(evutil_socket_t, short, void *);
static void	dgram_retry_cb(evutil_socket_t, short, void *);

/*
 * Set up the sink's datagram sender to path (the sink's state) and try
 * to connect; a missing receiver is said and retried, not an error.
 */
int
sink_dgram_open(struct sink *s, const char *path, sink_dgram_toobig toobig)
{
	struct dgram	*dg;

	dg = xcalloc(1, sizeof *dg);
	dg->s = s;
	dg->path = xstrdup(path);
	dg->ident = xstrdup("tcplogd");
	dg->fd = -1;
	dg->toobig = toobig;
	dg->q = evbuffer_new();
	dg->ev_retry = evtimer_new(s->base, dgram_retry_cb, dg);
	if (dg->q == NULL || dg->ev_retry == NULL)
		fatalx("%s: cannot set up output", s->name);
	s->state = dg;
	if (dgram_connect(dg) != 0)
		dgram_go_down(dg);
	return (0);
}

/* syslog_ident of the config, from now on. */
void
sink_dgram_configure(struct sink *s, const struct config *conf)
{
	struct dgram	*dg = s->state;

	free(dg->ident);
	dg->ident = xstrdup(conf->syslog_ident);
}

const char *
sink_dgram_ident(struct sink *s)
{
	struct dgram	*dg = s->state;

	return (dg->ident);
}

/* Close the socket; what still waits is lost (sink_free() said so). */
void
sink_dgram_close(struct sink *s)
{
	struct dgram	*dg = s->state;

	if (dg == NULL)
		return;
	dgram_disconnect(dg);
	if (dg->ev_retry != NULL)
		event_free(dg->ev_retry);
	if (dg->q != NULL)
		evbuffer_free(dg->q);
	s->pending = 0;
	free(dg->scratch);
	free(dg->ident);
	free(dg->path);
	free(dg);
	s->state = NULL;
}

/* Room for a record of need bytes, until the next call. */
u_char *
sink_dgram_room(struct sink *s, size_t need)
{
	struct dgram	*dg = s->state;

	if (need > dg->size) {
		free(dg->scratch);
		dg->scratch = xmalloc(need);
		dg->size = need;
	}
	return (dg->scratch);
}

/* The largest datagram fd can send (Linux: its send buffer less 32). */
size_t
sink_dgram_limit(int fd)
{
	int		size;
	socklen_t	len = sizeof size;

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) != 0 ||
	    size <= 1024)
		return (1024);
	return ((size_t)size - 32);
}

/* A new non-blocking socket connected to the path; 0 or -1 with errno. */
static int
dgram_connect(struct dgram *dg)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(dg->path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, dg->path, strlen(dg->path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	dg->fd = fd;
	dg->ev_write = event_new(dg->s->base, fd, EV_WRITE, dgram_write_cb,
	    dg);
	if (dg->ev_write == NULL)
		fatalx("%s: cannot set up output", dg->s->name);
	return (0);
}

static void
dgram_disconnect(struct dgram *dg)
{
	if (dg->ev_write != NULL)
		event_free(dg->ev_write);
	dg->ev_write = NULL;
	if (dg->fd != -1)
		close(dg->fd);
	dg->fd = -1;
}

/*
 * Send one datagram now: 1 sent (or handed to toobig), 0 the receiver's
 * queue is full (EAGAIN), -1 no receiver (connecting again failed).
 */
static int
dgram_send1(struct dgram *dg, const u_char *p, size_t len)
{
	ssize_t	n;
	int	again = 0;

	if (dg->fd == -1)
		return (-1);
	for (;;) {
		n = send(dg->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && (errno == EMSGSIZE || errno == ENOBUFS))
			n = dg->toobig(dg->s, dg->fd, p, len);
		if (n >= 0) {
			dg->s->stats.written += n;
			return (1);
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return (0);
		/* Gone (a restart?): a new socket to the path, once. */
		if (again++ > 0)
			break;
		dgram_disconnect(dg);
		if (dgram_connect(dg) != 0)
			break;
	}
	return (-1);
}

/*
 * Hand a record's datagram to the receiver, or queue it behind those
 * that wait; with no receiver, drop and count it.  Returns 0, or -1 if
 * it was dropped.
 */
int
sink_dgram_send(struct sink *s, const void *p, size_t len)
{
	struct dgram		*dg = s->state;
	struct dgram_head	h;
	int			r = 0;

	if (dg->down) {
		dgram_drop(dg, len);
		return (-1);
	}
	if (dg->s->pending == 0 && (r = dgram_send1(dg, p, len)) == 1)
		return (0);
	if (r == -1) {
		dgram_go_down(dg);
		dgram_drop(dg, len);
		return (-1);
	}
	h.len = len;
	if (evbuffer_add(dg->q, &h, sizeof h) != 0 ||
	    evbuffer_add(dg->q, p, len) != 0)
		fatalx("%s: out of memory", dg->s->name);
	dg->s->pending += len;
	if (!event_pending(dg->ev_write, EV_WRITE, NULL))
		event_add(dg->ev_write, NULL);
	sink_check_water(dg->s);
	return (0);
}

/* Send what waits, as far as the receiver takes it now. */
void
sink_dgram_flush(struct sink *s)
{
	struct dgram_head	h;
	struct dgram		*dg = s->state;
	u_char			*p;
	int			 r;

	while (dg->s->pending > 0) {
		evbuffer_copyout(dg->q, &h, sizeof h);
		p = evbuffer_pullup(dg->q, sizeof h + h.len);
		if (p == NULL)
			fatalx("%s: out of memory", dg->s->name);
		if ((r = dgram_send1(dg, p + sizeof h, h.len)) == 0) {
			event_add(dg->ev_write, NULL);
			break;
		}
		if (r == -1) {
			dgram_go_down(dg);
			break;
		}
		evbuffer_drain(dg->q, sizeof h + h.len);
		dg->s->pending -= h.len;
	}
	sink_check_water(dg->s);
	if (dg->s->pending == 0)
		dg->s->cb->drained(dg->s, dg->s->cb_arg);
}

static void
dgram_write_cb(evutil_socket_t fd __unused, short what __unused, void *arg)
{
	struct dgram	*dg = arg;

	sink_dgram_flush(dg->s);
}

/* No receiver: say so once, drop what waits, try again on a timer. */
static void
dgram_go_down(struct dgram *dg)
{
	struct timeval	tv = { DGRAM_RETRY_SEC, 0 };

	if (!dg->down) {
		log_warn("%s: cannot send to %s, dropping records until it "
		    "works again", dg->s->name, dg->path);
		dg->down = 1;
	}
	dgram_disconnect(dg);
	dgram_drain(dg);
	evtimer_add(dg->ev_retry, &tv);
}

/* Count one record of len bytes as lost. */
static void
dgram_drop(struct dgram *dg, size_t len)
{
	dg->s->stats.output_errors++;
	dg->s->stats.dropped += len;
}

/* Drop every datagram that waits. */
static void
dgram_drain(struct dgram *dg)
{
	struct dgram_head	h;

	while (dg->s->pending > 0) {
		evbuffer_copyout(dg->q, &h, sizeof h);
		evbuffer_drain(dg->q, sizeof h + h.len);
		dg->s->pending -= h.len;
		dgram_drop(dg, h.len);
	}
	sink_check_water(dg->s);
	dg->s->cb->drained(dg->s, dg->s->cb_arg);
}

/* The retry timer: is the receiver back? */
static void
dgram_retry_cb(evutil_socket_t fd __unused, short what __unused, void *arg)
{
	struct dgram	*dg = arg;
	struct timeval	 tv = { DGRAM_RETRY_SEC, 0 };

	if (dgram_connect(dg) != 0) {
		evtimer_add(dg->ev_retry, &tv);
		return;
	}
	dg->down = 0;
	log_info("%s: sending to %s again", dg->s->name, dg->path);
}
