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
 * The file sink: appends to a file, buffered like stdout.  The file is
 * opened with O_APPEND, so every write lands at the end even after
 * logrotate's copytruncate, and reopened by path on SIGHUP after a
 * rotation: what was buffered goes to the old file first, so the old and
 * the new file together hold every record once.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

static int	file_open(struct sink *, char **);
static int	file_reopen(struct sink *);
static void	file_close(struct sink *);
static int	file_open_fd(const struct sink *);

const struct sink_ops sink_file_ops = {
	.name = "file",
	.open = file_open,
	.write = sink_buffered_write,
	.reopen = file_reopen,
	.flush = sink_buffered_flush,
	.close = file_close,
};

/*
 * Open the path for appending; the mode is exact (no umask).  A symlink
 * is never followed: whoever can write the directory could otherwise
 * point tcplogd's output anywhere it may write.
 */
static int
file_open_fd(const struct sink *s)
{
	mode_t	old;
	int	fd;

	old = umask(0);
	fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, s->mode);
	umask(old);
	return (fd);
}

static int
file_open(struct sink *s, char **cause)
{
	int	fd;

	if ((fd = file_open_fd(s)) == -1) {
		xasprintf(cause, "file %s: cannot open: %s", s->path,
		    strerror(errno));
		return (-1);
	}
	s->auto_ts = 1;
	return (sink_buffered_init(s, fd));
}

/*
 * Rotation: write what is buffered to the old file, then switch to a new
 * open of the path.  If that fails, keep the old file.
 */
static int
file_reopen(struct sink *s)
{
	int	fd;

	sink_buffered_flush(s);
	if ((fd = file_open_fd(s)) == -1) {
		log_warn("%s: reopen failed, keeping the old file", s->name);
		return (-1);
	}
	if (sink_pending(s) > 0)
		log_warnx("%s: %zu bytes the old file did not take go to the "
		    "new one", s->name, sink_pending(s));
	close(s->fd);
	sink_buffered_setfd(s, fd);
	s->broken = 0;
	return (0);
}

static void
file_close(struct sink *s)
{
	sink_buffered_close(s);
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}
