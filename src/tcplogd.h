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
 * Shared structures and prototypes of tcplogd, grouped by the file that
 * implements them.  Ownership: the daemon owns the config, the listeners
 * and the sinks; a listener owns its evconnlisteners and its connections;
 * a connection owns its socket, read event and protocol state.  Listener
 * settings (struct lconf) are reference counted so that live connections
 * keep the settings they started with when a reload replaces the config.
 */

#ifndef TCPLOGD_H
#define TCPLOGD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/listener.h>

#ifndef __unused
#define __unused __attribute__((__unused__))
#endif

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

struct conn;
struct syslog_msg;
struct tls_conf;
struct listener;
struct sink;
struct daemon;

/* Why a connection ended (CONN_OK: it goes on). */
enum conn_reason {
	CONN_OK,
	CONN_EOF,
	CONN_RESET,
	CONN_ERROR,
	CONN_TOO_LONG,
	CONN_SHUTDOWN,
	CONN_TIMEOUT,		/* idle_timeout */
	CONN_RELOAD,
	CONN_TIMEDOUT,		/* keepalive found the peer gone */
	CONN_FRAMING,		/* octet counting lost its way */
	CONN_NO_CLOSE_NOTIFY,	/* TLS: the peer closed without saying */
	CONN_TLS,		/* TLS: a fatal error after the handshake */
	CONN_HANDSHAKE,		/* TLS: the handshake failed (no record) */
	CONN_HANDSHAKE_TIMEOUT,	/* TLS: it took too long (no record) */
	CONN_PROXY,		/* a bad PROXY header (no record) */
	CONN_PROXY_TIMEOUT,	/* it took too long (no record) */
	CONN_HEALTH_CHECK,	/* a balancer's own (no record) */
	CONN_REFUSED,		/* its client refused (no record) */
	CONN_REASON_COUNT
};

/* The reason as records and diagnostics say it. */
static inline const char *
conn_reason_string(enum conn_reason reason)
{
	static const char *const text[CONN_REASON_COUNT] = {
		[CONN_OK] = "ok",
		[CONN_EOF] = "closed by peer",
		[CONN_RESET] = "reset",
		[CONN_ERROR] = "error",
		[CONN_TOO_LONG] = "line too long",
		[CONN_SHUTDOWN] = "shutdown",
		[CONN_TIMEOUT] = "idle timeout",
		[CONN_RELOAD] = "reload",
		[CONN_TIMEDOUT] = "timeout",
		[CONN_FRAMING] = "framing error",
		[CONN_NO_CLOSE_NOTIFY] = "closed without TLS close_notify",
		[CONN_TLS] = "TLS error",
		[CONN_HANDSHAKE] = "TLS handshake failed",
		[CONN_HANDSHAKE_TIMEOUT] = "TLS handshake timeout",
		[CONN_PROXY] = "bad PROXY header",
		[CONN_PROXY_TIMEOUT] = "PROXY header timeout",
		[CONN_HEALTH_CHECK] = "health check",
		[CONN_REFUSED] = "refused",
	};

	return ((u_int)reason < CONN_REASON_COUNT ? text[reason] : "?");
}

/* Record flags. */
#define REC_PARTIAL	0x1
#define REC_TRUNCATED	0x2
#define REC_SPLIT	0x4
#define REC_FRAMING	0x8	/* what was left when framing failed */

enum rec_type {
	REC_DATA,
	REC_CONNECTED,
	REC_DISCONNECTED
};

/*
 * What the records of a TLS connection say of it, made once when the
 * handshake completes, escaped, for format.c to copy: the text of the
 * connected event, " (TLSv1.3 CIPHER, client SUBJECT verified)"; the
 * JSON connected event's ",\"tls\":{...}"; and ",\"tls_client\":
 * \"SUBJECT\"" that every JSON record of a verified client carries.
 */
struct tls_info {
	char			*text;		/* owned */
	size_t			 text_len;
	char			*json;		/* owned */
	size_t			 json_len;
	char			*client;	/* owned, NULL: not verified */
	size_t			 client_len;
};

/* One thing to write: received data or a connection event. */
struct record {
	enum rec_type		 type;
	const struct timeval	*tv;		/* borrowed */
	const char		*listener;	/* borrowed, CONF_NAME_MAX */
	const char		*peer;		/* borrowed, "ip:port" */
	const char		*label;		/* borrowed: NULL, or text's
						   "LISTENER PEER" made once */
	size_t			 label_len;
	const char		*jpeer;		/* borrowed: NULL, or JSON
						   peer fields made once */
	size_t			 jpeer_len;
	const u_char		*data;		/* borrowed, REC_DATA only */
	size_t			 len;
	int			 flags;		/* REC_* */
	int			 plain;		/* data is all printable
						   ASCII but '\\' */
	enum conn_reason	 reason;	/* REC_DISCONNECTED only */
	uint64_t		 records;	/* REC_DISCONNECTED only */
	uint64_t		 bytes;		/* REC_DISCONNECTED only */
	const struct syslog_msg	*syslog;	/* borrowed: parse = syslog and
						   the data parsed, or NULL */
	const struct tls_info	*tls;		/* borrowed: over TLS, or NULL */
	const char		*proxy;		/* borrowed: the balancer's
						   "ip:port", or NULL */
};

/* config.c */
/* The index of the mode's protocol in protos[] (proto.c). */
enum lconf_mode {
	MODE_LINE,
	MODE_RAW,
	MODE_OCTET,		/* octet-counted, RFC 6587 3.4.1 */
	MODE_SYSLOG		/* octet-counted or lf-or-nul, per connection */
};

/* What ends a record in mode = line. */
enum lconf_delimiter {
	DELIM_LF,
	DELIM_NUL,
	DELIM_LF_OR_NUL
};

/* What a record's data is parsed as. */
enum lconf_parse {
	PARSE_NONE,
	PARSE_SYSLOG
};

enum lconf_overlong {
	OVERLONG_TRUNCATE,
	OVERLONG_SPLIT,
	OVERLONG_CLOSE
};

/* tls_verify_client. */
enum lconf_tls_verify {
	TLS_VERIFY_NONE,	/* no certificate asked for */
	TLS_VERIFY_OPTIONAL,	/* asked for, checked if given */
	TLS_VERIFY_REQUIRE	/* no valid one, no connection */
};

/* tls_min_version. */
enum lconf_tls_version {
	TLS_V1_2,
	TLS_V1_3
};

enum lconf_timestamps {
	TS_AUTO,
	TS_YES,
	TS_NO
};

/* Bits of lconf.outputs: 1 << the index of the kind in sink_kinds[]. */
#define OUTPUT_STDOUT	0x1
#define OUTPUT_SYSLOG	0x2
#define OUTPUT_FILE	0x4
#define OUTPUT_JOURNAL	0x8

/* What an output's lines are (config.c's words are in this order). */
enum lconf_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_DATA		/* the data alone, escaped as in text */
};

#define CONF_NAME_MAX		64	/* listener names */
#define CONF_MAX_LINE_DEFAULT	16384
#define CONF_MAX_LINE_LIMIT	(64 * 1024 * 1024)
#define CONF_MAX_CONNS_DEFAULT	10000
#define CONF_SHUTDOWN_DEFAULT	5
#define CONF_FILE_MODE_DEFAULT	0640

/* One address of a listener, as written and as parsed. */
struct laddr {
	char			*text;		/* owned, as in the config */
	int			 any;		/* "*": all IPv4 and IPv6 */
	struct sockaddr_storage	 ss;		/* unused when any */
	socklen_t		 sslen;
	int			 port;
	int			 line;		/* of its listen key */
};

/* An address prefix of allow or deny. */
struct cidr {
	int			 family;	/* AF_INET or AF_INET6 */
	u_char			 addr[16];
	u_int			 bits;
};

/* proxy_protocol: the PROXY header versions a listener reads. */
enum lconf_proxy {
	PROXY_NO = 0,
	PROXY_V1 = 0x1,
	PROXY_V2 = 0x2,
	PROXY_ANY = PROXY_V1 | PROXY_V2
};

#define CONF_PROXY_TIMEOUT_DEFAULT	5

/* Settings of one [listener NAME]; reference counted. */
struct lconf {
	int			 refs;
	char			*name;		/* owned */
	int			 line;		/* of the section header */
	char			*path;		/* owned, the config file */
	struct laddr		*addrs;		/* owned */
	size_t			 naddrs;
	enum lconf_mode		 mode;
	enum lconf_delimiter	 delimiter;	/* mode = line */
	enum lconf_parse	 parse;
	int			 outputs;	/* OUTPUT_* */
	char			*file;		/* owned, OUTPUT_FILE path */
	int			 file_line;	/* of its file key */
	mode_t			 file_mode;	/* when creating it */
	enum lconf_format	 format;
	u_int			 idle_timeout;	/* seconds, 0: none */
	int			 keepalive;
	u_int			 max_per_peer;	/* 0: no limit */
	struct cidr		*allow;		/* owned; none: all */
	size_t			 nallow;
	struct cidr		*deny;		/* owned; wins over allow */
	size_t			 ndeny;
	int			 events;
	enum lconf_timestamps	 timestamps;
	size_t			 max_line;
	enum lconf_overlong	 overlong;
	u_int			 max_conns;	/* 0: only the total applies */
	int			 facility;	/* LOG_DAEMON, ... */
	int			 priority;	/* LOG_INFO, ... */
	int			 tls;
	char			*tls_certificate; /* owned, PEM, chain after */
	char			*tls_key;	/* owned */
	char			*tls_ca;	/* owned, file or directory */
	char			*tls_crl;	/* owned, or NULL */
	enum lconf_tls_verify	 tls_verify_client;
	char			*tls_allowed_names; /* owned, as written */
	enum lconf_tls_version	 tls_min_version;
	char			*tls_ciphers;	/* owned, or NULL: OpenSSL's */
	char			*tls_ciphersuites; /* owned, or NULL */
	u_int			 tls_handshake_timeout; /* seconds */
	struct tls_conf		*tls_conf;	/* owned (tls.c), loaded */
	enum lconf_proxy	 proxy_protocol;
	struct cidr		*proxy_from;	/* owned; the balancers */
	size_t			 nproxy_from;
	u_int			 proxy_timeout;	/* seconds */
	char			*file_group;	/* owned, or NULL: the process's */
	TAILQ_ENTRY(lconf)	 entry;
};
TAILQ_HEAD(lconf_list, lconf);

/* The whole parsed config file. */
struct config {
	char			*path;		/* owned */
	u_int			 max_conns;	/* total over all listeners */
	char			*syslog_ident;	/* owned */
	char			*user;		/* owned, drop to it, or NULL */
	char			*group;		/* owned, drop to it, or NULL */
	int			 user_line;	/* of the user key, or 0 */
	int			 group_line;
	u_int			 shutdown_timeout; /* seconds */
	char			*control;	/* owned: a path, "none", or
						   NULL: the default */
	struct lconf_list	 listeners;
};

struct config	*config_load(const char *, char ***, size_t *);
void		 config_free(struct config *);
void		 config_errors_free(char **, size_t);
void		 config_cause(char **, const char *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
struct lconf	*lconf_ref(struct lconf *);
void		 lconf_unref(struct lconf *);
const char	*lconf_mode_string(enum lconf_mode);
const char	*lconf_overlong_string(enum lconf_overlong);
const char	*lconf_format_string(enum lconf_format);
int		 laddr_parse(const char *, struct laddr *, char **);
int		 laddr_conflict(const struct laddr *, const struct laddr *);
int		 cidr_parse(const char *, struct cidr *, char **);
int		 cidr_match(const struct cidr *, const struct sockaddr *);
int		 lconf_same(const struct lconf *, const struct lconf *);

/*
 * proxy_parse.c: the PROXY protocol header (HAProxy's versions 1 and 2)
 * at the start of what a connection sent, without a socket.
 */
#define PROXY_V1_MAX		107	/* the longest v1 line, CRLF too */
#define PROXY_V2_MAX		4096	/* the longest v2 header we take */
#define PROXY_CMD_LOCAL		0
#define PROXY_CMD_PROXY		1

enum proxy_result {
	PROXY_MORE,		/* may still become a header */
	PROXY_ADDRESS,		/* a client's address: src */
	PROXY_LOCAL,		/* no client: LOCAL, UNKNOWN, no address */
	PROXY_INVALID		/* error says why */
};

struct proxy_header {
	size_t			 len;		/* of the header */
	int			 version;	/* 1 or 2 */
	u_int			 command;	/* PROXY_CMD_* */
	struct sockaddr_storage	 src;		/* the client */
	socklen_t		 srclen;
	const char		*error;		/* static */
};

enum proxy_result proxy_parse(const u_char *, size_t, int,
		    struct proxy_header *);
socklen_t	 sockaddr_unmap(struct sockaddr_storage *, socklen_t);

/* format.c */
#define FORMAT_TIME_LEN		27	/* 2026-11-28T08:22:55.123456Z */

#define FORMAT_SIMD_BEST 0	/* format_simd */
#define FORMAT_SIMD_SSE2 1
#define FORMAT_SIMD_NONE 2

extern int	 format_simd;

#define FORMAT_TIME	0x1	/* format_line() flags */
#define FORMAT_JSON_LINE 0x2
#define FORMAT_DATA_LINE 0x4	/* format = data: no time, no events */

size_t		 format_escape(char *, const u_char *, size_t);
size_t		 format_escape_max(size_t);
size_t		 format_json_escape(char *, const u_char *, size_t);
size_t		 format_json_escape_max(size_t);
void		 format_time(char *, const struct timeval *);
size_t		 format_text_max(const struct record *);
size_t		 format_text(char *, const struct record *, int);
size_t		 format_json_max(const struct record *);
size_t		 format_json(char *, const struct record *, int);
#define FORMAT_JSON_PEER_MAX	(2 * CONN_PEER_LEN + 48)
size_t		 format_json_peer(char *, const char *);
size_t		 format_data_max(const struct record *);
size_t		 format_data(char *, const struct record *);
size_t		 format_line_max(const struct record *, int);
size_t		 format_line(char *, const struct record *, int);

/*
 * syslog_parse.c: the syslog fields of a record's data (RFC 5424, RFC
 * 3164 as senders write it), as parts of the data: nothing is copied,
 * and SD-PARAM values keep their escapes, which format.c undoes.
 */
#define SYSLOG_SD_ELEMENTS	16	/* SD-ELEMENTs kept of a message */
#define SYSLOG_SD_PARAMS	64	/* SD-PARAMs kept, in all */

/* A part of a record's data; p == NULL: the message has none. */
struct syslog_str {
	const u_char		*p;		/* borrowed */
	size_t			 len;
};

/* One SD-PARAM, with what JSON needs to group it. */
struct syslog_param {
	struct syslog_str	 name;
	struct syslog_str	 value;		/* escapes not undone */
	u_int			 elem;		/* the first element of its
						   SD-ID, in sd[] */
	u_int			 first;		/* the first param of its name
						   in that SD-ID, in params[] */
	u_int			 count;		/* of that name, in the first */
};

/* A parsed message. */
struct syslog_msg {
	u_int			 pri;		/* facility * 8 + severity */
	struct syslog_str	 timestamp;	/* as sent */
	struct syslog_str	 hostname;
	struct syslog_str	 app_name;	/* or 3164's TAG */
	struct syslog_str	 procid;	/* or 3164's [PID] */
	struct syslog_str	 msgid;
	struct syslog_str	 msg;		/* without a leading BOM */
	struct syslog_str	 sd[SYSLOG_SD_ELEMENTS]; /* SD-IDs */
	u_int			 sd_first[SYSLOG_SD_ELEMENTS]; /* the first
						   of its SD-ID, in sd[] */
	u_int			 nsd;		/* 0: no STRUCTURED-DATA */
	struct syslog_param	 params[SYSLOG_SD_PARAMS];
	u_int			 nparams;
	int			 sd_more;	/* elements or params past the
						   tables, left out */
};

int		 syslog_parse(struct syslog_msg *, const u_char *, size_t);

/*
 * proto.c: a protocol turns a connection's bytes into records.  It is
 * handed each read as it came (data_received takes all of it; bytes of
 * an unfinished record it keeps in its state, at most max_line + 2) and
 * says how many it keeps (pending).  data_received returns CONN_OK, or
 * why the connection must end (CONN_TOO_LONG: overlong = close).  A
 * protocol without state passes NULL from init.
 */
struct proto_ops {
	const char	*name;
	void		*(*init)(struct conn *);
	void		 (*connection_made)(struct conn *, void *);
	enum conn_reason (*data_received)(struct conn *, void *,
			    const u_char *, size_t);
	void		 (*connection_lost)(struct conn *, void *,
			    enum conn_reason);
	size_t		 (*pending)(void *);
	void		 (*free)(void *);
};

const struct proto_ops	*proto_find(enum lconf_mode);
const char		*proto_name(size_t);

/*
 * The start of a record that a protocol keeps until the rest of it
 * comes: a buffer grown as needed, given back once emptied if it grew
 * large.  Zeroed is empty; free(buf) frees it.
 */
struct proto_part {
	u_char		*buf;
	size_t		 len;
	size_t		 size;
};

void			 proto_part_keep(struct proto_part *, const u_char *,
			    size_t);
void			 proto_part_empty(struct proto_part *);

/* proto_line.c */
extern const struct proto_ops proto_line_ops;

void		 line_set_delimiter(void *, enum lconf_delimiter);

/* proto_line_scan.c */
const u_char	*line_scan_find(const u_char *, size_t, size_t *,
		    enum lconf_delimiter);
const u_char	*line_scan_delim(const u_char *, size_t,
		    enum lconf_delimiter);
size_t		 line_scan_split(const u_char *, size_t, size_t,
		    struct iovec *, size_t, size_t *, int *,
		    enum lconf_delimiter);

/* proto_raw.c */
extern const struct proto_ops proto_raw_ops;

/* proto_octet.c */
extern const struct proto_ops proto_octet_ops;

/* proto_syslog.c */
extern const struct proto_ops proto_syslog_ops;

/* conn.c */
#define CONN_PEER_LEN	(INET6_ADDRSTRLEN + 9)	/* "[addr]:port" */
#define CONN_READ_MARGIN 2	/* input bound is max_line + CR + LF */

/*
 * A transport: how a connection's bytes come off its socket (plain TCP;
 * TLS on top of it later).  conn.c reads, waits and closes only through
 * it.  The state is the connection's tstate.
 */
struct transport_ops {
	const char	*name;
	/* >0 bytes read, 0 none for now, -1 the end with *reason. */
	ssize_t		 (*read)(struct conn *, void *, size_t,
			    enum conn_reason *);
	/*
	 * Optional: bytes already off the socket that read returns without
	 * the socket becoming readable (a TLS record's rest).
	 */
	size_t		 (*pending)(struct conn *);
	int		 (*wait)(struct conn *, int);	/* ms; 1: input */
	int		 (*unread)(struct conn *);	/* left in kernel */
	void		 (*close)(struct conn *);	/* and the socket */
};

extern const struct stage_ops *const conn_stages[];

/* proxy.c */
extern const struct stage_ops stage_proxy_ops;

/* transport_tcp.c */
extern const struct transport_ops transport_tcp_ops;

/*
 * tls.c, built with OpenSSL only: a listener's TLS settings loaded into
 * a context (certificates, keys, CAs read now, so a reload that cannot
 * read them fails), and the handshake stage that puts the TLS transport
 * on a connection.  tls_conf_load() sets *key to the config key at
 * fault and *cause to why.
 */
int		 tls_conf_load(struct lconf *, const char **, char **);
void		 tls_conf_free(struct tls_conf *);
int		 tls_name_allowed(const char *, const char *, size_t);
extern const struct stage_ops stage_tls_ops;

/*
 * A stage: what a connection does before its data, in order (a PROXY
 * header, a TLS handshake).  Each has its own timeout, from its start.
 * run reads through conn_stage_read(), hands back bytes it read past its
 * end with conn_stage_unread() (the next stage or the protocol gets
 * them), and returns 0 when done, EV_READ or EV_WRITE to be run again
 * when the socket is ready so, or -1 to close with *reason.
 */
struct stage_ops {
	const char	*name;
	int		 (*enabled)(const struct lconf *);
	u_int		 (*timeout)(const struct lconf *);	/* seconds */
	enum conn_reason expired;		/* when the time is up */
	/* Optional: the time is up, the connection closes next. */
	void		 (*expire)(struct conn *, void *);
	void		*(*init)(struct conn *);
	int		 (*run)(struct conn *, void *, enum conn_reason *);
	void		 (*free)(void *);
};

/* One TCP peer. */
struct conn {
	struct listener		*l;		/* borrowed, owns us */
	struct lconf		*conf;		/* referenced */
	const struct proto_ops	*ops;		/* borrowed */
	void			*state;		/* owned by ops */
	const struct transport_ops *tops;	/* borrowed */
	void			*tstate;	/* owned by tops */
	const struct stage_ops	*const *stage;	/* running one, NULL: data */
	void			*sstate;	/* owned by *stage */
	struct event		*ev;		/* owned, I/O and idle timeout */
	struct event		*ev_stage;	/* owned, stage timeout, if any */
	short			 want;		/* ev waits for EV_READ/WRITE */
	int			 fd;		/* owned through tops */
	u_char			*carry;		/* owned, read past a stage */
	size_t			 carry_off;
	size_t			 carry_len;
	enum conn_reason	 ended;		/* met after the carry, said
						   next; CONN_OK: not yet */
	char			 peer[CONN_PEER_LEN];
	char			*label;		/* owned, "LISTENER PEER" */
	size_t			 label_len;
	char			*jpeer;		/* owned, JSON peer fields */
	size_t			 jpeer_len;
	char			*proxy;		/* owned: the balancer that
						   sent a PROXY header, or
						   NULL */
	const struct tls_info	*tls;		/* borrowed from the transport,
						   NULL: not TLS */
	struct sockaddr_storage	 addr;		/* of the peer */
	struct timeval		 tv;		/* time of the current batch */
	uint64_t		 bytes;		/* received */
	uint64_t		 records;	/* data records emitted */
	int			 overlong_noted;
	int			 split_more;	/* the last record was split:
						   the next continues it */
	int			 started;	/* stages done, protocol on */
	int			 paused;	/* output backpressure */
	int			 quiet;		/* stopping: close when quiet */
	int			 closing;
	time_t			 since;		/* accepted, UNIX time */
	TAILQ_ENTRY(conn)	 entry;
};
TAILQ_HEAD(conn_list, conn);

struct conn	*conn_new(struct listener *, evutil_socket_t,
		    const struct sockaddr *, int);
ssize_t		 conn_stage_read(struct conn *, void *, size_t,
		    enum conn_reason *);
void		 conn_stage_unread(struct conn *, const void *, size_t);
void		 conn_set_transport(struct conn *,
		    const struct transport_ops *, void *);
void		 conn_close(struct conn *, enum conn_reason);
void		 conn_emit(struct conn *, const u_char *, size_t, int);
void		 conn_emit_lines(struct conn *, const struct iovec *, size_t,
		    int);
void		 conn_overlong(struct conn *);
void		 conn_pause(struct conn *, int);
void		 conn_drain(struct conn *);
void		 conn_shutdown(struct conn *);
void		 conn_peer_string(const struct sockaddr *, char *, size_t);

/* counter.c */
struct counter {
	const char		*name;		/* in the lines */
	size_t			 off;		/* of its uint64_t */
};

extern const struct counter listener_counters[];	/* listener_stats */
extern const struct counter sink_counters[];		/* sink_stats */

uint64_t	 counter_value(const struct counter *, const void *);
const struct counter *counter_find(const struct counter *, const char *);
void		 counter_log(const char *, const char *,
		    const struct counter *, const void *);

/* listener.c: counters, in listener_counters[] */
struct listener_stats {
	uint64_t		 accepted;
	uint64_t		 refused;
	uint64_t		 active;
	uint64_t		 records;
	uint64_t		 bytes;
	uint64_t		 overlong;
	uint64_t		 partial;
	uint64_t		 output_bytes;	/* formatted, all outputs */
	uint64_t		 pauses;	/* backpressure */
	uint64_t		 framing_errors; /* connections closed so */
	uint64_t		 parse_errors;	/* records parse = could not */
	uint64_t		 tls_failures;	/* handshakes that failed */
	uint64_t		 health_checks;	/* a balancer's, no client */
	uint64_t		 proxy_errors;	/* bad or late PROXY headers */
};

#define LISTENER_MAX_SINKS	4

/* One listening socket. */
struct lsock {
	struct evconnlistener	*evl;		/* owned by the set */
	char			*laddr;		/* owned, its listen text */
	char			 bound[CONN_PEER_LEN]; /* "ADDR:PORT" */
	int			 fresh;		/* bound by this prepare */
	int			 inherited;	/* and passed by systemd */
	int			 taken;		/* a prepared set has it */
	struct lsock		*from;		/* taken from this one */
	int			 passed;	/* by systemd, not in listen = */
};

/* A listener's sockets, or those prepared for it. */
struct lsocks {
	struct lsock		*v;
	size_t			 n;
};

/* What a listener tells its owner. */
struct listener_cb {
	void		 (*accept_failed)(int, void *); /* out of fds */
	void		 (*accepted)(void *);
	void		 (*idle)(void *);	/* no connection is left */
};

/* What the owner shares with its listeners and their connections. */
struct listener_env {
	struct event_base	*base;		/* borrowed */
	const struct listener_cb *cb;		/* borrowed */
	void			*arg;
	u_int			 max_conns;	/* all listeners, 0: none */
	uint64_t		 active;	/* connections, all listeners */
	int			 drain_wait;	/* ms conn_drain() may wait */
	/*
	 * Taps (control.c): while taps is not 0, every record written is
	 * also handed to tap().
	 */
	u_int			 taps;
	void			 (*tap)(const struct record *, void *);
	void			*tap_arg;
};

/* Diagnostics said at most once a second per listener and kind. */
enum lnote {
	NOTE_REFUSE_CAP,	/* max_connections */
	NOTE_REFUSE_PEER,	/* max_per_peer */
	NOTE_REFUSE_ACL,	/* allow / deny */
	NOTE_OVERLONG,
	NOTE_UNREAD,		/* stopping, out of time */
	NOTE_FRAMING,		/* octet counting lost its way */
	NOTE_TLS_HANDSHAKE,	/* not TLS, or no agreement */
	NOTE_TLS_CERT,		/* the client's certificate refused */
	NOTE_TLS_TIMEOUT,	/* tls_handshake_timeout */
	NOTE_REFUSE_PROXY,	/* not in proxy_from */
	NOTE_PROXY,		/* a bad PROXY header */
	NOTE_PROXY_TIMEOUT,	/* proxy_timeout */
	NOTE_COUNT
};

#define LISTENER_NOTE_LEN	160

/* One kind of diagnostic of a listener, and what a second held back. */
struct listener_note {
	int			 open;		/* said less than 1 s ago */
	uint64_t		 more;		/* held back since */
	char			 peer[CONN_PEER_LEN]; /* the first held back */
	char			 text[LISTENER_NOTE_LEN];
};

/* The factory: one [listener NAME] and its sockets. */
struct listener {
	struct listener_env	*env;		/* borrowed */
	struct lconf		*conf;		/* referenced */
	const struct proto_ops	*ops;		/* borrowed */
	const struct stage_ops	*const *stages;	/* borrowed, conn_stages */
	struct lsocks		 socks;		/* owned */
	struct sink		*sinks[LISTENER_MAX_SINKS]; /* borrowed */
	size_t			 nsinks;
	int			 paused;	/* output backpressure */
	struct conn_list	 conns;		/* owned */
	struct listener_stats	 stats;
	struct listener_note	 notes[NOTE_COUNT];
	struct event		*ev_note;	/* owned, the notes' second */
	TAILQ_ENTRY(listener)	 entry;
};
TAILQ_HEAD(listener_list, listener);

struct listener	*listener_new(struct listener_env *, struct lconf *);
void		 listener_init(struct listener *, struct listener_env *,
		    struct lconf *);
int		 lsocks_prepare(struct lsocks *, struct event_base *,
		    const struct lconf *, struct listener_list *, char **);
void		 lsocks_abort(struct lsocks *);
void		 lsocks_commit(struct listener *, struct lsocks *);
void		 listener_inherit(void);
void		 listener_inherit_done(void);
void		 listener_free(struct listener *, enum conn_reason);
void		 listener_close(struct listener *);
void		 listener_enable(struct listener *, int);
void		 listener_pause(struct listener *, int);
void		 listener_stats_log(struct listener *);
void		 listener_write(struct listener *, const struct lconf *,
		    const struct record *);
void		 listener_write_lines(struct listener *, const struct lconf *,
		    struct record *, const struct iovec *, size_t);
int		 listener_admit(struct listener *, struct conn *);
void		 listener_note(struct listener *, enum lnote, const char *,
		    const char *, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
void		 listener_check(const struct lconf *, char ***, size_t *);

/* sink.c */
#define SINK_WRITE_BATCH (256 * 1024)		/* write at once */
#define SINK_FLUSH_MSEC	100			/* flush a busy loop's buffer */
#define SINK_PRIORITIES	3	/* event priorities: 1 is the default */

struct sink_ops {
	const char	*name;		/* as output = names it */
	/*
	 * The output has one format (its listeners agree on it): every
	 * record is formatted so, whatever its connection's settings.
	 * Without it (syslog) each record is a message of its own, in its
	 * listener's format.
	 */
	int		 owns_format;
	int		 (*open)(struct sink *, const struct lconf *, char **);
	/*
	 * Optional: does listener lc's output go to s?  Without it, one
	 * sink of the kind serves every listener.
	 */
	int		 (*same)(const struct sink *, const struct lconf *);
	/* Optional: take the daemon-wide settings, at open and reload. */
	void		 (*configure)(struct sink *, const struct config *);
	size_t		 (*write)(struct sink *, const struct lconf *,
			    const struct record *);
	/*
	 * Optional: data records that differ only in their data (one read's
	 * complete lines), as write would take them one by one.
	 */
	size_t		 (*write_lines)(struct sink *, const struct lconf *,
			    struct record *, const struct iovec *, size_t);
	int		 (*reopen)(struct sink *);
	/* Optional: does the output hold anything yet (owns_format)? */
	int		 (*used)(struct sink *);
	void		 (*flush)(struct sink *);
	void		 (*close)(struct sink *);
	/*
	 * Buffered sinks: one write from the buffer, drained of what was
	 * written; NULL for evbuffer_write().  Returns the bytes written, 0
	 * when the sink holds its output for now (it retries by itself), or
	 * -1 with errno set.
	 */
	int		 (*writebuf)(struct sink *);
	/*
	 * Optional, for -t: what can be told of listener lc's output
	 * without opening it.  Returns 0, or -1 with a cause.
	 */
	int		 (*check)(const struct lconf *, char **);
};

/*
 * What a sink tells its owner: it crossed a water mark (blocked 1 over
 * SINK_HIGH_WATER, 0 back under SINK_LOW_WATER), or it wrote its last
 * pending byte.
 */
struct sink_cb {
	void		 (*blocked)(struct sink *, int, void *);
	void		 (*drained)(struct sink *, void *);
};

/* An output's counters, in sink_counters[]. */
struct sink_stats {
	uint64_t		 written;	/* bytes */
	uint64_t		 dropped;	/* bytes, no reader */
	uint64_t		 errors;	/* failed writes */
	uint64_t		 stalls;	/* over SINK_HIGH_WATER */
	uint64_t		 output_errors;	/* records the receiver did not
						   get whole (syslog, journal) */
};

/* One output; listeners writing to the same output share it. */
struct sink {
	const struct sink_ops	*ops;		/* borrowed */
	char			*name;		/* owned: "stdout" or a path */
	char			*path;		/* owned, file sinks */
	mode_t			 mode;		/* file sinks, on creation */
	const struct sink_cb	*cb;		/* borrowed, the owner's */
	void			*cb_arg;
	struct event_base	*base;		/* borrowed */
	int			 fd;		/* buffered sinks */
	int			 auto_ts;	/* timestamps=auto means yes */
	enum lconf_format	 format;	/* of its lines, owns_format */
	struct evbuffer		*buf;		/* owned, unwritten output */
	struct evbuffer_iovec	 cur;		/* space reserved in buf */
	size_t			 fill;		/* of it, formatted */
	size_t			 pending;	/* unwritten, fill included */
	struct event		*ev_write;	/* owned, fd writable */
	struct event		*ev_flush;	/* owned, flush timer */
	struct event		*ev_idle;	/* owned, flush when idle */
	int			 scheduled;	/* a flush is on its way */
	int			 blocked;	/* over SINK_HIGH_WATER */
	int			 failed;	/* write error noted */
	int			 broken;	/* reader gone, dropping */
	int			 stopping;	/* the owner is: hold nothing */
	struct sink_stats	 stats;
	void			*state;		/* owned by ops */
	TAILQ_ENTRY(sink)	 entry;
};
TAILQ_HEAD(sink_list, sink);

extern const struct sink_ops *const sink_kinds[];

struct sink	*sink_new(struct event_base *, const struct sink_ops *,
		    const struct lconf *, char **);
void		 sink_set_cb(struct sink *, const struct sink_cb *, void *);
void		 sink_free(struct sink *);
size_t		 sink_emit(struct sink *, const struct lconf *,
		    const struct record *);
size_t		 sink_emit_lines(struct sink *, const struct lconf *,
		    struct record *, const struct iovec *, size_t);
int		 sink_format_flags(const struct sink *, const struct lconf *);
int		 sink_format_check(struct sink *, enum lconf_format,
		    char **);
int		 sink_reopen(struct sink *);
int		 sink_buffered_init(struct sink *, int);
size_t		 sink_buffered_write(struct sink *, const struct lconf *,
		    const struct record *);
size_t		 sink_buffered_write_lines(struct sink *, const struct lconf *,
		    struct record *, const struct iovec *, size_t);
int		 sink_buffered_setfd(struct sink *, int);
void		 sink_buffered_flush(struct sink *);
void		 sink_buffered_close(struct sink *);
size_t		 sink_pending(struct sink *);
void		 sink_check_water(struct sink *);
void		 sink_stats_log(struct sink *);

/* sink_stdout.c */
extern const struct sink_ops sink_stdout_ops;

/* sink_file.c */
extern const struct sink_ops sink_file_ops;
extern int	 sink_file_prestat;	/* 0: see renames after writes only */

/* sink_syslog.c */
extern const struct sink_ops sink_syslog_ops;

int		 sink_syslog_priority(const struct lconf *,
		    const struct record *);
size_t		 sink_syslog_head(char *, size_t, int, const struct timeval *,
		    const char *, pid_t);

/*
 * sink_dgram.c: a datagram per record on a non-blocking AF_UNIX socket
 * (the syslog and journal sinks; the sink's state).  toobig sends what
 * send() found too large (EMSGSIZE) another way: it returns the bytes it
 * delivered, 0 for a record it dropped and counted, or -1 with errno.
 */
typedef ssize_t	(*sink_dgram_toobig)(struct sink *, int, const void *,
		    size_t);

int		 sink_dgram_open(struct sink *, const char *,
		    sink_dgram_toobig);
void		 sink_dgram_configure(struct sink *, const struct config *);
const char	*sink_dgram_ident(struct sink *);
u_char		*sink_dgram_room(struct sink *, size_t);
size_t		 sink_dgram_limit(int);
int		 sink_dgram_send(struct sink *, const void *, size_t);
void		 sink_dgram_flush(struct sink *);
void		 sink_dgram_close(struct sink *);

/*
 * sink_journal.c: the journal's native protocol, by hand.  A field's
 * value goes as NAME=VALUE, or, when it holds a control byte, in the
 * binary form: NAME, LF, its length as 64-bit little endian, the bytes.
 */
#define JOURNAL_SOCKET	"/run/systemd/journal/socket"

extern const struct sink_ops sink_journal_ops;

int		 journal_binary(const void *, size_t);
size_t		 journal_field(u_char *, const char *, const void *, size_t);
size_t		 journal_record_max(const struct record *, const char *);
size_t		 journal_record(u_char *, const struct lconf *,
		    const struct record *, const char *);

/* daemon.c */
struct daemon_opts {
	const char		*config;
	const char		*port_file;
	const char		*pid_file;
	int			 check_only;
	int			 debug;
};

/* The running daemon. */
struct daemon {
	struct event_base	*base;		/* owned */
	struct config		*conf;		/* owned */
	const struct daemon_opts *opts;		/* borrowed */
	struct listener_list	 listeners;	/* owned */
	struct sink_list	 sinks;		/* owned */
	struct event		*ev_sigs[5];	/* owned */
	struct event		*ev_stop;	/* owned, shutdown timer */
	struct event		*ev_stop_conns;	/* owned, end of reading */
	struct event		*ev_status;	/* owned, STATUS= timer */
	struct event		*ev_accept;	/* owned, EMFILE backoff */
	struct listener_env	 env;		/* the listeners' */
	int			 accept_paused;	/* out of descriptors, noted */
	int			 stopping;
	struct control		*ctl;		/* owned, or NULL */
	time_t			 started;	/* CLOCK_MONOTONIC seconds */
	int			 pid_written;	/* remove it at exit */
};


int		 daemon_run(const struct daemon_opts *);

/*
 * control.c: the control socket and its line protocol (tcplogd(8),
 * CONTROL PROTOCOL).  It reads the daemon's listeners and outputs and
 * asks the daemon, through control_cb, to reload or reopen.
 */
#define CONTROL_VERSION		1	/* of the protocol */
#define CONTROL_LINE_MAX	1024	/* a request, LF included */
#define CONTROL_REQUEST_SEC	5	/* to send a request */
#define CONTROL_CLIENTS_MAX	32	/* taps included */
#define CONTROL_TAPS_MAX	16
#define CONTROL_TAP_BUF		(4 * 1024 * 1024) /* queued for a tap */
#define CONTROL_MISSED_LEN	64	/* "tcplogd: tap missed N records" */

/* What control_scan() found at the start of a client's input. */
enum control_scan {
	CONTROL_MORE,		/* no LF yet, still in bounds */
	CONTROL_LINE,		/* a request line */
	CONTROL_TOO_LONG,	/* over CONTROL_LINE_MAX */
	CONTROL_BAD_BYTE	/* a NUL or other control byte */
};

/* The body lines of an answer: what changed, or what went wrong. */
struct control_answer {
	char			**lines;	/* owned */
	size_t			 n;
};

/* What the control socket asks of the daemon; 0 or -1 (failed). */
struct control_cb {
	int		 (*reload)(struct control_answer *, void *);
	int		 (*reopen)(struct control_answer *, void *);
};

struct control;

struct control	*control_new(struct daemon *, const char *, uid_t, gid_t,
		    const struct control_cb *, void *, char **);
void		 control_stop(struct control *);
void		 control_free(struct control *);
enum control_scan control_scan(const u_char *, size_t, size_t *);
void		 control_value(struct evbuffer *, const char *);
int		 control_tap_room(uint64_t *, size_t, size_t, uint64_t *);
void		 control_answer_add(struct control_answer *, const char *,
		    ...) __attribute__((__format__(__printf__, 2, 3)));
void		 control_answer_free(struct control_answer *);

/* notify.c */
void		 notify_send(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
void		 notify_reloading(void);

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

/* activation.c */
#define ACTIVATION_FDS_START	3	/* SD_LISTEN_FDS_START */
#define ACTIVATION_MAX_FDS	65536
int		 activation_parse(const char *, const char *, const char *,
		    pid_t, char ***, char **);
int		 activation_listen_fds(char ***, char **);
int		 activation_is_listening(int);

#endif /* TCPLOGD_H */
