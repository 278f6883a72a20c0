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
 * The counters: one table per kind of thing counted (listeners,
 * outputs), each row a name and where its uint64_t lives.  The SIGUSR1
 * lines, the STATUS= line and anything else that shows counters read
 * these tables, so a new counter is one field and one row.  Rows are
 * only ever appended: readers of the lines rely on the order.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tcplogd.h"
#include "log.h"

#define COUNTER_LINE	1024

const struct counter listener_counters[] = {
	{ "accepted", offsetof(struct listener_stats, accepted) },
	{ "refused", offsetof(struct listener_stats, refused) },
	{ "active", offsetof(struct listener_stats, active) },
	{ "records", offsetof(struct listener_stats, records) },
	{ "bytes", offsetof(struct listener_stats, bytes) },
	{ "overlong", offsetof(struct listener_stats, overlong) },
	{ "partial", offsetof(struct listener_stats, partial) },
	{ "output_bytes", offsetof(struct listener_stats, output_bytes) },
	{ "pauses", offsetof(struct listener_stats, pauses) },
	{ "framing_errors", offsetof(struct listener_stats, framing_errors) },
	{ "parse_errors", offsetof(struct listener_stats, parse_errors) },
	{ "tls_failures", offsetof(struct listener_stats, tls_failures) },
	{ "health_checks", offsetof(struct listener_stats, health_checks) },
	{ "proxy_errors", offsetof(struct listener_stats, proxy_errors) },
	{ NULL, 0 }
};

const struct counter sink_counters[] = {
	{ "written", offsetof(struct sink_stats, written) },
	{ "dropped", offsetof(struct sink_stats, dropped) },
	{ "errors", offsetof(struct sink_stats, errors) },
	{ "stalls", offsetof(struct sink_stats, stalls) },
	{ "output_errors", offsetof(struct sink_stats, output_errors) },
	{ NULL, 0 }
};

/* The value of a row in the counters at stats. */
uint64_t
counter_value(const struct counter *row, const void *stats)
{
	uint64_t	v;

	memcpy(&v, (const char *)stats + row->off, sizeof v);
	return (v);
}

/* The row called name, or NULL. */
const struct counter *
counter_find(const struct counter *table, const char *name)
{
	for (; table->name != NULL; table++) {
		if (strcmp(table->name, name) == 0)
			return (table);
	}
	return (NULL);
}

/* Log "WHAT NAME: counter N counter N ..." at info. */
void
counter_log(const char *what, const char *name, const struct counter *table,
    const void *stats)
{
	char	line[COUNTER_LINE];
	size_t	len = 0;
	int	n;

	for (; table->name != NULL && len < sizeof line; table++) {
		n = snprintf(line + len, sizeof line - len, "%s%s %llu",
		    len == 0 ? "" : " ", table->name,
		    (unsigned long long)counter_value(table, stats));
		if (n < 0)
			break;
		len += n;
	}
	log_info("%s %s: %s", what, name, len > 0 ? line : "");
}
