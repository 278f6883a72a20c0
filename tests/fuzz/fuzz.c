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
 * Helpers of the fuzz targets.  The line checks decode what format.c
 * wrote with code of their own (a UTF-8 decoder, an unescaper, a JSON
 * string reader, b64_pton()), so a target can demand that every record
 * reads back as the bytes it was made of.  The fake connection is the
 * one of tests/common.c: conn_emit() and listener_write() work on it,
 * and its sink checks and keeps each record instead of writing it.
 */

#include <netinet/in.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static size_t	fuzz_utf8(const u_char *, size_t, u_int *);
static int	fuzz_hex(char);
static u_char	*fuzz_put_utf8(u_char *, u_int);
static const char *fuzz_expect(const char *, const char *, const char *);
static const char *fuzz_json_string(const char *, const char *, u_char *,
		    size_t *);
static int	fuzz_sink_open(struct sink *, const struct lconf *, char **);
static size_t	fuzz_sink_write(struct sink *, const struct lconf *,
		    const struct record *);
static size_t	fuzz_sink_write_lines(struct sink *, const struct lconf *,
		    struct record *, const struct iovec *, size_t);

static const struct sink_ops fuzz_sink_ops = {
	.name = "fuzz",
	.open = fuzz_sink_open,
	.write = fuzz_sink_write,
	.write_lines = fuzz_sink_write_lines,
};

void
fuzz_fail(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz check failed: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/*
 * Decode one well-formed UTF-8 sequence (RFC 3629) at p into *cp; returns
 * its length, or 0 if the bytes are not one.  Written apart from
 * format.c on purpose: decode first, then reject overlong forms,
 * surrogates and code points above U+10FFFF.
 */
static size_t
fuzz_utf8(const u_char *p, size_t len, u_int *cp)
{
	static const u_int	min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			n, i;
	u_int			v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return (1);
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		v = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		v = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		v = p[0] & 0x07;
	} else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return (0);
	*cp = v;
	return (n);
}

/*
 * A line as a sink writes it: one newline, at the end, and before it
 * valid UTF-8 without a C0 control, DEL or a C1 control (nothing a
 * terminal acts on), and in JSON no U+2028 or U+2029 either.  It never
 * starts with '<', which journald would take as a "<N>" priority.
 */
void
fuzz_check_line(const char *line, size_t len, int json)
{
	const u_char	*p = (const u_char *)line, *end;
	size_t		 n;
	u_int		 cp;

	if (len == 0 || line[len - 1] != '\n')
		fuzz_fail("line does not end in a newline");
	if (line[0] == '<')
		fuzz_fail("line starts with '<'");
	end = p + len - 1;
	while (p < end) {
		if ((n = fuzz_utf8(p, end - p, &cp)) == 0) {
			fuzz_fail("invalid UTF-8 at offset %zu of %.*s",
			    (size_t)(p - (const u_char *)line), (int)len,
			    line);
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (json && (cp == 0x2028 || cp == 0x2029))) {
			fuzz_fail("raw U+%04X at offset %zu", cp,
			    (size_t)(p - (const u_char *)line));
		}
		p += n;
	}
}

/* "2026-11-28T08:22:55.123456Z" */
void
fuzz_check_time(const char *t)
{
	static const char	pattern[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	size_t			i;

	for (i = 0; i < FORMAT_TIME_LEN; i++) {
		if (pattern[i] == 'd' ? (t[i] < '0' || t[i] > '9') :
		    t[i] != pattern[i])
			fuzz_fail("bad time '%.*s'", FORMAT_TIME_LEN, t);
	}
}

static int
fuzz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	fuzz_fail("bad hex digit 0x%02x in an escape", (u_char)c);
}

/*
 * Undo format_escape() on len bytes of src into dst (at most len bytes);
 * returns the length.  Anything format_escape() does not write fails: an
 * unknown escape, uppercase hex, a raw control byte.
 */
size_t
fuzz_unescape(u_char *dst, const char *src, size_t len)
{
	const char	*p = src, *end = src + len;
	u_char		*o = dst;

	while (p < end) {
		if ((u_char)*p < 0x20 || *p == 0x7f)
			fuzz_fail("raw byte 0x%02x in escaped text", (u_char)*p);
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (end - p < 2)
			fuzz_fail("lone backslash at the end");
		switch (p[1]) {
		case '\\':
			*o++ = '\\';
			p += 2;
			break;
		case 't':
			*o++ = '\t';
			p += 2;
			break;
		case 'x':
			if (end - p < 4)
				fuzz_fail("short \\x escape");
			*o++ = fuzz_hex(p[2]) << 4 | fuzz_hex(p[3]);
			p += 4;
			break;
		default:
			fuzz_fail("unknown escape \\%c", p[1]);
		}
	}
	return (o - dst);
}

/* p must start with s (before end); returns what follows. */
static const char *
fuzz_expect(const char *p, const char *end, const char *s)
{
	size_t	n = strlen(s);

	if ((size_t)(end - p) < n || memcmp(p, s, n) != 0) {
		fuzz_fail("expected '%s' at '%.*s'", s,
		    (int)(end - p > 40 ? 40 : end - p), p);
	}
	return (p + n);
}

/*
 * Read a text data record back:
 *	[TIME ]LISTENER PEER[ [FLAGS]]: DATA
 * Checks everything but DATA against rec, unescapes DATA into out (room
 * for len bytes) and returns its length, with the flags in *flags.
 */
size_t
fuzz_text_data(const char *line, size_t len, const struct record *rec,
    int ts, int *flags, u_char *out)
{
	static const struct {
		const char	*name;
		int		 flag;
	} words[] = {
		{ "partial", REC_PARTIAL },
		{ "truncated", REC_TRUNCATED },
		{ "split", REC_SPLIT },
		{ "framing-error", REC_FRAMING },
	};
	const char	*p = line, *end = line + len - 1, *w;
	size_t		 i, n;
	int		 last = -1;

	if (ts) {
		if (len < FORMAT_TIME_LEN + 1)
			fuzz_fail("no room for the time");
		fuzz_check_time(p);
		p = fuzz_expect(p + FORMAT_TIME_LEN, end, " ");
	}
	p = fuzz_expect(p, end, rec->listener);
	p = fuzz_expect(p, end, " ");
	p = fuzz_expect(p, end, rec->peer);
	*flags = 0;
	if (end - p >= 2 && p[0] == ' ' && p[1] == '[') {
		/* Known words, in order, comma-separated, at least one. */
		p += 2;
		for (;;) {
			w = p;
			while (p < end && *p != ',' && *p != ']')
				p++;
			if (p == end)
				fuzz_fail("unterminated flags");
			n = p - w;
			for (i = 0; i < nitems(words); i++) {
				if (strlen(words[i].name) == n &&
				    memcmp(words[i].name, w, n) == 0)
					break;
			}
			if (i == nitems(words) || (int)i <= last)
				fuzz_fail("bad flag '%.*s'", (int)n, w);
			last = i;
			*flags |= words[i].flag;
			if (*p++ == ']')
				break;
		}
	}
	p = fuzz_expect(p, end, ": ");
	return (fuzz_unescape(out, p, end - p));
}

/* Append code point cp as UTF-8. */
static u_char *
fuzz_put_utf8(u_char *o, u_int cp)
{
	if (cp < 0x80)
		*o++ = cp;
	else if (cp < 0x800) {
		*o++ = 0xc0 | cp >> 6;
		*o++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*o++ = 0xe0 | cp >> 12;
		*o++ = 0x80 | ((cp >> 6) & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	} else {
		*o++ = 0xf0 | cp >> 18;
		*o++ = 0x80 | ((cp >> 12) & 0x3f);
		*o++ = 0x80 | ((cp >> 6) & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	}
	return (o);
}

/*
 * Read the inside of a JSON string at p (RFC 8259 section 7) into out;
 * returns what follows the closing quote.  Surrogate escapes fail:
 * format.c never writes them.
 */
static const char *
fuzz_json_string(const char *p, const char *end, u_char *out, size_t *outlen)
{
	u_char	*o = out;
	u_int	 cp;
	int	 i;

	for (;;) {
		if (p == end)
			fuzz_fail("unterminated JSON string");
		if (*p == '"')
			break;
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (end - p < 2)
			fuzz_fail("lone backslash in JSON");
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			*o++ = p[1];
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (end - p < 6)
				fuzz_fail("short \\u escape");
			for (cp = 0, i = 2; i < 6; i++)
				cp = cp << 4 | fuzz_hex(p[i]);
			if (cp >= 0xd800 && cp <= 0xdfff)
				fuzz_fail("surrogate \\u%04x", cp);
			o = fuzz_put_utf8(o, cp);
			p += 4;
			break;
		default:
			fuzz_fail("unknown JSON escape \\%c", p[1]);
		}
		p += 2;
	}
	*outlen = o - out;
	return (p + 1);
}

/*
 * What JSON says of a peer "IP:PORT" or "[IP6]:PORT", worked out here on
 * its own: "peer":"P","peer_ip":"IP","peer_port":PORT (buf: 160 bytes).
 */
const char *
fuzz_json_peer(char *buf, size_t size, const char *peer)
{
	const char	*colon = strrchr(peer, ':');
	int		 v6 = peer[0] == '[';

	if (colon == NULL)
		fuzz_fail("peer '%s' without a port", peer);
	snprintf(buf, size, "\"peer\":\"%s\",\"peer_ip\":\"%.*s\","
	    "\"peer_port\":%s", peer, (int)(colon - peer - 2 * v6),
	    peer + v6, colon + 1);
	return (buf);
}

/*
 * Read a JSON data record back:
 *	{["time":"TIME",]"listener":"L","peer":"P","peer_ip":"IP",
 *	 "peer_port":PORT,"event":"data",
 *	 "data":"STRING" or "data_base64":"BASE64"[,"partial":true]
 *	 [,"truncated":true][,"split":true][,"framing_error":true]}
 * Checks everything against rec but the data, which it decodes into out
 * (room for len bytes); returns its length, with the flags in *flags.
 * Data that is valid UTF-8 must be a string, any other base64.
 */
size_t
fuzz_json_data(const char *line, size_t len, const struct record *rec,
    int ts, int *flags, u_char *out)
{
	const char	*p = line, *end = line + len - 1, *b64;
	char		*copy, peer[160];
	size_t		 n, i;
	u_int		 cp;
	int		 m;

	p = fuzz_expect(p, end, "{");
	if (ts) {
		p = fuzz_expect(p, end, "\"time\":\"");
		if (end - p < FORMAT_TIME_LEN)
			fuzz_fail("no room for the time");
		fuzz_check_time(p);
		p = fuzz_expect(p + FORMAT_TIME_LEN, end, "\",");
	}
	p = fuzz_expect(p, end, "\"listener\":\"");
	p = fuzz_expect(p, end, rec->listener);
	p = fuzz_expect(p, end, "\",");
	p = fuzz_expect(p, end, fuzz_json_peer(peer, sizeof peer,
	    rec->peer));
	p = fuzz_expect(p, end, ",\"event\":\"data\",");
	if (end - p > 8 && memcmp(p, "\"data\":\"", 8) == 0) {
		p = fuzz_json_string(p + 8, end, out, &n);
		for (i = 0; i < rec->len; i += m) {
			if ((m = fuzz_utf8(rec->data + i, rec->len - i,
			    &cp)) == 0)
				fuzz_fail("invalid UTF-8 as a JSON string");
		}
	} else {
		p = fuzz_expect(p, end, "\"data_base64\":\"");
		b64 = p;
		while (p < end && *p != '"')
			p++;
		if (p == end)
			fuzz_fail("unterminated base64");
		copy = xstrndup(b64, p - b64);
		if ((m = b64_pton(copy, out, len)) < 0)
			fuzz_fail("bad base64 '%s'", copy);
		free(copy);
		n = m;
		p++;
		for (i = 0; i < n; i += m) {
			if ((m = fuzz_utf8(out + i, n - i, &cp)) == 0)
				break;
		}
		if (i == n)
			fuzz_fail("valid UTF-8 sent as base64");
	}
	*flags = 0;
	if (end - p >= 15 && memcmp(p, ",\"partial\":true", 15) == 0) {
		*flags |= REC_PARTIAL;
		p += 15;
	}
	if (end - p >= 17 && memcmp(p, ",\"truncated\":true", 17) == 0) {
		*flags |= REC_TRUNCATED;
		p += 17;
	}
	if (end - p >= 13 && memcmp(p, ",\"split\":true", 13) == 0) {
		*flags |= REC_SPLIT;
		p += 13;
	}
	if (end - p >= 21 && memcmp(p, ",\"framing_error\":true", 21) == 0) {
		*flags |= REC_FRAMING;
		p += 21;
	}
	p = fuzz_expect(p, end, "}");
	if (p != end)
		fuzz_fail("junk after the JSON object");
	return (n);
}

static int
fuzz_sink_open(struct sink *s __unused, const struct lconf *lc __unused,
    char **cause __unused)
{
	return (0);
}

/*
 * Format a data record as the listener says (text or JSON, with or
 * without the time), check the line, read it back, and keep the data and
 * flags as read.
 */
static size_t
fuzz_sink_write(struct sink *s, const struct lconf *lc,
    const struct record *rec)
{
	struct fuzz_conn	*fc = s->state;
	struct fuzz_rec		*r;
	char			*line;
	size_t			 max, len, n;
	int			 flags, ts, json, got;

	FUZZ_ASSERT(rec->type == REC_DATA);
	flags = sink_format_flags(s, lc);
	ts = (flags & FORMAT_TIME) != 0;
	json = (flags & FORMAT_JSON_LINE) != 0;
	max = format_line_max(rec, flags);
	line = xmalloc(max);
	len = format_line(line, rec, flags);
	if (len > max)
		fuzz_fail("format_line() wrote %zu bytes, max %zu", len, max);
	fuzz_check_line(line, len, json);

	if (fc->datasize - fc->datalen < len) {
		fc->datasize = (fc->datalen + len) * 2;
		fc->data = xreallocarray(fc->data, fc->datasize, 1);
	}
	if (json)
		n = fuzz_json_data(line, len, rec, ts, &got,
		    fc->data + fc->datalen);
	else
		n = fuzz_text_data(line, len, rec, ts, &got,
		    fc->data + fc->datalen);
	if (n != rec->len || (n > 0 &&
	    memcmp(fc->data + fc->datalen, rec->data, n) != 0))
		fuzz_fail("record data does not read back");
	if (got != rec->flags)
		fuzz_fail("flags 0x%x read back as 0x%x", rec->flags, got);
	free(line);

	if (fc->nrecs == fc->recsize) {
		fc->recsize = fc->recsize == 0 ? 64 : fc->recsize * 2;
		fc->recs = xreallocarray(fc->recs, fc->recsize,
		    sizeof *fc->recs);
	}
	r = &fc->recs[fc->nrecs++];
	r->off = fc->datalen;
	r->len = n;
	r->flags = got;
	fc->datalen += n;
	return (len);
}

/*
 * A batch of lines, one by one.  One marked plain must be: printable
 * ASCII but '\\' only, which text copies as it is.
 */
static size_t
fuzz_sink_write_lines(struct sink *s, const struct lconf *lc,
    struct record *rec, const struct iovec *v, size_t nv)
{
	const u_char	*p;
	size_t		 i, j, total = 0;

	for (i = 0; i < nv; i++) {
		p = v[i].iov_base;
		for (j = 0; rec->plain && j < v[i].iov_len; j++) {
			if (p[j] < 0x20 || p[j] > 0x7e || p[j] == '\\')
				fuzz_fail("batch marked plain, byte 0x%02x",
				    p[j]);
		}
		rec->data = p;
		rec->len = v[i].iov_len;
		total += fuzz_sink_write(s, lc, rec);
	}
	return (total);
}

/*
 * A connection of listener FUZZ_LISTENER from FUZZ_PEER in the given mode,
 * without connection events, writing text or JSON, with or without the
 * time.
 */
struct fuzz_conn *
fuzz_conn_new(enum lconf_mode mode, size_t max_line,
    enum lconf_overlong overlong, int json, int ts)
{
	struct fuzz_conn	*fc;
	struct lconf		*lc;
	struct conn		*c;
	char			*cause = NULL;

	fc = xcalloc(1, sizeof *fc);

	lc = fc->lc = xcalloc(1, sizeof *lc);
	lc->refs = 1;
	lc->name = xstrdup(FUZZ_LISTENER);
	lc->mode = mode;
	lc->outputs = OUTPUT_STDOUT;
	lc->format = json ? FORMAT_JSON : FORMAT_TEXT;
	lc->events = 0;
	lc->timestamps = ts ? TS_YES : TS_NO;
	lc->max_line = max_line;
	lc->overlong = overlong;

	if ((fc->sink = sink_new(NULL, &fuzz_sink_ops, NULL,
	    &cause)) == NULL)
		fuzz_fail("sink_new: %s", cause);
	fc->sink->state = fc;
	fc->l.env = &fc->env;
	fc->l.conf = lconf_ref(lc);
	if ((fc->l.ops = proto_find(mode)) == NULL)
		fuzz_fail("no protocol for mode %d", mode);
	fc->l.sinks[0] = fc->sink;
	fc->l.nsinks = 1;
	TAILQ_INIT(&fc->l.conns);

	c = fc->c = xcalloc(1, sizeof *c);
	c->l = &fc->l;
	c->conf = lconf_ref(lc);
	c->ops = fc->l.ops;
	(void)snprintf(c->peer, sizeof c->peer, "%s", FUZZ_PEER);
	/* A fixed time: runs must not depend on the clock. */
	c->tv.tv_sec = 1795854175;
	c->tv.tv_usec = 123456;
	/*
	 * Overlong lines and framing errors are counted, not logged 100000
	 * times (and a note would need the event base it does not have).
	 */
	c->overlong_noted = 1;
	fc->l.notes[NOTE_FRAMING].open = 1;
	fc->l.notes[NOTE_FRAMING].more = 1;
	c->state = c->ops->init(c);
	return (fc);
}

void
fuzz_conn_free(struct fuzz_conn *fc)
{
	if (fc == NULL)
		return;
	if (fc->c->ops->free != NULL)
		fc->c->ops->free(fc->c->state);
	lconf_unref(fc->c->conf);
	free(fc->c);
	lconf_unref(fc->l.conf);
	lconf_unref(fc->lc);
	fc->sink->state = NULL;
	sink_free(fc->sink);
	free(fc->data);
	free(fc->recs);
	free(fc);
}

/*
 * One read: count it as conn_read() does and hand it to the protocol.
 * Returns 0, or -1 if the protocol ends the connection (line too long,
 * framing error).
 */
int
fuzz_conn_feed(struct fuzz_conn *fc, const void *data, size_t len)
{
	struct conn		*c = fc->c;
	enum conn_reason	 why;

	FUZZ_ASSERT(!fc->lost);
	c->bytes += len;
	c->l->stats.bytes += len;
	why = c->ops->data_received(c, c->state, data, len);
	FUZZ_ASSERT(why == CONN_OK || why == CONN_TOO_LONG ||
	    why == CONN_FRAMING);
	return (why == CONN_OK ? 0 : -1);
}

/* Bytes the protocol keeps back. */
size_t
fuzz_conn_pending(struct fuzz_conn *fc)
{
	if (fc->c->ops->pending == NULL)
		return (0);
	return (fc->c->ops->pending(fc->c->state));
}

/* The connection ends: the protocol flushes what is left. */
void
fuzz_conn_lost(struct fuzz_conn *fc, enum conn_reason reason)
{
	FUZZ_ASSERT(!fc->lost);
	fc->lost = 1;
	if (fc->c->ops->connection_lost != NULL)
		fc->c->ops->connection_lost(fc->c, fc->c->state, reason);
}
