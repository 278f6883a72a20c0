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
 * Unit tests of the file sink (sink_file.c over the buffered writer of
 * sink.c), on real files in a temporary directory of each test's own,
 * with a real event base and no daemon: the exact mode of a new file
 * whatever the umask, records in the file once flushed (by hand, by the
 * timer, by sink_free() and by full batches), rotation by rename and
 * sink_reopen(), O_APPEND under copytruncate, and the cause given for a
 * path that cannot be opened.  And the priority the syslog output gives
 * each record: a parsed message's own, the listener's for the rest.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <check.h>

#include "common.h"

#define P		FAKE_LISTENER " " FAKE_PEER

/* A file sink writing DIR/out.log for listener FAKE_LISTENER. */
struct fsink {
	struct event_base	*base;	/* owned */
	struct lconf		*lc;	/* owned, one reference */
	struct sink		*s;	/* owned */
	char			*dir;	/* owned */
	char			*path;	/* owned */
};

static char		*tempdir(void);
static void		 rmdir_all(const char *);
static struct lconf	*lconf_file(const char *, mode_t);
static struct fsink	*fsink_new(mode_t);
static void		 fsink_close(struct fsink *);
static void		 fsink_free(struct fsink *);
static size_t		 emit(struct fsink *, const char *);
static char		*slurp(const char *, size_t *);
static mode_t		 file_mode(const char *);
static void		 check_file(const char *, const char *);
static void		 check_batches(const struct record *, int,
			    enum lconf_format,
			    const struct iovec *, size_t, int);
static void		 batch_record(struct record *, const struct timeval *,
			    const char *);
static int		 stderr_to(const char *);
static void		 stderr_back(int);

/* A new directory under $TMPDIR or /tmp. */
static char *
tempdir(void)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	xasprintf(&path, "%s/check_sink.XXXXXX", dir);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return (path);
}

/* Remove a directory and the files in it. */
static void
rmdir_all(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		*path;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		ck_assert_int_eq(unlink(path), 0);
		free(path);
	}
	closedir(d);
	ck_assert_int_eq(rmdir(dir), 0);
}

/* Text records without time, to path, created with mode. */
static struct lconf *
lconf_file(const char *path, mode_t mode)
{
	struct lconf	*lc;

	lc = xcalloc(1, sizeof *lc);
	lc->refs = 1;
	lc->name = xstrdup(FAKE_LISTENER);
	lc->mode = MODE_LINE;
	lc->outputs = OUTPUT_FILE;
	lc->file = xstrdup(path);
	lc->file_mode = mode;
	lc->format = FORMAT_TEXT;
	lc->events = 0;
	lc->timestamps = TS_NO;
	lc->max_line = CONF_MAX_LINE_DEFAULT;
	return (lc);
}

/* A file sink on DIR/out.log, created with mode, in a new directory. */
static struct fsink *
fsink_new(mode_t mode)
{
	struct fsink	*f;
	char		*cause = NULL;

	f = xcalloc(1, sizeof *f);
	f->base = event_base_new();
	ck_assert_ptr_nonnull(f->base);
	/* As the daemon's: the idle flush needs the lowest priority. */
	ck_assert_int_eq(event_base_priority_init(f->base, SINK_PRIORITIES),
	    0);
	f->dir = tempdir();
	xasprintf(&f->path, "%s/out.log", f->dir);
	f->lc = lconf_file(f->path, mode);
	f->s = sink_new(f->base, &sink_file_ops, f->lc, &cause);
	ck_assert_msg(f->s != NULL, "sink_new: %s", cause);
	ck_assert_ptr_null(cause);
	return (f);
}

/* Free the sink (which writes what it still has); keep the files. */
static void
fsink_close(struct fsink *f)
{
	sink_free(f->s);
	f->s = NULL;
}

/* Free everything, files and directory too. */
static void
fsink_free(struct fsink *f)
{
	if (f->s != NULL)
		fsink_close(f);
	event_base_free(f->base);
	lconf_unref(f->lc);
	rmdir_all(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
}

/* One data record; returns what sink_emit() says it took. */
static size_t
emit(struct fsink *f, const char *data)
{
	struct record	rec;
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	memset(&rec, 0, sizeof rec);
	rec.type = REC_DATA;
	rec.tv = &tv;
	rec.listener = FAKE_LISTENER;
	rec.peer = FAKE_PEER;
	rec.data = (const u_char *)data;
	rec.len = strlen(data);
	return (sink_emit(f->s, f->lc, &rec));
}

/* A whole file as a NUL-terminated string. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY);
	ck_assert_msg(fd != -1, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = xmalloc(st.st_size + 1);
	n = read(fd, buf, st.st_size);
	ck_assert_int_eq(n, st.st_size);
	buf[n] = '\0';
	close(fd);
	if (lenp != NULL)
		*lenp = n;
	return (buf);
}

static mode_t
file_mode(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (st.st_mode & 07777);
}

/* Descriptors open in this process. */
static int
count_fds(void)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	dir = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(dir);
	return (n - 1);		/* dir's own */
}

/* The file holds exactly want: no NUL byte, nothing before or after. */
static void
check_file(const char *path, const char *want)
{
	char	*got;
	size_t	 len;

	got = slurp(path, &len);
	ck_assert_ptr_null(memchr(got, '\0', len));
	ck_assert_str_eq(got, want);
	free(got);
}

/* Send stderr to a file; returns the old stderr for stderr_back(). */
static int
stderr_to(const char *path)
{
	int	saved, fd;

	saved = dup(STDERR_FILENO);
	ck_assert_int_ne(saved, -1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	return (saved);
}

static void
stderr_back(int saved)
{
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
}

/* The mode is exact: the umask does not apply, and is left as it was. */
START_TEST(test_file_mode_exact)
{
	static const mode_t	umasks[] = { 077, 022, 0, 0777 };
	static const mode_t	modes[] = { 0600, 0640, 0644, 0666, 0777,
				    0400, 0 };
	struct fsink		*f;
	mode_t			 old;
	size_t			 i, k;

	old = umask(022);
	for (i = 0; i < nitems(umasks); i++) {
		for (k = 0; k < nitems(modes); k++) {
			umask(umasks[i]);
			f = fsink_new(modes[k]);
			ck_assert_uint_eq(umask(umasks[i]), umasks[i]);
			ck_assert_msg(file_mode(f->path) == modes[k],
			    "umask %03o, file_mode %04o: file has %04o",
			    (u_int)umasks[i], (u_int)modes[k],
			    (u_int)file_mode(f->path));
			fsink_free(f);
		}
	}
	umask(old);
}
END_TEST

/* An existing file keeps its mode and what it had. */
START_TEST(test_file_mode_existing)
{
	struct fsink	*f;
	char		*dir, *path, *cause = NULL;
	struct lconf	*lc;
	struct sink	*s;
	int		 fd;

	dir = tempdir();
	xasprintf(&path, "%s/out.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fchmod(fd, 0604), 0);
	ck_assert_int_eq(write(fd, "old\n", 4), 4);
	close(fd);

	/* fsink_new() on this path: only the sink is new. */
	f = xcalloc(1, sizeof *f);
	f->base = event_base_new();
	ck_assert_ptr_nonnull(f->base);
	f->dir = dir;
	f->path = path;
	f->lc = lc = lconf_file(path, 0600);
	s = f->s = sink_new(f->base, &sink_file_ops, lc, &cause);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(file_mode(path), 0604);
	emit(f, "new");
	sink_buffered_flush(s);
	check_file(path, "old\n" P ": new\n");
	fsink_free(f);
}
END_TEST

/* Records are buffered, and in the file once flushed. */
START_TEST(test_file_write_flush)
{
	struct fsink	*f;
	size_t		 n;
	const char	*want = P ": one\n" P ": two\\x0a\n" P ": \n";

	umask(077);
	f = fsink_new(0600);
	ck_assert_str_eq(f->s->name, f->path);
	ck_assert_str_eq(f->s->path, f->path);
	ck_assert_int_eq(f->s->auto_ts, 1);
	n = emit(f, "one");
	ck_assert_uint_eq(n, strlen(P ": one\n"));
	n += emit(f, "two\n");
	n += emit(f, "");
	ck_assert_uint_eq(n, strlen(want));
	/* Nothing written before a flush. */
	check_file(f->path, "");
	ck_assert_uint_eq(sink_pending(f->s), n);
	sink_buffered_flush(f->s);
	ck_assert_uint_eq(sink_pending(f->s), 0);
	ck_assert_uint_eq(f->s->stats.written, n);
	check_file(f->path, want);
	ck_assert_uint_eq(file_mode(f->path), 0600);

	emit(f, "three");
	sink_buffered_flush(f->s);
	check_file(f->path, "main 127.0.0.1:5555: one\n"
	    "main 127.0.0.1:5555: two\\x0a\n"
	    "main 127.0.0.1:5555: \n"
	    "main 127.0.0.1:5555: three\n");
	fsink_free(f);
}
END_TEST

/* A loop with nothing else to do writes the buffer in its next round. */
START_TEST(test_file_flush_idle)
{
	struct fsink	*f;

	f = fsink_new(0600);
	emit(f, "now");
	emit(f, "and now");
	check_file(f->path, "");
	ck_assert_int_eq(event_base_loop(f->base, EVLOOP_ONCE), 0);
	check_file(f->path, P ": now\n" P ": and now\n");
	ck_assert_uint_eq(sink_pending(f->s), 0);
	/* Neither the idle flush nor its backstop timer is left. */
	ck_assert_int_eq(event_base_dispatch(f->base), 1);
	fsink_free(f);
}
END_TEST

/*
 * A default-priority event that is due again in every round of the loop
 * (a zero timer: the next round, as input would be): a busy loop.
 */
struct busy {
	struct event	*ev;
	struct timeval	 until;
	int		 written;	/* the file had the record by then */
	const char	*path;
};

static void
busy_cb(evutil_socket_t fd __unused, short what __unused, void *arg)
{
	struct busy	*b = arg;
	struct timeval	 now, zero = { 0, 0 };
	struct stat	 sb;

	gettimeofday(&now, NULL);
	if (stat(b->path, &sb) == 0 && sb.st_size > 0) {
		b->written = 1;
		return;
	}
	if (timercmp(&now, &b->until, <))
		evtimer_add(b->ev, &zero);
}

/*
 * While the loop stays busy, the buffer waits, but SINK_FLUSH_MSEC at
 * the latest: the backstop timer writes it.
 */
START_TEST(test_file_flush_busy)
{
	struct fsink	*f;
	struct busy	 b;
	struct timeval	 t0, t1, d, limit = { 5, 0 }, zero = { 0, 0 };
	long		 msec;

	f = fsink_new(0600);
	memset(&b, 0, sizeof b);
	b.path = f->path;
	b.ev = evtimer_new(f->base, busy_cb, &b);
	ck_assert_ptr_nonnull(b.ev);
	gettimeofday(&t0, NULL);
	timeradd(&t0, &limit, &b.until);
	emit(f, "later");
	evtimer_add(b.ev, &zero);
	ck_assert_int_eq(event_base_dispatch(f->base), 1);
	gettimeofday(&t1, NULL);
	timersub(&t1, &t0, &d);
	msec = d.tv_sec * 1000 + d.tv_usec / 1000;
	ck_assert_int_eq(b.written, 1);
	ck_assert_int_ge(msec, SINK_FLUSH_MSEC - 10);
	ck_assert_int_lt(msec, 5000);
	check_file(f->path, P ": later\n");
	ck_assert_uint_eq(sink_pending(f->s), 0);
	event_free(b.ev);
	fsink_free(f);
}
END_TEST

/* sink_free() writes what is left. */
START_TEST(test_file_free_writes)
{
	struct fsink	*f;

	f = fsink_new(0600);
	emit(f, "a");
	emit(f, "b");
	fsink_close(f);
	check_file(f->path, P ": a\n" P ": b\n");
	fsink_free(f);
}
END_TEST

/*
 * More than SINK_WRITE_BATCH: the sink writes full batches by itself,
 * in order, and every byte it said it took is in the file.
 */
START_TEST(test_file_batches)
{
	struct fsink	*f;
	char		 data[64], *got, *p, want[128];
	size_t		 total = 0, len;
	int		 i, n = 20000;

	f = fsink_new(0600);
	for (i = 0; i < n; i++) {
		snprintf(data, sizeof data, "record %06d %s", i,
		    "0123456789abcdef0123456789");
		total += emit(f, data);
	}
	ck_assert_uint_gt(total, 2 * SINK_WRITE_BATCH);
	ck_assert_uint_lt(sink_pending(f->s), SINK_WRITE_BATCH);
	ck_assert_uint_eq(f->s->stats.written + sink_pending(f->s), total);
	ck_assert_int_eq(f->s->blocked, 0);
	sink_buffered_flush(f->s);
	ck_assert_uint_eq(f->s->stats.written, total);

	got = slurp(f->path, &len);
	ck_assert_uint_eq(len, total);
	for (p = got, i = 0; i < n; i++) {
		snprintf(want, sizeof want, P ": record %06d %s\n", i,
		    "0123456789abcdef0123456789");
		if (strncmp(p, want, strlen(want)) != 0)
			ck_abort_msg("record %d: %.60s", i, p);
		p += strlen(want);
	}
	ck_assert_ptr_eq(p, got + len);
	free(got);
	fsink_free(f);
}
END_TEST

/* timestamps = auto means yes on a file; json as the listener says. */
START_TEST(test_file_json)
{
	struct fsink	*f;
	char		*got;
	size_t		 len;

	f = fsink_new(0600);
	ck_assert_int_eq(sink_format_flags(f->s, f->lc), 0);
	f->lc->timestamps = TS_AUTO;
	ck_assert_int_eq(sink_format_flags(f->s, f->lc), FORMAT_TIME);
	f->s->format = FORMAT_JSON;
	ck_assert_int_eq(sink_format_flags(f->s, f->lc),
	    FORMAT_TIME | FORMAT_JSON_LINE);
	emit(f, "a\tb\xff");
	f->lc->timestamps = TS_NO;
	emit(f, "\"x\"");
	sink_buffered_flush(f->s);
	got = slurp(f->path, &len);
	ck_assert_uint_gt(len, 40);
	ck_assert_msg(strncmp(got, "{\"time\":\"", 9) == 0, "%s", got);
	ck_assert_ptr_nonnull(strstr(got, "Z\",\"listener\":\"main\",\"peer\":"
	    "\"127.0.0.1:5555\",\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,"
	    "\"event\":\"data\",\"data_base64\":\"YQli/w==\""
	    "}\n{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\","
	    "\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,"
	    "\"event\":\"data\",\"data\":\"\\\"x\\\"\"}\n"));
	ck_assert_int_eq(got[len - 1], '\n');
	free(got);
	fsink_free(f);
}
END_TEST

/*
 * Rotation: mv out.log out.log.1, then sink_reopen().  What was written
 * or buffered before is in out.log.1, what comes after in a new out.log
 * with the configured mode; each record once, in order.  Twice.
 */
START_TEST(test_file_reopen_rotation)
{
	struct fsink	*f;
	char		*old1, *old2;

	umask(022);
	f = fsink_new(0600);
	xasprintf(&old1, "%s.1", f->path);
	xasprintf(&old2, "%s.2", f->path);
	emit(f, "1");
	sink_buffered_flush(f->s);
	emit(f, "2");
	emit(f, "3");
	ck_assert_int_eq(rename(f->path, old1), 0);
	/*
	 * Not written before the rename: they go to the file that has the
	 * name when they are written, the new one.
	 */
	emit(f, "4");
	ck_assert_int_eq(sink_reopen(f->s), 0);
	ck_assert_uint_eq(sink_pending(f->s), 0);
	ck_assert_uint_eq(file_mode(f->path), 0600);
	check_file(old1, P ": 1\n");
	check_file(f->path, P ": 2\n" P ": 3\n" P ": 4\n");
	emit(f, "5");
	sink_buffered_flush(f->s);
	emit(f, "6");
	ck_assert_int_eq(rename(f->path, old2), 0);
	ck_assert_int_eq(sink_reopen(f->s), 0);
	emit(f, "7");
	fsink_close(f);
	check_file(old1, P ": 1\n");
	check_file(old2, P ": 2\n" P ": 3\n" P ": 4\n" P ": 5\n");
	check_file(f->path, P ": 6\n" P ": 7\n");
	ck_assert_uint_eq(file_mode(f->path), 0600);
	free(old1);
	free(old2);
	fsink_free(f);
}
END_TEST

/*
 * Renamed under the sink, no SIGHUP: the next write notices (before it
 * writes, or, in the race, from the events after it: then the write is
 * cut off the renamed file again), leaves the renamed file as it was at
 * the rename, and holds the records until a file has the name again (as
 * logrotate's create makes it).
 */
START_TEST(test_file_follow_rename)
{
	struct fsink	*f;
	char		*old1, *old2;
	int		 fd;

	/* _i 0: the rename is seen before the write; 1: only after it. */
	sink_file_prestat = _i == 0;
	f = fsink_new(0600);
	xasprintf(&old1, "%s.1", f->path);
	xasprintf(&old2, "%s.2", f->path);
	emit(f, "1");
	sink_buffered_flush(f->s);
	ck_assert_int_eq(rename(f->path, old1), 0);
	emit(f, "2");
	sink_buffered_flush(f->s);
	check_file(old1, P ": 1\n");
	ck_assert_uint_eq(sink_pending(f->s), strlen(P ": 2\n"));
	ck_assert_int_eq(access(f->path, F_OK), -1);

	/* The new file appears: the held records go there. */
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0640);
	ck_assert_int_ne(fd, -1);
	close(fd);
	emit(f, "3");
	sink_buffered_flush(f->s);
	ck_assert_uint_eq(sink_pending(f->s), 0);
	check_file(old1, P ": 1\n");
	check_file(f->path, P ": 2\n" P ": 3\n");
	ck_assert_uint_eq(file_mode(f->path), 0640);

	/* Renamed, not recreated, and the sink closes: it creates it. */
	ck_assert_int_eq(rename(f->path, old2), 0);
	emit(f, "4");
	fsink_close(f);
	check_file(old2, P ": 2\n" P ": 3\n");
	check_file(f->path, P ": 4\n");
	ck_assert_uint_eq(file_mode(f->path), 0600);
	free(old1);
	free(old2);
	fsink_free(f);
	sink_file_prestat = 1;
}
END_TEST

/*
 * Write the nv lines of v as rec's data in batches (sink_ops.write_lines)
 * to one file sink and one record at a time to another, repeat times
 * over: both files must be the same.
 */
static void
check_batches(const struct record *rec, int ts, enum lconf_format format,
    const struct iovec *v, size_t nv, int repeat)
{
	struct fsink	*f1, *f2;
	struct record	 batch = *rec, one = *rec;
	char		*got1, *got2;
	size_t		 i, n1 = 0, n2 = 0, len1, len2;
	int		 r;

	f1 = fsink_new(0600);
	f2 = fsink_new(0600);
	f1->lc->timestamps = f2->lc->timestamps = ts ? TS_YES : TS_NO;
	f1->s->format = f2->s->format = format;
	for (r = 0; r < repeat; r++) {
		n1 += sink_buffered_write_lines(f1->s, f1->lc, &batch, v, nv);
		for (i = 0; i < nv; i++) {
			one.data = v[i].iov_base;
			one.len = v[i].iov_len;
			n2 += sink_emit(f2->s, f2->lc, &one);
		}
	}
	ck_assert_uint_eq(n1, n2);
	if (repeat == 1)
		ck_assert_uint_eq(sink_pending(f1->s), n1);
	sink_buffered_flush(f1->s);
	sink_buffered_flush(f2->s);
	got1 = slurp(f1->path, &len1);
	got2 = slurp(f2->path, &len2);
	ck_assert_uint_eq(len1, n1);
	ck_assert_uint_eq(len2, n2);
	ck_assert_msg(memcmp(got1, got2, len1) == 0,
	    "batch\n%s\none by one\n%s", got1, got2);
	free(got1);
	free(got2);
	fsink_free(f1);
	fsink_free(f2);
}

/* A data record of FAKE_LISTENER and FAKE_PEER, with label if set. */
static void
batch_record(struct record *rec, const struct timeval *tv,
    const char *label)
{
	memset(rec, 0, sizeof *rec);
	rec->type = REC_DATA;
	rec->tv = tv;
	rec->listener = FAKE_LISTENER;
	rec->peer = FAKE_PEER;
	if (label != NULL) {
		rec->label = label;
		rec->label_len = strlen(label);
	}
}

/* format = data: the data alone, escaped as in text; no events. */
START_TEST(test_file_data)
{
	struct fsink	*f;
	struct record	 rec;
	struct timeval	 tv;
	char		*got;
	size_t		 len;

	f = fsink_new(0600);
	f->s->format = FORMAT_DATA;
	f->lc->timestamps = TS_YES;
	ck_assert_int_eq(sink_format_flags(f->s, f->lc), FORMAT_DATA_LINE);
	gettimeofday(&tv, NULL);
	memset(&rec, 0, sizeof rec);
	rec.tv = &tv;
	rec.listener = FAKE_LISTENER;
	rec.peer = FAKE_PEER;
	rec.type = REC_CONNECTED;
	ck_assert_uint_eq(sink_emit(f->s, f->lc, &rec), 0);
	ck_assert_uint_eq(emit(f, "a\tb\xff"), 9);
	ck_assert_uint_eq(emit(f, "line two"), 9);
	rec.type = REC_DISCONNECTED;
	ck_assert_uint_eq(sink_emit(f->s, f->lc, &rec), 0);
	sink_buffered_flush(f->s);
	got = slurp(f->path, &len);
	ck_assert_str_eq(got, "a\\tb\\xff\nline two\n");
	free(got);
	fsink_free(f);
}
END_TEST

/*
 * The sink's format, not the listener's: a connection that started
 * with other settings (before a reload) writes what the output has.
 */
START_TEST(test_file_owns_format)
{
	struct fsink	*f;
	struct lconf	*old;
	struct record	 rec;
	struct timeval	 tv = { 1795854175, 123456 };
	char		*got;
	size_t		 len;

	f = fsink_new(0600);
	ck_assert_int_eq(f->s->format, FORMAT_TEXT);
	old = lconf_file(f->path, 0600);
	old->format = FORMAT_JSON;
	f->s->format = FORMAT_JSON;
	f->lc->format = FORMAT_TEXT;
	batch_record(&rec, &tv, NULL);
	rec.data = (const u_char *)"x";
	rec.len = 1;
	sink_emit(f->s, f->lc, &rec);
	sink_emit(f->s, old, &rec);
	f->s->format = FORMAT_TEXT;
	sink_emit(f->s, old, &rec);
	sink_buffered_flush(f->s);
	got = slurp(f->path, &len);
	ck_assert_str_eq(got, "{\"listener\":\"main\",\"peer\":"
	    "\"127.0.0.1:5555\",\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,"
	    "\"event\":\"data\",\"data\":\"x\"}\n"
	    "{\"listener\":\"main\",\"peer\":"
	    "\"127.0.0.1:5555\",\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555,"
	    "\"event\":\"data\",\"data\":\"x\"}\n"
	    "main 127.0.0.1:5555: x\n");
	free(got);
	lconf_unref(old);
	fsink_free(f);
}
END_TEST

/*
 * A reload may change the format of an empty file, never of one that
 * holds lines or has some on their way.
 */
START_TEST(test_file_format_change)
{
	struct fsink	*f;
	char		*cause = NULL;

	f = fsink_new(0600);
	ck_assert_int_eq(sink_format_check(f->s, FORMAT_TEXT, &cause), 0);
	ck_assert_int_eq(sink_format_check(f->s, FORMAT_JSON, &cause), 0);
	ck_assert_ptr_null(cause);
	emit(f, "x");
	ck_assert_uint_gt(sink_pending(f->s), 0);
	ck_assert_int_eq(sink_format_check(f->s, FORMAT_JSON, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	sink_buffered_flush(f->s);
	ck_assert_uint_eq(sink_pending(f->s), 0);
	ck_assert_int_eq(sink_format_check(f->s, FORMAT_TEXT, &cause), 0);
	ck_assert_int_eq(sink_format_check(f->s, FORMAT_DATA, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "out.log: cannot change its "
	    "format from text to data: it already has text lines (rotate "
	    "it or pick a new path)"));
	free(cause);
	cause = NULL;
	/* Rotated away: the new file is empty. */
	ck_assert_int_eq(truncate(f->path, 0), 0);
	ck_assert_int_eq(sink_format_check(f->s, FORMAT_JSON, &cause), 0);
	ck_assert_ptr_null(cause);
	fsink_free(f);
}
END_TEST

/*
 * A batch of lines (sink_ops.write_lines) writes exactly what the same
 * records written one by one do: text with and without the time, with
 * and without a label, JSON, data, and flags.
 */
START_TEST(test_file_write_lines)
{
	static const char *lines[] = {
		"one", "", "tab\there", "caf\xc3\xa9", "\xff\x01\\",
		"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklm",
	};
	struct iovec	 v[nitems(lines)];
	struct record	 rec;
	struct timeval	 tv = { 1795854175, 123456 };
	size_t		 i;
	int		 round;

	for (i = 0; i < nitems(lines); i++) {
		v[i].iov_base = (void *)lines[i];
		v[i].iov_len = strlen(lines[i]);
	}
	for (round = 0; round < 24; round++) {
		batch_record(&rec, &tv, (round & 4) ?
		    FAKE_LISTENER " " FAKE_PEER : NULL);
		if (round & 8)
			rec.flags = REC_PARTIAL;
		check_batches(&rec, round & 1, round >= 16 ? FORMAT_DATA :
		    (round & 2) ? FORMAT_JSON : FORMAT_TEXT, v, nitems(v), 1);
	}
}
END_TEST

/*
 * A batch marked plain (every byte printable ASCII but '\') is copied as
 * it is: the same output as records one by one, over several output
 * chains, with heads shorter and longer than the copy of a whole head.
 */
START_TEST(test_file_write_lines_plain)
{
	static const char	 long_label[] = "a-listener-name-that-is-long "
				    "[2001:db8:1234:5678:9abc:def0:1234:5678]"
				    ":65535";
	struct iovec		 v[256];
	struct record		 rec;
	struct timeval		 tv = { 1795854175, 123456 };
	char			*data, c;
	size_t			 i, j, off = 0;
	int			 round;

	data = xmalloc(nitems(v) * 300);
	for (i = 0; i < nitems(v); i++) {
		v[i].iov_base = data + off;
		v[i].iov_len = (i * 37) % 300;
		for (j = 0; j < v[i].iov_len; j++) {
			c = ' ' + (i + j) % 95;
			data[off + j] = c == '\\' ? '/' : c;
		}
		off += v[i].iov_len;
	}
	for (round = 0; round < 6; round++) {
		batch_record(&rec, &tv, (round & 2) ? long_label : NULL);
		rec.plain = 1;
		check_batches(&rec, round & 1, round >= 4 ? FORMAT_DATA :
		    FORMAT_TEXT, v, nitems(v), 8);
	}
	free(data);
}
END_TEST

/* Reopening the same file (no rotation) loses and repeats nothing. */
START_TEST(test_file_reopen_same)
{
	struct fsink	*f;
	int		 fds;

	f = fsink_new(0600);
	emit(f, "1");
	fds = count_fds();
	ck_assert_int_eq(sink_reopen(f->s), 0);
	ck_assert_int_ne(fcntl(f->s->fd, F_GETFD), -1);
	emit(f, "2");
	ck_assert_int_eq(sink_reopen(f->s), 0);
	emit(f, "3");
	sink_buffered_flush(f->s);
	check_file(f->path, P ": 1\n" P ": 2\n" P ": 3\n");
	/* The old descriptors (file and its watch) are closed. */
	ck_assert_int_eq(count_fds(), fds);
	fsink_free(f);
}
END_TEST

/* If the path cannot be opened again, the old file stays in use. */
START_TEST(test_file_reopen_fails)
{
	struct fsink	*f;
	char		*moved, *oldpath, *errpath, *err, *want;
	int		 saved;

	f = fsink_new(0600);
	xasprintf(&moved, "%s.moved", f->dir);
	xasprintf(&oldpath, "%s/out.log", moved);
	emit(f, "1");
	ck_assert_int_eq(rename(f->dir, moved), 0);
	emit(f, "2");

	xasprintf(&errpath, "%s/stderr", moved);
	saved = stderr_to(errpath);
	ck_assert_int_eq(sink_reopen(f->s), -1);
	stderr_back(saved);
	err = slurp(errpath, NULL);
	xasprintf(&want, "tcplogd: %s: reopen failed, keeping the old file: "
	    "No such file or directory\n", f->path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(unlink(errpath), 0);

	emit(f, "3");
	fsink_close(f);
	check_file(oldpath, P ": 1\n" P ": 2\n" P ": 3\n");
	ck_assert_int_eq(rename(moved, f->dir), 0);
	free(err);
	free(want);
	free(errpath);
	free(oldpath);
	free(moved);
	fsink_free(f);
}
END_TEST

/* O_APPEND: after copytruncate, records land at offset 0, no NUL hole. */
START_TEST(test_file_append_truncated)
{
	struct fsink	*f;
	int		 flags;

	f = fsink_new(0600);
	flags = fcntl(f->s->fd, F_GETFL);
	ck_assert_int_ne(flags, -1);
	ck_assert_int_eq(flags & O_ACCMODE, O_WRONLY);
	ck_assert_int_ne(flags & O_APPEND, 0);
	ck_assert_int_ne(fcntl(f->s->fd, F_GETFD) & FD_CLOEXEC, 0);

	emit(f, "before the truncation, a longer record");
	emit(f, "and another one");
	sink_buffered_flush(f->s);
	ck_assert_int_eq(truncate(f->path, 0), 0);
	emit(f, "3");
	emit(f, "4");
	sink_buffered_flush(f->s);
	check_file(f->path, P ": 3\n" P ": 4\n");

	/* And when buffered across the truncation. */
	emit(f, "5");
	ck_assert_int_eq(truncate(f->path, 0), 0);
	emit(f, "6");
	fsink_close(f);
	check_file(f->path, P ": 5\n" P ": 6\n");
	fsink_free(f);
}
END_TEST

/* A missing directory: NULL, and the cause the daemon prints. */
START_TEST(test_file_open_missing_dir)
{
	struct event_base	*base;
	struct lconf		*lc;
	struct sink		*s;
	char			*dir, *path, *cause = NULL, *want;

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	dir = tempdir();
	xasprintf(&path, "%s/missing/out.log", dir);
	lc = lconf_file(path, 0600);
	s = sink_new(base, &sink_file_ops, lc, &cause);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(cause);
	xasprintf(&want, "file %s: No such file or directory", path);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(want);
	lconf_unref(lc);

	/* A directory where the file should be. */
	cause = NULL;
	lc = lconf_file(dir, 0600);
	s = sink_new(base, &sink_file_ops, lc, &cause);
	ck_assert_ptr_null(s);
	xasprintf(&want, "file %s: Is a directory", dir);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(want);
	lconf_unref(lc);

	rmdir_all(dir);
	free(dir);
	free(path);
	event_base_free(base);
}
END_TEST

/*
 * The syslog output's priority: a parsed message's facility and
 * severity; syslog_facility and syslog_priority for records that did
 * not parse and connection events; kern, which syslog(3) cannot send,
 * with the listener's facility and the message's severity.
 */
START_TEST(test_syslog_priority)
{
	static const struct {
		const char	*data;
		int		 pri;
	} t[] = {
		{ "<134>1 - - - - - - local0.info", LOG_LOCAL0 | LOG_INFO },
		{ "<13>Dec  4 19:05:33 vm a: user.notice",
		  LOG_USER | LOG_NOTICE },
		{ "<191>local7.debug", LOG_LOCAL7 | LOG_DEBUG },
		{ "<10>user.crit", LOG_USER | LOG_CRIT },
		{ "<83>authpriv.err", LOG_AUTHPRIV | LOG_ERR },
		{ "<3>kern.err", LOG_LOCAL3 | LOG_ERR },
		{ "<0>kern.emerg", LOG_LOCAL3 | LOG_EMERG },
		{ "no PRI", LOG_LOCAL3 | LOG_WARNING },
		{ "<192>bad PRI", LOG_LOCAL3 | LOG_WARNING },
		{ "<13>1 broken 5424", LOG_LOCAL3 | LOG_WARNING },
	};
	struct lconf		 lc;
	struct record		 rec;
	struct syslog_msg	 m;
	struct timeval		 tv = { 0, 0 };
	size_t			 i;

	memset(&lc, 0, sizeof lc);
	lc.facility = LOG_LOCAL3;
	lc.priority = LOG_WARNING;
	for (i = 0; i < nitems(t); i++) {
		batch_record(&rec, &tv, NULL);
		rec.data = (const u_char *)t[i].data;
		rec.len = strlen(t[i].data);
		if (syslog_parse(&m, rec.data, rec.len) == 0)
			rec.syslog = &m;
		ck_assert_msg(sink_syslog_priority(&lc, &rec) == t[i].pri,
		    "%s: priority %d, want %d", t[i].data,
		    sink_syslog_priority(&lc, &rec), t[i].pri);
	}
	/* Connection events: the listener's. */
	batch_record(&rec, &tv, NULL);
	rec.type = REC_CONNECTED;
	ck_assert_int_eq(sink_syslog_priority(&lc, &rec),
	    LOG_LOCAL3 | LOG_WARNING);
	rec.type = REC_DISCONNECTED;
	ck_assert_int_eq(sink_syslog_priority(&lc, &rec),
	    LOG_LOCAL3 | LOG_WARNING);
}
END_TEST

static Suite *
sink_suite(void)
{
	Suite	*s = suite_create("sink");
	TCase	*tc;

	tc = tcase_create("file_open");
	tcase_add_test(tc, test_file_mode_exact);
	tcase_add_test(tc, test_file_mode_existing);
	tcase_add_test(tc, test_file_open_missing_dir);
	suite_add_tcase(s, tc);

	tc = tcase_create("file_write");
	tcase_add_test(tc, test_file_write_flush);
	tcase_add_test(tc, test_file_flush_idle);
	tcase_add_test(tc, test_file_flush_busy);
	tcase_add_test(tc, test_file_free_writes);
	tcase_add_test(tc, test_file_batches);
	tcase_add_test(tc, test_file_json);
	tcase_add_test(tc, test_file_data);
	tcase_add_test(tc, test_file_owns_format);
	tcase_add_test(tc, test_file_format_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("file_rotation");
	tcase_add_test(tc, test_file_reopen_rotation);
	tcase_add_test(tc, test_file_reopen_same);
	tcase_add_loop_test(tc, test_file_follow_rename, 0, 2);
	tcase_add_test(tc, test_file_write_lines);
	tcase_add_test(tc, test_file_write_lines_plain);
	tcase_add_test(tc, test_file_reopen_fails);
	tcase_add_test(tc, test_file_append_truncated);
	suite_add_tcase(s, tc);

	tc = tcase_create("syslog");
	tcase_add_test(tc, test_syslog_priority);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_suite(sink_suite) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
