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
 * The line protocol: records end at the listener's delimiter.
 *
 *	lf		LF, and one CR before the LF is dropped, so LF and
 *			CRLF senders both work
 *	nul		NUL; CR and LF are data
 *	lf-or-nul	either, the CR dropped before LF only; a delimiter
 *			right after one of the other kind ends no record,
 *			so "a\0\n", "a\n\0" and "a\n\0\n" are one record
 *			each, and senders that end their messages with
 *			both make no empty records
 *
 * Empty lines are records ("\n\n" and "\0\0" are two each).
 *
 * Lines that arrive whole in one read are emitted straight from the read
 * buffer, in batches; proto_line_scan.c finds them.  The start of an
 * unfinished line is kept in a buffer of the connection's own until its
 * delimiter comes.  However the line was cut into reads, the listener's
 * overlong policy acts on its first max_line bytes as soon as max_line +
 * CONN_READ_MARGIN bytes of it have come without a delimiter, and no more
 * than that is ever kept.  The margin is CR and LF; NUL would need only
 * one byte, but one bound for every delimiter changes only when the
 * policy acts on a line that is too long anyway, never what it emits.
 * Whatever is left when the connection ends is emitted flagged partial.
 */

#include <stdlib.h>
#include <string.h>

#include "tcplogd.h"

#define LINE_BATCH	256	/* lines emitted in one call */

/* Complete lines of one read, emitted together. */
struct line_batch {
	struct iovec	 v[LINE_BATCH];	/* into the read buffer */
	size_t		 n;
	int		 plain;		/* text passes them all unchanged */
};

/* Per-connection state. */
struct line_state {
	enum lconf_delimiter delim;
	int	 pair;		/* lf-or-nul: the byte that, next, ends no
				   line (the last read ended in a delimiter
				   of the other kind), or -1 */
	int	 discarding;	/* dropping the rest of a truncated line */
	int	 long_line;	/* split pieces of this line were emitted */
	struct proto_part part;	/* the unfinished line, no delimiter in it */
};

static void	*line_init(struct conn *);
static enum conn_reason line_data_received(struct conn *, void *,
		    const u_char *, size_t);
static void	 line_connection_lost(struct conn *, void *,
		    enum conn_reason);
static size_t	 line_pending(void *);
static void	 line_free(void *);
static size_t	 line_cut(const u_char *, size_t, const u_char *);
static int	 line_pair(const u_char *);
static int	 line_emit(struct conn *, struct line_state *, const u_char *,
		    size_t, int);
static int	 line_overlong(struct conn *, struct line_state *,
		    const u_char *);
static void	 line_batch_flush(struct conn *, struct line_batch *);
static int	 line_fast(struct conn *, struct line_state *,
		    struct line_batch *, const u_char **, const u_char *);
static int	 line_slow(struct conn *, struct line_state *,
		    struct line_batch *, const u_char **, const u_char *);
static int	 line_unfinished(struct conn *, struct line_state *,
		    const u_char **, const u_char *);

const struct proto_ops proto_line_ops = {
	.name = "line",
	.init = line_init,
	.data_received = line_data_received,
	.connection_lost = line_connection_lost,
	.pending = line_pending,
	.free = line_free,
};

static void *
line_init(struct conn *c)
{
	struct line_state	*st;

	st = xcalloc(1, sizeof *st);
	st->delim = c->conf->delimiter;
	st->pair = -1;
	return (st);
}

/* What ends the records of this connection, if not its listener's. */
void
line_set_delimiter(void *state, enum lconf_delimiter delim)
{
	((struct line_state *)state)->delim = delim;
}

static void
line_free(void *state)
{
	struct line_state	*st = state;

	free(st->part.buf);
	free(st);
}

static size_t
line_pending(void *state)
{
	return (((struct line_state *)state)->part.len);
}

/*
 * The length of the line of len bytes at p that the delimiter at d ends:
 * without a CR right before an LF.
 */
static size_t
line_cut(const u_char *p, size_t len, const u_char *d)
{
	if (len > 0 && p[len - 1] == '\r' && *d == '\n')
		len--;
	return (len);
}

/*
 * With lf-or-nul, the delimiter that ends no line right after the byte
 * at p (NUL after LF, LF after NUL), or -1.
 */
static int
line_pair(const u_char *p)
{
	if (*p == '\n')
		return ('\0');
	if (*p == '\0')
		return ('\n');
	return (-1);
}

/*
 * Emit one line of len bytes (its delimiter, and a CR before an LF,
 * already removed) under the overlong policy.  Returns -1 if the
 * connection must close.
 */
static int
line_emit(struct conn *c, struct line_state *st, const u_char *p,
    size_t len, int flags)
{
	size_t	max = c->conf->max_line;

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
 * max_line + CONN_READ_MARGIN bytes at p and no delimiter among them:
 * emit the first max_line as the policy says.  Under split the rest is
 * still the same line; otherwise the line is dropped up to its
 * delimiter.  Returns -1 to close.
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

/* Emit the lines of the batch, if it has any, and start the next. */
static void
line_batch_flush(struct conn *c, struct line_batch *b)
{
	if (b->n == 0)
		return;
	conn_emit_lines(c, b->v, b->n, b->plain);
	b->n = 0;
	b->plain = 1;
}

/*
 * The fast path: lines wholly inside this read go into the batch, with
 * no copy, a full batch out at once.  Returns 1 if it stopped before a
 * line it leaves to the slow path, 0 if the batch filled or the bytes
 * ran out.
 */
static int
line_fast(struct conn *c, struct line_state *st, struct line_batch *b,
    const u_char **pp, const u_char *end)
{
	size_t	used;

	b->n += line_scan_split(*pp, end - *pp, c->conf->max_line,
	    b->v + b->n, LINE_BATCH - b->n, &used, &b->plain, st->delim);
	*pp += used;
	if (b->n == LINE_BATCH) {
		line_batch_flush(c, b);
		return (0);
	}
	return (*pp < end);
}

/*
 * The slow path, for the line the fast path left or a long one.  A
 * complete line of at most max_line bytes joins the batch, unless it ends
 * a split line.  Otherwise the batch goes out first, then the complete
 * line through line_emit(), or max_line + CONN_READ_MARGIN bytes without
 * a delimiter through line_overlong(); fewer are the start of an
 * unfinished line, kept.  Returns -1 if the connection must close.
 */
static int
line_slow(struct conn *c, struct line_state *st, struct line_batch *b,
    const u_char **pp, const u_char *end)
{
	const u_char	*p = *pp, *nl;
	size_t		 bound = c->conf->max_line + CONN_READ_MARGIN;
	size_t		 max = c->conf->max_line, n, run;

	n = (size_t)(end - p) < bound ? (size_t)(end - p) : bound;
	nl = line_scan_find(p, n, &run, st->delim);
	if (nl != NULL && !st->long_line) {
		n = line_cut(p, nl - p, nl);
		if (n <= max) {
			b->v[b->n].iov_base = (void *)p;
			b->v[b->n].iov_len = n;
			b->plain &= run >= n;
			*pp = nl + 1;
			if (++b->n == LINE_BATCH)
				line_batch_flush(c, b);
			return (0);
		}
	}
	line_batch_flush(c, b);
	if (nl != NULL) {
		*pp = nl + 1;
		return (line_emit(c, st, p, line_cut(p, nl - p, nl), 0));
	}
	if (n == bound) {
		*pp = p + max;
		return (line_overlong(c, st, p));
	}
	/* Fewer than bound bytes are left, all of them this line's. */
	proto_part_keep(&st->part, p, n);
	*pp = end;
	return (0);
}

/*
 * The unfinished line goes on; it holds fewer than bound bytes.  Its
 * delimiter ends it, or it is kept, up to bound bytes that then go
 * through line_overlong().  Returns -1 if the connection must close.
 */
static int
line_unfinished(struct conn *c, struct line_state *st, const u_char **pp,
    const u_char *end)
{
	const u_char	*p = *pp, *nl;
	size_t		 bound = c->conf->max_line + CONN_READ_MARGIN;
	size_t		 max = c->conf->max_line, n;
	int		 rc;

	n = bound - st->part.len;
	if ((size_t)(end - p) < n)
		n = end - p;
	if ((nl = line_scan_delim(p, n, st->delim)) != NULL) {
		proto_part_keep(&st->part, p, nl - p);
		*pp = nl + 1;
		n = line_cut(st->part.buf, st->part.len, nl);
		st->part.len = 0;
		rc = line_emit(c, st, st->part.buf, n, 0);
		proto_part_empty(&st->part);
		return (rc);
	}
	proto_part_keep(&st->part, p, n);
	*pp = p + n;
	if (st->part.len < bound)
		return (0);	/* and *pp is the end */
	rc = line_overlong(c, st, st->part.buf);
	st->part.len -= max;
	if (st->discarding) {
		proto_part_empty(&st->part);
	} else
		memmove(st->part.buf, st->part.buf + max, st->part.len);
	return (rc);
}

/*
 * Take every complete line out of len bytes at p; keep the rest.  Lines
 * that need nothing but emitting (no overlong policy, not the end of a
 * split line) go out in batches of up to LINE_BATCH, in order with the
 * rest: a batch is emitted before anything else is.  The scans that find
 * the delimiters also tell whether text output must escape the lines.
 * Under overlong = close, a line too long ends the connection.
 *
 * With lf-or-nul every LF and NUL is a delimiter, so whether one ends no
 * line depends on the byte before it alone: here, at the start of each
 * step (the scanner does the same inside its blocks), and across reads
 * through st->pair.
 */
static enum conn_reason
line_data_received(struct conn *c, void *state, const u_char *p,
    size_t len)
{
	struct line_state	*st = state;
	struct line_batch	 b;
	const u_char		*start = p, *end = p + len, *nl;
	int			 rc;

	b.n = 0;
	b.plain = 1;
	while (p < end) {
		if (st->delim == DELIM_LF_OR_NUL && *p == (p == start ?
		    st->pair : line_pair(p - 1))) {
			p++;
			continue;
		}
		if (st->discarding) {
			if ((nl = line_scan_delim(p, end - p, st->delim)) ==
			    NULL)
				break;
			p = nl + 1;
			st->discarding = 0;
			continue;
		}
		if (st->part.len > 0)
			rc = line_unfinished(c, st, &p, end);
		else if (st->long_line || line_fast(c, st, &b, &p, end))
			rc = line_slow(c, st, &b, &p, end);
		else
			continue;
		if (rc == -1)
			return (CONN_TOO_LONG);
	}
	line_batch_flush(c, &b);
	if (st->delim == DELIM_LF_OR_NUL && len > 0)
		st->pair = line_pair(end - 1);
	return (CONN_OK);
}

/* The connection ends: what is left is a partial last line. */
static void
line_connection_lost(struct conn *c, void *state,
    enum conn_reason reason __unused)
{
	struct line_state	*st = state;
	size_t			 len = st->part.len;

	if (st->discarding || len == 0)
		return;
	c->l->stats.partial++;
	st->part.len = 0;
	(void)line_emit(c, st, st->part.buf, len, REC_PARTIAL);
}
