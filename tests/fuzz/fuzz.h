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
 * Shared by the libFuzzer targets: checks of formatted output lines that
 * decode them back to the record they came from, and a fake connection
 * (no socket, no bufferevent, as in tests/common.c but without Check)
 * whose memory sink formats, checks and keeps every data record.
 */

#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stdint.h>

#include "tcplogd.h"

#define FUZZ_LISTENER	"main"
#define FUZZ_PEER	"127.0.0.1:5555"

/* A failed check: print where and what, then abort() for libFuzzer. */
#define FUZZ_ASSERT(e) do {						\
	if (!(e))							\
		fuzz_fail("%s:%d: %s", __FILE__, __LINE__, #e);		\
} while (0)

/* The libFuzzer entry points. */
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

void	fuzz_fail(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

/* fuzz.c: output lines */
void	fuzz_check_line(const char *, size_t, int);
void	fuzz_check_time(const char *);
size_t	fuzz_unescape(u_char *, const char *, size_t);
size_t	fuzz_text_data(const char *, size_t, const struct record *, int,
	    int *, u_char *);
const char *fuzz_json_peer(char *, size_t, const char *);
size_t	fuzz_json_data(const char *, size_t, const struct record *, int,
	    int *, u_char *);

/* One data record the fake connection's sink received, decoded. */
struct fuzz_rec {
	size_t		 off;		/* in fuzz_conn data */
	size_t		 len;
	int		 flags;		/* REC_*, as read back */
};

/* One connection of listener FUZZ_LISTENER, writing to a memory sink. */
struct fuzz_conn {
	struct listener_env env;	/* no event base: nothing is noted */
	struct lconf	*lc;		/* owned, one reference */
	struct listener	 l;
	struct conn	*c;		/* owned */
	struct sink	*sink;		/* owned */
	u_char		*data;		/* owned, all records' data */
	size_t		 datalen;
	size_t		 datasize;
	struct fuzz_rec	*recs;		/* owned */
	size_t		 nrecs;
	size_t		 recsize;
	int		 lost;		/* connection_lost was called */
};

/* fuzz.c: the fake connection */
struct fuzz_conn *fuzz_conn_new(enum lconf_mode, size_t, enum lconf_overlong,
	    int, int);
void	fuzz_conn_free(struct fuzz_conn *);
int	fuzz_conn_feed(struct fuzz_conn *, const void *, size_t);
size_t	fuzz_conn_pending(struct fuzz_conn *);
void	fuzz_conn_lost(struct fuzz_conn *, enum conn_reason);

#endif /* TESTS_FUZZ_H */
