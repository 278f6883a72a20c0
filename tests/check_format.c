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
 * as an upper bound.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "common.h"

#define TV_EXAMPLE	1795854175	/* 2026-11-28T08:22:55Z */

static char	*escape(const void *, size_t);
static void	 check_escape(const void *, size_t, const char *);
static char	*text(const struct record *, int);
static void	 record_data(struct record *, const char *, int);
static int	 utf8_ok(const u_char *, size_t);
static void	 check_time(time_t, long, const char *);

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

/* Is this well-formed UTF-8 without C0, DEL or C1 controls? */
static int
utf8_ok(const u_char *p, size_t len)
{
	size_t	i = 0, n, k;
	u_int	cp;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
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
		if ((n == 2 && cp < 0xa0) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n;
	}
	return (1);
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

START_TEST(test_text_evbuffer)
{
	struct evbuffer	*buf;
	struct record	 rec;
	const char	*want;
	char		*got;
	size_t		 len;

	buf = evbuffer_new();
	record_data(&rec, "one", REC_TRUNCATED);
	ck_assert_int_eq(format_evbuffer(buf, &rec, 1, NULL), 0);
	record_data(&rec, "two\n", 0);
	ck_assert_int_eq(format_evbuffer(buf, &rec, 0, NULL), 0);
	len = evbuffer_get_length(buf);
	got = xmalloc(len + 1);
	ck_assert_int_eq(evbuffer_remove(buf, got, len), (int)len);
	got[len] = '\0';
	want = "2026-11-28T08:22:55.123456Z main 127.0.0.1:40312 [truncated]: "
	    "one\nmain 127.0.0.1:40312: two\\x0a\n";
	ck_assert_str_eq(got, want);
	free(got);
	evbuffer_free(buf);
}
END_TEST

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
	char		 name[65], *out;
	u_char		 data[300];
	size_t		 i, n, max;
	int		 round;

	srandom(1);
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	for (round = 0; round < 5000; round++) {
		memset(&rec, 0, sizeof rec);
		tv.tv_sec = random();
		tv.tv_usec = random() % 1000000;
		rec.tv = &tv;
		rec.type = random() % 3;
		rec.listener = name + random() % 64;
		rec.peer = peers[random() % nitems(peers)];
		rec.len = random() % sizeof data;
		for (i = 0; i < rec.len; i++)
			data[i] = random() % 2 ? random() % 256 : 0xff;
		rec.data = data;
		rec.flags = random() % 8;
		rec.reason = random() % (CONN_RELOAD + 1);
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
	tcase_add_test(tc, test_text_data_ipv6);
	tcase_add_test(tc, test_text_flags);
	tcase_add_test(tc, test_text_connected);
	tcase_add_test(tc, test_text_disconnected);
	tcase_add_test(tc, test_text_disconnected_counts);
	tcase_add_test(tc, test_text_evbuffer);
	tcase_add_test(tc, test_text_max_bound);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(format_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
