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
 * The PROXY protocol header a load balancer sends before the client's
 * bytes (HAProxy's proxy-protocol.txt, versions 1 and 2), read from the
 * start of what a connection received so far.  Nothing here touches a
 * socket, so the unit tests and the fuzzer call it directly.
 *
 * Version 1 is one text line, "PROXY TCP4 SRC DST SPORT DPORT\r\n", at
 * most 107 bytes; version 2 a 16-byte binary header whose last two bytes
 * give the length of the addresses and TLVs after it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "tcplogd.h"

#define PROXY_V1_PREFIX		"PROXY "
#define PROXY_V2_HEAD		16
#define PROXY_V2_INET_LEN	12	/* two IPv4 addresses, two ports */
#define PROXY_V2_INET6_LEN	36	/* two IPv6 addresses, two ports */

static const u_char proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static enum proxy_result proxy_parse_v1(const u_char *, size_t,
		    struct proxy_header *);
static enum proxy_result proxy_parse_v2(const u_char *, size_t,
		    struct proxy_header *);
static int	proxy_v1_port(const char *, size_t, uint16_t *);
static int	proxy_v1_addr(int, const char *, size_t, void *);
static void	proxy_sockaddr(struct proxy_header *, int, const void *,
		    uint16_t);

/*
 * Parse the header at the start of buf (len bytes so far) for the
 * versions allowed (PROXY_V1 | PROXY_V2).  Returns PROXY_MORE when the
 * bytes so far may still become a header, PROXY_ADDRESS or PROXY_LOCAL
 * with h filled in (h->len: the header's length; the client's bytes
 * follow), or PROXY_INVALID with h->error saying why.
 */
enum proxy_result
proxy_parse(const u_char *buf, size_t len, int versions,
    struct proxy_header *h)
{
	size_t	n;

	memset(h, 0, sizeof *h);
	if (len == 0)
		return (PROXY_MORE);
	if (buf[0] == proxy_v2_sig[0] && (versions & PROXY_V2)) {
		n = len < sizeof proxy_v2_sig ? len : sizeof proxy_v2_sig;
		if (memcmp(buf, proxy_v2_sig, n) != 0) {
			h->error = "bad PROXY v2 signature";
			return (PROXY_INVALID);
		}
		return (proxy_parse_v2(buf, len, h));
	}
	if (buf[0] == 'P' && (versions & PROXY_V1)) {
		n = len < sizeof PROXY_V1_PREFIX - 1 ? len :
		    sizeof PROXY_V1_PREFIX - 1;
		if (memcmp(buf, PROXY_V1_PREFIX, n) != 0) {
			h->error = "no PROXY header";
			return (PROXY_INVALID);
		}
		return (proxy_parse_v1(buf, len, h));
	}
	if (versions == PROXY_V1)
		h->error = "no PROXY v1 header";
	else if (versions == PROXY_V2)
		h->error = "no PROXY v2 header";
	else
		h->error = "no PROXY header";
	return (PROXY_INVALID);
}

/*
 * Version 1: "PROXY" SP ( "TCP4" | "TCP6" ) SP SRC SP DST SP SPORT SP
 * DPORT CRLF, or "PROXY UNKNOWN" and anything up to CRLF.  Single
 * spaces, decimal ports without leading zeros, as the specification
 * says and HAProxy sends.
 */
static enum proxy_result
proxy_parse_v1(const u_char *buf, size_t len, struct proxy_header *h)
{
	const char	*line = (const char *)buf;
	const char	*f[6];
	size_t		 flen[6], end, i, nf, scan;
	const u_char	*cr;
	u_char		 src[16], dst[16];
	uint16_t	 sport, dport;
	int		 af;

	h->version = 1;
	scan = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	if ((cr = memchr(buf, '\r', scan)) == NULL) {
		if (memchr(buf, '\n', scan) != NULL) {
			h->error = "PROXY v1 line ends without CR";
			return (PROXY_INVALID);
		}
		if (len >= PROXY_V1_MAX) {
			h->error = "PROXY v1 line without CRLF within "
			    "107 bytes";
			return (PROXY_INVALID);
		}
		return (PROXY_MORE);
	}
	end = cr - buf;
	if (memchr(buf, '\n', end) != NULL) {
		h->error = "PROXY v1 line ends without CR";
		return (PROXY_INVALID);
	}
	if (end + 2 > PROXY_V1_MAX) {
		h->error = "PROXY v1 line without CRLF within 107 bytes";
		return (PROXY_INVALID);
	}
	if (end + 1 == len)
		return (PROXY_MORE);
	if (buf[end + 1] != '\n') {
		h->error = "PROXY v1 line has a CR without LF";
		return (PROXY_INVALID);
	}
	h->len = end + 2;

	/* Fields between single spaces; nf 6: more than six. */
	nf = 0;
	f[0] = line;
	for (i = 0; i < end; i++) {
		if (line[i] != ' ')
			continue;
		if (nf == 5) {
			nf = 6;
			break;
		}
		flen[nf] = line + i - f[nf];
		f[++nf] = line + i + 1;
	}
	if (nf < 6)
		flen[nf] = line + end - f[nf];
	/* "PROXY UNKNOWN" may carry anything after it. */
	if (nf >= 1 && flen[1] == 7 && memcmp(f[1], "UNKNOWN", 7) == 0) {
		h->command = PROXY_CMD_LOCAL;
		return (PROXY_LOCAL);
	}
	if (nf < 1 || flen[1] != 4 || (memcmp(f[1], "TCP4", 4) != 0 &&
	    memcmp(f[1], "TCP6", 4) != 0)) {
		h->error = "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN";
		return (PROXY_INVALID);
	}
	if (nf != 5) {
		h->error = "PROXY v1 line does not have 6 fields";
		return (PROXY_INVALID);
	}
	af = f[1][3] == '4' ? AF_INET : AF_INET6;
	if (proxy_v1_addr(af, f[2], flen[2], src) == -1 ||
	    proxy_v1_addr(af, f[3], flen[3], dst) == -1) {
		h->error = af == AF_INET ? "PROXY v1 address is not IPv4" :
		    "PROXY v1 address is not IPv6";
		return (PROXY_INVALID);
	}
	if (proxy_v1_port(f[4], flen[4], &sport) == -1 ||
	    proxy_v1_port(f[5], flen[5], &dport) == -1) {
		h->error = "PROXY v1 port is not a number from 0 to 65535";
		return (PROXY_INVALID);
	}
	h->command = PROXY_CMD_PROXY;
	proxy_sockaddr(h, af, src, sport);
	return (PROXY_ADDRESS);
}

/* An address of a v1 line, as inet_pton(3) reads it (no other forms). */
static int
proxy_v1_addr(int af, const char *s, size_t len, void *out)
{
	char	tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof tmp)
		return (-1);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return (inet_pton(af, tmp, out) == 1 ? 0 : -1);
}

/* A port of a v1 line: 0 to 65535, decimal, no leading zero. */
static int
proxy_v1_port(const char *s, size_t len, uint16_t *port)
{
	uint32_t	v = 0;
	size_t		i;

	if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return (-1);
	*port = v;
	return (0);
}

/*
 * Version 2: the signature, version and command, family and protocol,
 * the length of the rest; for TCP over IPv4 or IPv6 the addresses and
 * ports come first in the rest, TLVs after them, which are skipped.
 * LOCAL (a balancer's own connection, such as a health check) and
 * families without an address (UNSPEC, UNIX) carry no client.
 */
static enum proxy_result
proxy_parse_v2(const u_char *buf, size_t len, struct proxy_header *h)
{
	size_t		rest;
	u_int		cmd, fam, proto;
	uint16_t	sport;

	h->version = 2;
	if (len < PROXY_V2_HEAD)
		return (PROXY_MORE);
	if ((buf[12] >> 4) != 2) {
		h->error = "PROXY v2 version is not 2";
		return (PROXY_INVALID);
	}
	cmd = buf[12] & 0x0f;
	if (cmd != PROXY_CMD_LOCAL && cmd != PROXY_CMD_PROXY) {
		h->error = "PROXY v2 command is not LOCAL or PROXY";
		return (PROXY_INVALID);
	}
	fam = buf[13] >> 4;
	proto = buf[13] & 0x0f;
	if (fam > 3 || proto > 2) {
		h->error = "PROXY v2 family or protocol is unknown";
		return (PROXY_INVALID);
	}
	rest = (size_t)buf[14] << 8 | buf[15];
	if (rest > PROXY_V2_MAX - PROXY_V2_HEAD) {
		h->error = "PROXY v2 length is over the limit";
		return (PROXY_INVALID);
	}
	if ((fam == 1 && rest < PROXY_V2_INET_LEN) ||
	    (fam == 2 && rest < PROXY_V2_INET6_LEN)) {
		h->error = "PROXY v2 length is too short for the addresses";
		return (PROXY_INVALID);
	}
	if (len < PROXY_V2_HEAD + rest)
		return (PROXY_MORE);
	h->len = PROXY_V2_HEAD + rest;
	h->command = cmd;
	if (cmd == PROXY_CMD_LOCAL || (fam != 1 && fam != 2) || proto != 1)
		return (PROXY_LOCAL);
	if (fam == 1) {
		sport = (uint16_t)buf[24] << 8 | buf[25];
		proxy_sockaddr(h, AF_INET, buf + 16, sport);
	} else {
		sport = (uint16_t)buf[48] << 8 | buf[49];
		proxy_sockaddr(h, AF_INET6, buf + 16, sport);
	}
	return (PROXY_ADDRESS);
}

/* The client's address into h, an IPv4-mapped IPv6 one as IPv4. */
static void
proxy_sockaddr(struct proxy_header *h, int af, const void *addr,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&h->src;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&h->src;

	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		sin->sin_port = htons(port);
		h->srclen = sizeof *sin;
		return;
	}
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, addr, 16);
	sin6->sin6_port = htons(port);
	h->srclen = sizeof *sin6;
	h->srclen = sockaddr_unmap(&h->src, h->srclen);
}
