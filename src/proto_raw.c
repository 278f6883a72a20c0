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
static int	 raw_data_received(struct conn *, void *, struct evbuffer *);

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

/* Emit the buffer in records of at most max_line bytes. */
static int
raw_data_received(struct conn *c, void *state __unused,
    struct evbuffer *in)
{
	size_t	 len, max = c->conf->max_line;
	u_char	*p;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (len > max)
			len = max;
		p = evbuffer_pullup(in, len);
		conn_emit(c, p, len, 0);
		evbuffer_drain(in, len);
	}
	return (0);
}
