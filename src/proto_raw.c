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
 * The raw protocol: whatever one read brought, up to max_line bytes, is
 * one record.  There is no framing, so nothing is ever left over.
 */

#include "tcplogd.h"

static void	*raw_init(struct conn *);
static enum conn_reason raw_data_received(struct conn *, void *,
		    const u_char *, size_t);

const struct proto_ops proto_raw_ops = {
	.name = "raw",
	.init = raw_init,
	.data_received = raw_data_received,
};

static void *
raw_init(struct conn *c __unused)
{
	return (NULL);
}

/* Emit what one read brought in records of at most max_line bytes. */
static enum conn_reason
raw_data_received(struct conn *c, void *state __unused, const u_char *p,
    size_t len)
{
	size_t	n, max = c->conf->max_line;

	for (; len > 0; p += n, len -= n) {
		n = len > max ? max : len;
		conn_emit(c, p, n, 0);
	}
	return (CONN_OK);
}
