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
 * output = journal: each record as one journal entry in journald's native
 * protocol (systemd's "Native Journal Protocol"), written by hand, one
 * datagram per record to /run/systemd/journal/socket through sink_dgram.c,
 * in either build.  Not sd_journal_sendv(): it blocks while journald is
 * slow, where a datagram of our own turns a slow journal into
 * backpressure.  A record larger than a datagram goes, as the protocol
 * allows, in a sealed memfd passed with SCM_RIGHTS.
 *
 * The fields: MESSAGE is the text record without its time (format does
 * not apply: the fields are the structure), TCPLOGD_TIME its arrival
 * time as text output writes it (the journal stamps an entry when it
 * gets it, after our buffering), PRIORITY and SYSLOG_FACILITY those of a
 * message parse = syslog read, else the listener's, SYSLOG_IDENTIFIER
 * syslog_ident, TCPLOGD_LISTENER, TCPLOGD_PEER, TCPLOGD_EVENT, then when
 * they apply TCPLOGD_FLAGS, TCPLOGD_REASON, TCPLOGD_DATA (the bytes as
 * received, whenever MESSAGE had to escape any) and the parsed message's
 * TCPLOGD_SYSLOG_APP_NAME, _HOSTNAME, _PROCID and _MSGID.
 */

#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "tcplogd.h"
#include "format_simd.h"
#include "log.h"

#define JOURNAL_FIXED	1024	/* the fields' names, numbers, time, ... */

static int	journal_open(struct sink *, const struct lconf *, char **);
static size_t	journal_write(struct sink *, const struct lconf *,
		    const struct record *);
static ssize_t	journal_toobig(struct sink *, int, const void *, size_t);
static int	journal_memfd(const void *, size_t);
static u_char	*journal_str(u_char *, const char *, const struct syslog_str *);
static u_char	*journal_num(u_char *, const char *, u_int);
static int	journal_escaped(const struct record *, size_t);

const struct sink_ops sink_journal_ops = {
	.name = "journal",
	.open = journal_open,
	.configure = sink_dgram_configure,
	.write = journal_write,
	.flush = sink_dgram_flush,
	.close = sink_dgram_close,
};

static int	journal_memfd_noted;	/* a memfd failed, said */

static int
journal_open(struct sink *s, const struct lconf *lc __unused,
    char **cause __unused)
{
	return (sink_dgram_open(s, JOURNAL_SOCKET, journal_toobig));
}

/* Does a value need the binary form (a control byte, LF above all)? */
int
journal_binary(const void *v, size_t len)
{
	const u_char	*p = v;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return (1);
	}
	return (0);
}

/*
 * One field into dst (strlen(name) + len + 10 bytes at most): NAME=VALUE
 * and LF, or in the binary form; returns its length.
 */
size_t
journal_field(u_char *dst, const char *name, const void *v, size_t len)
{
	u_char		*o = dst;
	size_t		 nlen = strlen(name), i;
	uint64_t	 n = len;

	memcpy(o, name, nlen);
	o += nlen;
	if (journal_binary(v, len)) {
		*o++ = '\n';
		for (i = 0; i < 8; i++) {
			*o++ = n & 0xff;	/* little endian */
			n >>= 8;
		}
	} else
		*o++ = '=';
	memcpy(o, v, len);
	o += len;
	*o++ = '\n';
	return (o - dst);
}

static u_char *
journal_num(u_char *o, const char *name, u_int v)
{
	char	buf[16];
	int	n;

	n = snprintf(buf, sizeof buf, "%u", v);
	return (o + journal_field(o, name, buf, (size_t)n));
}

/* A parsed message's part, if it has it. */
static u_char *
journal_str(u_char *o, const char *name, const struct syslog_str *v)
{
	if (v->p == NULL)
		return (o);
	return (o + journal_field(o, name, v->p, v->len));
}

/*
 * Did the text record escape any of rec's data?  mlen: the length of
 * its text, LF included.  Escapes only ever lengthen, so the text has
 * the data unchanged if and only if it is as long as the text with no
 * data plus the data.
 */
static int
journal_escaped(const struct record *rec, size_t mlen)
{
	struct record	r = *rec;
	char		head[512];

	if (format_plain_len(rec->data, rec->len) == rec->len)
		return (0);
	r.len = 0;
	return (format_text(head, &r, 0) + rec->len != mlen);
}

/* Upper bound of journal_record() for rec. */
size_t
journal_record_max(const struct record *rec, const char *ident)
{
	size_t	n;

	n = JOURNAL_FIXED + strlen(ident) + CONF_NAME_MAX + CONN_PEER_LEN +
	    format_text_max(rec);
	/* TCPLOGD_DATA, and the syslog fields: parts of the data. */
	if (rec->type == REC_DATA)
		n += 2 * rec->len;
	return (n);
}

/*
 * rec as a journal entry in the native protocol into dst
 * (journal_record_max() bytes); returns its length.
 */
size_t
journal_record(u_char *dst, const struct lconf *lc, const struct record *rec,
    const char *ident)
{
	static const char *const events[] = {
		[REC_DATA] = "data",
		[REC_CONNECTED] = "connected",
		[REC_DISCONNECTED] = "disconnected",
	};
	const struct syslog_msg	*m = NULL;
	char			 t[FORMAT_TIME_LEN], fl[64];
	u_char			*o = dst;
	size_t			 mlen;
	u_int			 pri;
	int			 n;

	if (rec->type == REC_DATA)
		m = rec->syslog;
	pri = m != NULL ? m->pri : (u_int)(lc->facility | lc->priority);
	memcpy(o, "MESSAGE=", 8);
	o += 8;
	/* Text escapes every control byte: its LF ends the field. */
	mlen = format_text((char *)o, rec, 0);
	o += mlen;
	o = journal_num(o, "PRIORITY", LOG_PRI(pri));
	o = journal_num(o, "SYSLOG_FACILITY", LOG_FAC(pri));
	o += journal_field(o, "SYSLOG_IDENTIFIER", ident, strlen(ident));
	format_time(t, rec->tv);
	o += journal_field(o, "TCPLOGD_TIME", t, sizeof t);
	o += journal_field(o, "TCPLOGD_LISTENER", rec->listener,
	    strlen(rec->listener));
	o += journal_field(o, "TCPLOGD_PEER", rec->peer, strlen(rec->peer));
	o += journal_field(o, "TCPLOGD_EVENT", events[rec->type],
	    strlen(events[rec->type]));
	if (rec->type == REC_DATA && rec->flags != 0) {
		n = snprintf(fl, sizeof fl, "%s%s%s%s",
		    rec->flags & REC_PARTIAL ? ",partial" : "",
		    rec->flags & REC_TRUNCATED ? ",truncated" : "",
		    rec->flags & REC_SPLIT ? ",split" : "",
		    rec->flags & REC_FRAMING ? ",framing-error" : "");
		if (n > 1)
			o += journal_field(o, "TCPLOGD_FLAGS", fl + 1, n - 1);
	}
	if (rec->type == REC_DISCONNECTED) {
		o += journal_field(o, "TCPLOGD_REASON",
		    conn_reason_string(rec->reason),
		    strlen(conn_reason_string(rec->reason)));
	}
	if (rec->type == REC_DATA && journal_escaped(rec, mlen))
		o += journal_field(o, "TCPLOGD_DATA", rec->data, rec->len);
	if (m != NULL) {
		o = journal_str(o, "TCPLOGD_SYSLOG_APP_NAME", &m->app_name);
		o = journal_str(o, "TCPLOGD_SYSLOG_HOSTNAME", &m->hostname);
		o = journal_str(o, "TCPLOGD_SYSLOG_PROCID", &m->procid);
		o = journal_str(o, "TCPLOGD_SYSLOG_MSGID", &m->msgid);
	}
	return (o - dst);
}

/* One record as one journal entry. */
static size_t
journal_write(struct sink *s, const struct lconf *lc,
    const struct record *rec)
{
	const char	*ident = sink_dgram_ident(s);
	u_char		*buf;
	size_t		 n;

	buf = sink_dgram_room(s, journal_record_max(rec, ident));
	n = journal_record(buf, lc, rec, ident);
	sink_dgram_send(s, buf, n);
	return (n);
}

/*
 * A sealed memfd holding len bytes of p (journald takes no other kind of
 * memory it cannot trust to stay as it was); -1 with errno.
 */
static int
journal_memfd(const void *p, size_t len)
{
	const u_char	*q = p;
	ssize_t		 n;
	int		 fd, saved;

	if ((fd = memfd_create("tcplogd-journal", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return (-1);
	while (len > 0) {
		if ((n = write(fd, q, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		q += n;
		len -= n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		goto fail;
	return (fd);

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/*
 * An entry larger than a datagram: the native protocol's other way, an
 * empty datagram carrying a sealed memfd with the entry.  A memfd that
 * cannot be made loses the record: counted, said once.
 */
static ssize_t
journal_toobig(struct sink *s, int fd, const void *p, size_t len)
{
	union {
		struct cmsghdr	 h;
		char		 buf[CMSG_SPACE(sizeof (int))];
	} cm;
	struct msghdr		 mh;
	ssize_t			 n;
	int			 mfd, saved;

	if ((mfd = journal_memfd(p, len)) == -1) {
		if (!journal_memfd_noted++)
			log_warn("%s: a record of %zu bytes lost: memfd",
			    s->name, len);
		s->stats.output_errors++;
		s->stats.dropped += len;
		return (0);
	}
	memset(&cm, 0, sizeof cm);
	memset(&mh, 0, sizeof mh);
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof cm.buf;
	cm.h.cmsg_level = SOL_SOCKET;
	cm.h.cmsg_type = SCM_RIGHTS;
	cm.h.cmsg_len = CMSG_LEN(sizeof (int));
	memcpy(CMSG_DATA(&cm.h), &mfd, sizeof mfd);
	n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	saved = errno;
	close(mfd);
	errno = saved;
	return (n == -1 ? -1 : (ssize_t)len);
}
