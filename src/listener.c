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
 * The listener is the factory of Twisted's design: it holds one
 * [listener NAME]'s settings, binds its addresses, and for every accepted
 * socket builds a connection with the protocol of its mode.  It owns its
 * evconnlisteners and its connections and borrows its sinks.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define LISTENER_BACKLOG	1024
#define LISTENER_ANY_TRIES	8	/* "*:0": IPv6 port taken */

static void	listener_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listener_error_cb(struct evconnlistener *, void *);
static int	listener_bind_one(struct listener *, const struct laddr *,
		    struct sockaddr *, socklen_t, int, char **);
static int	listener_bind_any(struct listener *, const struct laddr *,
		    char **);
static void	listener_unbind_last(struct listener *);

/* A listener for lc, not yet bound. */
struct listener *
listener_new(struct daemon *d, struct lconf *lc)
{
	struct listener	*l;

	l = xcalloc(1, sizeof *l);
	l->d = d;
	l->conf = lconf_ref(lc);
	l->ops = proto_find(lc->mode);
	TAILQ_INIT(&l->conns);
	return (l);
}

/* Bind one socket address and start listening on it. */
static int
listener_bind_one(struct listener *l, const struct laddr *la,
    struct sockaddr *sa, socklen_t salen, int v6only, char **cause)
{
	struct evconnlistener	*evl;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	evutil_socket_t		 fd;
	char			 bound[CONN_PEER_LEN];
	int			 one = 1, saved_errno;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		goto fail;
	if (v6only && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
	    sizeof one) == -1)
		goto fail;
	if (bind(fd, sa, salen) == -1)
		goto fail;
	evl = evconnlistener_new(l->d->base, listener_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE, LISTENER_BACKLOG, fd);
	if (evl == NULL)
		goto fail;
	evconnlistener_set_error_cb(evl, listener_error_cb);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		saved_errno = errno;
		evconnlistener_free(evl);
		errno = saved_errno;
		fd = -1;
		goto fail;
	}
	conn_peer_string((struct sockaddr *)&ss, bound, sizeof bound);

	l->evls = xreallocarray(l->evls, l->nevls + 1, sizeof *l->evls);
	l->bound = xreallocarray(l->bound, l->nevls + 1, sizeof *l->bound);
	l->evls[l->nevls] = evl;
	l->bound[l->nevls] = xstrdup(bound);
	l->nevls++;
	return (0);

fail:
	saved_errno = errno;
	if (fd != -1)
		close(fd);
	conn_peer_string(sa, bound, sizeof bound);
	xasprintf(cause, "listener %s: cannot listen on %s (%s): %s",
	    l->conf->name, bound, la->text, strerror(saved_errno));
	errno = saved_errno;
	return (-1);
}

/* Forget the most recently bound socket. */
static void
listener_unbind_last(struct listener *l)
{
	l->nevls--;
	evconnlistener_free(l->evls[l->nevls]);
	free(l->bound[l->nevls]);
}

/*
 * Bind 0.0.0.0 and [::] on one port.  With port 0 the kernel picks the
 * IPv4 port and IPv6 takes the same, which can be in use: the caller
 * retries.  A host without IPv6 gets IPv4 only.
 */
static int
listener_bind_any(struct listener *l, const struct laddr *la, char **cause)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	int			 port = la->port, saved_errno;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (listener_bind_one(l, la, (struct sockaddr *)&sin, sizeof sin, 0,
	    cause) != 0)
		return (-1);
	if (port == 0 && getsockname(evconnlistener_get_fd(
	    l->evls[l->nevls - 1]), (struct sockaddr *)&ss, &sslen) == 0)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	if (listener_bind_one(l, la, (struct sockaddr *)&sin6, sizeof sin6, 1,
	    cause) == 0)
		return (0);
	if (errno == EAFNOSUPPORT) {
		log_debug("%s: no IPv6: %s", l->conf->name, *cause);
		free(*cause);
		*cause = NULL;
		return (0);
	}
	saved_errno = errno;
	listener_unbind_last(l);
	errno = saved_errno;
	return (-1);
}

/* Bind every address of the listener. */
int
listener_bind(struct listener *l, char **cause)
{
	struct laddr		*la;
	size_t			 i;
	int			 try;

	for (i = 0; i < l->conf->naddrs; i++) {
		la = &l->conf->addrs[i];
		if (!la->any) {
			if (listener_bind_one(l, la,
			    (struct sockaddr *)&la->ss, la->sslen,
			    la->ss.ss_family == AF_INET6, cause) != 0)
				return (-1);
			continue;
		}

		/* "*": IPv4 and IPv6 on the same port, even a chosen one. */
		for (try = 0;; try++) {
			if (listener_bind_any(l, la, cause) == 0)
				break;
			if (errno != EADDRINUSE || la->port != 0 ||
			    try == LISTENER_ANY_TRIES)
				return (-1);
			free(*cause);
			*cause = NULL;
		}
	}
	for (i = 0; i < l->nevls; i++)
		log_info("listening: %s %s", l->conf->name, l->bound[i]);
	return (0);
}

/* Free a listener: stop accepting, end its connections, free. */
void
listener_free(struct listener *l, enum conn_reason reason)
{
	struct conn	*c;

	if (l == NULL)
		return;
	listener_close(l);
	while ((c = TAILQ_FIRST(&l->conns)) != NULL) {
		if (reason == CONN_SHUTDOWN)
			conn_drain(c);
		else
			conn_close(c, reason);
	}
	lconf_unref(l->conf);
	free(l);
}

/* Close the listening sockets; connections stay. */
void
listener_close(struct listener *l)
{
	size_t	i;

	for (i = 0; i < l->nevls; i++) {
		evconnlistener_free(l->evls[i]);
		free(l->bound[i]);
	}
	free(l->evls);
	free(l->bound);
	l->evls = NULL;
	l->bound = NULL;
	l->nevls = 0;
}

/* Accept or stop accepting (descriptor exhaustion backoff). */
void
listener_enable(struct listener *l, int enable)
{
	size_t	i;

	for (i = 0; i < l->nevls; i++) {
		if (enable)
			evconnlistener_enable(l->evls[i]);
		else
			evconnlistener_disable(l->evls[i]);
	}
}

/* Stop or resume reading from every connection (output backpressure). */
void
listener_pause(struct listener *l, int pause)
{
	struct conn	*c;

	if (l->paused == pause)
		return;
	l->paused = pause;
	if (pause)
		l->stats.pauses++;
	TAILQ_FOREACH(c, &l->conns, entry)
		conn_pause(c, pause);
}

/* Hand a record to every output of the listener. */
void
listener_write(struct listener *l, const struct lconf *lc,
    const struct record *rec)
{
	size_t	i;

	for (i = 0; i < l->nsinks; i++)
		l->stats.output_bytes += sink_emit(l->sinks[i], lc, rec);
}

/* A new socket: refuse it over a connection cap, else build a conn. */
static void
listener_accept_cb(struct evconnlistener *evl __unused, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener	*l = arg;
	struct daemon	*d = l->d;

	if (d->stopping) {
		close(fd);
		return;
	}
	if ((d->conf->max_conns != 0 && d->active >= d->conf->max_conns) ||
	    (l->conf->max_conns != 0 &&
	    l->stats.active >= l->conf->max_conns)) {
		close(fd);
		l->stats.refused++;
		daemon_refused(d);
		return;
	}
	conn_new(l, fd, sa, salen);
}

/*
 * accept() failed with something other than EAGAIN, EINTR or
 * ECONNABORTED (libevent retries those).  Out of descriptors: back off
 * instead of spinning.
 */
static void
listener_error_cb(struct evconnlistener *evl __unused, void *arg)
{
	struct listener	*l = arg;
	int		 error = EVUTIL_SOCKET_ERROR();

	if (error == EMFILE || error == ENFILE || error == ENOBUFS ||
	    error == ENOMEM) {
		daemon_accept_backoff(l->d, error);
		return;
	}
	log_warnx("%s: accept: %s", l->conf->name,
	    evutil_socket_error_to_string(error));
}

/* Report refusals not reported yet. */
void
listener_refused_log(struct listener *l)
{
	uint64_t	n = l->stats.refused - l->refused_noted;

	if (n == 0)
		return;
	log_warnx("%s: refused %llu connection%s (max_connections reached: "
	    "%llu open on this listener, %llu in all)", l->conf->name,
	    (unsigned long long)n, n == 1 ? "" : "s",
	    (unsigned long long)l->stats.active,
	    (unsigned long long)l->d->active);
	l->refused_noted = l->stats.refused;
}

/* One line of counters. */
void
listener_stats_log(struct listener *l)
{
	struct listener_stats	*s = &l->stats;

	log_info("listener %s: accepted %llu refused %llu active %llu "
	    "records %llu bytes %llu overlong %llu partial %llu "
	    "output_bytes %llu pauses %llu",
	    l->conf->name, (unsigned long long)s->accepted,
	    (unsigned long long)s->refused, (unsigned long long)s->active,
	    (unsigned long long)s->records, (unsigned long long)s->bytes,
	    (unsigned long long)s->overlong, (unsigned long long)s->partial,
	    (unsigned long long)s->output_bytes,
	    (unsigned long long)s->pauses);
}
