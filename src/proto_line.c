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
 * The line protocol: records end at LF, and one CR before the LF is
 * dropped, so LF and CRLF senders both work.  Empty lines are records.
 *
 * Complete lines inside the first chain of the input buffer are emitted
 * straight from it; only a line that spans chains is pulled up.  The
 * connection reads at most max_line + 2 bytes ahead (CR and LF), so a
 * buffer that full without an LF holds a line longer than max_line, which
 * is handled by the listener's overlong policy.  Whatever is left when
 * the connection ends is emitted flagged partial.
 */

#include <stdlib.h>
#include <string.h>

#include "tcplogd.h"

/* Per-connection state. */
struct line_state {
	int	discarding;	/* dropping the rest of a truncated line */
	int	long_line;	/* split pieces of this line were emitted */
	size_t	scanned;	/* input bytes known to hold no LF */
};

static void	*line_init(struct conn *);
static int	 line_data_received(struct conn *, void *, struct evbuffer *);
static void	 line_connection_lost(struct conn *, void *, struct evbuffer *,
		    enum conn_reason);
static void	 line_free(void *);
static int	 line_emit(struct conn *, struct line_state *, const u_char *,
		    size_t, int);
static int	 line_overlong(struct conn *, struct line_state *,
		    struct evbuffer *);

const struct proto_ops proto_line_ops = {
	.name = "line",
	.init = line_init,
	.data_received = line_data_received,
	.connection_lost = line_connection_lost,
	.free = line_free,
};

static void *
line_init(struct conn *c __unused)
{
	return (xcalloc(1, sizeof (struct line_state)));
}

static void
line_free(void *state)
{
	free(state);
}

/*
 * Emit one line of len bytes (its LF already removed) under the overlong
 * policy.  Returns -1 if the connection must close.
 */
static int
line_emit(struct conn *c, struct line_state *st, const u_char *p,
    size_t len, int flags)
{
	size_t	max = c->conf->max_line;

	if (len > 0 && p[len - 1] == '\r' && (flags & REC_PARTIAL) == 0)
		len--;
	if (len <= max) {
		conn_emit(c, p, len, flags);
		st->long_line = 0;
		return (0);
	}
	if (!st->long_line)
		conn_overlong(c);
	st->long_line = 0;
	switch (c->conf->overlong) {
	case OVERLONG_TRUNCATE:
		conn_emit(c, p, max, flags | REC_TRUNCATED);
		return (0);
	case OVERLONG_SPLIT:
		for (; len > max; p += max, len -= max)
			conn_emit(c, p, max, flags | REC_SPLIT);
		conn_emit(c, p, len, flags);
		return (0);
	case OVERLONG_CLOSE:
		conn_emit(c, p, max, flags | REC_TRUNCATED);
		st->discarding = 1;
		return (-1);
	}
	return (0);
}

/*
 * The buffer holds more than max_line bytes and no LF: emit the first
 * max_line bytes as the policy says.  Returns -1 to close.
 */
static int
line_overlong(struct conn *c, struct line_state *st, struct evbuffer *in)
{
	size_t	 max = c->conf->max_line;
	u_char	*p;

	if (!st->long_line)
		conn_overlong(c);
	p = evbuffer_pullup(in, max);
	switch (c->conf->overlong) {
	case OVERLONG_SPLIT:
		conn_emit(c, p, max, REC_SPLIT);
		st->long_line = 1;
		evbuffer_drain(in, max);
		return (0);
	case OVERLONG_TRUNCATE:
	case OVERLONG_CLOSE:
		conn_emit(c, p, max, REC_TRUNCATED);
		evbuffer_drain(in, max);
		st->discarding = 1;
		break;
	}
	return (c->conf->overlong == OVERLONG_CLOSE ? -1 : 0);
}

/* Take every complete line out of the buffer. */
static int
line_data_received(struct conn *c, void *state, struct evbuffer *in)
{
	struct line_state	*st = state;
	struct evbuffer_iovec	 v;
	struct evbuffer_ptr	 pos;
	u_char			*base, *p, *end, *nl;
	size_t			 len;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (st->discarding) {
			pos = evbuffer_search(in, "\n", 1, NULL);
			if (pos.pos == -1) {
				evbuffer_drain(in, len);
				return (0);
			}
			evbuffer_drain(in, pos.pos + 1);
			st->discarding = 0;
			continue;
		}

		/* Lines wholly inside the first chain: no copy. */
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			return (0);
		base = v.iov_base;
		end = base + v.iov_len;
		p = base + (st->scanned < v.iov_len ? st->scanned : v.iov_len);
		while ((nl = memchr(p, '\n', end - p)) != NULL) {
			if (line_emit(c, st, base, nl - base, 0) == -1) {
				evbuffer_drain(in, nl + 1 - base);
				return (-1);
			}
			base = p = nl + 1;
		}
		if (base != v.iov_base) {
			evbuffer_drain(in, base - (u_char *)v.iov_base);
			st->scanned = 0;
			continue;
		}

		/*
		 * A line that spans chains, or none complete yet.  What was
		 * searched before is not searched again: a long line arriving
		 * in many reads costs linear time.
		 */
		evbuffer_ptr_set(in, &pos, st->scanned > v.iov_len ?
		    st->scanned : v.iov_len, EVBUFFER_PTR_SET);
		pos = evbuffer_search(in, "\n", 1, &pos);
		if (pos.pos == -1) {
			st->scanned = len;
			if (len < c->conf->max_line + CONN_READ_MARGIN)
				return (0);
			st->scanned = 0;
			if (line_overlong(c, st, in) == -1)
				return (-1);
			continue;
		}
		st->scanned = 0;
		p = evbuffer_pullup(in, pos.pos + 1);
		if (line_emit(c, st, p, pos.pos, 0) == -1) {
			evbuffer_drain(in, pos.pos + 1);
			return (-1);
		}
		evbuffer_drain(in, pos.pos + 1);
	}
	return (0);
}

/* The connection ends: what is left is a partial last line. */
static void
line_connection_lost(struct conn *c, void *state, struct evbuffer *in,
    enum conn_reason reason __unused)
{
	struct line_state	*st = state;
	size_t			 len;
	u_char			*p;

	if (st->discarding || (len = evbuffer_get_length(in)) == 0)
		return;
	c->l->stats.partial++;
	p = evbuffer_pullup(in, len);
	(void)line_emit(c, st, p, len, REC_PARTIAL);
	evbuffer_drain(in, len);
}
