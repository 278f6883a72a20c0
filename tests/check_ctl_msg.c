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
 * Unit tests of tcplogctl's reading of the control protocol (ctl_msg.c):
 * the greeting, %XX decoding, records, and their JSON form; and the round
 * trip of every byte through the daemon's control_value() and back.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "ctl_msg.h"

/* The JSON line ctl_json_record() writes for line, without its LF. */
static char *
json_of(const char *line)
{
	struct ctl_record	 r;
	char			*buf = NULL;
	size_t			 size = 0;
	FILE			*f;

	ck_assert_int_eq(ctl_record_parse(line, &r), 0);
	f = open_memstream(&buf, &size);
	ck_assert_ptr_nonnull(f);
	ctl_json_record(f, &r);
	fclose(f);
	ctl_record_free(&r);
	ck_assert_uint_gt(size, 0);
	ck_assert_int_eq(buf[size - 1], '\n');
	buf[size - 1] = '\0';
	return (buf);
}

START_TEST(test_greeting)
{
	unsigned int	 proto;
	const char	*version;

	ck_assert_int_eq(ctl_greeting("tcplogd-control 1 0.1.0", &proto,
	    &version), 0);
	ck_assert_uint_eq(proto, 1);
	ck_assert_str_eq(version, "0.1.0");
	ck_assert_int_eq(ctl_greeting("tcplogd-control 12 2.0 extra", &proto,
	    &version), 0);
	ck_assert_uint_eq(proto, 12);
	ck_assert_str_eq(version, "2.0 extra");
	ck_assert_int_eq(ctl_greeting("tcplogd-control 3", &proto, &version),
	    0);
	ck_assert_str_eq(version, "");

	ck_assert_int_eq(ctl_greeting("tcplogd-control", &proto, &version),
	    -1);
	ck_assert_int_eq(ctl_greeting("tcplogd-control 0 x", &proto,
	    &version), -1);
	ck_assert_int_eq(ctl_greeting("tcplogd-control x1 x", &proto,
	    &version), -1);
	ck_assert_int_eq(ctl_greeting("tcplogd-control -1 x", &proto,
	    &version), -1);
	ck_assert_int_eq(ctl_greeting("tcplogd-control 1x 0.1", &proto,
	    &version), -1);
	ck_assert_int_eq(ctl_greeting("tcplogd-controls 1 0.1", &proto,
	    &version), -1);
	ck_assert_int_eq(ctl_greeting("SSH-2.0-OpenSSH", &proto, &version),
	    -1);
	ck_assert_int_eq(ctl_greeting("tcplogd-control 99999999999999999999 x",
	    &proto, &version), -1);
}
END_TEST

START_TEST(test_decode)
{
	char	s[64];

	strcpy(s, "a%20b%25c%3Dd%3de%7F");
	ck_assert_int_eq(ctl_decode(s), 0);
	ck_assert_str_eq(s, "a b%c=d=e\x7f");
	strcpy(s, "plain");
	ck_assert_int_eq(ctl_decode(s), 0);
	ck_assert_str_eq(s, "plain");
	strcpy(s, "%");
	ck_assert_int_eq(ctl_decode(s), -1);
	strcpy(s, "%4");
	ck_assert_int_eq(ctl_decode(s), -1);
	strcpy(s, "%G0");
	ck_assert_int_eq(ctl_decode(s), -1);
}
END_TEST

START_TEST(test_record)
{
	struct ctl_record	r;

	ck_assert_int_eq(ctl_record_parse("type=listener name=a%20b x= n=3",
	    &r), 0);
	ck_assert_uint_eq(r.nfields, 4);
	ck_assert_str_eq(ctl_record_get(&r, "type"), "listener");
	ck_assert_str_eq(ctl_record_get(&r, "name"), "a b");
	ck_assert_str_eq(ctl_record_get(&r, "x"), "");
	ck_assert_str_eq(ctl_record_get(&r, "n"), "3");
	ck_assert_ptr_null(ctl_record_get(&r, "missing"));
	ctl_record_free(&r);

	/* A value's own '=' comes %3D, but a raw one is taken as it is. */
	ck_assert_int_eq(ctl_record_parse("k=a=b", &r), 0);
	ck_assert_str_eq(ctl_record_get(&r, "k"), "a=b");
	ctl_record_free(&r);

	ck_assert_int_eq(ctl_record_parse("listener app: added", &r), -1);
	ck_assert_int_eq(ctl_record_parse("=x", &r), -1);
	ck_assert_int_eq(ctl_record_parse("a=1  b=2", &r), -1);
	ck_assert_int_eq(ctl_record_parse("a=%zz", &r), -1);
	ck_assert_int_eq(ctl_record_parse("", &r), -1);
}
END_TEST

START_TEST(test_number)
{
	ck_assert(ctl_is_number("0"));
	ck_assert(ctl_is_number("1234"));
	ck_assert(ctl_is_number("18446744073709551615"));
	ck_assert(!ctl_is_number("18446744073709551616"));
	ck_assert(!ctl_is_number("100000000000000000000"));
	ck_assert(!ctl_is_number("01"));
	ck_assert(!ctl_is_number(""));
	ck_assert(!ctl_is_number("-1"));
	ck_assert(!ctl_is_number("1.5"));
	ck_assert(!ctl_is_number("1e3"));
}
END_TEST

START_TEST(test_json)
{
	char	*j;

	j = json_of("type=listener name=123 accepted=4 listen=1.2.3.4:5 "
	    "big=18446744073709551616 z=007");
	ck_assert_str_eq(j, "{\"type\":\"listener\",\"name\":\"123\","
	    "\"accepted\":4,\"listen\":\"1.2.3.4:5\","
	    "\"big\":\"18446744073709551616\",\"z\":\"007\"}");
	free(j);
	/* Escapes; valid UTF-8 passes, a stray byte becomes its code point. */
	j = json_of("type=x v=%22%5C%0A%01%7F%C3%A9%FF%E2%82");
	ck_assert_str_eq(j, "{\"type\":\"x\",\"v\":\"\\\"\\\\\\u000a"
	    "\\u0001\\u007f\xc3\xa9\\u00ff\\u00e2\\u0082\"}");
	free(j);
	/* Overlong, surrogate, past U+10FFFF. */
	j = json_of("type=x v=%C0%80%ED%A0%80%F4%90%80%80");
	ck_assert_str_eq(j, "{\"type\":\"x\",\"v\":\"\\u00c0\\u0080"
	    "\\u00ed\\u00a0\\u0080\\u00f4\\u0090\\u0080\\u0080\"}");
	free(j);
}
END_TEST

/*
 * Every byte but NUL, alone and among others, through the daemon's
 * encoder and back: the client reads what the daemon meant.
 */
START_TEST(test_round_trip)
{
	struct ctl_record	 r;
	struct evbuffer		*b;
	char			 in[8], line[64];
	size_t			 len;
	int			 c = _i + 1;

	snprintf(in, sizeof in, "a%cb", c);
	b = evbuffer_new();
	ck_assert_ptr_nonnull(b);
	evbuffer_add_printf(b, "type=x v=");
	control_value(b, in);
	len = evbuffer_get_length(b);
	ck_assert_uint_lt(len, sizeof line);
	evbuffer_remove(b, line, len);
	line[len] = '\0';
	evbuffer_free(b);
	/* Nothing that splits a record or a line is left raw. */
	ck_assert_ptr_null(strpbrk(line + 9, " =\n\r\t"));
	ck_assert_int_eq(ctl_record_parse(line, &r), 0);
	ck_assert_uint_eq(r.nfields, 2);
	ck_assert_str_eq(ctl_record_get(&r, "v"), in);
	ctl_record_free(&r);
}
END_TEST

static Suite *
ctl_msg_suite(void)
{
	Suite	*s = suite_create("ctl_msg");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_greeting);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_record);
	tcase_add_test(tc, test_number);
	tcase_add_test(tc, test_json);
	tcase_add_loop_test(tc, test_round_trip, 0, 255);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ctl_msg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
