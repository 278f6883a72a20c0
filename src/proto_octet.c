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
 * The octet-counted protocol, RFC 6587 section 3.4.1: a frame is
 * "MSG-LEN SP MSG", MSG-LEN the length of MSG in decimal, 1 to 9 digits,
 * the first not 0.  The record is MSG, exactly: an LF in it is data.
 *
 * Frames that arrive whole in one read are emitted straight from the read
 * buffer, in batches.  Of a frame cut by the end of a read, the digits of
 * its MSG-LEN are kept as a number and the start of its MSG in a buffer of
 * the connection's own, never more than max_line bytes.  A frame longer
 * than max_line follows the listener's overlong policy as soon as its
 * first max_line bytes have come: truncate emits them and skips exactly
 * the rest of the frame, split emits the frame in pieces of max_line,
 * close emits them and ends the connection.
 *
 * A bad MSG-LEN (a byte that is not a digit, a leading 0, more than 9
 * digits, no SP after it) leaves no way to find the next frame: what is
 * left of the read, from the start of that MSG-LEN, is emitted as one
 * record flagged framing-error, and the connection closes.  A connection
 * that ends inside a frame emits what it has of it, flagged partial.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcplogd.h"
#include "format_simd.h"

#define OCTET_DIGITS	9	/* of MSG-LEN, at most */
#define OCTET_BATCH	256	/* frames emitted in one call */

/* What reading MSG-LEN came to. */
enum octet_len_rc {
	OCTET_LEN_MORE,		/* good so far, the bytes ran out */
	OCTET_LEN_DONE,		/* its SP was read */
	OCTET_LEN_ZERO,		/* it starts with 0 */
	OCTET_LEN_NAN,		/* a byte that is not a digit */
	OCTET_LEN_LONG,		/* more than OCTET_DIGITS digits */
	OCTET_LEN_SP		/* digits, then neither a digit nor SP */
};

/* Where in a frame the connection is. */
enum octet_phase {
	OCTET_PHASE_LEN,	/* MSG-LEN (value and digits so far) */
	OCTET_PHASE_MSG,	/* MSG: left bytes to come, len kept */
	OCTET_PHASE_SKIP,	/* the rest of a truncated MSG: left */
	OCTET_PHASE_DONE	/* the connection is closing */
};

/* Whole frames of one read, emitted together. */
struct octet_batch {
	struct iovec	 v[OCTET_BATCH];	/* into the read buffer */
	size_t		 n;
	const u_char	*start;		/* the first frame's MSG-LEN */
};

/* Per-connection state. */
struct octet_state {
	enum octet_phase phase;
	size_t		 value;		/* MSG-LEN so far */
	u_int		 digits;	/* of it */
	size_t		 left;		/* of MSG not yet taken */
	struct proto_part part;		/* the start of a record */
};

static void	*octet_init(struct conn *);
static enum conn_reason octet_data_received(struct conn *, void *,
		    const u_char *, size_t);
static void	 octet_connection_lost(struct conn *, void *,
		    enum conn_reason);
static size_t	 octet_pending(void *);
static void	 octet_free(void *);
static enum octet_len_rc octet_len_read(size_t *, u_int *, const u_char **,
		    const u_char *);
static const u_char *octet_len_fast(const u_char *, const u_char *,
		    size_t *);
static void	 octet_batch_flush(struct conn *, struct octet_batch *);
static void	 octet_fast(struct conn *, struct octet_batch *,
		    const u_char **, const u_char *);
static enum conn_reason octet_len(struct conn *, struct octet_state *,
		    const u_char **, const u_char *);
static enum conn_reason octet_msg(struct conn *, struct octet_state *,
		    const u_char **, const u_char *);
static enum conn_reason octet_framing(struct conn *, struct octet_state *,
		    enum octet_len_rc, const u_char *, const u_char *);

const struct proto_ops proto_octet_ops = {
	.name = "octet-counted",
	.init = octet_init,
	.data_received = octet_data_received,
	.connection_lost = octet_connection_lost,
	.pending = octet_pending,
	.free = octet_free,
};

static void *
octet_init(struct conn *c __unused)
{
	return (xcalloc(1, sizeof (struct octet_state)));
}

static void
octet_free(void *state)
{
	struct octet_state	*st = state;

	free(st->part.buf);
	free(st);
}

/* Bytes received and neither emitted nor skipped yet. */
static size_t
octet_pending(void *state)
{
	struct octet_state	*st = state;

	return (st->phase == OCTET_PHASE_LEN ? st->digits : st->part.len);
}

/*
 * Read MSG-LEN (RFC 6587 3.4.1: NONZERO-DIGIT 0*8DIGIT) and the SP after
 * it from *pp on, going on from *value and *digits.  *pp is left past
 * the SP when done, at the bad byte on an error, at end otherwise.
 */
static enum octet_len_rc
octet_len_read(size_t *value, u_int *digits, const u_char **pp,
    const u_char *end)
{
	const u_char		*p = *pp;
	size_t			 v = *value;
	u_int			 d = *digits;
	enum octet_len_rc	 rc = OCTET_LEN_MORE;

	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			if (d == 0 && *p == '0') {
				rc = OCTET_LEN_ZERO;
				break;
			}
			if (d == OCTET_DIGITS) {
				rc = OCTET_LEN_LONG;
				break;
			}
			v = v * 10 + (*p - '0');
			d++;
			continue;
		}
		if (*p == ' ' && d > 0) {
			p++;
			rc = OCTET_LEN_DONE;
			break;
		}
		/* "12a" looks like a bad number, "12<" like a lost SP. */
		if (d == 0 || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z'))
			rc = OCTET_LEN_NAN;
		else
			rc = OCTET_LEN_SP;
		break;
	}
	*pp = p;
	*value = v;
	*digits = d;
	return (rc);
}

/*
 * octet_len_read() for the fast path: a whole, good MSG-LEN and its SP at
 * p, before end.  Returns what follows the SP, with the length in *value,
 * or NULL for anything else (octet_len_read() then says what).
 */
static inline const u_char *
octet_len_fast(const u_char *p, const u_char *end, size_t *value)
{
	const u_char	*lim;
	size_t		 v;

	if (p == end || (u_int)(*p - '1') > 8)
		return (NULL);
	v = *p++ - '0';
	lim = end - p < OCTET_DIGITS - 1 ? end : p + OCTET_DIGITS - 1;
	while (p < lim && (u_int)(*p - '0') <= 9)
		v = v * 10 + (*p++ - '0');
	if (p == end || *p != ' ')
		return (NULL);
	*value = v;
	return (p + 1);
}

/*
 * Emit the frames of the batch, if it has any.  They lie one after the
 * other in the read, MSG-LENs between them (digits and SP, which text
 * passes unchanged), so one scan of the whole run tells whether text
 * output must escape any of them.
 */
static void
octet_batch_flush(struct conn *c, struct octet_batch *b)
{
	const struct iovec	*last;
	size_t			 run;

	if (b->n == 0)
		return;
	last = &b->v[b->n - 1];
	run = (const u_char *)last->iov_base + last->iov_len - b->start;
	conn_emit_lines(c, b->v, b->n,
	    format_plain_len(b->start, run) == run);
	b->n = 0;
}

/*
 * The fast path, at the start of a frame: frames wholly inside this read
 * and no longer than max_line go into the batch, with no copy, a full
 * batch out at once.  It stops at the end of the read or before a frame
 * it leaves to octet_len(): one cut by the end of the read, too long, or
 * with a bad MSG-LEN.
 */
static void
octet_fast(struct conn *c, struct octet_batch *b, const u_char **pp,
    const u_char *end)
{
	const u_char	*p = *pp, *msg;
	size_t		 max = c->conf->max_line, value;

	while (p < end) {
		if ((msg = octet_len_fast(p, end, &value)) == NULL ||
		    value > max || (size_t)(end - msg) < value)
			break;
		if (b->n == 0)
			b->start = p;
		b->v[b->n].iov_base = (void *)msg;
		b->v[b->n].iov_len = value;
		p = msg + value;
		if (++b->n == OCTET_BATCH)
			octet_batch_flush(c, b);
	}
	*pp = p;
}

/*
 * MSG-LEN goes on from what earlier reads brought of it.  Once read, an
 * overlong frame is counted (and noted), and its MSG follows.
 */
static enum conn_reason
octet_len(struct conn *c, struct octet_state *st, const u_char **pp,
    const u_char *end)
{
	enum octet_len_rc	rc;

	rc = octet_len_read(&st->value, &st->digits, pp, end);
	if (rc == OCTET_LEN_MORE)
		return (CONN_OK);
	if (rc != OCTET_LEN_DONE)
		return (octet_framing(c, st, rc, *pp, end));
	st->left = st->value;
	st->value = 0;
	st->digits = 0;
	st->phase = OCTET_PHASE_MSG;
	if (st->left > c->conf->max_line)
		conn_overlong(c);
	return (CONN_OK);
}

/*
 * The MSG of the frame goes on: left of its bytes are still to come, len
 * are kept.  A record is the whole MSG, or under the overlong policy its
 * first max_line bytes (truncate, close) or its pieces of max_line (split;
 * the last, shorter or not, without the flag).  One straight from the
 * read buffer is not copied.
 */
static enum conn_reason
octet_msg(struct conn *c, struct octet_state *st, const u_char **pp,
    const u_char *end)
{
	const u_char	*p = *pp, *data = p;
	size_t		 rec, n;
	int		 flags = 0;

	rec = st->part.len + st->left;
	if (rec > c->conf->max_line)
		rec = c->conf->max_line;
	n = rec - st->part.len;
	if ((size_t)(end - p) < n) {
		proto_part_keep(&st->part, p, end - p);
		st->left -= end - p;
		*pp = end;
		return (CONN_OK);
	}
	if (st->part.len > 0) {
		proto_part_keep(&st->part, p, n);
		data = st->part.buf;
	}
	*pp = p + n;
	st->left -= n;
	if (st->left == 0)
		st->phase = OCTET_PHASE_LEN;
	else if (c->conf->overlong == OVERLONG_SPLIT)
		flags = REC_SPLIT;
	else {
		flags = REC_TRUNCATED;
		st->phase = c->conf->overlong == OVERLONG_CLOSE ?
		    OCTET_PHASE_DONE : OCTET_PHASE_SKIP;
	}
	conn_emit(c, data, rec, flags);
	proto_part_empty(&st->part);
	return (st->phase == OCTET_PHASE_DONE ? CONN_TOO_LONG : CONN_OK);
}

/*
 * A bad MSG-LEN, its digits in st and its bad byte at p: the record is
 * MSG-LEN from its start (digits that earlier reads brought included) and
 * the rest of the read, at most max_line bytes.  The diagnostic shows
 * MSG-LEN up to its bad byte, which is escaped unless printable ASCII.
 */
static enum conn_reason
octet_framing(struct conn *c, struct octet_state *st, enum octet_len_rc rc,
    const u_char *p, const u_char *end)
{
	char	text[OCTET_DIGITS + 8], bad[8];
	size_t	max = c->conf->max_line, n;
	int	flags = REC_FRAMING;

	text[0] = '\0';
	if (st->digits > 0)
		(void)snprintf(text, sizeof text, "%zu", st->value);
	if (*p > ' ' && *p < 0x7f && *p != '\'' && *p != '\\')
		(void)snprintf(bad, sizeof bad, "%c", *p);
	else
		(void)snprintf(bad, sizeof bad, "\\x%02x", *p);

	if (st->digits + (size_t)(end - p) > max)
		flags |= REC_TRUNCATED;
	n = st->digits < max ? st->digits : max;
	proto_part_keep(&st->part, (const u_char *)text, n);
	n = (size_t)(end - p) < max - n ? (size_t)(end - p) : max - n;
	proto_part_keep(&st->part, p, n);
	conn_emit(c, st->part.buf, st->part.len, flags);
	proto_part_empty(&st->part);
	st->phase = OCTET_PHASE_DONE;
	c->l->stats.framing_errors++;

	switch (rc) {
	case OCTET_LEN_ZERO:
		listener_note(c->l, NOTE_FRAMING, c->peer, "framing error: "
		    "MSG-LEN starts with '0', closing");
		break;
	case OCTET_LEN_LONG:
		listener_note(c->l, NOTE_FRAMING, c->peer, "framing error: "
		    "MSG-LEN '%s%s' has more than %d digits, closing", text,
		    bad, OCTET_DIGITS);
		break;
	case OCTET_LEN_SP:
		listener_note(c->l, NOTE_FRAMING, c->peer, "framing error: "
		    "MSG-LEN '%s' is followed by '%s', not SP, closing", text,
		    bad);
		break;
	default:
		listener_note(c->l, NOTE_FRAMING, c->peer, "framing error: "
		    "MSG-LEN '%s%s' is not a number, closing", text, bad);
		break;
	}
	return (CONN_FRAMING);
}

/*
 * Take every frame out of len bytes at p; keep what is left of the last
 * one.  Frames that need nothing but emitting go out in batches of up to
 * OCTET_BATCH, in order with the rest: a batch is emitted before anything
 * else is.
 */
static enum conn_reason
octet_data_received(struct conn *c, void *state, const u_char *p,
    size_t len)
{
	struct octet_state	*st = state;
	struct octet_batch	 b;
	const u_char		*end = p + len;
	enum conn_reason	 rc = CONN_OK;
	size_t			 n;

	b.n = 0;
	while (p < end && rc == CONN_OK) {
		if (st->phase == OCTET_PHASE_LEN && st->digits == 0) {
			octet_fast(c, &b, &p, end);
			if (p == end)
				break;
		}
		octet_batch_flush(c, &b);
		switch (st->phase) {
		case OCTET_PHASE_LEN:
			rc = octet_len(c, st, &p, end);
			break;
		case OCTET_PHASE_MSG:
			rc = octet_msg(c, st, &p, end);
			break;
		case OCTET_PHASE_SKIP:
			n = (size_t)(end - p) < st->left ? (size_t)(end - p) :
			    st->left;
			p += n;
			if ((st->left -= n) == 0)
				st->phase = OCTET_PHASE_LEN;
			break;
		case OCTET_PHASE_DONE:
			p = end;
			break;
		}
	}
	octet_batch_flush(c, &b);
	return (rc);
}

/*
 * The connection ends inside a frame: the bytes of its MSG that came (none,
 * if only MSG-LEN did) are a partial record; if not even MSG-LEN was
 * whole, its digits are.  The rest of a truncated frame was being
 * skipped: its record is out already.
 */
static void
octet_connection_lost(struct conn *c, void *state,
    enum conn_reason reason __unused)
{
	struct octet_state	*st = state;
	char			 text[OCTET_DIGITS + 1];
	size_t			 n;
	int			 flags = REC_PARTIAL;

	switch (st->phase) {
	case OCTET_PHASE_LEN:
		if (st->digits == 0)
			return;
		(void)snprintf(text, sizeof text, "%zu", st->value);
		n = st->digits;
		if (n > c->conf->max_line) {
			n = c->conf->max_line;
			flags |= REC_TRUNCATED;
		}
		c->l->stats.partial++;
		conn_emit(c, (const u_char *)text, n, flags);
		break;
	case OCTET_PHASE_MSG:
		c->l->stats.partial++;
		conn_emit(c, st->part.len > 0 ? st->part.buf : (const u_char *)"",
		    st->part.len, flags);
		break;
	default:
		break;
	}
	st->phase = OCTET_PHASE_DONE;
	st->part.len = 0;
	st->digits = 0;
}
