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
 * The protocol registry: a listener's mode names its protocol, and the
 * enum lconf_mode value is the index of its row.  A new framing is one
 * proto_*.c and one row.
 */

#include <stdlib.h>
#include <string.h>

#include "tcplogd.h"

#define PROTO_PART_MIN	256	/* smallest buffer for a kept record */
#define PROTO_PART_MAX	(64 * 1024) /* a larger one is freed once empty */

static const struct proto_ops *const protos[] = {
	[MODE_LINE] = &proto_line_ops,
	[MODE_RAW] = &proto_raw_ops,
	[MODE_OCTET] = &proto_octet_ops,
	[MODE_SYSLOG] = &proto_syslog_ops,
	NULL
};

/* The protocol of a mode. */
const struct proto_ops *
proto_find(enum lconf_mode mode)
{
	if ((size_t)mode >= nitems(protos) - 1)
		return (NULL);
	return (protos[mode]);
}

/* The name of mode i, for i from 0 until NULL. */
const char *
proto_name(size_t i)
{
	if (i >= nitems(protos) - 1)
		return (NULL);
	return (protos[i]->name);
}

/* Append len bytes to the kept start of a record. */
void
proto_part_keep(struct proto_part *pt, const u_char *p, size_t len)
{
	size_t	size = pt->size;

	if (len == 0)
		return;
	if (pt->len + len > size) {
		if (size < PROTO_PART_MIN)
			size = PROTO_PART_MIN;
		while (size < pt->len + len)
			size *= 2;
		pt->buf = xreallocarray(pt->buf, 1, size);
		pt->size = size;
	}
	memcpy(pt->buf + pt->len, p, len);
	pt->len += len;
}

/* The kept record was emitted: empty, a buffer grown large given back. */
void
proto_part_empty(struct proto_part *pt)
{
	pt->len = 0;
	if (pt->size > PROTO_PART_MAX) {
		free(pt->buf);
		pt->buf = NULL;
		pt->size = 0;
	}
}
