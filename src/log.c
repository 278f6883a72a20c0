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
 * Diagnostics on stderr.  Each call writes one line with a single write so
 * that lines from this process never interleave.  When stderr is the
 * journal (JOURNAL_STREAM names it), lines carry a "<N>" syslog level
 * prefix that journald turns into a priority, and no program prefix.
 */

#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

#define LOG_PLAIN	0x100	/* with a priority: no "tcplogd: " */

static void	log_vwrite(int, const char *, const char *, va_list)
		    __attribute__((__format__(__printf__, 3, 0)));
static void	log_event_cb(int, const char *);
static void	log_write_all(const char *, size_t);

static int	 log_debug_on;
static int	 log_journal;
static const char *log_procname = "tcplogd";

/* Set up logging; route libevent's own messages to debug. */
void
log_init(int debug, const char *procname)
{
	log_debug_on = debug;
	if (procname != NULL)
		log_procname = procname;
	log_journal = log_is_journal(STDERR_FILENO);
	event_set_log_callback(log_event_cb);
}

/* libevent's messages are ours only at debug level. */
static void
log_event_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/*
 * Write a line to stderr.  stderr may share its file description with a
 * non-blocking stdout (as under systemd), so wait a little when it would
 * block rather than lose the line.
 */
static void
log_write_all(const char *p, size_t len)
{
	struct pollfd	pfd;
	ssize_t		n;

	while (len > 0) {
		n = write(STDERR_FILENO, p, len);
		if (n > 0) {
			p += n;
			len -= n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			pfd.fd = STDERR_FILENO;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 1000) > 0)
				continue;
		}
		return;
	}
}

/*
 * Format one line and write it at once; errno is preserved.  pri may
 * carry LOG_PLAIN: no program prefix outside the journal (for -t, whose
 * lines are the config errors alone).
 */
static void
log_vwrite(int pri, const char *suffix, const char *fmt, va_list ap)
{
	char	 line[2048];
	int	 n, m, saved_errno = errno;

	if (log_journal)
		n = snprintf(line, sizeof line, "<%d>", pri & ~LOG_PLAIN);
	else if (pri & LOG_PLAIN)
		n = 0;
	else
		n = snprintf(line, sizeof line, "%s: ", log_procname);
	if (n < 0)
		n = 0;
	m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (m > 0)
		n += m;
	if ((size_t)n >= sizeof line - 2)
		n = sizeof line - 2;
	if (suffix != NULL) {
		m = snprintf(line + n, sizeof line - n, ": %s", suffix);
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof line - 2)
			n = sizeof line - 2;
	}
	line[n++] = '\n';
	log_write_all(line, n);
	errno = saved_errno;
}

/*
 * Errors: what failed is not done (a config that is refused, a reload
 * that is not applied, a start that ends), where warnings are about what
 * goes on anyway.  journalctl -p err shows them.
 */
void
log_errx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
}

/* A line as it is, at priority pri ("<pri>" for the journal). */
void
log_plain(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(pri | LOG_PLAIN, NULL, fmt, ap);
	va_end(ap);
}

/* Warning with strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, strerror(errno), fmt, ap);
	va_end(ap);
}

/* Warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Fatal error with strerror(errno); only before the loop runs. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, strerror(errno), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
