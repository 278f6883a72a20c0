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
 * Unit tests of the protocols, driven without sockets: each read goes to
 * data_received, which takes the records out of it, and a memory sink
 * shows what would have been written.  The line protocol must give the same
 * records however the input is cut into reads, with each delimiter (lf,
 * nul, lf-or-nul: pairs of LF and NUL cut apart too); each overlong
 * policy is checked with a small max_line, and so are the listener's
 * counters.
 * The raw protocol must cut reads into records of at most max_line bytes
 * that add up to the input.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

#define P		FAKE_LISTENER " " FAKE_PEER
#define SMALL		8	/* max_line of the overlong tests */

/* How to cut the input into reads. */
struct cuts {
	size_t	first;		/* length of the first read */
	size_t	step;		/* then reads of this size, 0: the rest */
};

static int	 drive(struct fake *, const char *, size_t,
		    const struct cuts *);
static char	*run(enum lconf_mode, size_t, enum lconf_overlong,
		    const char *, size_t, const struct cuts *,
		    struct listener_stats *, int *);
static char	*run_delim(enum lconf_mode, enum lconf_delimiter, size_t,
		    enum lconf_overlong, const char *, size_t,
		    const struct cuts *, struct listener_stats *, int *);
static void	 check_cuts(enum lconf_overlong, size_t, const char *,
		    size_t, const char *);
static void	 check_cuts_delim(enum lconf_delimiter, enum lconf_overlong,
		    size_t, const char *, size_t, const char *);
static void	 check_cuts_repeated(enum lconf_delimiter,
		    enum lconf_overlong, size_t, const char *, size_t,
		    const char *, int);
static void	 check_run(enum lconf_overlong, const char *, size_t,
		    const struct cuts *, const char *, int);

static const struct cuts	whole = { 0, 0 };
static const struct cuts	bytes = { 0, 1 };

/*
 * LF and CRLF lines, an empty line of each kind, lone CRs, NUL, ESC, TAB,
 * UTF-8, and a partial last line ending in CR.
 */
static const char line_input[] =
    "one\n"
    "two\r\n"
    "\n"
    "\r\n"
    "\r\r\n"
    "mid\rcr\n"
    "nul\0x\033[31mesc\n"
    "tab\there \xc3\xa9\r\n"
    "tail\r";
static const char line_output[] =
    P ": one\n"
    P ": two\n"
    P ": \n"
    P ": \n"
    P ": \\x0d\n"
    P ": mid\\x0dcr\n"
    P ": nul\\x00x\\x1b[31mesc\n"
    P ": tab\\there \xc3\xa9\n"
    P " [partial]: tail\\x0d\n";

/* Lines around max_line = SMALL, for the overlong policies. */
static const char long_input[] =
    "short\n"
    "0123456789abcdefXYZ\r\n"
    "01234567\r\n"
    "012345678\n"
    "\n"
    "0123456789abcdef\n"
    "0123456\r\r\n"
    "tail\r";
static const char long_truncate[] =
    P ": short\n"
    P " [truncated]: 01234567\n"
    P ": 01234567\n"
    P " [truncated]: 01234567\n"
    P ": \n"
    P " [truncated]: 01234567\n"
    P ": 0123456\\x0d\n"
    P " [partial]: tail\\x0d\n";
static const char long_split[] =
    P ": short\n"
    P " [split]: 01234567\n"
    P " [split]: 89abcdef\n"
    P ": XYZ\n"
    P ": 01234567\n"
    P " [split]: 01234567\n"
    P ": 8\n"
    P ": \n"
    P " [split]: 01234567\n"
    P ": 89abcdef\n"
    P ": 0123456\\x0d\n"
    P " [partial]: tail\\x0d\n";
static const char long_close[] =
    P ": short\n"
    P " [truncated]: 01234567\n";

/*
 * delimiter = nul: NUL ends lines; a CR before it is data, and so are
 * LF, CRLF and ESC.
 */
static const char nul_input[] =
    "one\0"
    "two\r\0"
    "\0"
    "lf\nin\r\n\0"
    "\r\0"
    "\033[31mesc\ttab \xc3\xa9\0"
    "tail\r";
static const char nul_output[] =
    P ": one\n"
    P ": two\\x0d\n"
    P ": \n"
    P ": lf\\x0ain\\x0d\\x0a\n"
    P ": \\x0d\n"
    P ": \\x1b[31mesc\\ttab \xc3\xa9\n"
    P " [partial]: tail\\x0d\n";

/*
 * delimiter = lf-or-nul: either ends lines, the CR dropped before LF only;
 * a delimiter right after one of the other kind ends no line.
 */
static const char lfnul_input[] =
    "a\0\n"
    "b\n\0"
    "c\n\0\n"
    "d\0\0"
    "e\n\n"
    "f\r\n"
    "g\r\0"
    "h\0\r\n"
    "i\n\0\0"
    "j\r\n\0"
    "k\0\n\0\n\0"
    "tail\r";
static const char lfnul_output[] =
    P ": a\n"
    P ": b\n"
    P ": c\n"
    P ": d\n"
    P ": \n"
    P ": e\n"
    P ": \n"
    P ": f\n"
    P ": g\\x0d\n"
    P ": h\n"
    P ": \n"
    P ": i\n"
    P ": \n"
    P ": j\n"
    P ": k\n"
    P " [partial]: tail\\x0d\n";

/* long_input with NUL for LF: a CR before NUL counts. */
static const char nul_long_input[] =
    "short\0"
    "0123456789abcdefXYZ\r\0"
    "01234567\0"
    "01234567\r\0"
    "012345678\0"
    "\0"
    "0123456789abcdef\0"
    "0123456\r\0"
    "tail\r";
static const char nul_long_truncate[] =
    P ": short\n"
    P " [truncated]: 01234567\n"
    P ": 01234567\n"
    P " [truncated]: 01234567\n"
    P " [truncated]: 01234567\n"
    P ": \n"
    P " [truncated]: 01234567\n"
    P ": 0123456\\x0d\n"
    P " [partial]: tail\\x0d\n";
static const char nul_long_split[] =
    P ": short\n"
    P " [split]: 01234567\n"
    P " [split]: 89abcdef\n"
    P ": XYZ\\x0d\n"
    P ": 01234567\n"
    P " [split]: 01234567\n"
    P ": \\x0d\n"
    P " [split]: 01234567\n"
    P ": 8\n"
    P ": \n"
    P " [split]: 01234567\n"
    P ": 89abcdef\n"
    P ": 0123456\\x0d\n"
    P " [partial]: tail\\x0d\n";

/*
 * Feed the input as cut says, stopping when the protocol asks to close,
 * then end the connection as conn.c would.  Returns the first -1 or 0.
 */
static int
drive(struct fake *f, const char *in, size_t len, const struct cuts *cut)
{
	size_t	off, n;
	int	rc = 0;

	if (cut->first > 0)
		rc = fake_feed(f, in, cut->first);
	for (off = cut->first; rc == 0 && off < len; off += n) {
		n = len - off;
		if (cut->step != 0 && n > cut->step)
			n = cut->step;
		rc = fake_feed(f, in + off, n);
	}
	fake_eof(f, rc == 0 ? CONN_EOF : CONN_TOO_LONG);
	return (rc);
}

/* A whole connection; returns what was written. */
static char *
run(enum lconf_mode mode, size_t max, enum lconf_overlong overlong,
    const char *in, size_t len, const struct cuts *cut,
    struct listener_stats *stats, int *rc)
{
	return (run_delim(mode, DELIM_LF, max, overlong, in, len, cut, stats,
	    rc));
}

/* run(), with lines ending at delim in line mode. */
static char *
run_delim(enum lconf_mode mode, enum lconf_delimiter delim, size_t max,
    enum lconf_overlong overlong, const char *in, size_t len,
    const struct cuts *cut, struct listener_stats *stats, int *rc)
{
	struct fake	*f;
	char		*out;
	int		 r;

	f = fake_new(mode, max, overlong);
	if (mode == MODE_LINE)
		line_set_delimiter(f->c->state, delim);
	r = drive(f, in, len, cut);
	if (rc != NULL)
		*rc = r;
	if (stats != NULL)
		*stats = f->l.stats;
	ck_assert_uint_eq(f->c->records, f->l.stats.records);
	out = fake_output(f);
	fake_free(f);
	return (out);
}

static void
check_run(enum lconf_overlong overlong, const char *in, size_t len,
    const struct cuts *cut, const char *want, int want_rc)
{
	char	*out;
	int	 rc;

	out = run(MODE_LINE, SMALL, overlong, in, len, cut, NULL, &rc);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rc, want_rc);
	free(out);
}

/* check_cuts_delim() for LF. */
static void
check_cuts(enum lconf_overlong overlong, size_t max, const char *in,
    size_t len, const char *want)
{
	check_cuts_delim(DELIM_LF, overlong, max, in, len, want);
}

/*
 * The line protocol gives want for in whole, cut in two at every point,
 * byte by byte and in random reads, with the same counters each time.
 */
static void
check_cuts_delim(enum lconf_delimiter delim, enum lconf_overlong overlong,
    size_t max, const char *in, size_t len, const char *want)
{
	struct listener_stats	 ref, st;
	struct cuts		 cut;
	char			*out;
	int			 ref_rc, rc, round;

	out = run_delim(MODE_LINE, delim, max, overlong, in, len, &whole,
	    &ref, &ref_rc);
	ck_assert_str_eq(out, want);
	free(out);

	memset(&cut, 0, sizeof cut);
	for (cut.first = 0; cut.first <= len; cut.first++) {
		cut.step = 0;
		out = run_delim(MODE_LINE, delim, max, overlong, in, len, &cut,
		    &st, &rc);
		ck_assert_msg(strcmp(out, want) == 0,
		    "cut at %zu:\n%s\nwanted:\n%s", cut.first, out, want);
		ck_assert_int_eq(rc, ref_rc);
		ck_assert_uint_eq(st.records, ref.records);
		ck_assert_uint_eq(st.overlong, ref.overlong);
		ck_assert_uint_eq(st.partial, ref.partial);
		if (rc == 0)
			ck_assert_uint_eq(st.bytes, len);
		free(out);
	}
	cut.first = 0;
	cut.step = 1;
	out = run_delim(MODE_LINE, delim, max, overlong, in, len, &cut, &st,
	    &rc);
	ck_assert_msg(strcmp(out, want) == 0,
	    "byte by byte:\n%s\nwanted:\n%s", out, want);
	ck_assert_int_eq(rc, ref_rc);
	ck_assert_uint_eq(st.records, ref.records);
	ck_assert_uint_eq(st.overlong, ref.overlong);
	ck_assert_uint_eq(st.partial, ref.partial);
	free(out);

	srandom(7);
	for (round = 0; round < 200; round++) {
		cut.first = random() % (len + 1);
		cut.step = 1 + random() % 7;
		out = run_delim(MODE_LINE, delim, max, overlong, in, len, &cut,
		    &st, &rc);
		ck_assert_msg(strcmp(out, want) == 0,
		    "first %zu step %zu:\n%s\nwanted:\n%s", cut.first,
		    cut.step, out, want);
		ck_assert_int_eq(rc, ref_rc);
		ck_assert_uint_eq(st.overlong, ref.overlong);
		free(out);
	}
}

/*
 * check_cuts() on times copies of in's complete lines and then its
 * partial last line, "tail\r" (and want's lines likewise): inputs of
 * several 64-byte blocks, for the line protocol's fast path and its
 * hand-overs to the slow one at every cut.
 */
static void
check_cuts_repeated(enum lconf_delimiter delim, enum lconf_overlong overlong,
    size_t max, const char *in, size_t len, const char *want, int times)
{
	static const char	 tail[] = "tail\r";
	const char		*last;
	char			*rin, *rwant;
	size_t			 body = len - (sizeof tail - 1), wbody;
	int			 i;

	ck_assert_mem_eq(in + body, tail, sizeof tail - 1);
	for (last = want + strlen(want) - 1; last > want && last[-1] != '\n';
	    last--)
		;
	wbody = last - want;
	rin = xmalloc(body * times + sizeof tail);
	rwant = xmalloc(wbody * times + strlen(last) + 1);
	for (i = 0; i < times; i++) {
		memcpy(rin + body * i, in, body);
		memcpy(rwant + wbody * i, want, wbody);
	}
	memcpy(rin + body * times, tail, sizeof tail - 1);
	memcpy(rwant + wbody * times, last, strlen(last) + 1);
	check_cuts_delim(delim, overlong, max, rin, body * times +
	    sizeof tail - 1, rwant);
	free(rin);
	free(rwant);
}

START_TEST(test_proto_find)
{
	ck_assert_ptr_eq(proto_find(MODE_LINE), &proto_line_ops);
	ck_assert_ptr_eq(proto_find(MODE_RAW), &proto_raw_ops);
	ck_assert_str_eq(proto_line_ops.name, "line");
	ck_assert_str_eq(proto_raw_ops.name, "raw");
}
END_TEST

START_TEST(test_line_whole)
{
	struct listener_stats	 st;
	char			*out;
	int			 rc;

	out = run(MODE_LINE, 64, OVERLONG_TRUNCATE, line_input,
	    sizeof line_input - 1, &whole, &st, &rc);
	ck_assert_str_eq(out, line_output);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(st.records, 9);
	ck_assert_uint_eq(st.partial, 1);
	ck_assert_uint_eq(st.overlong, 0);
	ck_assert_uint_eq(st.bytes, sizeof line_input - 1);
	free(out);
}
END_TEST

START_TEST(test_line_cuts)
{
	check_cuts(OVERLONG_TRUNCATE, 64, line_input, sizeof line_input - 1,
	    line_output);
}
END_TEST

/*
 * max_line exactly the longest line ("nul\0x\033[31mesc", 13 bytes):
 * nothing is overlong, even under overlong = close.
 */
START_TEST(test_line_cuts_tight)
{
	check_cuts(OVERLONG_CLOSE, 13, line_input, sizeof line_input - 1,
	    line_output);
}
END_TEST

START_TEST(test_line_cuts_blocks)
{
	check_cuts_repeated(DELIM_LF, OVERLONG_TRUNCATE, 64, line_input,
	    sizeof line_input - 1, line_output, 5);
}
END_TEST

START_TEST(test_line_complete_lines_wait)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, "abc", 3), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(fake_pending(f), 3);
	ck_assert_int_eq(fake_feed(f, "\r", 1), 0);
	ck_assert_int_eq(fake_feed(f, "\ndef\n", 5), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P ": abc\n" P ": def\n");
	free(out);
	ck_assert_uint_eq(fake_pending(f), 0);
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(f->l.stats.partial, 0);
	fake_free(f);
}
END_TEST

START_TEST(test_line_crlf)
{
	check_run(OVERLONG_TRUNCATE, "a\r\n", 3, &whole, P ": a\n", 0);
	check_run(OVERLONG_TRUNCATE, "a\r\r\n", 4, &whole, P ": a\\x0d\n", 0);
	check_run(OVERLONG_TRUNCATE, "\r\n", 2, &whole, P ": \n", 0);
	check_run(OVERLONG_TRUNCATE, "a\rb\n", 4, &whole, P ": a\\x0db\n", 0);
	check_run(OVERLONG_TRUNCATE, "\ra\n", 3, &whole, P ": \\x0da\n", 0);
	check_run(OVERLONG_TRUNCATE, "\n\r", 2, &whole,
	    P ": \n" P " [partial]: \\x0d\n", 0);
}
END_TEST

START_TEST(test_line_partial_eof)
{
	static const enum conn_reason reasons[] = {
		CONN_EOF, CONN_RESET, CONN_ERROR, CONN_SHUTDOWN, CONN_TIMEOUT
	};
	struct fake	*f;
	char		*out;
	size_t		 i;

	for (i = 0; i < nitems(reasons); i++) {
		f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
		ck_assert_int_eq(fake_feed(f, "x\nabc\r", 6), 0);
		fake_eof(f, reasons[i]);
		out = fake_output(f);
		ck_assert_str_eq(out, P ": x\n" P " [partial]: abc\\x0d\n");
		free(out);
		ck_assert_uint_eq(f->l.stats.records, 2);
		ck_assert_uint_eq(f->l.stats.partial, 1);
		ck_assert_uint_eq(fake_pending(f), 0);
		fake_free(f);
	}
	check_run(OVERLONG_TRUNCATE, "abc", 3, &whole, P " [partial]: abc\n",
	    0);
	check_run(OVERLONG_TRUNCATE, "", 0, &whole, "", 0);
}
END_TEST

START_TEST(test_line_counters)
{
	struct fake	*f;

	f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, "a\nb", 3), 0);
	ck_assert_uint_eq(f->l.stats.records, 1);
	ck_assert_uint_eq(f->c->records, 1);
	ck_assert_int_eq(fake_feed(f, "\n\n", 2), 0);
	ck_assert_uint_eq(f->l.stats.records, 3);
	ck_assert_int_eq(fake_feed(f, "cd", 2), 0);
	fake_eof(f, CONN_EOF);
	ck_assert_uint_eq(f->l.stats.records, 4);
	ck_assert_uint_eq(f->c->records, 4);
	ck_assert_uint_eq(f->l.stats.partial, 1);
	ck_assert_uint_eq(f->l.stats.overlong, 0);
	ck_assert_uint_eq(f->l.stats.bytes, 7);
	ck_assert_uint_eq(f->c->bytes, 7);
	fake_free(f);
}
END_TEST

START_TEST(test_line_timestamps)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
	f->lc->timestamps = TS_YES;
	ck_assert_int_eq(fake_feed(f, "x\n", 2), 0);
	out = fake_output(f);
	ck_assert_uint_eq(strlen(out), FORMAT_TIME_LEN + strlen(" " P ": x\n"));
	ck_assert_str_eq(out + FORMAT_TIME_LEN, " " P ": x\n");
	ck_assert_int_eq(out[4], '-');
	ck_assert_int_eq(out[10], 'T');
	ck_assert_int_eq(out[19], '.');
	ck_assert_int_eq(out[26], 'Z');
	free(out);
	fake_free(f);
}
END_TEST

/* format = json: one object per record, as the memory sink writes it. */
START_TEST(test_line_json)
{
	struct fake	*f;
	char		*out;

#define J	"{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\"," \
		"\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555," \
		    "\"event\":\"data\","
	f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
	f->lc->format = FORMAT_JSON;
	ck_assert_int_eq(fake_feed(f, "a\tb\r\n\xff\xfe\n\"q\"\ntail", 16),
	    0);
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out,
	    J "\"data\":\"a\\tb\"}\n"
	    J "\"data_base64\":\"//4=\"}\n"
	    J "\"data\":\"\\\"q\\\"\"}\n"
	    J "\"data\":\"tail\",\"partial\":true}\n");
#undef J
	free(out);
	fake_free(f);
}
END_TEST

START_TEST(test_overlong_truncate_cuts)
{
	check_cuts(OVERLONG_TRUNCATE, SMALL, long_input, sizeof long_input - 1,
	    long_truncate);
}
END_TEST

START_TEST(test_overlong_split_cuts)
{
	check_cuts(OVERLONG_SPLIT, SMALL, long_input, sizeof long_input - 1,
	    long_split);
}
END_TEST

START_TEST(test_overlong_cuts_blocks)
{
	check_cuts_repeated(DELIM_LF, OVERLONG_TRUNCATE, SMALL, long_input,
	    sizeof long_input - 1, long_truncate, 4);
	check_cuts_repeated(DELIM_LF, OVERLONG_SPLIT, SMALL, long_input,
	    sizeof long_input - 1, long_split, 4);
}
END_TEST

START_TEST(test_overlong_close_cuts)
{
	check_cuts(OVERLONG_CLOSE, SMALL, long_input, sizeof long_input - 1,
	    long_close);
}
END_TEST

START_TEST(test_overlong_counters)
{
	struct listener_stats	 st;
	char			*out;
	int			 rc;

	out = run(MODE_LINE, SMALL, OVERLONG_TRUNCATE, long_input,
	    sizeof long_input - 1, &bytes, &st, &rc);
	ck_assert_uint_eq(st.records, 8);
	ck_assert_uint_eq(st.overlong, 3);
	ck_assert_uint_eq(st.partial, 1);
	ck_assert_uint_eq(st.bytes, sizeof long_input - 1);
	free(out);

	out = run(MODE_LINE, SMALL, OVERLONG_SPLIT, long_input,
	    sizeof long_input - 1, &bytes, &st, &rc);
	ck_assert_uint_eq(st.records, 12);
	ck_assert_uint_eq(st.overlong, 3);
	ck_assert_uint_eq(st.partial, 1);
	free(out);

	out = run(MODE_LINE, SMALL, OVERLONG_CLOSE, long_input,
	    sizeof long_input - 1, &whole, &st, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_eq(st.records, 2);
	ck_assert_uint_eq(st.overlong, 1);
	ck_assert_uint_eq(st.partial, 0);
	free(out);
}
END_TEST

/* A complete long line in one read, then a short one. */
START_TEST(test_overlong_one_read)
{
	static const char	in[] = "0123456789abcdefXYZ\nok\n";
	struct fake		*f;
	char			*out;

	f = fake_new(MODE_LINE, SMALL, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P " [truncated]: 01234567\n" P ": ok\n");
	free(out);
	ck_assert_uint_eq(f->l.stats.overlong, 1);
	ck_assert_uint_eq(fake_pending(f), 0);
	fake_free(f);

	f = fake_new(MODE_LINE, SMALL, OVERLONG_SPLIT);
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P " [split]: 01234567\n" P " [split]: 89abcdef\n"
	    P ": XYZ\n" P ": ok\n");
	free(out);
	ck_assert_uint_eq(f->l.stats.overlong, 1);
	fake_free(f);

	f = fake_new(MODE_LINE, SMALL, OVERLONG_CLOSE);
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), -1);
	ck_assert_int_eq(f->reason, CONN_TOO_LONG);
	out = fake_output(f);
	ck_assert_str_eq(out, P " [truncated]: 01234567\n");
	free(out);
	ck_assert_uint_eq(f->l.stats.overlong, 1);
	ck_assert_uint_eq(f->l.stats.records, 1);
	/* conn.c closes: nothing more comes out. */
	fake_eof(f, CONN_TOO_LONG);
	out = fake_output(f);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(f->l.stats.partial, 0);
	fake_free(f);
}
END_TEST

/*
 * A long line in reads of 4 bytes without LF: nothing happens until the
 * buffer holds max_line + 2 bytes, then the policy applies.
 */
START_TEST(test_overlong_pieces)
{
	static const char	*pieces[] = { "0123", "4567", "89ab", "cdef",
				    "ghij", "klmn", "XY\r", "\n", "ok\n" };
	static const struct {
		enum lconf_overlong	 overlong;
		const char		*after[nitems(pieces)];
		int			 close_at;
	} t[] = {
		{ OVERLONG_TRUNCATE, {
		    "", "", P " [truncated]: 01234567\n", "", "", "", "", "",
		    P ": ok\n" }, -1 },
		{ OVERLONG_SPLIT, {
		    "", "", P " [split]: 01234567\n", "",
		    P " [split]: 89abcdef\n", "", P " [split]: ghijklmn\n",
		    P ": XY\n", P ": ok\n" }, -1 },
		{ OVERLONG_CLOSE, {
		    "", "", P " [truncated]: 01234567\n" }, 2 },
	};
	struct fake	*f;
	char		*out;
	size_t		 i, j;
	int		 rc;

	for (i = 0; i < nitems(t); i++) {
		f = fake_new(MODE_LINE, SMALL, t[i].overlong);
		for (j = 0; j < nitems(pieces); j++) {
			rc = fake_feed(f, pieces[j], strlen(pieces[j]));
			out = fake_output(f);
			ck_assert_msg(strcmp(out, t[i].after[j]) == 0,
			    "%s, after piece %zu: got '%s', wanted '%s'",
			    lconf_overlong_string(t[i].overlong), j, out,
			    t[i].after[j]);
			free(out);
			ck_assert_uint_lt(fake_pending(f),
			    SMALL + CONN_READ_MARGIN);
			if ((int)j == t[i].close_at) {
				ck_assert_int_eq(rc, -1);
				break;
			}
			ck_assert_int_eq(rc, 0);
		}
		fake_eof(f, t[i].close_at == -1 ? CONN_EOF : CONN_TOO_LONG);
		out = fake_output(f);
		ck_assert_str_eq(out, "");
		free(out);
		ck_assert_uint_eq(f->l.stats.overlong, 1);
		fake_free(f);
	}
}
END_TEST

/* The buffer reaches max_line + 2 bytes: exactly then the policy acts. */
START_TEST(test_overlong_read_bound)
{
	struct fake	*f;
	char		*out;
	int		 i;

	f = fake_new(MODE_LINE, SMALL, OVERLONG_TRUNCATE);
	for (i = 0; i < SMALL + 1; i++)
		ck_assert_int_eq(fake_feed(f, "x", 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(fake_pending(f), SMALL + 1);
	ck_assert_int_eq(fake_feed(f, "y", 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P " [truncated]: xxxxxxxx\n");
	free(out);
	ck_assert_uint_eq(fake_pending(f), 0);
	ck_assert_uint_eq(f->l.stats.overlong, 1);
	fake_free(f);
}
END_TEST

/* max_line bytes and CRLF (or LF) fit, under every policy. */
START_TEST(test_overlong_exact_fits)
{
	static const enum lconf_overlong ol[] = {
		OVERLONG_TRUNCATE, OVERLONG_SPLIT, OVERLONG_CLOSE
	};
	struct listener_stats	 st;
	char			*out;
	size_t			 i;
	int			 rc;

	for (i = 0; i < nitems(ol); i++) {
		check_cuts(ol[i], SMALL, "01234567\r\n", 10, P ": 01234567\n");
		check_cuts(ol[i], SMALL, "01234567\n", 9, P ": 01234567\n");
		out = run(MODE_LINE, SMALL, ol[i], "01234567\r\n", 10,
		    &bytes, &st, &rc);
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(st.overlong, 0);
		free(out);
	}
}
END_TEST

/* max_line + 1 bytes, with LF or CRLF. */
START_TEST(test_overlong_max_plus_one)
{
	check_cuts(OVERLONG_TRUNCATE, SMALL, "012345678\n", 10,
	    P " [truncated]: 01234567\n");
	check_cuts(OVERLONG_TRUNCATE, SMALL, "012345678\r\n", 11,
	    P " [truncated]: 01234567\n");
	check_cuts(OVERLONG_SPLIT, SMALL, "012345678\n", 10,
	    P " [split]: 01234567\n" P ": 8\n");
	check_cuts(OVERLONG_SPLIT, SMALL, "012345678\r\n", 11,
	    P " [split]: 01234567\n" P ": 8\n");
	check_cuts(OVERLONG_CLOSE, SMALL, "012345678\n", 10,
	    P " [truncated]: 01234567\n");
	check_cuts(OVERLONG_CLOSE, SMALL, "012345678\r\n", 11,
	    P " [truncated]: 01234567\n");
	/* A CR not before the LF is data. */
	check_cuts(OVERLONG_SPLIT, SMALL, "01234567\r\r\n", 11,
	    P " [split]: 01234567\n" P ": \\x0d\n");
}
END_TEST

/* Split pieces joined give the line back; all but the last flagged. */
START_TEST(test_overlong_split_join)
{
	static const char	line[] = "abcdefghijklmnopqrstuvwxyzABCDEF";
	char			 in[64], want[512];
	size_t			 len, off, n, used;

	for (len = SMALL + 1; len <= sizeof line - 1; len++) {
		memcpy(in, line, len);
		memcpy(in + len, "\r\n", 2);
		want[0] = '\0';
		for (off = 0; off < len; off += n) {
			n = len - off > SMALL ? SMALL : len - off;
			used = strlen(want);
			snprintf(want + used, sizeof want - used,
			    P "%s: %.*s\n", off + n < len ? " [split]" : "",
			    (int)n, line + off);
		}
		check_cuts(OVERLONG_SPLIT, SMALL, in, len + 2, want);
	}
}
END_TEST

/* Truncate drops the rest of the line, over any number of reads. */
START_TEST(test_overlong_truncate_discards)
{
	struct fake	*f;
	char		*out;
	int		 i;

	f = fake_new(MODE_LINE, SMALL, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, "0123456789", 10), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(fake_feed(f, "abcdefghij", 10), 0);
	ck_assert_int_eq(fake_feed(f, "xyz\r\nnext\n", 10), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P " [truncated]: 01234567\n" P ": next\n");
	free(out);
	ck_assert_uint_eq(f->l.stats.overlong, 1);
	ck_assert_uint_eq(f->l.stats.records, 2);
	ck_assert_uint_eq(f->l.stats.bytes, 1020);
	fake_free(f);
}
END_TEST

/* The rest of a truncated line is not a partial line at EOF. */
START_TEST(test_overlong_truncate_eof)
{
	check_cuts(OVERLONG_TRUNCATE, SMALL, "0123456789abc", 13,
	    P " [truncated]: 01234567\n");
	check_cuts(OVERLONG_TRUNCATE, SMALL, "ok\n0123456789abc\r", 17,
	    P ": ok\n" P " [truncated]: 01234567\n");
}
END_TEST

/* A partial last line longer than max_line still follows the policy. */
START_TEST(test_overlong_partial_eof)
{
	check_cuts(OVERLONG_TRUNCATE, SMALL, "012345678", 9,
	    P " [partial,truncated]: 01234567\n");
	check_cuts(OVERLONG_SPLIT, SMALL, "012345678", 9,
	    P " [partial,split]: 01234567\n" P " [partial]: 8\n");
	check_cuts(OVERLONG_CLOSE, SMALL, "012345678", 9,
	    P " [partial,truncated]: 01234567\n");
	/* Split pieces, then a partial rest. */
	check_cuts(OVERLONG_SPLIT, SMALL, "0123456789abcdefXY", 18,
	    P " [split]: 01234567\n" P " [split]: 89abcdef\n"
	    P " [partial]: XY\n");
}
END_TEST

/* Each long line counts once, however many pieces it makes. */
START_TEST(test_overlong_count_per_line)
{
	static const char	in[] =
	    "0123456789abcdefghijklmnopqrstuvwxyz\n"
	    "ok\n"
	    "0123456789\n"
	    "0123456789abcdefghijklmnopqrstuvwxyz\n";
	struct listener_stats	st;
	char			*out;
	int			rc;

	out = run(MODE_LINE, SMALL, OVERLONG_SPLIT, in, sizeof in - 1,
	    &bytes, &st, &rc);
	ck_assert_uint_eq(st.overlong, 3);
	ck_assert_uint_eq(st.records, 5 + 1 + 2 + 5);
	free(out);
	out = run(MODE_LINE, SMALL, OVERLONG_TRUNCATE, in, sizeof in - 1,
	    &whole, &st, &rc);
	ck_assert_uint_eq(st.overlong, 3);
	ck_assert_uint_eq(st.records, 4);
	free(out);
}
END_TEST

/* The rules of nul, whole and cut at every point. */
START_TEST(test_delim_nul_cuts)
{
	check_cuts_delim(DELIM_NUL, OVERLONG_TRUNCATE, 64, nul_input,
	    sizeof nul_input - 1, nul_output);
	/* LF lines, to a listener that waits for NUL: one partial record. */
	check_cuts_delim(DELIM_NUL, OVERLONG_TRUNCATE, 64, "a\nb\r\n", 5,
	    P " [partial]: a\\x0ab\\x0d\\x0a\n");
	/* NUL is data with lf. */
	check_cuts_delim(DELIM_LF, OVERLONG_TRUNCATE, 64, "a\0b\n", 4,
	    P ": a\\x00b\n");
}
END_TEST

/* The rules of lf-or-nul, the pairs cut apart at every point. */
START_TEST(test_delim_lfnul_cuts)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} t[] = {
#define T(in, out)	{ in, sizeof in - 1, out }
		T("a\0\n", P ": a\n"),
		T("a\n\0", P ": a\n"),
		T("a\n\0\n", P ": a\n"),
		T("\0\0", P ": \n" P ": \n"),
		T("\n\n", P ": \n" P ": \n"),
		T("\n\0", P ": \n"),
		T("\0\n", P ": \n"),
		T("\0\n\0\n", P ": \n"),
		T("a\r\n\0b\0\r\n", P ": a\n" P ": b\n" P ": \n"),
		T("a\r\0", P ": a\\x0d\n"),
		T("a\0\r", P ": a\n" P " [partial]: \\x0d\n"),
		T("a\n\0\0\nb", P ": a\n" P ": \n" P " [partial]: b\n"),
#undef T
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		check_cuts_delim(DELIM_LF_OR_NUL, OVERLONG_TRUNCATE, 64,
		    t[i].in, t[i].len, t[i].out);
	check_cuts_delim(DELIM_LF_OR_NUL, OVERLONG_TRUNCATE, 64, lfnul_input,
	    sizeof lfnul_input - 1, lfnul_output);
}
END_TEST

/* Several 64-byte blocks: the fast path, and its hand-overs. */
START_TEST(test_delim_cuts_blocks)
{
	check_cuts_repeated(DELIM_NUL, OVERLONG_TRUNCATE, 64, nul_input,
	    sizeof nul_input - 1, nul_output, 5);
	check_cuts_repeated(DELIM_LF_OR_NUL, OVERLONG_TRUNCATE, 64,
	    lfnul_input, sizeof lfnul_input - 1, lfnul_output, 4);
}
END_TEST

/*
 * A pair whose second half comes in the next read, or reads later after
 * empty ones: still no line.  The pair is remembered by the byte alone,
 * whatever came before it.
 */
START_TEST(test_delim_pair_reads)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} reads[] = {
		{ "a\n", 2, P ": a\n" }, { "", 0, "" }, { "\0", 1, "" },
		{ "b\0", 2, P ": b\n" }, { "\n", 1, "" }, { "\n", 1, P ": \n" },
		{ "x", 1, "" }, { "\0", 1, P ": x\n" }
	};
	struct fake	*f;
	char		*out;
	size_t		 i;

	f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
	line_set_delimiter(f->c->state, DELIM_LF_OR_NUL);
	for (i = 0; i < nitems(reads); i++) {
		ck_assert_int_eq(fake_feed(f, reads[i].in, reads[i].len), 0);
		out = fake_output(f);
		ck_assert_msg(strcmp(out, reads[i].out) == 0, "read %zu: '%s'",
		    i, out);
		free(out);
	}
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(f->l.stats.partial, 0);
	ck_assert_uint_eq(f->l.stats.records, 4);
	fake_free(f);
}
END_TEST

/* Each overlong policy with nul; the CR before NUL counts. */
START_TEST(test_delim_nul_overlong)
{
	check_cuts_delim(DELIM_NUL, OVERLONG_TRUNCATE, SMALL, nul_long_input,
	    sizeof nul_long_input - 1, nul_long_truncate);
	check_cuts_delim(DELIM_NUL, OVERLONG_SPLIT, SMALL, nul_long_input,
	    sizeof nul_long_input - 1, nul_long_split);
	check_cuts_delim(DELIM_NUL, OVERLONG_CLOSE, SMALL, nul_long_input,
	    sizeof nul_long_input - 1, long_close);
	check_cuts_repeated(DELIM_NUL, OVERLONG_TRUNCATE, SMALL,
	    nul_long_input, sizeof nul_long_input - 1, nul_long_truncate, 4);
	check_cuts_repeated(DELIM_NUL, OVERLONG_SPLIT, SMALL,
	    nul_long_input, sizeof nul_long_input - 1, nul_long_split, 4);
	/* max_line bytes and NUL fit; so would a CR, with LF. */
	check_cuts_delim(DELIM_NUL, OVERLONG_CLOSE, SMALL, "01234567\0", 9,
	    P ": 01234567\n");
	check_cuts_delim(DELIM_NUL, OVERLONG_CLOSE, SMALL, "01234567\r\0", 10,
	    P " [truncated]: 01234567\n");
}
END_TEST

/*
 * lf-or-nul and a line too long: the line ends at either delimiter, and
 * the other one right after makes no line, whether the rest of the line
 * was dropped (truncate) or emitted (split).
 */
START_TEST(test_delim_lfnul_overlong)
{
	static const char	in[] =
	    "0123456789abcdef\n\0ok\0\n"
	    "0123456789abcdef\r\n\0ok\n"
	    "0123456789\0\n\0"
	    "01234567\r\n\0"
	    "01234567\r\0\n";
	static const char	truncate[] =
	    P " [truncated]: 01234567\n" P ": ok\n"
	    P " [truncated]: 01234567\n" P ": ok\n"
	    P " [truncated]: 01234567\n"
	    P ": 01234567\n"
	    P " [truncated]: 01234567\n";
	static const char	split[] =
	    P " [split]: 01234567\n" P ": 89abcdef\n" P ": ok\n"
	    P " [split]: 01234567\n" P ": 89abcdef\n" P ": ok\n"
	    P " [split]: 01234567\n" P ": 89\n"
	    P ": 01234567\n"
	    P " [split]: 01234567\n" P ": \\x0d\n";

	check_cuts_delim(DELIM_LF_OR_NUL, OVERLONG_TRUNCATE, SMALL, in,
	    sizeof in - 1, truncate);
	check_cuts_delim(DELIM_LF_OR_NUL, OVERLONG_SPLIT, SMALL, in,
	    sizeof in - 1, split);
	check_cuts_delim(DELIM_LF_OR_NUL, OVERLONG_CLOSE, SMALL, in,
	    sizeof in - 1, P " [truncated]: 01234567\n");
}
END_TEST

/*
 * Without a delimiter, max_line + 2 bytes of a line make the policy act,
 * with any delimiter; fewer are kept, and at the end are partial.
 */
START_TEST(test_delim_bound_partial)
{
	static const enum lconf_delimiter delims[] = {
		DELIM_LF, DELIM_NUL, DELIM_LF_OR_NUL
	};
	struct fake	*f;
	char		*out;
	size_t		 d;
	int		 i;

	for (d = 0; d < nitems(delims); d++) {
		f = fake_new(MODE_LINE, SMALL, OVERLONG_TRUNCATE);
		line_set_delimiter(f->c->state, delims[d]);
		for (i = 0; i < SMALL + 1; i++)
			ck_assert_int_eq(fake_feed(f, "\r", 1), 0);
		ck_assert_uint_eq(fake_pending(f), SMALL + 1);
		ck_assert_int_eq(fake_feed(f, "y", 1), 0);
		out = fake_output(f);
		ck_assert_str_eq(out, P " [truncated]: \\x0d\\x0d\\x0d\\x0d"
		    "\\x0d\\x0d\\x0d\\x0d\n");
		free(out);
		ck_assert_uint_eq(fake_pending(f), 0);
		ck_assert_int_eq(fake_feed(f, "\0\nz\r", 4), 0);
		fake_eof(f, CONN_EOF);
		out = fake_output(f);
		switch (delims[d]) {
		case DELIM_LF:
			ck_assert_str_eq(out, P " [partial]: z\\x0d\n");
			break;
		case DELIM_NUL:
			ck_assert_str_eq(out, P " [partial]: \\x0az\\x0d\n");
			break;
		default:
			ck_assert_str_eq(out, P " [partial]: z\\x0d\n");
			break;
		}
		free(out);
		ck_assert_uint_eq(f->l.stats.partial, 1);
		fake_free(f);
	}
}
END_TEST

/* The listener's delimiter is the connection's; JSON escapes LF. */
START_TEST(test_delim_conf_json)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_LINE, 64, OVERLONG_TRUNCATE);
	f->c->ops->free(f->c->state);
	f->lc->delimiter = DELIM_NUL;
	f->lc->format = FORMAT_JSON;
	f->c->state = f->c->ops->init(f->c);
	ck_assert_int_eq(fake_feed(f, "a\nb\r\0c", 6), 0);
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out,
	    "{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\","
	    "\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,"
	    "\"event\":\"data\",\"data\":\"a\\nb\\r\"}\n"
	    "{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\","
	    "\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,"
	    "\"event\":\"data\",\"data\":\"c\",\"partial\":true}\n");
	free(out);
	fake_free(f);
}
END_TEST

START_TEST(test_raw_chunks)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_RAW, SMALL, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, "0123456789abcdefghij", 20), 0);
	ck_assert_uint_eq(fake_pending(f), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P ": 01234567\n" P ": 89abcdef\n" P ": ghij\n");
	free(out);
	ck_assert_uint_eq(f->l.stats.records, 3);
	ck_assert_uint_eq(f->l.stats.overlong, 0);
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(f->l.stats.partial, 0);
	fake_free(f);
}
END_TEST

START_TEST(test_raw_bounds)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_RAW, SMALL, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, "01234567", 8), 0);
	ck_assert_int_eq(fake_feed(f, "012345678", 9), 0);
	ck_assert_int_eq(fake_feed(f, "x", 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P ": 01234567\n" P ": 01234567\n" P ": 8\n"
	    P ": x\n");
	free(out);
	fake_free(f);
}
END_TEST

START_TEST(test_raw_no_framing)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_RAW, 64, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, "a\nb\r\n\0\033", 7), 0);
	ck_assert_int_eq(fake_feed(f, "\n", 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, P ": a\\x0ab\\x0d\\x0a\\x00\\x1b\n"
	    P ": \\x0a\n");
	free(out);
	fake_free(f);
}
END_TEST

/*
 * Random reads of random bytes: every record is at most max_line bytes,
 * nothing stays in the buffer, and the records add up to the input.
 */
START_TEST(test_raw_random)
{
	struct fake	*f;
	u_char		 in[4096], back[4096], *rec;
	char		*out, *line, *nl;
	size_t		 len, off, n, max, got, reclen, nrec;
	int		 round;

	srandom(3);
	rec = xmalloc(sizeof in);
	for (round = 0; round < 200; round++) {
		max = 1 + random() % 32;
		len = random() % sizeof in;
		for (off = 0; off < len; off++)
			in[off] = random() % 256;
		f = fake_new(MODE_RAW, max, OVERLONG_CLOSE);
		for (off = 0; off < len; off += n) {
			n = 1 + random() % 100;
			if (n > len - off)
				n = len - off;
			ck_assert_int_eq(fake_feed(f, in + off, n), 0);
			ck_assert_uint_eq(fake_pending(f), 0);
		}
		fake_eof(f, CONN_EOF);
		ck_assert_uint_eq(f->l.stats.bytes, len);
		ck_assert_uint_eq(f->l.stats.partial, 0);
		ck_assert_uint_eq(f->l.stats.overlong, 0);
		out = fake_output(f);
		got = nrec = 0;
		for (line = out; *line != '\0'; line = nl + 1) {
			nl = strchr(line, '\n');
			ck_assert_ptr_nonnull(nl);
			ck_assert_int_eq(strncmp(line, P ": ", strlen(P ": ")),
			    0);
			line += strlen(P ": ");
			reclen = unescape(rec, line, nl - line);
			ck_assert_uint_ge(reclen, 1);
			ck_assert_uint_le(reclen, max);
			ck_assert_uint_le(got + reclen, len);
			memcpy(back + got, rec, reclen);
			got += reclen;
			nrec++;
		}
		ck_assert_uint_eq(got, len);
		ck_assert_mem_eq(back, in, len);
		ck_assert_uint_eq(f->l.stats.records, nrec);
		free(out);
		fake_free(f);
	}
	free(rec);
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc;

	tc = tcase_create("registry");
	tcase_add_test(tc, test_proto_find);
	suite_add_tcase(s, tc);

	tc = tcase_create("line");
	tcase_add_test(tc, test_line_whole);
	tcase_add_test(tc, test_line_cuts);
	tcase_add_test(tc, test_line_cuts_tight);
	tcase_add_test(tc, test_line_cuts_blocks);
	tcase_add_test(tc, test_line_complete_lines_wait);
	tcase_add_test(tc, test_line_crlf);
	tcase_add_test(tc, test_line_partial_eof);
	tcase_add_test(tc, test_line_counters);
	tcase_add_test(tc, test_line_timestamps);
	tcase_add_test(tc, test_line_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("overlong");
	tcase_add_test(tc, test_overlong_truncate_cuts);
	tcase_add_test(tc, test_overlong_split_cuts);
	tcase_add_test(tc, test_overlong_cuts_blocks);
	tcase_add_test(tc, test_overlong_close_cuts);
	tcase_add_test(tc, test_overlong_counters);
	tcase_add_test(tc, test_overlong_one_read);
	tcase_add_test(tc, test_overlong_pieces);
	tcase_add_test(tc, test_overlong_read_bound);
	tcase_add_test(tc, test_overlong_exact_fits);
	tcase_add_test(tc, test_overlong_max_plus_one);
	tcase_add_test(tc, test_overlong_split_join);
	tcase_add_test(tc, test_overlong_truncate_discards);
	tcase_add_test(tc, test_overlong_truncate_eof);
	tcase_add_test(tc, test_overlong_partial_eof);
	tcase_add_test(tc, test_overlong_count_per_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("delimiter");
	tcase_add_test(tc, test_delim_nul_cuts);
	tcase_add_test(tc, test_delim_lfnul_cuts);
	tcase_add_test(tc, test_delim_cuts_blocks);
	tcase_add_test(tc, test_delim_pair_reads);
	tcase_add_test(tc, test_delim_nul_overlong);
	tcase_add_test(tc, test_delim_lfnul_overlong);
	tcase_add_test(tc, test_delim_bound_partial);
	tcase_add_test(tc, test_delim_conf_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("raw");
	tcase_add_test(tc, test_raw_chunks);
	tcase_add_test(tc, test_raw_bounds);
	tcase_add_test(tc, test_raw_no_framing);
	tcase_add_test(tc, test_raw_random);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_simd_modes(proto_suite) == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE);
}
