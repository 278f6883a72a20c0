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
 * Unit tests of what the datagram outputs send, without a socket: the
 * head of a syslog message in glibc's format, the journal's native
 * protocol fields (the plain and the binary form, and which one a value
 * gets), and a record's journal entry: every field, TCPLOGD_DATA exactly
 * when MESSAGE escaped something, the parsed syslog fields.  A small
 * parser of the native protocol reads the entries back.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "tcplogd.h"
#include "common.h"

#define ENTRY_FIELDS	32

/* One field of an entry, pointing into the entry. */
struct jfield {
	char		 name[64];
	const u_char	*v;
	size_t		 len;
	int		 binary;
};

struct jentry {
	struct jfield	 f[ENTRY_FIELDS];
	size_t		 n;
};

static void	entry_parse(struct jentry *, const u_char *, size_t);
static const struct jfield *entry_get(const struct jentry *, const char *);
static void	entry_is(const struct jentry *, const char *, const char *);
static void	data_record(struct record *, const struct timeval *,
		    const char *);
static size_t	make_entry(u_char **, const struct lconf *,
		    const struct record *, struct jentry *);

/*
 * Read an entry in the native protocol, strictly: names of A-Z, 0-9 and
 * '_', not starting with '_'; NAME=VALUE LF, or NAME LF, a 64-bit little
 * endian length, the bytes, LF.
 */
static void
entry_parse(struct jentry *e, const u_char *p, size_t len)
{
	const u_char	*end = p + len, *q;
	struct jfield	*f;
	uint64_t	 n;
	int		 i;

	memset(e, 0, sizeof *e);
	while (p < end) {
		ck_assert_uint_lt(e->n, ENTRY_FIELDS);
		f = &e->f[e->n++];
		for (q = p; q < end && *q != '=' && *q != '\n'; q++) {
			ck_assert_msg((*q >= 'A' && *q <= 'Z') ||
			    (*q >= '0' && *q <= '9') || *q == '_',
			    "bad byte 0x%02x in a field name", *q);
		}
		ck_assert_msg(q < end, "a field name without its end");
		ck_assert_uint_gt(q - p, 0);
		ck_assert_uint_lt(q - p, sizeof f->name);
		ck_assert_int_ne(*p, '_');
		memcpy(f->name, p, q - p);
		if (*q == '=') {
			f->v = q + 1;
			q = memchr(f->v, '\n', end - f->v);
			ck_assert_msg(q != NULL, "%s: no LF", f->name);
			f->len = q - f->v;
			p = q + 1;
			continue;
		}
		ck_assert_uint_ge(end - q, 1 + 8 + 1);
		for (n = 0, i = 8; i > 0; i--)
			n = n << 8 | q[i];
		f->binary = 1;
		f->v = q + 9;
		ck_assert_uint_ge((uint64_t)(end - f->v), n + 1);
		f->len = n;
		ck_assert_int_eq(f->v[n], '\n');
		p = f->v + n + 1;
	}
}

static const struct jfield *
entry_get(const struct jentry *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->f[i].name, name) == 0)
			return (&e->f[i]);
	}
	return (NULL);
}

/* The entry has field name with value v (NULL: no such field). */
static void
entry_is(const struct jentry *e, const char *name, const char *v)
{
	const struct jfield	*f = entry_get(e, name);

	if (v == NULL) {
		ck_assert_msg(f == NULL, "%s: not expected", name);
		return;
	}
	ck_assert_msg(f != NULL, "%s: missing", name);
	ck_assert_msg(f->len == strlen(v) && memcmp(f->v, v, f->len) == 0,
	    "%s: '%.*s', want '%s'", name, (int)f->len, f->v, v);
}

static void
data_record(struct record *rec, const struct timeval *tv, const char *data)
{
	memset(rec, 0, sizeof *rec);
	rec->type = REC_DATA;
	rec->tv = tv;
	rec->listener = FAKE_LISTENER;
	rec->peer = FAKE_PEER;
	rec->data = (const u_char *)data;
	rec->len = data != NULL ? strlen(data) : 0;
}

/* rec's entry, parsed, within its bound; *buf to free. */
static size_t
make_entry(u_char **buf, const struct lconf *lc, const struct record *rec,
    struct jentry *e)
{
	size_t	max, n;

	max = journal_record_max(rec, "tcplogd-x");
	*buf = xmalloc(max);
	n = journal_record(*buf, lc, rec, "tcplogd-x");
	ck_assert_uint_le(n, max);
	entry_parse(e, *buf, n);
	return (n);
}

/*
 * glibc's syslog(3) head: "<PRI>Mmm dd hh:mm:ss IDENT[PID]: ", the day
 * padded with a space, local time.
 */
START_TEST(test_syslog_head)
{
	char		buf[128];
	struct timeval	tv = { 0, 999999 };
	size_t		n;

	setenv("TZ", "UTC", 1);
	tzset();
	n = sink_syslog_head(buf, sizeof buf, LOG_DAEMON | LOG_INFO, &tv,
	    "tcplogd", 42);
	ck_assert_uint_eq(n, strlen("<30>Jan  1 00:00:00 tcplogd[42]: "));
	ck_assert(memcmp(buf, "<30>Jan  1 00:00:00 tcplogd[42]: ", n) == 0);
	tv.tv_sec = 86400 * 40 + 3600 * 13 + 60 * 5 + 9;	/* Feb 10 */
	n = sink_syslog_head(buf, sizeof buf, LOG_LOCAL7 | LOG_DEBUG, &tv,
	    "x", 123456);
	ck_assert(memcmp(buf, "<191>Feb 10 13:05:09 x[123456]: ", n) == 0);
	/* The same second again (cached), then the next one. */
	n = sink_syslog_head(buf, sizeof buf, 0, &tv, "x", 1);
	ck_assert(memcmp(buf, "<0>Feb 10 13:05:09 x[1]: ", n) == 0);
	tv.tv_sec++;
	n = sink_syslog_head(buf, sizeof buf, 0, &tv, "x", 1);
	ck_assert(memcmp(buf, "<0>Feb 10 13:05:10 x[1]: ", n) == 0);
	/* Too small a buffer: cut, NUL-terminated, never past it. */
	n = sink_syslog_head(buf, 8, 0, &tv, "x", 1);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(buf, "<0>Feb ");
}
END_TEST

/*
 * A field's two forms: NAME=VALUE for text, the binary form for any
 * control byte (LF, NUL, tab, DEL); bytes >= 0x80 are not control
 * bytes.
 */
START_TEST(test_journal_field)
{
	static const struct {
		const char	*v;
		size_t		 len;
		int		 binary;
	} t[] = {
		{ "", 0, 0 },
		{ "plain text", 10, 0 },
		{ "caf\xc3\xa9 \xff\\ \"x\"", 12, 0 },
		{ "a\nb", 3, 1 },
		{ "\n", 1, 1 },
		{ "nul\0in", 6, 1 },
		{ "tab\t", 4, 1 },
		{ "del\x7f", 4, 1 },
		{ "cr\r", 3, 1 },
	};
	u_char		 buf[64];
	struct jentry	 e;
	size_t		 i, n;

	for (i = 0; i < nitems(t); i++) {
		ck_assert_int_eq(journal_binary(t[i].v, t[i].len),
		    t[i].binary);
		n = journal_field(buf, "F_1", t[i].v, t[i].len);
		ck_assert_uint_le(n, strlen("F_1") + t[i].len + 10);
		entry_parse(&e, buf, n);
		ck_assert_uint_eq(e.n, 1);
		ck_assert_str_eq(e.f[0].name, "F_1");
		ck_assert_int_eq(e.f[0].binary, t[i].binary);
		ck_assert_uint_eq(e.f[0].len, t[i].len);
		ck_assert(memcmp(e.f[0].v, t[i].v, t[i].len) == 0);
	}
	/* The binary form, byte by byte. */
	n = journal_field(buf, "D", "a\nb", 3);
	ck_assert_uint_eq(n, 1 + 1 + 8 + 3 + 1);
	ck_assert(memcmp(buf, "D\n\x03\0\0\0\0\0\0\0a\nb\n", n) == 0);
	n = journal_field(buf, "M", "hi", 2);
	ck_assert(memcmp(buf, "M=hi\n", n) == 0);
}
END_TEST

/* Connection events: the fields, the listener's priority, the reason. */
START_TEST(test_journal_events)
{
	struct timeval	 tv = { 86400 * 40, 123456 };
	struct lconf	 lc;
	struct record	 rec;
	struct jentry	 e;
	u_char		*buf;

	memset(&lc, 0, sizeof lc);
	lc.facility = LOG_LOCAL3;
	lc.priority = LOG_WARNING;
	data_record(&rec, &tv, NULL);
	rec.type = REC_CONNECTED;
	make_entry(&buf, &lc, &rec, &e);
	ck_assert_uint_eq(e.n, 8);
	ck_assert_str_eq(e.f[0].name, "MESSAGE");
	entry_is(&e, "MESSAGE", "main 127.0.0.1:5555 connected");
	entry_is(&e, "PRIORITY", "4");
	entry_is(&e, "SYSLOG_FACILITY", "19");
	entry_is(&e, "SYSLOG_IDENTIFIER", "tcplogd-x");
	entry_is(&e, "TCPLOGD_TIME", "1970-02-10T00:00:00.123456Z");
	entry_is(&e, "TCPLOGD_LISTENER", "main");
	entry_is(&e, "TCPLOGD_PEER", "127.0.0.1:5555");
	entry_is(&e, "TCPLOGD_EVENT", "connected");
	entry_is(&e, "TCPLOGD_REASON", NULL);
	free(buf);

	rec.type = REC_DISCONNECTED;
	rec.reason = CONN_TIMEOUT;
	rec.records = 3;
	rec.bytes = 42;
	make_entry(&buf, &lc, &rec, &e);
	ck_assert_uint_eq(e.n, 9);
	entry_is(&e, "MESSAGE", "main 127.0.0.1:5555 disconnected "
	    "(idle timeout) 3 records 42 bytes");
	entry_is(&e, "TCPLOGD_EVENT", "disconnected");
	entry_is(&e, "TCPLOGD_REASON", "idle timeout");
	entry_is(&e, "TCPLOGD_DATA", NULL);
	entry_is(&e, "TCPLOGD_FLAGS", NULL);
	free(buf);
}
END_TEST

/*
 * Data: MESSAGE is the text record; TCPLOGD_DATA holds the bytes as
 * received exactly when MESSAGE escaped any (a control byte, a
 * backslash, invalid UTF-8), in the binary form when they have a control
 * byte; valid UTF-8 passes unescaped, so it needs no TCPLOGD_DATA.
 */
START_TEST(test_journal_data)
{
	static const struct {
		const char	*data;
		size_t		 len;
		const char	*message;
		int		 has_data;
		int		 binary;
	} t[] = {
		{ "hello", 5, "hello", 0, 0 },
		{ "", 0, "", 0, 0 },
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9", 0, 0 },
		{ "tab\there", 8, "tab\\there", 1, 1 },
		{ "back\\slash", 10, "back\\\\slash", 1, 0 },
		{ "bad \xff utf", 9, "bad \\xff utf", 1, 0 },
		{ "nul\0lf\n", 7, "nul\\x00lf\\x0a", 1, 1 },
		{ "c1 \xc2\x85", 5, "c1 \\xc2\\x85", 1, 0 },
	};
	struct timeval		 tv = { 0, 0 };
	struct lconf		 lc;
	struct record		 rec;
	struct jentry		 e;
	const struct jfield	*f;
	char			 want[128];
	u_char			*buf;
	size_t			 i;

	memset(&lc, 0, sizeof lc);
	lc.facility = LOG_DAEMON;
	lc.priority = LOG_INFO;
	for (i = 0; i < nitems(t); i++) {
		data_record(&rec, &tv, NULL);
		rec.data = (const u_char *)t[i].data;
		rec.len = t[i].len;
		make_entry(&buf, &lc, &rec, &e);
		snprintf(want, sizeof want, "main 127.0.0.1:5555: %s",
		    t[i].message);
		entry_is(&e, "MESSAGE", want);
		entry_is(&e, "PRIORITY", "6");
		entry_is(&e, "SYSLOG_FACILITY", "3");
		entry_is(&e, "TCPLOGD_EVENT", "data");
		f = entry_get(&e, "TCPLOGD_DATA");
		ck_assert_msg((f != NULL) == t[i].has_data, "%zu: data", i);
		if (f != NULL) {
			ck_assert_uint_eq(f->len, t[i].len);
			ck_assert(memcmp(f->v, t[i].data, t[i].len) == 0);
			ck_assert_int_eq(f->binary, t[i].binary);
		}
		ck_assert_uint_eq(e.n, t[i].has_data ? 9 : 8);
		free(buf);
	}
	/* A label (text's "LISTENER PEER" made once) gives the same. */
	data_record(&rec, &tv, "x\ty");
	rec.label = "main 127.0.0.1:5555";
	rec.label_len = strlen(rec.label);
	make_entry(&buf, &lc, &rec, &e);
	entry_is(&e, "MESSAGE", "main 127.0.0.1:5555: x\\ty");
	f = entry_get(&e, "TCPLOGD_DATA");
	ck_assert(f != NULL && f->len == 3 && memcmp(f->v, "x\ty", 3) == 0);
	free(buf);
}
END_TEST

/* Flags, as text output names them, in the same order. */
START_TEST(test_journal_flags)
{
	struct timeval	 tv = { 0, 0 };
	struct lconf	 lc;
	struct record	 rec;
	struct jentry	 e;
	u_char		*buf;

	memset(&lc, 0, sizeof lc);
	data_record(&rec, &tv, "x");
	rec.flags = REC_PARTIAL;
	make_entry(&buf, &lc, &rec, &e);
	entry_is(&e, "TCPLOGD_FLAGS", "partial");
	entry_is(&e, "MESSAGE", "main 127.0.0.1:5555 [partial]: x");
	free(buf);
	rec.flags = REC_PARTIAL | REC_TRUNCATED | REC_SPLIT | REC_FRAMING;
	make_entry(&buf, &lc, &rec, &e);
	entry_is(&e, "TCPLOGD_FLAGS", "partial,truncated,split,framing-error");
	free(buf);
	rec.flags = REC_SPLIT;
	make_entry(&buf, &lc, &rec, &e);
	entry_is(&e, "TCPLOGD_FLAGS", "split");
	free(buf);
}
END_TEST

/*
 * parse = syslog: the message's own priority and facility (kern too:
 * the journal takes 0), its app name, host, procid and msgid when it has
 * them; MESSAGE stays the whole text record.
 */
START_TEST(test_journal_syslog)
{
	static const char	*m5424 = "<165>1 2026-12-05T10:00:00Z web01 "
				    "nginx 812 ACCESS - GET /";
	static const char	*m3164 = "<3>Dec  4 19:05:33 vm kernel: oops";
	struct timeval		 tv = { 0, 0 };
	struct lconf		 lc;
	struct record		 rec;
	struct syslog_msg	 m;
	struct jentry		 e;
	char			 want[128];
	u_char			*buf;

	memset(&lc, 0, sizeof lc);
	lc.facility = LOG_LOCAL3;
	lc.priority = LOG_WARNING;
	data_record(&rec, &tv, m5424);
	ck_assert_int_eq(syslog_parse(&m, rec.data, rec.len), 0);
	rec.syslog = &m;
	make_entry(&buf, &lc, &rec, &e);
	snprintf(want, sizeof want, "main 127.0.0.1:5555: %s", m5424);
	entry_is(&e, "MESSAGE", want);
	entry_is(&e, "PRIORITY", "5");
	entry_is(&e, "SYSLOG_FACILITY", "20");
	entry_is(&e, "TCPLOGD_SYSLOG_APP_NAME", "nginx");
	entry_is(&e, "TCPLOGD_SYSLOG_HOSTNAME", "web01");
	entry_is(&e, "TCPLOGD_SYSLOG_PROCID", "812");
	entry_is(&e, "TCPLOGD_SYSLOG_MSGID", "ACCESS");
	ck_assert_uint_eq(e.n, 12);
	free(buf);

	data_record(&rec, &tv, m3164);
	ck_assert_int_eq(syslog_parse(&m, rec.data, rec.len), 0);
	rec.syslog = &m;
	make_entry(&buf, &lc, &rec, &e);
	entry_is(&e, "PRIORITY", "3");
	entry_is(&e, "SYSLOG_FACILITY", "0");
	entry_is(&e, "TCPLOGD_SYSLOG_APP_NAME", "kernel");
	entry_is(&e, "TCPLOGD_SYSLOG_HOSTNAME", "vm");
	entry_is(&e, "TCPLOGD_SYSLOG_PROCID", NULL);
	entry_is(&e, "TCPLOGD_SYSLOG_MSGID", NULL);
	free(buf);

	/* Events of a parse = syslog listener: the listener's priority. */
	data_record(&rec, &tv, NULL);
	rec.type = REC_CONNECTED;
	rec.syslog = &m;
	make_entry(&buf, &lc, &rec, &e);
	entry_is(&e, "PRIORITY", "4");
	entry_is(&e, "SYSLOG_FACILITY", "19");
	entry_is(&e, "TCPLOGD_SYSLOG_APP_NAME", NULL);
	free(buf);
}
END_TEST

/* A large record: within the bound, the data whole in binary form. */
START_TEST(test_journal_large)
{
	struct timeval		 tv = { 0, 0 };
	struct lconf		 lc;
	struct record		 rec;
	struct jentry		 e;
	const struct jfield	*f;
	u_char			*data, *buf;
	size_t			 i, len = 300000;

	memset(&lc, 0, sizeof lc);
	data = xmalloc(len);
	for (i = 0; i < len; i++)
		data[i] = i % 251;
	data_record(&rec, &tv, NULL);
	rec.data = data;
	rec.len = len;
	make_entry(&buf, &lc, &rec, &e);
	f = entry_get(&e, "TCPLOGD_DATA");
	ck_assert(f != NULL && f->binary && f->len == len);
	ck_assert(memcmp(f->v, data, len) == 0);
	free(buf);
	free(data);
}
END_TEST

static Suite *
dgram_suite(void)
{
	Suite	*s = suite_create("dgram");
	TCase	*tc;

	tc = tcase_create("syslog");
	tcase_add_test(tc, test_syslog_head);
	suite_add_tcase(s, tc);

	tc = tcase_create("journal");
	tcase_add_test(tc, test_journal_field);
	tcase_add_test(tc, test_journal_events);
	tcase_add_test(tc, test_journal_data);
	tcase_add_test(tc, test_journal_flags);
	tcase_add_test(tc, test_journal_syslog);
	tcase_add_test(tc, test_journal_large);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_simd_modes(dgram_suite) == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE);
}
