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
 * The PROXY stage: behind a load balancer (proxy_protocol), the first
 * bytes of a connection are the balancer's header naming the client.
 * Only addresses in proxy_from get this far (listener.c), and from them
 * the header is required.  Read it (proxy_parse.c), then the connection
 * is the client's: its peer in every record, allow, deny and
 * max_per_peer.  A balancer's own connection (LOCAL, UNKNOWN, or closed
 * before its first byte: a health check) and a bad header end without a
 * record.  What came after the header goes on to the next stage (TLS)
 * or to the protocol.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "tcplogd.h"
#include "log.h"

/* Enough for any v1 line and a v2 header without TLVs. */
#define PROXY_FIRST	(PROXY_V1_MAX + 1)

struct proxy_state {
	u_char		*buf;		/* first, or owned: what came */
	size_t		 len;
	size_t		 size;
	int		 self;		/* the header named the balancer's
					   own connection: data next? */
	u_char		 first[PROXY_FIRST];	/* most headers fit */
};

static int	 proxy_enabled(const struct lconf *);
static u_int	 proxy_timeout(const struct lconf *);
static void	*proxy_init(struct conn *);
static int	 proxy_run(struct conn *, void *, enum conn_reason *);
static void	 proxy_expire(struct conn *, void *);
static void	 proxy_free(void *);
static int	 proxy_done(struct conn *, struct proxy_state *,
		    enum proxy_result, const struct proxy_header *,
		    enum conn_reason *);
static int	 proxy_error(struct conn *, const char *,
		    enum conn_reason *);
static int	 proxy_self_wait(struct conn *, struct proxy_state *,
		    enum conn_reason *);
static int	 proxy_admit(struct conn *, enum conn_reason *);
static int	 proxy_same_addr(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);

const struct stage_ops stage_proxy_ops = {
	.name = "PROXY",
	.enabled = proxy_enabled,
	.timeout = proxy_timeout,
	.expired = CONN_PROXY_TIMEOUT,
	.expire = proxy_expire,
	.init = proxy_init,
	.run = proxy_run,
	.free = proxy_free,
};

static int
proxy_enabled(const struct lconf *lc)
{
	return (lc->proxy_protocol != PROXY_NO);
}

static u_int
proxy_timeout(const struct lconf *lc)
{
	return (lc->proxy_timeout);
}

static void *
proxy_init(struct conn *c __unused)
{
	struct proxy_state	*ps;

	ps = xmalloc(sizeof *ps);
	ps->buf = ps->first;
	ps->len = 0;
	ps->size = sizeof ps->first;
	ps->self = 0;
	return (ps);
}

static void
proxy_free(void *arg)
{
	struct proxy_state	*ps = arg;

	if (ps == NULL)
		return;
	if (ps->buf != ps->first)
		free(ps->buf);
	free(ps);
}

/*
 * Read what is there, a little at a time: at most what the header may
 * still need (a v2 header says its length), so that little of the
 * client's data is read here and handed on.
 */
static int
proxy_run(struct conn *c, void *arg, enum conn_reason *reason)
{
	struct proxy_state	*ps = arg;
	struct proxy_header	 h;
	enum proxy_result	 r;
	size_t			 want;
	ssize_t			 n;

	if (ps->self)
		return (proxy_self_wait(c, ps, reason));
	for (;;) {
		r = proxy_parse(ps->buf, ps->len, c->conf->proxy_protocol, &h);
		if (r != PROXY_MORE)
			return (proxy_done(c, ps, r, &h, reason));
		want = PROXY_FIRST;
		if (h.version == 2 && ps->len >= 16)
			want = 16 + ((size_t)ps->buf[14] << 8 | ps->buf[15]);
		if (want > ps->size) {
			/* A v2 header with TLVs: at most PROXY_V2_MAX. */
			if (ps->buf == ps->first) {
				ps->buf = xmalloc(want);
				memcpy(ps->buf, ps->first, ps->len);
			} else
				ps->buf = xreallocarray(ps->buf, want, 1);
			ps->size = want;
		}
		n = conn_stage_read(c, ps->buf + ps->len, want - ps->len,
		    reason);
		if (n == 0)
			return (EV_READ);
		if (n == -1) {
			if (*reason != CONN_EOF)
				return (-1);
			if (ps->len > 0)
				return (proxy_error(c, "closed within the "
				    "PROXY header", reason));
			/* A bare connect and close: a balancer's check. */
			c->l->stats.health_checks++;
			*reason = CONN_HEALTH_CHECK;
			return (-1);
		}
		ps->len += n;
	}
}

/* The header is complete, or cannot become one. */
static int
proxy_done(struct conn *c, struct proxy_state *ps, enum proxy_result r,
    const struct proxy_header *h, enum conn_reason *reason)
{
	switch (r) {
	case PROXY_INVALID:
		return (proxy_error(c, h->error, reason));
	case PROXY_LOCAL:
		c->l->stats.health_checks++;
		*reason = CONN_HEALTH_CHECK;
		return (-1);
	default:
		break;
	}
	conn_stage_unread(c, ps->buf + h->len, ps->len - h->len);
	ps->self = proxy_same_addr(&h->src, &c->addr) && ps->len == h->len;
	c->proxy = xstrdup(c->peer);
	memset(&c->addr, 0, sizeof c->addr);
	memcpy(&c->addr, &h->src, h->srclen);
	conn_peer_string((const struct sockaddr *)&c->addr, c->peer,
	    sizeof c->peer);
	log_debug("%s: %s: PROXY v%d from %s", c->conf->name, c->peer,
	    h->version, c->proxy);
	if (ps->self)
		return (proxy_self_wait(c, ps, reason));
	return (proxy_admit(c, reason));
}

/*
 * The header named the connection it came on as the client: HAProxy's
 * health check with a v1 header does so, then closes.  Nothing is known
 * until a byte comes: closed before one, it was a check (no record);
 * data makes it a client like any other.
 */
static int
proxy_self_wait(struct conn *c, struct proxy_state *ps,
    enum conn_reason *reason)
{
	ssize_t	n;

	n = conn_stage_read(c, ps->buf, ps->size, reason);
	if (n == 0)
		return (EV_READ);
	if (n == -1) {
		if (*reason != CONN_EOF && *reason != CONN_RESET)
			return (-1);
		c->l->stats.health_checks++;
		*reason = CONN_HEALTH_CHECK;
		return (-1);
	}
	conn_stage_unread(c, ps->buf, n);
	return (proxy_admit(c, reason));
}

/* allow, deny and max_per_peer for the client, now known. */
static int
proxy_admit(struct conn *c, enum conn_reason *reason)
{
	if (listener_admit(c->l, c) == -1) {
		*reason = CONN_REFUSED;
		return (-1);
	}
	return (0);
}

/* The same address and port? */
static int
proxy_same_addr(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in	*b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET)
		return (a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	if (a->ss_family == AF_INET6)
		return (a6->sin6_port == b6->sin6_port &&
		    IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr));
	return (0);
}

/* A bad header: counted, noted (naming the balancer), no record. */
static int
proxy_error(struct conn *c, const char *why, enum conn_reason *reason)
{
	c->l->stats.proxy_errors++;
	listener_note(c->l, NOTE_PROXY, c->peer, "%s", why);
	*reason = CONN_PROXY;
	return (-1);
}

static void
proxy_expire(struct conn *c, void *arg __unused)
{
	c->l->stats.proxy_errors++;
	listener_note(c->l, NOTE_PROXY_TIMEOUT, c->peer, "no complete PROXY "
	    "header within %u s", c->conf->proxy_timeout);
}
