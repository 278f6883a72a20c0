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

#include <string.h>

#include "tcplogd.h"

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
