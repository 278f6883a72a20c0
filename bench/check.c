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
 * were sent.  It reads two kinds of output:
 *
 *   -f raw      one received line per output line (the floor, rsyslog's
 *               %rawmsg%, Twisted's SimpleLogger);
 *   -f tcplogd  tcplogd's text records, "[TIME ]LISTENER PEER: DATA" and
 *               the connected and disconnected events, also as syslog
 *               messages ("<PRI>Mmm dd hh:mm:ss ident[pid]: " first).
 *
 * For tcplogd it also checks that all lines of a connection come from
 * one peer and no two connections share a peer at once, and with -e that
 * every connection has one connected and one disconnected record with
 * the right counts (reason "closed by peer", M records, M * (S + 1 or 2)
 * bytes).  -r: the lines were sent with CRLF (a raw sink may keep the CR;
 * tcplogd strips it and counts it).
 *
 * Prints one line on stdout,
 *	check: lines N expected N errors N (malformed N order N duplicate N
 *	    missing N peer N events N)
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

enum { E_MALFORMED, E_ORDER, E_DUP, E_MISSING, E_PEER, E_EVENTS, E_NUM };
static const char *e_names[E_NUM] = {
	"malformed", "order", "duplicate", "missing", "peer", "events"
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
static void	check_data(const char *, size_t, struct peer *, size_t);
static void	check_tcplogd(const char *, size_t, size_t);
static int	parse_u64(const char **, const char *, uint64_t *);

static uint64_t	 nconns, nlines, size;
static int	 crlf, events, tcplogd;
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
	fprintf(stderr, "usage: check [-er] [-f raw|tcplogd] -n conns "
	    "-m lines -s size file\n");
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
 * One received line, p[0..len) without its LF: "cID-lSEQ " and letters.
 * pe is the tcplogd peer it came from, or NULL.
 */
static void
check_data(const char *p, size_t len, struct peer *pe, size_t lineno)
{
	const char	*s = p, *end = p + len;
	uint64_t	 id, seq, bit, i, k;

	data_lines++;
	if (crlf && !tcplogd && len > 0 && p[len - 1] == '\r')
		end--;
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
	if ((uint64_t)(end - p) != size) {
		problem(E_MALFORMED, p, lineno, "%zu bytes, not %" PRIu64,
		    (size_t)(end - p), size);
		return;
	}
	for (i = s - p; i < size; i += k) {
		k = size - i < 26 ? size - i : 26;
		if (memcmp(p + i, alphabet + (id + seq + i) % 26, k) != 0) {
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

/* One tcplogd record (text), p[0..len) without its LF. */
static void
check_tcplogd(const char *p, size_t len, size_t lineno)
{
	const char	*s = p, *end = p + len, *peer, *q;
	struct peer	*pe;
	uint64_t	 recs, bytes;
	size_t		 plen;
	char		 want[128];

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
		plen = q - 1 - peer;
		pe = peer_get(peer, plen, events == 0);
		if (pe == NULL || (events && !pe->open)) {
			problem(E_EVENTS, p, lineno, "data outside a "
			    "connection");
			if (pe == NULL)
				pe = peer_get(peer, plen, 1);
		}
		pe->records++;
		check_data(q + 1, end - (q + 1), pe, lineno);
		return;
	}
	plen = q - peer;
	s = q + 1;
	if ((size_t)(end - s) == 9 && memcmp(s, "connected", 9) == 0) {
		connected++;
		pe = peer_get(peer, plen, 1);
		if (pe->open)
			problem(E_EVENTS, p, lineno, "connected twice");
		pe->open = 1;
		pe->id = -1;
		pe->records = 0;
		return;
	}
	if (end - s > 14 && memcmp(s, "disconnected (", 14) == 0) {
		disconnected++;
		pe = peer_get(peer, plen, 0);
		if (pe == NULL || !pe->open) {
			problem(E_EVENTS, p, lineno, "disconnected without "
			    "connected");
			return;
		}
		pe->open = 0;
		s += 14;
		q = memchr(s, ')', end - s);
		if (q == NULL || q + 2 > end || q[1] != ' ') {
			problem(E_EVENTS, p, lineno, "bad disconnected record");
			return;
		}
		if (q - s != 14 || memcmp(s, "closed by peer", 14) != 0)
			problem(E_EVENTS, p, lineno, "reason is not \"closed "
			    "by peer\"");
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
		if (recs != pe->records || recs != nlines ||
		    bytes != nlines * (size + (crlf ? 2 : 1))) {
			snprintf(want, sizeof want, "%" PRIu64 " records "
			    "(%" PRIu64 " seen) %" PRIu64 " bytes", nlines,
			    pe->records, nlines * (size + (crlf ? 2 : 1)));
			problem(E_EVENTS, p, lineno, "want %s", want);
		}
		return;
	}
	if (*s == '[')
		problem(E_MALFORMED, p, lineno, "flagged record");
	else
		problem(E_MALFORMED, p, lineno, "not a tcplogd record");
}

int
main(int argc, char **argv)
{
	struct stat	 st;
	const char	*base, *p, *end, *nl, *fmt = "raw";
	uint64_t	 expected, total = 0, id, i;
	size_t		 lineno = 0;
	int		 ch, fd, k;

	while ((ch = getopt(argc, argv, "ef:m:n:rs:")) != -1) {
		switch (ch) {
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
		case 'r':
			crlf = 1;
			break;
		case 's':
			size = number(optarg, "-s");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || nconns == 0 || size == 0)
		usage();
	if (strcmp(fmt, "tcplogd") == 0)
		tcplogd = 1;
	else if (strcmp(fmt, "raw") != 0)
		usage();
	if (events && !tcplogd)
		usage();
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
		if (tcplogd)
			check_tcplogd(p, nl - p, lineno);
		else
			check_data(p, nl - p, NULL, lineno);
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
