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
 * Turns a record into one line of text.  Pure: no I/O and no allocation
 * beyond the output buffer the caller hands in.
 *
 *	[TIME ]LISTENER PEER[ [FLAGS]]: DATA
 *	[TIME ]LISTENER PEER connected[ (TLS DETAILS)]
 *	[TIME ]LISTENER PEER disconnected (REASON) N records N bytes
 *
 * DATA is escaped so that one record is always one line and no byte is
 * lost: valid UTF-8 other than control characters passes, '\' and TAB
 * become "\\" and "\t", and every other byte (C0, DEL, the C1 controls
 * U+0080..U+009F and each byte of invalid UTF-8) becomes "\xHH".
 *
 * format = data writes DATA alone, escaped the same way, one record a
 * line: no time, listener, peer or flags, and no connection events.
 *
 * JSON lines carry the same fields as one object per line, the peer also
 * split into peer_ip (an IPv6 address without its brackets) and
 * peer_port (a number), so that tools need not take "ip:port" apart;
 * data that is valid UTF-8 is a JSON string, anything else goes
 * base64-encoded in
 * data_base64, so the received bytes can always be recovered.  A record
 * parsed as syslog (syslog_parse.c) adds a "syslog" object of its
 * fields; in those, a byte that is not part of valid UTF-8 becomes
 * U+FFFD (data or data_base64 has the bytes as they came).
 */

#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format_simd.h"

static size_t	format_utf8_len(const u_char *, size_t);
static char	*format_hex(char *, u_char);
static char	*format_u64(char *, uint64_t);
static char	*format_str(char *, const char *);
static int	format_utf8_valid(const u_char *, size_t);
static char	*format_json_str(char *, const char *, const char *);
static char	*format_json_field(char *, const char *,
		    const struct syslog_str *);
static char	*format_json_sd_value(char *, const struct syslog_str *);
static char	*format_json_sd(char *, const struct syslog_msg *);
static char	*format_json_syslog(char *, const struct syslog_msg *);

/*
 * The syslog object but its fields' values: keys, names, punctuation
 * (the longest facility and severity names, every field present).
 */
#define FORMAT_SYSLOG_MAX	256

static const char format_hexdigits[] = "0123456789abcdef";

/* Facility and severity names of the syslog object, by code. */
static const char *const format_facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"solaris-cron", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7"
};
static const char *const format_severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

/*
 * Bytes that pass unchanged: printable ASCII except '\'.  Everything else
 * takes the slow path.
 */
const u_char format_plain[256] = {
	[' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1,
	['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1,
	[','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1, ['1'] = 1,
	['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1,
	['>'] = 1, ['?'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
	['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
	['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 1,
	[']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1,
	['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
	['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1
};

#define FORMAT_HIGHS	0x8080808080808080ULL

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 section 4), or
 * 0 if there is none: overlong forms, surrogates, code points above
 * U+10FFFF, stray continuation bytes and truncated sequences are invalid.
 */
static size_t
format_utf8_len(const u_char *p, size_t len)
{
	u_char	c = p[0], lo = 0x80, hi = 0xbf;
	size_t	n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (len < n)
		return (0);
	if (p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	}
	return (n);
}

static char *
format_hex(char *o, u_char c)
{
	*o++ = '\\';
	*o++ = 'x';
	*o++ = format_hexdigits[c >> 4];
	*o++ = format_hexdigits[c & 0xf];
	return (o);
}

static char *
format_str(char *o, const char *s)
{
	size_t	n = strlen(s);

	memcpy(o, s, n);
	return (o + n);
}

static char *
format_u64(char *o, uint64_t v)
{
	char	tmp[24];
	size_t	n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*o++ = tmp[--n];
	return (o);
}

/*
 * format_simd: FORMAT_SIMD_BEST, FORMAT_SIMD_SSE2 for the x86-64 baseline,
 * or FORMAT_SIMD_NONE for the portable code, here and in the line scanner
 * (the unit tests run all three).  format_avx2: -1 until known, then
 * whether the CPU has AVX2.
 */
int		format_simd = FORMAT_SIMD_BEST;
#ifdef FORMAT_HAVE_AVX2
int		format_avx2 = -1;

/*
 * format_plain_run() with AVX2, for at least 32 bytes: inlined into each
 * caller below, with or without the stores.
 */
static inline __attribute__((__always_inline__, __target__("avx2"))) size_t
format_plain_run_avx2(char *o, const u_char *p, const u_char *end, int json)
{
	const u_char	*start = p;
	u_int		 m;

	while (end - p >= 32) {
		m = format_bad32(p, json);
		if (o != NULL)
			_mm256_storeu_si256((__m256i *)(void *)(o +
			    (p - start)), _mm256_loadu_si256((const __m256i *)
			    (const void *)p));
		if (m != 0)
			return (p - start + __builtin_ctz(m));
		p += 32;
	}
	if (p != end) {
		/* The last 32 bytes, those already seen tested again. */
		m = format_bad32(end - 32, json) >> (32 - (end - p));
		if (o != NULL)
			_mm256_storeu_si256((__m256i *)(void *)(o +
			    (end - 32 - start)), _mm256_loadu_si256((const
			    __m256i *)(const void *)(end - 32)));
		if (m != 0)
			return (p - start + __builtin_ctz(m));
	}
	return (end - start);
}

static __attribute__((__target__("avx2"))) size_t
format_plain_copy_avx2(char *o, const u_char *p, const u_char *end,
    int json)
{
	return (format_plain_run_avx2(o, p, end, json));
}

static __attribute__((__target__("avx2"))) size_t
format_plain_skip_avx2(const u_char *p, const u_char *end)
{
	return (format_plain_run_avx2(NULL, p, end, 0));
}
#endif

/*
 * The length of the run of bytes at p that pass unchanged (printable
 * ASCII but '\\', and '"' in JSON), copied to o unless o is NULL.  With
 * SSE2 (every x86-64 has it) 32 or 16 bytes are tested and stored at a
 * time, the last sixteen of a run overlapping what came before.  A store
 * may go up to 31 bytes past the run, never past 4 output bytes per input
 * byte: the room every caller gives.  Always inlined, so o == NULL drops
 * the stores.
 */
static inline __attribute__((__always_inline__)) size_t
format_plain_run(char *o, const u_char *p, const u_char *end, int json)
{
	const u_char	*start = p;
#ifdef __SSE2__
	u_int		 m;

	if (format_simd == FORMAT_SIMD_NONE)
		goto bytes;
#ifdef FORMAT_HAVE_AVX2
	if (end - p >= 32 && format_use_avx2())
		return (o != NULL ? format_plain_copy_avx2(o, p, end, json) :
		    format_plain_skip_avx2(p, end));
#endif
	while (end - p >= 32) {
		m = format_bad16(p, json) | format_bad16(p + 16, json) << 16;
		if (o != NULL) {
			_mm_storeu_si128((__m128i *)(void *)(o + (p - start)),
			    _mm_loadu_si128((const __m128i *)(const void *)p));
			_mm_storeu_si128((__m128i *)(void *)(o + (p - start) +
			    16), _mm_loadu_si128((const __m128i *)(const void *)
			    (p + 16)));
		}
		if (m != 0)
			return (p - start + __builtin_ctz(m));
		p += 32;
	}
	if (end - p >= 16) {
		m = format_bad16(p, json);
		if (o != NULL)
			_mm_storeu_si128((__m128i *)(void *)(o + (p - start)),
			    _mm_loadu_si128((const __m128i *)(const void *)p));
		if (m != 0)
			return (p - start + __builtin_ctz(m));
		p += 16;
	}
	if (p != end && end - start >= 16) {
		/* The last 16 bytes, those already seen tested again. */
		m = format_bad16(end - 16, json) >> (16 - (end - p));
		if (o != NULL)
			_mm_storeu_si128((__m128i *)(void *)(o +
			    (end - 16 - start)), _mm_loadu_si128((const
			    __m128i *)(const void *)(end - 16)));
		if (m != 0)
			return (p - start + __builtin_ctz(m));
		return (end - start);
	}
 bytes:
#endif
	for (; p < end && format_plain[*p] && (!json || *p != '"'); p++) {
		if (o != NULL)
			o[p - start] = *p;
	}
	return (p - start);
}

/* The length of the run at p that text passes unchanged (the scanner's). */
size_t
format_plain_len(const u_char *p, size_t len)
{
	return (format_plain_run(NULL, p, p + len, 0));
}

/* Worst-case size of format_escape() output for len input bytes. */
size_t
format_escape_max(size_t len)
{
	return (len * 4);
}

/* Escape len bytes of src into dst; returns the bytes written. */
size_t
format_escape(char *dst, const u_char *src, size_t len)
{
	char		*o = dst;
	const u_char	*p = src, *end = src + len;
	size_t		 n;

	while (p < end) {
		n = format_plain_run(o, p, end, 0);
		o += n;
		if ((p += n) == end)
			break;
		if (*p == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			p++;
		} else if (*p == '\t') {
			*o++ = '\\';
			*o++ = 't';
			p++;
		} else if (*p < 0x80)
			o = format_hex(o, *p++);
		else if ((n = format_utf8_len(p, end - p)) == 0)
			o = format_hex(o, *p++);
		else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			/* C1 control: both bytes escaped. */
			o = format_hex(o, p[0]);
			o = format_hex(o, p[1]);
			p += 2;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	return (o - dst);
}

/*
 * RFC 3339 UTC time with microseconds into buf (FORMAT_TIME_LEN bytes, no
 * NUL).  Records of one batch share a time, so the last one is cached,
 * and so is the date and time part of the current second.
 */
void
format_time(char *buf, const struct timeval *tv)
{
	static struct timeval	 last;
	static int		 valid;
	static char		 cached[FORMAT_TIME_LEN];
	struct tm		 tm;
	long			 usec = tv->tv_usec;
	int			 i;

	if (!valid || tv->tv_sec != last.tv_sec) {
		gmtime_r(&tv->tv_sec, &tm);
		strftime(cached, 20, "%Y-%m-%dT%H:%M:%S", &tm);
		cached[19] = '.';
		cached[26] = 'Z';
		last.tv_usec = -1;
	}
	if (tv->tv_usec != last.tv_usec) {
		for (i = 25; i >= 20; i--) {
			cached[i] = '0' + usec % 10;
			usec /= 10;
		}
	}
	last = *tv;
	valid = 1;
	memcpy(buf, cached, FORMAT_TIME_LEN);
}

/*
 * Upper bound of format_text() output for rec, newline included: a
 * listener name has at most CONF_NAME_MAX bytes, a peer fewer than
 * CONN_PEER_LEN.
 */
size_t
format_text_max(const struct record *rec)
{
	size_t	n;

	n = FORMAT_TIME_LEN + 1 + CONF_NAME_MAX + 1 + CONN_PEER_LEN + 128;
	if (rec->type == REC_DATA)
		n += format_escape_max(rec->len);
	if (rec->type == REC_CONNECTED && rec->tls != NULL)
		n += rec->tls->text_len;
	return (n);
}

/*
 * Format rec into dst (format_text_max() bytes) as one line ending in a
 * newline, with the time if ts is set; returns the length.
 */
size_t
format_text(char *dst, const struct record *rec, int ts)
{
	char	*o = dst;
	int	 flags = rec->flags, first = 1;

	if (ts) {
		format_time(o, rec->tv);
		o += FORMAT_TIME_LEN;
		*o++ = ' ';
	}
	if (rec->label != NULL) {
		memcpy(o, rec->label, rec->label_len);
		o += rec->label_len;
	} else {
		o = format_str(o, rec->listener);
		*o++ = ' ';
		o = format_str(o, rec->peer);
	}
	switch (rec->type) {
	case REC_DATA:
		if (flags != 0) {
			o = format_str(o, " [");
			if (flags & REC_PARTIAL) {
				o = format_str(o, "partial");
				first = 0;
			}
			if (flags & REC_TRUNCATED) {
				o = format_str(o, first ? "truncated" :
				    ",truncated");
				first = 0;
			}
			if (flags & REC_SPLIT) {
				o = format_str(o, first ? "split" : ",split");
				first = 0;
			}
			if (flags & REC_FRAMING)
				o = format_str(o, first ? "framing-error" :
				    ",framing-error");
			*o++ = ']';
		}
		*o++ = ':';
		*o++ = ' ';
		o += format_escape(o, rec->data, rec->len);
		break;
	case REC_CONNECTED:
		o = format_str(o, " connected");
		if (rec->tls != NULL) {
			memcpy(o, rec->tls->text, rec->tls->text_len);
			o += rec->tls->text_len;
		}
		break;
	case REC_DISCONNECTED:
		o = format_str(o, " disconnected (");
		o = format_str(o, conn_reason_string(rec->reason));
		o = format_str(o, ") ");
		o = format_u64(o, rec->records);
		o = format_str(o, " records ");
		o = format_u64(o, rec->bytes);
		o = format_str(o, " bytes");
		break;
	}
	*o++ = '\n';
	return (o - dst);
}

/* Is the whole buffer well-formed UTF-8? */
static int
format_utf8_valid(const u_char *p, size_t len)
{
	const u_char	*end = p + len;
	uint64_t	 x;
	size_t		 n;

	while (p < end) {
		if (end - p >= 8) {
			memcpy(&x, p, sizeof x);
			if ((x & FORMAT_HIGHS) == 0) {
				p += 8;
				continue;
			}
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = format_utf8_len(p, end - p)) == 0)
			return (0);
		p += n;
	}
	return (1);
}

/* Worst-case size of format_json_escape() output for len input bytes. */
size_t
format_json_escape_max(size_t len)
{
	return (len * 6);
}

/*
 * Escape UTF-8 as the inside of a JSON string (RFC 8259 section 7): '"',
 * '\\' and the C0 controls as the RFC asks, and also DEL, the C1 controls
 * and U+2028/U+2029 as \uXXXX, so no terminal or JavaScript reader is
 * surprised.  A byte that is not part of valid UTF-8 becomes U+FFFD
 * (syslog fields; data is only escaped when valid).  At most 6 bytes out
 * per byte in (format_json_escape_max()).  tls.c escapes certificate
 * names with it.
 */
size_t
format_json_escape(char *dst, const u_char *src, size_t len)
{
	char		*o = dst;
	const u_char	*p = src, *end = src + len;
	size_t		 n;
	u_int		 cp;

	while (p < end) {
		n = format_plain_run(o, p, end, 1);
		o += n;
		if ((p += n) == end)
			break;
		cp = *p;
		n = 1;
		if (cp >= 0x80) {
			n = format_utf8_len(p, end - p);
			if (n == 0) {
				*o++ = (char)0xef;
				*o++ = (char)0xbf;
				*o++ = (char)0xbd;
				p++;
				continue;
			}
			if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
				cp = p[1];
			else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
			    (p[2] == 0xa8 || p[2] == 0xa9))
				cp = 0x2000 | (p[2] - 0x80);
			else {
				memcpy(o, p, n);
				o += n;
				p += n;
				continue;
			}
		}
		p += n;
		*o++ = '\\';
		switch (cp) {
		case '"':
		case '\\':
			*o++ = cp;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			*o++ = 'u';
			*o++ = format_hexdigits[(cp >> 12) & 0xf];
			*o++ = format_hexdigits[(cp >> 8) & 0xf];
			*o++ = format_hexdigits[(cp >> 4) & 0xf];
			*o++ = format_hexdigits[cp & 0xf];
			break;
		}
	}
	return (o - dst);
}

/* ,"key":"value" for values that need no escaping. */
static char *
format_json_str(char *o, const char *key, const char *value)
{
	*o++ = ',';
	*o++ = '"';
	o = format_str(o, key);
	o = format_str(o, "\":\"");
	o = format_str(o, value);
	*o++ = '"';
	return (o);
}

/*
 * ,"peer":"PEER","peer_ip":"IP","peer_port":PORT from "IP:PORT" or
 * "[IP]:PORT" into dst (FORMAT_JSON_PEER_MAX bytes, no NUL); returns the
 * length.  A peer without a port (conn_peer_string()'s "unknown") has no
 * peer_ip or peer_port.  Peers need no escaping.  conn.c makes it once
 * per connection (record.jpeer); records without it make it each time.
 */
size_t
format_json_peer(char *dst, const char *peer)
{
	char		*o = dst;
	const char	*colon, *ip = peer, *ipend, *end;
	size_t		 n = strlen(peer);

	if (n >= CONN_PEER_LEN)
		n = CONN_PEER_LEN - 1;
	o = format_str(o, ",\"peer\":\"");
	memcpy(o, peer, n);
	o += n;
	*o++ = '"';
	/* The port is the digits at the end. */
	end = peer + n;
	for (colon = end - 1; colon >= peer && *colon >= '0' &&
	    *colon <= '9'; colon--)
		;
	if (colon < peer || *colon != ':' || colon + 1 == end)
		return (o - dst);
	ipend = colon;
	if (peer[0] == '[' && colon - peer >= 2 && colon[-1] == ']') {
		ip++;
		ipend--;
	}
	o = format_str(o, ",\"peer_ip\":\"");
	memcpy(o, ip, ipend - ip);
	o += ipend - ip;
	o = format_str(o, "\",\"peer_port\":");
	memcpy(o, colon + 1, end - colon - 1);
	o += end - colon - 1;
	return (o - dst);
}

/* ,"key":"value" for a syslog field the message has. */
static char *
format_json_field(char *o, const char *key, const struct syslog_str *f)
{
	if (f->p == NULL)
		return (o);
	*o++ = ',';
	*o++ = '"';
	o = format_str(o, key);
	o = format_str(o, "\":\"");
	o += format_json_escape(o, f->p, f->len);
	*o++ = '"';
	return (o);
}

/*
 * A PARAM-VALUE as a JSON string, its escapes undone (RFC 5424 section
 * 6.3.3: '\\' before '"', '\\' or ']'; before anything else it is itself).
 */
static char *
format_json_sd_value(char *o, const struct syslog_str *v)
{
	const u_char	*p = v->p, *end = v->p + v->len, *bs;

	*o++ = '"';
	while (p < end) {
		if ((bs = memchr(p, '\\', end - p)) == NULL)
			bs = end;
		o += format_json_escape(o, p, bs - p);
		if ((p = bs) == end)
			break;
		if (end - p >= 2 && (p[1] == '"' || p[1] == '\\' ||
		    p[1] == ']'))
			p++;
		o += format_json_escape(o, p, 1);
		p++;
	}
	*o++ = '"';
	return (o);
}

/*
 * ,"structured_data":{"SD-ID":{"NAME":"VALUE",...},...}: an SD-ID that
 * comes again adds its params to its first element's object, and a name
 * that comes more than once in an SD-ID has an array of its values, in
 * order.  So every key is unique and nothing the tables kept is lost.
 * Each raw byte of STRUCTURED-DATA makes at most 6 bytes here.
 */
static char *
format_json_sd(char *o, const struct syslog_msg *m)
{
	const struct syslog_param	*pa;
	u_int				 i, k, j;
	int				 first;

	o = format_str(o, ",\"structured_data\":{");
	for (i = 0; i < m->nsd; i++) {
		if (m->sd_first[i] != i)
			continue;
		if (i > 0)
			*o++ = ',';
		*o++ = '"';
		o += format_json_escape(o, m->sd[i].p, m->sd[i].len);
		o = format_str(o, "\":{");
		first = 1;
		for (k = 0; k < m->nparams; k++) {
			pa = &m->params[k];
			if (pa->elem != i || pa->first != k)
				continue;
			if (!first)
				*o++ = ',';
			first = 0;
			*o++ = '"';
			o += format_json_escape(o, pa->name.p, pa->name.len);
			*o++ = '"';
			*o++ = ':';
			if (pa->count == 1) {
				o = format_json_sd_value(o, &pa->value);
				continue;
			}
			*o++ = '[';
			for (j = k; j < m->nparams; j++) {
				if (m->params[j].first != k ||
				    m->params[j].elem != i)
					continue;
				if (j > k)
					*o++ = ',';
				o = format_json_sd_value(o,
				    &m->params[j].value);
			}
			*o++ = ']';
		}
		*o++ = '}';
	}
	*o++ = '}';
	if (m->sd_more)
		o = format_str(o, ",\"structured_data_truncated\":true");
	return (o);
}

/* ,"syslog":{...}: the fields the message has, in its order. */
static char *
format_json_syslog(char *o, const struct syslog_msg *m)
{
	o = format_str(o, ",\"syslog\":{\"facility\":\"");
	o = format_str(o, format_facilities[(m->pri >> 3) % 24]);
	o = format_str(o, "\",\"severity\":\"");
	o = format_str(o, format_severities[m->pri & 7]);
	*o++ = '"';
	o = format_json_field(o, "timestamp", &m->timestamp);
	o = format_json_field(o, "hostname", &m->hostname);
	o = format_json_field(o, "app_name", &m->app_name);
	o = format_json_field(o, "procid", &m->procid);
	o = format_json_field(o, "msgid", &m->msgid);
	if (m->nsd > 0)
		o = format_json_sd(o, m);
	o = format_json_field(o, "msg", &m->msg);
	*o++ = '}';
	return (o);
}

/*
 * Upper bound of format_json() output for rec, newline included.  The
 * syslog fields are disjoint parts of the data, each byte escaped to at
 * most 6, and so is the STRUCTURED-DATA they leave (format_json_sd()).
 */
size_t
format_json_max(const struct record *rec)
{
	size_t	n;

	n = FORMAT_TIME_LEN + CONF_NAME_MAX + FORMAT_JSON_PEER_MAX + 256;
	if (rec->type == REC_DATA) {
		n += rec->len * 6;
		if (rec->syslog != NULL)
			n += FORMAT_SYSLOG_MAX + rec->len * 6;
	}
	if (rec->tls != NULL)
		n += rec->tls->json_len + rec->tls->client_len;
	if (rec->proxy != NULL)
		n += CONN_PEER_LEN + 16;
	return (n);
}

/*
 * Format rec into dst (format_json_max() bytes) as one JSON object and a
 * newline, with the time if ts is set; returns the length.  Listener
 * names, peers and reasons need no escaping.
 */
size_t
format_json(char *dst, const struct record *rec, int ts)
{
	static const char *events[] = {
		[REC_DATA] = "data",
		[REC_CONNECTED] = "connected",
		[REC_DISCONNECTED] = "disconnected",
	};
	char	*o = dst;
	int	 n;

	*o++ = '{';
	if (ts) {
		o = format_str(o, "\"time\":\"");
		format_time(o, rec->tv);
		o += FORMAT_TIME_LEN;
		*o++ = '"';
		*o++ = ',';
	}
	o = format_str(o, "\"listener\":\"");
	o = format_str(o, rec->listener);
	*o++ = '"';
	if (rec->jpeer != NULL) {
		memcpy(o, rec->jpeer, rec->jpeer_len);
		o += rec->jpeer_len;
	} else
		o += format_json_peer(o, rec->peer);
	if (rec->proxy != NULL)
		o = format_json_str(o, "proxy", rec->proxy);
	o = format_json_str(o, "event", events[rec->type]);
	if (rec->tls != NULL && rec->tls->client != NULL) {
		memcpy(o, rec->tls->client, rec->tls->client_len);
		o += rec->tls->client_len;
	}
	switch (rec->type) {
	case REC_DATA:
		if (format_utf8_valid(rec->data, rec->len)) {
			o = format_str(o, ",\"data\":\"");
			o += format_json_escape(o, rec->data, rec->len);
		} else {
			o = format_str(o, ",\"data_base64\":\"");
			n = b64_ntop(rec->data, rec->len, o,
			    (rec->len + 2) / 3 * 4 + 1);
			if (n > 0)
				o += n;
		}
		*o++ = '"';
		if (rec->flags & REC_PARTIAL)
			o = format_str(o, ",\"partial\":true");
		if (rec->flags & REC_TRUNCATED)
			o = format_str(o, ",\"truncated\":true");
		if (rec->flags & REC_SPLIT)
			o = format_str(o, ",\"split\":true");
		if (rec->flags & REC_FRAMING)
			o = format_str(o, ",\"framing_error\":true");
		if (rec->syslog != NULL)
			o = format_json_syslog(o, rec->syslog);
		break;
	case REC_CONNECTED:
		if (rec->tls != NULL) {
			memcpy(o, rec->tls->json, rec->tls->json_len);
			o += rec->tls->json_len;
		}
		break;
	case REC_DISCONNECTED:
		o = format_json_str(o, "reason",
		    conn_reason_string(rec->reason));
		o = format_str(o, ",\"records\":");
		o = format_u64(o, rec->records);
		o = format_str(o, ",\"bytes\":");
		o = format_u64(o, rec->bytes);
		break;
	}
	*o++ = '}';
	*o++ = '\n';
	return (o - dst);
}

/* Upper bound of format_data() output, newline included. */
size_t
format_data_max(const struct record *rec)
{
	return (format_escape_max(rec->type == REC_DATA ? rec->len : 0) + 1);
}

/*
 * format = data: a data record's data alone, escaped as text escapes
 * it, and a newline; an event makes nothing (0).
 */
size_t
format_data(char *dst, const struct record *rec)
{
	size_t	n;

	if (rec->type != REC_DATA)
		return (0);
	n = format_escape(dst, rec->data, rec->len);
	dst[n++] = '\n';
	return (n);
}

/* Upper bound of format_line() output. */
size_t
format_line_max(const struct record *rec, int flags)
{
	if (flags & FORMAT_JSON_LINE)
		return (format_json_max(rec));
	if (flags & FORMAT_DATA_LINE)
		return (format_data_max(rec));
	return (format_text_max(rec));
}

/*
 * One output line of rec: text or JSON, with or without time, or its
 * data alone (nothing for an event).
 */
size_t
format_line(char *dst, const struct record *rec, int flags)
{
	if (flags & FORMAT_JSON_LINE)
		return (format_json(dst, rec, flags & FORMAT_TIME));
	if (flags & FORMAT_DATA_LINE)
		return (format_data(dst, rec));
	return (format_text(dst, rec, flags & FORMAT_TIME));
}
