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
 * Test doubles shared by the unit tests: a memory sink that keeps the
 * formatted records in an evbuffer, and a fake daemon, listener and
 * connection (no socket) to drive a protocol with.
 */

#ifndef TESTS_COMMON_H
#define TESTS_COMMON_H

#include "tcplogd.h"

#define FAKE_LISTENER	"main"
#define FAKE_PEER	"127.0.0.1:5555"

/* One connection of listener FAKE_LISTENER, writing to a memory sink. */
struct fake {
	struct listener_env env;
	struct lconf	*lc;		/* owned, one reference */
	struct listener	 l;
	struct conn	*c;		/* owned */
	struct sink	*sink;		/* owned */
	int		 eof;		/* connection_lost was called */
	enum conn_reason reason;	/* data_received's last */
};

/* common.c: the memory sink */
struct sink	*memsink_new(void);
void		 memsink_free(struct sink *);
char		*memsink_take(struct sink *);

/* common.c: the fake connection */
struct fake	*fake_new(enum lconf_mode, size_t, enum lconf_overlong);
void		 fake_free(struct fake *);
int		 fake_feed(struct fake *, const void *, size_t);
size_t		 fake_pending(struct fake *);
void		 fake_eof(struct fake *, enum conn_reason);
char		*fake_output(struct fake *);

/* common.c: format_escape() undone */
size_t		 unescape(u_char *, const char *, size_t);

/* common.c: a suite run once, or in each SIMD mode of format.c */
int		 run_suite(Suite *(*)(void));
int		 run_simd_modes(Suite *(*)(void));

#endif /* TESTS_COMMON_H */
