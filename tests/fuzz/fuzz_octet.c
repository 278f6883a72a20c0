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
 * Fuzz target for mode = octet-counted and mode = syslog: a client's
 * bytes, cut into reads, go through a fake connection whose sink formats
 * every record, checks the line and reads it back (fuzz.c).  The records
 * must be exactly what a byte-at-a-time model of RFC 6587 3.4.1 framing
 * says (fuzz_octet_model()), which does not depend on how the input was
 * cut except for a framing-error record (the rest of the read that found
 * the bad MSG-LEN); so every byte received is in a record, in a MSG-LEN,
 * skipped with a truncated frame's rest, or past max_line in a record
 * flagged truncated.  No record is longer than max_line, the protocol
 * keeps at most max(max_line - 1, 9) bytes, and the counters agree.
 *
 * In mode = syslog a connection that starts with a digit must give what
 * mode = octet-counted gives; one that starts with anything else what
 * mode = line with delimiter = lf-or-nul gives, fed the same reads.
 *
 * The input: 4 header bytes, then the bytes the client sends.
 *	[0]	max_line - 1 (modulo 64)
 *	[1]	bits 0-1: overlong (truncate, split, close, split);
 *		bit 2: mode = syslog; bit 3: JSON; bit 4: timestamps
 *	[2]	bits 6-7: read sizes up to 1, 3, max_line + 12 or 1024
 *	[2..3]	seed of the read sizes
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define FUZZ_HDR	4
#define FUZZ_DIGITS	9	/* of MSG-LEN, at most */

/* A record the model expects. */
struct fuzz_want {
	size_t		 off;		/* in the input */
	size_t		 len;
	int		 flags;
};

/* What the model expects of a connection. */
struct fuzz_model {
	struct fuzz_want *v;		/* owned */
	size_t		 n;
	size_t		 size;
	enum conn_reason reason;	/* CONN_EOF if it read everything */
	int		 overlong;	/* frames longer than max_line */
	int		 partial;
};

static void	 fuzz_want(struct fuzz_model *, size_t, size_t, int);
static void	 fuzz_octet_model(struct fuzz_model *, const u_char *,
		    size_t, const size_t *, size_t, size_t,
		    enum lconf_overlong);
static struct fuzz_conn *fuzz_octet_run(enum lconf_mode, size_t,
		    enum lconf_overlong, int, int, const u_char *,
		    const size_t *, size_t, enum conn_reason *);
static void	 fuzz_same(const struct fuzz_conn *, const struct fuzz_conn *);

static void
fuzz_want(struct fuzz_model *m, size_t off, size_t len, int flags)
{
	if (m->n == m->size) {
		m->size = m->size == 0 ? 16 : m->size * 2;
		m->v = xreallocarray(m->v, m->size, sizeof *m->v);
	}
	m->v[m->n].off = off;
	m->v[m->n].len = len;
	m->v[m->n++].flags = flags;
}

/*
 * The records of in (n bytes, read in pieces ending at ends[0..nends-1])
 * under RFC 6587 3.4.1, one byte at a time: a frame's MSG whole, or its
 * first max bytes (truncate, close) or pieces of max (split); at the end
 * inside a frame, what came of its MSG, or of its MSG-LEN if that was not
 * whole, flagged partial; at a bad MSG-LEN, the rest of its read from
 * the MSG-LEN on, flagged framing-error.
 */
static void
fuzz_octet_model(struct fuzz_model *m, const u_char *in, size_t n,
    const size_t *ends, size_t nends, size_t max,
    enum lconf_overlong overlong)
{
	size_t	pos = 0, hs, len, off, rem, e, i;
	u_int	digits;
	int	bad;

	memset(m, 0, sizeof *m);
	m->reason = CONN_EOF;
	while (pos < n) {
		/* MSG-LEN: NONZERO-DIGIT 0*8DIGIT SP */
		hs = pos;
		len = 0;
		digits = 0;
		bad = 0;
		for (; pos < n; pos++) {
			if (in[pos] == ' ' && digits > 0)
				break;
			if (in[pos] < '0' || in[pos] > '9' ||
			    (digits == 0 && in[pos] == '0') ||
			    digits == FUZZ_DIGITS) {
				bad = 1;
				break;
			}
			len = len * 10 + (in[pos] - '0');
			digits++;
		}
		if (bad) {
			for (i = 0; ends[i] <= pos; i++)
				;
			e = ends[i] - hs;
			fuzz_want(m, hs, e > max ? max : e, REC_FRAMING |
			    (e > max ? REC_TRUNCATED : 0));
			m->reason = CONN_FRAMING;
			return;
		}
		if (pos == n) {
			m->partial = 1;
			fuzz_want(m, hs, digits > max ? max : digits,
			    REC_PARTIAL | (digits > max ? REC_TRUNCATED : 0));
			return;
		}
		off = ++pos;
		/* MSG */
		if (len > max)
			m->overlong++;
		if (len <= max || overlong == OVERLONG_SPLIT) {
			for (rem = len; rem > max && off + max <= n;
			    rem -= max, off += max)
				fuzz_want(m, off, max, REC_SPLIT);
			/* The loop ends past the end of the input, or at
			   the last piece. */
			if (rem > max || off + rem > n) {
				m->partial = 1;
				fuzz_want(m, off, n - off, REC_PARTIAL);
				return;
			}
			fuzz_want(m, off, rem, 0);
			pos = off + rem;
			continue;
		}
		if (off + max > n) {
			m->partial = 1;
			fuzz_want(m, off, n - off, REC_PARTIAL);
			return;
		}
		fuzz_want(m, off, max, REC_TRUNCATED);
		if (overlong == OVERLONG_CLOSE) {
			m->reason = CONN_TOO_LONG;
			return;
		}
		pos = off + len;
	}
}

/*
 * A connection in mode, fed in reads ending at ends[], then ended; *why
 * is why (CONN_EOF if everything was read).  Checks the bound on what
 * the protocol keeps after each read.
 */
static struct fuzz_conn *
fuzz_octet_run(enum lconf_mode mode, size_t max,
    enum lconf_overlong overlong, int json, int ts, const u_char *in,
    const size_t *ends, size_t nends, enum conn_reason *why)
{
	struct fuzz_conn	*fc;
	size_t			 off = 0, bound, i;
	int			 octet;

	/* Octet counting keeps a MSG-LEN's digits or a record's start. */
	bound = max - 1 > FUZZ_DIGITS ? max - 1 : FUZZ_DIGITS;
	octet = mode == MODE_OCTET || (mode == MODE_SYSLOG && nends > 0 &&
	    in[0] >= '0' && in[0] <= '9');
	fc = fuzz_conn_new(mode, max, overlong, json, ts);
	if (mode == MODE_LINE)
		line_set_delimiter(fc->c->state, DELIM_LF_OR_NUL);
	*why = CONN_EOF;
	for (i = 0; i < nends; off = ends[i++]) {
		if (fuzz_conn_feed(fc, in + off, ends[i] - off) == -1) {
			off = ends[i];
			break;
		}
		if (octet && fuzz_conn_pending(fc) > bound)
			fuzz_fail("%zu bytes kept, the bound is %zu",
			    fuzz_conn_pending(fc), bound);
	}
	if (i < nends)
		*why = fc->l.stats.framing_errors > 0 ? CONN_FRAMING :
		    CONN_TOO_LONG;
	FUZZ_ASSERT(fc->c->bytes == off);
	fuzz_conn_lost(fc, *why);
	FUZZ_ASSERT(fc->c->records == fc->nrecs);
	FUZZ_ASSERT(fc->l.stats.records == fc->nrecs);
	for (i = 0; i < fc->nrecs; i++)
		FUZZ_ASSERT(fc->recs[i].len <= max);
	return (fc);
}

/* Two connections gave the same records and counters. */
static void
fuzz_same(const struct fuzz_conn *a, const struct fuzz_conn *b)
{
	size_t	i;

	FUZZ_ASSERT(a->nrecs == b->nrecs);
	for (i = 0; i < a->nrecs; i++) {
		FUZZ_ASSERT(a->recs[i].len == b->recs[i].len);
		FUZZ_ASSERT(a->recs[i].flags == b->recs[i].flags);
		FUZZ_ASSERT(a->recs[i].len == 0 ||
		    memcmp(a->data + a->recs[i].off, b->data + b->recs[i].off,
		    a->recs[i].len) == 0);
	}
	FUZZ_ASSERT(a->c->bytes == b->c->bytes);
	FUZZ_ASSERT(a->l.stats.overlong == b->l.stats.overlong);
	FUZZ_ASSERT(a->l.stats.partial == b->l.stats.partial);
	FUZZ_ASSERT(a->l.stats.framing_errors == b->l.stats.framing_errors);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum lconf_overlong overlongs[] = {
		OVERLONG_TRUNCATE, OVERLONG_SPLIT, OVERLONG_CLOSE,
		OVERLONG_SPLIT
	};
	struct fuzz_conn	*fc, *ref;
	struct fuzz_model	 m;
	struct fuzz_rec		*r;
	u_char			 hdr[FUZZ_HDR] = { 0 };
	const u_char		*in;
	size_t			*ends, nends = 0, n, max, cap, off, len, i;
	enum lconf_overlong	 overlong;
	enum conn_reason	 why, rwhy;
	uint32_t		 rnd;
	int			 syslog, json, ts;

	n = size < FUZZ_HDR ? size : FUZZ_HDR;
	memcpy(hdr, data, n);
	in = data + n;
	n = size - n;

	max = 1 + hdr[0] % 64;
	overlong = overlongs[hdr[1] & 3];
	syslog = (hdr[1] & 0x04) != 0;
	json = (hdr[1] & 0x08) != 0;
	ts = (hdr[1] & 0x10) != 0;
	switch (hdr[2] >> 6) {
	case 0:
		cap = 1;
		break;
	case 1:
		cap = 3;
		break;
	case 2:
		cap = max + 12;
		break;
	default:
		cap = 1024;
		break;
	}
	rnd = (uint32_t)hdr[2] << 8 | hdr[3];

	/* The reads: where each ends. */
	ends = xreallocarray(NULL, n + 1, sizeof *ends);
	for (off = 0; off < n; off += len) {
		rnd = rnd * 1103515245 + 12345;
		len = 1 + (rnd >> 16) % cap;
		if (len > n - off)
			len = n - off;
		ends[nends++] = off + len;
	}

	if (!syslog || (n > 0 && in[0] >= '0' && in[0] <= '9')) {
		fc = fuzz_octet_run(syslog ? MODE_SYSLOG : MODE_OCTET, max,
		    overlong, json, ts, in, ends, nends, &why);
		fuzz_octet_model(&m, in, n, ends, nends, max, overlong);
		FUZZ_ASSERT(why == m.reason);
		if (fc->nrecs != m.n)
			fuzz_fail("%zu records, the model says %zu", fc->nrecs,
			    m.n);
		for (i = 0; i < m.n; i++) {
			r = &fc->recs[i];
			if (r->len != m.v[i].len || r->flags != m.v[i].flags ||
			    (r->len > 0 && memcmp(fc->data + r->off,
			    in + m.v[i].off, r->len) != 0))
				fuzz_fail("record %zu: %zu bytes '%.*s' flags "
				    "0x%x, the model says %zu bytes '%.*s' "
				    "flags 0x%x", i, r->len, (int)r->len,
				    fc->data + r->off, r->flags, m.v[i].len,
				    (int)m.v[i].len, in + m.v[i].off,
				    m.v[i].flags);
		}
		FUZZ_ASSERT(fc->l.stats.overlong == (uint64_t)m.overlong);
		FUZZ_ASSERT(fc->l.stats.partial == (uint64_t)m.partial);
		FUZZ_ASSERT(fc->l.stats.framing_errors ==
		    (m.reason == CONN_FRAMING));
		free(m.v);
		if (syslog) {
			ref = fuzz_octet_run(MODE_OCTET, max, overlong, json,
			    ts, in, ends, nends, &rwhy);
			fuzz_same(fc, ref);
			fuzz_conn_free(ref);
		}
	} else {
		fc = fuzz_octet_run(MODE_SYSLOG, max, overlong, json, ts, in,
		    ends, nends, &why);
		ref = fuzz_octet_run(MODE_LINE, max, overlong, json, ts, in,
		    ends, nends, &rwhy);
		fuzz_same(fc, ref);
		FUZZ_ASSERT(fc->l.stats.framing_errors == 0);
		fuzz_conn_free(ref);
	}
	fuzz_conn_free(fc);
	free(ends);
	return (0);
}
