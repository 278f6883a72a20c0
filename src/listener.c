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
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define LISTENER_BACKLOG	1024
#define LISTENER_ANY_TRIES	8	/* "*:0": IPv6 port taken */
#define LISTENER_CAP_NET_BIND_SERVICE 10	/* <linux/capability.h> */

static void	listener_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listener_error_cb(struct evconnlistener *, void *);
static struct lsock *lsocks_add(struct lsocks *, const struct lsock *);
static int	lsocks_bind_one(struct lsocks *, struct event_base *,
		    const struct lconf *, const struct laddr *,
		    struct sockaddr *, socklen_t, int, char **);
static int	lsocks_bind_any(struct lsocks *, struct event_base *,
		    const struct lconf *, const struct laddr *, char **);
static void	lsocks_drop_last(struct lsocks *);
static int	lsocks_take(struct lsocks *, struct listener_list *,
		    const struct lconf *, const struct laddr *);
static void	lsocks_take_one(struct lsocks *, struct lsock *);
static int	lsocks_take_from(struct lsocks *, struct listener *,
		    const struct laddr *, int);
static void	lsocks_release(struct lsocks *);
static int	lsocks_adopt(struct lsocks *, struct event_base *,
		    const struct lconf *, int *, char **);
static int	listener_same_addr(const struct sockaddr_storage *,
		    const struct laddr *);
static void	listener_passed_warn(const struct lconf *, const char *);
static void	lsocks_take_passed(struct lsocks *, struct listener_list *,
		    const struct lconf *);
static int	listener_refusal(struct listener *, const struct sockaddr *);
static int	listener_refusal_client(struct listener *,
		    const struct sockaddr *);
static int	listener_over_per_peer(struct listener *,
		    const struct sockaddr *, const struct conn *);
static void	listener_refused(struct listener *, int, const char *);
static void	listener_note_cb(evutil_socket_t, short, void *);
static int	listener_notes_say(struct listener *);
static int	listener_note_say(struct listener *, struct listener_note *);
static void	listener_note_log(struct listener *, const struct listener_note *,
		    const char *, uint64_t);
static int	listener_same_host(const struct sockaddr_storage *,
		    const struct sockaddr *);
static const char *listener_bind_hint(const struct laddr *, int);
static int	listener_may_bind(int);

/* A listening socket passed by systemd (socket activation). */
struct inherited {
	evutil_socket_t		 fd;
	char			*name;		/* FileDescriptorName= */
	struct sockaddr_storage	 ss;
	char			 bound[CONN_PEER_LEN];
	int			 used;
};
static struct inherited	*inherited;
static size_t		 ninherited;

/* A listener for lc, not yet bound. */
struct listener *
listener_new(struct listener_env *env, struct lconf *lc)
{
	struct listener	*l;

	l = xmalloc(sizeof *l);
	listener_init(l, env, lc);
	return (l);
}

/* Set up a listener for lc in l (the unit tests' is not allocated). */
void
listener_init(struct listener *l, struct listener_env *env, struct lconf *lc)
{
	memset(l, 0, sizeof *l);
	l->env = env;
	l->conf = lconf_ref(lc);
	l->ops = proto_find(lc->mode);
	l->stages = conn_stages;
	if ((l->ev_note = evtimer_new(env->base, listener_note_cb, l)) == NULL)
		fatalx("%s: cannot create a timer", lc->name);
	TAILQ_INIT(&l->conns);
}

/* Add a socket to a set. */
static struct lsock *
lsocks_add(struct lsocks *set, const struct lsock *ls)
{
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n] = *ls;
	return (&set->v[set->n++]);
}

/*
 * Bind one socket address and start listening on it, not yet accepting
 * for anyone: lsocks_commit() names the listener.
 */
static int
lsocks_bind_one(struct lsocks *set, struct event_base *base,
    const struct lconf *lc, const struct laddr *la, struct sockaddr *sa,
    socklen_t salen, int v6only, char **cause)
{
	struct lsock		 ls;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	evutil_socket_t		 fd;
	int			 one = 1, saved_errno;

	memset(&ls, 0, sizeof ls);
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
	ls.evl = evconnlistener_new(base, listener_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, LISTENER_BACKLOG, fd);
	if (ls.evl == NULL)
		goto fail;
	evconnlistener_set_error_cb(ls.evl, listener_error_cb);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		saved_errno = errno;
		evconnlistener_free(ls.evl);
		errno = saved_errno;
		fd = -1;
		goto fail;
	}
	conn_peer_string((struct sockaddr *)&ss, ls.bound, sizeof ls.bound);
	ls.laddr = xstrdup(la->text);
	ls.fresh = 1;
	lsocks_add(set, &ls);
	return (0);

fail:
	saved_errno = errno;
	if (fd != -1)
		close(fd);
	conn_peer_string(sa, ls.bound, sizeof ls.bound);
	config_cause(cause, lc->path, la->line, "listen %s%s%s%s: %s%s",
	    la->text, la->any ? " (" : "", la->any ? ls.bound : "",
	    la->any ? ")" : "", strerror(saved_errno),
	    listener_bind_hint(la, saved_errno));
	errno = saved_errno;
	return (-1);
}

/* What may help when binding la failed with error, or "". */
static const char *
listener_bind_hint(const struct laddr *la, int error)
{
	if (error == EACCES && la->port != 0 && la->port < 1024)
		return (" (ports below 1024 need root or "
		    "CAP_NET_BIND_SERVICE)");
	return ("");
}

/*
 * Can this process bind the port?  Root or CAP_NET_BIND_SERVICE, or a
 * port the kernel lets anyone bind (ip_unprivileged_port_start).
 */
static int
listener_may_bind(int port)
{
	unsigned long long	 caps;
	FILE			*f;
	char			 line[128];
	int			 start = 1024, may = 0;

	if (port == 0 || geteuid() == 0)
		return (1);
	if ((f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start",
	    "re")) != NULL) {
		if (fscanf(f, "%d", &start) != 1)
			start = 1024;
		fclose(f);
	}
	if (port >= start)
		return (1);
	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return (1);	/* cannot tell: say nothing */
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			may = (caps >> LISTENER_CAP_NET_BIND_SERVICE) & 1;
			break;
		}
	}
	fclose(f);
	return (may);
}

/*
 * What -t can tell of lc's addresses without binding them: a port this
 * process may not bind, a warning added to *w.
 */
void
listener_check(const struct lconf *lc, char ***w, size_t *nw)
{
	const struct laddr	*la;
	size_t			 i;

	for (i = 0; i < lc->naddrs; i++) {
		la = &lc->addrs[i];
		if (listener_may_bind(la->port))
			continue;
		*w = xreallocarray(*w, *nw + 1, sizeof **w);
		config_cause(&(*w)[(*nw)++], lc->path, la->line, "warning: "
		    "listen %s: ports below 1024 need root or "
		    "CAP_NET_BIND_SERVICE", la->text);
	}
}

/* Close and forget the most recently bound socket of a set. */
static void
lsocks_drop_last(struct lsocks *set)
{
	struct lsock	*ls = &set->v[--set->n];

	evconnlistener_free(ls->evl);
	free(ls->laddr);
}

/*
 * Bind 0.0.0.0 and [::] on one port.  With port 0 the kernel picks the
 * IPv4 port and IPv6 takes the same, which can be in use: the caller
 * retries.  A host without IPv6 gets IPv4 only.
 */
static int
lsocks_bind_any(struct lsocks *set, struct event_base *base,
    const struct lconf *lc, const struct laddr *la, char **cause)
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
	if (lsocks_bind_one(set, base, lc, la, (struct sockaddr *)&sin,
	    sizeof sin, 0, cause) != 0)
		return (-1);
	if (port == 0 && getsockname(evconnlistener_get_fd(
	    set->v[set->n - 1].evl), (struct sockaddr *)&ss, &sslen) == 0)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	if (lsocks_bind_one(set, base, lc, la, (struct sockaddr *)&sin6,
	    sizeof sin6, 1, cause) == 0)
		return (0);
	if (errno == EAFNOSUPPORT) {
		log_debug("%s: no IPv6: %s", lc->name, *cause);
		free(*cause);
		*cause = NULL;
		return (0);
	}
	saved_errno = errno;
	lsocks_drop_last(set);
	errno = saved_errno;
	return (-1);
}

/* Put running socket ls into set, for a prepared listener to reuse. */
static void
lsocks_take_one(struct lsocks *set, struct lsock *ls)
{
	struct lsock	copy;

	copy = *ls;
	copy.laddr = xstrdup(ls->laddr);
	copy.from = ls;
	copy.fresh = 0;
	lsocks_add(set, &copy);
	ls->taken = 1;
}

/* Take up to want sockets of l bound for this listen text. */
static int
lsocks_take_from(struct lsocks *set, struct listener *l,
    const struct laddr *la, int want)
{
	struct lsock	*ls;
	size_t		 i;
	int		 got = 0;

	for (i = 0; i < l->socks.n && got < want; i++) {
		ls = &l->socks.v[i];
		if (ls->taken || strcmp(ls->laddr, la->text) != 0)
			continue;
		lsocks_take_one(set, ls);
		got++;
	}
	return (got);
}

/*
 * Take the sockets a running listener already has for this listen text
 * (a reload keeps them, and their kernel-chosen ports); 0 if none.  The
 * listener of the same name comes first; a fixed port may also move from
 * another listener, but port 0 stays with its listener.
 */
static int
lsocks_take(struct lsocks *set, struct listener_list *running,
    const struct lconf *lc, const struct laddr *la)
{
	struct listener	*l;
	int		 want = la->any ? 2 : 1;

	if (running == NULL)
		return (0);
	TAILQ_FOREACH(l, running, entry) {
		if (strcmp(l->conf->name, lc->name) == 0 &&
		    lsocks_take_from(set, l, la, want) > 0)
			return (1);
	}
	if (la->port == 0)
		return (0);
	TAILQ_FOREACH(l, running, entry) {
		if (lsocks_take_from(set, l, la, want) > 0)
			return (1);
	}
	return (0);
}

/*
 * Take the sockets systemd passed (activation.c), each a listening TCP
 * socket named after its listener.  They arrive blocking, and libevent
 * would then hang in accept(): make them non-blocking.
 */
void
listener_inherit(void)
{
	struct inherited	*in;
	socklen_t		 len;
	char			**names, *cause;
	int			 n, i, fd;

	if ((n = activation_listen_fds(&names, &cause)) <= 0) {
		if (n < 0) {
			log_warnx("socket activation: %s: no socket taken",
			    cause);
			free(cause);
		}
		return;
	}
	inherited = xcalloc(n, sizeof *inherited);
	for (i = 0; i < n; i++) {
		fd = ACTIVATION_FDS_START + i;
		if (!activation_is_listening(fd)) {
			log_warnx("socket activation: descriptor %d (%s) is "
			    "not a listening TCP socket, closed", fd, names[i]);
			close(fd);
			free(names[i]);
			continue;
		}
		in = &inherited[ninherited++];
		in->fd = fd;
		in->name = names[i];
		len = sizeof in->ss;
		if (getsockname(fd, (struct sockaddr *)&in->ss, &len) == -1)
			memset(&in->ss, 0, sizeof in->ss);
		conn_peer_string((struct sockaddr *)&in->ss, in->bound,
		    sizeof in->bound);
		evutil_make_socket_nonblocking(fd);
	}
	free(names);
}

/* Close the passed sockets no listener took. */
void
listener_inherit_done(void)
{
	size_t	i;

	for (i = 0; i < ninherited; i++) {
		if (!inherited[i].used) {
			log_warnx("socket activation: no [listener %s] for %s, "
			    "closed", inherited[i].name, inherited[i].bound);
			close(inherited[i].fd);
		}
		free(inherited[i].name);
	}
	free(inherited);
	inherited = NULL;
	ninherited = 0;
}

/* Is the socket address the one a listen entry names? */
static int
listener_same_addr(const struct sockaddr_storage *ss, const struct laddr *la)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (la->port == 0)
		return (0);
	if (ss->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)ss;
		if (ntohs(a4->sin_port) != la->port)
			return (0);
		if (la->any)
			return (a4->sin_addr.s_addr == htonl(INADDR_ANY));
		b4 = (const struct sockaddr_in *)&la->ss;
		return (la->ss.ss_family == AF_INET &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	}
	if (ss->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)ss;
		if (ntohs(a6->sin6_port) != la->port)
			return (0);
		if (la->any)
			return (IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr));
		b6 = (const struct sockaddr_in6 *)&la->ss;
		return (la->ss.ss_family == AF_INET6 &&
		    IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr));
	}
	return (0);
}

/*
 * Adopt the passed sockets named after lc's listener; covered[i] is set
 * for each listen entry one of them stands for, so it is not bound.
 */
static int
lsocks_adopt(struct lsocks *set, struct event_base *base,
    const struct lconf *lc, int *covered, char **cause)
{
	struct inherited	*in;
	struct lsock		 ls;
	size_t			 i, j;

	for (i = 0; i < ninherited; i++) {
		in = &inherited[i];
		if (in->used || strcmp(in->name, lc->name) != 0)
			continue;
		memset(&ls, 0, sizeof ls);
		ls.evl = evconnlistener_new(base, listener_accept_cb, NULL,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, in->fd);
		if (ls.evl == NULL) {
			config_cause(cause, lc->path, lc->line, "listener %s: "
			    "cannot use the socket systemd passed for %s",
			    lc->name, in->bound);
			return (-1);
		}
		evconnlistener_set_error_cb(ls.evl, listener_error_cb);
		in->used = 1;
		memcpy(ls.bound, in->bound, sizeof ls.bound);
		ls.laddr = NULL;
		for (j = 0; j < lc->naddrs; j++) {
			if (!covered[j] &&
			    listener_same_addr(&in->ss, &lc->addrs[j])) {
				covered[j] = 1;
				ls.laddr = xstrdup(lc->addrs[j].text);
				break;
			}
		}
		if (ls.laddr == NULL) {
			listener_passed_warn(lc, in->bound);
			ls.laddr = xstrdup(in->bound);
			ls.passed = 1;
		}
		ls.fresh = ls.inherited = 1;
		lsocks_add(set, &ls);
	}
	return (0);
}

/*
 * A passed socket whose address is not in listen =: served, as are the
 * addresses of listen = (tcplogd binds them itself), but a socket unit
 * and a config that disagree are most likely a mistake, so say it once.
 */
static void
listener_passed_warn(const struct lconf *lc, const char *bound)
{
	char	*list = NULL, *next;
	size_t	 j;

	for (j = 0; j < lc->naddrs; j++) {
		xasprintf(&next, "%s%s%s", list == NULL ? "" : list,
		    list == NULL ? "" : ", ", lc->addrs[j].text);
		free(list);
		list = next;
	}
	log_warnx("listener %s: the socket systemd passed for %s is not in "
	    "its listen = %s: serving both", lc->name, bound,
	    list == NULL ? "" : list);
	free(list);
}

/*
 * On reload, keep the passed sockets of lc's listener that stand for no
 * address of its listen = (the others go with their address): systemd
 * passes them only once.
 */
static void
lsocks_take_passed(struct lsocks *set, struct listener_list *running,
    const struct lconf *lc)
{
	struct listener	*l;
	struct lsock	*ls;
	size_t		 i;

	if (running == NULL)
		return;
	TAILQ_FOREACH(l, running, entry) {
		if (strcmp(l->conf->name, lc->name) != 0)
			continue;
		for (i = 0; i < l->socks.n; i++) {
			ls = &l->socks.v[i];
			if (!ls->passed || ls->taken)
				continue;
			lsocks_take_one(set, ls);
		}
	}
}

/*
 * The sockets for lc's addresses: those the running listeners have for
 * the same listen text, and new ones bound for the rest.  Nothing
 * changes for the running listeners until lsocks_commit(); on failure
 * lsocks_abort() undoes it all.
 */
int
lsocks_prepare(struct lsocks *set, struct event_base *base,
    const struct lconf *lc, struct listener_list *running, char **cause)
{
	const struct laddr	*la;
	size_t			 i;
	int			 try, rc, *covered;

	memset(set, 0, sizeof *set);
	covered = xcalloc(lc->naddrs + 1, sizeof *covered);
	if (lsocks_adopt(set, base, lc, covered, cause) != 0)
		goto fail;
	for (i = 0; i < lc->naddrs; i++) {
		la = &lc->addrs[i];
		if (covered[i] || lsocks_take(set, running, lc, la))
			continue;
		if (!la->any) {
			rc = lsocks_bind_one(set, base, lc, la,
			    (struct sockaddr *)&la->ss, la->sslen,
			    la->ss.ss_family == AF_INET6, cause);
			if (rc != 0)
				goto fail;
			continue;
		}

		/* "*": IPv4 and IPv6 on the same port, even a chosen one. */
		for (try = 0;; try++) {
			if (lsocks_bind_any(set, base, lc, la, cause) == 0)
				break;
			if (errno != EADDRINUSE || la->port != 0 ||
			    try == LISTENER_ANY_TRIES)
				goto fail;
			free(*cause);
			*cause = NULL;
		}
	}
	lsocks_take_passed(set, running, lc);
	free(covered);
	return (0);

fail:
	free(covered);
	lsocks_abort(set);
	return (-1);
}

/* Undo lsocks_prepare(): close new sockets, give taken ones back. */
void
lsocks_abort(struct lsocks *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		if (set->v[i].fresh)
			evconnlistener_free(set->v[i].evl);
		else
			set->v[i].from->taken = 0;
		free(set->v[i].laddr);
	}
	free(set->v);
	memset(set, 0, sizeof *set);
}

/*
 * Close the listener's sockets, but those a prepared set has taken over.
 */
static void
lsocks_release(struct lsocks *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		if (!set->v[i].taken)
			evconnlistener_free(set->v[i].evl);
		free(set->v[i].laddr);
	}
	free(set->v);
	memset(set, 0, sizeof *set);
}

/*
 * Give the listener its prepared sockets, closing the old ones no set
 * took, and start accepting.  Sockets moved from another listener are
 * handed over here too: that listener must not close them.
 */
void
lsocks_commit(struct listener *l, struct lsocks *set)
{
	struct lsock	*ls;
	size_t		 i;

	lsocks_release(&l->socks);
	l->socks = *set;
	memset(set, 0, sizeof *set);
	for (i = 0; i < l->socks.n; i++) {
		ls = &l->socks.v[i];
		if (ls->fresh)
			log_info("listening: %s %s%s", l->conf->name, ls->bound,
			    ls->inherited ? " (from systemd)" : "");
		ls->from = NULL;
		ls->fresh = ls->inherited = 0;
		evconnlistener_set_cb(ls->evl, listener_accept_cb, l);
		evconnlistener_enable(ls->evl);
	}
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
	(void)listener_notes_say(l);
	event_free(l->ev_note);
	lconf_unref(l->conf);
	free(l);
}

/* Close the listening sockets (but any a reload took); connections stay. */
void
listener_close(struct listener *l)
{
	lsocks_release(&l->socks);
}

/* Accept or stop accepting (descriptor exhaustion backoff). */
void
listener_enable(struct listener *l, int enable)
{
	size_t	i;

	for (i = 0; i < l->socks.n; i++) {
		if (enable)
			evconnlistener_enable(l->socks.v[i].evl);
		else
			evconnlistener_disable(l->socks.v[i].evl);
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

/* Hand a record to every output of the listener, and to the taps. */
void
listener_write(struct listener *l, const struct lconf *lc,
    const struct record *rec)
{
	size_t	i;

	for (i = 0; i < l->nsinks; i++)
		l->stats.output_bytes += sink_emit(l->sinks[i], lc, rec);
	if (__builtin_expect(l->env->taps != 0, 0))
		l->env->tap(rec, l->env->tap_arg);
}

/*
 * Hand data records that differ only in their data (rec, with each of v
 * in turn) to every output.
 */
void
listener_write_lines(struct listener *l, const struct lconf *lc,
    struct record *rec, const struct iovec *v, size_t nv)
{
	size_t	i;

	for (i = 0; i < l->nsinks; i++)
		l->stats.output_bytes += sink_emit_lines(l->sinks[i], lc, rec,
		    v, nv);
	if (__builtin_expect(l->env->taps != 0, 0)) {
		for (i = 0; i < nv; i++) {
			rec->data = v[i].iov_base;
			rec->len = v[i].iov_len;
			l->env->tap(rec, l->env->tap_arg);
		}
	}
}

/*
 * Why l must refuse a new connection from sa (a NOTE_REFUSE_*), or -1.
 * Behind a balancer (proxy_protocol), sa is the balancer: only
 * proxy_from and the caps apply now, the rest once the client is known
 * (listener_admit()).
 */
static int
listener_refusal(struct listener *l, const struct sockaddr *sa)
{
	struct listener_env	*env = l->env;
	struct lconf		*lc = l->conf;
	size_t			 i;
	int			 why, from = 0;

	if (lc->proxy_protocol != PROXY_NO) {
		for (i = 0; i < lc->nproxy_from && !from; i++)
			from = cidr_match(&lc->proxy_from[i], sa);
		if (!from)
			return (NOTE_REFUSE_PROXY);
	} else if ((why = listener_refusal_client(l, sa)) != -1)
		return (why);
	if ((env->max_conns != 0 && env->active >= env->max_conns) ||
	    (lc->max_conns != 0 && l->stats.active >= lc->max_conns))
		return (NOTE_REFUSE_CAP);
	if (lc->proxy_protocol == PROXY_NO &&
	    listener_over_per_peer(l, sa, NULL))
		return (NOTE_REFUSE_PEER);
	return (-1);
}

/* allow and deny for a client at sa: NOTE_REFUSE_ACL, or -1. */
static int
listener_refusal_client(struct listener *l, const struct sockaddr *sa)
{
	struct lconf	*lc = l->conf;
	size_t		 i;
	int		 allowed = lc->nallow == 0;

	for (i = 0; i < lc->ndeny; i++) {
		if (cidr_match(&lc->deny[i], sa))
			return (NOTE_REFUSE_ACL);
	}
	for (i = 0; i < lc->nallow && !allowed; i++)
		allowed = cidr_match(&lc->allow[i], sa);
	if (!allowed)
		return (NOTE_REFUSE_ACL);
	return (-1);
}

/*
 * Has the host of sa max_per_peer connections open on l already, not
 * counting self (a connection that just learnt its client)?
 */
static int
listener_over_per_peer(struct listener *l, const struct sockaddr *sa,
    const struct conn *self)
{
	struct conn	*c;
	u_int		 same = 0;

	if (l->conf->max_per_peer == 0)
		return (0);
	TAILQ_FOREACH(c, &l->conns, entry) {
		/* Still reading its header: its client is not known. */
		if (c->conf->proxy_protocol != PROXY_NO && c->proxy == NULL)
			continue;
		if (c != self && listener_same_host(&c->addr, sa) &&
		    ++same >= l->conf->max_per_peer)
			return (1);
	}
	return (0);
}

/*
 * A connection behind a balancer has learnt its client from the PROXY
 * header: allow, deny and max_per_peer apply to that client now.
 * Refused, it is counted and noted as at accept (and not as accepted);
 * returns -1 then, and the caller closes it without a record.
 */
int
listener_admit(struct listener *l, struct conn *c)
{
	const struct sockaddr	*sa = (const struct sockaddr *)&c->addr;
	int			 why;

	if ((why = listener_refusal_client(l, sa)) == -1 &&
	    listener_over_per_peer(l, sa, c))
		why = NOTE_REFUSE_PEER;
	if (why == -1)
		return (0);
	l->stats.accepted--;
	listener_refused(l, why, c->peer);
	return (-1);
}

/* Same IP address, whatever the port? */
static int
listener_same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return (0);
	if (b->sa_family == AF_INET)
		return (((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr);
	if (b->sa_family == AF_INET6)
		return (IN6_ARE_ADDR_EQUAL(
		    &((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr));
	return (0);
}

/*
 * A new socket: refused (closed at once, without reading, counted and
 * noted) by allow/deny or over a cap; else a new connection.
 */
static void
listener_accept_cb(struct evconnlistener *evl __unused, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener		*l = arg;
	struct listener_env	*env = l->env;
	struct sockaddr_storage	 ss;
	char			 peer[CONN_PEER_LEN];
	socklen_t		 len;
	int			 why;

	env->cb->accepted(env->arg);
	memset(&ss, 0, sizeof ss);
	len = (size_t)salen <= sizeof ss ? (socklen_t)salen : sizeof ss;
	memcpy(&ss, sa, len);
	len = sockaddr_unmap(&ss, len);
	sa = (struct sockaddr *)&ss;
	if ((why = listener_refusal(l, sa)) == -1) {
		conn_new(l, fd, sa, len);
		return;
	}
	close(fd);
	conn_peer_string(sa, peer, sizeof peer);
	listener_refused(l, why, peer);
}

/*
 * A connection from peer refused for why (a NOTE_REFUSE_*): say so, as
 * "listener NAME: refused PEER (why)".
 */
static void
listener_refused(struct listener *l, int why, const char *peer)
{
	struct listener_env	*env = l->env;

	l->stats.refused++;
	switch (why) {
	case NOTE_REFUSE_CAP:
		listener_note(l, why, peer, "max_connections reached: %llu "
		    "open on this listener, %llu in all",
		    (unsigned long long)l->stats.active,
		    (unsigned long long)env->active);
		break;
	case NOTE_REFUSE_PEER:
		listener_note(l, why, peer, "max_per_peer reached");
		break;
	case NOTE_REFUSE_PROXY:
		listener_note(l, why, peer, "not in proxy_from");
		break;
	default:
		listener_note(l, why, peer, "not allowed by allow/deny");
		break;
	}
}

/*
 * accept() failed with something other than EAGAIN, EINTR or
 * ECONNABORTED (libevent retries those).  Out of descriptors: the owner
 * backs off instead of spinning.
 */
static void
listener_error_cb(struct evconnlistener *evl __unused, void *arg)
{
	struct listener	*l = arg;
	int		 error = EVUTIL_SOCKET_ERROR();

	if (error == EMFILE || error == ENFILE || error == ENOBUFS ||
	    error == ENOMEM) {
		l->env->cb->accept_failed(error, l->env->arg);
		return;
	}
	log_warnx("%s: accept: %s", l->conf->name,
	    evutil_socket_error_to_string(error));
}

/*
 * Say something about one peer of the listener ("NAME: PEER: text"; a
 * refusal "listener NAME: refused PEER (text)"), at most once a second
 * for each kind: the first is said at once, those that follow within
 * the second are held back, and when it ends the first of them is said
 * with how many more there were.  Nothing is kept per peer, so a flood
 * from many addresses costs no memory.
 */
void
listener_note(struct listener *l, enum lnote kind, const char *peer,
    const char *fmt, ...)
{
	struct listener_note	*n = &l->notes[kind];
	struct timeval		 tv = { 1, 0 };
	va_list			 ap;

	if (n->open && n->more++ > 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(n->text, sizeof n->text, fmt, ap);
	va_end(ap);
	if (n->open) {
		(void)snprintf(n->peer, sizeof n->peer, "%s", peer);
		return;
	}
	listener_note_log(l, n, peer, 0);
	n->open = 1;
	if (!evtimer_pending(l->ev_note, NULL))
		evtimer_add(l->ev_note, &tv);
}

/* One line of note n about peer, and more held back after it. */
static void
listener_note_log(struct listener *l, const struct listener_note *n,
    const char *peer, uint64_t more)
{
	char	tail[32] = "";

	if (more > 0)
		(void)snprintf(tail, sizeof tail, " (%llu more)",
		    (unsigned long long)more);
	switch (n - l->notes) {
	case NOTE_REFUSE_CAP:
	case NOTE_REFUSE_PEER:
	case NOTE_REFUSE_ACL:
	case NOTE_REFUSE_PROXY:
		log_warnx("listener %s: refused %s (%s)%s", l->conf->name,
		    peer, n->text, tail);
		break;
	default:
		log_warnx("%s: %s: %s%s", l->conf->name, peer, n->text, tail);
		break;
	}
}

/* Say what was held back; 1 if something was. */
static int
listener_note_say(struct listener *l, struct listener_note *n)
{
	if (n->more == 0) {
		n->open = 0;
		return (0);
	}
	listener_note_log(l, n, n->peer, n->more - 1);
	n->more = 0;
	return (1);
}

/* A second has passed since the notes were said. */
static void
listener_note_cb(evutil_socket_t fd __unused, short what __unused,
    void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv = { 1, 0 };

	if (listener_notes_say(l))
		evtimer_add(l->ev_note, &tv);
}

/* Say everything held back now; 1 if something was. */
static int
listener_notes_say(struct listener *l)
{
	int	i, said = 0;

	for (i = 0; i < NOTE_COUNT; i++)
		said |= listener_note_say(l, &l->notes[i]);
	return (said);
}

/* One line of counters. */
void
listener_stats_log(struct listener *l)
{
	counter_log("listener", l->conf->name, listener_counters, &l->stats);
}
