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
 * The control socket: a unix stream socket that speaks a line protocol
 * (tcplogd(8), CONTROL PROTOCOL; lldpd's control socket is the model).
 * Each client is a bufferevent: a greeting, then requests of one line
 * each, answered by body lines ("- ...") and "ok" or "error TEXT".  A
 * client is bounded in what it may send (CONTROL_LINE_MAX bytes within
 * CONTROL_REQUEST_SEC) and in what it may leave unread; past a bound it
 * is dropped alone.  A tap is a client that receives the records of
 * some listeners: each record is formatted once per format and copied
 * to every tap that has room, else counted as missed.  Nothing here
 * ever waits for a client.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>

#include "tcplogd.h"
#include "log.h"

#define CONTROL_BACKLOG		16
#define CONTROL_OUT_MAX		(1024 * 1024)	/* unread replies: dropped */
#define CONTROL_WORDS_MAX	(CONTROL_LINE_MAX / 2)
#define CONTROL_FLUSH_MSEC	1000	/* at exit, for all taps together */
#define CONTROL_SCRATCH_KEEP	(256 * 1024) /* format buffer kept */

/* What a tap wants. */
struct control_tap {
	int			 json;		/* else text */
	char			**names;	/* owned; none: every listener */
	size_t			 nnames;
	uint64_t		 missed;	/* not queued, not yet said */
};

/* One connected client. */
struct control_client {
	struct control		*ctl;		/* borrowed, owns us */
	struct bufferevent	*bev;		/* owned, and the socket */
	struct event		*ev_timer;	/* owned, request or close */
	uid_t			 uid;		/* SO_PEERCRED */
	pid_t			 pid;
	int			 closing;	/* flush, then free */
	struct control_tap	*tap;		/* owned, or NULL */
	TAILQ_ENTRY(control_client) entry;
	TAILQ_ENTRY(control_client) tentry;	/* taps only */
};
TAILQ_HEAD(control_clients, control_client);

/* The control socket. */
struct control {
	struct daemon		*d;		/* borrowed, owns us */
	const struct control_cb	*cb;		/* borrowed */
	void			*cb_arg;
	char			*path;		/* owned */
	struct evconnlistener	*evl;		/* owned, and the socket */
	struct control_clients	 clients;	/* owned */
	struct control_clients	 taps;		/* a subset of clients */
	u_int			 nclients;
	u_int			 ntaps;
	char			*fmt[2];	/* owned, text and JSON line */
	size_t			 fmtsize[2];
};

/* A request: its first word, whether it needs privilege, its handler. */
struct control_request {
	const char	*name;
	int		 privileged;
	void		 (*run)(struct control_client *, char **, size_t);
};

static int	control_bind(const char *, uid_t, gid_t, char **);
static void	control_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	control_read_cb(struct bufferevent *, void *);
static void	control_write_cb(struct bufferevent *, void *);
static void	control_event_cb(struct bufferevent *, short, void *);
static void	control_timer_cb(evutil_socket_t, short, void *);
static void	control_client_free(struct control_client *);
static void	control_close(struct control_client *, const char *);
static int	control_request(struct control_client *, char *);
static void	control_replied(struct control_client *);
static void	control_body(struct control_client *, const char *);
static void	control_field(struct evbuffer *, const char *, const char *);
static void	control_field_u64(struct evbuffer *, const char *, uint64_t);
static int	control_names(struct control_client *, char **, size_t);
static int	control_named(char **, size_t, const char *);
static void	control_answer(struct control_client *,
		    struct control_answer *, int, const char *);
static void	control_reload(struct control_client *, char **, size_t);
static void	control_reopen(struct control_client *, char **, size_t);
static void	control_stats(struct control_client *, char **, size_t);
static void	control_status(struct control_client *, char **, size_t);
static void	control_conns(struct control_client *, char **, size_t);
static void	control_tap(struct control_client *, char **, size_t);
static void	control_tap_cb(const struct record *, void *);
static void	control_tap_queue(struct control_client *, const char *,
		    size_t);
static void	control_tap_missed(struct control_client *);
static void	control_flush_taps(struct control *);

static const struct control_request control_requests[] = {
	{ "reload", 1, control_reload },
	{ "reopen", 1, control_reopen },
	{ "stats", 0, control_stats },
	{ "status", 0, control_status },
	{ "conns", 0, control_conns },
	{ "tap", 0, control_tap },
	{ NULL, 0, NULL }
};

/* Add a body line to an answer. */
void
control_answer_add(struct control_answer *ans, const char *fmt, ...)
{
	va_list	ap;
	char	*line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	ans->lines = xreallocarray(ans->lines, ans->n + 1, sizeof *ans->lines);
	ans->lines[ans->n++] = line;
}

void
control_answer_free(struct control_answer *ans)
{
	size_t	i;

	for (i = 0; i < ans->n; i++)
		free(ans->lines[i]);
	free(ans->lines);
	ans->lines = NULL;
	ans->n = 0;
}

/*
 * Look at the first len bytes a client sent: a complete request line
 * (*linelen: its length without the LF), more needed, too long, or a
 * byte no request has (a NUL, any other control byte, DEL).
 */
enum control_scan
control_scan(const u_char *p, size_t len, size_t *linelen)
{
	size_t	i;

	for (i = 0; i < len && i < CONTROL_LINE_MAX; i++) {
		if (p[i] == '\n') {
			*linelen = i;
			return (CONTROL_LINE);
		}
		if (p[i] < 0x20 || p[i] == 0x7f)
			return (CONTROL_BAD_BYTE);
	}
	return (len >= CONTROL_LINE_MAX ? CONTROL_TOO_LONG : CONTROL_MORE);
}

/*
 * Append a field's value: space, '%', '=' and bytes outside 0x21 to
 * 0x7e as %XX, so that a record line splits on spaces and '=' alone.
 */
void
control_value(struct evbuffer *out, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const u_char		*p = (const u_char *)s, *run = p;
	char			 esc[3];

	for (; *p != '\0'; p++) {
		if (*p >= 0x21 && *p < 0x7f && *p != '%' && *p != '=')
			continue;
		if (p > run)
			evbuffer_add(out, run, p - run);
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 0xf];
		evbuffer_add(out, esc, sizeof esc);
		run = p + 1;
	}
	if (p > run)
		evbuffer_add(out, run, p - run);
}

/*
 * May a tap holding queued bytes take a line of len bytes?  If so, 1,
 * and *announce is how many records it missed before (to be said
 * first, in at most CONTROL_MISSED_LEN bytes, counted here); else the
 * record is counted missed and 0.
 */
int
control_tap_room(uint64_t *missed, size_t queued, size_t len,
    uint64_t *announce)
{
	size_t	need = len + (*missed > 0 ? CONTROL_MISSED_LEN : 0);

	*announce = 0;
	if (queued > CONTROL_TAP_BUF || need > CONTROL_TAP_BUF - queued) {
		(*missed)++;
		return (0);
	}
	*announce = *missed;
	*missed = 0;
	return (1);
}

/*
 * Make the socket at path, mode 0660, owned by uid and gid: a stale
 * socket (nobody answers) is replaced; a live one, or anything that is
 * not a socket, is left alone and refused.
 */
static int
control_bind(const char *path, uid_t uid, gid_t gid, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	mode_t			 mask;
	int			 fd = -1, probe, rc, saved_errno;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) < sizeof sun.sun_path)
		memcpy(sun.sun_path, path, strlen(path));
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "control socket %s: path too long", path);
		return (-1);
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "control socket %s: exists and is "
			    "not a socket, refusing to replace it", path);
			return (-1);
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe == -1)
			goto fail;
		rc = connect(probe, (struct sockaddr *)&sun, sizeof sun);
		saved_errno = errno;
		close(probe);
		if (rc == 0) {
			xasprintf(cause, "control socket %s: in use (another "
			    "tcplogd answers there)", path);
			return (-1);
		}
		if (saved_errno != ECONNREFUSED) {
			errno = saved_errno;
			goto fail;
		}
		if (unlink(path) == -1 && errno != ENOENT)
			goto fail;
		log_info("control socket %s: replaced a stale socket", path);
	} else if (errno != ENOENT)
		goto fail;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	/* Never more than 0660, not even between bind() and chmod(). */
	mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	saved_errno = errno;
	(void)umask(mask);
	errno = saved_errno;
	if (rc == -1)
		goto fail;
	if ((geteuid() == 0 && chown(path, uid, gid) == -1) ||
	    chmod(path, 0660) == -1) {
		saved_errno = errno;
		unlink(path);
		errno = saved_errno;
		goto fail;
	}
	return (fd);

fail:
	saved_errno = errno;
	if (fd != -1)
		close(fd);
	xasprintf(cause, "control socket %s: %s", path, strerror(saved_errno));
	errno = saved_errno;
	return (-1);
}

/* Make the control socket at path; NULL with a cause. */
struct control *
control_new(struct daemon *d, const char *path, uid_t uid, gid_t gid,
    const struct control_cb *cb, void *arg, char **cause)
{
	struct control	*ctl;
	int		 fd;

	if ((fd = control_bind(path, uid, gid, cause)) == -1)
		return (NULL);
	ctl = xcalloc(1, sizeof *ctl);
	ctl->d = d;
	ctl->cb = cb;
	ctl->cb_arg = arg;
	ctl->path = xstrdup(path);
	TAILQ_INIT(&ctl->clients);
	TAILQ_INIT(&ctl->taps);
	ctl->evl = evconnlistener_new(d->base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE, CONTROL_BACKLOG, fd);
	if (ctl->evl == NULL) {
		xasprintf(cause, "control socket %s: cannot listen", path);
		close(fd);
		unlink(path);
		free(ctl->path);
		free(ctl);
		return (NULL);
	}
	d->env.tap = control_tap_cb;
	d->env.tap_arg = ctl;
	log_info("control socket %s", path);
	return (ctl);
}

/* The daemon is stopping: accept no one any more. */
void
control_stop(struct control *ctl)
{
	evconnlistener_disable(ctl->evl);
}

/*
 * Free the control socket and its clients; taps first get what is
 * queued for them, within CONTROL_FLUSH_MSEC for all of them.
 */
void
control_free(struct control *ctl)
{
	struct control_client	*cl;

	if (ctl == NULL)
		return;
	control_flush_taps(ctl);
	while ((cl = TAILQ_FIRST(&ctl->clients)) != NULL)
		control_client_free(cl);
	evconnlistener_free(ctl->evl);
	if (unlink(ctl->path) == -1 && errno != ENOENT)
		log_warn("control socket %s: cannot remove it", ctl->path);
	ctl->d->env.taps = 0;
	ctl->d->env.tap = NULL;
	ctl->d->env.tap_arg = NULL;
	free(ctl->fmt[0]);
	free(ctl->fmt[1]);
	free(ctl->path);
	free(ctl);
}

/* Write what is queued for the taps, each without blocking, in time. */
static void
control_flush_taps(struct control *ctl)
{
	struct control_client	*cl;
	struct evbuffer		*out;
	struct timespec		 start, now;
	struct pollfd		 pfd;
	long			 left;
	int			 fd;

	clock_gettime(CLOCK_MONOTONIC, &start);
	TAILQ_FOREACH(cl, &ctl->taps, tentry) {
		out = bufferevent_get_output(cl->bev);
		fd = bufferevent_getfd(cl->bev);
		control_tap_missed(cl);
		while (evbuffer_get_length(out) > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = CONTROL_FLUSH_MSEC -
			    ((now.tv_sec - start.tv_sec) * 1000 +
			    (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left <= 0)
				return;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, (int)left) <= 0)
				return;
			if (evbuffer_write(out, fd) <= 0 && errno != EAGAIN &&
			    errno != EINTR)
				break;
		}
	}
}

/* A client connects: greet it, or turn it away if there are too many. */
static void
control_accept_cb(struct evconnlistener *evl __unused, evutil_socket_t fd,
    struct sockaddr *sa __unused, int salen __unused, void *arg)
{
	struct control		*ctl = arg;
	struct control_client	*cl;
	struct ucred		 cred;
	socklen_t		 len = sizeof cred;
	char			 buf[128];
	int			 n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	n = snprintf(buf, sizeof buf, "tcplogd-control %d %s\n",
	    CONTROL_VERSION, PACKAGE_VERSION);
	if (ctl->nclients >= CONTROL_CLIENTS_MAX) {
		/* Non-blocking and small: the socket buffer takes it. */
		n += snprintf(buf + n, sizeof buf - n,
		    "error too many clients\n");
		(void)write(fd, buf, n);
		close(fd);
		log_debug("control: too many clients, refused pid %ld",
		    (long)cred.pid);
		return;
	}
	cl = xcalloc(1, sizeof *cl);
	cl->ctl = ctl;
	cl->uid = cred.uid;
	cl->pid = cred.pid;
	cl->bev = bufferevent_socket_new(ctl->d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	cl->ev_timer = evtimer_new(ctl->d->base, control_timer_cb, cl);
	if (cl->bev == NULL || cl->ev_timer == NULL) {
		log_warnx("control: cannot set up a client");
		if (cl->bev != NULL)
			bufferevent_free(cl->bev);
		else
			close(fd);
		if (cl->ev_timer != NULL)
			event_free(cl->ev_timer);
		free(cl);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->clients, cl, entry);
	ctl->nclients++;
	bufferevent_setcb(cl->bev, control_read_cb, control_write_cb,
	    control_event_cb, cl);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	evbuffer_add(bufferevent_get_output(cl->bev), buf, n);
	control_replied(cl);
	log_debug("control: client pid %ld uid %lu", (long)cl->pid,
	    (unsigned long)cl->uid);
}

/* Free a client, now. */
static void
control_client_free(struct control_client *cl)
{
	struct control	*ctl = cl->ctl;
	size_t		 i;

	TAILQ_REMOVE(&ctl->clients, cl, entry);
	ctl->nclients--;
	if (cl->tap != NULL) {
		TAILQ_REMOVE(&ctl->taps, cl, tentry);
		ctl->ntaps--;
		ctl->d->env.taps = ctl->ntaps;
		for (i = 0; i < cl->tap->nnames; i++)
			free(cl->tap->names[i]);
		free(cl->tap->names);
		free(cl->tap);
	}
	event_free(cl->ev_timer);
	bufferevent_free(cl->bev);
	free(cl);
}

/*
 * Say why (if anything) and close once that is written, or after
 * CONTROL_REQUEST_SEC if the client does not read it.
 */
static void
control_close(struct control_client *cl, const char *why)
{
	struct timeval	tv = { CONTROL_REQUEST_SEC, 0 };
	struct evbuffer	*out = bufferevent_get_output(cl->bev);

	if (why != NULL)
		evbuffer_add_printf(out, "error %s\n", why);
	cl->closing = 1;
	bufferevent_disable(cl->bev, EV_READ);
	if (evbuffer_get_length(out) == 0) {
		control_client_free(cl);
		return;
	}
	evtimer_add(cl->ev_timer, &tv);
}

/* A reply is queued: the next request has CONTROL_REQUEST_SEC. */
static void
control_replied(struct control_client *cl)
{
	struct timeval	tv = { CONTROL_REQUEST_SEC, 0 };

	evtimer_add(cl->ev_timer, &tv);
}

/* Too slow to send a request, or to read the last words. */
static void
control_timer_cb(evutil_socket_t fd __unused, short what __unused,
    void *arg)
{
	struct control_client	*cl = arg;

	if (cl->closing) {
		control_client_free(cl);
		return;
	}
	log_debug("control: client pid %ld: request timeout", (long)cl->pid);
	control_close(cl, "request timeout");
}

/* Requests come in: answer each complete one, in order. */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			 line[CONTROL_LINE_MAX];
	size_t			 len, linelen;
	u_char			*p;

	while (!cl->closing) {
		if ((len = evbuffer_get_length(in)) == 0)
			return;
		if (cl->tap != NULL) {
			/* A tap says nothing more; its end is its close. */
			evbuffer_drain(in, len);
			return;
		}
		if (len > CONTROL_LINE_MAX)
			len = CONTROL_LINE_MAX;
		if ((p = evbuffer_pullup(in, len)) == NULL) {
			control_close(cl, NULL);
			return;
		}
		switch (control_scan(p, len, &linelen)) {
		case CONTROL_MORE:
			return;
		case CONTROL_TOO_LONG:
			log_debug("control: client pid %ld: request too long",
			    (long)cl->pid);
			control_close(cl, "request too long");
			return;
		case CONTROL_BAD_BYTE:
			log_debug("control: client pid %ld: control byte in "
			    "request", (long)cl->pid);
			control_close(cl, "control byte in request");
			return;
		case CONTROL_LINE:
			memcpy(line, p, linelen);
			line[linelen] = '\0';
			evbuffer_drain(in, linelen + 1);
			if (control_request(cl, line) != 0)
				return;
			break;
		}
	}
}

/*
 * The output went out.  A closing client is done; a tap that missed
 * records has room again, and says so at once.
 */
static void
control_write_cb(struct bufferevent *bev __unused, void *arg)
{
	struct control_client	*cl = arg;

	if (cl->closing) {
		control_client_free(cl);
		return;
	}
	if (cl->tap != NULL)
		control_tap_missed(cl);
}

/*
 * The client closed its side, or its socket failed.  A request client
 * still gets the replies queued for it (echo status | socat ...); a
 * tap's end is its client's close.
 */
static void
control_event_cb(struct bufferevent *bev __unused, short what, void *arg)
{
	struct control_client	*cl = arg;

	if ((what & BEV_EVENT_EOF) && cl->tap == NULL && !cl->closing)
		control_close(cl, NULL);
	else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		control_client_free(cl);
}

/* Answer one request line; -1 if the client is gone since. */
static int
control_request(struct control_client *cl, char *line)
{
	const struct control_request	*req;
	char				*words[CONTROL_WORDS_MAX], *p;
	struct evbuffer			*out;
	size_t				 n = 0;

	out = bufferevent_get_output(cl->bev);
	for (p = line; n < CONTROL_WORDS_MAX; n++) {
		words[n] = p;
		if ((p = strchr(p, ' ')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL) {
		evbuffer_add_printf(out, "error too many words\n");
		goto done;
	}
	if (n == 1 && *words[0] == '\0') {
		evbuffer_add_printf(out, "error empty request\n");
		goto done;
	}
	for (req = control_requests; req->name != NULL; req++) {
		if (strcmp(req->name, words[0]) == 0)
			break;
	}
	if (req->name == NULL) {
		evbuffer_add(out, "error unknown request ", 22);
		control_value(out, words[0]);
		evbuffer_add(out, "\n", 1);
		goto done;
	}
	if (req->privileged && cl->uid != 0 && cl->uid != geteuid()) {
		log_warnx("control: %s refused for uid %lu (pid %ld)",
		    req->name, (unsigned long)cl->uid, (long)cl->pid);
		evbuffer_add_printf(out, "error permission denied\n");
		goto done;
	}
	req->run(cl, words + 1, n - 1);
	if (cl->tap != NULL)
		return (0);

done:
	if (evbuffer_get_length(out) > CONTROL_OUT_MAX) {
		log_debug("control: client pid %ld does not read its replies, "
		    "dropped", (long)cl->pid);
		control_client_free(cl);
		return (-1);
	}
	control_replied(cl);
	return (0);
}

/*
 * A body line of free text (a change, an error): control bytes would
 * break the framing, so they become '?'.
 */
static void
control_body(struct control_client *cl, const char *text)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	const u_char	*p;

	evbuffer_add(out, "- ", 2);
	for (p = (const u_char *)text; *p != '\0'; p++)
		evbuffer_add(out, *p < 0x20 || *p == 0x7f ? "?" :
		    (const char *)p, 1);
	evbuffer_add(out, "\n", 1);
}

/* The body lines of an answer, then "ok" or "error failure". */
static void
control_answer(struct control_client *cl, struct control_answer *ans,
    int rc, const char *failure)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	size_t		 i;

	for (i = 0; i < ans->n; i++)
		control_body(cl, ans->lines[i]);
	if (rc == 0)
		evbuffer_add(out, "ok\n", 3);
	else
		evbuffer_add_printf(out, "error %s\n", failure);
	control_answer_free(ans);
}

/* " key=value" (the first field of a line is written by hand). */
static void
control_field(struct evbuffer *out, const char *key, const char *value)
{
	evbuffer_add_printf(out, " %s=", key);
	control_value(out, value);
}

static void
control_field_u64(struct evbuffer *out, const char *key, uint64_t value)
{
	evbuffer_add_printf(out, " %s=%llu", key, (unsigned long long)value);
}

/* Is there a listener of every name?  Else say which is not. */
static int
control_names(struct control_client *cl, char **names, size_t n)
{
	struct listener	*l;
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	size_t		 i;

	for (i = 0; i < n; i++) {
		TAILQ_FOREACH(l, &cl->ctl->d->listeners, entry) {
			if (strcmp(l->conf->name, names[i]) == 0)
				break;
		}
		if (l == NULL) {
			evbuffer_add(out, "error no listener ", 18);
			control_value(out, names[i]);
			evbuffer_add(out, "\n", 1);
			return (-1);
		}
	}
	return (0);
}

/* Is name one of names (all are, when there are none)? */
static int
control_named(char **names, size_t n, const char *name)
{
	size_t	i;

	if (n == 0)
		return (1);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (1);
	}
	return (0);
}

/* reload: read and apply the config, say what changed or what failed. */
static void
control_reload(struct control_client *cl, char **args, size_t n)
{
	struct control		*ctl = cl->ctl;
	struct control_answer	 ans = { NULL, 0 };
	int			 rc;

	if (n != 0) {
		evbuffer_add_printf(bufferevent_get_output(cl->bev),
		    "error reload takes no arguments\n");
		return;
	}
	rc = ctl->cb->reload(&ans, ctl->cb_arg);
	control_answer(cl, &ans, rc,
	    "reload failed: keeping the running configuration");
}

/* reopen: the output files only. */
static void
control_reopen(struct control_client *cl, char **args, size_t n)
{
	struct control		*ctl = cl->ctl;
	struct control_answer	 ans = { NULL, 0 };
	int			 rc;

	if (n != 0) {
		evbuffer_add_printf(bufferevent_get_output(cl->bev),
		    "error reopen takes no arguments\n");
		return;
	}
	rc = ctl->cb->reopen(&ans, ctl->cb_arg);
	control_answer(cl, &ans, rc, "reopen failed for some output files");
}

/* stats [LISTENER...]: every counter of the listeners and their outputs. */
static void
control_stats(struct control_client *cl, char **names, size_t n)
{
	struct daemon		*d = cl->ctl->d;
	struct evbuffer		*out = bufferevent_get_output(cl->bev);
	const struct counter	*row;
	struct listener		*l;
	struct sink		*s;
	size_t			 i;
	int			 used;

	if (control_names(cl, names, n) != 0)
		return;
	TAILQ_FOREACH(l, &d->listeners, entry) {
		if (!control_named(names, n, l->conf->name))
			continue;
		evbuffer_add(out, "- type=listener", 15);
		control_field(out, "name", l->conf->name);
		for (row = listener_counters; row->name != NULL; row++)
			control_field_u64(out, row->name,
			    counter_value(row, &l->stats));
		evbuffer_add(out, "\n", 1);
	}
	TAILQ_FOREACH(s, &d->sinks, entry) {
		used = 0;
		TAILQ_FOREACH(l, &d->listeners, entry) {
			if (!control_named(names, n, l->conf->name))
				continue;
			for (i = 0; i < l->nsinks; i++) {
				if (l->sinks[i] != s)
					continue;
				if (used)
					evbuffer_add(out, ",", 1);
				else {
					evbuffer_add(out, "- type=output", 13);
					control_field(out, "name", s->name);
					evbuffer_add(out, " listeners=", 11);
				}
				control_value(out, l->conf->name);
				used = 1;
				break;
			}
		}
		if (!used)
			continue;
		for (row = sink_counters; row->name != NULL; row++)
			control_field_u64(out, row->name,
			    counter_value(row, &s->stats));
		evbuffer_add(out, "\n", 1);
	}
	evbuffer_add(out, "ok\n", 3);
}

/* status: the daemon, its listeners, its outputs. */
static void
control_status(struct control_client *cl, char **args, size_t n)
{
	struct control		*ctl = cl->ctl;
	struct daemon		*d = ctl->d;
	struct evbuffer		*out = bufferevent_get_output(cl->bev);
	struct listener		*l;
	struct sink		*s;
	struct timespec		 now;
	size_t			 i;

	if (n != 0) {
		evbuffer_add_printf(out, "error status takes no arguments\n");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	evbuffer_add(out, "- type=daemon", 13);
	control_field(out, "version", PACKAGE_VERSION);
	control_field_u64(out, "pid", (uint64_t)getpid());
	control_field_u64(out, "uptime", (uint64_t)(now.tv_sec - d->started));
	control_field(out, "config", d->conf->path);
	control_field_u64(out, "connections", d->env.active);
	control_field_u64(out, "taps", ctl->ntaps);
	evbuffer_add(out, "\n", 1);
	TAILQ_FOREACH(l, &d->listeners, entry) {
		evbuffer_add(out, "- type=listener", 15);
		control_field(out, "name", l->conf->name);
		evbuffer_add(out, " listen=", 8);
		for (i = 0; i < l->socks.n; i++) {
			if (i > 0)
				evbuffer_add(out, ",", 1);
			control_value(out, l->socks.v[i].bound);
		}
		control_field(out, "mode", lconf_mode_string(l->conf->mode));
		control_field_u64(out, "connections", l->stats.active);
		control_field_u64(out, "paused", l->paused != 0);
		evbuffer_add(out, "\n", 1);
	}
	TAILQ_FOREACH(s, &d->sinks, entry) {
		evbuffer_add(out, "- type=output", 13);
		control_field(out, "name", s->name);
		control_field(out, "kind", s->ops->name);
		control_field_u64(out, "blocked", s->blocked != 0);
		control_field_u64(out, "broken", s->broken != 0);
		control_field_u64(out, "pending", sink_pending(s));
		evbuffer_add(out, "\n", 1);
	}
	evbuffer_add(out, "ok\n", 3);
}

/* conns [LISTENER...]: the open connections. */
static void
control_conns(struct control_client *cl, char **names, size_t n)
{
	struct daemon	*d = cl->ctl->d;
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	struct listener	*l;
	struct conn	*c;
	const char	*stage;

	if (control_names(cl, names, n) != 0)
		return;
	TAILQ_FOREACH(l, &d->listeners, entry) {
		if (!control_named(names, n, l->conf->name))
			continue;
		TAILQ_FOREACH(c, &l->conns, entry) {
			evbuffer_add(out, "- type=conn", 11);
			control_field(out, "listener", l->conf->name);
			control_field(out, "peer", c->peer);
			control_field_u64(out, "since", (uint64_t)c->since);
			control_field_u64(out, "records", c->records);
			control_field_u64(out, "bytes", c->bytes);
			stage = "data";
			if (c->stage != NULL && *c->stage != NULL)
				stage = strcmp((*c->stage)->name, "PROXY") ==
				    0 ? "proxy" : (*c->stage)->name;
			control_field(out, "stage", stage);
			control_field_u64(out, "paused", c->paused != 0);
			evbuffer_add(out, "\n", 1);
		}
	}
	evbuffer_add(out, "ok\n", 3);
}

/* tap text|json [LISTENER...]: "ok", then the records, until closed. */
static void
control_tap(struct control_client *cl, char **args, size_t n)
{
	struct control		*ctl = cl->ctl;
	struct evbuffer		*out = bufferevent_get_output(cl->bev);
	struct control_tap	*t;
	size_t			 i;
	int			 json;

	if (n == 0 || (strcmp(args[0], "text") != 0 &&
	    strcmp(args[0], "json") != 0)) {
		evbuffer_add_printf(out, "error tap needs text or json\n");
		return;
	}
	json = strcmp(args[0], "json") == 0;
	if (control_names(cl, args + 1, n - 1) != 0)
		return;
	if (ctl->ntaps >= CONTROL_TAPS_MAX) {
		evbuffer_add_printf(out, "error too many taps\n");
		return;
	}
	t = cl->tap = xcalloc(1, sizeof *t);
	t->json = json;
	t->nnames = n - 1;
	t->names = xcalloc(t->nnames + 1, sizeof *t->names);
	for (i = 0; i < t->nnames; i++)
		t->names[i] = xstrdup(args[1 + i]);
	TAILQ_INSERT_TAIL(&ctl->taps, cl, tentry);
	ctl->ntaps++;
	ctl->d->env.taps = ctl->ntaps;
	evtimer_del(cl->ev_timer);
	evbuffer_add(out, "ok\n", 3);
	log_debug("control: client pid %ld taps %zu listener%s", (long)cl->pid,
	    t->nnames, t->nnames == 1 ? "" : "s");
}

/*
 * A record was written (listener_write()): format it once per format
 * some tap wants, and queue it on every tap of its listener that has
 * room.  Never more than that: a tap never holds anything back.
 */
static void
control_tap_cb(const struct record *rec, void *arg)
{
	struct control		*ctl = arg;
	struct control_client	*cl;
	struct control_tap	*t;
	size_t			 len[2] = { 0, 0 }, max;
	int			 k, flags;

	TAILQ_FOREACH(cl, &ctl->taps, tentry) {
		t = cl->tap;
		if (!control_named(t->names, t->nnames, rec->listener))
			continue;
		k = t->json;
		if (len[k] == 0) {
			/* Longer than a tap can hold: missed by all. */
			if (rec->type == REC_DATA &&
			    rec->len >= CONTROL_TAP_BUF) {
				t->missed++;
				continue;
			}
			flags = FORMAT_TIME | (k ? FORMAT_JSON_LINE : 0);
			max = format_line_max(rec, flags);
			if (max > ctl->fmtsize[k]) {
				free(ctl->fmt[k]);
				ctl->fmt[k] = xmalloc(max);
				ctl->fmtsize[k] = max;
			}
			len[k] = format_line(ctl->fmt[k], rec, flags);
		}
		control_tap_queue(cl, ctl->fmt[k], len[k]);
	}
	for (k = 0; k < 2; k++) {
		if (ctl->fmtsize[k] > CONTROL_SCRATCH_KEEP) {
			free(ctl->fmt[k]);
			ctl->fmt[k] = NULL;
			ctl->fmtsize[k] = 0;
		}
	}
}

/* Queue a line on a tap if it has room, after what it missed. */
static void
control_tap_queue(struct control_client *cl, const char *line, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	uint64_t	 missed;

	if (cl->closing ||
	    !control_tap_room(&cl->tap->missed, evbuffer_get_length(out), len,
	    &missed))
		return;
	if (missed > 0)
		evbuffer_add_printf(out, "tcplogd: tap missed %llu records\n",
		    (unsigned long long)missed);
	evbuffer_add(out, line, len);
}

/* A tap that missed records and has room now: say how many. */
static void
control_tap_missed(struct control_client *cl)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	uint64_t	 missed;

	if ((missed = cl->tap->missed) == 0 ||
	    evbuffer_get_length(out) > CONTROL_TAP_BUF - CONTROL_MISSED_LEN)
		return;
	cl->tap->missed = 0;
	evbuffer_add_printf(out, "tcplogd: tap missed %llu records\n",
	    (unsigned long long)missed);
}
