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
 * The stdout sink, for foreground use, systemd's journal and tests.  The
 * descriptor is made non-blocking while tcplogd runs (the buffered writer
 * needs that to never stall the loop) and restored at exit.
 */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

static int	stdout_open(struct sink *, const struct lconf *, char **);
static void	stdout_close(struct sink *);
static void	stdout_restore(void);

const struct sink_ops sink_stdout_ops = {
	.name = "stdout",
	.owns_format = 1,
	.open = stdout_open,
	.write = sink_buffered_write,
	.write_lines = sink_buffered_write_lines,
	.flush = sink_buffered_flush,
	.close = stdout_close,
};

static int	stdout_flags = -1;	/* as tcplogd found them */

/* Give the shell back a blocking stdout, even after fatal(). */
static void
stdout_restore(void)
{
	if (stdout_flags != -1)
		(void)fcntl(STDOUT_FILENO, F_SETFL, stdout_flags);
}

/* Take over fd 1, non-blocking. */
static int
stdout_open(struct sink *s, const struct lconf *lc __unused, char **cause)
{
	static int	registered;

	if ((stdout_flags = fcntl(STDOUT_FILENO, F_GETFL)) == -1) {
		xasprintf(cause, "stdout: not open");
		return (-1);
	}
	if (!registered++)
		atexit(stdout_restore);
	if ((stdout_flags & O_NONBLOCK) == 0)
		(void)fcntl(STDOUT_FILENO, F_SETFL, stdout_flags | O_NONBLOCK);
	/* timestamps = auto: the journal stamps records itself. */
	s->auto_ts = !log_is_journal(STDOUT_FILENO);
	return (sink_buffered_init(s, STDOUT_FILENO));
}

static void
stdout_close(struct sink *s)
{
	sink_buffered_close(s);
	stdout_restore();
}
