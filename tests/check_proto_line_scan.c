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
 * Unit tests of proto_line_scan.c, the line protocol's scanner, against
 * byte-by-byte references on random input, for each delimiter (lf, nul,
 * lf-or-nul): line_scan_find()'s first delimiter and plain run, and
 * line_scan_split()'s lines, bytes used and plain flag; then the edges
 * of its 64-byte blocks, with delimiters and pairs of them at every
 * position.  Like every suite that reaches the SIMD code, it runs once
 * in each mode of format_simd.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

/* Bytes that may hold NUL. */
struct mark {
	const char	*s;
	size_t		 len;
};
#define M(s)	{ s, sizeof s - 1 }

/* One line of the reference: where it starts, its length, its end. */
struct ref_line {
	size_t	off;
	size_t	len;		/* without the delimiter, CR before LF */
	size_t	next;		/* just past its delimiter */
};

static const enum lconf_delimiter delims[] = {
	DELIM_LF, DELIM_NUL, DELIM_LF_OR_NUL
};

static int	 passes(u_char);
static int	 is_delim(u_char, enum lconf_delimiter);
static int	 is_pair(const u_char *, size_t, enum lconf_delimiter);
static size_t	 ref_lines(const u_char *, size_t, enum lconf_delimiter,
		    struct ref_line *, size_t);
static void	 scan_input(u_char *, size_t, int, enum lconf_delimiter);
static void	 check_split(const u_char *, size_t, size_t, size_t,
		    enum lconf_delimiter, int, const char *, int);

/* Whether text passes byte c unchanged: printable ASCII but '\\'. */
static int
passes(u_char c)
{
	return (c >= 0x20 && c < 0x7f && c != '\\');
}

/* Whether byte c ends a line under delim. */
static int
is_delim(u_char c, enum lconf_delimiter delim)
{
	switch (delim) {
	case DELIM_LF:
		return (c == '\n');
	case DELIM_NUL:
		return (c == '\0');
	default:
		return (c == '\n' || c == '\0');
	}
}

/* Whether the delimiter p[i] ends no line: one of the other kind before. */
static int
is_pair(const u_char *p, size_t i, enum lconf_delimiter delim)
{
	return (delim == DELIM_LF_OR_NUL && i > 0 && is_delim(p[i], delim) &&
	    is_delim(p[i - 1], delim) && p[i - 1] != p[i]);
}

/*
 * The reference: the complete lines of len bytes at p under delim, up to
 * nl of them into l, byte by byte as the rules say.  Returns how many.
 */
static size_t
ref_lines(const u_char *p, size_t len, enum lconf_delimiter delim,
    struct ref_line *l, size_t nl)
{
	size_t	i, start = 0, n = 0;

	for (i = 0; i < len && n < nl; i++) {
		if (!is_delim(p[i], delim))
			continue;
		if (is_pair(p, i, delim)) {
			start = i + 1;
			continue;
		}
		l[n].off = start;
		l[n].len = i - start;
		if (p[i] == '\n' && l[n].len > 0 && p[i - 1] == '\r')
			l[n].len--;
		l[n++].next = start = i + 1;
	}
	return (n);
}

/*
 * Random input for the line scanners, mostly lines of bytes that pass,
 * ended as delim says: LF or CRLF; NUL or CR NUL; any of those, or LF
 * and NUL one after the other.  hostile: how often (in 16) a byte is one
 * that does not pass, a lone CR, or an LF or NUL in the line.
 */
static void
scan_input(u_char *p, size_t len, int hostile, enum lconf_delimiter delim)
{
	static const u_char	odd[] = { '\r', '\\', '\t', 0x01, 0x7f,
				    0x80, 0xc3, 0xff, '"', '\n', '\0' };
	static const struct mark ends[] = {
		M("\n"), M("\r\n"), M("\0"), M("\r\0"), M("\n\0"),
		M("\0\n"), M("\n\0\n"), M("\r\n\0")
	};
	const struct mark	*e;
	size_t			 i, left = 0, k;

	for (i = 0; i < len; ) {
		left = random() % 130;
		if (random() % 8 == 0)
			left = random() % 3;
		for (; left > 0 && i < len; left--, i++) {
			if ((int)(random() % 16) < hostile)
				p[i] = odd[random() % sizeof odd];
			else
				p[i] = 0x20 + random() % 95;
		}
		switch (delim) {
		case DELIM_LF:
			e = &ends[random() % 2];
			break;
		case DELIM_NUL:
			e = &ends[2 + random() % 2];
			break;
		default:
			e = &ends[random() % nitems(ends)];
			break;
		}
		for (k = 0; k < e->len && i < len; k++)
			p[i++] = e->s[k];
	}
}

/*
 * line_scan_find() against the reference: the first delimiter, and the
 * run of bytes at the start that pass.  Each input sits at the end of
 * its own allocation, so a read past it is an error under ASan.
 */
START_TEST(test_find_random)
{
	enum lconf_delimiter	 delim;
	const u_char		*nl;
	u_char			*p;
	size_t			 len, run, want, d;
	int			 round;

	srandom(7);
	for (round = 0; round < 30000; round++) {
		delim = delims[round % nitems(delims)];
		len = random() % 300;
		p = xmalloc(len + 1);
		scan_input(p, len, round / 3 % 4, delim);
		want = 0;
		while (want < len && passes(p[want]))
			want++;
		for (d = 0; d < len && !is_delim(p[d], delim); d++)
			;
		nl = line_scan_find(p, len, &run, delim);
		if (nl != (d < len ? p + d : NULL) || run != want ||
		    line_scan_delim(p, len, delim) != nl)
			ck_abort_msg("round %d, delimiter %d: found %td, run "
			    "%zu, wanted %zu, %zu", round, delim,
			    nl == NULL ? -1 : nl - p, run, d, want);
		free(p);
	}
}
END_TEST

/*
 * line_scan_split() on len bytes at p against the reference: the
 * complete lines whose delimiter lies in the whole 64-byte blocks, up to
 * nv, stopping before a line longer than max; the bytes used run to the
 * last line's delimiter and, with lf-or-nul, the delimiters that end no
 * line right after it (past the blocks too).  plain is sound (never set
 * for a line with a byte that does not pass; never set if it came in
 * cleared) and, when the lines ran up to the last whole block, exact.
 */
static void
check_split(const u_char *p, size_t len, size_t max, size_t nv,
    enum lconf_delimiter delim, int plain_in, const char *what, int round)
{
	struct iovec	 v[256];
	struct ref_line	 ref[512];
	size_t		 n, used, k, i, nref, blocks, off = 0;
	int		 plain = plain_in, clean = 1, early = 0;

	n = line_scan_split(p, len, max, v, nv, &used, &plain, delim);
	nref = ref_lines(p, len, delim, ref, nitems(ref));
	blocks = len / 64 * 64;
	/* Checked with if: a passing ck_assert costs a write(2). */
	for (k = 0; k < nv && k < nref; k++) {
		if (ref[k].next > blocks)
			break;
		if (ref[k].len > max) {
			early = 1;
			break;
		}
		if (k >= n || v[k].iov_base != p + ref[k].off ||
		    v[k].iov_len != ref[k].len)
			ck_abort_msg("%s %d, delimiter %d: line %zu wrong or "
			    "missing", what, round, delim, k);
		for (i = 0; i < ref[k].len; i++)
			clean &= passes(p[ref[k].off + i]);
		off = ref[k].next;
	}
	if (n != k)
		ck_abort_msg("%s %d, delimiter %d: %zu lines, not %zu", what,
		    round, delim, n, k);
	while (off > 0 && off < len && is_pair(p, off, delim))
		off++;
	if (used != off)
		ck_abort_msg("%s %d, delimiter %d: used %zu, not %zu", what,
		    round, delim, used, off);
	if (plain && !(plain_in && clean))
		ck_abort_msg("%s %d, delimiter %d: plain set for lines that "
		    "need escaping", what, round, delim);
	if (plain_in && clean && k < nv && !early && !plain)
		ck_abort_msg("%s %d, delimiter %d: plain lines not seen as "
		    "such", what, round, delim);
}

START_TEST(test_split_random)
{
	enum lconf_delimiter	 delim;
	u_char			*p;
	size_t			 len, max, nv;
	int			 round;

	srandom(11);
	for (round = 0; round < 30000; round++) {
		delim = delims[round % nitems(delims)];
		len = random() % 700;
		p = xmalloc(len + 1);
		scan_input(p, len, round % 3 == 0 ? 0 : round % 5, delim);
		max = random() % 4 == 0 ? (size_t)random() % 140 : 16384;
		nv = random() % 3 == 0 ? (size_t)random() % 8 + 1 : 256;
		check_split(p, len, max, nv, delim, random() % 8 != 0,
		    "round", round);
		free(p);
	}
}
END_TEST

/*
 * A delimiter, or two of them, at every position of three 64-byte
 * blocks and the bytes after them, in lines of printable bytes or with
 * a CR or a byte to escape before: the delimiters at block edges, the
 * pairs astride them and the pairs the blocks end inside.
 */
START_TEST(test_split_positions)
{
	static const struct mark marks[] = {
		M("\n"), M("\0"), M("\r\n"), M("\r\0"), M("\n\0"), M("\0\n"),
		M("\n\n"), M("\0\0"), M("\n\0\n"), M("\0\n\0"), M("\r\n\0"),
		M("\x01\n"), M("\n\r\0"), M("\x01\0")
	};
	u_char		 buf[200];
	size_t		 d, m, i, len;
	int		 round = 0;

	for (d = 0; d < nitems(delims); d++) {
		for (m = 0; m < nitems(marks); m++) {
			for (i = 0; i + marks[m].len <= sizeof buf - 1; i++) {
				memset(buf, 'a', sizeof buf);
				memcpy(buf + i, marks[m].s, marks[m].len);
				for (len = 184; len < sizeof buf; len += 5)
					check_split(buf, len, 1000, 256,
					    delims[d], 1, "position", round++);
				/* The last byte of the blocks ends a line. */
				if (i + marks[m].len <= 191)
					buf[191] = delims[d] == DELIM_NUL ?
					    '\0' : '\n';
				check_split(buf, 192, 1000, 256, delims[d], 1,
				    "last", round++);
				check_split(buf, 192, 60, 256, delims[d], 1,
				    "long", round++);
				check_split(buf, 192, 1000, 1, delims[d], 1,
				    "one", round++);
			}
		}
	}
}
END_TEST

/* Lines split across blocks, CRLF astride a block edge, long lines. */
START_TEST(test_split_edges)
{
	struct iovec	 v[8];
	u_char		 buf[256];
	size_t		 n, used;
	int		 plain;

	/* 63 bytes, CR at 63, LF at 64: one plain line of 63. */
	memset(buf, 'a', sizeof buf);
	buf[63] = '\r';
	buf[64] = '\n';
	plain = 1;
	n = line_scan_split(buf, 128, 1000, v, 8, &used, &plain, DELIM_LF);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].iov_len, 63);
	ck_assert_uint_eq(used, 65);
	ck_assert_int_eq(plain, 1);

	/* The same CR as the last byte given: its LF is not looked at. */
	plain = 1;
	n = line_scan_split(buf, 64, 1000, v, 8, &used, &plain, DELIM_LF);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(used, 0);

	/* A lone CR in a line that spans blocks: not plain. */
	buf[63] = 'a';
	buf[10] = '\r';
	plain = 1;
	n = line_scan_split(buf, 128, 1000, v, 8, &used, &plain, DELIM_LF);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].iov_len, 64);
	ck_assert_int_eq(plain, 0);

	/* Stops before a line longer than max, and at nv. */
	memset(buf, 'b', sizeof buf);
	buf[3] = buf[7] = buf[100] = buf[110] = buf[120] = '\n';
	plain = 1;
	n = line_scan_split(buf, 192, 50, v, 8, &used, &plain, DELIM_LF);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(used, 8);
	n = line_scan_split(buf + 8, 184, 100, v, 2, &used, &plain, DELIM_LF);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].iov_len, 92);
	ck_assert_uint_eq(v[1].iov_len, 9);
	ck_assert_uint_eq(used, 103);
	ck_assert_int_eq(plain, 1);

	/* Fewer than 64 bytes: all left to the caller. */
	n = line_scan_split(buf, 63, 50, v, 8, &used, &plain, DELIM_LF);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(used, 0);
}
END_TEST

static Suite *
line_scan_suite(void)
{
	Suite	*s = suite_create("line_scan");
	TCase	*tc;

	tc = tcase_create("scan");
	tcase_add_test(tc, test_find_random);
	tcase_add_test(tc, test_split_random);
	tcase_add_test(tc, test_split_positions);
	tcase_add_test(tc, test_split_edges);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_simd_modes(line_scan_suite) == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE);
}
