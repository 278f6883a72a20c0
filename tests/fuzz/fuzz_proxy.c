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
 * Fuzz target for proxy_parse.c, the PROXY header a balancer sends: the
 * input (after one header byte: the versions allowed) is what a
 * connection received.  Reading never goes past the bytes given (ASan:
 * the input is copied to a buffer of exactly its size), and the answer
 * is one a reader byte by byte would get: a header is never longer than
 * its version allows, every cut of it needs more, the bytes after it do
 * not change it, and an error found in the first N bytes is found with
 * any bytes after them.  A client is an IPv4 or IPv6 address, never an
 * IPv4-mapped one.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define FUZZ_HDR	1

static void	fuzz_same(const struct proxy_header *, enum proxy_result,
		    const struct proxy_header *, enum proxy_result);
static void	fuzz_header(const u_char *, size_t, int,
		    const struct proxy_header *, enum proxy_result);

/* Two answers to the same header are the same. */
static void
fuzz_same(const struct proxy_header *a, enum proxy_result ra,
    const struct proxy_header *b, enum proxy_result rb)
{
	FUZZ_ASSERT(ra == rb);
	FUZZ_ASSERT(a->len == b->len);
	FUZZ_ASSERT(a->version == b->version);
	if (ra == PROXY_INVALID)
		FUZZ_ASSERT(strcmp(a->error, b->error) == 0);
	if (ra == PROXY_ADDRESS) {
		FUZZ_ASSERT(a->srclen == b->srclen);
		FUZZ_ASSERT(memcmp(&a->src, &b->src, a->srclen) == 0);
	}
}

/* A whole header h (result r) at the start of buf (n bytes). */
static void
fuzz_header(const u_char *buf, size_t n, int versions,
    const struct proxy_header *h, enum proxy_result r)
{
	struct proxy_header	h2;
	enum proxy_result	r2;

	FUZZ_ASSERT(h->len > 0 && h->len <= n);
	FUZZ_ASSERT(h->version == 1 || h->version == 2);
	FUZZ_ASSERT(h->version == 2 || h->len <= PROXY_V1_MAX);
	FUZZ_ASSERT(h->len <= PROXY_V2_MAX);
	FUZZ_ASSERT((versions & (h->version == 1 ? PROXY_V1 : PROXY_V2)) !=
	    0);
	/* The header alone: the same; any cut of it: more. */
	r2 = proxy_parse(buf, h->len, versions, &h2);
	fuzz_same(h, r, &h2, r2);
	r2 = proxy_parse(buf, h->len - 1, versions, &h2);
	FUZZ_ASSERT(r2 == PROXY_MORE);
	r2 = proxy_parse(buf, h->len / 2, versions, &h2);
	FUZZ_ASSERT(r2 == PROXY_MORE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sockaddr_in6 *sin6;
	struct proxy_header	 h, h2;
	enum proxy_result	 r, r2;
	u_char			*buf;
	size_t			 n;
	int			 versions;

	if (size < FUZZ_HDR)
		return (0);
	versions = 1 + data[0] % 3;	/* v1, v2 or both */
	n = size - FUZZ_HDR;
	if ((buf = malloc(n > 0 ? n : 1)) == NULL)
		return (0);
	memcpy(buf, data + FUZZ_HDR, n);

	r = proxy_parse(buf, n, versions, &h);
	switch (r) {
	case PROXY_MORE:
		FUZZ_ASSERT(n < PROXY_V2_MAX);
		FUZZ_ASSERT(h.version != 1 || n < PROXY_V1_MAX);
		break;
	case PROXY_INVALID:
		FUZZ_ASSERT(h.error != NULL && *h.error != '\0');
		break;
	case PROXY_ADDRESS:
		FUZZ_ASSERT(h.command == PROXY_CMD_PROXY);
		if (h.src.ss_family == AF_INET)
			FUZZ_ASSERT(h.srclen == sizeof (struct sockaddr_in));
		else {
			FUZZ_ASSERT(h.src.ss_family == AF_INET6);
			FUZZ_ASSERT(h.srclen == sizeof *sin6);
			sin6 = (const struct sockaddr_in6 *)&h.src;
			FUZZ_ASSERT(!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr));
		}
		fuzz_header(buf, n, versions, &h, r);
		break;
	case PROXY_LOCAL:
		fuzz_header(buf, n, versions, &h, r);
		break;
	}
	/* An answer other than more stands whatever comes after. */
	if (r != PROXY_MORE && n > 0) {
		r2 = proxy_parse(buf, n - 1, versions, &h2);
		if (r2 != PROXY_MORE)
			fuzz_same(&h, r, &h2, r2);
	}
	free(buf);
	return (0);
}
