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
 * Fuzz target for syslog_parse.c and the JSON syslog object of format.c:
 * the input (after one header byte) is a record's data, parsed as syslog
 * and written as a JSON line into a buffer of exactly format_json_max()
 * bytes (ASan sees any write past the bound).  The parse must give
 * fields that are parts of the input, in their order, without overlap;
 * the line must be one line a terminal can show (fuzz_check_line()) and
 * one JSON object to a strict checker (jsoncheck.c: RFC 8259, valid
 * UTF-8, no duplicate keys), with a "syslog" object exactly when the
 * data parsed, its data and an ASCII msg reading back as they came.  The
 * text line must not change with the parse.
 *
 * The input: [0] bit 0: the time in the line; then the data.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsoncheck.h"

#define FUZZ_HDR	1

static void	fuzz_parts(const struct syslog_msg *, const u_char *, size_t);
static int	fuzz_ascii(const u_char *, size_t);
static void	fuzz_text_same(const struct record *);

/* Every field is within the data, in order, none overlapping. */
static void
fuzz_parts(const struct syslog_msg *m, const u_char *data, size_t len)
{
	const struct syslog_str	*f[] = { &m->timestamp, &m->hostname,
				    &m->app_name, &m->procid, &m->msgid,
				    &m->msg };
	const struct syslog_param *pa;
	const u_char		*last = data, *end = data + len;
	size_t			 i;

	FUZZ_ASSERT(m->pri <= 191);
	FUZZ_ASSERT(m->nsd <= SYSLOG_SD_ELEMENTS);
	FUZZ_ASSERT(m->nparams <= SYSLOG_SD_PARAMS);
	for (i = 0; i < nitems(f); i++) {
		if (f[i]->p == NULL)
			continue;
		FUZZ_ASSERT(f[i]->len > 0);
		FUZZ_ASSERT(f[i]->p >= last && f[i]->p + f[i]->len <= end);
		last = f[i]->p + f[i]->len;
	}
	for (i = 0; i < m->nsd; i++) {
		FUZZ_ASSERT(m->sd[i].p >= data && m->sd[i].len > 0 &&
		    m->sd[i].p + m->sd[i].len <= end);
		FUZZ_ASSERT(m->sd_first[i] <= i);
	}
	for (i = 0; i < m->nparams; i++) {
		pa = &m->params[i];
		FUZZ_ASSERT(pa->name.p >= data && pa->name.len > 0 &&
		    pa->name.p + pa->name.len <= end);
		FUZZ_ASSERT(pa->value.p >= data &&
		    pa->value.p + pa->value.len <= end);
		FUZZ_ASSERT(pa->elem < m->nsd && pa->first <= i &&
		    pa->count >= 1);
	}
}

static int
fuzz_ascii(const u_char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			return (0);
	}
	return (1);
}

/* The text line of rec is the same with its syslog fields or without. */
static void
fuzz_text_same(const struct record *rec)
{
	struct record	 bare = *rec;
	char		*a, *b;
	size_t		 na, nb;

	bare.syslog = NULL;
	FUZZ_ASSERT(format_text_max(rec) == format_text_max(&bare));
	a = xmalloc(format_text_max(rec));
	b = xmalloc(format_text_max(rec));
	na = format_text(a, rec, 0);
	nb = format_text(b, &bare, 0);
	FUZZ_ASSERT(na == nb && memcmp(a, b, na) == 0);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	static const char *const data_path[] = { "data", NULL };
	static const char *const msg_path[] = { "syslog", "msg", NULL };
	static const char *const fac_path[] = { "syslog", "facility", NULL };
	static const struct timeval tv = { 1795854175, 123456 };
	struct syslog_msg	 m;
	struct record		 rec;
	const u_char		*data;
	const char		*err;
	char			*line;
	u_char			*back;
	size_t			 len, max, n, blen;
	int			 parsed, ts;

	if (size < FUZZ_HDR)
		return (0);
	ts = input[0] & 1;
	data = input + FUZZ_HDR;
	len = size - FUZZ_HDR;

	parsed = syslog_parse(&m, data, len) == 0;
	if (parsed)
		fuzz_parts(&m, data, len);

	memset(&rec, 0, sizeof rec);
	rec.type = REC_DATA;
	rec.tv = &tv;
	rec.listener = FUZZ_LISTENER;
	rec.peer = FUZZ_PEER;
	rec.data = data;
	rec.len = len;
	rec.syslog = parsed ? &m : NULL;

	max = format_json_max(&rec);
	line = xmalloc(max);
	n = format_json(line, &rec, ts);
	if (n > max)
		fuzz_fail("format_json() wrote %zu bytes, max %zu", n, max);
	fuzz_check_line(line, n, 1);
	if ((err = jsoncheck(line, n - 1)) != NULL)
		fuzz_fail("%s: %.*s", err, (int)n, line);

	back = xmalloc(n);
	switch (jsoncheck_get(line, n - 1, data_path, back, &blen)) {
	case 1:
		FUZZ_ASSERT(blen == len && memcmp(back, data, len) == 0);
		break;
	case 0:		/* data_base64: fuzz_format checks it */
		break;
	default:
		fuzz_fail("jsoncheck_get");
	}
	FUZZ_ASSERT(jsoncheck_get(line, n - 1, fac_path, back, &blen) ==
	    parsed);
	if (parsed) {
		if (m.msg.p == NULL)
			FUZZ_ASSERT(jsoncheck_get(line, n - 1, msg_path, back,
			    &blen) == 0);
		else if (fuzz_ascii(m.msg.p, m.msg.len)) {
			FUZZ_ASSERT(jsoncheck_get(line, n - 1, msg_path, back,
			    &blen) == 1);
			FUZZ_ASSERT(blen == m.msg.len &&
			    memcmp(back, m.msg.p, blen) == 0);
		}
		fuzz_text_same(&rec);
	}
	free(back);
	free(line);
	return (0);
}
