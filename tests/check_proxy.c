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
 * Unit tests of proxy_parse.c: headers as HAProxy and the cloud
 * balancers send them (v1 TCP4, TCP6, UNKNOWN; v2 PROXY and LOCAL, IPv4,
 * IPv6, UNSPEC and UNIX, with TLVs), each also cut at every byte (more is
 * needed, never an error or a wrong answer) and followed by the client's
 * data (the header's length is exact); then every kind of invalid header
 * with its message; IPv4-mapped IPv6 clients become IPv4; the versions a
 * listener allows; and sockaddr_unmap() itself.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

#define IN(s)		(const u_char *)(s), sizeof (s) - 1

/* A good header and what it says; peer NULL: no client (LOCAL). */
struct good {
	const char	*what;
	const u_char	*in;
	size_t		 len;
	int		 version;
	const char	*peer;
};

/* A bad header, the versions tried, and the error it must give. */
struct bad {
	const u_char	*in;
	size_t		 len;
	int		 versions;
	const char	*error;
};

static const u_char v2_sig[] =
    "\r\n\r\n\0\r\nQUIT\n";

#define V2(verc, fam, hi, lo)	"\r\n\r\n\0\r\nQUIT\n" verc fam hi lo

static const struct good good[] = {
	{ "v1 TCP4 (HAProxy send-proxy)",
	  IN("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"), 1,
	  "192.0.2.1:56324" },
	{ "v1 TCP6",
	  IN("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n"), 1,
	  "[2001:db8::1]:65535" },
	{ "v1 TCP6 with an IPv4-mapped client",
	  IN("PROXY TCP6 ::ffff:192.0.2.9 ::1 80 1234\r\n"), 1,
	  "192.0.2.9:80" },
	{ "v1 TCP6, the longest addresses",
	  IN("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), 1,
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	{ "v1 UNKNOWN (a check)", IN("PROXY UNKNOWN\r\n"), 1, NULL },
	{ "v1 UNKNOWN, the longest line (107 bytes)",
	  IN("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), 1,
	  NULL },
	{ "v1 UNKNOWN with addresses",
	  IN("PROXY UNKNOWN ffff:: ffff:: 1 2\r\n"), 1, NULL },
	{ "v2 PROXY TCP over IPv4",
	  IN(V2("\x21", "\x11", "\x00", "\x0c")
	  "\xc0\x00\x02\x01" "\x7f\x00\x00\x01" "\x1f\x90" "\x00\x50"), 2,
	  "192.0.2.1:8080" },
	{ "v2 PROXY TCP over IPv6",
	  IN(V2("\x21", "\x21", "\x00", "\x24")
	  "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
	  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x01\xbb" "\x00\x50"), 2,
	  "[2001:db8::7]:443" },
	{ "v2 IPv6 with an IPv4-mapped client",
	  IN(V2("\x21", "\x21", "\x00", "\x24")
	  "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x33\x64\x07"
	  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x00\x01" "\x00\x50"), 2,
	  "198.51.100.7:1" },
	{ "v2 with TLVs (AWS NLB's VPC endpoint, a NOOP)",
	  IN(V2("\x21", "\x11", "\x00", "\x1a")
	  "\x0a\x00\x00\x05" "\x0a\x00\x00\x06" "\x30\x39" "\x00\x50"
	  "\xea\x00\x05" "\x01vpce" "\x04\x00\x03" "abc"), 2,
	  "10.0.0.5:12345" },
	{ "v2 LOCAL (HAProxy's check with check-send-proxy)",
	  IN(V2("\x20", "\x00", "\x00", "\x00")), 2, NULL },
	{ "v2 LOCAL with an address block, skipped",
	  IN(V2("\x20", "\x11", "\x00", "\x0c")
	  "\x0a\x00\x00\x05" "\x0a\x00\x00\x06" "\x30\x39" "\x00\x50"), 2,
	  NULL },
	{ "v2 PROXY over UNSPEC",
	  IN(V2("\x21", "\x00", "\x00", "\x00")), 2, NULL },
	{ "v2 PROXY over UDP, no TCP client",
	  IN(V2("\x21", "\x12", "\x00", "\x0c")
	  "\x0a\x00\x00\x05" "\x0a\x00\x00\x06" "\x30\x39" "\x00\x50"), 2,
	  NULL },
};

static const struct bad bad[] = {
	{ IN("GET / HTTP/1.1\r\n"), PROXY_ANY, "no PROXY header" },
	{ IN("GET / HTTP/1.1\r\n"), PROXY_V1, "no PROXY v1 header" },
	{ IN("GET / HTTP/1.1\r\n"), PROXY_V2, "no PROXY v2 header" },
	{ IN("PROXZ TCP4"), PROXY_ANY, "no PROXY header" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"), PROXY_V2,
	  "no PROXY v2 header" },
	{ IN(V2("\x21", "\x11", "\x00", "\x0c")), PROXY_V1,
	  "no PROXY v1 header" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n"), PROXY_ANY,
	  "PROXY v1 line ends without CR" },
	{ IN("PROXY UNKNOWN a\nb\r\n"), PROXY_ANY,
	  "PROXY v1 line ends without CR" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX"), PROXY_ANY,
	  "PROXY v1 line has a CR without LF" },
	{ IN("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n"),
	  PROXY_ANY, "PROXY v1 line without CRLF within 107 bytes" },
	{ IN("PROXY TCP4 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	  PROXY_ANY, "PROXY v1 line without CRLF within 107 bytes" },
	{ IN("PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN" },
	{ IN("PROXY\r\n"), PROXY_ANY, "no PROXY header" },
	{ IN("PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n"), PROXY_ANY,
	  "PROXY v1 line does not have 6 fields" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n"), PROXY_ANY,
	  "PROXY v1 line does not have 6 fields" },
	{ IN("PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 line does not have 6 fields" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n"), PROXY_ANY,
	  "PROXY v1 line does not have 6 fields" },
	{ IN("PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 address is not IPv4" },
	{ IN("PROXY TCP4 ::1 192.0.2.2 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 address is not IPv4" },
	{ IN("PROXY TCP4 0x7f.1 192.0.2.2 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 address is not IPv4" },
	{ IN("PROXY TCP6 192.0.2.1 ::1 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 address is not IPv6" },
	{ IN("PROXY TCP6 [::1] ::1 1 2\r\n"), PROXY_ANY,
	  "PROXY v1 address is not IPv6" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n"), PROXY_ANY,
	  "PROXY v1 port is not a number from 0 to 65535" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 080 2\r\n"), PROXY_ANY,
	  "PROXY v1 port is not a number from 0 to 65535" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n"), PROXY_ANY,
	  "PROXY v1 port is not a number from 0 to 65535" },
	{ IN("PROXY TCP4 192.0.2.1 192.0.2.2 1 +2\r\n"), PROXY_ANY,
	  "PROXY v1 port is not a number from 0 to 65535" },
	{ IN("\r\n\r\n\0\r\nQUIX\n"), PROXY_ANY, "bad PROXY v2 signature" },
	{ IN("\r\n\r\n\0\r\r"), PROXY_ANY, "bad PROXY v2 signature" },
	{ IN(V2("\x11", "\x11", "\x00", "\x0c")), PROXY_ANY,
	  "PROXY v2 version is not 2" },
	{ IN(V2("\x22", "\x11", "\x00", "\x0c")), PROXY_ANY,
	  "PROXY v2 command is not LOCAL or PROXY" },
	{ IN(V2("\x21", "\x41", "\x00", "\x0c")), PROXY_ANY,
	  "PROXY v2 family or protocol is unknown" },
	{ IN(V2("\x21", "\x13", "\x00", "\x0c")), PROXY_ANY,
	  "PROXY v2 family or protocol is unknown" },
	{ IN(V2("\x21", "\x11", "\x00", "\x0b")), PROXY_ANY,
	  "PROXY v2 length is too short for the addresses" },
	{ IN(V2("\x21", "\x21", "\x00", "\x0c")), PROXY_ANY,
	  "PROXY v2 length is too short for the addresses" },
	{ IN(V2("\x21", "\x11", "\x0f", "\xf1")), PROXY_ANY,
	  "PROXY v2 length is over the limit" },
	{ IN(V2("\x21", "\x11", "\xff", "\xff")), PROXY_ANY,
	  "PROXY v2 length is over the limit" },
};

static void	check_good(const struct good *, const u_char *, size_t);

/* The header alone, then with data after it: the same answer. */
static void
check_good(const struct good *g, const u_char *in, size_t len)
{
	struct proxy_header	h;
	enum proxy_result	r;
	char			peer[CONN_PEER_LEN];

	r = proxy_parse(in, len, PROXY_ANY, &h);
	ck_assert_msg(r == (g->peer != NULL ? PROXY_ADDRESS : PROXY_LOCAL),
	    "%s: result %d (%s)", g->what, r, h.error ? h.error : "");
	ck_assert_msg(h.len == g->len, "%s: length %zu, not %zu", g->what,
	    h.len, g->len);
	ck_assert_int_eq(h.version, g->version);
	if (g->peer == NULL)
		return;
	conn_peer_string((struct sockaddr *)&h.src, peer, sizeof peer);
	ck_assert_msg(strcmp(peer, g->peer) == 0, "%s: peer %s, not %s",
	    g->what, peer, g->peer);
	ck_assert_int_eq(h.srclen, h.src.ss_family == AF_INET ?
	    sizeof (struct sockaddr_in) : sizeof (struct sockaddr_in6));
}

START_TEST(test_good)
{
	const struct good	*g = &good[_i];
	u_char			*buf;

	check_good(g, g->in, g->len);
	/* The client's bytes after it are not part of the header. */
	buf = malloc(g->len + 300);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, g->in, g->len);
	memset(buf + g->len, 'P', 300);
	check_good(g, buf, g->len + 300);
	memcpy(buf + g->len, "\r\n\r\n\0\r\nQUIT\n!", 13);
	check_good(g, buf, g->len + 13);
	free(buf);
}
END_TEST

/* Every cut of a good header needs more: a header sent byte by byte. */
START_TEST(test_good_cut)
{
	const struct good	*g = &good[_i];
	struct proxy_header	 h;
	enum proxy_result	 r;
	size_t			 n;

	for (n = 0; n < g->len; n++) {
		r = proxy_parse(g->in, n, PROXY_ANY, &h);
		ck_assert_msg(r == PROXY_MORE, "%s: cut at %zu: result %d "
		    "(%s)", g->what, n, r, h.error ? h.error : "");
		r = proxy_parse(g->in, n, g->version == 1 ? PROXY_V1 :
		    PROXY_V2, &h);
		ck_assert_msg(r == PROXY_MORE, "%s: cut at %zu, v%d only: "
		    "result %d", g->what, n, g->version, r);
	}
}
END_TEST

START_TEST(test_good_version)
{
	const struct good	*g = &good[_i];
	struct proxy_header	 h;
	enum proxy_result	 r;

	r = proxy_parse(g->in, g->len, g->version == 1 ? PROXY_V1 : PROXY_V2,
	    &h);
	ck_assert_int_ne(r, PROXY_INVALID);
	r = proxy_parse(g->in, g->len, g->version == 1 ? PROXY_V2 : PROXY_V1,
	    &h);
	ck_assert_msg(r == PROXY_INVALID, "%s: read as the other version",
	    g->what);
	ck_assert_str_eq(h.error, g->version == 1 ? "no PROXY v2 header" :
	    "no PROXY v1 header");
}
END_TEST

START_TEST(test_bad)
{
	const struct bad	*b = &bad[_i];
	struct proxy_header	 h;
	enum proxy_result	 r;

	r = proxy_parse(b->in, b->len, b->versions, &h);
	ck_assert_msg(r == PROXY_INVALID, "bad[%d] (%s): result %d", _i,
	    b->error, r);
	ck_assert_ptr_nonnull(h.error);
	ck_assert_str_eq(h.error, b->error);
}
END_TEST

/*
 * A v2 header over the limit is refused from its first 16 bytes, one at
 * the limit is taken whole: the memory a header may cost is bounded.
 */
START_TEST(test_v2_limit)
{
	struct proxy_header	 h;
	u_char			*buf;
	size_t			 rest = PROXY_V2_MAX - 16;

	buf = calloc(1, PROXY_V2_MAX);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, v2_sig, 12);
	buf[12] = 0x21;
	buf[13] = 0x11;
	buf[14] = rest >> 8;
	buf[15] = rest & 0xff;
	ck_assert_int_eq(proxy_parse(buf, PROXY_V2_MAX - 1, PROXY_ANY, &h),
	    PROXY_MORE);
	ck_assert_int_eq(proxy_parse(buf, PROXY_V2_MAX, PROXY_ANY, &h),
	    PROXY_ADDRESS);
	ck_assert_uint_eq(h.len, PROXY_V2_MAX);
	rest++;
	buf[14] = rest >> 8;
	buf[15] = rest & 0xff;
	ck_assert_int_eq(proxy_parse(buf, 16, PROXY_ANY, &h), PROXY_INVALID);
	free(buf);
}
END_TEST

/*
 * PROXY over AF_UNIX (two 108-byte paths): no TCP client, like LOCAL;
 * its 216 bytes are skipped, not read as addresses.
 */
START_TEST(test_v2_unix)
{
	struct proxy_header	h;
	u_char			buf[16 + 216 + 4];

	memset(buf, 0, sizeof buf);
	memcpy(buf, v2_sig, 12);
	buf[12] = 0x21;
	buf[13] = 0x31;
	buf[15] = 216;
	memcpy(buf + 16, "/run/a", 6);
	memcpy(buf + 16 + 108, "/run/b", 6);
	memcpy(buf + 16 + 216, "data", 4);
	ck_assert_int_eq(proxy_parse(buf, 16 + 215, PROXY_ANY, &h),
	    PROXY_MORE);
	ck_assert_int_eq(proxy_parse(buf, sizeof buf, PROXY_ANY, &h),
	    PROXY_LOCAL);
	ck_assert_uint_eq(h.len, 16 + 216);
	ck_assert_uint_eq(h.command, PROXY_CMD_PROXY);
}
END_TEST

/* An early bad byte is an error at once, not after a timeout. */
START_TEST(test_early_error)
{
	struct proxy_header	h;

	ck_assert_int_eq(proxy_parse(IN("X"), PROXY_ANY, &h), PROXY_INVALID);
	ck_assert_int_eq(proxy_parse(IN("PROX "), PROXY_ANY, &h),
	    PROXY_INVALID);
	ck_assert_int_eq(proxy_parse(IN("\r\n\r\n\0\r\nQUIZ"), PROXY_ANY,
	    &h), PROXY_INVALID);
	ck_assert_int_eq(proxy_parse(IN("\x16\x03\x01"), PROXY_ANY, &h),
	    PROXY_INVALID);
}
END_TEST

START_TEST(test_unmap)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 peer[CONN_PEER_LEN];
	socklen_t		 len;

	memset(&ss, 0, sizeof ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(5140);
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1",
	    &sin6->sin6_addr), 1);
	len = sockaddr_unmap(&ss, sizeof *sin6);
	ck_assert_uint_eq(len, sizeof (struct sockaddr_in));
	conn_peer_string((struct sockaddr *)&ss, peer, sizeof peer);
	ck_assert_str_eq(peer, "127.0.0.1:5140");

	/* Not mapped: kept as it is, ::1 and the IPv4-compatible form. */
	memset(&ss, 0, sizeof ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(1);
	ck_assert_int_eq(inet_pton(AF_INET6, "::1", &sin6->sin6_addr), 1);
	ck_assert_uint_eq(sockaddr_unmap(&ss, sizeof *sin6), sizeof *sin6);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(inet_pton(AF_INET6, "::127.0.0.1",
	    &sin6->sin6_addr), 1);
	ck_assert_uint_eq(sockaddr_unmap(&ss, sizeof *sin6), sizeof *sin6);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
}
END_TEST

/* The peer strings, IPv4 formatted by hand: its extremes, and a cut. */
START_TEST(test_peer_string)
{
	struct sockaddr_in	sin;
	char			peer[CONN_PEER_LEN], small[8];

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	conn_peer_string((struct sockaddr *)&sin, peer, sizeof peer);
	ck_assert_str_eq(peer, "0.0.0.0:0");
	sin.sin_addr.s_addr = htonl(0xffffffff);
	sin.sin_port = htons(65535);
	conn_peer_string((struct sockaddr *)&sin, peer, sizeof peer);
	ck_assert_str_eq(peer, "255.255.255.255:65535");
	ck_assert_int_eq(inet_pton(AF_INET, "10.20.3.40", &sin.sin_addr), 1);
	sin.sin_port = htons(514);
	conn_peer_string((struct sockaddr *)&sin, peer, sizeof peer);
	ck_assert_str_eq(peer, "10.20.3.40:514");
	conn_peer_string((struct sockaddr *)&sin, small, sizeof small);
	ck_assert_str_eq(small, "10.20.3");
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite	*s = suite_create("proxy_parse");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, nitems(good));
	tcase_add_loop_test(tc, test_good_cut, 0, nitems(good));
	tcase_add_loop_test(tc, test_good_version, 0, nitems(good));
	tcase_add_loop_test(tc, test_bad, 0, nitems(bad));
	tcase_add_test(tc, test_v2_limit);
	tcase_add_test(tc, test_v2_unix);
	tcase_add_test(tc, test_early_error);
	tcase_add_test(tc, test_unmap);
	tcase_add_test(tc, test_peer_string);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(proxy_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
