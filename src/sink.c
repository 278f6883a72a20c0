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
 * Sinks: where records go.  This file has the generic part and the
 * buffered writer that the stdout and file sinks use: records are
 * formatted into an evbuffer in the loop and written in large
 * non-blocking writes, when a batch is full or when the loop has nothing
 * left to read (SINK_FLUSH_MSEC at the latest).  Over SINK_HIGH_WATER
 * unwritten bytes the sink tells its owner (the daemon), which stops
 * reading from the clients of the listeners writing to it; below
 * SINK_LOW_WATER they read again.  So a stalled reader loses nothing and
 * memory stays bounded.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define SINK_HIGH_WATER	(4 * 1024 * 1024)	/* stop reading clients */
#define SINK_LOW_WATER	(1024 * 1024)		/* read again */
#define SINK_PRIORITY_IDLE 2	/* flushes wait for the loop to go idle */
#define SINK_RETRY_SEC	1			/* after a write error */
#define SINK_HEAD_COPY	64	/* a batch's text head is copied whole */
#define SINK_CHAIN	(64 * 1024) /* output buffer chain size */

static void	sink_flush_cb(evutil_socket_t, short, void *);
static void	sink_commit(struct sink *);
static char	*sink_room(struct sink *, size_t);
static void	sink_discard(struct sink *);
static void	sink_wrote(struct sink *);
static void	sink_nop_blocked(struct sink *, int, void *);
static void	sink_nop_drained(struct sink *, void *);

/*
 * The kinds of output, as output = names them; lconf.outputs has bit
 * 1 << i for sink_kinds[i].  A new kind is one sink_*.c and one row.
 */
const struct sink_ops *const sink_kinds[] = {
	&sink_stdout_ops,
	&sink_syslog_ops,
	&sink_file_ops,
	&sink_journal_ops,
	NULL
};

/* A sink nobody listens to (the unit tests' sinks, until set). */
static const struct sink_cb sink_nop_cb = {
	.blocked = sink_nop_blocked,
	.drained = sink_nop_drained,
};

static void
sink_nop_blocked(struct sink *s __unused, int blocked __unused,
    void *arg __unused)
{
}

static void
sink_nop_drained(struct sink *s __unused, void *arg __unused)
{
}

/* Open a sink; NULL with a cause if it cannot be opened. */
struct sink *
sink_new(struct event_base *base, const struct sink_ops *ops,
    const struct lconf *lc, char **cause)
{
	struct sink	*s;

	s = xcalloc(1, sizeof *s);
	s->ops = ops;
	s->cb = &sink_nop_cb;
	s->base = base;
	s->fd = -1;
	s->name = xstrdup(ops->name);
	if (lc != NULL)
		s->format = lc->format;
	if (ops->open(s, lc, cause) != 0) {
		free(s->name);
		free(s->path);
		free(s);
		return (NULL);
	}
	return (s);
}

/* Tell the owner through cb from now on. */
void
sink_set_cb(struct sink *s, const struct sink_cb *cb, void *arg)
{
	s->cb = cb;
	s->cb_arg = arg;
}

/* Close a sink; say what it could not write. */
void
sink_free(struct sink *s)
{
	if (s == NULL)
		return;
	if (sink_pending(s) > 0 && s->ops->flush != NULL)
		s->ops->flush(s);
	if (sink_pending(s) > 0) {
		log_warnx("%s: %zu bytes unwritten at exit", s->name,
		    sink_pending(s));
	}
	if (s->stats.dropped > 0) {
		log_warnx("%s: %llu bytes discarded (no reader)", s->name,
		    (unsigned long long)s->stats.dropped);
	}
	if (s->ops->close != NULL)
		s->ops->close(s);
	free(s->name);
	free(s->path);
	free(s);
}

/* Write one record; returns the bytes it took. */
size_t
sink_emit(struct sink *s, const struct lconf *lc, const struct record *rec)
{
	/* format = data writes no events. */
	if (rec->type != REC_DATA && (sink_format_flags(s, lc) &
	    FORMAT_DATA_LINE))
		return (0);
	return (s->ops->write(s, lc, rec));
}

/* Write rec once with each of v as its data, one record at a time. */
static size_t
sink_emit_each(struct sink *s, const struct lconf *lc, struct record *rec,
    const struct iovec *v, size_t nv)
{
	size_t	i, total = 0;

	for (i = 0; i < nv; i++) {
		rec->data = v[i].iov_base;
		rec->len = v[i].iov_len;
		total += s->ops->write(s, lc, rec);
	}
	return (total);
}

/*
 * Write data records that differ only in their data (rec, with each of v
 * in turn): in one call where the sink takes them so.
 */
size_t
sink_emit_lines(struct sink *s, const struct lconf *lc, struct record *rec,
    const struct iovec *v, size_t nv)
{
	if (s->ops->write_lines != NULL)
		return (s->ops->write_lines(s, lc, rec, v, nv));
	return (sink_emit_each(s, lc, rec, v, nv));
}

/*
 * format_line() flags for a listener's records on this sink: the sink's
 * format if it owns one (so a connection accepted before a reload writes
 * what the output has now), else the listener's; and the time unless
 * timestamps = no, or auto on a sink that stamps records itself (the
 * journal).
 */
int
sink_format_flags(const struct sink *s, const struct lconf *lc)
{
	enum lconf_format	format;
	int			flags = 0;

	format = s->ops->owns_format ? s->format : lc->format;
	if (format == FORMAT_DATA)
		return (FORMAT_DATA_LINE);
	if (lc->timestamps == TS_YES || (lc->timestamps == TS_AUTO &&
	    s->auto_ts))
		flags |= FORMAT_TIME;
	if (format == FORMAT_JSON)
		flags |= FORMAT_JSON_LINE;
	return (flags);
}

/*
 * May a reload give an output that owns its format this one?  Lines of
 * two formats in one file would break its readers (jq, lnav), so a file
 * that holds anything keeps its format: -1 with a cause.  (stdout is a
 * stream, not a file: it may change.)  The caller sets s->format once
 * the whole reload can go ahead.
 */
int
sink_format_check(struct sink *s, enum lconf_format format, char **cause)
{
	if (!s->ops->owns_format || s->format == format)
		return (0);
	if (s->ops->used != NULL && s->ops->used(s)) {
		xasprintf(cause, "%s: cannot change its format from %s to %s: "
		    "it already has %s lines (rotate it or pick a new path)",
		    s->name, lconf_format_string(s->format),
		    lconf_format_string(format),
		    lconf_format_string(s->format));
		return (-1);
	}
	return (0);
}

/* Reopen a sink's file (rotation); 0 if it has none or it worked. */
int
sink_reopen(struct sink *s)
{
	if (s->ops->reopen == NULL)
		return (0);
	return (s->ops->reopen(s));
}

/* Unwritten bytes. */
size_t
sink_pending(struct sink *s)
{
	return (s->pending);
}

/* One line of counters. */
void
sink_stats_log(struct sink *s)
{
	counter_log("output", s->name, sink_counters, &s->stats);
}

/* Set up buffered writing to fd. */
int
sink_buffered_init(struct sink *s, int fd)
{
	s->buf = evbuffer_new();
	s->ev_flush = evtimer_new(s->base, sink_flush_cb, s);
	s->ev_idle = event_new(s->base, -1, 0, sink_flush_cb, s);
	if (s->buf == NULL || s->ev_flush == NULL || s->ev_idle == NULL)
		fatalx("%s: cannot set up output", s->name);
	if (event_base_get_npriorities(s->base) >= SINK_PRIORITIES &&
	    event_priority_set(s->ev_idle, SINK_PRIORITY_IDLE) != 0)
		fatalx("%s: cannot set up output", s->name);
	return (sink_buffered_setfd(s, fd));
}

/* Write to fd from now on (a reopened file); the caller closes the old. */
int
sink_buffered_setfd(struct sink *s, int fd)
{
	if (s->ev_write != NULL)
		event_free(s->ev_write);
	s->fd = fd;
	s->ev_write = event_new(s->base, fd, EV_WRITE, sink_flush_cb, s);
	if (s->ev_write == NULL)
		fatalx("%s: cannot set up output", s->name);
	return (0);
}

/* Hand what was formatted into the reserved space over to the buffer. */
static void
sink_commit(struct sink *s)
{
	struct evbuffer_iovec	v = s->cur;

	if (v.iov_base == NULL)
		return;
	v.iov_len = s->fill;
	if (evbuffer_commit_space(s->buf, &v, 1) != 0)
		fatalx("%s: cannot commit output", s->name);
	s->cur.iov_base = NULL;
	s->cur.iov_len = s->fill = 0;
}

/*
 * Room for need more bytes, contiguous: records are formatted straight
 * into space reserved in the buffer, SINK_CHAIN bytes at a time (or
 * more for a record that needs it), and committed when it is full or
 * before a write.  So a record costs no buffer call of its own.
 */
static char *
sink_room(struct sink *s, size_t need)
{
	size_t	size;

	if (s->cur.iov_base != NULL && s->cur.iov_len - s->fill >= need)
		return ((char *)s->cur.iov_base + s->fill);
	size = need > SINK_CHAIN ? need : SINK_CHAIN;
	sink_commit(s);
	if (evbuffer_expand(s->buf, size) != 0 ||
	    evbuffer_reserve_space(s->buf, size, &s->cur, 1) != 1)
		fatalx("%s: out of memory", s->name);
	return (s->cur.iov_base);
}

/*
 * Format a record into the buffer.  A full batch is written at once;
 * otherwise a flush is scheduled for when the loop has no input left to
 * read in this round (an idle-priority event), or SINK_FLUSH_MSEC at the
 * latest while it stays busy.
 */
size_t
sink_buffered_write(struct sink *s, const struct lconf *lc,
    const struct record *rec)
{
	int		flags = sink_format_flags(s, lc);
	size_t		n;

	n = format_line(sink_room(s, format_line_max(rec, flags)), rec,
	    flags);
	s->fill += n;
	s->pending += n;
	sink_wrote(s);
	return (n);
}

/*
 * sink_ops.write_lines: text records of one batch share everything but
 * their data, so the start of the line ("[TIME ]LISTENER PEER: ") is
 * formatted once, and plain data (rec->plain) is copied as it is.  JSON
 * goes record by record.
 */
size_t
sink_buffered_write_lines(struct sink *s, const struct lconf *lc,
    struct record *rec, const struct iovec *v, size_t nv)
{
	char	 head[512], *o;
	int	 flags = sink_format_flags(s, lc);
	size_t	 hlen, hroom, n, need, avail, total = 0, i;

	rec->len = 0;
	if (flags & FORMAT_DATA_LINE)
		hlen = 0;		/* the data alone */
	else if ((flags & FORMAT_JSON_LINE) || rec->flags != 0 ||
	    format_text_max(rec) > sizeof head)
		return (sink_emit_each(s, lc, rec, v, nv));
	else	/* without its LF */
		hlen = format_text(head, rec, flags & FORMAT_TIME) - 1;
	/* The head is copied SINK_HEAD_COPY bytes at a time if it fits. */
	if (hlen < SINK_HEAD_COPY)
		memset(head + hlen, 0, SINK_HEAD_COPY - hlen);
	hroom = hlen > SINK_HEAD_COPY ? hlen : SINK_HEAD_COPY;
	avail = s->cur.iov_base != NULL ? s->cur.iov_len - s->fill : 0;
	o = avail > 0 ? (char *)s->cur.iov_base + s->fill : NULL;
	for (i = 0; i < nv; i++) {
		n = v[i].iov_len;
		need = hroom + (rec->plain ? n :
		    format_escape_max(n)) + 1;
		if (avail < need) {
			if (o != NULL)
				s->fill = s->cur.iov_len - avail;
			o = sink_room(s, need);
			avail = s->cur.iov_len - s->fill;
		}
		if (hlen == 0)
			;
		else if (hlen <= SINK_HEAD_COPY)
			memcpy(o, head, SINK_HEAD_COPY);
		else
			memcpy(o, head, hlen);
		if (rec->plain)
			memcpy(o + hlen, v[i].iov_base, n);
		else
			n = format_escape(o + hlen, v[i].iov_base, n);
		n += hlen;
		o[n++] = '\n';
		o += n;
		avail -= n;
		total += n;
	}
	s->fill = s->cur.iov_len - avail;
	s->pending += total;
	sink_wrote(s);
	return (total);
}

/*
 * After formatting: a full batch is written at once; otherwise a flush
 * is scheduled (see sink_buffered_write()).
 */
static void
sink_wrote(struct sink *s)
{
	struct timeval	tv = { 0, SINK_FLUSH_MSEC * 1000 };

	if (s->broken) {
		/* Nobody reads: count what would have been written. */
		sink_discard(s);
		return;
	}
	if (s->pending >= SINK_WRITE_BATCH) {
		if (!s->failed && !event_pending(s->ev_write, EV_WRITE, NULL))
			sink_buffered_flush(s);
		else
			sink_check_water(s);
	} else if (!s->scheduled && !s->failed &&
	    !event_pending(s->ev_write, EV_WRITE, NULL)) {
		s->scheduled = 1;
		event_active(s->ev_idle, EV_TIMEOUT, 0);
		evtimer_add(s->ev_flush, &tv);
	}
}

/* Drop everything unwritten, counting it. */
static void
sink_discard(struct sink *s)
{
	sink_commit(s);
	s->stats.dropped += s->pending;
	evbuffer_drain(s->buf, s->pending);
	s->pending = 0;
}

/* Tell the owner when the buffer crosses the water marks. */
void
sink_check_water(struct sink *s)
{
	if (!s->blocked && s->pending >= SINK_HIGH_WATER) {
		s->blocked = 1;
		s->stats.stalls++;
		s->cb->blocked(s, 1, s->cb_arg);
	} else if (s->blocked && s->pending <= SINK_LOW_WATER) {
		s->blocked = 0;
		s->cb->blocked(s, 0, s->cb_arg);
	}
}

static void
sink_flush_cb(evutil_socket_t fd __unused, short what __unused, void *arg)
{
	sink_buffered_flush(arg);
}

/*
 * Write as much as the fd takes now.  EAGAIN waits for the fd; EPIPE
 * means nobody will ever read, so output is dropped (and counted); any
 * other error is said once and retried every SINK_RETRY_SEC with the
 * records kept.
 */
void
sink_buffered_flush(struct sink *s)
{
	struct timeval	retry = { SINK_RETRY_SEC, 0 };
	int		n;

	if (s->scheduled) {
		s->scheduled = 0;
		event_del(s->ev_idle);
		if (!s->failed)
			evtimer_del(s->ev_flush);
	}
	sink_commit(s);
	while (s->pending > 0) {
		if (s->ops->writebuf != NULL)
			n = s->ops->writebuf(s);
		else
			n = evbuffer_write(s->buf, s->fd);
		if (n == 0)
			break;		/* held; the sink retries */
		if (n > 0) {
			s->stats.written += n;
			s->pending -= n;
			if (s->failed) {
				log_info("%s: writing again", s->name);
				s->failed = 0;
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			event_add(s->ev_write, NULL);
			break;
		}
		if (n == -1 && errno == EPIPE) {
			log_warnx("%s: reader gone (%s), discarding output",
			    s->name, strerror(errno));
			s->broken = 1;
			sink_discard(s);
			break;
		}
		s->stats.errors++;
		if (!s->failed)
			log_warn("%s: write failed, retrying", s->name);
		s->failed = 1;
		evtimer_add(s->ev_flush, &retry);
		break;
	}
	sink_check_water(s);
	if (s->pending == 0)
		s->cb->drained(s, s->cb_arg);
}

/* Free the buffer and events; the caller closes the fd. */
void
sink_buffered_close(struct sink *s)
{
	if (s->ev_write != NULL)
		event_free(s->ev_write);
	if (s->ev_flush != NULL)
		event_free(s->ev_flush);
	if (s->ev_idle != NULL)
		event_free(s->ev_idle);
	if (s->buf != NULL) {
		sink_commit(s);
		evbuffer_free(s->buf);
	}
	s->ev_write = s->ev_flush = s->ev_idle = NULL;
	s->buf = NULL;
	s->pending = 0;
}
