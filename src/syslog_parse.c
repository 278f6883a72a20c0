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
 * The syslog fields of a record (parse = syslog).  Pure: the fields are
 * parts of the record's data, nothing is copied or allocated, and the
 * work is linear in the record's length.
 *
 * A record must start with <PRI>: 1 to 3 digits without a leading zero
 * ("<0>" is the only one that starts with 0), at most 191.  If "1 "
 * follows, it is RFC 5424 and must be so throughout:
 *
 *	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA
 *	    [SP MSG]
 *
 * with the RFC's lengths (255, 48, 128, 32; SD-NAMEs 32), "-" for a
 * field it does not have, TIMESTAMP RFC 3339 (section 6.2.3, but 1 to 9
 * digits of fraction), and a UTF-8 BOM at the start of MSG dropped.
 * Anything else after <PRI> is RFC 3164 as senders write it, which
 * always parses:
 *
 *	<PRI>[TIMESTAMP SP [HOST SP]][TAG[\[PID\]]: ]MSG
 *
 * TIMESTAMP is "Mmm dd hh:mm:ss" (dd space-padded, zero-padded or one
 * digit; seconds may have a fraction of 1 to 6 digits) or an RFC 3339
 * one as above.  TAG is a word (printable ASCII but ':', '[' and ']',
 * not all digits: a Cisco sequence number is no TAG) directly followed
 * by ": ", by ':' at the end, or by "[PID]" and then ": ", ':' at the
 * end, SP or the end.  After a TIMESTAMP, a word that is not such a TAG
 * but is followed by SP (or ends the record) is the HOST, and a TAG may
 * follow it.  A word without ':' or "[PID]" is never the TAG: it stays
 * in MSG (or is the HOST), so nothing is lost to a wrong guess.  Without
 * a TIMESTAMP there is no HOST: "<14>hello" is just MSG, "<14>app: hi"
 * has a TAG.
 */

#include <string.h>

#include "tcplogd.h"

#define SYSLOG_PRI_MAX		191
#define SYSLOG_TIMESTAMP_MAX	64	/* longer is not RFC 3339 */
#define SYSLOG_HOSTNAME_MAX	255	/* RFC 5424 section 6 */
#define SYSLOG_APP_NAME_MAX	48
#define SYSLOG_PROCID_MAX	128
#define SYSLOG_MSGID_MAX	32
#define SYSLOG_SD_NAME_MAX	32
#define SYSLOG_FRAC_MAX		9	/* RFC 5424 says 6; some send 9 */
#define SYSLOG_FRAC3164_MAX	6
#define SYSLOG_NONE		((u_int)-1)

/* PRINTUSASCII of RFC 5424: '!' to '~'. */
#define SYSLOG_PRINT(c)		((c) >= 33 && (c) <= 126)
#define SYSLOG_DIGIT(c)		((c) >= '0' && (c) <= '9')

static void	syslog_set(struct syslog_str *, const u_char *,
		    const u_char *);
static const u_char *syslog_pri(struct syslog_msg *, const u_char *,
		    const u_char *);
static int	syslog_num(const u_char *, size_t, u_int, u_int);
static int	syslog_time3339(const u_char *, const u_char *);
static const u_char *syslog_field(const u_char *, const u_char *, size_t,
		    struct syslog_str *);
static const u_char *syslog_sd_name(const u_char *, const u_char *,
		    struct syslog_str *);
static u_int	syslog_sd_element(struct syslog_msg *,
		    const struct syslog_str *);
static void	syslog_sd_param(struct syslog_msg *, u_int,
		    const struct syslog_str *, const u_char *, const u_char *);
static const u_char *syslog_sd(struct syslog_msg *, const u_char *,
		    const u_char *);
static int	syslog_5424(struct syslog_msg *, const u_char *,
		    const u_char *);
static const u_char *syslog_time3164(const u_char *, const u_char *);
static const u_char *syslog_time(const u_char *, const u_char *);
static const u_char *syslog_tag(struct syslog_msg *, const u_char *,
		    const u_char *);
static void	syslog_3164(struct syslog_msg *, const u_char *,
		    const u_char *);

static const char syslog_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static void
syslog_set(struct syslog_str *s, const u_char *p, const u_char *end)
{
	s->p = p;
	s->len = end - p;
}

/* <PRI> at p; returns what follows it, or NULL. */
static const u_char *
syslog_pri(struct syslog_msg *m, const u_char *p, const u_char *end)
{
	const u_char	*digits;
	u_int		 v = 0;

	if (end - p < 3 || *p != '<')
		return (NULL);
	digits = ++p;
	while (p < end && SYSLOG_DIGIT(*p) && p - digits < 3)
		v = v * 10 + (*p++ - '0');
	if (p == digits || p == end || *p != '>' || v > SYSLOG_PRI_MAX ||
	    (p - digits > 1 && *digits == '0'))
		return (NULL);
	m->pri = v;
	return (p + 1);
}

/* Are the n bytes at p digits, their value from min to max? */
static int
syslog_num(const u_char *p, size_t n, u_int min, u_int max)
{
	u_int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!SYSLOG_DIGIT(p[i]))
			return (0);
		v = v * 10 + (p[i] - '0');
	}
	return (v >= min && v <= max);
}

/*
 * Is [p, end) an RFC 3339 time as RFC 5424 section 6.2.3 has it?
 * YYYY-MM-DDThh:mm:ss[.F](Z|+hh:mm|-hh:mm), F 1 to SYSLOG_FRAC_MAX
 * digits.
 */
static int
syslog_time3339(const u_char *p, const u_char *end)
{
	const u_char	*f;

	if (end - p < 20)
		return (0);
	if (!syslog_num(p, 4, 0, 9999) || p[4] != '-' ||
	    !syslog_num(p + 5, 2, 1, 12) || p[7] != '-' ||
	    !syslog_num(p + 8, 2, 1, 31) || p[10] != 'T' ||
	    !syslog_num(p + 11, 2, 0, 23) || p[13] != ':' ||
	    !syslog_num(p + 14, 2, 0, 59) || p[16] != ':' ||
	    !syslog_num(p + 17, 2, 0, 60))
		return (0);
	p += 19;
	if (*p == '.') {
		f = ++p;
		while (p < end && SYSLOG_DIGIT(*p))
			p++;
		if (p == f || p - f > SYSLOG_FRAC_MAX || p == end)
			return (0);
	}
	if (*p == 'Z')
		return (p + 1 == end);
	return (end - p == 6 && (*p == '+' || *p == '-') &&
	    syslog_num(p + 1, 2, 0, 23) && p[3] == ':' &&
	    syslog_num(p + 4, 2, 0, 59));
}

/*
 * An RFC 5424 header field at p: 1 to max PRINTUSASCII and a SP; "-"
 * leaves *f absent.  Returns what follows the SP, or NULL.
 */
static const u_char *
syslog_field(const u_char *p, const u_char *end, size_t max,
    struct syslog_str *f)
{
	const u_char	*s = p;

	while (p < end && SYSLOG_PRINT(*p))
		p++;
	if (p == s || (size_t)(p - s) > max || p == end || *p != ' ')
		return (NULL);
	if (p - s == 1 && *s == '-')
		f->p = NULL;
	else
		syslog_set(f, s, p);
	return (p + 1);
}

/* An SD-NAME at p (RFC 5424 section 6.3); returns its end, or NULL. */
static const u_char *
syslog_sd_name(const u_char *p, const u_char *end, struct syslog_str *n)
{
	const u_char	*s = p;

	while (p < end && SYSLOG_PRINT(*p) && *p != '=' && *p != ']' &&
	    *p != '"')
		p++;
	if (p == s || p - s > SYSLOG_SD_NAME_MAX)
		return (NULL);
	syslog_set(n, s, p);
	return (p);
}

/*
 * Keep an SD-ELEMENT's SD-ID; returns the index of the first element
 * with this SD-ID (its params are grouped there), or SYSLOG_NONE when
 * the table is full.
 */
static u_int
syslog_sd_element(struct syslog_msg *m, const struct syslog_str *id)
{
	u_int	i, n = m->nsd;

	if (n == SYSLOG_SD_ELEMENTS) {
		m->sd_more = 1;
		return (SYSLOG_NONE);
	}
	m->sd[n] = *id;
	for (i = 0; i < n; i++) {
		if (m->sd[i].len == id->len &&
		    memcmp(m->sd[i].p, id->p, id->len) == 0)
			break;
	}
	m->sd_first[n] = i;
	m->nsd++;
	return (i);
}

/*
 * Keep an SD-PARAM of element e, its value [v, vend), and group it with
 * the earlier ones of the same name in the same SD-ID.
 */
static void
syslog_sd_param(struct syslog_msg *m, u_int e, const struct syslog_str *name,
    const u_char *v, const u_char *vend)
{
	struct syslog_param	*pa;
	u_int			 k, n = m->nparams;

	if (e == SYSLOG_NONE || n == SYSLOG_SD_PARAMS) {
		m->sd_more = 1;
		return;
	}
	pa = &m->params[n];
	pa->name = *name;
	syslog_set(&pa->value, v, vend);
	pa->elem = e;
	pa->first = n;
	pa->count = 1;
	for (k = 0; k < n; k++) {
		if (m->params[k].elem == e &&
		    m->params[k].name.len == name->len &&
		    memcmp(m->params[k].name.p, name->p, name->len) == 0) {
			pa->first = k;
			m->params[k].count++;
			break;
		}
	}
	m->nparams++;
}

/*
 * STRUCTURED-DATA at p (RFC 5424 section 6.3): "-" or SD-ELEMENTs.  A
 * PARAM-VALUE ends at the first '"' not escaped by '\\'.  Returns what
 * follows, or NULL.
 */
static const u_char *
syslog_sd(struct syslog_msg *m, const u_char *p, const u_char *end)
{
	struct syslog_str	 id, name;
	const u_char		*v;
	u_int			 e;

	if (p < end && *p == '-')
		return (p + 1);
	if (p == end || *p != '[')
		return (NULL);
	while (p < end && *p == '[') {
		if ((p = syslog_sd_name(p + 1, end, &id)) == NULL)
			return (NULL);
		e = syslog_sd_element(m, &id);
		while (p < end && *p == ' ') {
			if ((p = syslog_sd_name(p + 1, end, &name)) == NULL ||
			    end - p < 2 || p[0] != '=' || p[1] != '"')
				return (NULL);
			v = p += 2;
			while (p < end && *p != '"') {
				if (*p == '\\' && end - p >= 2)
					p++;
				p++;
			}
			if (p == end)
				return (NULL);
			syslog_sd_param(m, e, &name, v, p);
			p++;
		}
		if (p == end || *p != ']')
			return (NULL);
		p++;
	}
	return (p);
}

/* An RFC 5424 message after "<PRI>1 "; 0, or -1 if it breaks. */
static int
syslog_5424(struct syslog_msg *m, const u_char *p, const u_char *end)
{
	const struct syslog_str	*ts = &m->timestamp;

	if ((p = syslog_field(p, end, SYSLOG_TIMESTAMP_MAX,
	    &m->timestamp)) == NULL ||
	    (ts->p != NULL && !syslog_time3339(ts->p, ts->p + ts->len)) ||
	    (p = syslog_field(p, end, SYSLOG_HOSTNAME_MAX,
	    &m->hostname)) == NULL ||
	    (p = syslog_field(p, end, SYSLOG_APP_NAME_MAX,
	    &m->app_name)) == NULL ||
	    (p = syslog_field(p, end, SYSLOG_PROCID_MAX,
	    &m->procid)) == NULL ||
	    (p = syslog_field(p, end, SYSLOG_MSGID_MAX, &m->msgid)) == NULL ||
	    (p = syslog_sd(m, p, end)) == NULL)
		return (-1);
	if (p == end)
		return (0);
	if (*p++ != ' ')
		return (-1);
	/* RFC 5424 section 6.4: MSG may start with a BOM. */
	if (end - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	if (p < end)
		syslog_set(&m->msg, p, end);
	return (0);
}

/*
 * A BSD timestamp at p (RFC 3164 section 4.1.2), "Mmm dd hh:mm:ss", the
 * day space-padded, zero-padded or of one digit, the seconds perhaps
 * with a fraction; then SP or the end.  Returns its end, or NULL.
 */
static const u_char *
syslog_time3164(const u_char *p, const u_char *end)
{
	const u_char	*f;
	int		 i;

	if (end - p < 14 || p[3] != ' ')
		return (NULL);
	for (i = 0; i < 36; i += 3) {
		if (memcmp(p, syslog_months + i, 3) == 0)
			break;
	}
	if (i == 36)
		return (NULL);
	p += 4;
	if (p[0] == ' ' && syslog_num(p + 1, 1, 1, 9))
		p += 2;
	else if (syslog_num(p, 2, 1, 31))
		p += 2;
	else if (syslog_num(p, 1, 1, 9))
		p++;
	else
		return (NULL);
	if (end - p < 9 || p[0] != ' ' || !syslog_num(p + 1, 2, 0, 23) ||
	    p[3] != ':' || !syslog_num(p + 4, 2, 0, 59) || p[6] != ':' ||
	    !syslog_num(p + 7, 2, 0, 60))
		return (NULL);
	p += 9;
	if (p < end && *p == '.') {
		f = ++p;
		while (p < end && SYSLOG_DIGIT(*p))
			p++;
		if (p == f || p - f > SYSLOG_FRAC3164_MAX)
			return (NULL);
	}
	return (p == end || *p == ' ' ? p : NULL);
}

/*
 * An RFC 3164 TIMESTAMP at p, BSD or RFC 3339 (rsyslog's forwarding
 * templates), followed by SP or the end; returns its end, or NULL.
 */
static const u_char *
syslog_time(const u_char *p, const u_char *end)
{
	const u_char	*t;

	if ((t = syslog_time3164(p, end)) != NULL)
		return (t);
	if (p == end || !SYSLOG_DIGIT(*p))
		return (NULL);
	for (t = p; t < end && *t != ' ' && t - p <= SYSLOG_TIMESTAMP_MAX; t++)
		;
	return (syslog_time3339(p, t) ? t : NULL);
}

/*
 * TAG[PID] at p (see the top of the file); sets app_name and procid and
 * returns where MSG starts, or NULL if there is no TAG.
 */
static const u_char *
syslog_tag(struct syslog_msg *m, const u_char *p, const u_char *end)
{
	const u_char	*tag = p, *tag_end, *pid = NULL, *pid_end = NULL;
	int		 digits = 1;

	while (p < end && SYSLOG_PRINT(*p) && *p != ':' && *p != '[' &&
	    *p != ']') {
		if (!SYSLOG_DIGIT(*p))
			digits = 0;
		p++;
	}
	if (p == tag || digits || p == end)
		return (NULL);
	tag_end = p;
	if (*p == '[') {
		pid = ++p;
		while (p < end && SYSLOG_PRINT(*p) && *p != '[' && *p != ']')
			p++;
		if (p == pid || p == end || *p != ']')
			return (NULL);
		pid_end = p++;
		if (p < end && *p == ':')
			p++;
	} else if (*p == ':')
		p++;
	else
		return (NULL);
	if (p < end && *p++ != ' ')
		return (NULL);
	syslog_set(&m->app_name, tag, tag_end);
	if (pid != NULL)
		syslog_set(&m->procid, pid, pid_end);
	return (p);
}

/* An RFC 3164 message after <PRI>: always parses. */
static void
syslog_3164(struct syslog_msg *m, const u_char *p, const u_char *end)
{
	const u_char	*t, *w;

	if ((t = syslog_time(p, end)) != NULL) {
		syslog_set(&m->timestamp, p, t);
		p = t < end ? t + 1 : t;
		if ((t = syslog_tag(m, p, end)) == NULL) {
			for (w = p; w < end && SYSLOG_PRINT(*w); w++)
				;
			if (w > p && (w == end || *w == ' ')) {
				syslog_set(&m->hostname, p, w);
				p = w < end ? w + 1 : w;
				t = syslog_tag(m, p, end);
			}
		}
	} else
		t = syslog_tag(m, p, end);
	if (t != NULL)
		p = t;
	if (p < end)
		syslog_set(&m->msg, p, end);
}

/*
 * Parse len bytes at data into *m.  Returns 0, or -1 if they are no
 * syslog message: no <PRI>, a bad one, or a broken RFC 5424 header.
 */
int
syslog_parse(struct syslog_msg *m, const u_char *data, size_t len)
{
	static const struct syslog_str	 none;
	const u_char			*p, *end;

	m->timestamp = m->hostname = m->app_name = m->procid = m->msgid =
	    m->msg = none;
	m->nsd = m->nparams = 0;
	m->sd_more = 0;
	/* An empty record may have no data pointer at all. */
	if (len < 3)
		return (-1);
	end = data + len;
	if ((p = syslog_pri(m, data, end)) == NULL)
		return (-1);
	if (end - p >= 2 && p[0] == '1' && p[1] == ' ')
		return (syslog_5424(m, p + 2, end));
	syslog_3164(m, p, end);
	return (0);
}
