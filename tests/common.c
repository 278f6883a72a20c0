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
 * Test doubles shared by the unit tests.  The memory sink formats each
 * record with format_text() (with the time only when the listener says
 * timestamps = yes) into an evbuffer that tests take as a string.  The
 * fake connection has everything conn_emit() and listener_write() need
 * and no socket.  Each read is counted and timed as conn_read() does,
 * then goes to the protocol's data_received; fake_eof() calls
 * connection_lost as conn_close() does.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

static int	memsink_open(struct sink *, const struct lconf *, char **);
static size_t	memsink_write(struct sink *, const struct lconf *,
		    const struct record *);
static size_t	memsink_write_lines(struct sink *, const struct lconf *,
		    struct record *, const struct iovec *, size_t);
static void	memsink_close(struct sink *);
static int	unescape_hex(char);

static const struct sink_ops memsink_ops = {
	.name = "memory",
	.open = memsink_open,
	.write = memsink_write,
	.write_lines = memsink_write_lines,
	.close = memsink_close,
};

static int
memsink_open(struct sink *s, const struct lconf *lc __unused,
    char **cause __unused)
{
	s->buf = evbuffer_new();
	return (s->buf == NULL ? -1 : 0);
}

/* Format one record, text or JSON, as the stdout sink does. */
static size_t
memsink_write(struct sink *s, const struct lconf *lc,
    const struct record *rec)
{
	char	*line;
	size_t	 len, max;
	int	 flags = 0;

	if (lc->timestamps == TS_YES)
		flags |= FORMAT_TIME;
	if (lc->format == FORMAT_JSON)
		flags |= FORMAT_JSON_LINE;
	max = format_line_max(rec, flags);
	line = xmalloc(max);
	len = format_line(line, rec, flags);
	if (len > max || line[len - 1] != '\n')
		ck_abort_msg("format_line() wrote %zu bytes", len);
	if (evbuffer_add(s->buf, line, len) != 0)
		ck_abort_msg("evbuffer_add failed");
	s->stats.written += len;
	free(line);
	return (len);
}

/*
 * A batch of lines, one by one.  One marked plain must be: printable
 * ASCII but '\\' only, which text copies as it is.
 */
static size_t
memsink_write_lines(struct sink *s, const struct lconf *lc,
    struct record *rec, const struct iovec *v, size_t nv)
{
	const u_char	*p;
	size_t		 i, j, total = 0;

	for (i = 0; i < nv; i++) {
		p = v[i].iov_base;
		for (j = 0; rec->plain && j < v[i].iov_len; j++) {
			if (p[j] < 0x20 || p[j] > 0x7e || p[j] == '\\')
				ck_abort_msg("batch marked plain, byte 0x%02x",
				    p[j]);
		}
		rec->data = p;
		rec->len = v[i].iov_len;
		total += memsink_write(s, lc, rec);
	}
	return (total);
}

static void
memsink_close(struct sink *s)
{
	evbuffer_free(s->buf);
	s->buf = NULL;
}

/* A sink that keeps what it is given in memory. */
struct sink *
memsink_new(void)
{
	struct sink	*s;
	char		*cause = NULL;

	s = sink_new(NULL, &memsink_ops, NULL, &cause);
	ck_assert_ptr_nonnull(s);
	return (s);
}

void
memsink_free(struct sink *s)
{
	sink_free(s);
}

/* Take everything written so far as a NUL-terminated string. */
char *
memsink_take(struct sink *s)
{
	size_t	 len = evbuffer_get_length(s->buf);
	char	*text;

	text = xmalloc(len + 1);
	if (len > 0)
		ck_assert_int_eq(evbuffer_remove(s->buf, text, len), (int)len);
	text[len] = '\0';
	return (text);
}

/*
 * A connection of listener "main" from 127.0.0.1:5555 in the given mode,
 * with connection events off and no timestamps.
 */
struct fake *
fake_new(enum lconf_mode mode, size_t max_line, enum lconf_overlong overlong)
{
	struct fake	*f;
	struct lconf	*lc;
	struct conn	*c;

	f = xcalloc(1, sizeof *f);

	lc = f->lc = xcalloc(1, sizeof *lc);
	lc->refs = 1;
	lc->name = xstrdup(FAKE_LISTENER);
	lc->mode = mode;
	lc->outputs = OUTPUT_STDOUT;
	lc->events = 0;
	lc->timestamps = TS_NO;
	lc->max_line = max_line;
	lc->overlong = overlong;

	f->sink = memsink_new();
	f->env.base = event_base_new();
	ck_assert_ptr_nonnull(f->env.base);
	listener_init(&f->l, &f->env, lc);
	ck_assert_ptr_nonnull(f->l.ops);
	f->l.sinks[0] = f->sink;
	f->l.nsinks = 1;

	c = f->c = xcalloc(1, sizeof *c);
	c->l = &f->l;
	c->conf = lconf_ref(lc);
	c->ops = f->l.ops;
	(void)snprintf(c->peer, sizeof c->peer, "%s", FAKE_PEER);
	c->state = c->ops->init(c);
	return (f);
}

void
fake_free(struct fake *f)
{
	if (f == NULL)
		return;
	if (f->c->ops->free != NULL)
		f->c->ops->free(f->c->state);
	lconf_unref(f->c->conf);
	free(f->c);
	event_free(f->l.ev_note);
	lconf_unref(f->l.conf);
	lconf_unref(f->lc);
	memsink_free(f->sink);
	event_base_free(f->env.base);
	free(f);
}

/* One read of len bytes: count it and hand it to the protocol. */
int
fake_feed(struct fake *f, const void *data, size_t len)
{
	struct conn	*c = f->c;

	ck_assert_int_eq(f->eof, 0);
	c->bytes += len;
	c->l->stats.bytes += len;
	gettimeofday(&c->tv, NULL);
	f->reason = c->ops->data_received(c, c->state, data, len);
	return (f->reason == CONN_OK ? 0 : -1);
}

/* Bytes the protocol keeps back for an unfinished record. */
size_t
fake_pending(struct fake *f)
{
	if (f->c->ops->pending == NULL)
		return (0);
	return (f->c->ops->pending(f->c->state));
}

/* The connection ends: the protocol flushes what is left. */
void
fake_eof(struct fake *f, enum conn_reason reason)
{
	ck_assert_int_eq(f->eof, 0);
	f->eof = 1;
	if (f->c->ops->connection_lost != NULL)
		f->c->ops->connection_lost(f->c, f->c->state, reason);
}

/* What the sink got so far. */
char *
fake_output(struct fake *f)
{
	return (memsink_take(f->sink));
}

static int
unescape_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	ck_abort_msg("bad hex digit '%c' in escaped text", c);
	return (-1);
}

/*
 * Undo format_escape() on len bytes of src into dst (at most len bytes);
 * returns the length.  Fails the test on anything format_escape() does
 * not write: an unknown escape, uppercase hex, a raw control byte.
 */
size_t
unescape(u_char *dst, const char *src, size_t len)
{
	const char	*p = src, *end = src + len;
	u_char		*o = dst;

	while (p < end) {
		/* Checked with if: a passing ck_assert costs a write(2). */
		if ((u_char)*p < 0x20 || *p == 0x7f)
			ck_abort_msg("raw byte 0x%02x in escaped text",
			    (u_char)*p);
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (end - p < 2)
			ck_abort_msg("lone backslash at the end");
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
				ck_abort_msg("short \\x escape");
			*o++ = unescape_hex(p[2]) << 4 | unescape_hex(p[3]);
			p += 4;
			break;
		default:
			ck_abort_msg("unknown escape \\%c", p[1]);
		}
	}
	return (o - dst);
}

/* Run the suite; returns the failed tests. */
int
run_suite(Suite *(*suite)(void))
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed);
}

/*
 * Run the suite once in each SIMD mode of format.c: the portable code,
 * the x86-64 baseline and the CPU's best.  Returns the failed tests.
 */
int
run_simd_modes(Suite *(*suite)(void))
{
	static const int modes[] = { FORMAT_SIMD_NONE, FORMAT_SIMD_SSE2,
			    FORMAT_SIMD_BEST };
	size_t		 i;
	int		 failed = 0;

	for (i = 0; i < nitems(modes); i++) {
		format_simd = modes[i];
		failed += run_suite(suite);
	}
	format_simd = FORMAT_SIMD_BEST;
	return (failed);
}
