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
 * The plain TCP transport: bytes come off the socket with read(2), as
 * they are.  Every connection starts with it; a stage (a TLS handshake)
 * may put another transport on top.  It holds nothing of its own, so it
 * never has bytes pending.
 */

#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

static ssize_t	tcp_read(struct conn *, void *, size_t, enum conn_reason *);
static int	tcp_wait(struct conn *, int);
static int	tcp_unread(struct conn *);
static void	tcp_close(struct conn *);

const struct transport_ops transport_tcp_ops = {
	.name = "tcp",
	.read = tcp_read,
	.wait = tcp_wait,
	.unread = tcp_unread,
	.close = tcp_close,
};

/*
 * One read(2).  Returns the bytes read, 0 if there is nothing now, or -1
 * with *reason set when the connection ends.
 */
static ssize_t
tcp_read(struct conn *c, void *buf, size_t len, enum conn_reason *reason)
{
	ssize_t	n;

	do {
		n = read(c->fd, buf, len);
	} while (n == -1 && errno == EINTR);
	if (n > 0)
		return (n);
	if (n == 0) {
		*reason = CONN_EOF;
		return (-1);
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return (0);
	if (errno == ECONNRESET)
		*reason = CONN_RESET;
	else if (errno == ETIMEDOUT)
		*reason = CONN_TIMEDOUT;
	else {
		log_debug("%s: %s: %s", c->conf->name, c->peer,
		    strerror(errno));
		*reason = CONN_ERROR;
	}
	return (-1);
}

/* Wait up to ms for input; 1 if some came. */
static int
tcp_wait(struct conn *c, int ms)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };

	return (poll(&pfd, 1, ms) > 0);
}

/* Bytes the kernel holds for us, or -1. */
static int
tcp_unread(struct conn *c)
{
	int	n;

	if (ioctl(c->fd, FIONREAD, &n) == -1)
		return (-1);
	return (n);
}

static void
tcp_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
}
