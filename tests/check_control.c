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
 * Unit tests of what the control socket does without a socket: the %XX
 * escaping of record values (every byte), the request line's bounds and
 * refused bytes (at every length around the limit), a tap's accounting
 * of missed records against its buffer, and lconf_same(), which a
 * reload's "changed" rests on.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"

/* control_value() of s, as a string. */
static char *
value_of(const char *s)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*out;

	ck_assert_ptr_nonnull(b);
	control_value(b, s);
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return (out);
}

START_TEST(test_value_escape)
{
	char	*v;

	v = value_of("main");
	ck_assert_str_eq(v, "main");
	free(v);
	v = value_of("a b%c=d\t~!");
	ck_assert_str_eq(v, "a%20b%25c%3Dd%09~!");
	free(v);
	v = value_of("\x7f\x80\xff" "x");
	ck_assert_str_eq(v, "%7F%80%FFx");
	free(v);
	v = value_of("");
	ck_assert_str_eq(v, "");
	free(v);
}
END_TEST

/* Every byte but NUL: kept as it is, or %XX, and the result unescapes. */
START_TEST(test_value_every_byte)
{
	char	 in[2], *v, expect[4];
	int	 c;

	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		v = value_of(in);
		if (c >= 0x21 && c < 0x7f && c != '%' && c != '=')
			ck_assert_str_eq(v, in);
		else {
			snprintf(expect, sizeof expect, "%%%02X", c);
			ck_assert_str_eq(v, expect);
		}
		ck_assert_ptr_null(strchr(v, ' '));
		free(v);
	}
}
END_TEST

START_TEST(test_scan_line)
{
	size_t	len = 99;

	ck_assert_int_eq(control_scan((const u_char *)"status\n", 7, &len),
	    CONTROL_LINE);
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(control_scan((const u_char *)"\n", 1, &len),
	    CONTROL_LINE);
	ck_assert_uint_eq(len, 0);
	/* What follows the first line is the next request's. */
	ck_assert_int_eq(control_scan((const u_char *)"a\n\001", 3, &len),
	    CONTROL_LINE);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(control_scan((const u_char *)"stat", 4, &len),
	    CONTROL_MORE);
	ck_assert_int_eq(control_scan((const u_char *)"", 0, &len),
	    CONTROL_MORE);
	ck_assert_int_eq(control_scan((const u_char *)"tap \xc3\xa9\n", 7,
	    &len), CONTROL_LINE);
}
END_TEST

START_TEST(test_scan_bad_bytes)
{
	static const char	 bad[] = { '\0', '\001', '\r', '\t', 0x1f, 0x7f };
	u_char			 line[8] = "stats";
	size_t			 i, len;

	for (i = 0; i < sizeof bad; i++) {
		line[2] = bad[i];
		ck_assert_int_eq(control_scan(line, 5, &len),
		    CONTROL_BAD_BYTE);
		/* Refused at once, before a LF comes. */
		ck_assert_int_eq(control_scan(line, 3, &len),
		    CONTROL_BAD_BYTE);
	}
}
END_TEST

/* A line of n bytes and its LF: taken up to CONTROL_LINE_MAX in all. */
START_TEST(test_scan_bounds)
{
	u_char	*buf;
	size_t	 n = (size_t)_i, len, have;
	int	 r;

	buf = xmalloc(n + 1);
	memset(buf, 'a', n);
	buf[n] = '\n';
	r = control_scan(buf, n + 1, &len);
	if (n + 1 <= CONTROL_LINE_MAX) {
		ck_assert_int_eq(r, CONTROL_LINE);
		ck_assert_uint_eq(len, n);
	} else
		ck_assert_int_eq(r, CONTROL_TOO_LONG);
	/* Without its LF yet: more, until there can be no LF in time. */
	have = n;
	r = control_scan(buf, have, &len);
	ck_assert_int_eq(r, have >= CONTROL_LINE_MAX ? CONTROL_TOO_LONG :
	    CONTROL_MORE);
	free(buf);
}
END_TEST

START_TEST(test_tap_room)
{
	uint64_t	missed = 0, announce = 99;

	/* Room: nothing to announce. */
	ck_assert_int_eq(control_tap_room(&missed, 0, 100, &announce), 1);
	ck_assert_uint_eq(announce, 0);
	ck_assert_int_eq(control_tap_room(&missed, CONTROL_TAP_BUF - 100,
	    100, &announce), 1);
	/* Full: counted, again and again. */
	ck_assert_int_eq(control_tap_room(&missed, CONTROL_TAP_BUF - 99,
	    100, &announce), 0);
	ck_assert_int_eq(control_tap_room(&missed, CONTROL_TAP_BUF, 1,
	    &announce), 0);
	ck_assert_int_eq(control_tap_room(&missed, CONTROL_TAP_BUF + 5, 1,
	    &announce), 0);
	ck_assert_uint_eq(missed, 3);
	/* Room for the line but not for the announcement too: missed. */
	ck_assert_int_eq(control_tap_room(&missed, CONTROL_TAP_BUF - 100,
	    100, &announce), 0);
	ck_assert_uint_eq(missed, 4);
	/* Room for both: announced once, then counted from zero. */
	ck_assert_int_eq(control_tap_room(&missed, CONTROL_TAP_BUF - 100 -
	    CONTROL_MISSED_LEN, 100, &announce), 1);
	ck_assert_uint_eq(announce, 4);
	ck_assert_uint_eq(missed, 0);
	ck_assert_int_eq(control_tap_room(&missed, 0, 100, &announce), 1);
	ck_assert_uint_eq(announce, 0);
	/* A line the buffer can never hold. */
	ck_assert_int_eq(control_tap_room(&missed, 0, CONTROL_TAP_BUF + 1,
	    &announce), 0);
	ck_assert_uint_eq(missed, 1);
}
END_TEST

/* The announcement fits what CONTROL_MISSED_LEN reserves, at any count. */
START_TEST(test_tap_missed_len)
{
	char	line[128];
	int	n;

	n = snprintf(line, sizeof line, "tcplogd: tap missed %llu records\n",
	    (unsigned long long)UINT64_MAX);
	ck_assert_int_le(n, CONTROL_MISSED_LEN);
}
END_TEST

/* Two configs, read from text. */
static struct config *
conf_of(const char *text)
{
	char		 path[] = "/tmp/check_control.XXXXXX";
	struct config	*conf;
	char		**errors;
	size_t		 nerrors;
	FILE		*f;
	int		 fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	conf = config_load(path, &errors, &nerrors);
	unlink(path);
	ck_assert_uint_eq(nerrors, 0);
	config_errors_free(errors, nerrors);
	ck_assert_ptr_nonnull(conf);
	return (conf);
}

START_TEST(test_lconf_same)
{
	static const char *base = "[listener a]\nlisten = 127.0.0.1:0\n"
	    "allow = 10.0.0.0/8\nfile = /tmp/x\n";
	static const char *other[] = {
		"[listener a]\nlisten = 127.0.0.1:1\nallow = 10.0.0.0/8\n"
		    "file = /tmp/x\n",
		"[listener a]\nlisten = 127.0.0.1:0\nallow = 10.0.0.0/9\n"
		    "file = /tmp/x\n",
		"[listener a]\nlisten = 127.0.0.1:0\nallow = 10.0.0.0/8\n"
		    "file = /tmp/y\n",
		"[listener a]\nlisten = 127.0.0.1:0\nallow = 10.0.0.0/8\n"
		    "file = /tmp/x\nmax_line = 10\n",
		"[listener a]\nlisten = 127.0.0.1:0, 127.0.0.1:0\n"
		    "allow = 10.0.0.0/8\nfile = /tmp/x\n",
		"[tcplogd]\nformat = json\n[listener a]\n"
		    "listen = 127.0.0.1:0\nallow = 10.0.0.0/8\nfile = /tmp/x\n",
	};
	struct config	*a, *b;
	size_t		 i;

	a = conf_of(base);
	b = conf_of(base);
	ck_assert(lconf_same(TAILQ_FIRST(&a->listeners),
	    TAILQ_FIRST(&b->listeners)));
	config_free(b);
	/* Set explicitly to its default: the same. */
	b = conf_of("[listener a]\nlisten = 127.0.0.1:0\nallow = 10.0.0.0/8\n"
	    "file = /tmp/x\nmax_line = 16384\n");
	ck_assert(lconf_same(TAILQ_FIRST(&a->listeners),
	    TAILQ_FIRST(&b->listeners)));
	config_free(b);
	for (i = 0; i < nitems(other); i++) {
		b = conf_of(other[i]);
		ck_assert_msg(!lconf_same(TAILQ_FIRST(&a->listeners),
		    TAILQ_FIRST(&b->listeners)), "case %zu", i);
		config_free(b);
	}
	config_free(a);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_value_escape);
	tcase_add_test(tc, test_value_every_byte);
	tcase_add_test(tc, test_scan_line);
	tcase_add_test(tc, test_scan_bad_bytes);
	tcase_add_loop_test(tc, test_scan_bounds, CONTROL_LINE_MAX - 3,
	    CONTROL_LINE_MAX + 3);
	tcase_add_test(tc, test_tap_room);
	tcase_add_test(tc, test_tap_missed_len);
	tcase_add_test(tc, test_lconf_same);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
