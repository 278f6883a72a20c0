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
 * Fuzz target for the line framer (and the raw protocol): a client's
 * bytes, cut into reads, go through data_received and connection_lost of
 * a fake connection whose sink formats every record, checks the line and
 * reads it back (fuzz.c).  The records read back must then be exactly
 * what the input makes under the listener's settings, as a byte by byte
 * reference finds the lines: they end at the delimiter (LF, NUL, or
 * either, where one right after a delimiter of the other kind ends no
 * line), one CR before an LF dropped, and then
 *
 *	line, split	every line in pieces of max_line, all but the last
 *			flagged split; the last line without its delimiter
 *			flagged partial
 *	line, truncate	every line cut to max_line, flagged truncated if
 *			it was longer
 *	line, close	the same, up to and including the first long line
 *	raw		the input, in records of 1 to max_line bytes
 *
 * The protocol takes every read whole and may keep back only an
 * unfinished line, less than max_line + 2 bytes (nothing in raw mode).
 *
 * The input: 5 header bytes, then the bytes the client sends.
 *	[0]	bits 0-1: the delimiter (lf, nul, lf-or-nul, lf-or-nul)
 *	[1]	max_line - 1 (modulo 64)
 *	[2]	bits 0-1: overlong (truncate, split, close, split);
 *		bit 2: raw mode; bit 3: JSON; bit 4: timestamps; bit 5:
 *		unused; bit 6: reads are not bounded by max_line + 2 less
 *		what is kept (else they are, to try every boundary)
 *	[3]	bits 6-7: read sizes up to 2, 8, max_line + 3 or 1024
 *	[3..4]	seed of the read sizes
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define FUZZ_HDR	5

enum partial_rule {
	PARTIAL_NO,
	PARTIAL_YES,
	PARTIAL_MAY
};

static int	fuzz_line_delim(const u_char *, size_t, enum lconf_delimiter);
static size_t	fuzz_line_expect(struct fuzz_conn *, size_t,
		    const u_char *, size_t, int, enum partial_rule);
static void	fuzz_line_check(struct fuzz_conn *, const u_char *, size_t,
		    size_t, enum lconf_overlong, enum lconf_delimiter);
static void	fuzz_raw_check(struct fuzz_conn *, const u_char *, size_t,
		    size_t);

/*
 * Whether in[i] ends a line: 1, or 0 for a byte of a line, or -1 for a
 * delimiter that ends no line (lf-or-nul: right after the other kind).
 */
static int
fuzz_line_delim(const u_char *in, size_t i, enum lconf_delimiter delim)
{
	switch (delim) {
	case DELIM_LF:
		return (in[i] == '\n');
	case DELIM_NUL:
		return (in[i] == '\0');
	default:
		if (in[i] != '\n' && in[i] != '\0')
			return (0);
		if (i > 0 && (in[i - 1] == '\n' || in[i - 1] == '\0') &&
		    in[i - 1] != in[i])
			return (-1);
		return (1);
	}
}

/* Record i must be len bytes at p, with flags (partial as rule says). */
static size_t
fuzz_line_expect(struct fuzz_conn *fc, size_t i, const u_char *p,
    size_t len, int flags, enum partial_rule rule)
{
	struct fuzz_rec	*r;
	int		 partial;

	if (i >= fc->nrecs)
		fuzz_fail("record %zu missing (%zu records)", i, fc->nrecs);
	r = &fc->recs[i];
	if (r->len != len || (len > 0 &&
	    memcmp(fc->data + r->off, p, len) != 0)) {
		fuzz_fail("record %zu: %zu bytes '%.*s', expected %zu bytes "
		    "'%.*s'", i, r->len, (int)r->len, fc->data + r->off, len,
		    (int)len, p);
	}
	if ((r->flags & ~REC_PARTIAL) != flags)
		fuzz_fail("record %zu: flags 0x%x, expected 0x%x", i,
		    r->flags, flags);
	partial = (r->flags & REC_PARTIAL) != 0;
	if ((rule == PARTIAL_NO && partial) || (rule == PARTIAL_YES &&
	    !partial))
		fuzz_fail("record %zu: partial is %d", i, partial);
	return (i + 1);
}

/* Line mode: the records are the input's lines under the policy. */
static void
fuzz_line_check(struct fuzz_conn *fc, const u_char *in, size_t n,
    size_t max, enum lconf_overlong overlong, enum lconf_delimiter delim)
{
	size_t		 s, e, len, piece, i = 0;
	int		 complete, more, stop = 0;

	for (s = 0; s < n && !stop; s = complete ? e + 1 : n) {
		if (fuzz_line_delim(in, s, delim) == -1) {
			complete = 1;
			e = s;
			continue;
		}
		for (e = s; e < n && fuzz_line_delim(in, e, delim) != 1; e++)
			;
		complete = e < n;
		len = e - s;
		if (complete && len > 0 && in[e - 1] == '\r' &&
		    in[e] == '\n')
			len--;
		if (overlong == OVERLONG_SPLIT) {
			/* Pieces of max; a complete empty line is one. */
			do {
				more = len > max;
				piece = more ? max : len;
				i = fuzz_line_expect(fc, i, in + s, piece,
				    more ? REC_SPLIT : 0, complete ?
				    PARTIAL_NO : more ? PARTIAL_MAY :
				    PARTIAL_YES);
				s += piece;
				len -= piece;
			} while (len > 0);
			continue;
		}
		/* A long last line may be cut before the end is known. */
		more = len > max;
		i = fuzz_line_expect(fc, i, in + s, more ? max : len,
		    more ? REC_TRUNCATED : 0, complete ? PARTIAL_NO :
		    more ? PARTIAL_MAY : PARTIAL_YES);
		if (more && overlong == OVERLONG_CLOSE)
			stop = 1;
	}
	if (i != fc->nrecs)
		fuzz_fail("%zu records, expected %zu", fc->nrecs, i);
}

/* Raw mode: the input, in records of 1 to max bytes. */
static void
fuzz_raw_check(struct fuzz_conn *fc, const u_char *in, size_t n,
    size_t max)
{
	size_t	i;

	for (i = 0; i < fc->nrecs; i++) {
		if (fc->recs[i].len == 0 || fc->recs[i].len > max ||
		    fc->recs[i].flags != 0)
			fuzz_fail("raw record %zu: %zu bytes, flags 0x%x", i,
			    fc->recs[i].len, fc->recs[i].flags);
	}
	if (fc->datalen != n || (n > 0 && memcmp(fc->data, in, n) != 0))
		fuzz_fail("raw records do not add up to the input");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum lconf_overlong overlongs[] = {
		OVERLONG_TRUNCATE, OVERLONG_SPLIT, OVERLONG_CLOSE,
		OVERLONG_SPLIT
	};
	static const enum lconf_delimiter delims[] = {
		DELIM_LF, DELIM_NUL, DELIM_LF_OR_NUL, DELIM_LF_OR_NUL
	};
	struct fuzz_conn	*fc;
	u_char			 hdr[FUZZ_HDR] = { 0 };
	const u_char		*in;
	size_t			 n, max, ahead, cap, off, len, have, i;
	enum lconf_overlong	 overlong;
	enum lconf_delimiter	 delim;
	enum lconf_mode		 mode;
	uint32_t		 rnd;
	int			 bounded, rc = 0, cut = 0, partial = 0;

	n = size < FUZZ_HDR ? size : FUZZ_HDR;
	memcpy(hdr, data, n);
	in = data + n;
	n = size - n;

	delim = delims[hdr[0] & 3];
	max = 1 + hdr[1] % 64;
	overlong = overlongs[hdr[2] & 3];
	mode = (hdr[2] & 0x04) ? MODE_RAW : MODE_LINE;
	bounded = (hdr[2] & 0x40) == 0;
	switch (hdr[3] >> 6) {
	case 0:
		cap = 2;
		break;
	case 1:
		cap = 8;
		break;
	case 2:
		cap = max + 3;
		break;
	default:
		cap = 1024;
		break;
	}
	rnd = (uint32_t)hdr[3] << 8 | hdr[4];
	ahead = mode == MODE_LINE ? max + CONN_READ_MARGIN : max;

	fc = fuzz_conn_new(mode, max, overlong, (hdr[2] & 0x08) != 0,
	    (hdr[2] & 0x10) != 0);
	if (mode == MODE_LINE)
		line_set_delimiter(fc->c->state, delim);
	for (off = 0; off < n && rc == 0; off += len) {
		rnd = rnd * 1103515245 + 12345;
		len = 1 + (rnd >> 16) % cap;
		if (len > n - off)
			len = n - off;
		have = fuzz_conn_pending(fc);
		if (bounded && len > ahead - have)
			len = ahead - have;
		rc = fuzz_conn_feed(fc, in + off, len);
		have = fuzz_conn_pending(fc);
		if (rc == 0 && have >= ahead)
			fuzz_fail("%zu bytes kept, the bound is %zu", have,
			    ahead);
	}
	if (rc != 0 && (mode != MODE_LINE || overlong != OVERLONG_CLOSE))
		fuzz_fail("data_received failed under policy %d", overlong);
	fuzz_conn_lost(fc, rc == 0 ? CONN_EOF : CONN_TOO_LONG);

	if (mode == MODE_RAW)
		fuzz_raw_check(fc, in, n, max);
	else
		fuzz_line_check(fc, in, n, max, overlong, delim);

	/* The counters agree with what was read and written. */
	for (i = 0; i < fc->nrecs; i++) {
		cut |= fc->recs[i].flags & (REC_TRUNCATED | REC_SPLIT);
		partial |= fc->recs[i].flags & REC_PARTIAL;
	}
	FUZZ_ASSERT(fc->c->bytes == off);
	FUZZ_ASSERT(fc->l.stats.bytes == off);
	FUZZ_ASSERT(fc->c->records == fc->nrecs);
	FUZZ_ASSERT(fc->l.stats.records == fc->nrecs);
	FUZZ_ASSERT(fc->l.stats.partial == (partial ? 1 : 0));
	FUZZ_ASSERT(!cut || fc->l.stats.overlong > 0);
	fuzz_conn_free(fc);
	return (0);
}
