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
 * Unit tests of format.c: escaping of received bytes (every byte value,
 * valid and invalid UTF-8, C1 controls), RFC 3339 timestamps, the text
 * line of each record type and flag combination, and format_text_max()
 * as an upper bound.  JSON lines likewise: the exact object of each
 * record type and flag combination, string escaping of every byte value,
 * base64 for anything that is not UTF-8, and format_json_max() as an
 * upper bound; every JSON line is checked by a small strict parser and
 * decoded back to the received bytes.  Records parsed as syslog: the
 * exact "syslog" object of messages of real senders, SD-PARAM escapes
 * undone, repeated SD-IDs and names grouped, invalid UTF-8 in fields,
 * every facility and severity, and the bound in the worst cases, each
 * line checked by jsoncheck.c (strict RFC 8259, no duplicate keys).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "common.h"
#include "fuzz/jsoncheck.h"

#define TV_EXAMPLE	1795854175	/* 2026-11-28T08:22:55Z */

#define JSON_MAX_MEMBERS 12

/* One "key":value of a parsed JSON line. */
struct jmember {
	char	 key[16];
	int	 type;		/* 's' string, 'n' number, 't' true */
	u_char	*value;		/* owned, decoded, NUL ended */
	size_t	 len;
};

/* The one object of a JSON line, members in order. */
struct jline {
	struct jmember	 m[JSON_MAX_MEMBERS];
	size_t		 n;
};

static char	*escape(const void *, size_t);
static void	 check_escape(const void *, size_t, const char *);
static char	*text(const struct record *, int);
static void	 record_data(struct record *, const char *, int);
static int	 utf8_scan(const u_char *, size_t, int);
static int	 utf8_ok(const u_char *, size_t);
static int	 utf8_valid(const u_char *, size_t);
static size_t	 utf8_put(u_char *, u_int);
static void	 check_time(time_t, long, const char *);
static void	 random_record(struct record *, struct timeval *,
		    const char *const *, size_t);
static int	 json_hex(char);
static int	 json_must_u(u_int);
static const char *json_string(const char *, const char *, u_char *,
		    size_t *);
static void	 json_parse(const char *, size_t, struct jline *);
static void	 json_free(struct jline *);
static const struct jmember *json_get(const struct jline *, const char *);
static char	*json(const struct record *, int);
static char	*json_keys(const char *);
static u_char	*json_data(const char *, size_t *, int *);
static void	 check_json(const void *, size_t, const char *,
		    const char *);
static void	 check_json_lossless(const u_char *, size_t);
static char	*syslog_json(const void *, size_t, int);
static int	 b64_value(char);
static size_t	 unbase64(u_char *, const char *, size_t);

static const struct timeval	example_tv = { TV_EXAMPLE, 123456 };

/* format_escape() of src as a NUL-terminated string. */
static char *
escape(const void *src, size_t len)
{
	char	*out;
	size_t	 n;

	out = xmalloc(format_escape_max(len) + 1);
	n = format_escape(out, src, len);
	ck_assert_uint_le(n, format_escape_max(len));
	out[n] = '\0';
	return (out);
}

#define CHECK_ESCAPE(s, want)	check_escape((s), sizeof (s) - 1, (want))

static void
check_escape(const void *src, size_t len, const char *want)
{
	char	*got;

	got = escape(src, len);
	ck_assert_str_eq(got, want);
	free(got);
}

/* format_text() of rec as a NUL-terminated string. */
static char *
text(const struct record *rec, int ts)
{
	char	*out;
	size_t	 n;

	out = xmalloc(format_text_max(rec) + 1);
	n = format_text(out, rec, ts);
	ck_assert_uint_le(n, format_text_max(rec));
	out[n] = '\0';
	ck_assert_uint_eq(strlen(out), n);
	return (out);
}

static void
record_data(struct record *rec, const char *data, int flags)
{
	memset(rec, 0, sizeof *rec);
	rec->type = REC_DATA;
	rec->tv = &example_tv;
	rec->listener = "main";
	rec->peer = "127.0.0.1:40312";
	rec->data = (const u_char *)data;
	rec->len = strlen(data);
	rec->flags = flags;
}

/*
 * Is this well-formed UTF-8?  With controls set, also without C0, DEL or
 * C1 controls.
 */
static int
utf8_scan(const u_char *p, size_t len, int controls)
{
	size_t	i = 0, n, k;
	u_int	cp;

	while (i < len) {
		if (p[i] < 0x80) {
			if (controls && (p[i] < 0x20 || p[i] == 0x7f))
				return (0);
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
		} else
			return (0);
		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < (controls ? 0xa0 : 0x80)) ||
		    (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n;
	}
	return (1);
}

/* Is this well-formed UTF-8 without C0, DEL or C1 controls? */
static int
utf8_ok(const u_char *p, size_t len)
{
	return (utf8_scan(p, len, 1));
}

/* Is this well-formed UTF-8, controls or not? */
static int
utf8_valid(const u_char *p, size_t len)
{
	return (utf8_scan(p, len, 0));
}

/* Encode cp (U+0000..U+FFFF) as UTF-8; returns the length. */
static size_t
utf8_put(u_char *o, u_int cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return (2);
	}
	o[0] = 0xe0 | cp >> 12;
	o[1] = 0x80 | (cp >> 6 & 0x3f);
	o[2] = 0x80 | (cp & 0x3f);
	return (3);
}

START_TEST(test_escape_every_byte)
{
	u_char	 c;
	char	 want[8];
	int	 i;

	for (i = 0; i < 256; i++) {
		c = i;
		if (c == '\\')
			snprintf(want, sizeof want, "\\\\");
		else if (c == '\t')
			snprintf(want, sizeof want, "\\t");
		else if (c >= 0x20 && c < 0x7f)
			snprintf(want, sizeof want, "%c", c);
		else
			snprintf(want, sizeof want, "\\x%02x", c);
		check_escape(&c, 1, want);
	}
}
END_TEST

START_TEST(test_escape_named_bytes)
{
	CHECK_ESCAPE("\0", "\\x00");
	CHECK_ESCAPE("\n", "\\x0a");
	CHECK_ESCAPE("\r", "\\x0d");
	CHECK_ESCAPE("\033", "\\x1b");
	CHECK_ESCAPE("\177", "\\x7f");
	CHECK_ESCAPE("\377", "\\xff");
	CHECK_ESCAPE("\t", "\\t");
	CHECK_ESCAPE("\\", "\\\\");
	CHECK_ESCAPE(" ", " ");
	CHECK_ESCAPE("~", "~");
}
END_TEST

START_TEST(test_escape_empty)
{
	char	buf[4] = "xyz";

	ck_assert_uint_eq(format_escape(buf, (const u_char *)"", 0), 0);
	ck_assert_str_eq(buf, "xyz");
	ck_assert_uint_eq(format_escape_max(0), 0);
}
END_TEST

START_TEST(test_escape_ascii_runs)
{
	CHECK_ESCAPE("hello world", "hello world");
	CHECK_ESCAPE("a\\b", "a\\\\b");
	CHECK_ESCAPE("a\tb", "a\\tb");
	CHECK_ESCAPE("\\t", "\\\\t");
	CHECK_ESCAPE("\\x41", "\\\\x41");
	CHECK_ESCAPE("\\\\", "\\\\\\\\");
	CHECK_ESCAPE("a\177b", "a\\x7fb");
	CHECK_ESCAPE("\033[31mred\033[0m", "\\x1b[31mred\\x1b[0m");
	CHECK_ESCAPE("one\r\ntwo\n", "one\\x0d\\x0atwo\\x0a");
	CHECK_ESCAPE("nul\0byte", "nul\\x00byte");
}
END_TEST

START_TEST(test_escape_utf8_valid)
{
	/* 2, 3 and 4 bytes, the smallest and largest of each, U+00A0. */
	CHECK_ESCAPE("\xc2\xa0", "\xc2\xa0");
	CHECK_ESCAPE("caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_ESCAPE("\xdf\xbf", "\xdf\xbf");
	CHECK_ESCAPE("\xe0\xa0\x80", "\xe0\xa0\x80");
	CHECK_ESCAPE("\xe2\x82\xac", "\xe2\x82\xac");
	CHECK_ESCAPE("\xed\x9f\xbf", "\xed\x9f\xbf");
	CHECK_ESCAPE("\xee\x80\x80", "\xee\x80\x80");
	CHECK_ESCAPE("\xef\xbf\xbd", "\xef\xbf\xbd");
	CHECK_ESCAPE("\xef\xbf\xbf", "\xef\xbf\xbf");
	CHECK_ESCAPE("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");
	CHECK_ESCAPE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	CHECK_ESCAPE("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
	CHECK_ESCAPE("a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d",
	    "a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d");
}
END_TEST

START_TEST(test_escape_utf8_overlong)
{
	CHECK_ESCAPE("\xc0\xaf", "\\xc0\\xaf");
	CHECK_ESCAPE("\xc0\x80", "\\xc0\\x80");
	CHECK_ESCAPE("\xc1\xbf", "\\xc1\\xbf");
	CHECK_ESCAPE("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	CHECK_ESCAPE("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	CHECK_ESCAPE("\xf0\x80\x80\x80", "\\xf0\\x80\\x80\\x80");
	CHECK_ESCAPE("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
}
END_TEST

START_TEST(test_escape_utf8_surrogates)
{
	CHECK_ESCAPE("\xed\xa0\x80", "\\xed\\xa0\\x80");
	CHECK_ESCAPE("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	/* A CESU-8 pair stays invalid. */
	CHECK_ESCAPE("\xed\xa0\xbd\xed\xb8\x80",
	    "\\xed\\xa0\\xbd\\xed\\xb8\\x80");
}
END_TEST

START_TEST(test_escape_utf8_above_max)
{
	u_char	buf[4];
	char	want[20];
	int	c;

	CHECK_ESCAPE("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	CHECK_ESCAPE("\xf7\xbf\xbf\xbf", "\\xf7\\xbf\\xbf\\xbf");
	/* F5..FF never start a sequence. */
	for (c = 0xf5; c <= 0xff; c++) {
		buf[0] = c;
		buf[1] = buf[2] = buf[3] = 0x80;
		snprintf(want, sizeof want, "\\x%02x\\x80\\x80\\x80", c);
		check_escape(buf, 4, want);
	}
}
END_TEST

START_TEST(test_escape_utf8_stray_continuation)
{
	CHECK_ESCAPE("\x80", "\\x80");
	CHECK_ESCAPE("\xbf", "\\xbf");
	CHECK_ESCAPE("a\x80" "b", "a\\x80b");
	CHECK_ESCAPE("\xc3\xa9\xa9", "\xc3\xa9\\xa9");
	CHECK_ESCAPE("\x80\x80\x80", "\\x80\\x80\\x80");
	CHECK_ESCAPE("\xf0\x9f\x98\x80\x80", "\xf0\x9f\x98\x80\\x80");
}
END_TEST

START_TEST(test_escape_utf8_truncated)
{
	/* At the end of the data. */
	CHECK_ESCAPE("\xc3", "\\xc3");
	CHECK_ESCAPE("ab\xe2\x82", "ab\\xe2\\x82");
	CHECK_ESCAPE("\xf0\x9f\x98", "\\xf0\\x9f\\x98");
	CHECK_ESCAPE("\xf0\x9f", "\\xf0\\x9f");
	/* In the middle, cut by ASCII or by the start of another sequence. */
	CHECK_ESCAPE("\xc3" "A", "\\xc3A");
	CHECK_ESCAPE("\xe2\x82" "A", "\\xe2\\x82A");
	CHECK_ESCAPE("\xf0\x9f\x98" "A", "\\xf0\\x9f\\x98A");
	CHECK_ESCAPE("\xe2\x82\xe2\x82\xac", "\\xe2\\x82\xe2\x82\xac");
	CHECK_ESCAPE("\xf0\x9f\xc3\xa9", "\\xf0\\x9f\xc3\xa9");
	CHECK_ESCAPE("\xc3\n", "\\xc3\\x0a");
}
END_TEST

START_TEST(test_escape_c1_controls)
{
	u_char	buf[2];
	char	want[12];
	int	c;

	for (c = 0x80; c <= 0x9f; c++) {
		buf[0] = 0xc2;
		buf[1] = c;
		snprintf(want, sizeof want, "\\xc2\\x%02x", c);
		check_escape(buf, 2, want);
	}
	CHECK_ESCAPE("\xc2\x85", "\\xc2\\x85");
	CHECK_ESCAPE("a\xc2\x9b" "31m", "a\\xc2\\x9b31m");
	/* The first character after them passes. */
	CHECK_ESCAPE("\xc2\xa0", "\xc2\xa0");
	CHECK_ESCAPE("\xc2\xbf", "\xc2\xbf");
}
END_TEST

/* Random bytes, biased to UTF-8 lead and continuation bytes. */
START_TEST(test_escape_random_lossless)
{
	u_char	 in[64], back[64];
	char	*out;
	size_t	 len, n, i;
	int	 round;

	srandom(42);
	for (round = 0; round < 20000; round++) {
		len = random() % sizeof in;
		for (i = 0; i < len; i++) {
			switch (random() % 4) {
			case 0:
				in[i] = random() % 256;
				break;
			case 1:
				in[i] = 0x80 + random() % 64;
				break;
			case 2:
				in[i] = 0xc0 + random() % 64;
				break;
			default:
				in[i] = 0x20 + random() % 96;
				break;
			}
		}
		out = escape(in, len);
		n = strlen(out);
		ck_assert_msg(utf8_ok((u_char *)out, n),
		    "round %d: output not clean UTF-8", round);
		ck_assert_uint_eq(unescape(back, out, n), len);
		ck_assert_mem_eq(back, in, len);
		free(out);
	}
}
END_TEST

START_TEST(test_escape_max)
{
	u_char	in[256];
	char	out[1024];
	size_t	i;

	for (i = 0; i < sizeof in; i++)
		in[i] = 0x80 + i % 32;
	ck_assert_uint_eq(format_escape(out, in, sizeof in), sizeof in * 4);
	ck_assert_uint_eq(format_escape_max(sizeof in), sizeof in * 4);
	memset(in, 0, sizeof in);
	ck_assert_uint_eq(format_escape(out, in, sizeof in), sizeof in * 4);
}
END_TEST

/* format_time() writes exactly FORMAT_TIME_LEN bytes, no NUL. */
static void
check_time(time_t sec, long usec, const char *want)
{
	struct timeval	tv;
	char		buf[FORMAT_TIME_LEN + 2];

	memset(buf, '#', sizeof buf);
	tv.tv_sec = sec;
	tv.tv_usec = usec;
	format_time(buf, &tv);
	ck_assert_int_eq(buf[FORMAT_TIME_LEN], '#');
	buf[FORMAT_TIME_LEN] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(test_time_known)
{
	check_time(0, 0, "1970-01-01T00:00:00.000000Z");
	check_time(TV_EXAMPLE, 123456, "2026-11-28T08:22:55.123456Z");
	check_time(946684800, 1, "2000-01-01T00:00:00.000001Z");
	check_time(1709208000, 500000, "2024-02-29T12:00:00.500000Z");
	check_time(2147483648, 0, "2038-01-19T03:14:08.000000Z");
}
END_TEST

START_TEST(test_time_usec_bounds)
{
	check_time(TV_EXAMPLE, 0, "2026-11-28T08:22:55.000000Z");
	check_time(TV_EXAMPLE, 999999, "2026-11-28T08:22:55.999999Z");
	check_time(TV_EXAMPLE, 10, "2026-11-28T08:22:55.000010Z");
	check_time(TV_EXAMPLE, 100000, "2026-11-28T08:22:55.100000Z");
}
END_TEST

/* The date part is cached per second: a new second must replace it. */
START_TEST(test_time_cache)
{
	check_time(1798761599, 999999, "2026-12-31T23:59:59.999999Z");
	check_time(1798761599, 5, "2026-12-31T23:59:59.000005Z");
	check_time(1798761600, 0, "2027-01-01T00:00:00.000000Z");
	check_time(1798761599, 1, "2026-12-31T23:59:59.000001Z");
	check_time(TV_EXAMPLE, 7, "2026-11-28T08:22:55.000007Z");
	check_time(TV_EXAMPLE + 86400, 7, "2026-11-29T08:22:55.000007Z");
	check_time(TV_EXAMPLE + 1, 7, "2026-11-28T08:22:56.000007Z");
}
END_TEST

START_TEST(test_text_data)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "hello world", 0);
	s = text(&rec, 0);
	ck_assert_str_eq(s, "main 127.0.0.1:40312: hello world\n");
	free(s);
	s = text(&rec, 1);
	ck_assert_str_eq(s,
	    "2026-11-28T08:22:55.123456Z main 127.0.0.1:40312: hello world\n");
	free(s);
}
END_TEST

START_TEST(test_text_data_escaped)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "a\nb\r\tc\\\033", 0);
	s = text(&rec, 0);
	ck_assert_str_eq(s,
	    "main 127.0.0.1:40312: a\\x0ab\\x0d\\tc\\\\\\x1b\n");
	free(s);

	/* Data with a NUL in it. */
	rec.data = (const u_char *)"x\0y";
	rec.len = 3;
	s = text(&rec, 0);
	ck_assert_str_eq(s, "main 127.0.0.1:40312: x\\x00y\n");
	free(s);
}
END_TEST

START_TEST(test_text_data_empty)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "", 0);
	s = text(&rec, 0);
	ck_assert_str_eq(s, "main 127.0.0.1:40312: \n");
	free(s);
	rec.flags = REC_PARTIAL;
	s = text(&rec, 1);
	ck_assert_str_eq(s, "2026-11-28T08:22:55.123456Z main 127.0.0.1:40312 "
	    "[partial]: \n");
	free(s);
}
END_TEST

START_TEST(test_text_data_ipv6)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "hi", REC_SPLIT);
	rec.peer = "[::1]:5678";
	rec.listener = "web-1.x_y";
	s = text(&rec, 0);
	ck_assert_str_eq(s, "web-1.x_y [::1]:5678 [split]: hi\n");
	free(s);
}
END_TEST

START_TEST(test_text_flags)
{
	static const struct {
		int		 flags;
		const char	*want;
	} t[] = {
		{ 0, "main 127.0.0.1:40312: abc\n" },
		{ REC_PARTIAL, "main 127.0.0.1:40312 [partial]: abc\n" },
		{ REC_TRUNCATED, "main 127.0.0.1:40312 [truncated]: abc\n" },
		{ REC_SPLIT, "main 127.0.0.1:40312 [split]: abc\n" },
		{ REC_PARTIAL | REC_TRUNCATED,
		    "main 127.0.0.1:40312 [partial,truncated]: abc\n" },
		{ REC_PARTIAL | REC_SPLIT,
		    "main 127.0.0.1:40312 [partial,split]: abc\n" },
		{ REC_TRUNCATED | REC_SPLIT,
		    "main 127.0.0.1:40312 [truncated,split]: abc\n" },
		{ REC_PARTIAL | REC_TRUNCATED | REC_SPLIT,
		    "main 127.0.0.1:40312 [partial,truncated,split]: abc\n" },
	};
	struct record	 rec;
	char		*s, want[128];
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		record_data(&rec, "abc", t[i].flags);
		s = text(&rec, 0);
		ck_assert_str_eq(s, t[i].want);
		free(s);
		s = text(&rec, 1);
		snprintf(want, sizeof want, "2026-11-28T08:22:55.123456Z %s",
		    t[i].want);
		ck_assert_str_eq(s, want);
		free(s);
	}
}
END_TEST

START_TEST(test_text_connected)
{
	struct record	 rec;
	char		*s;

	memset(&rec, 0, sizeof rec);
	rec.type = REC_CONNECTED;
	rec.tv = &example_tv;
	rec.listener = "main";
	rec.peer = "127.0.0.1:40312";
	s = text(&rec, 0);
	ck_assert_str_eq(s, "main 127.0.0.1:40312 connected\n");
	free(s);
	s = text(&rec, 1);
	ck_assert_str_eq(s,
	    "2026-11-28T08:22:55.123456Z main 127.0.0.1:40312 connected\n");
	free(s);
}
END_TEST

START_TEST(test_text_disconnected)
{
	static const struct {
		enum conn_reason	 reason;
		const char		*text;
	} t[] = {
		{ CONN_EOF, "closed by peer" },
		{ CONN_RESET, "reset" },
		{ CONN_ERROR, "error" },
		{ CONN_TOO_LONG, "line too long" },
		{ CONN_SHUTDOWN, "shutdown" },
		{ CONN_TIMEOUT, "idle timeout" },
		{ CONN_RELOAD, "reload" },
	};
	struct record	 rec;
	char		*s, want[256];
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		ck_assert_str_eq(conn_reason_string(t[i].reason), t[i].text);
		memset(&rec, 0, sizeof rec);
		rec.type = REC_DISCONNECTED;
		rec.tv = &example_tv;
		rec.listener = "main";
		rec.peer = "[::1]:40312";
		rec.reason = t[i].reason;
		rec.records = 3;
		rec.bytes = 16420;
		s = text(&rec, 0);
		snprintf(want, sizeof want, "main [::1]:40312 disconnected "
		    "(%s) 3 records 16420 bytes\n", t[i].text);
		ck_assert_str_eq(s, want);
		free(s);
		s = text(&rec, 1);
		snprintf(want, sizeof want, "2026-11-28T08:22:55.123456Z "
		    "main [::1]:40312 disconnected (%s) 3 records 16420 "
		    "bytes\n", t[i].text);
		ck_assert_str_eq(s, want);
		free(s);
	}
}
END_TEST

START_TEST(test_text_disconnected_counts)
{
	struct record	 rec;
	char		*s;

	memset(&rec, 0, sizeof rec);
	rec.type = REC_DISCONNECTED;
	rec.tv = &example_tv;
	rec.listener = "main";
	rec.peer = "127.0.0.1:1";
	rec.reason = CONN_EOF;
	s = text(&rec, 0);
	ck_assert_str_eq(s, "main 127.0.0.1:1 disconnected (closed by peer) "
	    "0 records 0 bytes\n");
	free(s);
	rec.records = UINT64_MAX;
	rec.bytes = UINT64_MAX;
	s = text(&rec, 0);
	ck_assert_str_eq(s, "main 127.0.0.1:1 disconnected (closed by peer) "
	    "18446744073709551615 records 18446744073709551615 bytes\n");
	free(s);
}
END_TEST

/*
 * The fields of a random record for the bound tests but its data and
 * counts: type, time (in *tv), a listener name of 0 to 64 bytes, one of
 * the npeers peers, flags and reason.
 */
static void
random_record(struct record *rec, struct timeval *tv,
    const char *const *peers, size_t npeers)
{
	static char	name[CONF_NAME_MAX + 1];

	if (name[0] == '\0')
		memset(name, 'n', CONF_NAME_MAX);
	memset(rec, 0, sizeof *rec);
	tv->tv_sec = random();
	tv->tv_usec = random() % 1000000;
	rec->tv = tv;
	rec->type = random() % 3;
	rec->listener = name + random() % CONF_NAME_MAX;
	rec->peer = peers[random() % npeers];
	rec->flags = random() % 8;
	rec->reason = random() % (CONN_RELOAD + 1);
}

/*
 * format_text() never writes more than format_text_max(): random records
 * written into a buffer of exactly that size (AddressSanitizer sees any
 * overflow), with the longest names, peers and counts.
 */
START_TEST(test_text_max_bound)
{
	static const char *peers[] = {
		"1.2.3.4:5",
		"255.255.255.255:65535",
		"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
	};
	struct record	 rec;
	struct timeval	 tv;
	char		*out;
	u_char		 data[300];
	size_t		 i, n, max;
	int		 round;

	srandom(1);
	for (round = 0; round < 5000; round++) {
		random_record(&rec, &tv, peers, nitems(peers));
		rec.len = random() % sizeof data;
		for (i = 0; i < rec.len; i++)
			data[i] = random() % 2 ? random() % 256 : 0xff;
		rec.data = data;
		rec.records = random() % 2 ? UINT64_MAX : (uint64_t)random();
		rec.bytes = random() % 2 ? UINT64_MAX : (uint64_t)random();
		max = format_text_max(&rec);
		out = xmalloc(max);
		n = format_text(out, &rec, round % 2);
		ck_assert_uint_le(n, max);
		ck_assert_int_eq(out[n - 1], '\n');
		ck_assert_ptr_eq(memchr(out, '\n', n), out + n - 1);
		free(out);
	}
}
END_TEST

/*
 * A record with its label ("LISTENER PEER", made once per connection)
 * formats exactly as one without.
 */
START_TEST(test_text_label)
{
	static const char *peers[] = {
		"1.2.3.4:5",
		"[::1]:40312",
		"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
	};
	struct record	 rec;
	struct timeval	 tv;
	char		*label, *plain, *labelled;
	size_t		 n, m;
	int		 round;

	srandom(5);
	for (round = 0; round < 500; round++) {
		random_record(&rec, &tv, peers, nitems(peers));
		rec.data = (const u_char *)"data \\ \x01 caf\xc3\xa9";
		rec.len = strlen((const char *)rec.data);
		rec.records = random();
		rec.bytes = random();
		plain = xmalloc(format_text_max(&rec));
		n = format_text(plain, &rec, round % 2);
		rec.label_len = xasprintf(&label, "%s %s", rec.listener,
		    rec.peer);
		rec.label = label;
		labelled = xmalloc(format_text_max(&rec));
		m = format_text(labelled, &rec, round % 2);
		ck_assert_uint_eq(m, n);
		ck_assert_mem_eq(labelled, plain, n);
		free(label);
		free(plain);
		free(labelled);
	}
}
END_TEST

static int
json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	ck_abort_msg("bad hex digit '%c' in a \\u escape", c);
	return (-1);
}

/*
 * Code points that format_json() writes as \uXXXX: C0 controls without
 * a short escape, DEL, C1 controls, U+2028 and U+2029.
 */
static int
json_must_u(u_int cp)
{
	if (cp < 0x20)
		return (cp != '\b' && cp != '\f' && cp != '\n' && cp != '\r' &&
		    cp != '\t');
	return (cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
	    cp == 0x2029);
}

/*
 * Decode the JSON string at p (just after its opening quote) into dst;
 * returns where it ends, after the closing quote.  Strict about what
 * format_json() may write: no raw control byte, the short escapes where
 * they exist, lowercase \u escapes and only for what must be escaped.
 */
static const char *
json_string(const char *p, const char *end, u_char *dst, size_t *len)
{
	u_char	*o = dst;
	u_int	 cp;
	int	 i;

	for (;;) {
		if (p >= end)
			ck_abort_msg("unterminated string");
		if ((u_char)*p < 0x20 || *p == 0x7f)
			ck_abort_msg("raw byte 0x%02x in a string", (u_char)*p);
		if (*p == '"')
			break;
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (end - p < 2)
			ck_abort_msg("lone backslash at the end");
		switch (p[1]) {
		case '"':
		case '\\':
			*o++ = p[1];
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (end - p < 6)
				ck_abort_msg("short \\u escape");
			cp = 0;
			for (i = 2; i < 6; i++)
				cp = cp << 4 | json_hex(p[i]);
			if (!json_must_u(cp))
				ck_abort_msg("needless escape \\u%04x", cp);
			o += utf8_put(o, cp);
			p += 4;
			break;
		default:
			ck_abort_msg("unknown escape \\%c", p[1]);
		}
		p += 2;
	}
	*len = o - dst;
	return (p + 1);
}

/*
 * Parse a line of format_json(): one object of string, number and true
 * members, then a newline and nothing else; the whole line clean UTF-8
 * (no raw control byte, C1 control, U+2028 or U+2029).  Fails the test
 * on anything else.
 */
static void
json_parse(const char *line, size_t len, struct jline *j)
{
	const char	*p = line, *end = line + len - 1, *num;
	struct jmember	*m;
	u_char		*key;
	size_t		 klen, a, b;

	memset(j, 0, sizeof *j);
	if (len < 3 || line[len - 1] != '\n')
		ck_abort_msg("no newline at the end of the line");
	if (memchr(line, '\n', len - 1) != NULL)
		ck_abort_msg("newline inside the line");
	if (!utf8_ok((const u_char *)line, len - 1))
		ck_abort_msg("line is not clean UTF-8: %.*s", (int)len, line);
	for (a = 0; a + 3 <= len; a++) {
		if ((u_char)line[a] == 0xe2 && (u_char)line[a + 1] == 0x80 &&
		    ((u_char)line[a + 2] == 0xa8 ||
		    (u_char)line[a + 2] == 0xa9))
			ck_abort_msg("raw U+2028 or U+2029 at %zu", a);
	}
	if (*p++ != '{')
		ck_abort_msg("line does not start with '{'");
	key = xmalloc(len);
	for (;;) {
		if (j->n == JSON_MAX_MEMBERS)
			ck_abort_msg("too many members");
		m = &j->m[j->n++];
		if (p >= end || *p++ != '"')
			ck_abort_msg("expected a key at %td", p - 1 - line);
		p = json_string(p, end, key, &klen);
		if (klen == 0 || klen >= sizeof m->key)
			ck_abort_msg("bad key length %zu", klen);
		memcpy(m->key, key, klen);
		m->key[klen] = '\0';
		if (p >= end || *p++ != ':')
			ck_abort_msg("expected ':' after \"%s\"", m->key);
		m->value = xmalloc(end - p + 1);
		if (p < end && *p == '"') {
			m->type = 's';
			p = json_string(p + 1, end, m->value, &m->len);
		} else if (p < end && *p >= '0' && *p <= '9') {
			m->type = 'n';
			for (num = p; p < end && *p >= '0' && *p <= '9'; p++)
				;
			if (*num == '0' && p - num > 1)
				ck_abort_msg("number with a leading zero");
			m->len = p - num;
			memcpy(m->value, num, m->len);
		} else if (end - p >= 4 && strncmp(p, "true", 4) == 0) {
			m->type = 't';
			m->len = 4;
			memcpy(m->value, p, 4);
			p += 4;
		} else
			ck_abort_msg("bad value of \"%s\"", m->key);
		m->value[m->len] = '\0';
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		ck_abort_msg("expected ',' or '}' at %td", p - line);
	}
	free(key);
	if (p != end)
		ck_abort_msg("text after the object");
	for (a = 0; a < j->n; a++) {
		for (b = a + 1; b < j->n; b++) {
			if (strcmp(j->m[a].key, j->m[b].key) == 0)
				ck_abort_msg("key %s twice", j->m[a].key);
		}
	}
}

static void
json_free(struct jline *j)
{
	size_t	i;

	for (i = 0; i < j->n; i++)
		free(j->m[i].value);
	j->n = 0;
}

static const struct jmember *
json_get(const struct jline *j, const char *key)
{
	size_t	i;

	for (i = 0; i < j->n; i++) {
		if (strcmp(j->m[i].key, key) == 0)
			return (&j->m[i]);
	}
	return (NULL);
}

/*
 * format_json() of rec as a NUL-terminated string, written into a
 * buffer of exactly format_json_max() bytes (AddressSanitizer sees any
 * overflow) and checked by json_parse().
 */
static char *
json(const struct record *rec, int ts)
{
	struct jline	 j;
	char		*buf, *out;
	size_t		 n, max;

	max = format_json_max(rec);
	buf = xmalloc(max);
	n = format_json(buf, rec, ts);
	/* Checked with if: a passing ck_assert costs a write(2). */
	if (n > max)
		ck_abort_msg("format_json() wrote %zu of %zu bytes", n, max);
	json_parse(buf, n, &j);
	json_free(&j);
	out = xmalloc(n + 1);
	memcpy(out, buf, n);
	out[n] = '\0';
	free(buf);
	return (out);
}

/* The keys of a JSON line, in order, separated by blanks. */
static char *
json_keys(const char *line)
{
	struct jline	 j;
	char		*keys, *o;
	size_t		 i, n;

	json_parse(line, strlen(line), &j);
	o = keys = xmalloc(j.n * sizeof j.m[0].key + 1);
	for (i = 0; i < j.n; i++) {
		n = strlen(j.m[i].key);
		if (i > 0)
			*o++ = ' ';
		memcpy(o, j.m[i].key, n);
		o += n;
	}
	*o = '\0';
	json_free(&j);
	return (keys);
}

/*
 * The received bytes back from a JSON data line: "data" decoded, or
 * "data_base64" decoded; *b64 says which it was.
 */
static u_char *
json_data(const char *line, size_t *len, int *b64)
{
	const struct jmember	*data, *data64;
	struct jline		 j;
	u_char			*out;

	json_parse(line, strlen(line), &j);
	data = json_get(&j, "data");
	data64 = json_get(&j, "data_base64");
	if ((data == NULL) == (data64 == NULL))
		ck_abort_msg("not one of data and data_base64: %s", line);
	if (data != NULL) {
		if (data->type != 's')
			ck_abort_msg("data is not a string");
		out = xmalloc(data->len + 1);
		memcpy(out, data->value, data->len);
		*len = data->len;
		*b64 = 0;
	} else {
		if (data64->type != 's')
			ck_abort_msg("data_base64 is not a string");
		out = xmalloc(data64->len + 1);
		*len = unbase64(out, (const char *)data64->value, data64->len);
		*b64 = 1;
	}
	json_free(&j);
	return (out);
}

static int
b64_value(char c)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;

	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return (-1);
	return (p - alphabet);
}

/*
 * Decode standard base64 with padding (RFC 4648 section 4); returns the
 * length.  Strict: whole quads, '=' only at the end and unused bits zero.
 */
static size_t
unbase64(u_char *dst, const char *src, size_t len)
{
	u_char	*o = dst;
	size_t	 i;
	int	 v[4], k, pad;

	if (len % 4 != 0)
		ck_abort_msg("base64 of %zu characters", len);
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (src[i + k] == '=' && k >= 2 && i + 4 == len) {
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad > 0 || (v[k] = b64_value(src[i + k])) == -1)
				ck_abort_msg("bad base64 at %zu: %s", i + k,
				    src);
		}
		*o++ = v[0] << 2 | v[1] >> 4;
		if (pad < 2)
			*o++ = (v[1] & 0xf) << 4 | v[2] >> 2;
		if (pad < 1)
			*o++ = (v[2] & 0x3) << 6 | v[3];
		if ((pad == 2 && (v[1] & 0xf) != 0) ||
		    (pad == 1 && (v[2] & 0x3) != 0))
			ck_abort_msg("base64 with unused bits set: %s", src);
	}
	return (o - dst);
}

#define JP	"\"listener\":\"main\",\"peer\":\"127.0.0.1:40312\"," \
		"\"peer_ip\":\"127.0.0.1\",\"peer_port\":40312"
#define JT	"\"time\":\"2026-11-28T08:22:55.123456Z\","

#define CHECK_JSON(s, want)	check_json((s), sizeof (s) - 1, "data", \
				    (want))
#define CHECK_JSON64(s, want)	check_json((s), sizeof (s) - 1, \
				    "data_base64", (want))

/*
 * The data record of src is exactly {...,"KEY":"want"}, and decodes back
 * to src.
 */
static void
check_json(const void *src, size_t len, const char *key, const char *want)
{
	struct record	 rec;
	char		*got, *line;

	record_data(&rec, "", 0);
	rec.data = src;
	rec.len = len;
	got = json(&rec, 0);
	xasprintf(&line, "{" JP ",\"event\":\"data\",\"%s\":\"%s\"}\n", key,
	    want);
	ck_assert_str_eq(got, line);
	free(line);
	free(got);
	check_json_lossless(src, len);
}

/*
 * The data record of src, with and without time and flags, decodes back
 * to src, as "data" exactly when src is UTF-8.
 */
static void
check_json_lossless(const u_char *src, size_t len)
{
	struct record	 rec;
	u_char		*back;
	char		*got;
	size_t		 n;
	int		 b64, ts;

	for (ts = 0; ts <= 1; ts++) {
		record_data(&rec, "", ts ? REC_PARTIAL | REC_SPLIT : 0);
		rec.data = src;
		rec.len = len;
		got = json(&rec, ts);
		back = json_data(got, &n, &b64);
		if (b64 == utf8_valid(src, len))
			ck_abort_msg("data_base64 %d for %s", b64, got);
		if (n != len || memcmp(back, src, len) != 0)
			ck_abort_msg("%s does not give back %zu bytes", got,
			    len);
		free(back);
		free(got);
	}
}

/*
 * The JSON line of a data record of len bytes at src parsed as syslog
 * (it must parse): within format_json_max(), valid to jsoncheck.c, its
 * data the bytes given.
 */
static char *
syslog_json(const void *src, size_t len, int ts)
{
	static const char *const data_path[] = { "data", NULL };
	struct syslog_msg	 m;
	struct record		 rec;
	const char		*err;
	char			*buf;
	u_char			*back;
	size_t			 n, max, blen;

	if (syslog_parse(&m, src, len) != 0)
		ck_abort_msg("'%.*s' does not parse", (int)len,
		    (const char *)src);
	record_data(&rec, "", 0);
	rec.data = src;
	rec.len = len;
	rec.syslog = &m;
	max = format_json_max(&rec);
	buf = xmalloc(max + 1);
	n = format_json(buf, &rec, ts);
	if (n > max)
		ck_abort_msg("format_json() wrote %zu of %zu bytes", n, max);
	buf[n] = '\0';
	if ((err = jsoncheck(buf, n)) != NULL)
		ck_abort_msg("%s: %s", err, buf);
	if (utf8_valid(src, len)) {
		back = xmalloc(n);
		if (jsoncheck_get(buf, n, data_path, back, &blen) != 1 ||
		    blen != len || memcmp(back, src, len) != 0)
			ck_abort_msg("data does not read back: %s", buf);
		free(back);
	}
	return (buf);
}

/* The parser and base64 decoder of these tests, on known input. */
START_TEST(test_json_checker)
{
	static const struct {
		const char	*b64;
		const char	*raw;
	} t[] = {
		/* RFC 4648 section 10. */
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9vYmE=", "fooba" },
		{ "Zm9vYmFy", "foobar" },
		{ "/w==", "\xff" },
		{ "//79", "\xff\xfe\xfd" },
		{ "+/+/", "\xfb\xff\xbf" },
	};
	u_char		 buf[16];
	char		*keys;
	size_t		 i, n;

	for (i = 0; i < nitems(t); i++) {
		n = unbase64(buf, t[i].b64, strlen(t[i].b64));
		ck_assert_uint_eq(n, strlen(t[i].raw));
		ck_assert_mem_eq(buf, t[i].raw, n);
	}
	keys = json_keys("{\"a\":\"x\\u001b\\\"\",\"bb\":0,\"c\":123,"
	    "\"d\":true,\"e\":\"\\u2028\xc3\xa9\"}\n");
	ck_assert_str_eq(keys, "a bb c d e");
	free(keys);
}
END_TEST

START_TEST(test_json_connected)
{
	struct record	 rec;
	char		*s;

	memset(&rec, 0, sizeof rec);
	rec.type = REC_CONNECTED;
	rec.tv = &example_tv;
	rec.listener = "main";
	rec.peer = "127.0.0.1:40312";
	s = json(&rec, 0);
	ck_assert_str_eq(s, "{" JP ",\"event\":\"connected\"}\n");
	free(s);
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"connected\"}\n");
	free(s);

	rec.listener = "web-1.x_y";
	rec.peer = "[::1]:5678";
	s = json(&rec, 0);
	ck_assert_str_eq(s, "{\"listener\":\"web-1.x_y\",\"peer\":"
	    "\"[::1]:5678\",\"peer_ip\":\"::1\",\"peer_port\":5678,"
	    "\"event\":\"connected\"}\n");
	free(s);
}
END_TEST

START_TEST(test_json_data)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "hello world", 0);
	s = json(&rec, 0);
	ck_assert_str_eq(s, "{" JP ",\"event\":\"data\","
	    "\"data\":\"hello world\"}\n");
	free(s);
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"data\","
	    "\"data\":\"hello world\"}\n");
	free(s);
}
END_TEST

/* Empty data is a string, with or without flags. */
START_TEST(test_json_data_empty)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "", 0);
	s = json(&rec, 0);
	ck_assert_str_eq(s, "{" JP ",\"event\":\"data\",\"data\":\"\"}\n");
	free(s);
	rec.flags = REC_PARTIAL;
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"data\",\"data\":\"\","
	    "\"partial\":true}\n");
	free(s);
}
END_TEST

/* The examples of the design, byte for byte. */
START_TEST(test_json_examples)
{
	struct record	 rec;
	char		*s;

	record_data(&rec, "a\tb\033[31m", 0);
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"data\","
	    "\"data\":\"a\\tb\\u001b[31m\"}\n");
	free(s);

	record_data(&rec, "\xff", REC_PARTIAL);
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"data\","
	    "\"data_base64\":\"/w==\",\"partial\":true}\n");
	free(s);

	memset(&rec, 0, sizeof rec);
	rec.type = REC_DISCONNECTED;
	rec.tv = &example_tv;
	rec.listener = "main";
	rec.peer = "127.0.0.1:40312";
	rec.reason = CONN_EOF;
	rec.records = 2;
	rec.bytes = 9;
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"disconnected\","
	    "\"reason\":\"closed by peer\",\"records\":2,\"bytes\":9}\n");
	free(s);
}
END_TEST

/* Flags follow data or data_base64, in the order partial, truncated, split. */
START_TEST(test_json_flags)
{
	static const struct {
		int		 flags;
		const char	*want;
	} t[] = {
		{ 0, "" },
		{ REC_PARTIAL, ",\"partial\":true" },
		{ REC_TRUNCATED, ",\"truncated\":true" },
		{ REC_SPLIT, ",\"split\":true" },
		{ REC_PARTIAL | REC_TRUNCATED,
		    ",\"partial\":true,\"truncated\":true" },
		{ REC_PARTIAL | REC_SPLIT, ",\"partial\":true,\"split\":true" },
		{ REC_TRUNCATED | REC_SPLIT,
		    ",\"truncated\":true,\"split\":true" },
		{ REC_PARTIAL | REC_TRUNCATED | REC_SPLIT,
		    ",\"partial\":true,\"truncated\":true,\"split\":true" },
	};
	struct record	 rec;
	char		*s, want[256];
	size_t		 i;
	int		 ts;

	for (i = 0; i < nitems(t); i++) {
		for (ts = 0; ts <= 1; ts++) {
			record_data(&rec, "abc", t[i].flags);
			s = json(&rec, ts);
			snprintf(want, sizeof want, "{%s" JP ",\"event\":"
			    "\"data\",\"data\":\"abc\"%s}\n", ts ? JT : "",
			    t[i].want);
			ck_assert_str_eq(s, want);
			free(s);

			record_data(&rec, "ab\xff", t[i].flags);
			s = json(&rec, ts);
			snprintf(want, sizeof want, "{%s" JP ",\"event\":"
			    "\"data\",\"data_base64\":\"YWL/\"%s}\n",
			    ts ? JT : "", t[i].want);
			ck_assert_str_eq(s, want);
			free(s);
		}
	}
}
END_TEST

/*
 * peer_ip and peer_port next to peer: IPv4, IPv6 without its brackets
 * (a v4-mapped one too), and none for a peer without a port; the piece a
 * connection makes once (record.jpeer) is what a record without it gets.
 */
START_TEST(test_json_peer_fields)
{
	static const struct {
		const char	*peer;
		const char	*want;
	} t[] = {
		{ "192.0.2.1:1", "\"peer\":\"192.0.2.1:1\",\"peer_ip\":"
		    "\"192.0.2.1\",\"peer_port\":1" },
		{ "127.0.0.1:65535", "\"peer\":\"127.0.0.1:65535\","
		    "\"peer_ip\":\"127.0.0.1\",\"peer_port\":65535" },
		{ "[2001:db8::7]:40312", "\"peer\":\"[2001:db8::7]:40312\","
		    "\"peer_ip\":\"2001:db8::7\",\"peer_port\":40312" },
		{ "[::ffff:192.0.2.1]:80", "\"peer\":\"[::ffff:192.0.2.1]:80\","
		    "\"peer_ip\":\"::ffff:192.0.2.1\",\"peer_port\":80" },
		{ "unknown", "\"peer\":\"unknown\"" },
	};
	struct record	 rec;
	char		 piece[FORMAT_JSON_PEER_MAX], want[256], *s, *s2;
	size_t		 i, n;

	for (i = 0; i < nitems(t); i++) {
		record_data(&rec, "x", 0);
		rec.peer = t[i].peer;
		s = json(&rec, 0);
		snprintf(want, sizeof want, "{\"listener\":\"main\",%s,"
		    "\"event\":\"data\",\"data\":\"x\"}\n", t[i].want);
		ck_assert_str_eq(s, want);
		n = format_json_peer(piece, t[i].peer);
		ck_assert_uint_le(n, sizeof piece);
		ck_assert_mem_eq(piece, "," , 1);
		ck_assert_uint_eq(n, strlen(t[i].want) + 1);
		ck_assert_mem_eq(piece + 1, t[i].want, n - 1);
		rec.jpeer = piece;
		rec.jpeer_len = n;
		s2 = json(&rec, 0);
		ck_assert_str_eq(s2, s);
		free(s2);
		free(s);
	}
}
END_TEST

/*
 * format = data: the data alone, escaped exactly as text escapes it,
 * one line a record; events make nothing.
 */
START_TEST(test_data_format)
{
	static const char *const t[] = {
		"hello", "", "tab\there", "back\\slash", "nl\nin",
		"\xff\xfe bytes", "caf\xc3\xa9", "\x1b[31m", "\xc2\x85",
	};
	struct record	 rec;
	char		*d, *x, *colon;
	size_t		 i, n, max;

	for (i = 0; i < nitems(t); i++) {
		record_data(&rec, t[i], REC_PARTIAL | REC_TRUNCATED);
		max = format_line_max(&rec, FORMAT_DATA_LINE | FORMAT_TIME);
		ck_assert_uint_eq(max, format_data_max(&rec));
		d = xmalloc(max + 1);
		n = format_line(d, &rec, FORMAT_DATA_LINE | FORMAT_TIME);
		ck_assert_uint_le(n, max);
		d[n] = '\0';
		/* The text line's data, after "LISTENER PEER [FLAGS]: ". */
		rec.flags = 0;
		x = text(&rec, 0);
		colon = strstr(x, ": ");
		ck_assert_ptr_nonnull(colon);
		ck_assert_str_eq(d, colon + 2);
		ck_assert_int_eq(d[n - 1], '\n');
		ck_assert_ptr_null(memchr(d, '\n', n - 1));
		free(x);
		free(d);
	}
	memset(&rec, 0, sizeof rec);
	rec.tv = &example_tv;
	rec.listener = "main";
	rec.peer = "127.0.0.1:40312";
	for (i = REC_CONNECTED; i <= REC_DISCONNECTED; i++) {
		rec.type = i;
		d = xmalloc(format_data_max(&rec));
		ck_assert_uint_eq(format_data(d, &rec), 0);
		ck_assert_uint_eq(format_line(d, &rec, FORMAT_DATA_LINE), 0);
		free(d);
	}
}
END_TEST

/* The keys of every kind of record, in order. */
START_TEST(test_json_key_order)
{
	static const char *flag_keys[] = {
		"", " partial", " truncated", " partial truncated", " split",
		" partial split", " truncated split",
		" partial truncated split",
	};
	struct record	 rec;
	char		*s, *keys, want[128];
	int		 ts, flags, b64;

	for (ts = 0; ts <= 1; ts++) {
		for (flags = 0; flags < 8; flags++) {
			for (b64 = 0; b64 <= 1; b64++) {
				record_data(&rec, b64 ? "\xc0" : "x", flags);
				s = json(&rec, ts);
				keys = json_keys(s);
				snprintf(want, sizeof want, "%slistener peer "
				    "peer_ip peer_port event %s%s",
				    ts ? "time " : "",
				    b64 ? "data_base64" : "data",
				    flag_keys[flags]);
				ck_assert_str_eq(keys, want);
				free(keys);
				free(s);
			}
		}
		memset(&rec, 0, sizeof rec);
		rec.tv = &example_tv;
		rec.listener = "main";
		rec.peer = "127.0.0.1:40312";
		rec.type = REC_CONNECTED;
		s = json(&rec, ts);
		keys = json_keys(s);
		ck_assert_str_eq(keys, ts ? "time listener peer peer_ip "
		    "peer_port event" : "listener peer peer_ip peer_port "
		    "event");
		free(keys);
		free(s);
		rec.type = REC_DISCONNECTED;
		s = json(&rec, ts);
		keys = json_keys(s);
		ck_assert_str_eq(keys, ts ? "time listener peer peer_ip "
		    "peer_port event reason records bytes" : "listener peer "
		    "peer_ip peer_port event reason records bytes");
		free(keys);
		free(s);
	}
}
END_TEST

START_TEST(test_json_disconnected)
{
	static const struct {
		enum conn_reason	 reason;
		const char		*text;
	} t[] = {
		{ CONN_EOF, "closed by peer" },
		{ CONN_RESET, "reset" },
		{ CONN_ERROR, "error" },
		{ CONN_TOO_LONG, "line too long" },
		{ CONN_SHUTDOWN, "shutdown" },
		{ CONN_TIMEOUT, "idle timeout" },
		{ CONN_RELOAD, "reload" },
	};
	struct record	 rec;
	char		*s, want[256];
	size_t		 i;
	int		 ts;

	for (i = 0; i < nitems(t); i++) {
		for (ts = 0; ts <= 1; ts++) {
			memset(&rec, 0, sizeof rec);
			rec.type = REC_DISCONNECTED;
			rec.tv = &example_tv;
			rec.listener = "main";
			rec.peer = "127.0.0.1:40312";
			rec.reason = t[i].reason;
			rec.records = 3;
			rec.bytes = 16420;
			s = json(&rec, ts);
			snprintf(want, sizeof want, "{%s" JP ",\"event\":"
			    "\"disconnected\",\"reason\":\"%s\",\"records\":3,"
			    "\"bytes\":16420}\n", ts ? JT : "", t[i].text);
			ck_assert_str_eq(s, want);
			free(s);
		}
	}
}
END_TEST

START_TEST(test_json_disconnected_counts)
{
	struct record	 rec;
	char		*s;

	memset(&rec, 0, sizeof rec);
	rec.type = REC_DISCONNECTED;
	rec.tv = &example_tv;
	rec.listener = "main";
	rec.peer = "127.0.0.1:40312";
	rec.reason = CONN_EOF;
	s = json(&rec, 0);
	ck_assert_str_eq(s, "{" JP ",\"event\":\"disconnected\","
	    "\"reason\":\"closed by peer\",\"records\":0,\"bytes\":0}\n");
	free(s);
	rec.records = UINT64_MAX;
	rec.bytes = UINT64_MAX;
	s = json(&rec, 1);
	ck_assert_str_eq(s, "{" JT JP ",\"event\":\"disconnected\","
	    "\"reason\":\"closed by peer\",\"records\":18446744073709551615,"
	    "\"bytes\":18446744073709551615}\n");
	free(s);
}
END_TEST

/* Every byte value 0..0x7f alone, as RFC 8259 and the design want it. */
START_TEST(test_json_escape_every_ascii)
{
	u_char	 c;
	char	 want[8];
	int	 i;

	for (i = 0; i < 0x80; i++) {
		c = i;
		switch (c) {
		case '"':
			snprintf(want, sizeof want, "\\\"");
			break;
		case '\\':
			snprintf(want, sizeof want, "\\\\");
			break;
		case '\b':
			snprintf(want, sizeof want, "\\b");
			break;
		case '\f':
			snprintf(want, sizeof want, "\\f");
			break;
		case '\n':
			snprintf(want, sizeof want, "\\n");
			break;
		case '\r':
			snprintf(want, sizeof want, "\\r");
			break;
		case '\t':
			snprintf(want, sizeof want, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				snprintf(want, sizeof want, "\\u%04x", c);
			else
				snprintf(want, sizeof want, "%c", c);
			break;
		}
		check_json(&c, 1, "data", want);
	}
}
END_TEST

START_TEST(test_json_escape_named)
{
	CHECK_JSON("\0", "\\u0000");
	CHECK_JSON("\033", "\\u001b");
	CHECK_JSON("\037", "\\u001f");
	CHECK_JSON("\013", "\\u000b");
	CHECK_JSON("\177", "\\u007f");
	CHECK_JSON("say \"hi\"", "say \\\"hi\\\"");
	CHECK_JSON("C:\\dir\\", "C:\\\\dir\\\\");
	CHECK_JSON("one\r\ntwo\n", "one\\r\\ntwo\\n");
	CHECK_JSON("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	CHECK_JSON("nul\0byte", "nul\\u0000byte");
	CHECK_JSON("/ ' < > &", "/ ' < > &");
	CHECK_JSON("\\u0041", "\\\\u0041");
	CHECK_JSON("\\\"", "\\\\\\\"");
}
END_TEST

/*
 * A byte to escape at every offset of ASCII text, so the 8-byte fast path
 * sees it at every position of a word and at the end.
 */
START_TEST(test_json_escape_offsets)
{
	static const struct {
		u_char		 c;
		const char	*esc;
	} t[] = {
		{ '"', "\\\"" }, { '\\', "\\\\" }, { 0x00, "\\u0000" },
		{ 0x01, "\\u0001" }, { '\n', "\\n" }, { 0x1f, "\\u001f" },
		{ 0x7f, "\\u007f" },
	};
	u_char	 in[40];
	char	 want[64];
	size_t	 i, len, at;

	for (i = 0; i < nitems(t); i++) {
		for (len = 1; len <= 24; len++) {
			for (at = 0; at < len; at++) {
				memset(in, 'a', len);
				in[at] = t[i].c;
				snprintf(want, sizeof want, "%.*s%s%.*s",
				    (int)at, "aaaaaaaaaaaaaaaaaaaaaaaa",
				    t[i].esc, (int)(len - at - 1),
				    "aaaaaaaaaaaaaaaaaaaaaaaa");
				check_json(in, len, "data", want);
			}
		}
	}
}
END_TEST

START_TEST(test_json_escape_c1)
{
	u_char	buf[2];
	char	want[8];
	int	c;

	for (c = 0x80; c <= 0x9f; c++) {
		buf[0] = 0xc2;
		buf[1] = c;
		snprintf(want, sizeof want, "\\u%04x", c);
		check_json(buf, 2, "data", want);
	}
	CHECK_JSON("a\xc2\x9b" "31m", "a\\u009b31m");
	CHECK_JSON("\xc2\x85\xc2\x85", "\\u0085\\u0085");
	/* The first character after them passes. */
	CHECK_JSON("\xc2\xa0", "\xc2\xa0");
	CHECK_JSON("\xc2\xbf", "\xc2\xbf");
}
END_TEST

START_TEST(test_json_escape_line_separators)
{
	CHECK_JSON("\xe2\x80\xa8", "\\u2028");
	CHECK_JSON("\xe2\x80\xa9", "\\u2029");
	CHECK_JSON("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "a\\u2028b\\u2029c");
	/* Their neighbours pass. */
	CHECK_JSON("\xe2\x80\xa7", "\xe2\x80\xa7");
	CHECK_JSON("\xe2\x80\xaa", "\xe2\x80\xaa");
	CHECK_JSON("\xe2\x81\xa8", "\xe2\x81\xa8");
	CHECK_JSON("\xe3\x80\xa8", "\xe3\x80\xa8");
}
END_TEST

START_TEST(test_json_utf8_valid)
{
	/* 2, 3 and 4 bytes, the smallest and largest of each, U+00A0. */
	CHECK_JSON("\xc2\xa0", "\xc2\xa0");
	CHECK_JSON("caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_JSON("\xdf\xbf", "\xdf\xbf");
	CHECK_JSON("\xe0\xa0\x80", "\xe0\xa0\x80");
	CHECK_JSON("\xe2\x82\xac", "\xe2\x82\xac");
	CHECK_JSON("\xed\x9f\xbf", "\xed\x9f\xbf");
	CHECK_JSON("\xee\x80\x80", "\xee\x80\x80");
	CHECK_JSON("\xef\xbb\xbf", "\xef\xbb\xbf");
	CHECK_JSON("\xef\xbf\xbd", "\xef\xbf\xbd");
	CHECK_JSON("\xef\xbf\xbf", "\xef\xbf\xbf");
	CHECK_JSON("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");
	CHECK_JSON("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	CHECK_JSON("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
	CHECK_JSON("a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d\t",
	    "a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d\\t");
	CHECK_JSON("\xf0\x9f\x98\x80\"\xc3\xa9\\", "\xf0\x9f\x98\x80\\\""
	    "\xc3\xa9\\\\");
}
END_TEST

/*
 * Invalid UTF-8 anywhere in a record sends all of it as base64: each
 * kind alone, and at the start, in the middle and at the end of text.
 */
START_TEST(test_json_utf8_invalid)
{
	static const char *bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc0\xaf", "\xc1\xbf",
		"\xe0\x80\xaf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xed\xa0\xbd\xed\xb8\x80", "\xf0\x80\x80\x80",
		"\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3" "A",
		"\xe2\x82\xe2\x82\xac", "\xf0\x9f\xc3\xa9",
		"\xc3\xa9\xa9", "\xf0\x9f\x98\x80\x80",
	};
	static const char *text[] = {
		"", "0123456789abcdefghijklmnopqrstuvwxyz",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0",
	};
	u_char	 buf[128];
	size_t	 i, k, b, t, n;

	for (i = 0; i < nitems(bad); i++) {
		n = strlen(bad[i]);
		ck_assert_msg(!utf8_valid((const u_char *)bad[i], n),
		    "bad[%zu] is valid", i);
		for (k = 0; k < nitems(text); k++) {
			t = strlen(text[k]);
			for (b = 0; b <= t; b++) {
				memcpy(buf, text[k], b);
				memcpy(buf + b, bad[i], n);
				memcpy(buf + b + n, text[k] + b, t - b);
				check_json_lossless(buf, t + n);
			}
		}
	}
	/* One known encoding: all of the record, not the bad byte only. */
	CHECK_JSON64("0123456789abcdefghijklmnopqrstuvwxyz\xc0",
	    "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6wA==");
}
END_TEST

/* Each padding case, from the design's example on. */
START_TEST(test_json_base64_known)
{
	CHECK_JSON64("\xff", "/w==");
	CHECK_JSON64("\xff\xfe", "//4=");
	CHECK_JSON64("\xff\xfe\xfd", "//79");
	CHECK_JSON64("\x80", "gA==");
	CHECK_JSON64("f\xff", "Zv8=");
	CHECK_JSON64("fo\xff", "Zm//");
	CHECK_JSON64("foo\xff", "Zm9v/w==");
	CHECK_JSON64("\xff" "f", "/2Y=");
	CHECK_JSON64("\xff" "fo", "/2Zv");
	CHECK_JSON64("\xff" "foo", "/2Zvbw==");
	CHECK_JSON64("\xc0\x80", "wIA=");
	CHECK_JSON64("\xed\xa0\x80", "7aCA");
	CHECK_JSON64("\xf4\x90\x80\x80", "9JCAgA==");
	/* The data that makes it base64 need not be at the start. */
	CHECK_JSON64("\0\n\"\xff", "AAoi/w==");
	/* Valid text stays text, however short. */
	CHECK_JSON("", "");
	CHECK_JSON("f", "f");
	CHECK_JSON("fo", "fo");
	CHECK_JSON("foo", "foo");
}
END_TEST

/*
 * Every byte value: each of 0x80..0xff alone is base64, all 256 in one
 * record are, and decode back whatever the padding.
 */
START_TEST(test_json_base64_every_byte)
{
	static const char all64[] =
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"
	    "LS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZ"
	    "WltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWG"
	    "h4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKz"
	    "tLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g"
	    "4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
	struct record	 rec;
	u_char		 all[256], c;
	char		*s;
	size_t		 i;

	for (i = 0; i < 256; i++)
		all[i] = i;
	check_json(all, sizeof all, "data_base64", all64);
	for (i = 0; i < 3; i++)
		check_json_lossless(all + i, sizeof all - i);
	for (i = 0x80; i < 256; i++) {
		c = i;
		record_data(&rec, "", 0);
		rec.data = &c;
		rec.len = 1;
		s = json(&rec, 0);
		ck_assert_ptr_nonnull(strstr(s, "\"data_base64\":\""));
		ck_assert_ptr_nonnull(strstr(s, "==\"}\n"));
		free(s);
		check_json_lossless(&c, 1);
	}
}
END_TEST

/* Random bytes, biased to UTF-8 lead and continuation bytes. */
START_TEST(test_json_random_lossless)
{
	u_char	 in[64];
	size_t	 len, i;
	int	 round, valid = 0;

	srandom(42);
	for (round = 0; round < 20000; round++) {
		len = random() % sizeof in;
		for (i = 0; i < len; i++) {
			switch (random() % 5) {
			case 0:
				in[i] = random() % 256;
				break;
			case 1:
				in[i] = 0x80 + random() % 64;
				break;
			case 2:
				in[i] = 0xc0 + random() % 64;
				break;
			case 3:
				in[i] = random() % 0x20;
				break;
			default:
				in[i] = 0x20 + random() % 96;
				break;
			}
		}
		/* Every 4th round a valid text, C1 and U+2028 in it. */
		if (round % 4 == 0) {
			for (i = 0; i + 3 <= len; i += 3) {
				if (in[i] < 0x80 && in[i + 1] < 0x80 &&
				    in[i + 2] < 0x80)
					continue;
				switch (random() % 3) {
				case 0:
					memcpy(in + i, "\xe2\x80\xa8", 3);
					in[i + 2] += random() % 2;
					break;
				case 1:
					memcpy(in + i, "x\xc2\x80", 3);
					in[i + 2] += random() % 64;
					break;
				default:
					memcpy(in + i, "\xe2\x82\xac", 3);
					break;
				}
			}
			for (; i < len; i++)
				in[i] &= 0x7f;
		}
		valid += utf8_valid(in, len);
		check_json_lossless(in, len);
	}
	/* Both paths were taken often. */
	ck_assert_int_gt(valid, 4000);
	ck_assert_int_lt(valid, 16000);
}
END_TEST

/*
 * format_json() never writes more than format_json_max(): random records
 * written into a buffer of exactly that size, with the longest names,
 * peers and counts.
 */
START_TEST(test_json_max_bound)
{
	static const char *peers[] = {
		"1.2.3.4:5",
		"255.255.255.255:65535",
		"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
	};
	struct record	 rec;
	struct timeval	 tv;
	char		*out;
	u_char		 data[300];
	size_t		 i;
	int		 round;

	srandom(1);
	for (round = 0; round < 5000; round++) {
		random_record(&rec, &tv, peers, nitems(peers));
		rec.len = random() % sizeof data;
		for (i = 0; i < rec.len; i++) {
			switch (round % 3) {
			case 0:
				data[i] = random() % 256;
				break;
			case 1:
				data[i] = random() % 2 ? random() % 0x20 :
				    0x7f;
				break;
			default:
				data[i] = random() % 128;
				break;
			}
		}
		rec.data = data;
		rec.records = random() % 2 ? UINT64_MAX : (uint64_t)random();
		rec.bytes = random() % 2 ? UINT64_MAX : (uint64_t)random();
		out = json(&rec, round % 2);
		free(out);
	}
}
END_TEST

/*
 * The worst cases: every byte a \u00XX escape (6 out for 1 in), C1
 * controls and U+2028 (6 for 2 and 3), all bytes invalid (base64), the
 * longest names and counts; large records too, longer than two 64 KiB
 * output chains and of no round length.  The bound is linear in
 * the length, so a longer record would check nothing more; 1 MiB ones
 * took seconds under ASan, past Check's timeout on a busy machine.
 */
START_TEST(test_json_max_worst)
{
	static const struct {
		const char	*unit;
		size_t		 ulen;
		const char	*esc;
	} t[] = {
		{ "\x01", 1, "\\u0001" },
		{ "\0", 1, "\\u0000" },
		{ "\x7f", 1, "\\u007f" },
		{ "\xc2\x80", 2, "\\u0080" },
		{ "\xe2\x80\xa8", 3, "\\u2028" },
		{ "\"", 1, "\\\"" },
		{ "\xff", 1, NULL },
		{ "\x80", 1, NULL },
	};
	static const size_t lens[] = { 1, 2, 3, 64, 1000, 65536,
	    2 * 65536 + 3 };
	struct record	 rec;
	char		 name[65], *s;
	u_char		*data;
	size_t		 i, k, n, units, head, want;

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	for (i = 0; i < nitems(t); i++) {
		for (k = 0; k < nitems(lens); k++) {
			units = lens[k] / t[i].ulen;
			if (units == 0)
				continue;
			data = xmalloc(units * t[i].ulen);
			for (n = 0; n < units; n++)
				memcpy(data + n * t[i].ulen, t[i].unit,
				    t[i].ulen);
			record_data(&rec, "", REC_PARTIAL | REC_TRUNCATED |
			    REC_SPLIT);
			rec.listener = name;
			rec.peer = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255."
			    "255]:65535";
			rec.data = data;
			rec.len = units * t[i].ulen;
			s = json(&rec, 1);
			head = strlen("{" JT "\"listener\":\"\",\"peer\":\"\","
			    "\"peer_ip\":\"\",\"peer_port\":,"
			    "\"event\":\"data\",\"data\":\"\",\"partial\":true,"
			    "\"truncated\":true,\"split\":true}\n") +
			    strlen(name) + 2 * strlen(rec.peer) - 3;
			if (t[i].esc != NULL)
				want = head + units * strlen(t[i].esc);
			else
				want = head + strlen("_base64") +
				    (rec.len + 2) / 3 * 4;
			ck_assert_uint_eq(strlen(s), want);
			ck_assert_uint_le(strlen(s), format_json_max(&rec));
			free(s);
			free(data);
		}
	}

	memset(&rec, 0, sizeof rec);
	rec.type = REC_DISCONNECTED;
	rec.tv = &example_tv;
	rec.listener = name;
	rec.peer = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
	rec.records = UINT64_MAX;
	rec.bytes = UINT64_MAX;
	for (i = 0; i <= CONN_RELOAD; i++) {
		rec.reason = i;
		s = json(&rec, 1);
		free(s);
	}
}
END_TEST

/* format_line() writes JSON when asked to, text otherwise. */
START_TEST(test_json_line)
{
	struct record	 rec;
	char		*out;
	size_t		 n;

	record_data(&rec, "one\n", REC_TRUNCATED);
	ck_assert_uint_eq(format_line_max(&rec, FORMAT_JSON_LINE),
	    format_json_max(&rec));
	ck_assert_uint_eq(format_line_max(&rec, FORMAT_JSON_LINE |
	    FORMAT_TIME), format_json_max(&rec));
	ck_assert_uint_eq(format_line_max(&rec, FORMAT_TIME),
	    format_text_max(&rec));

	out = xmalloc(format_json_max(&rec));
	n = format_line(out, &rec, FORMAT_JSON_LINE | FORMAT_TIME);
	ck_assert_uint_eq(n, strlen("{" JT JP ",\"event\":\"data\",\"data\":"
	    "\"one\\n\",\"truncated\":true}\n"));
	ck_assert_mem_eq(out, "{" JT JP ",\"event\":\"data\",\"data\":"
	    "\"one\\n\",\"truncated\":true}\n", n);
	n = format_line(out, &rec, FORMAT_JSON_LINE);
	ck_assert_mem_eq(out, "{" JP ",\"event\":\"data\",\"data\":"
	    "\"one\\n\",\"truncated\":true}\n", n);
	n = format_line(out, &rec, FORMAT_TIME);
	ck_assert_mem_eq(out, "2026-11-28T08:22:55.123456Z main "
	    "127.0.0.1:40312 [truncated]: one\\x0a\n", n);
	record_data(&rec, "\xfe", 0);
	n = format_line(out, &rec, FORMAT_JSON_LINE);
	ck_assert_mem_eq(out, "{" JP ",\"event\":\"data\",\"data_base64\":"
	    "\"/g==\"}\n", n);
	free(out);
}
END_TEST


/* jsoncheck.c, the checker of the syslog tests, on known input. */
START_TEST(test_json_syslog_checker)
{
	static const char *const good[] = {
		"{}", " {\"a\":[1,-0.5e+3,true,false,null,{},[]]}\n",
		"{\"a\":{\"a\":\"\\ud83d\\ude00\\/\xc3\xa9\"},\"b\":0}",
	};
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\":1,}", "{\"a\":1}x", "{\"a\" 1}",
		"{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":tru}",
		"{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\\ud83d\"}",
		"{\"a\":\"\\ude00\"}", "{\"a\":\"\\x\"}", "{\"a\":[1 2]}",
	};
	static const char *const path[] = { "a", "a", NULL };
	u_char		 out[16];
	size_t		 i, n;

	for (i = 0; i < nitems(good); i++)
		ck_assert_msg(jsoncheck(good[i], strlen(good[i])) == NULL,
		    "rejected: %s", good[i]);
	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(jsoncheck(bad[i], strlen(bad[i])) != NULL,
		    "accepted: %s", bad[i]);
	ck_assert_int_eq(jsoncheck_get(good[2], strlen(good[2]), path, out,
	    &n), 1);
	ck_assert_uint_eq(n, 7);
	ck_assert_mem_eq(out, "\xf0\x9f\x98\x80/\xc3\xa9", 7);
	ck_assert_int_eq(jsoncheck_get(good[1], strlen(good[1]), path, out,
	    &n), 0);
}
END_TEST

#define JS(s)	"{" JP ",\"event\":\"data\",\"data\":\"" s "\",\"syslog\":{"

/* The syslog objects of messages of real senders, byte for byte. */
START_TEST(test_json_syslog_senders)
{
	static const struct {
		const char	*in;
		const char	*want;
	} t[] = {
		/* util-linux logger, default RFC 5424. */
		{ "<134>1 2026-12-04T19:05:33.714507+00:00 vm myapp - - "
		  "[timeQuality tzKnown=\"1\" isSynced=\"0\"] hello",
		  JS("<134>1 2026-12-04T19:05:33.714507+00:00 vm myapp - - "
		  "[timeQuality tzKnown=\\\"1\\\" isSynced=\\\"0\\\"] hello")
		  "\"facility\":\"local0\",\"severity\":\"info\","
		  "\"timestamp\":\"2026-12-04T19:05:33.714507+00:00\","
		  "\"hostname\":\"vm\",\"app_name\":\"myapp\","
		  "\"structured_data\":{\"timeQuality\":{\"tzKnown\":\"1\","
		  "\"isSynced\":\"0\"}},\"msg\":\"hello\"}}\n" },
		/* logger --rfc3164 -i; rsyslog's traditional forwarding. */
		{ "<13>Dec  4 19:05:33 vm root[29569]: with pid",
		  JS("<13>Dec  4 19:05:33 vm root[29569]: with pid")
		  "\"facility\":\"user\",\"severity\":\"notice\","
		  "\"timestamp\":\"Dec  4 19:05:33\",\"hostname\":\"vm\","
		  "\"app_name\":\"root\",\"procid\":\"29569\","
		  "\"msg\":\"with pid\"}}\n" },
		/* Python's SysLogHandler. */
		{ "<11>myapp: py ident",
		  JS("<11>myapp: py ident")
		  "\"facility\":\"user\",\"severity\":\"err\","
		  "\"app_name\":\"myapp\",\"msg\":\"py ident\"}}\n" },
		/* RFC 5424 example 1: MSGID, a BOM dropped. */
		{ "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - "
		  "ID47 - \xef\xbb\xbf'su root' failed",
		  JS("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su "
		  "- ID47 - \xef\xbb\xbf'su root' failed")
		  "\"facility\":\"auth\",\"severity\":\"crit\","
		  "\"timestamp\":\"2003-10-11T22:14:15.003Z\","
		  "\"hostname\":\"mymachine.example.com\",\"app_name\":\"su\","
		  "\"msgid\":\"ID47\",\"msg\":\"'su root' failed\"}}\n" },
		/* Two elements, no MSG; all NILVALUE. */
		{ "<165>1 - - - - - [a@1 x=\"3\"][b@1 class=\"high\"]",
		  JS("<165>1 - - - - - [a@1 x=\\\"3\\\"][b@1 "
		  "class=\\\"high\\\"]")
		  "\"facility\":\"local4\",\"severity\":\"notice\","
		  "\"structured_data\":{\"a@1\":{\"x\":\"3\"},\"b@1\":"
		  "{\"class\":\"high\"}}}}\n" },
		{ "<191>1 - - - - - -",
		  JS("<191>1 - - - - - -")
		  "\"facility\":\"local7\",\"severity\":\"debug\"}}\n" },
		/* No PRI digit but 0: kern.emerg. */
		{ "<0>", JS("<0>") "\"facility\":\"kern\","
		  "\"severity\":\"emerg\"}}\n" },
	};
	char	*got;
	size_t	 i;

	for (i = 0; i < nitems(t); i++) {
		got = syslog_json(t[i].in, strlen(t[i].in), 0);
		ck_assert_str_eq(got, t[i].want);
		free(got);
	}
	got = syslog_json(t[2].in, strlen(t[2].in), 1);
	ck_assert_str_eq(got, "{" JT JP ",\"event\":\"data\",\"data\":"
	    "\"<11>myapp: py ident\",\"syslog\":{\"facility\":\"user\","
	    "\"severity\":\"err\",\"app_name\":\"myapp\",\"msg\":"
	    "\"py ident\"}}\n");
	free(got);
}
END_TEST

/* Every PRI's facility and severity names. */
START_TEST(test_json_syslog_names)
{
	static const char *const fac[] = { "kern", "user", "mail", "daemon",
	    "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
	    "ftp", "ntp", "security", "console", "solaris-cron", "local0",
	    "local1", "local2", "local3", "local4", "local5", "local6",
	    "local7" };
	static const char *const sev[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	char	 in[16], *got, *want;
	int	 pri, n;

	for (pri = 0; pri <= 191; pri++) {
		n = snprintf(in, sizeof in, "<%d>", pri);
		got = syslog_json(in, n, 0);
		xasprintf(&want, JS("%s") "\"facility\":\"%s\",\"severity\":"
		    "\"%s\"}}\n", in, fac[pri / 8], sev[pri % 8]);
		ck_assert_str_eq(got, want);
		free(want);
		free(got);
	}
}
END_TEST

/*
 * SD-PARAM escapes undone (a '\\' before anything else is itself), then
 * JSON escaping; a repeated SD-ID joins its first element, a repeated
 * name has an array of its values; more than the tables hold is said.
 */
START_TEST(test_json_syslog_sd)
{
	static const char	 esc[] = "<14>1 - - - - - [a@1 q=\"\\\"\" "
	    "b=\"\\\\\" r=\"\\]\" o=\"\\n\\x\" t=\"\t\x01\"] m";
	static const char	 grp[] = "<14>1 - - - - - [a x=\"1\" y=\"2\" "
	    "x=\"3\"][b x=\"4\"][a x=\"5\" z=\"6\"][c][c]";
	char			*got, *in, *t;
	int			 i;

	got = syslog_json(esc, sizeof esc - 1, 0);
	ck_assert_str_eq(strstr(got, "\"structured_data\""),
	    "\"structured_data\":{\"a@1\":{\"q\":\"\\\"\",\"b\":\"\\\\\","
	    "\"r\":\"]\",\"o\":\"\\\\n\\\\x\",\"t\":\"\\t\\u0001\"}},"
	    "\"msg\":\"m\"}}\n");
	free(got);

	got = syslog_json(grp, sizeof grp - 1, 0);
	ck_assert_str_eq(strstr(got, "\"structured_data\""),
	    "\"structured_data\":{\"a\":{\"x\":[\"1\",\"3\",\"5\"],"
	    "\"y\":\"2\",\"z\":\"6\"},\"b\":{\"x\":\"4\"},\"c\":{}}}}\n");
	free(got);

	in = xstrdup("<14>1 - - - - - [a");
	for (i = 0; i <= SYSLOG_SD_PARAMS; i++) {
		xasprintf(&t, "%s p=\"%d\"", in, i);
		free(in);
		in = t;
	}
	xasprintf(&t, "%s] m", in);
	free(in);
	in = t;
	got = syslog_json(in, strlen(in), 0);
	/* Values "0" to "63" kept, "64" left out. */
	ck_assert_int_eq(SYSLOG_SD_PARAMS, 64);
	ck_assert_ptr_nonnull(strstr(got, "{\"a\":{\"p\":[\"0\",\"1\","));
	ck_assert_ptr_nonnull(strstr(got, ",\"63\"]}},"
	    "\"structured_data_truncated\":true,\"msg\":\"m\"}}\n"));
	free(got);
	free(in);
}
END_TEST

/*
 * A field with bytes that are not UTF-8 has U+FFFD for each; the data
 * goes as base64; C1 controls and U+2028 are escaped as in data.
 */
START_TEST(test_json_syslog_invalid_utf8)
{
	static const char	 in[] = "<14>1 - h - - - [a v=\"\xc3\"] "
	    "\xe9t\xc3\xa9 \xc2\x85\xe2\x80\xa8";
	static const char	 in3164[] = "<14>app: \xff\xfe";
	static const char	 badhost[] = "<14>1 - h\xff - - - - x";
	struct syslog_msg	 m;
	char			*got;

	got = syslog_json(in, sizeof in - 1, 0);
	ck_assert_str_eq(strstr(got, "\"data_base64\""), "\"data_base64\":"
	    "\"PDE0PjEgLSBoIC0gLSAtIFthIHY9IsMiXSDpdMOpIMKF4oCo\","
	    "\"syslog\":{\"facility\":\"user\",\"severity\":\"info\","
	    "\"hostname\":\"h\",\"structured_data\":{\"a\":{\"v\":"
	    "\"\xef\xbf\xbd\"}},\"msg\":\"\xef\xbf\xbdt\xc3\xa9 \\u0085"
	    "\\u2028\"}}\n");
	free(got);
	got = syslog_json(in3164, sizeof in3164 - 1, 0);
	ck_assert_str_eq(strstr(got, "\"syslog\""), "\"syslog\":{"
	    "\"facility\":\"user\",\"severity\":\"info\",\"app_name\":"
	    "\"app\",\"msg\":\"\xef\xbf\xbd\xef\xbf\xbd\"}}\n");
	free(got);
	/* HOSTNAME is PRINTUSASCII: "h\xff" breaks the header. */
	ck_assert_int_eq(syslog_parse(&m, (const u_char *)badhost,
	    sizeof badhost - 1), -1);
}
END_TEST

/*
 * format_json_max() holds for parsed records in the worst cases: every
 * field byte a \u00XX escape, SD of the shortest params and elements,
 * every byte invalid; and random messages built of syslog's pieces.
 */
START_TEST(test_json_syslog_max)
{
	static const char *const pieces[] = { "<13>", "<0>", "1 ", " ", "-",
	    "[", "]", "=", "\"", "\\", "a", "@", ":", "Dec  4 19:05:33",
	    "2026-12-04T19:05:33Z", "\x01", "\xff", "\xc2\x85",
	    "\xe2\x80\xa8", "\xef\xbb\xbf", "x=\"\x01\"", " b=\"\"", "[c]",
	    "app[1]: ", "host " };
	struct syslog_msg	 m;
	char			*in, *got;
	size_t			 len, i, n;
	int			 round;

	/* Every MSG byte a \u00XX escape. */
	len = 4096;
	in = xmalloc(len);
	memcpy(in, "<13>1 - - - - - - ", 18);
	memset(in + 18, 0x01, len - 18);
	free(syslog_json(in, len, 1));
	memcpy(in, "<13>", 4);
	memset(in + 4, 0x01, len - 4);
	free(syslog_json(in, len, 1));
	/* A value of \u00XX escapes, one of '\\' before them. */
	memcpy(in, "<13>1 - - - - - [a b=\"", 22);
	memset(in + 22, 0x01, len - 24);
	memcpy(in + len - 2, "\"]", 2);
	free(syslog_json(in, len, 1));
	for (i = 22; i + 2 <= len - 2; i += 2)
		memcpy(in + i, "\\\x01", 2);
	free(syslog_json(in, len, 1));
	/* The shortest params and elements. */
	memcpy(in, "<13>1 - - - - - [a", 18);
	for (i = 18, n = 0; i + 5 <= len - 1; i += 5, n++)
		snprintf(in + i, 6, " %c=\"\"", (int)('A' + n % 26));
	in[i] = ']';
	free(syslog_json(in, i + 1, 1));
	memcpy(in, "<13>1 - - - - - ", 16);
	for (i = 16; i + 3 <= len; i += 3)
		memcpy(in + i, "[\\]", 3);
	free(syslog_json(in, i, 1));
	free(in);

	srandom(7);
	in = xmalloc(2048);
	for (round = 0; round < 20000; round++) {
		len = 0;
		n = random() % 40;
		for (i = 0; i < n; i++) {
			got = (char *)pieces[random() % nitems(pieces)];
			if (len + strlen(got) > 2048)
				break;
			memcpy(in + len, got, strlen(got));
			len += strlen(got);
		}
		if (syslog_parse(&m, (u_char *)in, len) == 0)
			free(syslog_json(in, len, round % 2));
	}
	free(in);
}
END_TEST

static Suite *
format_suite(void)
{
	Suite	*s = suite_create("format");
	TCase	*tc;

	tc = tcase_create("escape");
	tcase_add_test(tc, test_escape_every_byte);
	tcase_add_test(tc, test_escape_named_bytes);
	tcase_add_test(tc, test_escape_empty);
	tcase_add_test(tc, test_escape_ascii_runs);
	tcase_add_test(tc, test_escape_max);
	tcase_add_test(tc, test_escape_random_lossless);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, test_escape_utf8_valid);
	tcase_add_test(tc, test_escape_utf8_overlong);
	tcase_add_test(tc, test_escape_utf8_surrogates);
	tcase_add_test(tc, test_escape_utf8_above_max);
	tcase_add_test(tc, test_escape_utf8_stray_continuation);
	tcase_add_test(tc, test_escape_utf8_truncated);
	tcase_add_test(tc, test_escape_c1_controls);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, test_time_known);
	tcase_add_test(tc, test_time_usec_bounds);
	tcase_add_test(tc, test_time_cache);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, test_text_data);
	tcase_add_test(tc, test_text_data_escaped);
	tcase_add_test(tc, test_text_data_empty);
	tcase_add_test(tc, test_text_label);
	tcase_add_test(tc, test_text_data_ipv6);
	tcase_add_test(tc, test_text_flags);
	tcase_add_test(tc, test_text_connected);
	tcase_add_test(tc, test_text_disconnected);
	tcase_add_test(tc, test_text_disconnected_counts);
	tcase_add_test(tc, test_text_max_bound);
	tcase_add_test(tc, test_data_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, test_json_checker);
	tcase_add_test(tc, test_json_connected);
	tcase_add_test(tc, test_json_data);
	tcase_add_test(tc, test_json_data_empty);
	tcase_add_test(tc, test_json_examples);
	tcase_add_test(tc, test_json_flags);
	tcase_add_test(tc, test_json_key_order);
	tcase_add_test(tc, test_json_disconnected);
	tcase_add_test(tc, test_json_disconnected_counts);
	tcase_add_test(tc, test_json_line);
	tcase_add_test(tc, test_json_peer_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_escape");
	tcase_add_test(tc, test_json_escape_every_ascii);
	tcase_add_test(tc, test_json_escape_named);
	tcase_add_test(tc, test_json_escape_offsets);
	tcase_add_test(tc, test_json_escape_c1);
	tcase_add_test(tc, test_json_escape_line_separators);
	tcase_add_test(tc, test_json_utf8_valid);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_base64");
	tcase_add_test(tc, test_json_utf8_invalid);
	tcase_add_test(tc, test_json_base64_known);
	tcase_add_test(tc, test_json_base64_every_byte);
	tcase_add_test(tc, test_json_random_lossless);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_max");
	tcase_add_test(tc, test_json_max_bound);
	tcase_add_test(tc, test_json_max_worst);
	suite_add_tcase(s, tc);

	tc = tcase_create("json_syslog");
	tcase_add_test(tc, test_json_syslog_checker);
	tcase_add_test(tc, test_json_syslog_senders);
	tcase_add_test(tc, test_json_syslog_names);
	tcase_add_test(tc, test_json_syslog_sd);
	tcase_add_test(tc, test_json_syslog_invalid_utf8);
	tcase_add_test(tc, test_json_syslog_max);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_simd_modes(format_suite) == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE);
}
