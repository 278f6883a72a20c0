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
 *
 * A rotation by rename is also followed as it happens, so that a reader
 * of the name (tail -F) sees every record: such a reader stops reading
 * the file when it sees it renamed.  Before each write the sink checks
 * that the path still names its file.  That leaves a race, so an inotify
 * watch on the open file also reports its renaming in order with the
 * file's own writes, to tcplogd as to the reader.  After each write the
 * sink reads the events: if the rename came before the write, the write
 * went to a file its readers have left, so it is cut off that file again
 * (ftruncate) and written to the file that has the name now.  (A reader
 * that lagged and read it anyway sees it twice: none is lost.)  Until
 * that file exists (logrotate's create makes it right after the rename,
 * the SIGHUP comes after that) output is held, with backpressure, and
 * the sink looks again every SINK_FOLLOW_MSEC; after SINK_FOLLOW_WAIT ms,
 * or when stopping, it creates the file itself.  Without inotify (or
 * /proc) files are reopened on SIGHUP only.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define SINK_FOLLOW_MSEC 20	/* renamed file: look for the new one */
#define SINK_FOLLOW_WAIT 1000	/* for so many ms, then create it */

#define FILE_IOV	64	/* chains written at once */

/* What the events since the last write say. */
enum file_moved {
	FILE_STAYED,		/* not renamed */
	FILE_MOVED_AFTER,	/* renamed after the write */
	FILE_MOVED_BEFORE	/* renamed before the write landed */
};

struct file_state {
	int	ifd;		/* inotify, -1: none */
	int	wd;		/* its watch on fd's file, -1: none */
	dev_t	dev;		/* fd's file */
	ino_t	ino;
	int	moved;		/* the path no longer names fd's file */
	int	looking;	/* for the file that has the name now */
	struct timespec since;	/* looking since, CLOCK_MONOTONIC */
	int	force;		/* do not hold output: flushing to close */
	int	stay;		/* gave up following: until the next reopen */
	gid_t	gid;		/* file_group, or -1: the process's */
};

static int	file_open(struct sink *, const struct lconf *, char **);
static int	file_same(const struct sink *, const struct lconf *);
static int	file_reopen(struct sink *);
static int	file_used(struct sink *);
static void	file_flush(struct sink *);
static void	file_close(struct sink *);
static int	file_writebuf(struct sink *);
static int	file_check(const struct lconf *, char **);
static void	file_cause(char **, const struct lconf *, const char *);
static int	file_open_fd(const struct sink *, int, const char **);
static const char *file_kind(mode_t);
static void	file_watch(struct sink *);
static enum file_moved file_events(struct file_state *);
static int	file_follow(struct sink *);
static int	file_renamed(struct sink *);
static void	file_switch(struct sink *, int);
static int	file_chgrp(const struct sink *, int, const char **);
static void	file_configure(struct sink *, const struct config *);

/*
 * Look for a rename before each write (1), or only in the events after
 * it (0): the unit tests turn it off to take the path of a write that
 * raced with the rename.
 */
int	sink_file_prestat = 1;

const struct sink_ops sink_file_ops = {
	.name = "file",
	.owns_format = 1,
	.open = file_open,
	.same = file_same,
	.configure = file_configure,
	.write = sink_buffered_write,
	.write_lines = sink_buffered_write_lines,
	.reopen = file_reopen,
	.used = file_used,
	.flush = file_flush,
	.close = file_close,
	.writebuf = file_writebuf,
	.check = file_check,
};

/* Listeners naming the same path share its sink. */
static int
file_same(const struct sink *s, const struct lconf *lc)
{
	return (strcmp(s->path, lc->file) == 0);
}

/* What a file that is not a regular one is, for the diagnostics. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return ("not a regular file (a FIFO)");
	if (S_ISSOCK(mode))
		return ("not a regular file (a socket)");
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return ("not a regular file (a device)");
	if (S_ISDIR(mode))
		return ("not a regular file (a directory)");
	return ("not a regular file");
}

/*
 * Open the path for appending, creating it if create is set; the mode is
 * exact (no umask).  A symlink is never followed: whoever can write the
 * directory could otherwise point tcplogd's output anywhere it may write.
 * Only a regular file is taken: opening a FIFO blocks until it has a
 * reader (hence O_NONBLOCK, which a FIFO without one fails with ENXIO),
 * and writes to a FIFO or device would stall or break the daemon.  On
 * failure *why says why (errno is EINVAL for a file of another kind).
 */
static int
file_open_fd(const struct sink *s, int create, const char **why)
{
	struct stat	sb;
	mode_t		old;
	int		fd, flags, saved_errno;

	flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	old = umask(0);
	fd = open(s->path, flags | (create ? O_CREAT : 0), s->mode);
	umask(old);
	if (fd == -1) {
		saved_errno = errno;
		*why = strerror(saved_errno);
		if (saved_errno == ENXIO && lstat(s->path, &sb) == 0 &&
		    !S_ISREG(sb.st_mode)) {
			*why = file_kind(sb.st_mode);
			saved_errno = EINVAL;
		}
		errno = saved_errno;
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		saved_errno = errno;
		*why = strerror(saved_errno);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		*why = file_kind(sb.st_mode);
		saved_errno = EINVAL;
		goto fail;
	}
	/* Writes to a regular file never wait anyway; say so plainly. */
	if (fcntl(fd, F_SETFL, O_WRONLY | O_APPEND) == -1) {
		saved_errno = errno;
		*why = strerror(saved_errno);
		goto fail;
	}
	return (fd);

fail:
	close(fd);
	errno = saved_errno;
	return (-1);
}

/*
 * Remember which file fd is (for file_renamed()) and watch it for
 * renaming (and its writes, for the order), with one inotify instance
 * for the life of the sink: instances are few per user
 * (max_user_instances) and freed lazily, too slowly for SIGHUP storms.
 */
static void
file_watch(struct sink *s)
{
	struct file_state	*st = s->state;
	struct stat		 sb;
#ifdef __linux__
	char			 path[64];
#endif

	if (fstat(s->fd, &sb) == 0) {
		st->dev = sb.st_dev;
		st->ino = sb.st_ino;
	}
#ifdef __linux__

	if (st->ifd == -1 &&
	    (st->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_debug("%s: not following renames: %s", s->name,
		    strerror(errno));
		return;
	}
	if (st->wd != -1)
		(void)inotify_rm_watch(st->ifd, st->wd);
	(void)snprintf(path, sizeof path, "/proc/self/fd/%d", s->fd);
	st->wd = inotify_add_watch(st->ifd, path, IN_MODIFY | IN_MOVE_SELF);
	if (st->wd == -1)
		log_debug("%s: not following renames: %s", s->name,
		    strerror(errno));
	(void)file_events(st);	/* the old watch's */
#endif
}

/*
 * Read the events queued since the last write.  The last IN_MODIFY is
 * the write just made (the kernel merges it into an equal event just
 * before it, never across another): a rename before it came first.
 */
static enum file_moved
file_events(struct file_state *st)
{
#ifdef __linux__
	union {
		struct inotify_event	ev;
		char			buf[4096];
	}				 u;
	const struct inotify_event	*ev;
	ssize_t				 n, off;
	int				 moved = 0, late = 0;

	while ((n = read(st->ifd, u.buf, sizeof u.buf)) > 0) {
		for (off = 0; off + (ssize_t)sizeof *ev <= n;
		    off += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)(void *)
			    (u.buf + off);
			if (ev->wd != st->wd)
				continue;
			if (ev->mask & IN_MOVE_SELF)
				moved = 1;
			if (ev->mask & IN_MODIFY)
				late = moved;
		}
	}
	if (moved)
		return (late ? FILE_MOVED_BEFORE : FILE_MOVED_AFTER);
#endif
	return (FILE_STAYED);
}

/*
 * Does the path name another file than the one open, or none?  Asked
 * before each write, so that a rename is mostly seen before writing, not
 * after (when a write has to be taken back).
 */
static int
file_renamed(struct sink *s)
{
	struct file_state	*st = s->state;
	struct stat		 sb;

	if (stat(s->path, &sb) == -1)
		return (errno == ENOENT);
	return (sb.st_dev != st->dev || sb.st_ino != st->ino);
}

/*
 * Give the file at fd the group of file_group, whether tcplogd created
 * it or found it (logrotate's create copies the old file's group, but
 * another program may make the file): the process must be in that group
 * or be root.  On failure *why says why.
 */
static int
file_chgrp(const struct sink *s, int fd, const char **why)
{
	struct file_state	*st = s->state;
	struct stat		 sb;

	if (st->gid == (gid_t)-1)
		return (0);
	if (fstat(fd, &sb) == 0 && sb.st_gid == st->gid)
		return (0);
	if (fchown(fd, (uid_t)-1, st->gid) == -1) {
		*why = strerror(errno);
		return (-1);
	}
	return (0);
}

/*
 * Write to fd (a new open of the path) from now on.  A file_group that
 * cannot be set is said, but the file is written all the same: records
 * are not held back for a group.
 */
static void
file_switch(struct sink *s, int fd)
{
	struct file_state	*st = s->state;
	const char		*why;

	if (file_chgrp(s, fd, &why) != 0)
		log_warnx("%s: cannot set its group (file_group): %s",
		    s->name, why);
	close(s->fd);
	sink_buffered_setfd(s, fd);
	st->moved = st->looking = st->stay = 0;
	file_watch(s);
	s->broken = 0;
}

/*
 * The file was renamed: switch to the file that has the name now.
 * Returns 0 while it does not exist yet (output is held; a timer looks
 * again), 1 once output can go on.
 */
static int
file_follow(struct sink *s)
{
	struct file_state	*st = s->state;
	struct timeval		 tv = { 0, SINK_FOLLOW_MSEC * 1000 };
	struct timespec		 now;
	const char		*why;
	int			 fd, create;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!st->looking) {
		st->looking = 1;
		st->since = now;
	}
	create = st->force || s->stopping ||
	    (now.tv_sec - st->since.tv_sec) * 1000 +
	    (now.tv_nsec - st->since.tv_nsec) / 1000000 >= SINK_FOLLOW_WAIT;
	if ((fd = file_open_fd(s, 0, &why)) == -1 && errno == ENOENT &&
	    create)
		fd = file_open_fd(s, 1, &why);
	if (fd != -1) {
		log_debug("%s: renamed, now writing to the new file",
		    s->name);
		file_switch(s, fd);
		return (1);
	}
	if (errno == ENOENT && !create) {
		evtimer_add(s->ev_flush, &tv);
		return (0);
	}
	/*
	 * Said once: until the next reopen the path is not looked at
	 * again, so output is neither held nor the warning repeated.
	 */
	log_warnx("%s: renamed, but cannot open it again: %s; writing to "
	    "the old file until the next reopen", s->name, why);
	st->moved = st->looking = 0;
	st->stay = 1;
	return (1);
}

/*
 * One write from the buffer (sink_ops.writebuf), kept in the buffer until
 * the events say it went where readers of the name see it.
 */
static int
file_writebuf(struct sink *s)
{
	struct file_state	*st = s->state;
	struct evbuffer_iovec	 v[FILE_IOV];
	struct iovec		 iov[FILE_IOV];
	ssize_t			 n;
	off_t			 end;
	int			 nv, i;

	if (st->wd == -1)
		return (evbuffer_write(s->buf, s->fd));
	for (;;) {
		if (!st->moved && !st->stay && sink_file_prestat &&
		    file_renamed(s))
			st->moved = 1;
		if (st->moved && !file_follow(s))
			return (0);
		if ((nv = evbuffer_peek(s->buf, -1, NULL, v, FILE_IOV)) >
		    FILE_IOV)
			nv = FILE_IOV;
		for (i = 0; i < nv; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len;
		}
		if ((n = writev(s->fd, iov, nv)) <= 0)
			return (-1);
		switch (file_events(st)) {
		case FILE_STAYED:
			break;
		case FILE_MOVED_AFTER:
			st->moved = !st->stay;
			break;
		case FILE_MOVED_BEFORE:
			if (st->stay)
				break;
			st->moved = 1;
			/* With O_APPEND the offset is the end of this write. */
			if ((end = lseek(s->fd, 0, SEEK_CUR)) >= n &&
			    ftruncate(s->fd, end - n) == 0)
				continue;
			log_warn("%s: renamed while writing, %zd bytes stay "
			    "in the renamed file", s->name, n);
			break;
		}
		if (evbuffer_drain(s->buf, n) != 0)
			fatalx("%s: cannot drain output", s->name);
		return ((int)n);
	}
}

static int
file_open(struct sink *s, const struct lconf *lc, char **cause)
{
	struct file_state	*st;
	struct group		*gr;
	const char		*why;
	int			 fd;

	free(s->name);
	s->name = xstrdup(lc->file);
	s->path = xstrdup(lc->file);
	s->mode = lc->file_mode;
	st = s->state = xcalloc(1, sizeof *st);
	st->ifd = st->wd = -1;
	st->gid = (gid_t)-1;
	if (lc->file_group != NULL) {
		if ((gr = getgrnam(lc->file_group)) == NULL) {
			config_cause(cause, lc->path, lc->file_line, "file %s: "
			    "file_group %s: no such group", s->path, lc->file_group);
			goto fail;
		}
		st->gid = gr->gr_gid;
	}

	if ((fd = file_open_fd(s, 1, &why)) == -1) {
		file_cause(cause, lc, why);
		goto fail;
	}
	if (file_chgrp(s, fd, &why) != 0) {
		config_cause(cause, lc->path, lc->file_line, "file %s: cannot "
		    "set its group to %s (file_group): %s", s->path,
		    lc->file_group, why);
		close(fd);
		goto fail;
	}
	s->auto_ts = 1;
	sink_buffered_init(s, fd);
	file_watch(s);
	return (0);

fail:
	free(st);
	s->state = NULL;
	return (-1);
}

/*
 * After a reload: the file_group of the first listener writing to this
 * file applies at once, and at every open from now on.
 */
static void
file_configure(struct sink *s, const struct config *conf)
{
	struct file_state	*st = s->state;
	struct lconf		*lc;
	struct group		*gr;
	const char		*why;
	gid_t			 gid = (gid_t)-1;

	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		if ((lc->outputs & OUTPUT_FILE) && lc->file != NULL &&
		    strcmp(lc->file, s->path) == 0)
			break;
	}
	if (lc == NULL || st == NULL)
		return;
	if (lc->file_group != NULL) {
		if ((gr = getgrnam(lc->file_group)) == NULL) {
			log_warnx("%s: file_group %s: no such group, keeping "
			    "the file's", s->name, lc->file_group);
			return;
		}
		gid = gr->gr_gid;
	}
	if (gid == st->gid)
		return;
	st->gid = gid;
	if (file_chgrp(s, s->fd, &why) != 0)
		log_warnx("%s: cannot set its group (file_group): %s",
		    s->name, why);
}

/* Why lc's file cannot be opened: "FILE:LINE: file PATH: why". */
static void
file_cause(char **cause, const struct lconf *lc, const char *why)
{
	config_cause(cause, lc->path, lc->file_line, "file %s: %s", lc->file,
	    why);
}

/*
 * For -t: would lc's file open for this process's user (file_open_fd()
 * as it would run), told without opening it (that could create it, or
 * block on a FIFO): what is at the path must be a regular file, not a
 * symlink, that the user may write; if nothing is, its directory must be
 * one the user may write.
 */
static int
file_check(const struct lconf *lc, char **cause)
{
	struct stat	 sb;
	const char	*why = NULL;
	char		*dir, *slash;

	if (lstat(lc->file, &sb) == 0) {
		if (S_ISLNK(sb.st_mode))
			why = strerror(ELOOP);	/* as O_NOFOLLOW says */
		else if (!S_ISREG(sb.st_mode))
			why = file_kind(sb.st_mode);
		else if (faccessat(AT_FDCWD, lc->file, W_OK, AT_EACCESS) == -1)
			why = strerror(errno);
	} else if (errno != ENOENT)
		why = strerror(errno);
	else {
		/* file = is an absolute path: there is a '/'. */
		dir = xstrdup(lc->file);
		slash = strrchr(dir, '/');
		slash[slash == dir ? 1 : 0] = '\0';
		if (stat(dir, &sb) == -1)
			why = strerror(errno);
		else if (!S_ISDIR(sb.st_mode))
			why = strerror(ENOTDIR);
		else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) ==
		    -1)
			why = strerror(errno);
		free(dir);
	}
	if (why == NULL)
		return (0);
	file_cause(cause, lc, why);
	return (-1);
}

/*
 * Rotation (SIGHUP): write what is buffered to the old file, unless it
 * was renamed and the new one is not there yet, then switch to a new
 * open of the path.  If that fails, keep the old file.
 */
static int
file_reopen(struct sink *s)
{
	struct file_state	*st = s->state;
	const char		*why;
	int			 fd;

	sink_buffered_flush(s);
	if ((fd = file_open_fd(s, 1, &why)) == -1) {
		log_warnx("%s: reopen failed, keeping the old file: %s",
		    s->name, why);
		st->moved = st->looking = 0;
		st->stay = 1;	/* not followed either, until a reopen */
		return (-1);
	}
	if (sink_pending(s) > 0 && !st->moved)
		log_warnx("%s: %zu bytes the old file did not take go to the "
		    "new one", s->name, sink_pending(s));
	file_switch(s, fd);
	sink_buffered_flush(s);
	return (0);
}

/*
 * Does the file hold anything, or is something on its way to it?  The
 * file the path names is what its readers see; a path with no file
 * (renamed, not made again yet) gets only what is still to come.
 */
static int
file_used(struct sink *s)
{
	struct stat	sb;

	if (sink_pending(s) > 0)
		return (1);
	if (stat(s->path, &sb) == -1)
		return (errno != ENOENT);
	return (sb.st_size > 0);
}

/* Write everything out, holding nothing back: the sink is closing. */
static void
file_flush(struct sink *s)
{
	struct file_state	*st = s->state;

	st->force = 1;
	sink_buffered_flush(s);
	st->force = 0;
}

static void
file_close(struct sink *s)
{
	struct file_state	*st = s->state;

	sink_buffered_close(s);
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	if (st != NULL && st->ifd != -1)
		close(st->ifd);
	free(st);
	s->state = NULL;
}
