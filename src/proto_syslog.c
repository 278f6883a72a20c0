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
 * The syslog protocol, for a receiver that cannot know how its senders
 * frame messages (RFC 6587 section 3.4): the first byte of a connection
 * decides for the whole connection.  A digit means octet counting
 * (section 3.4.1, proto_octet.c); anything else, non-transparent framing
 * (section 3.4.2), as the line protocol with delimiter = lf-or-nul.  The
 * choice is never revisited: rsyslog guesses again at each frame and so
 * splits a multi-line message whose next line starts with a digit.
 * Everything after the choice is the chosen protocol's.
 */

#include <stdlib.h>

#include "tcplogd.h"

/* Per-connection state: the chosen protocol, once a byte came. */
struct syslog_state {
	const struct proto_ops	*ops;		/* borrowed, NULL: not yet */
	void			*state;		/* owned by ops */
};

static void	*syslog_init(struct conn *);
static enum conn_reason syslog_data_received(struct conn *, void *,
		    const u_char *, size_t);
static void	 syslog_connection_lost(struct conn *, void *,
		    enum conn_reason);
static size_t	 syslog_pending(void *);
static void	 syslog_free(void *);

const struct proto_ops proto_syslog_ops = {
	.name = "syslog",
	.init = syslog_init,
	.data_received = syslog_data_received,
	.connection_lost = syslog_connection_lost,
	.pending = syslog_pending,
	.free = syslog_free,
};

static void *
syslog_init(struct conn *c __unused)
{
	return (xcalloc(1, sizeof (struct syslog_state)));
}

static void
syslog_free(void *state)
{
	struct syslog_state	*st = state;

	if (st->ops != NULL && st->ops->free != NULL)
		st->ops->free(st->state);
	free(st);
}

static size_t
syslog_pending(void *state)
{
	struct syslog_state	*st = state;

	if (st->ops == NULL || st->ops->pending == NULL)
		return (0);
	return (st->ops->pending(st->state));
}

/* The first read chooses the framing; every read goes to it. */
static enum conn_reason
syslog_data_received(struct conn *c, void *state, const u_char *p,
    size_t len)
{
	struct syslog_state	*st = state;

	if (st->ops == NULL) {
		if (len == 0)
			return (CONN_OK);
		if (*p >= '0' && *p <= '9') {
			st->ops = &proto_octet_ops;
			st->state = st->ops->init(c);
		} else {
			st->ops = &proto_line_ops;
			st->state = st->ops->init(c);
			line_set_delimiter(st->state, DELIM_LF_OR_NUL);
		}
	}
	return (st->ops->data_received(c, st->state, p, len));
}

static void
syslog_connection_lost(struct conn *c, void *state, enum conn_reason reason)
{
	struct syslog_state	*st = state;

	if (st->ops != NULL && st->ops->connection_lost != NULL)
		st->ops->connection_lost(c, st->state, reason);
}
