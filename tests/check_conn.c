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
 * Unit tests of conn.c: a real connection on one end of a socketpair,
 * run by a libevent loop, with stages and transports made for the test.
 * They check the order of things before the data (no record until the
 * last stage is done, bytes read past a stage go on to the next and to
 * the protocol), a stage's timeout and write interest, a failing stage,
 * a transport that holds bytes already read, and what the listener is
 * told (the last connection gone).  Last, the listener's notes: at most
 * one line a second per kind, then the first peer held back and how
 * many more.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "log.h"

#define PEER		"main 192.0.2.7:5555"
#define WAIT_MSEC	5000	/* any condition, even under valgrind */

/* A connection of listener "main" and the far end of its socket. */
struct cfix {
	struct listener_env	 env;
	struct lconf		*lc;
	struct listener		 l;
	struct sink		*sink;
	int			 far;		/* the client's end */
	int			 idle;		/* the last conn closed */
	char			*out;		/* all the sink got */
};

/* A stage that reads a header "HDR<n>\n" and says which it was. */
struct hdr_state {
	char	buf[16];
	size_t	len;
	int	wrote;		/* the reply, for write interest */
};

static int	 hdr_enabled(const struct lconf *);
static u_int	 hdr_timeout(const struct lconf *);
static void	*hdr_init(struct conn *);
static int	 hdr_run(struct conn *, void *, enum conn_reason *);
static int	 hdr_reply_run(struct conn *, void *, enum conn_reason *);
static int	 fail_run(struct conn *, void *, enum conn_reason *);
static int	 never_run(struct conn *, void *, enum conn_reason *);
static u_int	 short_timeout(const struct lconf *);
static ssize_t	 slow_read(struct conn *, void *, size_t,
		    enum conn_reason *);
static size_t	 slow_pending(struct conn *);
static void	 slow_close(struct conn *);
static int	 slow_stage_run(struct conn *, void *, enum conn_reason *);
static void	 idle_cb(void *);
static void	 nop_accept_failed(int, void *);
static void	 nop_accepted(void *);

static int	 hdrs_seen;	/* headers the stages read, in order */
static char	 hdr_names[8];

static const struct stage_ops hdr_stage = {
	.name = "hdr",
	.enabled = hdr_enabled,
	.timeout = hdr_timeout,
	.expired = CONN_TIMEOUT,
	.init = hdr_init,
	.run = hdr_run,
	.free = free,
};

static const struct stage_ops reply_stage = {
	.name = "reply",
	.enabled = hdr_enabled,
	.timeout = hdr_timeout,
	.expired = CONN_TIMEOUT,
	.init = hdr_init,
	.run = hdr_reply_run,
	.free = free,
};

static const struct stage_ops fail_stage = {
	.name = "fail",
	.enabled = hdr_enabled,
	.init = hdr_init,
	.run = fail_run,
	.free = free,
};

static const struct stage_ops never_stage = {
	.name = "never",
	.enabled = hdr_enabled,
	.timeout = short_timeout,
	.expired = CONN_TIMEDOUT,
	.run = never_run,
};

static const struct stage_ops slow_stage = {
	.name = "slow",
	.enabled = hdr_enabled,
	.timeout = hdr_timeout,
	.expired = CONN_TIMEOUT,
	.run = slow_stage_run,
};

/* A transport that reads all the socket has but hands out 3 bytes. */
struct slow_state {
	u_char	buf[4096];
	size_t	off;
	size_t	len;
};

static const struct transport_ops slow_transport = {
	.name = "slow",
	.read = slow_read,
	.pending = slow_pending,
	.close = slow_close,
};

static const struct listener_cb test_cb = {
	.accept_failed = nop_accept_failed,
	.accepted = nop_accepted,
	.idle = idle_cb,
};

static int
hdr_enabled(const struct lconf *lc __unused)
{
	return (1);
}

static u_int
hdr_timeout(const struct lconf *lc __unused)
{
	return (30);
}

static u_int
short_timeout(const struct lconf *lc __unused)
{
	return (1);
}

static void *
hdr_init(struct conn *c __unused)
{
	return (xcalloc(1, sizeof (struct hdr_state)));
}

/*
 * Read up to the header's LF one byte at a time would hide the carry;
 * read all that is there and hand back what follows the LF.
 */
static int
hdr_run(struct conn *c, void *arg, enum conn_reason *reason)
{
	struct hdr_state	*st = arg;
	u_char			 buf[64], *nl;
	ssize_t			 n;
	size_t			 used;

	/* No record may come before the stages are done. */
	ck_assert_int_eq(c->started, 0);
	for (;;) {
		if ((n = conn_stage_read(c, buf, sizeof buf, reason)) == -1)
			return (-1);
		if (n == 0)
			return (EV_READ);
		nl = memchr(buf, '\n', n);
		used = nl != NULL ? (size_t)(nl - buf) + 1 : (size_t)n;
		if (st->len + used > sizeof st->buf) {
			*reason = CONN_ERROR;
			return (-1);
		}
		memcpy(st->buf + st->len, buf, used);
		st->len += used;
		if (nl == NULL)
			continue;
		conn_stage_unread(c, buf + used, n - used);
		ck_assert_int_eq(memcmp(st->buf, "HDR", 3), 0);
		hdr_names[hdrs_seen++] = st->buf[3];
		return (0);
	}
}

/* Wait until the socket is writable, say "OK\n", then read a header. */
static int
hdr_reply_run(struct conn *c, void *arg, enum conn_reason *reason)
{
	struct hdr_state	*st = arg;

	if (!st->wrote) {
		st->wrote = 1;
		return (EV_WRITE);
	}
	if (st->wrote == 1) {
		ck_assert_int_eq(write(c->fd, "OK\n", 3), 3);
		st->wrote = 2;
	}
	return (hdr_run(c, arg, reason));
}

static int
fail_run(struct conn *c __unused, void *arg __unused,
    enum conn_reason *reason)
{
	*reason = CONN_RESET;
	return (-1);
}

static int
never_run(struct conn *c, void *arg __unused, enum conn_reason *reason)
{
	u_char	buf[64];

	while (conn_stage_read(c, buf, sizeof buf, reason) > 0)
		;
	return (EV_READ);
}

/* Put the slow transport on top of plain TCP, at once. */
static int
slow_stage_run(struct conn *c, void *arg __unused,
    enum conn_reason *reason __unused)
{
	conn_set_transport(c, &slow_transport,
	    xcalloc(1, sizeof (struct slow_state)));
	return (0);
}

static ssize_t
slow_read(struct conn *c, void *buf, size_t len, enum conn_reason *reason)
{
	struct slow_state	*st = c->tstate;
	ssize_t			 n;
	size_t			 take;

	if (st->off == st->len) {
		st->off = st->len = 0;
		n = transport_tcp_ops.read(c, st->buf, sizeof st->buf, reason);
		if (n <= 0)
			return (n);
		st->len = n;
	}
	take = st->len - st->off;
	if (take > 3)
		take = 3;
	if (take > len)
		take = len;
	memcpy(buf, st->buf + st->off, take);
	st->off += take;
	return (take);
}

static size_t
slow_pending(struct conn *c)
{
	struct slow_state	*st = c->tstate;

	return (st->len - st->off);
}

/* The transport on top closes the one below. */
static void
slow_close(struct conn *c)
{
	free(c->tstate);
	c->tstate = NULL;
	transport_tcp_ops.close(c);
}

static void
idle_cb(void *arg)
{
	struct cfix	*f = arg;

	f->idle++;
}

static void
nop_accept_failed(int error __unused, void *arg __unused)
{
}

static void
nop_accepted(void *arg __unused)
{
}

/* A listener with these stages and one connection from 192.0.2.7:5555. */
static struct cfix *
cfix_new(const struct stage_ops *const *stages, struct conn **cp)
{
	struct cfix		*f;
	struct sockaddr_in	 sin;
	int			 sv[2];

	f = xcalloc(1, sizeof *f);
	f->env.base = event_base_new();
	ck_assert_ptr_nonnull(f->env.base);
	f->env.cb = &test_cb;
	f->env.arg = f;
	f->lc = xcalloc(1, sizeof *f->lc);
	f->lc->refs = 1;
	f->lc->name = xstrdup("main");
	f->lc->mode = MODE_LINE;
	f->lc->events = 1;
	f->lc->timestamps = TS_NO;
	f->lc->max_line = 1024;
	listener_init(&f->l, &f->env, f->lc);
	f->l.stages = stages;
	f->sink = memsink_new();
	f->l.sinks[0] = f->sink;
	f->l.nsinks = 1;
	hdrs_seen = 0;
	memset(hdr_names, 0, sizeof hdr_names);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->far = sv[1];
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5555);
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	*cp = conn_new(&f->l, sv[0], (struct sockaddr *)&sin, sizeof sin);
	ck_assert_ptr_nonnull(*cp);
	return (f);
}

static void
cfix_free(struct cfix *f)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&f->l.conns)) != NULL)
		conn_close(c, CONN_SHUTDOWN);
	if (f->far != -1)
		close(f->far);
	event_free(f->l.ev_note);
	lconf_unref(f->l.conf);
	lconf_unref(f->lc);
	memsink_free(f->sink);
	event_base_free(f->env.base);
	free(f->out);
	free(f);
}

/* Milliseconds since t0. */
static long
since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* All the sink got, so far. */
static const char *
cfix_out(struct cfix *f)
{
	char	*more, *all;

	more = memsink_take(f->sink);
	xasprintf(&all, "%s%s", f->out != NULL ? f->out : "", more);
	free(more);
	free(f->out);
	f->out = all;
	return (f->out);
}

/* Run the loop until the sink got want, or the connection is gone. */
static void
run_until(struct cfix *f, const char *want)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (strcmp(cfix_out(f), want) != 0 && f->idle == 0) {
		ck_assert_msg(since(&t0) < WAIT_MSEC, "waited for '%s', "
		    "got '%s'", want, f->out);
		event_base_loop(f->env.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_str_eq(f->out, want);
}

/* Run the loop until the connection is gone. */
static void
run_until_idle(struct cfix *f)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (f->idle == 0) {
		ck_assert_msg(since(&t0) < WAIT_MSEC, "connection not closed");
		event_base_loop(f->env.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

static void
send_str(struct cfix *f, const char *s)
{
	ck_assert_int_eq(write(f->far, s, strlen(s)), (ssize_t)strlen(s));
}

/* Without stages: connected at once, then the data. */
START_TEST(test_no_stage)
{
	static const struct stage_ops *const none[] = { NULL };
	struct cfix	*f;
	struct conn	*c;

	f = cfix_new(none, &c);
	ck_assert_int_eq(c->started, 1);
	ck_assert_str_eq(cfix_out(f), PEER " connected\n");
	send_str(f, "one\ntwo\n");
	run_until(f, PEER " connected\n" PEER ": one\n" PEER ": two\n");
	close(f->far);
	f->far = -1;
	run_until_idle(f);
	ck_assert_str_eq(cfix_out(f), PEER " connected\n" PEER ": one\n"
	    PEER ": two\n" PEER " disconnected (closed by peer) 2 records "
	    "8 bytes\n");
	ck_assert_uint_eq(f->l.stats.active, 0);
	ck_assert_uint_eq(f->env.active, 0);
	cfix_free(f);
}
END_TEST

/*
 * Two stages: no record before both are done; bytes read past each go on
 * to the next, then to the protocol, in one write from the client.
 */
START_TEST(test_stages_carry)
{
	static const struct stage_ops *const two[] = { &hdr_stage,
	    &hdr_stage, NULL };
	struct cfix	*f;
	struct conn	*c;

	f = cfix_new(two, &c);
	ck_assert_int_eq(c->started, 0);
	ck_assert_str_eq(cfix_out(f), "");
	send_str(f, "HDR1\nHDR2\nfirst\nsecond\n");
	run_until(f, PEER " connected\n" PEER ": first\n" PEER ": second\n");
	ck_assert_int_eq(hdrs_seen, 2);
	ck_assert_str_eq(hdr_names, "12");
	/* The headers are not data. */
	ck_assert_uint_eq(c->bytes, 13);
	cfix_free(f);
}
END_TEST

/* A header cut into pieces: the stage waits for the rest. */
START_TEST(test_stage_split)
{
	static const struct stage_ops *const one[] = { &hdr_stage, NULL };
	struct cfix	*f;
	struct conn	*c;
	struct timespec	 t0;

	f = cfix_new(one, &c);
	send_str(f, "HD");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (since(&t0) < 50)
		event_base_loop(f->env.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_int_eq(c->started, 0);
	ck_assert_str_eq(cfix_out(f), "");
	send_str(f, "R7\nx");
	run_until(f, PEER " connected\n");
	send_str(f, "y\n");
	run_until(f, PEER " connected\n" PEER ": xy\n");
	ck_assert_str_eq(hdr_names, "7");
	cfix_free(f);
}
END_TEST

/* A stage that must write first waits for the socket to be writable. */
START_TEST(test_stage_write)
{
	static const struct stage_ops *const one[] = { &reply_stage, NULL };
	struct cfix	*f;
	struct conn	*c;
	char		 buf[8];

	f = cfix_new(one, &c);
	send_str(f, "HDR9\nafter\n");
	run_until(f, PEER " connected\n" PEER ": after\n");
	ck_assert_int_eq(read(f->far, buf, sizeof buf), 3);
	ck_assert_int_eq(memcmp(buf, "OK\n", 3), 0);
	cfix_free(f);
}
END_TEST

/* A failing stage closes the connection, which writes no record. */
START_TEST(test_stage_fails)
{
	static const struct stage_ops *const one[] = { &fail_stage, NULL };
	struct cfix	*f;
	struct conn	*c;

	f = cfix_new(one, &c);
	send_str(f, "anything\n");
	run_until_idle(f);
	ck_assert_str_eq(cfix_out(f), "");
	ck_assert_uint_eq(f->l.stats.active, 0);
	ck_assert_uint_eq(f->l.stats.accepted, 1);
	cfix_free(f);
}
END_TEST

/*
 * A stage's time runs from its start, whatever comes in: a peer that
 * keeps sending without finishing the stage is closed, with no record.
 */
START_TEST(test_stage_timeout)
{
	static const struct stage_ops *const one[] = { &never_stage, NULL };
	struct cfix	*f;
	struct conn	*c;
	struct timespec	 t0;
	long		 last = -200;

	f = cfix_new(one, &c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (f->idle == 0) {
		ck_assert_msg(since(&t0) < WAIT_MSEC, "stage never expired");
		if (since(&t0) - last >= 200) {
			send_str(f, "x");
			last = since(&t0);
		}
		event_base_loop(f->env.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_ge(since(&t0), 900);
	ck_assert_str_eq(cfix_out(f), "");
	cfix_free(f);
}
END_TEST

/*
 * A transport that holds bytes it has read: they are read without the
 * socket becoming readable again.
 */
START_TEST(test_transport_pending)
{
	static const struct stage_ops *const one[] = { &slow_stage, NULL };
	struct cfix	*f;
	struct conn	*c;

	f = cfix_new(one, &c);
	send_str(f, "abcdefgh\nijklmnopqrstu\n");
	run_until(f, PEER " connected\n" PEER ": abcdefgh\n"
	    PEER ": ijklmnopqrstu\n");
	ck_assert_ptr_eq(c->tops, &slow_transport);
	cfix_free(f);
}
END_TEST

/* Run fd 2 into a file while f runs; returns what was written. */
static char *
stderr_lines(struct cfix *f, int (*step)(struct cfix *, int), int n)
{
	FILE	*tmp;
	char	*text;
	long	 len;
	int	 saved, i;

	ck_assert_ptr_nonnull(tmp = tmpfile());
	ck_assert_int_ne(saved = dup(STDERR_FILENO), -1);
	ck_assert_int_ne(dup2(fileno(tmp), STDERR_FILENO), -1);
	for (i = 0; i < n; i++) {
		if (!step(f, i))
			break;
	}
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	len = ftell(tmp) > 0 ? ftell(tmp) : lseek(fileno(tmp), 0, SEEK_END);
	text = xcalloc(1, len + 1);
	ck_assert_int_eq(pread(fileno(tmp), text, len, 0), len);
	fclose(tmp);
	return (text);
}

/* A refusal from 10.0.0.N:1000 + N. */
static int
note_one(struct cfix *f, int i)
{
	char	peer[32];

	(void)snprintf(peer, sizeof peer, "10.0.0.%d:%d", i % 250, 1000 + i);
	listener_note(&f->l, NOTE_REFUSE_PEER, peer, "test %d", i);
	return (1);
}

/* Run the loop until the note timer fired and found nothing more. */
static int
note_wait(struct cfix *f, int i __unused)
{
	event_base_loop(f->env.base, EVLOOP_ONCE);
	return (evtimer_pending(f->l.ev_note, NULL));
}

START_TEST(test_notes)
{
	static const struct stage_ops *const none[] = { NULL };
	struct cfix	*f;
	struct conn	*c;
	char		*text;

	f = cfix_new(none, &c);
	log_init(0, "tcplogd");
	/* A flood: one line at once, the rest held back. */
	text = stderr_lines(f, note_one, 100);
	ck_assert_str_eq(text, "tcplogd: listener main: refused "
	    "10.0.0.0:1000 (test 0)\n");
	free(text);
	/* The second ends: the first held back, and 98 more. */
	text = stderr_lines(f, note_wait, 10);
	ck_assert_str_eq(text, "tcplogd: listener main: refused "
	    "10.0.0.1:1001 (test 1) (98 more)\n");
	free(text);
	ck_assert_int_eq(evtimer_pending(f->l.ev_note, NULL), 0);
	/* A quiet second since: the next is said at once again. */
	text = stderr_lines(f, note_one, 1);
	ck_assert_str_eq(text, "tcplogd: listener main: refused "
	    "10.0.0.0:1000 (test 0)\n");
	free(text);
	/* Again held back within the second, said when it ends. */
	text = stderr_lines(f, note_one, 3);
	ck_assert_str_eq(text, "");
	free(text);
	text = stderr_lines(f, note_wait, 10);
	ck_assert_str_eq(text, "tcplogd: listener main: refused "
	    "10.0.0.0:1000 (test 0) (2 more)\n");
	free(text);
	cfix_free(f);
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite	*s = suite_create("conn");
	TCase	*tc;

	tc = tcase_create("stages");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_no_stage);
	tcase_add_test(tc, test_stages_carry);
	tcase_add_test(tc, test_stage_split);
	tcase_add_test(tc, test_stage_write);
	tcase_add_test(tc, test_stage_fails);
	tcase_add_test(tc, test_stage_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("transport");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_transport_pending);
	suite_add_tcase(s, tc);

	tc = tcase_create("notes");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_notes);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(conn_suite) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
