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
 * The syslog(3) sink.  Each record goes out without TIME (syslog adds
 * its own), with the facility and severity of its message when it was
 * parsed as syslog, else (connection events too) with its listener's
 * syslog_facility and syslog_priority.  syslog(3) blocks
 * when the syslog daemon stops reading /dev/log; tcplogd lets it: the
 * loop waits, clients are held back by TCP, and nothing is lost.
 */

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "tcplogd.h"
#include "log.h"

/* Scratch line for formatting; grows to the largest record seen. */
struct syslog_state {
	char	*buf;
	size_t	 size;
};

static int	syslog_open(struct sink *, const struct lconf *, char **);
static void	syslog_configure(struct sink *, const struct config *);
static size_t	syslog_write(struct sink *, const struct lconf *,
		    const struct record *);
static void	syslog_close(struct sink *);

const struct sink_ops sink_syslog_ops = {
	.name = "syslog",
	.open = syslog_open,
	.configure = syslog_configure,
	.write = syslog_write,
	.close = syslog_close,
};

/* openlog(3) keeps the pointer: the ident must outlive every reload. */
static char	*syslog_ident;

/* Set the ident used from now on; NULL closes the log. */
static void
syslog_setup(const char *ident)
{
	if (ident != NULL && syslog_ident != NULL &&
	    strcmp(syslog_ident, ident) == 0)
		return;
	if (syslog_ident != NULL)
		closelog();
	free(syslog_ident);
	syslog_ident = NULL;
	if (ident == NULL)
		return;
	syslog_ident = xstrdup(ident);
	openlog(syslog_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* syslog_ident of the config (the first record waits for it). */
static void
syslog_configure(struct sink *s __unused, const struct config *conf)
{
	syslog_setup(conf->syslog_ident);
}

/* openlog() comes with configure; here just the scratch line. */
static int
syslog_open(struct sink *s, const struct lconf *lc __unused,
    char **cause __unused)
{
	s->state = xcalloc(1, sizeof (struct syslog_state));
	return (0);
}

/* One record, without its time, as one syslog(3) message. */
static size_t
syslog_write(struct sink *s, const struct lconf *lc,
    const struct record *rec)
{
	struct syslog_state	*st = s->state;
	size_t			 need, n;
	int			 flags;

	flags = sink_format_flags(s, lc) & ~FORMAT_TIME;
	need = format_line_max(rec, flags);
	if (need > st->size) {
		free(st->buf);
		st->size = need;
		st->buf = xmalloc(st->size);
	}
	n = format_line(st->buf, rec, flags);
	syslog(sink_syslog_priority(lc, rec), "%.*s", (int)(n - 1), st->buf);
	s->stats.written += n;
	return (n);
}

/*
 * The syslog(3) priority of rec.  Facility kern (0) is the one a parsed
 * message cannot keep: to syslog(3) it means openlog()'s facility, so
 * such a message goes with the listener's facility and its own severity.
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

static void
syslog_close(struct sink *s)
{
	struct syslog_state	*st = s->state;

	if (st != NULL) {
		free(st->buf);
		free(st);
	}
	s->state = NULL;
	syslog_setup(NULL);
}
