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
 * A small strict JSON checker for the tests (check_format, fuzz_syslog):
 * RFC 8259's grammar, strings of valid UTF-8, and objects without
 * duplicate keys; and a reader of one string member by its path.
 */

#ifndef TESTS_JSONCHECK_H
#define TESTS_JSONCHECK_H

#include <sys/types.h>

#include <stddef.h>

const char	*jsoncheck(const char *, size_t);
int		 jsoncheck_get(const char *, size_t, const char *const *,
		    u_char *, size_t *);

#endif /* TESTS_JSONCHECK_H */
