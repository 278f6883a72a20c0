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
 * A strict JSON checker, written apart from format.c on purpose: one
 * JSON text (RFC 8259 section 2) that is an object, every string valid
 * UTF-8 without raw controls (section 7; an escaped surrogate only as a
 * pair), numbers as section 6 has them, and no object with a key twice
 * (the RFC allows it; tcplogd promises not to).  Nesting is bounded.
 */

#include <stdlib.h>
#include <string.h>

#include "jsoncheck.h"

#define JC_DEPTH	16

struct jc {
	const u_char	*p;
	const u_char	*end;
	const char	*err;		/* the first error */
	int		 depth;
};

static int	jc_fail(struct jc *, const char *);
static void	jc_ws(struct jc *);
static size_t	jc_utf8(const u_char *, size_t);
static int	jc_hex4(struct jc *, u_int *);
static int	jc_string(struct jc *, u_char *, size_t *);
static int	jc_number(struct jc *);
static int	jc_literal(struct jc *, const char *);
static int	jc_value(struct jc *);
static int	jc_array(struct jc *);
static int	jc_object(struct jc *);
static int	jc_find(struct jc *, const char *const *, u_char *, size_t *);

static int
jc_fail(struct jc *j, const char *why)
{
	if (j->err == NULL)
		j->err = why;
	return (-1);
}

static void
jc_ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* The length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
jc_utf8(const u_char *p, size_t len)
{
	u_int	cp, min;
	size_t	n, i;

	if (p[0] < 0x80)
		return (1);
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

static int
jc_hex4(struct jc *j, u_int *v)
{
	int	i;
	u_char	c;

	if (j->end - j->p < 4)
		return (jc_fail(j, "short \\u escape"));
	for (*v = 0, i = 0; i < 4; i++) {
		c = *j->p++;
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v = *v << 4 | (c - 'A' + 10);
		else
			return (jc_fail(j, "bad hex digit"));
	}
	return (0);
}

/*
 * A string at p; decoded into out (room for as many bytes as the
 * string's text) unless out is NULL.
 */
static int
jc_string(struct jc *j, u_char *out, size_t *outlen)
{
	u_char	*o = out, buf[4];
	u_int	 cp, lo;
	size_t	 n;

	if (j->p == j->end || *j->p != '"')
		return (jc_fail(j, "not a string"));
	j->p++;
	for (;;) {
		if (j->p == j->end)
			return (jc_fail(j, "unterminated string"));
		if (*j->p == '"')
			break;
		if (*j->p < 0x20)
			return (jc_fail(j, "raw control in a string"));
		if (*j->p != '\\') {
			if ((n = jc_utf8(j->p, j->end - j->p)) == 0)
				return (jc_fail(j, "invalid UTF-8"));
			if (o != NULL) {
				memcpy(o, j->p, n);
				o += n;
			}
			j->p += n;
			continue;
		}
		if (j->end - j->p < 2)
			return (jc_fail(j, "lone backslash"));
		j->p += 2;
		switch (j->p[-1]) {
		case '"':
		case '\\':
		case '/':
			cp = j->p[-1];
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (jc_hex4(j, &cp) == -1)
				return (-1);
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return (jc_fail(j, "lone low surrogate"));
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 2 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return (jc_fail(j, "lone surrogate"));
				j->p += 2;
				if (jc_hex4(j, &lo) == -1)
					return (-1);
				if (lo < 0xdc00 || lo > 0xdfff)
					return (jc_fail(j, "bad pair"));
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			break;
		default:
			return (jc_fail(j, "unknown escape"));
		}
		if (cp < 0x80) {
			buf[0] = cp;
			n = 1;
		} else if (cp < 0x800) {
			buf[0] = 0xc0 | cp >> 6;
			buf[1] = 0x80 | (cp & 0x3f);
			n = 2;
		} else if (cp < 0x10000) {
			buf[0] = 0xe0 | cp >> 12;
			buf[1] = 0x80 | (cp >> 6 & 0x3f);
			buf[2] = 0x80 | (cp & 0x3f);
			n = 3;
		} else {
			buf[0] = 0xf0 | cp >> 18;
			buf[1] = 0x80 | (cp >> 12 & 0x3f);
			buf[2] = 0x80 | (cp >> 6 & 0x3f);
			buf[3] = 0x80 | (cp & 0x3f);
			n = 4;
		}
		if (o != NULL) {
			memcpy(o, buf, n);
			o += n;
		}
	}
	j->p++;
	if (outlen != NULL)
		*outlen = o - out;
	return (0);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
jc_number(struct jc *j)
{
	const u_char	*s;

#define JC_DIGIT()	(j->p < j->end && *j->p >= '0' && *j->p <= '9')
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (JC_DIGIT()) {
		while (JC_DIGIT())
			j->p++;
	} else
		return (jc_fail(j, "bad number"));
	if (j->p < j->end && *j->p == '.') {
		s = ++j->p;
		while (JC_DIGIT())
			j->p++;
		if (j->p == s)
			return (jc_fail(j, "bad fraction"));
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		s = j->p;
		while (JC_DIGIT())
			j->p++;
		if (j->p == s)
			return (jc_fail(j, "bad exponent"));
	}
#undef JC_DIGIT
	return (0);
}

static int
jc_literal(struct jc *j, const char *word)
{
	size_t	n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return (jc_fail(j, "unexpected character"));
	j->p += n;
	return (0);
}

static int
jc_value(struct jc *j)
{
	jc_ws(j);
	if (j->p == j->end)
		return (jc_fail(j, "value expected"));
	switch (*j->p) {
	case '{':
		return (jc_object(j));
	case '[':
		return (jc_array(j));
	case '"':
		return (jc_string(j, NULL, NULL));
	case 't':
		return (jc_literal(j, "true"));
	case 'f':
		return (jc_literal(j, "false"));
	case 'n':
		return (jc_literal(j, "null"));
	default:
		return (jc_number(j));
	}
}

static int
jc_array(struct jc *j)
{
	if (++j->depth > JC_DEPTH)
		return (jc_fail(j, "too deep"));
	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		j->depth--;
		return (0);
	}
	for (;;) {
		if (jc_value(j) == -1)
			return (-1);
		jc_ws(j);
		if (j->p == j->end)
			return (jc_fail(j, "unterminated array"));
		if (*j->p++ == ']')
			break;
		if (j->p[-1] != ',')
			return (jc_fail(j, "',' or ']' expected"));
	}
	j->depth--;
	return (0);
}

/* An object; each key is decoded and compared with those before. */
static int
jc_object(struct jc *j)
{
	u_char	**keys = NULL;
	size_t	 *lens = NULL, n = 0, i, room = j->end - j->p;
	int	  rc = -1;

	if (++j->depth > JC_DEPTH)
		return (jc_fail(j, "too deep"));
	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return (0);
	}
	for (;;) {
		jc_ws(j);
		keys = realloc(keys, (n + 1) * sizeof *keys);
		lens = realloc(lens, (n + 1) * sizeof *lens);
		if (keys == NULL || lens == NULL ||
		    (keys[n] = malloc(room)) == NULL) {
			jc_fail(j, "out of memory");
			goto done;
		}
		if (jc_string(j, keys[n], &lens[n]) == -1) {
			free(keys[n]);
			goto done;
		}
		for (i = 0; i < n; i++) {
			if (lens[i] == lens[n] &&
			    memcmp(keys[i], keys[n], lens[n]) == 0) {
				free(keys[n]);
				jc_fail(j, "duplicate key");
				goto done;
			}
		}
		n++;
		jc_ws(j);
		if (j->p == j->end || *j->p++ != ':') {
			jc_fail(j, "':' expected");
			goto done;
		}
		if (jc_value(j) == -1)
			goto done;
		jc_ws(j);
		if (j->p == j->end) {
			jc_fail(j, "unterminated object");
			goto done;
		}
		if (*j->p++ == '}')
			break;
		if (j->p[-1] != ',') {
			jc_fail(j, "',' or '}' expected");
			goto done;
		}
	}
	j->depth--;
	rc = 0;
 done:
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(lens);
	return (rc);
}

/*
 * NULL if the len bytes at s are one JSON object as above (whitespace
 * around it allowed), else what is wrong.
 */
const char *
jsoncheck(const char *s, size_t len)
{
	struct jc	j = { (const u_char *)s, (const u_char *)s + len,
			    NULL, 0 };

	jc_ws(&j);
	if (j.p == j.end || *j.p != '{')
		return ("not an object");
	if (jc_value(&j) == -1)
		return (j.err);
	jc_ws(&j);
	if (j.p != j.end)
		return ("trailing bytes");
	return (NULL);
}

/* In the object at p, the string at path into out; 1 found, 0 not. */
static int
jc_find(struct jc *j, const char *const *path, u_char *out, size_t *outlen)
{
	u_char	*key;
	size_t	 klen;
	int	 found = 0, match;

	if ((key = malloc(j->end - j->p)) == NULL)
		return (jc_fail(j, "out of memory"));
	j->p++;
	jc_ws(j);
	while (j->p < j->end && *j->p != '}') {
		if (jc_string(j, key, &klen) == -1)
			break;
		match = strlen(path[0]) == klen &&
		    memcmp(key, path[0], klen) == 0;
		jc_ws(j);
		j->p++;		/* ':', checked by jsoncheck() */
		jc_ws(j);
		if (match && path[1] == NULL && *j->p == '"')
			found = jc_string(j, out, outlen) == 0;
		else if (match && path[1] != NULL && *j->p == '{')
			found = jc_find(j, path + 1, out, outlen) == 1;
		else if (jc_value(j) == -1)
			break;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			jc_ws(j);
		}
	}
	if (j->p < j->end)
		j->p++;
	free(key);
	return (j->err != NULL ? -1 : found);
}

/*
 * Decode the string member at path (keys, NULL ended) of the object at s
 * into out (room for len bytes).  Returns 1, 0 if there is none (or not
 * a string), -1 if s is not what jsoncheck() accepts.
 */
int
jsoncheck_get(const char *s, size_t len, const char *const *path,
    u_char *out, size_t *outlen)
{
	struct jc	j = { (const u_char *)s, (const u_char *)s + len,
			    NULL, 0 };

	if (jsoncheck(s, len) != NULL)
		return (-1);
	jc_ws(&j);
	return (jc_find(&j, path, out, outlen));
}
