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
 * Unit tests of mode = octet-counted (proto_octet.c) and mode = syslog
 * (proto_syslog.c), through the fake connection of common.c.  Frames
 * must give the same records, counters and end however the input is cut
 * into reads (at every point into two reads, at every pair of points
 * into three); each hostile MSG-LEN gives its framing-error record, its
 * diagnostic and the framing error reason; frames longer than max_line
 * follow each overlong policy; a connection that ends inside a frame
 * gives a partial record.  In mode = syslog the first byte of the
 * connection chooses its framing for good.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

#define P		FAKE_LISTENER " " FAKE_PEER
#define SMALL		8	/* max_line of the overlong tests */
#define NOCUT		((size_t)-1)

/* What one connection came to. */
struct result {
	char			*out;		/* owned, the sink's text */
	struct listener_stats	 st;
	enum conn_reason	 reason;	/* CONN_EOF or why it closed */
	char			 note[LISTENER_NOTE_LEN]; /* framing, or "" */
	size_t			 pending;	/* after the last read */
};

static void	 run(enum lconf_mode, size_t, enum lconf_overlong,
		    const char *, size_t, size_t, size_t, struct result *);
static void	 same(const struct result *, const struct result *,
		    size_t, size_t);
static void	 check_all_cuts(enum lconf_mode, size_t, enum lconf_overlong,
		    const char *, size_t, const char *, enum conn_reason);
static void	 check_one(enum lconf_mode, size_t, enum lconf_overlong,
		    const char *, size_t, const char *, enum conn_reason,
		    const char *);

/*
 * One connection: in, cut into reads at offsets a and b (NOCUT: none),
 * until the protocol asks to close; then the end, as conn.c does it.
 */
static void
run(enum lconf_mode mode, size_t max, enum lconf_overlong overlong,
    const char *in, size_t len, size_t a, size_t b, struct result *r)
{
	struct fake	*f;
	size_t		 cut[3], off = 0, i, n = 0;
	int		 rc = 0;

	if (a != NOCUT)
		cut[n++] = a;
	if (b != NOCUT)
		cut[n++] = b;
	cut[n++] = len;
	f = fake_new(mode, max, overlong);
	for (i = 0; i < n && rc == 0; i++) {
		if (cut[i] > off)
			rc = fake_feed(f, in + off, cut[i] - off);
		off = cut[i];
	}
	r->reason = rc == 0 ? CONN_EOF : f->reason;
	r->pending = fake_pending(f);
	fake_eof(f, r->reason);
	r->st = f->l.stats;
	ck_assert_uint_eq(f->c->records, f->l.stats.records);
	(void)snprintf(r->note, sizeof r->note, "%s",
	    f->l.notes[NOTE_FRAMING].text);
	r->out = fake_output(f);
	fake_free(f);
}

/* Two runs of the same input came to the same. */
static void
same(const struct result *r, const struct result *ref, size_t a, size_t b)
{
	ck_assert_msg(strcmp(r->out, ref->out) == 0,
	    "cuts %zd %zd:\n%s\nwanted:\n%s", (ssize_t)a, (ssize_t)b, r->out,
	    ref->out);
	ck_assert_int_eq(r->reason, ref->reason);
	ck_assert_str_eq(r->note, ref->note);
	ck_assert_uint_eq(r->st.records, ref->st.records);
	ck_assert_uint_eq(r->st.overlong, ref->st.overlong);
	ck_assert_uint_eq(r->st.partial, ref->st.partial);
	ck_assert_uint_eq(r->st.framing_errors, ref->st.framing_errors);
}

/*
 * in gives want and ends with reason whole, cut in two at every point,
 * and cut in three at every pair of points.  A framing error ends a
 * connection at once, so its record holds what the read that found it
 * brought: inputs with one are cut only before their bad MSG-LEN.
 */
static void
check_all_cuts(enum lconf_mode mode, size_t max, enum lconf_overlong
    overlong, const char *in, size_t len, const char *want,
    enum conn_reason reason)
{
	struct result	ref, r;
	size_t		a, b;

	run(mode, max, overlong, in, len, NOCUT, NOCUT, &ref);
	ck_assert_str_eq(ref.out, want);
	ck_assert_int_eq(ref.reason, reason);
	for (a = 0; a <= len; a++) {
		run(mode, max, overlong, in, len, a, NOCUT, &r);
		same(&r, &ref, a, NOCUT);
		free(r.out);
		for (b = a; b <= len; b++) {
			run(mode, max, overlong, in, len, a, b, &r);
			same(&r, &ref, a, b);
			free(r.out);
		}
	}
	free(ref.out);
}

/* in, whole, gives want, ends with reason and notes note ("": none). */
static void
check_one(enum lconf_mode mode, size_t max, enum lconf_overlong overlong,
    const char *in, size_t len, const char *want, enum conn_reason reason,
    const char *note)
{
	struct result	r;

	run(mode, max, overlong, in, len, NOCUT, NOCUT, &r);
	ck_assert_str_eq(r.out, want);
	ck_assert_int_eq(r.reason, reason);
	ck_assert_str_eq(r.note, note);
	ck_assert_uint_eq(r.st.framing_errors, reason == CONN_FRAMING);
	ck_assert_uint_eq(r.st.bytes, len);
	free(r.out);
}

/*
 * Good frames: one byte, an LF inside and at the end (data), a CRLF, a
 * NUL, TAB, UTF-8, a frame holding what looks like a frame, a MSG-LEN of
 * two digits.
 */
static const char good_in[] =
    "1 x"
    "10 two\nlines\n"
    "5 a\r\nb\0"
    "9 tab\t\xc3\xa9!!!"
    "5 3 abc"
    "10 0123456789";
static const char good_out[] =
    P ": x\n"
    P ": two\\x0alines\\x0a\n"
    P ": a\\x0d\\x0ab\\x00\n"
    P ": tab\\t\xc3\xa9!!!\n"
    P ": 3 abc\n"
    P ": 0123456789\n";

START_TEST(test_registry)
{
	ck_assert_ptr_eq(proto_find(MODE_OCTET), &proto_octet_ops);
	ck_assert_ptr_eq(proto_find(MODE_SYSLOG), &proto_syslog_ops);
	ck_assert_str_eq(lconf_mode_string(MODE_OCTET), "octet-counted");
	ck_assert_str_eq(lconf_mode_string(MODE_SYSLOG), "syslog");
	ck_assert_str_eq(proto_name(MODE_OCTET), "octet-counted");
	ck_assert_ptr_null(proto_name(MODE_SYSLOG + 1));
}
END_TEST

START_TEST(test_good_whole)
{
	struct result	r;

	run(MODE_OCTET, 64, OVERLONG_TRUNCATE, good_in, sizeof good_in - 1,
	    NOCUT, NOCUT, &r);
	ck_assert_str_eq(r.out, good_out);
	ck_assert_int_eq(r.reason, CONN_EOF);
	ck_assert_uint_eq(r.st.records, 6);
	ck_assert_uint_eq(r.st.bytes, sizeof good_in - 1);
	ck_assert_uint_eq(r.st.partial, 0);
	ck_assert_uint_eq(r.st.overlong, 0);
	ck_assert_uint_eq(r.st.framing_errors, 0);
	ck_assert_uint_eq(r.pending, 0);
	ck_assert_str_eq(r.note, "");
	free(r.out);
}
END_TEST

/* Every frame cut at every byte, across two reads and across three. */
START_TEST(test_good_cuts)
{
	check_all_cuts(MODE_OCTET, 64, OVERLONG_TRUNCATE, good_in,
	    sizeof good_in - 1, good_out, CONN_EOF);
}
END_TEST

/* max_line exactly the longest frame: nothing is overlong. */
START_TEST(test_good_exact_fit)
{
	check_all_cuts(MODE_OCTET, 10, OVERLONG_CLOSE, good_in,
	    sizeof good_in - 1, good_out, CONN_EOF);
}
END_TEST

/*
 * Thousands of frames in one read, in batches: the same records as one
 * frame a read; a batch with a byte text must escape in it still
 * escapes (the memory sink fails a plain batch that is not).
 */
START_TEST(test_batches)
{
	struct fake	*f;
	char		*in, *want, *out, *o, *w, msg[64];
	size_t		 i, n = 3000, off;
	int		 len;

	in = xmalloc(n * 80);
	want = xmalloc(n * 120);
	o = in;
	w = want;
	for (i = 0; i < n; i++) {
		len = snprintf(msg, sizeof msg, "<13>1 - host app - - - m%zu%s",
		    i, i == 1234 ? "\t" : "");
		o += sprintf(o, "%d %s", len, msg);
		w += sprintf(w, P ": <13>1 - host app - - - m%zu%s\n", i,
		    i == 1234 ? "\\t" : "");
	}
	f = fake_new(MODE_OCTET, 64, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, in, o - in), 0);
	ck_assert_uint_eq(fake_pending(f), 0);
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(f->l.stats.records, n);
	free(out);
	fake_free(f);

	/* One frame a read. */
	f = fake_new(MODE_OCTET, 64, OVERLONG_TRUNCATE);
	for (off = 0; off < (size_t)(o - in); off += len) {
		len = 1;
		while (in[off + len - 1] != ' ')
			len++;
		len += atoi(in + off);
		ck_assert_int_eq(fake_feed(f, in + off, len), 0);
	}
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out, want);
	free(out);
	fake_free(f);

	/* Reads of 1000 bytes. */
	f = fake_new(MODE_OCTET, 64, OVERLONG_TRUNCATE);
	for (off = 0; off < (size_t)(o - in); off += len) {
		len = (size_t)(o - in) - off < 1000 ? (size_t)(o - in) - off :
		    1000;
		ck_assert_int_eq(fake_feed(f, in + off, len), 0);
	}
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out, want);
	free(out);
	fake_free(f);
	free(in);
	free(want);
}
END_TEST

/* The connection ends inside a frame: what came of it, partial. */
START_TEST(test_partial)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "5 hel", P " [partial]: hel\n" },
		{ "3 abc5 hello12", P ": abc\n" P ": hello\n"
		    P " [partial]: 12\n" },
		{ "3 abc5 ", P ": abc\n" P " [partial]: \n" },
		{ "3 abc5", P ": abc\n" P " [partial]: 5\n" },
		{ "123456789", P " [partial]: 123456789\n" },
		{ "7 a\nb\r", P " [partial]: a\\x0ab\\x0d\n" },
		{ "3 abc", P ": abc\n" },
	};
	struct result	r;
	size_t		i;

	for (i = 0; i < nitems(t); i++) {
		check_all_cuts(MODE_OCTET, 64, OVERLONG_TRUNCATE, t[i].in,
		    strlen(t[i].in), t[i].out, CONN_EOF);
		run(MODE_OCTET, 64, OVERLONG_TRUNCATE, t[i].in,
		    strlen(t[i].in), NOCUT, NOCUT, &r);
		ck_assert_uint_eq(r.st.partial, i < nitems(t) - 1);
		ck_assert_uint_eq(r.st.framing_errors, 0);
		free(r.out);
	}
	/* A partial MSG-LEN longer than max_line is cut too. */
	check_one(MODE_OCTET, 4, OVERLONG_TRUNCATE, "123456", 6,
	    P " [partial,truncated]: 1234\n", CONN_EOF, "");
}
END_TEST

/*
 * Frames longer than max_line (SMALL), one of max_line + 1, one of
 * exactly max_line and one of twice it, under each policy.
 */
static const char long_in[] =
    "5 short"
    "20 0123456789abcdefghij"
    "9 012345678"
    "8 01234567"
    "16 0123456789abcdef"
    "3 end";

START_TEST(test_overlong_truncate)
{
	struct result	r;

	check_all_cuts(MODE_OCTET, SMALL, OVERLONG_TRUNCATE, long_in,
	    sizeof long_in - 1,
	    P ": short\n"
	    P " [truncated]: 01234567\n"
	    P " [truncated]: 01234567\n"
	    P ": 01234567\n"
	    P " [truncated]: 01234567\n"
	    P ": end\n", CONN_EOF);
	run(MODE_OCTET, SMALL, OVERLONG_TRUNCATE, long_in, sizeof long_in - 1,
	    NOCUT, NOCUT, &r);
	ck_assert_uint_eq(r.st.overlong, 3);
	ck_assert_uint_eq(r.st.records, 6);
	ck_assert_uint_eq(r.st.partial, 0);
	free(r.out);
}
END_TEST

START_TEST(test_overlong_split)
{
	struct result	r;

	check_all_cuts(MODE_OCTET, SMALL, OVERLONG_SPLIT, long_in,
	    sizeof long_in - 1,
	    P ": short\n"
	    P " [split]: 01234567\n"
	    P " [split]: 89abcdef\n"
	    P ": ghij\n"
	    P " [split]: 01234567\n"
	    P ": 8\n"
	    P ": 01234567\n"
	    P " [split]: 01234567\n"
	    P ": 89abcdef\n"
	    P ": end\n", CONN_EOF);
	run(MODE_OCTET, SMALL, OVERLONG_SPLIT, long_in, sizeof long_in - 1,
	    NOCUT, NOCUT, &r);
	ck_assert_uint_eq(r.st.overlong, 3);
	ck_assert_uint_eq(r.st.records, 10);
	free(r.out);
}
END_TEST

START_TEST(test_overlong_close)
{
	struct result	r;

	check_all_cuts(MODE_OCTET, SMALL, OVERLONG_CLOSE, long_in,
	    sizeof long_in - 1,
	    P ": short\n"
	    P " [truncated]: 01234567\n", CONN_TOO_LONG);
	run(MODE_OCTET, SMALL, OVERLONG_CLOSE, long_in, sizeof long_in - 1,
	    NOCUT, NOCUT, &r);
	ck_assert_uint_eq(r.st.overlong, 1);
	ck_assert_uint_eq(r.st.records, 2);
	free(r.out);
}
END_TEST

/*
 * The truncated frame's rest is skipped exactly, across reads, and so is
 * what looks like a frame inside it; the end inside the skipped rest
 * gives no record more.
 */
START_TEST(test_overlong_skip_exact)
{
	check_all_cuts(MODE_OCTET, 4, OVERLONG_TRUNCATE,
	    "12 ab3 xyz3 xyz2 ok", 19,
	    P " [truncated]: ab3 \n"
	    P ": ok\n", CONN_EOF);
	check_all_cuts(MODE_OCTET, 4, OVERLONG_TRUNCATE, "12 ab3 xyz", 10,
	    P " [truncated]: ab3 \n", CONN_EOF);
}
END_TEST

/*
 * 999999999: a valid MSG-LEN, so an overlong frame under each policy
 * (counted as soon as MSG-LEN is read), then partial at the end.
 */
START_TEST(test_msglen_999999999)
{
	static const char	in[] = "999999999 hello";
	static const char	lin[] = "999999999 0123456789ab";
	struct result		r;
	enum lconf_overlong	ol;

	for (ol = OVERLONG_TRUNCATE; ol <= OVERLONG_CLOSE; ol++) {
		check_all_cuts(MODE_OCTET, SMALL, ol, in, sizeof in - 1,
		    P " [partial]: hello\n", CONN_EOF);
		run(MODE_OCTET, SMALL, ol, in, sizeof in - 1, NOCUT, NOCUT,
		    &r);
		ck_assert_uint_eq(r.st.overlong, 1);
		ck_assert_uint_eq(r.st.partial, 1);
		ck_assert_uint_eq(r.pending, 5);
		free(r.out);
	}
	check_all_cuts(MODE_OCTET, SMALL, OVERLONG_TRUNCATE, lin,
	    sizeof lin - 1, P " [truncated]: 01234567\n", CONN_EOF);
	check_all_cuts(MODE_OCTET, SMALL, OVERLONG_SPLIT, lin, sizeof lin - 1,
	    P " [split]: 01234567\n" P " [partial]: 89ab\n", CONN_EOF);
	check_all_cuts(MODE_OCTET, SMALL, OVERLONG_CLOSE, lin, sizeof lin - 1,
	    P " [truncated]: 01234567\n", CONN_TOO_LONG);
}
END_TEST

/* Hostile MSG-LENs: the record, the diagnostic, the counter, the end. */
START_TEST(test_msglen_hostile)
{
	static const struct {
		const char	*in;
		const char	*out;
		const char	*note;
	} t[] = {
		{ "0 x", P " [framing-error]: 0 x\n",
		    "framing error: MSG-LEN starts with '0', closing" },
		{ "3 abc000012 abcdefghijkl",
		    P ": abc\n" P " [framing-error]: 000012 abcdefghijkl\n",
		    "framing error: MSG-LEN starts with '0', closing" },
		{ "1234567890 x", P " [framing-error]: 1234567890 x\n",
		    "framing error: MSG-LEN '1234567890' has more than 9 "
		    "digits, closing" },
		{ "12a bcd", P " [framing-error]: 12a bcd\n",
		    "framing error: MSG-LEN '12a' is not a number, closing" },
		{ "12<13>no space", P " [framing-error]: 12<13>no space\n",
		    "framing error: MSG-LEN '12' is followed by '<', not SP, "
		    "closing" },
		{ "5\nhello", P " [framing-error]: 5\\x0ahello\n",
		    "framing error: MSG-LEN '5' is followed by '\\x0a', not SP, "
		    "closing" },
		{ "<13>line\n", P " [framing-error]: <13>line\\x0a\n",
		    "framing error: MSG-LEN '<' is not a number, closing" },
		{ " 5 abcde", P " [framing-error]:  5 abcde\n",
		    "framing error: MSG-LEN '\\x20' is not a number, closing" },
		{ "3 abc5 hello'", P ": abc\n" P ": hello\n"
		    P " [framing-error]: '\n",
		    "framing error: MSG-LEN '\\x27' is not a number, closing" },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		check_one(MODE_OCTET, 64, OVERLONG_TRUNCATE, t[i].in,
		    strlen(t[i].in), t[i].out, CONN_FRAMING, t[i].note);
	check_one(MODE_OCTET, 64, OVERLONG_TRUNCATE, "1'", 2,
	    P " [framing-error]: 1'\n", CONN_FRAMING,
	    "framing error: MSG-LEN '1' is followed by '\\x27', not SP, "
	    "closing");
}
END_TEST

/*
 * A bad MSG-LEN whose first digits came in earlier reads: they start the
 * record.  Frames before it are out already, whatever the cuts; the
 * record holds the read that found the error, from the MSG-LEN on.
 */
START_TEST(test_framing_across_reads)
{
	static const char	in[] = "3 abc12a bcd";
	struct result		r;
	size_t			a;

	for (a = 5; a <= 7; a++) {
		run(MODE_OCTET, 64, OVERLONG_SPLIT, in, sizeof in - 1, a,
		    NOCUT, &r);
		ck_assert_str_eq(r.out, P ": abc\n"
		    P " [framing-error]: 12a bcd\n");
		ck_assert_int_eq(r.reason, CONN_FRAMING);
		ck_assert_str_eq(r.note,
		    "framing error: MSG-LEN '12a' is not a number, closing");
		free(r.out);
	}
	/* Three reads: "12", "345678", "9012 x". */
	run(MODE_OCTET, 64, OVERLONG_SPLIT, "123456789012 x", 14, 2, 8, &r);
	ck_assert_str_eq(r.out, P " [framing-error]: 123456789012 x\n");
	ck_assert_str_eq(r.note, "framing error: MSG-LEN '1234567890' has "
	    "more than 9 digits, closing");
	ck_assert_uint_eq(r.st.framing_errors, 1);
	ck_assert_uint_eq(r.st.records, 1);
	free(r.out);
	/* The rest of the read, no more: later bytes are not read. */
	run(MODE_OCTET, 64, OVERLONG_SPLIT, "3 abc12a bcd", 12, 9, NOCUT, &r);
	ck_assert_str_eq(r.out, P ": abc\n" P " [framing-error]: 12a \n");
	free(r.out);
}
END_TEST

/* The framing-error record is max_line bytes at most, then truncated. */
START_TEST(test_framing_max_line)
{
	check_one(MODE_OCTET, SMALL, OVERLONG_SPLIT, "12a 0123456789", 14,
	    P " [truncated,framing-error]: 12a 0123\n", CONN_FRAMING,
	    "framing error: MSG-LEN '12a' is not a number, closing");
	check_one(MODE_OCTET, SMALL, OVERLONG_SPLIT, "12a 0123", 8,
	    P " [framing-error]: 12a 0123\n", CONN_FRAMING,
	    "framing error: MSG-LEN '12a' is not a number, closing");
	check_one(MODE_OCTET, 2, OVERLONG_SPLIT, "1234567890", 10,
	    P " [truncated,framing-error]: 12\n", CONN_FRAMING,
	    "framing error: MSG-LEN '1234567890' has more than 9 digits, "
	    "closing");
}
END_TEST

/* JSON says framing_error too. */
START_TEST(test_framing_json)
{
	struct fake	*f;
	char		*out;

	f = fake_new(MODE_OCTET, 64, OVERLONG_TRUNCATE);
	f->lc->format = FORMAT_JSON;
	ck_assert_int_eq(fake_feed(f, "2 ok12a", 7), -1);
	ck_assert_int_eq(f->reason, CONN_FRAMING);
	fake_eof(f, f->reason);
	out = fake_output(f);
	ck_assert_str_eq(out,
	    "{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\","
	    "\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,\"event\":"
	    "\"data\",\"data\":\"ok\"}\n"
	    "{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\","
	    "\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,\"event\":"
	    "\"data\",\"data\":\"12a\",\"framing_error\":true}\n");
	free(out);
	fake_free(f);
}
END_TEST

/* Bytes kept are bounded by max_line (MSG) or 9 (MSG-LEN digits). */
START_TEST(test_pending_bound)
{
	struct fake	*f;
	size_t		 i;

	f = fake_new(MODE_OCTET, SMALL, OVERLONG_SPLIT);
	ck_assert_int_eq(fake_feed(f, "1234", 4), 0);
	ck_assert_uint_eq(fake_pending(f), 4);
	ck_assert_int_eq(fake_feed(f, "5 ", 2), 0);
	ck_assert_uint_eq(fake_pending(f), 0);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(fake_feed(f, "x", 1), 0);
		ck_assert_uint_lt(fake_pending(f), SMALL);
	}
	fake_eof(f, CONN_EOF);
	fake_free(f);
}
END_TEST

/* mode = syslog: a digit first means octet counting, for good. */
START_TEST(test_syslog_octet)
{
	check_all_cuts(MODE_SYSLOG, 64, OVERLONG_TRUNCATE, good_in,
	    sizeof good_in - 1, good_out, CONN_EOF);
	/* A later frame is not guessed again: "<" is a bad MSG-LEN. */
	check_one(MODE_SYSLOG, 64, OVERLONG_TRUNCATE, "5 hello<13>x\n", 13,
	    P ": hello\n" P " [framing-error]: <13>x\\x0a\n", CONN_FRAMING,
	    "framing error: MSG-LEN '<' is not a number, closing");
	check_all_cuts(MODE_SYSLOG, 64, OVERLONG_TRUNCATE, "5 hello3 ab", 11,
	    P ": hello\n" P " [partial]: ab\n", CONN_EOF);
	check_all_cuts(MODE_SYSLOG, SMALL, OVERLONG_CLOSE, long_in,
	    sizeof long_in - 1,
	    P ": short\n"
	    P " [truncated]: 01234567\n", CONN_TOO_LONG);
}
END_TEST

/*
 * Anything else first means lines, for good: a line that starts with a
 * digit later is data, not a frame.  (NUL ends records too once the line
 * framer honours delimiter = lf-or-nul; these use LF.)
 */
START_TEST(test_syslog_lines)
{
	check_all_cuts(MODE_SYSLOG, 64, OVERLONG_TRUNCATE,
	    "<13>first\n12 not a frame\n5 hello\ntail", 37,
	    P ": <13>first\n"
	    P ": 12 not a frame\n"
	    P ": 5 hello\n"
	    P " [partial]: tail\n", CONN_EOF);
	check_all_cuts(MODE_SYSLOG, 64, OVERLONG_TRUNCATE,
	    "<13>multi\n2026 line\r\n", 21,
	    P ": <13>multi\n"
	    P ": 2026 line\n", CONN_EOF);
	check_all_cuts(MODE_SYSLOG, SMALL, OVERLONG_SPLIT,
	    "hello world\n", 12,
	    P " [split]: hello wo\n"
	    P ": rld\n", CONN_EOF);
}
END_TEST

/* Each connection chooses for itself. */
START_TEST(test_syslog_per_connection)
{
	struct fake	*a, *b;
	char		*out;

	a = fake_new(MODE_SYSLOG, 64, OVERLONG_TRUNCATE);
	b = fake_new(MODE_SYSLOG, 64, OVERLONG_TRUNCATE);
	ck_assert_uint_eq(fake_pending(a), 0);
	ck_assert_int_eq(fake_feed(a, "3 a\nb", 5), 0);
	ck_assert_int_eq(fake_feed(b, "<1>x\n", 5), 0);
	ck_assert_int_eq(fake_feed(b, "3 a\nb", 5), 0);
	ck_assert_int_eq(fake_feed(b, "c\n", 2), 0);
	ck_assert_int_eq(fake_feed(a, "4 ", 2), 0);
	ck_assert_uint_eq(fake_pending(a), 0);
	ck_assert_uint_eq(fake_pending(b), 0);
	fake_eof(a, CONN_EOF);
	fake_eof(b, CONN_EOF);
	out = fake_output(a);
	ck_assert_str_eq(out, P ": a\\x0ab\n" P " [partial]: \n");
	free(out);
	out = fake_output(b);
	ck_assert_str_eq(out, P ": <1>x\n" P ": 3 a\n" P ": bc\n");
	free(out);
	fake_free(a);
	fake_free(b);

	/* Nothing received: nothing chosen, nothing written. */
	a = fake_new(MODE_SYSLOG, 64, OVERLONG_TRUNCATE);
	fake_eof(a, CONN_EOF);
	out = fake_output(a);
	ck_assert_str_eq(out, "");
	free(out);
	fake_free(a);
}
END_TEST

static Suite *
octet_suite(void)
{
	Suite	*s = suite_create("proto_octet");
	TCase	*tc;

	tc = tcase_create("frames");
	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_good_whole);
	tcase_add_test(tc, test_good_cuts);
	tcase_add_test(tc, test_good_exact_fit);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_pending_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("overlong");
	tcase_add_test(tc, test_overlong_truncate);
	tcase_add_test(tc, test_overlong_split);
	tcase_add_test(tc, test_overlong_close);
	tcase_add_test(tc, test_overlong_skip_exact);
	tcase_add_test(tc, test_msglen_999999999);
	suite_add_tcase(s, tc);

	tc = tcase_create("framing");
	tcase_add_test(tc, test_msglen_hostile);
	tcase_add_test(tc, test_framing_across_reads);
	tcase_add_test(tc, test_framing_max_line);
	tcase_add_test(tc, test_framing_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("syslog");
	tcase_add_test(tc, test_syslog_octet);
	tcase_add_test(tc, test_syslog_lines);
	tcase_add_test(tc, test_syslog_per_connection);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_simd_modes(octet_suite) == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE);
}
