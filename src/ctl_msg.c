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
 * Reading what the control socket says (tcplogd(8), CONTROL PROTOCOL):
 * the greeting "tcplogd-control N VERSION" and the records of reply
 * bodies, "type=T key=value ...", whose values have their space, '%',
 * '=' and unprintable bytes written %XX.  Also their JSON form for
 * tcplogctl -j: one object per record, the values that are counters as
 * numbers.  Pure functions: no sockets, no exits.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_msg.h"

static int	ctl_hex(int);
static size_t	ctl_utf8_len(const unsigned char *);

/*
 * Keys whose values are always strings in JSON, even when they look like
 * numbers (a listener may be called "1"); any other value that is a
 * decimal number is written as one.
 */
static const char *const ctl_string_keys[] = {
	"type", "name", "listener", "listeners", "peer", "listen", "config",
	"version", "kind", "mode", "stage", NULL
};

/* A hex digit's value, or -1. */
static int
ctl_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * Parse the greeting: 0 and the protocol version and the daemon's
 * version (pointing into line), or -1 if it is not one.
 */
int
ctl_greeting(const char *line, unsigned int *proto, const char **version)
{
	const char	*p;
	unsigned long	 n;
	char		*end;
	size_t		 len = strlen(CTL_GREETING);

	if (strncmp(line, CTL_GREETING, len) != 0 || line[len] != ' ')
		return (-1);
	p = line + len + 1;
	if (!isdigit((unsigned char)*p))
		return (-1);
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno != 0 || n == 0 || n > 1000000 || (*end != ' ' &&
	    *end != '\0'))
		return (-1);
	*proto = n;
	*version = *end == ' ' ? end + 1 : end;
	return (0);
}

/* Decode %XX in place; -1 for a '%' without two hex digits after it. */
int
ctl_decode(char *s)
{
	char	*out = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*out++ = *s;
			continue;
		}
		if ((hi = ctl_hex(s[1])) == -1 || (lo = ctl_hex(s[2])) == -1)
			return (-1);
		*out++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*out = '\0';
	return (0);
}

/*
 * Split a record (a body line without its "- ") into its fields.  Every
 * word must be KEY=VALUE with a key that is not empty; values are
 * decoded.  A decoded value may hold a NUL: it then ends there.
 * Returns 0, or -1 when line is not a record.
 */
int
ctl_record_parse(const char *line, struct ctl_record *r)
{
	char	*p, *word, *eq;
	size_t	 n = 1;

	memset(r, 0, sizeof *r);
	for (p = (char *)line; *p != '\0'; p++)
		n += *p == ' ';
	if ((r->line = strdup(line)) == NULL ||
	    (r->fields = calloc(n, sizeof *r->fields)) == NULL)
		goto fail;
	for (p = r->line; p != NULL; ) {
		word = p;
		if ((p = strchr(p, ' ')) != NULL)
			*p++ = '\0';
		if ((eq = strchr(word, '=')) == NULL || eq == word)
			goto fail;
		*eq = '\0';
		if (ctl_decode(eq + 1) == -1)
			goto fail;
		r->fields[r->nfields].key = word;
		r->fields[r->nfields].value = eq + 1;
		r->nfields++;
	}
	return (0);
fail:
	ctl_record_free(r);
	return (-1);
}

void
ctl_record_free(struct ctl_record *r)
{
	free(r->fields);
	free(r->line);
	memset(r, 0, sizeof *r);
}

/* The value of the first field called key, or NULL. */
const char *
ctl_record_get(const struct ctl_record *r, const char *key)
{
	size_t	i;

	for (i = 0; i < r->nfields; i++) {
		if (strcmp(r->fields[i].key, key) == 0)
			return (r->fields[i].value);
	}
	return (NULL);
}

/* Is s a decimal number JSON can carry as one (a uint64_t counter)? */
int
ctl_is_number(const char *s)
{
	size_t	len = strlen(s);

	if (len == 0 || len > 20 || strspn(s, "0123456789") != len)
		return (0);
	if (s[0] == '0' && len > 1)
		return (0);
	return (len < 20 || strcmp(s, "18446744073709551615") <= 0);
}

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t
ctl_utf8_len(const unsigned char *s)
{
	size_t		len, i;
	unsigned int	cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (len);
}

/*
 * Write s as a JSON string.  Valid UTF-8 passes; a byte that is not
 * part of it is written as the code point of the same value, so that
 * the output is always valid JSON.
 */
void
ctl_json_string(FILE *f, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len;

	fputc('"', f);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else if ((len = ctl_utf8_len(p)) != 0) {
			fwrite(p, 1, len, f);
			p += len;
		} else
			fprintf(f, "\\u%04x", *p++);
	}
	fputc('"', f);
}

/* Write a record as one JSON object on a line of its own. */
void
ctl_json_record(FILE *f, const struct ctl_record *r)
{
	const struct ctl_field	*cf;
	const char *const	*k;
	size_t			 i;
	int			 string;

	fputc('{', f);
	for (i = 0; i < r->nfields; i++) {
		cf = &r->fields[i];
		string = !ctl_is_number(cf->value);
		for (k = ctl_string_keys; *k != NULL && !string; k++)
			string = strcmp(*k, cf->key) == 0;
		if (i > 0)
			fputc(',', f);
		ctl_json_string(f, cf->key);
		fputc(':', f);
		if (string)
			ctl_json_string(f, cf->value);
		else
			fputs(cf->value, f);
	}
	fputs("}\n", f);
}
