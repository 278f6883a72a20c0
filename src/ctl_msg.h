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
 * The client's side of the control protocol, apart from the socket:
 * the greeting, the "key=value" records of reply bodies and their JSON
 * form.  Kept apart from tcplogd.h so that tcplogctl (which links no
 * libevent) and its unit test can use it alone.
 */

#ifndef CTL_MSG_H
#define CTL_MSG_H

#include <stddef.h>
#include <stdio.h>

#define CTL_PROTOCOL		1	/* the version this client speaks */
#define CTL_GREETING		"tcplogd-control"

/* One "key=value" of a record; both point into the parsed line. */
struct ctl_field {
	const char	*key;
	const char	*value;		/* %XX decoded */
};

/* A body line "type=... key=value ..." split into its fields. */
struct ctl_record {
	struct ctl_field *fields;	/* owned */
	size_t		  nfields;
	char		 *line;		/* owned: the fields point here */
};

int		 ctl_greeting(const char *, unsigned int *, const char **);
int		 ctl_decode(char *);
int		 ctl_record_parse(const char *, struct ctl_record *);
void		 ctl_record_free(struct ctl_record *);
const char	*ctl_record_get(const struct ctl_record *, const char *);
int		 ctl_is_number(const char *);
void		 ctl_json_string(FILE *, const char *);
void		 ctl_json_record(FILE *, const struct ctl_record *);

#endif /* CTL_MSG_H */
