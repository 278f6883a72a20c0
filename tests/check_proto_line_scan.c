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
 * byte-by-byte references on random input: line_scan_find()'s first LF
 * and plain run, and line_scan_split()'s lines, bytes used and plain
 * flag; then the edges of its 64-byte blocks.  Like every suite that
 * reaches the SIMD code, it runs once in each mode of format_simd.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

static int	 passes(u_char);
static void	 scan_input(u_char *, size_t, int);

/* Whether text passes byte c unchanged: printable ASCII but '\\'. */
static int
passes(u_char c)
{
	return (c >= 0x20 && c < 0x7f && c != '\\');
}

/*
 * Random input for the line scanners, mostly lines of bytes that pass,
 * ended by LF or CRLF.  hostile: how often (in 16) a byte is one that
 * does not pass, or a lone CR.
 */
static void
scan_input(u_char *p, size_t len, int hostile)
{
	static const u_char	odd[] = { '\r', '\\', '\t', 0x01, 0x7f,
				    0x80, 0xc3, 0xff, '"' };
	size_t			i, left = 0;

	for (i = 0; i < len; i++) {
		if (left == 0) {
			left = random() % 130 + 1;
			if (random() % 8 == 0)
				left = random() % 3 + 1;
		}
		if (--left == 0)
			p[i] = '\n';
		else if (left == 1 && random() % 2 == 0)
			p[i] = '\r';
		else if ((int)(random() % 16) < hostile)
			p[i] = odd[random() % sizeof odd];
		else
			p[i] = 0x20 + random() % 95;
	}
}

/*
 * line_scan_find() against byte-by-byte reference: the first LF, and
 * the run of bytes at the start that pass.  Each input sits at the end
 * of its own allocation, so a read past it is an error under ASan.
 */
START_TEST(test_find_random)
{
	const u_char	*nl;
	u_char		*p;
	size_t		 len, run, want;
	int		 round;

	srandom(7);
	for (round = 0; round < 20000; round++) {
		len = random() % 300;
		p = xmalloc(len + 1);
		scan_input(p, len, round % 4);
		want = 0;
		while (want < len && passes(p[want]))
			want++;
		nl = line_scan_find(p, len, &run);
		ck_assert_ptr_eq(nl, memchr(p, '\n', len));
		ck_assert_uint_eq(run, want);
		free(p);
	}
}
END_TEST

/*
 * line_scan_split() against a reference: the complete lines whose LF
 * lies in the whole 64-byte blocks, each without LF and one CR before
 * it, up to nv and stopping before a line longer than max.  plain is
 * sound (never set for a line with a byte that does not pass; never set
 * if it came in cleared) and, when the lines ran up to the last whole
 * block, exact.
 */
START_TEST(test_split_random)
{
	struct iovec	 v[256];
	u_char		*p;
	size_t		 len, max, nv, n, used, off, k, ll, i, blocks;
	const u_char	*nl;
	int		 round, plain, plain_in, clean, early;

	srandom(11);
	for (round = 0; round < 20000; round++) {
		len = random() % 700;
		p = xmalloc(len + 1);
		scan_input(p, len, round % 3 == 0 ? 0 : round % 5);
		max = random() % 4 == 0 ? (size_t)random() % 140 : 16384;
		nv = random() % 3 == 0 ? (size_t)random() % 8 + 1 : nitems(v);
		plain = plain_in = random() % 8 != 0;
		n = line_scan_split(p, len, max, v, nv, &used, &plain);

		blocks = len / 64 * 64;
		off = 0;
		clean = 1;
		early = 0;
		for (k = 0; k < nv; k++) {
			nl = memchr(p + off, '\n', len - off);
			if (nl == NULL || (size_t)(nl - p) >= blocks)
				break;
			ll = nl - (p + off);
			if (ll > 0 && nl[-1] == '\r')
				ll--;
			if (ll > max) {
				early = 1;
				break;
			}
			ck_assert_uint_lt(k, n);
			ck_assert_ptr_eq(v[k].iov_base, p + off);
			ck_assert_uint_eq(v[k].iov_len, ll);
			for (i = 0; i < ll; i++)
				clean &= passes(p[off + i]);
			off = nl + 1 - p;
		}
		ck_assert_uint_eq(n, k);
		ck_assert_uint_eq(used, off);
		if (plain)
			ck_assert_msg(plain_in && clean,
			    "round %d: plain set for lines that need escaping",
			    round);
		if (plain_in && clean && k < nv && !early)
			ck_assert_msg(plain, "round %d: plain lines not seen "
			    "as such", round);
		free(p);
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
	n = line_scan_split(buf, 128, 1000, v, 8, &used, &plain);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].iov_len, 63);
	ck_assert_uint_eq(used, 65);
	ck_assert_int_eq(plain, 1);

	/* The same CR as the last byte given: its LF is not looked at. */
	plain = 1;
	n = line_scan_split(buf, 64, 1000, v, 8, &used, &plain);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(used, 0);

	/* A lone CR in a line that spans blocks: not plain. */
	buf[63] = 'a';
	buf[10] = '\r';
	plain = 1;
	n = line_scan_split(buf, 128, 1000, v, 8, &used, &plain);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].iov_len, 64);
	ck_assert_int_eq(plain, 0);

	/* Stops before a line longer than max, and at nv. */
	memset(buf, 'b', sizeof buf);
	buf[3] = buf[7] = buf[100] = buf[110] = buf[120] = '\n';
	plain = 1;
	n = line_scan_split(buf, 192, 50, v, 8, &used, &plain);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(used, 8);
	n = line_scan_split(buf + 8, 184, 100, v, 2, &used, &plain);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].iov_len, 92);
	ck_assert_uint_eq(v[1].iov_len, 9);
	ck_assert_uint_eq(used, 103);
	ck_assert_int_eq(plain, 1);

	/* Fewer than 64 bytes: all left to the caller. */
	n = line_scan_split(buf, 63, 50, v, 8, &used, &plain);
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
