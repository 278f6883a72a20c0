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
 * The syslog sink.  Each record goes out without TIME (the line has its
 * own), with the facility and severity of its message when it was parsed
 * as syslog, else (connection events too) with its listener's
 * syslog_facility and syslog_priority, in glibc's syslog(3) wire format
 * "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE" (local time, the record's
 * arrival), one datagram per record to /dev/log.  Not through syslog(3)
 * itself: it blocks the loop while the syslog daemon does not read, and
 * drops records without a word when /dev/log is missing.  sink_dgram.c
 * turns the first into backpressure and counts the second.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define SYSLOG_PATH	"/dev/log"
#define SYSLOG_HEAD_MAX	128	/* "<PRI>TIME IDENT[PID]: ", ident <= 64 */

static int	syslog_open(struct sink *, const struct lconf *, char **);
static size_t	syslog_write(struct sink *, const struct lconf *,
		    const struct record *);
static ssize_t	syslog_toobig(struct sink *, int, const void *, size_t);

const struct sink_ops sink_syslog_ops = {
	.name = "syslog",
	.open = syslog_open,
	.configure = sink_dgram_configure,
	.write = syslog_write,
	.flush = sink_dgram_flush,
	.close = sink_dgram_close,
};

static pid_t	syslog_pid;
static int	syslog_cut_noted;	/* a record was cut, said */

static int
syslog_open(struct sink *s, const struct lconf *lc __unused,
    char **cause __unused)
{
	syslog_pid = getpid();
	return (sink_dgram_open(s, SYSLOG_PATH, syslog_toobig));
}

/*
 * The head of a message in glibc's syslog(3) format into buf (size
 * bytes, SYSLOG_HEAD_MAX is enough): "<PRI>Mmm dd hh:mm:ss IDENT[PID]: "
 * with the local time of tv; returns its length, without a NUL.
 */
size_t
sink_syslog_head(char *buf, size_t size, int pri, const struct timeval *tv,
    const char *ident, pid_t pid)
{
	static time_t	 last = -1;
	static char	 stamp[32];
	struct tm	 tm;
	int		 n;

	/* Records of one second share their stamp: localtime once. */
	if (tv->tv_sec != last) {
		localtime_r(&tv->tv_sec, &tm);
		if (strftime(stamp, sizeof stamp, "%h %e %T", &tm) == 0)
			stamp[0] = '\0';
		last = tv->tv_sec;
	}
	n = snprintf(buf, size, "<%d>%s %s[%ld]: ", pri, stamp, ident,
	    (long)pid);
	if (n < 0)
		return (0);
	return ((size_t)n < size ? (size_t)n : size - 1);
}

/* One record, without its time, as one datagram. */
static size_t
syslog_write(struct sink *s, const struct lconf *lc,
    const struct record *rec)
{
	char	*buf;
	size_t	 h, n;
	int	 flags;

	flags = sink_format_flags(s, lc) & ~FORMAT_TIME;
	buf = (char *)sink_dgram_room(s, SYSLOG_HEAD_MAX +
	    format_line_max(rec, flags));
	h = sink_syslog_head(buf, SYSLOG_HEAD_MAX,
	    sink_syslog_priority(lc, rec), rec->tv, sink_dgram_ident(s),
	    syslog_pid);
	n = format_line(buf + h, rec, flags);
	sink_dgram_send(s, buf, h + n - 1);	/* no LF */
	return (n);
}

/*
 * A message larger than a datagram: cut to what fits (rsyslog keeps 8
 * KiB of it by default anyway), counted as an output error, said once.
 */
static ssize_t
syslog_toobig(struct sink *s, int fd, const void *p, size_t len)
{
	size_t	max = sink_dgram_limit(fd);

	if (len <= max) {
		errno = EAGAIN;	/* short of buffers: wait for room */
		return (-1);
	}
	s->stats.output_errors++;
	if (!syslog_cut_noted++) {
		log_warnx("%s: a record of %zu bytes cut to %zu, the most a "
		    "datagram carries (said once)", s->name, len, max);
	}
	return (send(fd, p, max, MSG_DONTWAIT | MSG_NOSIGNAL));
}

/*
 * The syslog priority of rec.  Facility kern (0) is the one a parsed
 * message cannot keep (syslog(3), which this output used to call, took
 * 0 for openlog()'s facility, and the output keeps its priorities): such
 * a message goes with the listener's facility and its own severity.
 */
int
sink_syslog_priority(const struct lconf *lc, const struct record *rec)
{
	const struct syslog_msg	*m = rec->syslog;

	if (rec->type != REC_DATA || m == NULL)
		return (lc->facility | lc->priority);
	if ((m->pri & LOG_FACMASK) == 0)
		return (lc->facility | (m->pri & LOG_PRIMASK));
	return (m->pri);
}
