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

#define TCPLOGD_CONF_DEFAULT	SYSCONFDIR "/tcplogd.conf"

struct conn;
struct listener;
struct sink;
struct daemon;

/* Why a connection ended; the text is in conn_reason_string(). */
enum conn_reason {
	CONN_EOF,		/* "closed by peer" */
	CONN_RESET,		/* "reset" */
	CONN_ERROR,		/* "error" */
	CONN_TOO_LONG,		/* "line too long" */
	CONN_SHUTDOWN,		/* "shutdown" */
	CONN_TIMEOUT,		/* "idle timeout" */
	CONN_RELOAD,		/* "reload" */
	CONN_TIMEDOUT		/* "timeout": keepalive found it gone */
};

/* Why a new connection was refused. */
enum refusal {
	REFUSE_CAP,		/* max_connections */
	REFUSE_PEER,		/* max_per_peer */
	REFUSE_ACL,		/* allow / deny */
	REFUSE_COUNT
};

/* Record flags. */
#define REC_PARTIAL	0x1
#define REC_TRUNCATED	0x2
#define REC_SPLIT	0x4

enum rec_type {
	REC_DATA,
	REC_CONNECTED,
	REC_DISCONNECTED
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
	const u_char		*data;		/* borrowed, REC_DATA only */
	size_t			 len;
	int			 flags;		/* REC_* */
	int			 plain;		/* data is all printable
						   ASCII but '\\' */
	enum conn_reason	 reason;	/* REC_DISCONNECTED only */
	uint64_t		 records;	/* REC_DISCONNECTED only */
	uint64_t		 bytes;		/* REC_DISCONNECTED only */
};

/* config.c */
enum lconf_mode {
	MODE_LINE,
	MODE_RAW
};

enum lconf_overlong {
	OVERLONG_TRUNCATE,
	OVERLONG_SPLIT,
	OVERLONG_CLOSE
};

enum lconf_timestamps {
	TS_AUTO,
	TS_YES,
	TS_NO
};

#define OUTPUT_STDOUT	0x1
#define OUTPUT_SYSLOG	0x2
#define OUTPUT_FILE	0x4

enum lconf_format {
	FORMAT_TEXT,
	FORMAT_JSON
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
};

/* An address prefix of allow or deny. */
struct cidr {
	int			 family;	/* AF_INET or AF_INET6 */
	u_char			 addr[16];
	u_int			 bits;
};

/* Settings of one [listener NAME]; reference counted. */
struct lconf {
	int			 refs;
	char			*name;		/* owned */
	int			 line;		/* of the section header */
	struct laddr		*addrs;		/* owned */
	size_t			 naddrs;
	enum lconf_mode		 mode;
	int			 outputs;	/* OUTPUT_* */
	char			*file;		/* owned, OUTPUT_FILE path */
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
	u_int			 shutdown_timeout; /* seconds */
	struct lconf_list	 listeners;
};

struct config	*config_load(const char *, char ***, size_t *);
void		 config_free(struct config *);
void		 config_errors_free(char **, size_t);
struct lconf	*lconf_ref(struct lconf *);
void		 lconf_unref(struct lconf *);
const char	*lconf_mode_string(enum lconf_mode);
const char	*lconf_overlong_string(enum lconf_overlong);
int		 laddr_parse(const char *, struct laddr *, char **);
int		 laddr_conflict(const struct laddr *, const struct laddr *);
int		 cidr_parse(const char *, struct cidr *, char **);
int		 cidr_match(const struct cidr *, const struct sockaddr *);

/* format.c */
#define FORMAT_TIME_LEN		27	/* 2026-11-28T08:22:55.123456Z */
#define FORMAT_CHAIN		(64 * 1024) /* output buffer chain size */

#define FORMAT_SIMD_BEST 0	/* format_simd */
#define FORMAT_SIMD_SSE2 1
#define FORMAT_SIMD_NONE 2

extern int	 format_simd;

#define FORMAT_TIME	0x1	/* format_line() flags */
#define FORMAT_JSON_LINE 0x2

size_t		 format_escape(char *, const u_char *, size_t);
size_t		 format_escape_max(size_t);
void		 format_time(char *, const struct timeval *);
size_t		 format_text_max(const struct record *);
size_t		 format_text(char *, const struct record *, int);
size_t		 format_json_max(const struct record *);
size_t		 format_json(char *, const struct record *, int);
size_t		 format_line_max(const struct record *, int);
size_t		 format_line(char *, const struct record *, int);

/*
 * proto.c: a protocol turns a connection's bytes into records.  It is
 * handed each read as it came (data_received takes all of it; bytes of
 * an unfinished record it keeps in its state, at most max_line + 2) and
 * says how many it keeps (pending).  A protocol without state passes
 * NULL from init.
 */
struct proto_ops {
	const char	*name;
	void		*(*init)(struct conn *);
	void		 (*connection_made)(struct conn *, void *);
	int		 (*data_received)(struct conn *, void *,
			    const u_char *, size_t);
	void		 (*connection_lost)(struct conn *, void *,
			    enum conn_reason);
	size_t		 (*pending)(void *);
	void		 (*free)(void *);
};

const struct proto_ops	*proto_find(enum lconf_mode);

/* proto_line.c */
extern const struct proto_ops proto_line_ops;

/* proto_line_scan.c */
const u_char	*line_scan_find(const u_char *, size_t, size_t *);
size_t		 line_scan_split(const u_char *, size_t, size_t,
		    struct iovec *, size_t, size_t *, int *);

/* proto_raw.c */
extern const struct proto_ops proto_raw_ops;

/* conn.c */
#define CONN_PEER_LEN	(INET6_ADDRSTRLEN + 9)	/* "[addr]:port" */
#define CONN_READ_MARGIN 2	/* input bound is max_line + CR + LF */
#define CONN_READ_SIZE	(256 * 1024) /* one read(2), shared buffer */
#define CONN_QUIET_MSEC	200	/* stopping: close after this silence */
#define CONN_DRAIN_MAX	(16 * 1024 * 1024) /* stopping, out of time */
#define CONN_DRAIN_OUTPUT_MAX (64 * 1024 * 1024) /* then stop reading */
#define CONN_DRAIN_POLL	5	/* ms to wait for data still in flight */
#define DAEMON_DRAIN_WAIT 200	/* ms of such waits, all connections */
#define CONN_KEEPIDLE	60	/* keepalive: first probe after, seconds */
#define CONN_KEEPINTVL	10	/* then every */
#define CONN_KEEPCNT	6	/* probes before giving up */

/* One TCP peer. */
struct conn {
	struct listener		*l;		/* borrowed, owns us */
	struct lconf		*conf;		/* referenced */
	const struct proto_ops	*ops;		/* borrowed */
	void			*state;		/* owned by ops */
	struct event		*ev;		/* owned, reads and timeouts */
	int			 fd;		/* owned */
	char			 peer[CONN_PEER_LEN];
	char			*label;		/* owned, "LISTENER PEER" */
	size_t			 label_len;
	struct sockaddr_storage	 addr;		/* of the peer */
	struct timeval		 tv;		/* time of the current batch */
	uint64_t		 bytes;		/* received */
	uint64_t		 records;	/* data records emitted */
	int			 overlong_noted;
	int			 paused;	/* output backpressure */
	int			 quiet;		/* stopping: close when quiet */
	int			 closing;
	TAILQ_ENTRY(conn)	 entry;
};
TAILQ_HEAD(conn_list, conn);

struct conn	*conn_new(struct listener *, evutil_socket_t,
		    const struct sockaddr *, int);
void		 conn_close(struct conn *, enum conn_reason);
void		 conn_emit(struct conn *, const u_char *, size_t, int);
void		 conn_emit_lines(struct conn *, const struct iovec *, size_t,
		    int);
void		 conn_overlong(struct conn *);
void		 conn_pause(struct conn *, int);
void		 conn_drain(struct conn *);
void		 conn_shutdown(struct conn *);
void		 conn_peer_string(const struct sockaddr *, char *, size_t);
const char	*conn_reason_string(enum conn_reason);

/* listener.c */
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
};

/* A listener's sockets, or those prepared for it. */
struct lsocks {
	struct lsock		*v;
	size_t			 n;
};

/* The factory: one [listener NAME] and its sockets. */
struct listener {
	struct daemon		*d;		/* borrowed */
	struct lconf		*conf;		/* referenced */
	const struct proto_ops	*ops;		/* borrowed */
	struct lsocks		 socks;		/* owned */
	struct sink		*sinks[LISTENER_MAX_SINKS]; /* borrowed */
	size_t			 nsinks;
	int			 paused;	/* output backpressure */
	struct conn_list	 conns;		/* owned */
	struct listener_stats	 stats;
	uint64_t		 refused_by[REFUSE_COUNT];
	uint64_t		 refused_noted[REFUSE_COUNT]; /* logged */
	TAILQ_ENTRY(listener)	 entry;
};
TAILQ_HEAD(listener_list, listener);

struct listener	*listener_new(struct daemon *, struct lconf *);
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
void		 listener_refused_log(struct listener *);

/* sink.c */
#define SINK_HIGH_WATER	(4 * 1024 * 1024)	/* stop reading clients */
#define SINK_LOW_WATER	(1024 * 1024)		/* read again */
#define SINK_WRITE_BATCH (256 * 1024)		/* write at once */
#define SINK_FLUSH_MSEC	100			/* flush a busy loop's buffer */
#define SINK_PRIORITIES	3	/* event priorities: 1 is the default */
#define SINK_PRIORITY_IDLE 2	/* flushes wait for the loop to go idle */
#define SINK_RETRY_SEC	1			/* after a write error */
#define SINK_FOLLOW_MSEC 20	/* renamed file: look for the new one */
#define SINK_FOLLOW_WAIT 1000	/* for so many ms, then create it */

struct sink_ops {
	const char	*name;
	int		 (*open)(struct sink *, char **);
	size_t		 (*write)(struct sink *, const struct lconf *,
			    const struct record *);
	/*
	 * Optional: data records that differ only in their data (one read's
	 * complete lines), as write would take them one by one.
	 */
	size_t		 (*write_lines)(struct sink *, const struct lconf *,
			    struct record *, const struct iovec *, size_t);
	int		 (*reopen)(struct sink *);
	void		 (*flush)(struct sink *);
	void		 (*close)(struct sink *);
	/*
	 * Buffered sinks: one write from the buffer, drained of what was
	 * written; NULL for evbuffer_write().  Returns the bytes written, 0
	 * when the sink holds its output for now (it retries by itself), or
	 * -1 with errno set.
	 */
	int		 (*writebuf)(struct sink *);
};

/* One output; listeners writing to the same output share it. */
struct sink {
	const struct sink_ops	*ops;		/* borrowed */
	char			*name;		/* owned: "stdout" or a path */
	char			*path;		/* owned, file sinks */
	mode_t			 mode;		/* file sinks, on creation */
	struct daemon		*d;		/* borrowed, NULL in tests */
	struct event_base	*base;		/* borrowed */
	int			 fd;		/* buffered sinks */
	int			 auto_ts;	/* timestamps=auto means yes */
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
	uint64_t		 written;	/* bytes */
	uint64_t		 dropped;	/* bytes */
	void			*state;		/* owned by ops */
	TAILQ_ENTRY(sink)	 entry;
};
TAILQ_HEAD(sink_list, sink);

struct sink	*sink_new(struct daemon *, struct event_base *,
		    const struct sink_ops *, const struct lconf *, char **);
void		 sink_free(struct sink *);
size_t		 sink_emit(struct sink *, const struct lconf *,
		    const struct record *);
size_t		 sink_emit_lines(struct sink *, const struct lconf *,
		    struct record *, const struct iovec *, size_t);
int		 sink_format_flags(const struct sink *, const struct lconf *);
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

/* sink_stdout.c */
extern const struct sink_ops sink_stdout_ops;

/* sink_file.c */
extern const struct sink_ops sink_file_ops;
extern int	 sink_file_prestat;	/* 0: see renames after writes only */

/* sink_syslog.c */
extern const struct sink_ops sink_syslog_ops;
void		 sink_syslog_setup(const char *);

/* daemon.c */
struct daemon_opts {
	const char		*config;
	const char		*port_file;
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
	struct event		*ev_sigs[4];	/* owned */
	struct event		*ev_stop;	/* owned, shutdown timer */
	struct event		*ev_stop_conns;	/* owned, end of reading */
	struct event		*ev_status;	/* owned, STATUS= timer */
	struct event		*ev_accept;	/* owned, EMFILE backoff */
	struct event		*ev_refused;	/* owned, refusal summary */
	uint64_t		 active;	/* connections, all listeners */
	int			 accept_paused;	/* out of descriptors, noted */
	int			 stopping;
	int			 drain_wait;	/* ms conn_drain() may wait */
};

#define DAEMON_STOP_MSEC	1000	/* stopping: read clients this long */
#define DAEMON_STATUS_SEC	5	/* STATUS= to the service manager */
#define DAEMON_TRIM	(8 * 1024 * 1024) /* free heap glibc may keep */
#define DAEMON_MMAP	(1024 * 1024)	/* larger blocks are mapped */

int		 daemon_run(const struct daemon_opts *);
void		 daemon_sink_blocked(struct daemon *, struct sink *, int);
void		 daemon_sink_drained(struct daemon *);
void		 daemon_conns_closed(struct daemon *);
void		 daemon_accept_backoff(struct daemon *, int);
void		 daemon_refused(struct daemon *);
void		 daemon_accepted(struct daemon *);

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

#endif /* TCPLOGD_H */
