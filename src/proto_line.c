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
 * Lines that arrive whole in one read are emitted straight from the read
 * buffer.  The start of an unfinished line is kept in a buffer of the
 * connection's own until its LF comes.  However the line was cut into
 * reads, the listener's overlong policy acts on its first max_line bytes
 * as soon as max_line + 2 bytes (CR and LF) of it have come without an
 * LF, and no more than that is ever kept.  Whatever is left when the
 * connection ends is emitted flagged partial.
 */

#include <stdlib.h>
#include <string.h>

#include "tcplogd.h"

#define LINE_KEEP_MIN	256	/* smallest buffer for an unfinished line */
#define LINE_KEEP_MAX	(64 * 1024) /* a larger one is freed once empty */
#define LINE_BATCH	256	/* lines emitted in one call */

/* Per-connection state. */
struct line_state {
	int	 discarding;	/* dropping the rest of a truncated line */
	int	 long_line;	/* split pieces of this line were emitted */
	u_char	*part;		/* the unfinished line, no LF in it */
	size_t	 len;
	size_t	 size;
};

static void	*line_init(struct conn *);
static int	 line_data_received(struct conn *, void *, const u_char *,
		    size_t);
static void	 line_connection_lost(struct conn *, void *,
		    enum conn_reason);
static size_t	 line_pending(void *);
static void	 line_free(void *);
static int	 line_emit(struct conn *, struct line_state *, const u_char *,
		    size_t, int);
static int	 line_overlong(struct conn *, struct line_state *,
		    const u_char *);
static void	 line_keep(struct line_state *, const u_char *, size_t);
static void	 line_shrink(struct line_state *);

const struct proto_ops proto_line_ops = {
	.name = "line",
	.init = line_init,
	.data_received = line_data_received,
	.connection_lost = line_connection_lost,
	.pending = line_pending,
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
	struct line_state	*st = state;

	free(st->part);
	free(st);
}

static size_t
line_pending(void *state)
{
	return (((struct line_state *)state)->len);
}

/* Append len bytes to the unfinished line. */
static void
line_keep(struct line_state *st, const u_char *p, size_t len)
{
	size_t	size = st->size;

	if (st->len + len > size) {
		if (size < LINE_KEEP_MIN)
			size = LINE_KEEP_MIN;
		while (size < st->len + len)
			size *= 2;
		st->part = xreallocarray(st->part, 1, size);
		st->size = size;
	}
	memcpy(st->part + st->len, p, len);
	st->len += len;
}

/* The unfinished line was emitted: give back a buffer grown large. */
static void
line_shrink(struct line_state *st)
{
	if (st->size > LINE_KEEP_MAX) {
		free(st->part);
		st->part = NULL;
		st->size = 0;
	}
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
 * max_line + 2 bytes at p and no LF among them: emit the first max_line
 * as the policy says.  Under split the rest is still the same line;
 * otherwise the line is dropped up to its LF.  Returns -1 to close.
 */
static int
line_overlong(struct conn *c, struct line_state *st, const u_char *p)
{
	size_t	max = c->conf->max_line;

	if (!st->long_line)
		conn_overlong(c);
	if (c->conf->overlong == OVERLONG_SPLIT) {
		conn_emit(c, p, max, REC_SPLIT);
		st->long_line = 1;
		return (0);
	}
	conn_emit(c, p, max, REC_TRUNCATED);
	st->discarding = 1;
	return (c->conf->overlong == OVERLONG_CLOSE ? -1 : 0);
}

/*
 * Take every complete line out of len bytes at p; keep the rest.  Lines
 * that need nothing but emitting (no overlong policy, not the end of a
 * split line) go out in batches of up to LINE_BATCH, in order with the
 * rest: a batch is emitted before anything else is.  The scans that find
 * the LFs also tell whether text output must escape the lines.
 */
static int
line_data_received(struct conn *c, void *state, const u_char *p,
    size_t len)
{
	struct line_state	*st = state;
	struct iovec		 batch[LINE_BATCH];
	const u_char		*end = p + len, *nl;
	size_t			 bound = c->conf->max_line + CONN_READ_MARGIN;
	size_t			 max = c->conf->max_line, n, nb = 0, run;
	int			 rc = 0, plain = 1;

	while (p < end) {
		if (st->discarding) {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				break;
			p = nl + 1;
			st->discarding = 0;
			continue;
		}

		if (st->len == 0) {
			/* Lines wholly inside this read: no copy. */
			if (!st->long_line) {
				nb += line_scan_split(p, end - p, max,
				    batch + nb, LINE_BATCH - nb, &n, &plain);
				p += n;
				if (nb == LINE_BATCH) {
					conn_emit_lines(c, batch, nb, plain);
					nb = 0;
					plain = 1;
					continue;
				}
				if (p == end)
					break;
			}
			/* The line the fast path left, or a long one. */
			n = (size_t)(end - p) < bound ? (size_t)(end - p) :
			    bound;
			nl = line_scan_find(p, n, &run);
			if (nl != NULL && !st->long_line) {
				n = nl - p;
				if (n > 0 && p[n - 1] == '\r')
					n--;
				if (n <= max) {
					batch[nb].iov_base = (void *)p;
					batch[nb].iov_len = n;
					plain &= run >= n;
					p = nl + 1;
					if (++nb == LINE_BATCH) {
						conn_emit_lines(c, batch, nb,
						    plain);
						nb = 0;
						plain = 1;
					}
					continue;
				}
			}
			if (nb > 0) {
				conn_emit_lines(c, batch, nb, plain);
				nb = 0;
				plain = 1;
			}
			if (nl != NULL) {
				rc = line_emit(c, st, p, nl - p, 0);
				p = nl + 1;
			} else if (n == bound) {
				rc = line_overlong(c, st, p);
				p += max;
			} else {
				line_keep(st, p, n);
				break;
			}
			if (rc == -1)
				return (-1);
			continue;
		}

		/* The unfinished line goes on: it holds fewer than bound. */
		n = bound - st->len;
		if ((size_t)(end - p) < n)
			n = end - p;
		if ((nl = memchr(p, '\n', n)) != NULL) {
			line_keep(st, p, nl - p);
			p = nl + 1;
			n = st->len;
			st->len = 0;
			rc = line_emit(c, st, st->part, n, 0);
			line_shrink(st);
			if (rc == -1)
				return (-1);
			continue;
		}
		line_keep(st, p, n);
		p += n;
		if (st->len < bound)
			break;
		rc = line_overlong(c, st, st->part);
		st->len -= max;
		if (st->discarding) {
			st->len = 0;
			line_shrink(st);
		} else
			memmove(st->part, st->part + max, st->len);
		if (rc == -1)
			return (-1);
	}
	if (nb > 0)
		conn_emit_lines(c, batch, nb, plain);
	return (0);
}

/* The connection ends: what is left is a partial last line. */
static void
line_connection_lost(struct conn *c, void *state,
    enum conn_reason reason __unused)
{
	struct line_state	*st = state;
	size_t			 len = st->len;

	if (st->discarding || len == 0)
		return;
	c->l->stats.partial++;
	st->len = 0;
	(void)line_emit(c, st, st->part, len, REC_PARTIAL);
}
