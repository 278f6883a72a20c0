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
 * Fuzz target for format.c: a record built from the input goes through
 * format_line() as text and as JSON, with and without the time, into a
 * buffer of exactly format_line_max() bytes (so ASan sees any write
 * past the bound).  Each line must be one line with nothing a terminal
 * acts on (fuzz_check_line()), equal what format_text() and
 * format_json() write, and read back as the record: its data
 * unescaped or decoded, its flags, its time as gmtime() has it, its
 * connection event word for word.  format_escape() alone must stay
 * within format_escape_max() and unescape to its input.
 *
 * The input: FUZZ_HDR header bytes, then the data.
 *	[0]	bits 0-7 modulo 3: type; bits 2-4: flags
 *	[1]	reason (modulo 8)
 *	[2]	listener name length - 1 (modulo 64); [3] its first letter
 *	[4]	bit 0: IPv6 peer; [5..20] its address, [21..22] its port
 *	[23..30] records, [31..38] bytes (disconnected)
 *	[39..46] seconds (modulo year 10000), [47..50] microseconds
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

#define FUZZ_HDR	51
#define FUZZ_YEAR_10000	253402300800ULL	/* 10000-01-01T00:00:00Z */

static uint64_t	fuzz_u64(const u_char *);
static void	fuzz_event_line(char *, size_t, const struct record *,
		    const char *, int);
static void	fuzz_data(const struct record *);
static void	fuzz_one(const struct record *, int, const char *);
static void	fuzz_escape(const u_char *, size_t);

static const char fuzz_name_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

static uint64_t
fuzz_u64(const u_char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

/* What a connected or disconnected record must look like. */
static void
fuzz_event_line(char *buf, size_t size, const struct record *rec,
    const char *stamp, int flags)
{
	const char	*reason = conn_reason_string(rec->reason);
	char		 ts[64] = "", peer[160];

	if (flags & FORMAT_JSON_LINE) {
		if (stamp != NULL)
			snprintf(ts, sizeof ts, "\"time\":\"%s\",", stamp);
		if (rec->type == REC_CONNECTED)
			snprintf(buf, size, "{%s\"listener\":\"%s\",%s,"
			    "\"event\":\"connected\"}\n", ts, rec->listener,
			    fuzz_json_peer(peer, sizeof peer, rec->peer));
		else
			snprintf(buf, size, "{%s\"listener\":\"%s\",%s,"
			    "\"event\":\"disconnected\",\"reason\":"
			    "\"%s\",\"records\":%" PRIu64 ",\"bytes\":%"
			    PRIu64 "}\n", ts, rec->listener,
			    fuzz_json_peer(peer, sizeof peer, rec->peer),
			    reason, rec->records, rec->bytes);
		return;
	}
	if (stamp != NULL)
		snprintf(ts, sizeof ts, "%s ", stamp);
	if (rec->type == REC_CONNECTED)
		snprintf(buf, size, "%s%s %s connected\n", ts, rec->listener,
		    rec->peer);
	else
		snprintf(buf, size, "%s%s %s disconnected (%s) %" PRIu64
		    " records %" PRIu64 " bytes\n", ts, rec->listener,
		    rec->peer, reason, rec->records, rec->bytes);
}

/* Format rec one way (format_line() flags) and check the line. */
static void
fuzz_one(const struct record *rec, int flags, const char *stamp)
{
	char		*line, *other, *expect;
	u_char		*data;
	size_t		 max, len, n;
	int		 json = (flags & FORMAT_JSON_LINE) != 0;
	int		 ts = (flags & FORMAT_TIME) != 0, got;

	max = format_line_max(rec, flags);
	FUZZ_ASSERT(max == (json ? format_json_max(rec) :
	    format_text_max(rec)));
	line = xmalloc(max);
	len = format_line(line, rec, flags);
	if (len > max)
		fuzz_fail("format_line() wrote %zu bytes, max %zu", len, max);
	fuzz_check_line(line, len, json);

	/* The same as format_text() or format_json() directly. */
	other = xmalloc(max);
	n = json ? format_json(other, rec, ts) : format_text(other, rec, ts);
	FUZZ_ASSERT(n == len && memcmp(line, other, len) == 0);
	free(other);

	/* The time, as gmtime() has it. */
	if (ts) {
		FUZZ_ASSERT(len > FORMAT_TIME_LEN + 9);
		if (memcmp(line + (json ? 9 : 0), stamp, FORMAT_TIME_LEN) != 0)
			fuzz_fail("time '%.*s', expected '%s'",
			    FORMAT_TIME_LEN, line + (json ? 9 : 0), stamp);
	}

	if (rec->type == REC_DATA) {
		data = xmalloc(len);
		n = json ? fuzz_json_data(line, len, rec, ts, &got, data) :
		    fuzz_text_data(line, len, rec, ts, &got, data);
		if (n != rec->len || (n > 0 && memcmp(data, rec->data,
		    n) != 0))
			fuzz_fail("%s data does not read back",
			    json ? "JSON" : "text");
		if (got != rec->flags)
			fuzz_fail("flags 0x%x read back as 0x%x", rec->flags,
			    got);
		free(data);
	} else {
		expect = xmalloc(512);
		fuzz_event_line(expect, 512, rec, ts ? stamp : NULL, flags);
		if (strlen(expect) != len || memcmp(expect, line, len) != 0)
			fuzz_fail("'%.*s', expected '%s'", (int)len, line,
			    expect);
		free(expect);
	}

	free(line);
}

/* format_escape() alone: within its bound, one line, reversible. */
static void
fuzz_escape(const u_char *data, size_t len)
{
	char	*esc;
	u_char	*back;
	size_t	 max = format_escape_max(len), n;

	/* As in a line: after a blank, before a newline. */
	esc = xmalloc(max + 2);
	esc[0] = ' ';
	n = format_escape(esc + 1, data, len);
	if (n > max)
		fuzz_fail("format_escape() wrote %zu bytes, max %zu", n, max);
	esc[n + 1] = '\n';
	fuzz_check_line(esc, n + 2, 0);
	back = xmalloc(n + 1);
	if (fuzz_unescape(back, esc + 1, n) != len || (len > 0 &&
	    memcmp(back, data, len) != 0))
		fuzz_fail("format_escape() is not reversible");
	free(back);
	free(esc);
}

/*
 * format = data: a data record is its escaped data and a LF, read back
 * to the bytes; an event makes nothing.
 */
static void
fuzz_data(const struct record *rec)
{
	char	*line;
	u_char	*back;
	size_t	 max, len;

	max = format_line_max(rec, FORMAT_DATA_LINE | FORMAT_TIME);
	FUZZ_ASSERT(max == format_data_max(rec));
	line = xmalloc(max);
	len = format_line(line, rec, FORMAT_DATA_LINE | FORMAT_TIME);
	FUZZ_ASSERT(len <= max);
	if (rec->type != REC_DATA) {
		FUZZ_ASSERT(len == 0);
		free(line);
		return;
	}
	FUZZ_ASSERT(len > 0 && line[len - 1] == '\n');
	FUZZ_ASSERT(memchr(line, '\n', len - 1) == NULL);
	back = xmalloc(len);
	if (fuzz_unescape(back, line, len - 1) != rec->len ||
	    (rec->len > 0 && memcmp(back, rec->data, rec->len) != 0))
		fuzz_fail("format = data does not read back");
	free(back);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u_char	 empty[1];
	u_char			 h[FUZZ_HDR] = { 0 };
	char			 name[65], peer[CONN_PEER_LEN];
	char			 stamp[FORMAT_TIME_LEN + 1];
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct timeval		 tv;
	struct record		 rec;
	struct tm		 tm;
	time_t			 t;
	size_t			 n, i;

	n = size < FUZZ_HDR ? size : FUZZ_HDR;
	memcpy(h, data, n);

	n = 1 + h[2] % 64;
	for (i = 0; i < n; i++)
		name[i] = fuzz_name_chars[(h[3] + i) %
		    (sizeof fuzz_name_chars - 1)];
	name[n] = '\0';

	memset(&ss, 0, sizeof ss);
	if (h[4] & 1) {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, h + 5, 16);
		memcpy(&sin6->sin6_port, h + 21, 2);
	} else {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, h + 5, 4);
		memcpy(&sin->sin_port, h + 21, 2);
	}
	conn_peer_string((struct sockaddr *)&ss, peer, sizeof peer);

	tv.tv_sec = fuzz_u64(h + 39) % FUZZ_YEAR_10000;
	tv.tv_usec = (fuzz_u64(h + 43) & 0xffffffff) % 1000000;
	t = tv.tv_sec;
	if (gmtime_r(&t, &tm) == NULL)
		fuzz_fail("gmtime_r");
	snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)tv.tv_usec);

	memset(&rec, 0, sizeof rec);
	rec.type = (enum rec_type)(h[0] % 3);
	rec.tv = &tv;
	rec.listener = name;
	rec.peer = peer;
	if (rec.type == REC_DATA) {
		rec.flags = (h[0] >> 2) & 7;
		rec.data = size > FUZZ_HDR ? data + FUZZ_HDR : empty;
		rec.len = size > FUZZ_HDR ? size - FUZZ_HDR : 0;
	} else if (rec.type == REC_DISCONNECTED) {
		rec.reason = (enum conn_reason)(h[1] % (CONN_TIMEDOUT + 1));
		rec.records = fuzz_u64(h + 23);
		rec.bytes = fuzz_u64(h + 31);
	}

	fuzz_one(&rec, 0, stamp);
	fuzz_one(&rec, FORMAT_TIME, stamp);
	fuzz_one(&rec, FORMAT_JSON_LINE, stamp);
	fuzz_one(&rec, FORMAT_JSON_LINE | FORMAT_TIME, stamp);
	fuzz_data(&rec);
	if (size > FUZZ_HDR)
		fuzz_escape(data + FUZZ_HDR, size - FUZZ_HDR);
	return (0);
}
