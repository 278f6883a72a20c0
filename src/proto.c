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

/* The protocol registry: a listener's mode names its protocol. */

#include "tcplogd.h"

static const struct {
	enum lconf_mode		 mode;
	const struct proto_ops	*ops;
} protos[] = {
	{ MODE_LINE, &proto_line_ops },
	{ MODE_RAW, &proto_raw_ops },
	{ 0, NULL }
};

const struct proto_ops *
proto_find(enum lconf_mode mode)
{
	size_t	i;

	for (i = 0; protos[i].ops != NULL; i++) {
		if (protos[i].mode == mode)
			return (protos[i].ops);
	}
	return (NULL);
}
