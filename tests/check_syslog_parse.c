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
 * Unit tests of syslog_parse.c: a table of messages as real senders
 * write them (util-linux logger, rsyslog's forwarding templates,
 * Python's SysLogHandler, journald, musl and busybox, Cisco-like ones,
 * the RFC 5424 examples), every field checked, and inputs that are no
 * syslog message.  Then the tables' limits, the grouping of repeated
 * SD-IDs and names, every cut of a message, and parse = syslog through
 * conn_emit() and conn_emit_lines(): parse_errors, and the pieces of a
 * split record.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"

#define IN(s)		(s), sizeof (s) - 1

/* One message and what it must parse to; NULL: the field is absent. */
struct want {
	const char	*sender;
	const char	*in;
	size_t		 len;
	u_int		 pri;
	const char	*timestamp;
	const char	*hostname;
	const char	*app_name;
	const char	*procid;
	const char	*msgid;
	const char	*sd;		/* as sd_string() has it */
	const char	*msg;
};

static void	 check_field(const char *, const char *,
		    const struct syslog_str *, const char *);
static char	*sd_string(const struct syslog_msg *);
static void	 check_want(const struct want *);

static const struct want good[] = {
	{ "logger (util-linux 2.38), default RFC 5424",
	  IN("<134>1 2026-12-04T19:05:33.714507+00:00 vm myapp - - "
	  "[timeQuality tzKnown=\"1\" isSynced=\"0\"] hello default"),
	  134, "2026-12-04T19:05:33.714507+00:00", "vm", "myapp", NULL, NULL,
	  "[timeQuality]timeQuality.tzKnown=1;timeQuality.isSynced=0;",
	  "hello default" },
	{ "logger --rfc3164 -t myapp",
	  IN("<13>Dec  4 19:05:33 vm myapp: hello 3164"),
	  13, "Dec  4 19:05:33", "vm", "myapp", NULL, NULL, NULL,
	  "hello 3164" },
	{ "logger --rfc3164 -i",
	  IN("<13>Dec  4 19:05:33 vm root[29569]: with pid"),
	  13, "Dec  4 19:05:33", "vm", "root", "29569", NULL, NULL,
	  "with pid" },
	{ "logger --rfc5424=notq -i --msgid --sd-id --sd-param",
	  IN("<13>1 2026-12-04T19:05:33.753394+00:00 vm myapp 29566 ID47 "
	  "[zoo@123 tiger=\"hungry\" zebra=\"str\\\"ipes\"] hello sd"),
	  13, "2026-12-04T19:05:33.753394+00:00", "vm", "myapp", "29566",
	  "ID47", "[zoo@123]zoo@123.tiger=hungry;zoo@123.zebra=str\\\"ipes;",
	  "hello sd" },
	{ "Python SysLogHandler, no ident",
	  IN("<12>py hello"),
	  12, NULL, NULL, NULL, NULL, NULL, NULL, "py hello" },
	{ "Python SysLogHandler, ident 'myapp: '",
	  IN("<11>myapp: py ident"),
	  11, NULL, NULL, "myapp", NULL, NULL, NULL, "py ident" },
	{ "Python SysLogHandler, a message that starts with a URL",
	  IN("<14>http://example.com/ is down"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL,
	  "http://example.com/ is down" },
	{ "rsyslog RSYSLOG_ForwardFormat",
	  IN("<38>2026-12-04T19:05:33.714507+01:00 vm sshd[812]: Accepted "
	  "publickey for root"),
	  38, "2026-12-04T19:05:33.714507+01:00", "vm", "sshd", "812", NULL,
	  NULL, "Accepted publickey for root" },
	{ "rsyslog RSYSLOG_TraditionalForwardFormat",
	  IN("<38>Dec  4 19:05:33 vm sshd[812]: Accepted publickey for root"),
	  38, "Dec  4 19:05:33", "vm", "sshd", "812", NULL, NULL,
	  "Accepted publickey for root" },
	{ "rsyslog RSYSLOG_SyslogProtocol23Format (msg keeps its SP)",
	  IN("<38>1 2026-12-04T19:05:33.714507+01:00 vm sshd 812 - -  "
	  "Accepted publickey for root"),
	  38, "2026-12-04T19:05:33.714507+01:00", "vm", "sshd", "812", NULL,
	  NULL, " Accepted publickey for root" },
	{ "systemd-journald ForwardToSyslog (no HOST)",
	  IN("<30>Dec  4 19:05:33 systemd[1]: Started Session 1 of User "
	  "root."),
	  30, "Dec  4 19:05:33", NULL, "systemd", "1", NULL, NULL,
	  "Started Session 1 of User root." },
	{ "systemd-journald, two-digit day",
	  IN("<38>Dec 14 09:05:03 sshd[99]: Connection closed"),
	  38, "Dec 14 09:05:03", NULL, "sshd", "99", NULL, NULL,
	  "Connection closed" },
	{ "journal forwarder in RFC 5424 (systemd-netlogd style)",
	  IN("<30>1 2026-12-04T19:05:33.714507Z vm systemd 1 - - Started "
	  "foo.service."),
	  30, "2026-12-04T19:05:33.714507Z", "vm", "systemd", "1", NULL,
	  NULL, "Started foo.service." },
	{ "busybox logger / musl syslog(3)",
	  IN("<13>Dec  4 19:05:33 root: hello"),
	  13, "Dec  4 19:05:33", NULL, "root", NULL, NULL, NULL, "hello" },
	{ "Cisco-like: sequence number, no TIMESTAMP",
	  IN("<189>52: *Mar  1 00:00:33.123: %SYS-5-CONFIG_I: Configured "
	  "from console by vty0 (10.0.0.1)"),
	  189, NULL, NULL, NULL, NULL, NULL, NULL,
	  "52: *Mar  1 00:00:33.123: %SYS-5-CONFIG_I: Configured from "
	  "console by vty0 (10.0.0.1)" },
	{ "Cisco-like: HOST and a mnemonic as TAG",
	  IN("<187>Mar  1 00:00:33 router1 %LINK-3-UPDOWN: Interface "
	  "Gi0/1, changed state to up"),
	  187, "Mar  1 00:00:33", "router1", "%LINK-3-UPDOWN", NULL, NULL,
	  NULL, "Interface Gi0/1, changed state to up" },
	{ "Cisco-like: milliseconds, no HOST",
	  IN("<190>Mar 14 12:00:00.123 %SEC-6-IPACCESSLOGP: list 101 "
	  "denied"),
	  190, "Mar 14 12:00:00.123", NULL, "%SEC-6-IPACCESSLOGP", NULL,
	  NULL, NULL, "list 101 denied" },
	{ "3164 without a colon: the word stays in MSG",
	  IN("<13>Dec  4 19:05:33 vm myscript hello world"),
	  13, "Dec  4 19:05:33", "vm", NULL, NULL, NULL, NULL,
	  "myscript hello world" },
	{ "3164, TAG[PID] without a colon",
	  IN("<13>Dec  4 19:05:33 vm cron[7] job done"),
	  13, "Dec  4 19:05:33", "vm", "cron", "7", NULL, NULL, "job done" },
	{ "3164, day without padding",
	  IN("<13>Dec 4 19:05:33 vm app: x"),
	  13, "Dec 4 19:05:33", "vm", "app", NULL, NULL, NULL, "x" },
	{ "3164, zero-padded day, IPv6 HOST",
	  IN("<13>Dec 04 19:05:33 fe80::1 app[7]: x"),
	  13, "Dec 04 19:05:33", "fe80::1", "app", "7", NULL, NULL, "x" },
	{ "3164, TAG with a slash",
	  IN("<22>Dec  4 19:05:33 mx postfix/smtpd[1234]: connect from x"),
	  22, "Dec  4 19:05:33", "mx", "postfix/smtpd", "1234", NULL, NULL,
	  "connect from x" },
	{ "3164, TIMESTAMP only",
	  IN("<13>Dec  4 19:05:33"),
	  13, "Dec  4 19:05:33", NULL, NULL, NULL, NULL, NULL, NULL },
	{ "3164, TIMESTAMP and HOST only",
	  IN("<13>Dec  4 19:05:33 vm"),
	  13, "Dec  4 19:05:33", "vm", NULL, NULL, NULL, NULL, NULL },
	{ "3164, TAG and no MSG",
	  IN("<13>Dec  4 19:05:33 vm app:"),
	  13, "Dec  4 19:05:33", "vm", "app", NULL, NULL, NULL, NULL },
	{ "not a TIMESTAMP (bad month): no HOST",
	  IN("<13>Foo  4 19:05:33 vm app: x"),
	  13, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Foo  4 19:05:33 vm app: x" },
	{ "no TIMESTAMP: no HOST, even before a TAG",
	  IN("<13>vm app: x"),
	  13, NULL, NULL, NULL, NULL, NULL, NULL, "vm app: x" },
	{ "<0>: kern.emerg",
	  IN("<0>panic"),
	  0, NULL, NULL, NULL, NULL, NULL, NULL, "panic" },
	{ "<191>: local7.debug, empty MSG",
	  IN("<191>"),
	  191, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "version 2 is not RFC 5424: 3164 MSG",
	  IN("<14>2 apples"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, "2 apples" },
	{ "RFC 5424 example 1 (BOM)",
	  IN("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 "
	  "- \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8"),
	  34, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "su", NULL,
	  "ID47", NULL, "'su root' failed for lonvick on /dev/pts/8" },
	{ "RFC 5424 example 2",
	  IN("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 "
	  "- - %% It's time to make the do-nuts."),
	  165, "2003-08-24T05:14:15.000003-07:00", "192.0.2.1", "myproc",
	  "8710", NULL, NULL, "%% It's time to make the do-nuts." },
	{ "RFC 5424 example 3 (SD and BOM)",
	  IN("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog "
	  "- ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	  "eventID=\"1011\"] \xef\xbb\xbf" "An application event log entry"),
	  165, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "evntslog",
	  NULL, "ID47", "[exampleSDID@32473]exampleSDID@32473.iut=3;"
	  "exampleSDID@32473.eventSource=Application;"
	  "exampleSDID@32473.eventID=1011;",
	  "An application event log entry" },
	{ "RFC 5424 example 4 (two SD elements, no MSG)",
	  IN("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog "
	  "- ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	  "eventID=\"1011\"][examplePriority@32473 class=\"high\"]"),
	  165, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "evntslog",
	  NULL, "ID47", "[exampleSDID@32473][examplePriority@32473]"
	  "exampleSDID@32473.iut=3;exampleSDID@32473.eventSource=Application;"
	  "exampleSDID@32473.eventID=1011;examplePriority@32473.class=high;",
	  NULL },
	{ "RFC 5424, every field NILVALUE",
	  IN("<14>1 - - - - - -"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "RFC 5424, SP and no MSG",
	  IN("<14>1 - - - - - - "),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "RFC 5424, only a BOM as MSG",
	  IN("<14>1 - - - - - - \xef\xbb\xbf"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "RFC 5424, a BOM later in MSG stays",
	  IN("<14>1 - - - - - - a\xef\xbb\xbf"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, "a\xef\xbb\xbf" },
	{ "RFC 5424, SD escapes kept raw, ']' in a value",
	  IN("<14>1 - - - - - [a@1 x=\"q\\\"b\\\\c\\]d\" y=\"\\n]\"] m"),
	  14, NULL, NULL, NULL, NULL, NULL,
	  "[a@1]a@1.x=q\\\"b\\\\c\\]d;a@1.y=\\n];", "m" },
	{ "RFC 5424, empty values, an element without params",
	  IN("<14>1 - - - - - [a x=\"\"][b] m"),
	  14, NULL, NULL, NULL, NULL, NULL, "[a][b]a.x=;", "m" },
	{ "RFC 5424, SD '-' and a MSG that looks like SD",
	  IN("<14>1 - - - - - - [b]"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, "[b]" },
	{ "RFC 5424, nine digits of fraction",
	  IN("<14>1 2026-12-04T19:05:33.123456789Z h a - - - x"),
	  14, "2026-12-04T19:05:33.123456789Z", "h", "a", NULL, NULL, NULL,
	  "x" },
	{ "RFC 5424, leap second, longest fields",
	  IN("<14>1 2016-12-31T23:59:60Z h "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa - "
	  "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm "
	  "[nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn "
	  "pppppppppppppppppppppppppppppppp=\"v\"]"),
	  14, "2016-12-31T23:59:60Z", "h",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
	  "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
	  "[nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn]nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn."
	  "pppppppppppppppppppppppppppppppp=v;", NULL },
	{ "RFC 5424, MSG with invalid UTF-8 and controls",
	  IN("<14>1 - - - - - - \xff\x01\n"),
	  14, NULL, NULL, NULL, NULL, NULL, NULL, "\xff\x01" },
	{ "rsyslog's RFC 5424 template, octet-counted: one LF dropped",
	  IN("<157>1 2026-12-04T19:00:22.380743+00:00 fwdhost seqapp - - - "
	  "seq 1\n\n"),
	  157, "2026-12-04T19:00:22.380743+00:00", "fwdhost", "seqapp",
	  NULL, NULL, NULL, "seq 1\n" },
};

/* Inputs that are no syslog message. */
static const struct {
	const char	*why;
	const char	*in;
	size_t		 len;
} bad[] = {
	{ "empty", IN("") },
	{ "text", IN("hello world") },
	{ "short", IN("<1") },
	{ "no PRI digits", IN("<>x") },
	{ "PRI 192", IN("<192>x") },
	{ "PRI 999", IN("<999>x") },
	{ "leading zero", IN("<013>x") },
	{ "two zeros", IN("<00>x") },
	{ "four digits", IN("<1234>x") },
	{ "not a digit", IN("<1a>x") },
	{ "no '>'", IN("<13") },
	{ "no '>' after 3 digits", IN("<134") },
	{ "space in PRI", IN("< 13>x") },
	{ "5424, no header", IN("<13>1 ") },
	{ "5424, header cut", IN("<13>1 - h a p") },
	{ "5424, no SD", IN("<13>1 - h a p m") },
	{ "5424, no SD after SP", IN("<13>1 - h a p m ") },
	{ "5424, month 13", IN("<13>1 2026-13-04T19:05:33Z h a - - - x") },
	{ "5424, day 0", IN("<13>1 2026-12-00T19:05:33Z h a - - - x") },
	{ "5424, hour 24", IN("<13>1 2026-12-04T24:05:33Z h a - - - x") },
	{ "5424, lowercase t", IN("<13>1 2026-12-04t19:05:33Z h a - - - x") },
	{ "5424, no zone", IN("<13>1 2026-12-04T19:05:33 h a - - - x") },
	{ "5424, zone +1:00",
	  IN("<13>1 2026-12-04T19:05:33+1:00 h a - - - x") },
	{ "5424, empty fraction",
	  IN("<13>1 2026-12-04T19:05:33.Z h a - - - x") },
	{ "5424, ten digits of fraction",
	  IN("<13>1 2026-12-04T19:05:33.1234567890Z h a - - - x") },
	{ "5424, BSD TIMESTAMP", IN("<13>1 Dec  4 19:05:33 h a - - - x") },
	{ "5424, two SPs", IN("<13>1 -  h a - - - x") },
	{ "5424, APP-NAME of 49",
	  IN("<13>1 - h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	  "- - - x") },
	{ "5424, MSGID of 33",
	  IN("<13>1 - h a - mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm - x") },
	{ "5424, SD-NAME of 33",
	  IN("<13>1 - h a - - [nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn] x") },
	{ "5424, a control in a field", IN("<13>1 - h\001 a - - - x") },
	{ "5424, SD cut", IN("<13>1 - - - - - [x") },
	{ "5424, empty SD-ID", IN("<13>1 - - - - - [] x") },
	{ "5424, param without '='", IN("<13>1 - - - - - [a b] x") },
	{ "5424, value not quoted", IN("<13>1 - - - - - [a b=c] x") },
	{ "5424, value not ended", IN("<13>1 - - - - - [a b=\"c]") },
	{ "5424, escaped end quote", IN("<13>1 - - - - - [a b=\"c\\\"]") },
	{ "5424, lone backslash at the end", IN("<13>1 - - - - - [a b=\"c\\") },
	{ "5424, two SPs before a param", IN("<13>1 - - - - - [a  b=\"c\"]") },
	{ "5424, SP before ']'", IN("<13>1 - - - - - [a b=\"c\" ]") },
	{ "5424, '=' in SD-ID", IN("<13>1 - - - - - [a=b] x") },
	{ "5424, no SP before MSG", IN("<13>1 - - - - - [a]x") },
	{ "5424, '-x' as SD", IN("<13>1 - - - - - -x") },
};

/* A field is absent (want NULL) or exactly want. */
static void
check_field(const char *sender, const char *name,
    const struct syslog_str *f, const char *want)
{
	if (want == NULL) {
		if (f->p != NULL)
			ck_abort_msg("%s: %s is '%.*s', want none", sender,
			    name, (int)f->len, f->p);
		return;
	}
	if (f->p == NULL)
		ck_abort_msg("%s: no %s, want '%s'", sender, name, want);
	if (f->len != strlen(want) || memcmp(f->p, want, f->len) != 0)
		ck_abort_msg("%s: %s is '%.*s', want '%s'", sender, name,
		    (int)f->len, f->p, want);
}

/*
 * "[ID]..." for each element in order, then "ID.NAME=VALUE;" for each
 * param, ID that of its group, VALUE with its escapes; NULL if none.
 */
static char *
sd_string(const struct syslog_msg *m)
{
	char	*s = NULL, *t;
	u_int	 i;

	if (m->nsd == 0)
		return (NULL);
	s = xstrdup("");
	for (i = 0; i < m->nsd; i++) {
		xasprintf(&t, "%s[%.*s]", s, (int)m->sd[i].len, m->sd[i].p);
		free(s);
		s = t;
	}
	for (i = 0; i < m->nparams; i++) {
		xasprintf(&t, "%s%.*s.%.*s=%.*s;", s,
		    (int)m->sd[m->params[i].elem].len,
		    m->sd[m->params[i].elem].p,
		    (int)m->params[i].name.len, m->params[i].name.p,
		    (int)m->params[i].value.len, m->params[i].value.p);
		free(s);
		s = t;
	}
	return (s);
}

static void
check_want(const struct want *w)
{
	struct syslog_msg	 m;
	const u_char		*in = (const u_char *)w->in;
	const u_char		*end = in + w->len;
	const struct syslog_str	*f[] = { &m.timestamp, &m.hostname,
				    &m.app_name, &m.procid, &m.msgid, &m.msg };
	char			*sd;
	size_t			 i;

	memset(&m, 0xa5, sizeof m);
	if (syslog_parse(&m, in, w->len) != 0)
		ck_abort_msg("%s: does not parse", w->sender);
	ck_assert_msg(m.pri == w->pri, "%s: pri %u, want %u", w->sender,
	    m.pri, w->pri);
	check_field(w->sender, "timestamp", &m.timestamp, w->timestamp);
	check_field(w->sender, "hostname", &m.hostname, w->hostname);
	check_field(w->sender, "app_name", &m.app_name, w->app_name);
	check_field(w->sender, "procid", &m.procid, w->procid);
	check_field(w->sender, "msgid", &m.msgid, w->msgid);
	check_field(w->sender, "msg", &m.msg, w->msg);
	ck_assert_msg(m.sd_more == 0, "%s: sd_more", w->sender);
	sd = sd_string(&m);
	if (w->sd == NULL ? sd != NULL : sd == NULL || strcmp(sd, w->sd) != 0)
		ck_abort_msg("%s: SD '%s', want '%s'", w->sender,
		    sd ? sd : "(none)", w->sd ? w->sd : "(none)");
	free(sd);
	/* Every field is a part of the input, never a copy. */
	for (i = 0; i < nitems(f); i++) {
		if (f[i]->p != NULL)
			ck_assert(f[i]->p >= in && f[i]->p + f[i]->len <= end);
	}
}

START_TEST(test_parse_senders)
{
	check_want(&good[_i]);
}
END_TEST

START_TEST(test_parse_bad)
{
	struct syslog_msg	m;

	if (syslog_parse(&m, (const u_char *)bad[_i].in, bad[_i].len) != -1)
		ck_abort_msg("%s: '%s' parses", bad[_i].why, bad[_i].in);
}
END_TEST

/* An empty record may come without a data pointer. */
START_TEST(test_parse_null)
{
	struct syslog_msg	m;

	ck_assert_int_eq(syslog_parse(&m, NULL, 0), -1);
}
END_TEST

/* Every PRI from <0> to <191> gives its facility and severity. */
START_TEST(test_parse_every_pri)
{
	struct syslog_msg	m;
	char			buf[16];
	int			pri, n;

	for (pri = 0; pri <= 191; pri++) {
		n = snprintf(buf, sizeof buf, "<%d>x", pri);
		ck_assert_int_eq(syslog_parse(&m, (u_char *)buf, n), 0);
		ck_assert_uint_eq(m.pri, pri);
		check_field("every pri", "msg", &m.msg, "x");
	}
}
END_TEST

/*
 * Every prefix of the messages parses or not, never reads past its end
 * (ASan), and keeps its fields within it.
 */
START_TEST(test_parse_prefixes)
{
	struct syslog_msg	 m;
	const struct want	*w = &good[_i];
	u_char			*copy;
	size_t			 n;

	for (n = 0; n <= w->len; n++) {
		copy = xmalloc(n + 1);
		memcpy(copy, w->in, n);
		if (syslog_parse(&m, copy, n) == 0 && m.msg.p != NULL)
			ck_assert(m.msg.p >= copy &&
			    m.msg.p + m.msg.len <= copy + n);
		free(copy);
	}
}
END_TEST

/* A repeated SD-ID groups with its first; repeated names are counted. */
START_TEST(test_parse_sd_groups)
{
	static const char	 in[] = "<14>1 - - - - - [a x=\"1\" y=\"2\" "
	    "x=\"3\"][b x=\"4\"][a x=\"5\" z=\"6\"] m";
	struct syslog_msg	 m;

	ck_assert_int_eq(syslog_parse(&m, (const u_char *)in,
	    sizeof in - 1), 0);
	ck_assert_uint_eq(m.nsd, 3);
	ck_assert_uint_eq(m.sd_first[0], 0);
	ck_assert_uint_eq(m.sd_first[1], 1);
	ck_assert_uint_eq(m.sd_first[2], 0);
	ck_assert_uint_eq(m.nparams, 6);
	/* a.x: params 0, 2 and 4; a.y 1; b.x 3; a.z 5. */
	ck_assert_uint_eq(m.params[0].elem, 0);
	ck_assert_uint_eq(m.params[0].first, 0);
	ck_assert_uint_eq(m.params[0].count, 3);
	ck_assert_uint_eq(m.params[1].first, 1);
	ck_assert_uint_eq(m.params[1].count, 1);
	ck_assert_uint_eq(m.params[2].first, 0);
	ck_assert_uint_eq(m.params[3].elem, 1);
	ck_assert_uint_eq(m.params[3].first, 3);
	ck_assert_uint_eq(m.params[3].count, 1);
	ck_assert_uint_eq(m.params[4].elem, 0);
	ck_assert_uint_eq(m.params[4].first, 0);
	ck_assert_uint_eq(m.params[5].elem, 0);
	ck_assert_uint_eq(m.params[5].first, 5);
	ck_assert_int_eq(m.sd_more, 0);
}
END_TEST

/*
 * More elements or params than the tables hold: the message still
 * parses (all of it is checked), the rest is left out and said.
 */
START_TEST(test_parse_sd_limits)
{
	struct syslog_msg	 m;
	char			*in, *t;
	int			 i, n;

	/* Exactly full: nothing left out. */
	in = xstrdup("<14>1 - - - - - ");
	for (i = 0; i < SYSLOG_SD_ELEMENTS; i++) {
		xasprintf(&t, "%s[e%d]", in, i);
		free(in);
		in = t;
	}
	ck_assert_int_eq(syslog_parse(&m, (u_char *)in, strlen(in)), 0);
	ck_assert_uint_eq(m.nsd, SYSLOG_SD_ELEMENTS);
	ck_assert_int_eq(m.sd_more, 0);
	/* One more element, with a param. */
	xasprintf(&t, "%s[more x=\"1\"] msg", in);
	free(in);
	in = t;
	ck_assert_int_eq(syslog_parse(&m, (u_char *)in, strlen(in)), 0);
	ck_assert_uint_eq(m.nsd, SYSLOG_SD_ELEMENTS);
	ck_assert_uint_eq(m.nparams, 0);
	ck_assert_int_eq(m.sd_more, 1);
	check_field("limits", "msg", &m.msg, "msg");
	free(in);

	/* Params: exactly full, then one more; then a broken one. */
	for (n = SYSLOG_SD_PARAMS; n <= SYSLOG_SD_PARAMS + 2; n++) {
		in = xstrdup("<14>1 - - - - - [a");
		for (i = 0; i < n; i++) {
			xasprintf(&t, "%s p%d=\"%d\"", in, i, i);
			free(in);
			in = t;
		}
		xasprintf(&t, "%s%s] m", in, n == SYSLOG_SD_PARAMS + 2 ?
		    " x" : "");
		free(in);
		in = t;
		ck_assert_int_eq(syslog_parse(&m, (u_char *)in, strlen(in)),
		    n == SYSLOG_SD_PARAMS + 2 ? -1 : 0);
		if (n <= SYSLOG_SD_PARAMS + 1) {
			ck_assert_uint_eq(m.nparams, SYSLOG_SD_PARAMS);
			ck_assert_int_eq(m.sd_more, n > SYSLOG_SD_PARAMS);
		}
		free(in);
	}
}
END_TEST

/* A connection of listener "main" with parse = syslog and JSON output. */
static struct fake *
parse_fake(size_t max_line, enum lconf_overlong overlong)
{
	struct fake	*f;

	f = fake_new(MODE_LINE, max_line, overlong);
	f->lc->parse = PARSE_SYSLOG;
	f->lc->format = FORMAT_JSON;
	return (f);
}

#define JD	"{\"listener\":\"main\",\"peer\":\"127.0.0.1:5555\"," \
		"\"peer_ip\":\"127.0.0.1\",\"peer_port\":5555," \
		"\"event\":\"data\","

/*
 * Lines of one read (conn_emit_lines()) and a partial one (conn_emit())
 * each get their own fields; those that do not parse are counted and
 * written as they are.
 */
START_TEST(test_conn_parse)
{
	static const char	 in[] = "<13>Dec  4 19:05:33 vm a[1]: one\n"
	    "not syslog\n<14>1 - - - - - - two\n<14>1 broken\n<0>three";
	struct fake		*f;
	char			*out;

	f = parse_fake(1024, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	fake_eof(f, CONN_EOF);
	out = fake_output(f);
	ck_assert_str_eq(out,
	    JD "\"data\":\"<13>Dec  4 19:05:33 vm a[1]: one\",\"syslog\":{"
	    "\"facility\":\"user\",\"severity\":\"notice\",\"timestamp\":"
	    "\"Dec  4 19:05:33\",\"hostname\":\"vm\",\"app_name\":\"a\","
	    "\"procid\":\"1\",\"msg\":\"one\"}}\n"
	    JD "\"data\":\"not syslog\"}\n"
	    JD "\"data\":\"<14>1 - - - - - - two\",\"syslog\":{"
	    "\"facility\":\"user\",\"severity\":\"info\",\"msg\":\"two\"}}\n"
	    JD "\"data\":\"<14>1 broken\"}\n"
	    JD "\"data\":\"<0>three\",\"partial\":true,\"syslog\":{"
	    "\"facility\":\"kern\",\"severity\":\"emerg\",\"msg\":\"three\"}}"
	    "\n");
	ck_assert_uint_eq(f->l.stats.parse_errors, 2);
	ck_assert_uint_eq(f->l.stats.records, 5);
	free(out);
	fake_free(f);
}
END_TEST

/*
 * parse = none: nothing is parsed or counted.  Text output with parse =
 * syslog is unchanged.
 */
START_TEST(test_conn_parse_off)
{
	static const char	 in[] = "<13>x: one\nnot syslog\n";
	struct fake		*f;
	char			*out;

	f = fake_new(MODE_LINE, 1024, OVERLONG_TRUNCATE);
	f->lc->format = FORMAT_JSON;
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, JD "\"data\":\"<13>x: one\"}\n"
	    JD "\"data\":\"not syslog\"}\n");
	ck_assert_uint_eq(f->l.stats.parse_errors, 0);
	free(out);
	fake_free(f);

	f = parse_fake(1024, OVERLONG_TRUNCATE);
	f->lc->format = FORMAT_TEXT;
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out, "main 127.0.0.1:5555: <13>x: one\n"
	    "main 127.0.0.1:5555: not syslog\n");
	ck_assert_uint_eq(f->l.stats.parse_errors, 1);
	free(out);
	fake_free(f);
}
END_TEST

/*
 * A split record: its first piece is parsed, the pieces that continue
 * it are neither parsed nor counted; the next record is parsed again.
 * A truncated record is parsed as far as it goes.
 */
START_TEST(test_conn_parse_split)
{
	static const char	 in[] = "<13>app: 0123456789abcdef\n<14>x\n";
	struct fake		*f;
	char			*out;

	f = parse_fake(10, OVERLONG_SPLIT);
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out,
	    JD "\"data\":\"<13>app: 0\",\"split\":true,\"syslog\":{"
	    "\"facility\":\"user\",\"severity\":\"notice\",\"app_name\":"
	    "\"app\",\"msg\":\"0\"}}\n"
	    JD "\"data\":\"123456789a\",\"split\":true}\n"
	    JD "\"data\":\"bcdef\"}\n"
	    JD "\"data\":\"<14>x\",\"syslog\":{\"facility\":\"user\","
	    "\"severity\":\"info\",\"msg\":\"x\"}}\n");
	ck_assert_uint_eq(f->l.stats.parse_errors, 0);
	free(out);
	fake_free(f);

	f = parse_fake(10, OVERLONG_TRUNCATE);
	ck_assert_int_eq(fake_feed(f, in, sizeof in - 1), 0);
	out = fake_output(f);
	ck_assert_str_eq(out,
	    JD "\"data\":\"<13>app: 0\",\"truncated\":true,\"syslog\":{"
	    "\"facility\":\"user\",\"severity\":\"notice\",\"app_name\":"
	    "\"app\",\"msg\":\"0\"}}\n"
	    JD "\"data\":\"<14>x\",\"syslog\":{\"facility\":\"user\","
	    "\"severity\":\"info\",\"msg\":\"x\"}}\n");
	free(out);
	fake_free(f);
}
END_TEST

static Suite *
syslog_parse_suite(void)
{
	Suite	*s = suite_create("syslog_parse");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_senders, 0, nitems(good));
	tcase_add_loop_test(tc, test_parse_bad, 0, nitems(bad));
	tcase_add_test(tc, test_parse_null);
	tcase_add_test(tc, test_parse_every_pri);
	tcase_add_loop_test(tc, test_parse_prefixes, 0, nitems(good));
	suite_add_tcase(s, tc);

	tc = tcase_create("sd");
	tcase_add_test(tc, test_parse_sd_groups);
	tcase_add_test(tc, test_parse_sd_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("conn");
	tcase_add_test(tc, test_conn_parse);
	tcase_add_test(tc, test_conn_parse_off);
	tcase_add_test(tc, test_conn_parse_split);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(syslog_parse_suite) == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE);
}
