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
 * check: verifies what a sink wrote for a loadgen run of N connections
 * of M lines of S bytes.  Every line loadgen sent must be there exactly
 * once, byte for byte, and the lines of each connection in the order they
 * were sent.  It reads these kinds of output:
 *
 *   -f raw           one received line per output line (the floor,
 *                    rsyslog's %rawmsg%, syslog-ng's ${RAWMSG}, Twisted's
 *                    SimpleLogger);
 *   -f tcplogd       tcplogd's text records, "[TIME ]LISTENER PEER: DATA"
 *                    and the connected and disconnected events, also as
 *                    syslog messages ("<PRI>Mmm dd hh:mm:ss ident[pid]: "
 *                    first);
 *   -f tcplogd-json  tcplogd's JSON records (format = json); with -y each
 *                    data record must carry the "syslog" object of
 *                    parse = syslog, every field as loadgen sent it;
 *   -f rsyslog-json  rsyslog's %jsonmesg%: "msg" is the line without its
 *                    head, "rawmsg" the whole line, and the fields
 *                    rsyslog parsed must be loadgen's (-y);
 *   -f syslog-ng-json  syslog-ng's $(format-json --scope rfc5424
 *                    --scope sdata): "MESSAGE" is the line, and the
 *                    fields likewise (keep-hostname(yes)).
 *
 * For tcplogd it also checks that all lines of a connection come from
 * one peer and no two connections share a peer at once, and with -e that
 * every connection has one connected and one disconnected record with
 * the right counts (reason "closed by peer", M records, M times the
 * bytes of a framed line).  A connected record may carry TLS details,
 * text "connected (TLSv1.3 CIPHER[, client SUBJECT verified])", JSON a
 * "tls" object; with -T every one must, for TLS 1.3, and with -V also
 * name a verified client certificate (and every JSON data record its
 * "tls_client").  -p: the connections came with a PROXY protocol header
 * (loadgen -p, or through HAProxy): every JSON record must carry the
 * balancer's "proxy" (ip:port) besides the client's "peer".  -a: the
 * header named 198.51.100.A port P as connection ID's client (loadgen
 * -a: A = 1 + ID % 254, P = 1024 + ID / 254), and that must be the peer
 * of its records.  -r: the lines were sent with CRLF (a raw
 * sink may keep the CR; tcplogd strips it and counts it).  -o: they were
 * sent octet-counted ("S " before each, no LF).  -y: each line is
 * loadgen's RFC 5424 message, its fixed head (CHECK_SYSLOG_HEAD) first.
 *
 * Prints one line on stdout,
 *	check: lines N expected N errors N (malformed N order N duplicate N
 *	    missing N peer N events N fields N)
 * and the first few problems on stderr.  Exit status 0 when there is no
 * error, 1 otherwise, 64 usage, 2 when the file cannot be read.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PEER_MAX	64
#define SHOW_MAX	10	/* problems shown on stderr */
#define JSON_LEAVES	64	/* values in one JSON line at most */
#define JSON_PATH	128	/* "syslog.structured_data.x@32473.a" */
#define JSON_DEPTH	8

/* loadgen -y's head, LOADGEN_SYSLOG_HEAD there. */
#define CHECK_SYSLOG_HEAD \
	"<134>1 2026-12-04T10:00:00.000000Z host app 1234 ID47 " \
	"[x@32473 a=\"b\"] "

enum { E_MALFORMED, E_ORDER, E_DUP, E_MISSING, E_PEER, E_EVENTS, E_FIELDS,
    E_NUM };
static const char *e_names[E_NUM] = {
	"malformed", "order", "duplicate", "missing", "peer", "events",
	"fields"
};

enum fmt { F_RAW, F_TCPLOGD, F_TCPLOGD_JSON, F_RSYSLOG_JSON,
    F_SYSLOG_NG_JSON };
static const char *fmt_names[] = {
	"raw", "tcplogd", "tcplogd-json", "rsyslog-json", "syslog-ng-json",
	NULL
};

/* A field a parsed message must have, and its value. */
struct field {
	const char	*path;
	const char	*value;
};

/*
 * parse = syslog's object for loadgen's head: these and "msg", nothing
 * else (NILVALUE fields absent, SD-PARAMs unescaped).
 */
static const struct field tcplogd_fields[] = {
	{ "syslog.facility", "local0" },
	{ "syslog.severity", "info" },
	{ "syslog.timestamp", "2026-12-04T10:00:00.000000Z" },
	{ "syslog.hostname", "host" },
	{ "syslog.app_name", "app" },
	{ "syslog.procid", "1234" },
	{ "syslog.msgid", "ID47" },
	{ "syslog.structured_data.x@32473.a", "b" },
	{ NULL, NULL }
};

/* rsyslog's names for them in %jsonmesg% (among many more). */
static const struct field rsyslog_fields[] = {
	{ "pri", "134" },
	{ "syslogfacility", "16" },
	{ "syslogseverity", "6" },
	{ "protocol-version", "1" },
	{ "hostname", "host" },
	{ "app-name", "app" },
	{ "procid", "1234" },
	{ "msgid", "ID47" },
	{ "structured-data", "[x@32473 a=\"b\"]" },
	{ NULL, NULL }
};

/* syslog-ng's, from format-json --scope rfc5424 --scope sdata. */
static const struct field syslog_ng_fields[] = {
	{ "FACILITY", "local0" },
	{ "PRIORITY", "info" },
	{ "HOST", "host" },
	{ "PROGRAM", "app" },
	{ "PID", "1234" },
	{ "MSGID", "ID47" },
	{ "_SDATA.x@32473.a", "b" },
	{ NULL, NULL }
};

/* One value of a JSON line: its dotted path and its text, unescaped. */
struct jleaf {
	char		 path[JSON_PATH];
	const char	*value;		/* in jpool, NUL-terminated */
	size_t		 len;
	int		 string;	/* 0: a number, true, false or null */
};

/* A peer address seen in tcplogd's records. */
struct peer {
	char		name[PEER_MAX];	/* "" = free slot */
	int		open;		/* between connected and disconnected */
	int64_t		id;		/* connection id, -1 before data */
	uint64_t	records;
};

static void	usage(void) __attribute__((noreturn));
static void	problem(int, const char *, size_t, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static uint64_t	number(const char *, const char *);
static struct peer *peer_get(const char *, size_t, int);
static void	check_data(const char *, size_t, size_t, struct peer *,
		    size_t);
static void	check_tcplogd(const char *, size_t, size_t);
static void	check_tcplogd_json(const char *, size_t, size_t);
static void	check_peer_json(const char *, size_t, size_t);
static void	check_fields(const struct field *, const char *, const char *,
		    const char *, size_t);
static void	tcplogd_data(const char *, size_t, const char *, size_t,
		    size_t);
static void	tcplogd_connected(const char *, size_t, const char *, size_t);
static void	tcplogd_tls(int, int, const char *, size_t);
static void	tcplogd_disconnected(const char *, size_t, const char *,
		    size_t, uint64_t, uint64_t, const char *, size_t);
static int	parse_u64(const char **, const char *, uint64_t *);
static int	json_parse(const char *, size_t);
static void	json_space(const char **, const char *);
static int	json_value(const char **, const char *, char *, size_t, int);
static int	json_string(const char **, const char *, const char **,
		    size_t *);
static const struct jleaf *json_get(const char *);
static int	json_u64(const char *, uint64_t *);

static uint64_t	 nconns, nlines, size, frame_bytes;
static int	 crlf, octet, syslog5424, events, tcplogd;
static int	 want_tls, want_verified;	/* -T, -V */
static int	 want_proxy, want_doc;		/* -p, -a */
static enum fmt	 format;
static size_t	 headlen;	/* -y: strlen(CHECK_SYSLOG_HEAD) */
static struct jleaf jleaves[JSON_LEAVES];
static size_t	 njleaves;
static char	*jpool;		/* a line's strings, unescaped */
static size_t	 jpool_size, jpool_used;
static uint64_t	 errors[E_NUM], shown, data_lines;
static uint8_t	*seen;		/* bitmap, nconns * nlines */
static uint64_t	*next_seq;	/* per connection: highest seq + 1 */
static uint64_t	*conn_peer;	/* per connection: peer slot + 1 */
static struct peer *peers;
static size_t	 npeers;	/* slots, a power of 2 */
static uint64_t	 connected, disconnected;
static char	 alphabet[2 * 26];

static void
usage(void)
{
	fprintf(stderr, "usage: check [-aeopryTV] [-f raw|tcplogd|tcplogd-json|"
	    "rsyslog-json|syslog-ng-json]\n"
	    "             -n conns -m lines -s size file\n");
	exit(64);
}

static uint64_t
number(const char *s, const char *what)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0) {
		fprintf(stderr, "check: %s: '%s' is not a number\n", what, s);
		exit(64);
	}
	return (v);
}

/* Count an error of kind k at line lineno; show the first few. */
static void
problem(int k, const char *line, size_t lineno, const char *fmt, ...)
{
	va_list	ap;
	size_t	len;

	errors[k]++;
	if (shown++ >= SHOW_MAX)
		return;
	fprintf(stderr, "check: line %zu: %s: ", lineno, e_names[k]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (line != NULL) {
		len = strcspn(line, "\n");
		fprintf(stderr, ": %.*s%s", (int)(len > 120 ? 120 : len),
		    line, len > 120 ? "..." : "");
	}
	fputc('\n', stderr);
}

/* Decimal digits at *p (no sign, no leading zeros but "0"). */
static int
parse_u64(const char **p, const char *end, uint64_t *v)
{
	const char	*s = *p;

	*v = 0;
	if (s >= end || *s < '0' || *s > '9' ||
	    (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
		return (-1);
	while (s < end && *s >= '0' && *s <= '9') {
		if (*v > (UINT64_MAX - 9) / 10)
			return (-1);
		*v = *v * 10 + (*s++ - '0');
	}
	*p = s;
	return (0);
}

/* The peer slot for name (open addressing); NULL if absent and !create. */
static struct peer *
peer_get(const char *name, size_t len, int create)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i, n;

	if (len >= PEER_MAX)
		return (NULL);
	for (i = 0; i < len; i++)
		h = (h ^ (u_char)name[i]) * 1099511628211ULL;
	for (n = 0; n < npeers; n++) {
		i = (h + n) & (npeers - 1);
		if (peers[i].name[0] == '\0') {
			if (!create)
				return (NULL);
			memcpy(peers[i].name, name, len);
			peers[i].name[len] = '\0';
			peers[i].id = -1;
			return (&peers[i]);
		}
		if (strncmp(peers[i].name, name, len) == 0 &&
		    peers[i].name[len] == '\0')
			return (&peers[i]);
	}
	fprintf(stderr, "check: more than %zu peers\n", npeers);
	exit(2);
}

/*
 * One received line, p[0..len) without its LF: "cID-lSEQ " and letters,
 * after the syslog head with -y.  p is the line from its byte off on
 * (off = headlen: the message without its head, as a parser gives it).
 * pe is the tcplogd peer it came from, or NULL.
 */
static void
check_data(const char *p, size_t len, size_t off, struct peer *pe,
    size_t lineno)
{
	const char	*s = p, *end = p + len;
	uint64_t	 id, seq, bit, i, k;
	char		 doc[PEER_MAX];

	data_lines++;
	if (crlf && !tcplogd && len > 0 && p[len - 1] == '\r')
		end--;
	if (off < headlen) {
		if ((size_t)(end - s) < headlen - off ||
		    memcmp(s, CHECK_SYSLOG_HEAD + off, headlen - off) != 0) {
			problem(E_MALFORMED, p, lineno, "no syslog head");
			return;
		}
		s += headlen - off;
	}
	if (s >= end || *s++ != 'c' || parse_u64(&s, end, &id) == -1 ||
	    s + 2 > end || *s++ != '-' || *s++ != 'l' ||
	    parse_u64(&s, end, &seq) == -1 || s >= end || *s++ != ' ') {
		problem(E_MALFORMED, p, lineno, "no \"cID-lSEQ \"");
		return;
	}
	if (id >= nconns || seq >= nlines) {
		problem(E_MALFORMED, p, lineno, "connection or line out of "
		    "range");
		return;
	}
	if ((uint64_t)(end - p) + off != size) {
		problem(E_MALFORMED, p, lineno, "%zu bytes, not %" PRIu64,
		    (size_t)(end - p) + off, size);
		return;
	}
	/* i counts from the start of the whole line, head included. */
	for (i = s - p + off; i < size; i += k) {
		k = size - i < 26 ? size - i : 26;
		if (memcmp(p + i - off, alphabet + (id + seq + i) % 26, k) !=
		    0) {
			problem(E_MALFORMED, p, lineno, "wrong bytes at "
			    "offset %" PRIu64, i);
			return;
		}
	}
	bit = id * nlines + seq;
	if (seen[bit / 8] & (1 << (bit % 8))) {
		problem(E_DUP, p, lineno, "c%" PRIu64 " line %" PRIu64
		    " again", id, seq);
		return;
	}
	seen[bit / 8] |= 1 << (bit % 8);
	if (seq + 1 < next_seq[id])
		problem(E_ORDER, p, lineno, "c%" PRIu64 " line %" PRIu64
		    " after line %" PRIu64, id, seq, next_seq[id] - 1);
	else
		next_seq[id] = seq + 1;
	if (pe == NULL)
		return;
	if (want_doc) {
		snprintf(doc, sizeof doc, "198.51.100.%" PRIu64 ":%" PRIu64,
		    1 + id % 254, 1024 + id / 254);
		if (strcmp(pe->name, doc) != 0)
			problem(E_PEER, p, lineno, "c%" PRIu64 " from %s, not "
			    "%s", id, pe->name, doc);
	}
	if (pe->id == -1)
		pe->id = id;
	else if ((uint64_t)pe->id != id)
		problem(E_PEER, p, lineno, "c%" PRIu64 " from the peer of c%"
		    PRId64, id, pe->id);
	if (conn_peer[id] == 0)
		conn_peer[id] = (pe - peers) + 1;
	else if (conn_peer[id] != (uint64_t)(pe - peers) + 1)
		problem(E_PEER, p, lineno, "c%" PRIu64 " from two peers", id);
}

/* A data record of tcplogd's from peer[0..plen): data[0..len). */
static void
tcplogd_data(const char *peer, size_t plen, const char *data, size_t len,
    size_t lineno)
{
	struct peer	*pe;

	pe = peer_get(peer, plen, events == 0);
	if (pe == NULL || (events && !pe->open)) {
		problem(E_EVENTS, data, lineno, "data outside a connection");
		if (pe == NULL)
			pe = peer_get(peer, plen, 1);
	}
	pe->records++;
	check_data(data, len, 0, pe, lineno);
}

/* tcplogd's connected record for peer[0..plen). */
static void
tcplogd_connected(const char *peer, size_t plen, const char *line,
    size_t lineno)
{
	struct peer	*pe;

	connected++;
	pe = peer_get(peer, plen, 1);
	if (pe->open)
		problem(E_EVENTS, line, lineno, "connected twice");
	pe->open = 1;
	pe->id = -1;
	pe->records = 0;
}

/*
 * A connected record's TLS details: tls (TLS 1.3 agreed and said so),
 * verified (a verified client certificate named), as -T and -V want.
 */
static void
tcplogd_tls(int tls, int verified, const char *line, size_t lineno)
{
	if (want_tls && !tls)
		problem(E_EVENTS, line, lineno, "connected without TLS 1.3 "
		    "details");
	else if (want_verified && !verified)
		problem(E_EVENTS, line, lineno, "connected without a verified "
		    "client");
}

/* tcplogd's disconnected record: reason[0..rlen), records, bytes. */
static void
tcplogd_disconnected(const char *peer, size_t plen, const char *reason,
    size_t rlen, uint64_t recs, uint64_t bytes, const char *line,
    size_t lineno)
{
	struct peer	*pe;
	char		 want[128];

	disconnected++;
	pe = peer_get(peer, plen, 0);
	if (pe == NULL || !pe->open) {
		problem(E_EVENTS, line, lineno, "disconnected without "
		    "connected");
		return;
	}
	pe->open = 0;
	if (rlen != 14 || memcmp(reason, "closed by peer", 14) != 0)
		problem(E_EVENTS, line, lineno, "reason is not \"closed by "
		    "peer\"");
	if (recs != pe->records || recs != nlines ||
	    bytes != nlines * frame_bytes) {
		snprintf(want, sizeof want, "%" PRIu64 " records (%" PRIu64
		    " seen) %" PRIu64 " bytes", nlines, pe->records,
		    nlines * frame_bytes);
		problem(E_EVENTS, line, lineno, "want %s", want);
	}
}

/* One tcplogd record (text), p[0..len) without its LF. */
static void
check_tcplogd(const char *p, size_t len, size_t lineno)
{
	const char	*s = p, *end = p + len, *peer, *q, *reason;
	uint64_t	 recs, bytes;
	size_t		 plen, rlen;

	/* A syslog message: "<PRI>Mmm dd hh:mm:ss ident[pid]: MSG". */
	if (s < end && *s == '<') {
		q = memmem(s, end - s, "]: ", 3);
		if (q == NULL) {
			problem(E_MALFORMED, p, lineno, "no syslog header");
			return;
		}
		s = q + 3;
	}
	/* "2026-11-28T08:22:55.123456Z " */
	if (end - s > 28 && s[4] == '-' && s[10] == 'T' && s[26] == 'Z' &&
	    s[27] == ' ')
		s += 28;
	/* LISTENER */
	q = memchr(s, ' ', end - s);
	if (q == NULL || q == s) {
		problem(E_MALFORMED, p, lineno, "no listener");
		return;
	}
	s = q + 1;
	/* PEER, then ": DATA", " connected" or " disconnected (...)" */
	peer = s;
	q = memchr(s, ' ', end - s);
	if (q == NULL || q == s) {
		problem(E_MALFORMED, p, lineno, "no peer");
		return;
	}
	if (q[-1] == ':') {
		tcplogd_data(peer, q - 1 - peer, q + 1, end - (q + 1), lineno);
		return;
	}
	plen = q - peer;
	s = q + 1;
	if ((size_t)(end - s) == 9 && memcmp(s, "connected", 9) == 0) {
		tcplogd_connected(peer, plen, p, lineno);
		tcplogd_tls(0, 0, p, lineno);
		return;
	}
	/* "connected (TLSv1.3 CIPHER[, client SUBJECT verified])" */
	if (end - s > 11 && memcmp(s, "connected (", 11) == 0 &&
	    end[-1] == ')') {
		tcplogd_connected(peer, plen, p, lineno);
		s += 11;
		tcplogd_tls(end - s > 9 && memcmp(s, "TLSv1.3 ", 8) == 0 &&
		    s[8] != ',' && s[8] != ')', end - s > 20 &&
		    memmem(s, end - s, ", client ", 9) != NULL &&
		    memcmp(end - 10, " verified)", 10) == 0, p, lineno);
		return;
	}
	if (end - s > 14 && memcmp(s, "disconnected (", 14) == 0) {
		reason = s + 14;
		q = memchr(reason, ')', end - reason);
		if (q == NULL || q + 2 > end || q[1] != ' ') {
			problem(E_EVENTS, p, lineno, "bad disconnected record");
			return;
		}
		rlen = q - reason;
		s = q + 2;
		if (parse_u64(&s, end, &recs) == -1 || end - s < 9 ||
		    memcmp(s, " records ", 9) != 0) {
			problem(E_EVENTS, p, lineno, "bad disconnected record");
			return;
		}
		s += 9;
		if (parse_u64(&s, end, &bytes) == -1 || end - s != 6 ||
		    memcmp(s, " bytes", 6) != 0) {
			problem(E_EVENTS, p, lineno, "bad disconnected record");
			return;
		}
		tcplogd_disconnected(peer, plen, reason, rlen, recs, bytes, p,
		    lineno);
		return;
	}
	if (*s == '[')
		problem(E_MALFORMED, p, lineno, "flagged record");
	else
		problem(E_MALFORMED, p, lineno, "not a tcplogd record");
}

/*
 * A JSON string at *s (its opening quote), unescaped into jpool; *v and
 * *len get it.  \uXXXX becomes UTF-8 (no surrogate pairs: loadgen sends
 * none).
 */
static int
json_string(const char **s, const char *end, const char **v, size_t *len)
{
	const char	*p = *s;
	char		*o = jpool + jpool_used, *start = o;
	unsigned int	 u, x;
	int		 i;

	if (p >= end || *p++ != '"')
		return (-1);
	while (p < end && *p != '"') {
		if ((u_char)*p < 0x20)
			return (-1);
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= end)
			return (-1);
		switch (*p++) {
		case '"':	*o++ = '"'; break;
		case '\\':	*o++ = '\\'; break;
		case '/':	*o++ = '/'; break;
		case 'b':	*o++ = '\b'; break;
		case 'f':	*o++ = '\f'; break;
		case 'n':	*o++ = '\n'; break;
		case 'r':	*o++ = '\r'; break;
		case 't':	*o++ = '\t'; break;
		case 'u':
			if (end - p < 4)
				return (-1);
			for (u = 0, i = 0; i < 4; i++, p++) {
				x = *p | 0x20;
				if (*p >= '0' && *p <= '9')
					u = u << 4 | (*p - '0');
				else if (x >= 'a' && x <= 'f')
					u = u << 4 | (x - 'a' + 10);
				else
					return (-1);
			}
			if (u < 0x80)
				*o++ = u;
			else if (u < 0x800) {
				*o++ = 0xc0 | u >> 6;
				*o++ = 0x80 | (u & 0x3f);
			} else {
				*o++ = 0xe0 | u >> 12;
				*o++ = 0x80 | ((u >> 6) & 0x3f);
				*o++ = 0x80 | (u & 0x3f);
			}
			break;
		default:
			return (-1);
		}
	}
	if (p >= end)
		return (-1);
	*o++ = '\0';
	*s = p + 1;
	*v = start;
	*len = o - 1 - start;
	jpool_used = o - jpool;
	return (0);
}

static void
json_space(const char **s, const char *end)
{
	while (*s < end && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
}

/*
 * A JSON value at *s whose dotted path is path[0..plen): an object's
 * members go on with "path.key", an array's with "path.N", anything else
 * is one more leaf.
 */
static int
json_value(const char **s, const char *end, char *path, size_t plen,
    int depth)
{
	struct jleaf	*jl;
	const char	*key, *lit;
	size_t		 klen, n = 0;
	char		 close;

	json_space(s, end);
	if (*s >= end)
		return (-1);
	if (**s == '{' || **s == '[') {
		if (depth >= JSON_DEPTH)
			return (-1);
		close = **s == '{' ? '}' : ']';
		(*s)++;
		json_space(s, end);
		if (*s < end && **s == close) {
			(*s)++;
			return (0);
		}
		for (;;) {
			if (close == '}') {
				if (json_string(s, end, &key, &klen) == -1)
					return (-1);
				jpool_used -= klen + 1;	/* only the path */
				json_space(s, end);
				if (*s >= end || *(*s)++ != ':')
					return (-1);
			} else {
				klen = snprintf(jpool + jpool_used, 24,
				    "%zu", n++);
				key = jpool + jpool_used;
			}
			if (plen + 1 + klen >= JSON_PATH)
				return (-1);
			if (plen > 0)
				path[plen] = '.';
			memcpy(path + plen + (plen > 0), key, klen);
			path[plen + (plen > 0) + klen] = '\0';
			if (json_value(s, end, path, plen + (plen > 0) + klen,
			    depth + 1) == -1)
				return (-1);
			path[plen] = '\0';
			json_space(s, end);
			if (*s < end && **s == ',') {
				(*s)++;
				json_space(s, end);
				continue;
			}
			if (*s < end && **s == close) {
				(*s)++;
				return (0);
			}
			return (-1);
		}
	}
	if (njleaves == JSON_LEAVES)
		return (-1);
	jl = &jleaves[njleaves];
	memcpy(jl->path, path, plen + 1);
	if (**s == '"') {
		if (json_string(s, end, &jl->value, &jl->len) == -1)
			return (-1);
		jl->string = 1;
	} else {
		lit = *s;
		while (*s < end && strchr(",}] \t", **s) == NULL)
			(*s)++;
		if (*s == lit)
			return (-1);
		jl->len = *s - lit;
		memcpy(jpool + jpool_used, lit, jl->len);
		jpool[jpool_used + jl->len] = '\0';
		jl->value = jpool + jpool_used;
		jpool_used += jl->len + 1;
		jl->string = 0;
	}
	njleaves++;
	return (0);
}

/* p[0..len): one JSON object into jleaves. */
static int
json_parse(const char *p, size_t len)
{
	const char	*s = p, *end = p + len;
	char		 path[JSON_PATH];

	if (jpool_size < 2 * len + 128) {
		free(jpool);
		jpool_size = 2 * len + 128;
		if ((jpool = malloc(jpool_size)) == NULL) {
			fprintf(stderr, "check: out of memory\n");
			exit(2);
		}
	}
	jpool_used = 0;
	njleaves = 0;
	path[0] = '\0';
	json_space(&s, end);
	if (s >= end || *s != '{' || json_value(&s, end, path, 0, 0) == -1)
		return (-1);
	json_space(&s, end);
	return (s == end ? 0 : -1);
}

/* The leaf at path, or NULL. */
static const struct jleaf *
json_get(const char *path)
{
	size_t	i;

	for (i = 0; i < njleaves; i++) {
		if (strcmp(jleaves[i].path, path) == 0)
			return (&jleaves[i]);
	}
	return (NULL);
}

/* The number at path, a whole leaf, into *v. */
static int
json_u64(const char *path, uint64_t *v)
{
	const struct jleaf	*jl = json_get(path);
	const char		*s;

	if (jl == NULL || jl->string)
		return (-1);
	s = jl->value;
	if (parse_u64(&s, jl->value + jl->len, v) == -1 || *s != '\0')
		return (-1);
	return (0);
}

/*
 * Every field in want has its value (a string); with prefix, the leaves
 * under it are those and the path also, nothing else.
 */
static void
check_fields(const struct field *want, const char *prefix,
    const char *also, const char *line, size_t lineno)
{
	const struct jleaf	*jl;
	size_t			 n, i, plen;

	for (n = 0; want[n].path != NULL; n++) {
		jl = json_get(want[n].path);
		if (jl == NULL || !jl->string ||
		    strcmp(jl->value, want[n].value) != 0) {
			problem(E_FIELDS, line, lineno, "%s is %s%s%s, not "
			    "\"%s\"", want[n].path, jl == NULL ? "missing" :
			    "\"", jl == NULL ? "" : jl->value, jl == NULL ?
			    "" : "\"", want[n].value);
			return;
		}
	}
	if (prefix == NULL)
		return;
	plen = strlen(prefix);
	for (i = 0; i < njleaves; i++) {
		if (strncmp(jleaves[i].path, prefix, plen) != 0 ||
		    strcmp(jleaves[i].path, also) == 0)
			continue;
		if (n-- == 0) {
			problem(E_FIELDS, line, lineno, "%s: one more field: "
			    "%s", prefix, jleaves[i].path);
			return;
		}
	}
}

/* One tcplogd record (JSON), p[0..len) without its LF. */
static void
check_tcplogd_json(const char *p, size_t len, size_t lineno)
{
	static const char	*flags[] = {
		"partial", "truncated", "split", "framing_error", NULL
	};
	const struct jleaf	*ev, *peer, *data, *msg, *reason, *v, *cv;
	uint64_t		 nrecs, nbytes;
	size_t			 i;

	if (json_parse(p, len) == -1) {
		problem(E_MALFORMED, p, lineno, "not a JSON object");
		return;
	}
	ev = json_get("event");
	peer = json_get("peer");
	if (json_get("listener") == NULL || peer == NULL || ev == NULL) {
		problem(E_MALFORMED, p, lineno, "not a tcplogd record");
		return;
	}
	if (want_proxy && ((v = json_get("proxy")) == NULL || !v->string ||
	    v->len == 0 || memchr(v->value, ':', v->len) == NULL))
		problem(E_PEER, p, lineno, "no \"proxy\"");
	if (strcmp(ev->value, "connected") == 0) {
		tcplogd_connected(peer->value, peer->len, p, lineno);
		v = json_get("tls.version");
		cv = json_get("tls.client_verified");
		tcplogd_tls(v != NULL && v->string &&
		    strcmp(v->value, "TLSv1.3") == 0 &&
		    json_get("tls.cipher") != NULL, cv != NULL && !cv->string &&
		    strcmp(cv->value, "true") == 0, p, lineno);
		return;
	}
	if (strcmp(ev->value, "disconnected") == 0) {
		reason = json_get("reason");
		if (reason == NULL || json_u64("records", &nrecs) == -1 ||
		    json_u64("bytes", &nbytes) == -1) {
			problem(E_EVENTS, p, lineno, "bad disconnected record");
			return;
		}
		tcplogd_disconnected(peer->value, peer->len, reason->value,
		    reason->len, nrecs, nbytes, p, lineno);
		return;
	}
	data = json_get("data");
	if (strcmp(ev->value, "data") != 0 || data == NULL) {
		problem(E_MALFORMED, p, lineno, "not a tcplogd record");
		return;
	}
	for (i = 0; flags[i] != NULL; i++) {
		if (json_get(flags[i]) != NULL) {
			problem(E_MALFORMED, p, lineno, "flagged record");
			return;
		}
	}
	if (want_verified && ((v = json_get("tls_client")) == NULL ||
	    !v->string || v->len == 0))
		problem(E_EVENTS, p, lineno, "no tls_client");
	tcplogd_data(peer->value, peer->len, data->value, data->len, lineno);
	if (!syslog5424)
		return;
	check_fields(tcplogd_fields, "syslog.", "syslog.msg", p, lineno);
	msg = json_get("syslog.msg");
	if (msg == NULL || data->len < headlen ||
	    strcmp(msg->value, data->value + headlen) != 0)
		problem(E_FIELDS, p, lineno, "syslog.msg is not the data's "
		    "MSG");
}

/* One line of a syslog peer's JSON (rsyslog, syslog-ng). */
static void
check_peer_json(const char *p, size_t len, size_t lineno)
{
	const struct jleaf	*msg, *raw;

	if (json_parse(p, len) == -1) {
		problem(E_MALFORMED, p, lineno, "not a JSON object");
		return;
	}
	msg = json_get(format == F_RSYSLOG_JSON ? "msg" : "MESSAGE");
	if (msg == NULL || !msg->string) {
		problem(E_MALFORMED, p, lineno, "no message");
		return;
	}
	check_data(msg->value, msg->len, headlen, NULL, lineno);
	check_fields(format == F_RSYSLOG_JSON ? rsyslog_fields :
	    syslog_ng_fields, NULL, NULL, p, lineno);
	if (format != F_RSYSLOG_JSON)
		return;
	raw = json_get("rawmsg");
	if (raw == NULL || raw->len != headlen + msg->len ||
	    memcmp(raw->value, CHECK_SYSLOG_HEAD, headlen) != 0 ||
	    strcmp(raw->value + headlen, msg->value) != 0)
		problem(E_FIELDS, p, lineno, "rawmsg is not the head and msg");
}

int
main(int argc, char **argv)
{
	struct stat	 st;
	const char	*base, *p, *end, *nl, *fmt = "raw";
	char		 digits[24];
	uint64_t	 expected, total = 0, id, i;
	size_t		 lineno = 0;
	int		 ch, fd, k;

	while ((ch = getopt(argc, argv, "aef:m:n:oprs:TVy")) != -1) {
		switch (ch) {
		case 'a':
			want_doc = 1;
			break;
		case 'p':
			want_proxy = 1;
			break;
		case 'T':
			want_tls = 1;
			break;
		case 'V':
			want_tls = want_verified = 1;
			break;
		case 'e':
			events = 1;
			break;
		case 'f':
			fmt = optarg;
			break;
		case 'm':
			nlines = number(optarg, "-m");
			break;
		case 'n':
			nconns = number(optarg, "-n");
			break;
		case 'o':
			octet = 1;
			break;
		case 'r':
			crlf = 1;
			break;
		case 's':
			size = number(optarg, "-s");
			break;
		case 'y':
			syslog5424 = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || nconns == 0 || size == 0)
		usage();
	for (k = 0; fmt_names[k] != NULL; k++) {
		if (strcmp(fmt, fmt_names[k]) == 0)
			break;
	}
	if (fmt_names[k] == NULL || (octet && crlf))
		usage();
	format = k;
	tcplogd = format == F_TCPLOGD || format == F_TCPLOGD_JSON;
	if ((events || want_tls || want_proxy || want_doc) && !tcplogd)
		usage();
	if ((format == F_RSYSLOG_JSON || format == F_SYSLOG_NG_JSON) &&
	    !syslog5424) {
		fprintf(stderr, "check: -f %s needs -y\n", fmt);
		exit(64);
	}
	headlen = syslog5424 ? strlen(CHECK_SYSLOG_HEAD) : 0;
	if (octet)
		frame_bytes = snprintf(digits, sizeof digits, "%" PRIu64 " ",
		    size) + size;
	else
		frame_bytes = size + (crlf ? 2 : 1);
	if (nconns > UINT64_C(1) << 32 || nlines > UINT64_C(1) << 40 ||
	    nconns * nlines > UINT64_C(1) << 36) {
		fprintf(stderr, "check: too many lines to keep track of\n");
		exit(64);
	}
	for (k = 0; k < 2 * 26; k++)
		alphabet[k] = 'a' + k % 26;
	expected = nconns * nlines;
	seen = calloc(expected / 8 + 1, 1);
	next_seq = calloc(nconns, sizeof *next_seq);
	conn_peer = calloc(nconns, sizeof *conn_peer);
	for (npeers = 1024; npeers < 4 * nconns; npeers *= 2)
		;
	peers = calloc(npeers, sizeof *peers);
	if (seen == NULL || next_seq == NULL || conn_peer == NULL ||
	    peers == NULL) {
		fprintf(stderr, "check: out of memory\n");
		exit(2);
	}

	if ((fd = open(argv[0], O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		fprintf(stderr, "check: %s: %s\n", argv[0], strerror(errno));
		exit(2);
	}
	base = "";
	if (st.st_size > 0) {
		base = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (base == MAP_FAILED) {
			fprintf(stderr, "check: %s: mmap: %s\n", argv[0],
			    strerror(errno));
			exit(2);
		}
		(void)madvise((void *)base, st.st_size, MADV_SEQUENTIAL);
	}
	end = base + st.st_size;
	for (p = base; p < end; p = nl + 1) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		if (nl == NULL) {
			problem(E_MALFORMED, NULL, lineno, "no newline at the "
			    "end of the file");
			break;
		}
		switch (format) {
		case F_RAW:
			check_data(p, nl - p, 0, NULL, lineno);
			break;
		case F_TCPLOGD:
			check_tcplogd(p, nl - p, lineno);
			break;
		case F_TCPLOGD_JSON:
			check_tcplogd_json(p, nl - p, lineno);
			break;
		case F_RSYSLOG_JSON:
		case F_SYSLOG_NG_JSON:
			check_peer_json(p, nl - p, lineno);
			break;
		}
	}

	/* What never came. */
	for (id = 0; id < nconns; id++) {
		for (i = 0; i < nlines; i++) {
			uint64_t bit = id * nlines + i;

			if ((seen[bit / 8] & (1 << (bit % 8))) == 0) {
				if (errors[E_MISSING]++ == 0)
					fprintf(stderr, "check: missing: c%"
					    PRIu64 " line %" PRIu64 " (the "
					    "first)\n", id, i);
			}
		}
	}
	if (events) {
		if (connected != nconns || disconnected != nconns) {
			errors[E_EVENTS]++;
			fprintf(stderr, "check: %" PRIu64 " connected and %"
			    PRIu64 " disconnected records for %" PRIu64
			    " connections\n", connected, disconnected, nconns);
		}
	}
	for (k = 0; k < E_NUM; k++)
		total += errors[k];
	printf("check: lines %" PRIu64 " expected %" PRIu64 " errors %"
	    PRIu64 " (", data_lines, expected, total);
	for (k = 0; k < E_NUM; k++)
		printf("%s%s %" PRIu64, k > 0 ? " " : "", e_names[k],
		    errors[k]);
	printf(")\n");
	return (total > 0 ? 1 : 0);
}
