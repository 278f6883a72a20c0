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
 * tcplogctl: talks to a running tcplogd over its control socket
 * (control = PATH in [tcplogd]): one request per run, the reply shown
 * as text or JSON lines, or, for tap, the records streamed until it is
 * interrupted.  A short-lived client, after lldpcli: it exits on any
 * error with a sysexits code, and bounds every wait but the tap's.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>

#include "ctl_msg.h"
#include "log.h"

/* Where the unit's RuntimeDirectory=tcplogd puts the daemon's socket. */
#define CTL_SOCKET_DEFAULT	"/run/tcplogd/control"
#define CTL_TIMEOUT_DEFAULT	30		/* seconds */
#define CTL_REQUEST_MAX		1024		/* with its LF */
#define CTL_LINE_MAX		(1024 * 1024)	/* a reply line, at most */
#define CTL_TAP_BUFFER		(256 * 1024)	/* one read, one write */

/* The connection and its read buffer. */
struct ctl {
	const char	*path;		/* borrowed from argv or config */
	int		 fd;
	int		 timeout;	/* milliseconds, per wait */
	char		*buf;		/* owned */
	size_t		 off;		/* unread data starts here */
	size_t		 len;		/* and is this long */
	size_t		 size;
	unsigned int	 proto;		/* from the greeting */
};

/* A reply: the body lines (without "- ") and the final line. */
struct reply {
	char		**body;		/* owned, each owned */
	size_t		  nbody;
	char		 *error;	/* owned, NULL: ok */
};

/* What -f CONFIG says of control =. */
struct ctl_conf {
	char		*control;	/* owned, NULL: not given */
	int		 line;
};

struct ctl_cmd {
	const char	*name;
	int		 names;		/* takes LISTENER arguments */
	int		 (*run)(struct ctl *, const char *, int, char **,
			    int);
};

static void	usage(FILE *);

/* Before each error line: "<3>" when stderr is the journal, else "". */
static const char *ctl_errpfx = "";
static long	ctl_now(void);
static int	ctl_wait(struct ctl *, short, long);
static void	ctl_connect(struct ctl *);
static void	ctl_greet(struct ctl *);
static int	ctl_read_line(struct ctl *, char **);
static int	ctl_fill(struct ctl *, long);
static void	ctl_send(struct ctl *, const char *, int, char **);
static int	ctl_request(struct ctl *, const char *, int, char **,
		    struct reply *);
static void	ctl_reply_free(struct reply *);
static int	ctl_daemon_error(const char *, const struct reply *);
static void	ctl_records(const struct reply *, struct ctl_record **,
		    size_t *);
static void	ctl_records_free(struct ctl_record *, size_t);
static void	ctl_print_safe(FILE *, const char *);
static void	ctl_print_block(const struct ctl_record *, size_t,
		    const char *, const char *const *);
static void	ctl_print_table(const struct ctl_record *, size_t,
		    const char *, const char *);
static int	ctl_conf_cb(void *, const char *, const char *,
		    const char *);
static char	*ctl_conf_reader(char *, int, void *);
static char	*ctl_conf_socket(const char *);
static void	ctl_write(int, const char *, size_t);
static void	ctl_tap_output(struct ctl *, int, int);
static int	ctl_query(struct ctl *, const char *, int, char **,
		    struct reply *, struct ctl_record **, size_t *);
static void	ctl_json_records(const struct ctl_record *, size_t);
static int	cmd_simple(struct ctl *, const char *, int, char **, int);
static int	cmd_stats(struct ctl *, const char *, int, char **, int);
static int	cmd_status(struct ctl *, const char *, int, char **, int);
static int	cmd_conns(struct ctl *, const char *, int, char **, int);
static int	cmd_tap(struct ctl *, const char *, int, char **, int);

static const struct ctl_cmd ctl_cmds[] = {
	{ "reload", 0, cmd_simple },
	{ "reopen", 0, cmd_simple },
	{ "stats", 1, cmd_stats },
	{ "status", 0, cmd_status },
	{ "conns", 1, cmd_conns },
	{ "tap", 1, cmd_tap },
	{ NULL, 0, NULL }
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: tcplogctl [-hjV] [-s socket | -f config] "
	    "[-t seconds] command [argument ...]\n"
	    "  -s, --socket PATH      the control socket (default %s)\n"
	    "  -f, --config FILE      take the socket from control = in FILE\n"
	    "  -j, --json             JSON lines (stats, status, conns, tap)\n"
	    "  -t, --timeout SECONDS  bound on every wait (default %d)\n"
	    "  -V, --version          print the version and exit\n"
	    "  -h, --help             print this help and exit\n"
	    "commands:\n"
	    "  reload                 reload the configuration and say what "
	    "changed\n"
	    "  reopen                 reopen the output files\n"
	    "  stats [-j] [LISTENER ...]  the counters\n"
	    "  status [-j]            version, uptime, listeners, outputs\n"
	    "  conns [-j] [LISTENER ...]  the open connections\n"
	    "  tap [-j] [LISTENER ...]    the records as they arrive\n",
	    CTL_SOCKET_DEFAULT, CTL_TIMEOUT_DEFAULT);
}

int
main(int argc, char **argv)
{
	struct ctl		 ctl;
	const struct ctl_cmd	*cmd;
	const char		*config = NULL, *sockpath = NULL;
	char			*conf_socket = NULL, *end;
	int			 ch, json = 0, i, rc;
	long			 timeout = CTL_TIMEOUT_DEFAULT;

	memset(&ctl, 0, sizeof ctl);
	ctl.fd = -1;
#ifdef __GLIBC__
	/*
	 * Run by the unit (ExecReload=), stderr is the journal: errors must
	 * reach it at priority err, and warnx() starts its lines with the
	 * program's name.
	 */
	if (log_is_journal(STDERR_FILENO)) {
		static char	journal_name[] = "<3>tcplogctl";

		ctl_errpfx = "<3>";
		program_invocation_short_name = journal_name;
	}
#endif
	/* "+": options after the command are the command's. */
	while ((ch = getopt_long(argc, argv, "+s:f:jt:Vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			sockpath = optarg;
			break;
		case 'f':
			config = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    timeout < 1 || timeout > 86400) {
				warnx("-t: not a number of seconds from 1 to "
				    "86400: %s", optarg);
				usage(stderr);
				return (EX_USAGE);
			}
			break;
		case 'V':
			printf("tcplogctl %s (control protocol %d)\n",
			    PACKAGE_VERSION, CTL_PROTOCOL);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		warnx("no command");
		usage(stderr);
		return (EX_USAGE);
	}
	if (sockpath != NULL && config != NULL) {
		warnx("-s and -f: give one of them");
		return (EX_USAGE);
	}
	for (cmd = ctl_cmds; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, argv[0]) == 0)
			break;
	}
	if (cmd->name == NULL) {
		warnx("unknown command: %s", argv[0]);
		usage(stderr);
		return (EX_USAGE);
	}

	/* The command's own options: -j, then its listeners. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-j") != 0 || strcmp(cmd->name, "reload")
		    == 0 || strcmp(cmd->name, "reopen") == 0) {
			warnx("%s: unknown option %s", cmd->name, argv[i]);
			usage(stderr);
			return (EX_USAGE);
		}
		json = 1;
	}
	if (!cmd->names && i < argc) {
		warnx("%s: unexpected argument: %s", cmd->name, argv[i]);
		usage(stderr);
		return (EX_USAGE);
	}

	if (config != NULL)
		sockpath = conf_socket = ctl_conf_socket(config);
	ctl.path = sockpath != NULL ? sockpath : CTL_SOCKET_DEFAULT;
	ctl.timeout = (int)timeout * 1000;
	ctl_connect(&ctl);
	ctl_greet(&ctl);
	rc = cmd->run(&ctl, cmd->name, argc - i, argv + i, json);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("standard output");
		rc = 1;
	}
	close(ctl.fd);
	free(ctl.buf);
	free(conf_socket);
	return (rc);
}

/* Milliseconds on the monotonic clock. */
static long
ctl_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Wait until the socket is ready for events or the deadline passes:
 * 0 ready, -1 timed out.
 */
static int
ctl_wait(struct ctl *ctl, short events, long deadline)
{
	struct pollfd	pfd;
	long		left;
	int		n;

	for (;;) {
		left = deadline < 0 ? -1 : deadline - ctl_now();
		if (deadline >= 0 && left < 0)
			left = 0;
		pfd.fd = ctl->fd;
		pfd.events = events;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return (0);
		if (n == 0)
			return (-1);
		if (errno != EINTR)
			err(1, "poll");
	}
}

/* Connect to the socket, with a word on each way it can fail. */
static void
ctl_connect(struct ctl *ctl)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv;
	const char		*hint;
	int			 saved_errno;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(ctl->path) >= sizeof sun.sun_path)
		errx(EX_USAGE, "%s: socket path too long (at most %zu bytes)",
		    ctl->path, sizeof sun.sun_path - 1);
	memcpy(sun.sun_path, ctl->path, strlen(ctl->path) + 1);
	if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EX_OSERR, "socket");

	/* Linux bounds connect() on a full backlog by SO_SNDTIMEO. */
	tv.tv_sec = ctl->timeout / 1000;
	tv.tv_usec = 0;
	if (setsockopt(ctl->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1)
		err(EX_OSERR, "setsockopt");
	if (connect(ctl->fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
		if (fcntl(ctl->fd, F_SETFL, O_NONBLOCK) == -1)
			err(EX_OSERR, "fcntl");
		return;
	}
	saved_errno = errno;
	switch (saved_errno) {
	case ENOENT:
	case ENOTDIR:
		hint = "is tcplogd running, with control = set? "
		    "Name the socket with -s PATH, or the daemon's "
		    "config with -f CONFIG";
		break;
	case EACCES:
	case EPERM:
		hint = "the socket is for the daemon's user and group: "
		    "run as one of them or as root";
		break;
	case ECONNREFUSED:
		hint = "nothing listens there: tcplogd is not running, or "
		    "it is another daemon's socket (see -s and -f)";
		break;
	case EAGAIN:
	case EINPROGRESS:
		errx(EX_TEMPFAIL, "cannot connect to %s: timed out after "
		    "%d s (the daemon does not accept)", ctl->path,
		    ctl->timeout / 1000);
	default:
		hint = "see -s PATH and -f CONFIG";
		break;
	}
	errx(EX_UNAVAILABLE, "cannot connect to %s: %s (%s)", ctl->path,
	    strerror(saved_errno), hint);
}

/* Read and check the greeting "tcplogd-control N VERSION". */
static void
ctl_greet(struct ctl *ctl)
{
	const char	*version;
	char		*line;
	int		 n;

	if ((n = ctl_read_line(ctl, &line)) == 0)
		errx(EX_PROTOCOL, "%s: closed without a greeting "
		    "(not a tcplogd control socket?)", ctl->path);
	if (n == -1)
		errx(EX_TEMPFAIL, "%s: no greeting within %d s", ctl->path,
		    ctl->timeout / 1000);
	if (strncmp(line, "error ", 6) == 0)
		errx(strcmp(line + 6, "too many clients") == 0 ? EX_TEMPFAIL :
		    1, "%s: %s", ctl->path, line + 6);
	if (ctl_greeting(line, &ctl->proto, &version) == -1)
		errx(EX_PROTOCOL, "%s: not a tcplogd control socket "
		    "(it said \"%.60s\")", ctl->path, line);
	/*
	 * A later version may change what this client relies on: rather
	 * than guess, say which tcplogctl to use.
	 */
	if (ctl->proto != CTL_PROTOCOL)
		errx(EX_PROTOCOL, "%s: tcplogd %s speaks control protocol %u; "
		    "this tcplogctl %s speaks %d: use the tcplogctl of "
		    "tcplogd %s", ctl->path, version, ctl->proto,
		    PACKAGE_VERSION, CTL_PROTOCOL, version);
}

/*
 * Read more into the buffer, waiting until deadline (-1: forever):
 * the number of bytes read, 0 at the end, -1 when timed out.
 */
static int
ctl_fill(struct ctl *ctl, long deadline)
{
	ssize_t	n;

	if (ctl->off > 0 && ctl->off + ctl->len == ctl->size) {
		memmove(ctl->buf, ctl->buf + ctl->off, ctl->len);
		ctl->off = 0;
	}
	if (ctl->off + ctl->len == ctl->size) {
		ctl->size = ctl->size == 0 ? CTL_TAP_BUFFER : ctl->size * 2;
		if ((ctl->buf = realloc(ctl->buf, ctl->size)) == NULL)
			err(EX_OSERR, "realloc");
	}
	for (;;) {
		if (ctl_wait(ctl, POLLIN, deadline) == -1)
			return (-1);
		n = read(ctl->fd, ctl->buf + ctl->off + ctl->len,
		    ctl->size - ctl->off - ctl->len);
		if (n >= 0) {
			ctl->len += n;
			return ((int)n);
		}
		if (errno == ECONNRESET)
			return (0);
		if (errno != EAGAIN && errno != EINTR)
			err(1, "%s: read", ctl->path);
	}
}

/*
 * The next line, without its LF, in the buffer (valid until the next
 * read): 1, or 0 at the end, -1 when it did not come in time.
 */
static int
ctl_read_line(struct ctl *ctl, char **line)
{
	char	*nl;
	long	 deadline = ctl_now() + ctl->timeout;
	int	 n;

	for (;;) {
		if (ctl->len > 0 && (nl = memchr(ctl->buf + ctl->off, '\n',
		    ctl->len)) != NULL) {
			*nl = '\0';
			*line = ctl->buf + ctl->off;
			ctl->len -= nl + 1 - *line;
			ctl->off = ctl->len == 0 ? 0 : ctl->off + (nl + 1 - *line);
			if (memchr(*line, '\0', nl - *line) != NULL)
				errx(EX_PROTOCOL, "%s: a NUL in the reply",
				    ctl->path);
			return (1);
		}
		if (ctl->len >= CTL_LINE_MAX)
			errx(EX_PROTOCOL, "%s: a reply line longer than %d "
			    "bytes", ctl->path, CTL_LINE_MAX);
		if ((n = ctl_fill(ctl, deadline)) <= 0)
			return (n);
	}
}

/* Send "WORD [ARG ...]\n", bounded in time. */
static void
ctl_send(struct ctl *ctl, const char *word, int argc, char **argv)
{
	char	 req[CTL_REQUEST_MAX + 1];
	size_t	 len, off = 0;
	ssize_t	 n;
	long	 deadline;
	int	 i;

	len = strlen(word);
	memcpy(req, word, len);
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '\0' || strpbrk(argv[i], " \t\r\n") != NULL)
			errx(EX_USAGE, "not a listener name: \"%s\"", argv[i]);
		if (len + 1 + strlen(argv[i]) + 1 > CTL_REQUEST_MAX)
			break;
		req[len++] = ' ';
		memcpy(req + len, argv[i], strlen(argv[i]));
		len += strlen(argv[i]);
	}
	if (i < argc)
		errx(EX_USAGE, "request too long (at most %d bytes)",
		    CTL_REQUEST_MAX);
	req[len++] = '\n';

	deadline = ctl_now() + ctl->timeout;
	while (off < len) {
		n = send(ctl->fd, req + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += n;
			continue;
		}
		/*
		 * Closed: what the daemon said before (an error after the
		 * greeting: too many clients) is still there to read.
		 */
		if (errno == EPIPE || errno == ECONNRESET)
			return;
		if (errno != EAGAIN && errno != EINTR)
			err(1, "%s: send", ctl->path);
		if (ctl_wait(ctl, POLLOUT, deadline) == -1)
			errx(EX_TEMPFAIL, "%s: cannot send within %d s",
			    ctl->path, ctl->timeout / 1000);
	}
}

/*
 * Send a request and read its reply: 0 when it ends in "ok", 1 when in
 * "error TEXT".  Anything else ends tcplogctl.
 */
static int
ctl_request(struct ctl *ctl, const char *word, int argc, char **argv,
    struct reply *r)
{
	char	*line;
	int	 n;

	memset(r, 0, sizeof *r);
	ctl_send(ctl, word, argc, argv);
	for (;;) {
		if ((n = ctl_read_line(ctl, &line)) == 0)
			errx(1, "%s: the daemon closed the connection "
			    "before it answered %s", ctl->path, word);
		if (n == -1)
			errx(EX_TEMPFAIL, "%s: no answer to %s within %d s "
			    "(see -t)", ctl->path, word, ctl->timeout / 1000);
		if (strncmp(line, "- ", 2) == 0) {
			r->body = reallocarray(r->body, r->nbody + 1,
			    sizeof *r->body);
			if (r->body == NULL ||
			    (r->body[r->nbody] = strdup(line + 2)) == NULL)
				err(EX_OSERR, "malloc");
			r->nbody++;
		} else if (strcmp(line, "ok") == 0) {
			return (0);
		} else if (strcmp(line, "error too many clients") == 0) {
			errx(EX_TEMPFAIL, "%s: too many clients", ctl->path);
		} else if (strncmp(line, "error ", 6) == 0) {
			if ((r->error = strdup(line + 6)) == NULL)
				err(EX_OSERR, "malloc");
			return (1);
		} else
			errx(EX_PROTOCOL, "%s: unexpected reply line "
			    "\"%.60s\"", ctl->path, line);
	}
}

static void
ctl_reply_free(struct reply *r)
{
	size_t	i;

	for (i = 0; i < r->nbody; i++)
		free(r->body[i]);
	free(r->body);
	free(r->error);
	memset(r, 0, sizeof *r);
}

/* Print a reply that ended in an error, return 1 (the exit status). */
static int
ctl_daemon_error(const char *word, const struct reply *r)
{
	size_t	i;

	for (i = 0; i < r->nbody; i++) {
		fputs(ctl_errpfx, stderr);
		ctl_print_safe(stderr, r->body[i]);
		fputc('\n', stderr);
	}
	if (strcmp(r->error, "permission denied") == 0)
		warnx("%s: permission denied (it needs the daemon's user or "
		    "root)", word);
	else
		warnx("%s", r->error);
	return (1);
}

/* The body as records; a line that is not one ends tcplogctl. */
static void
ctl_records(const struct reply *r, struct ctl_record **recs, size_t *n)
{
	size_t	i;

	if ((*recs = calloc(r->nbody + 1, sizeof **recs)) == NULL)
		err(EX_OSERR, "calloc");
	for (i = 0; i < r->nbody; i++) {
		if (ctl_record_parse(r->body[i], &(*recs)[i]) == -1 ||
		    ctl_record_get(&(*recs)[i], "type") == NULL)
			errx(EX_PROTOCOL, "not a record: \"%.60s\"",
			    r->body[i]);
	}
	*n = r->nbody;
}

static void
ctl_records_free(struct ctl_record *recs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ctl_record_free(&recs[i]);
	free(recs);
}

/* Print text from the daemon with control bytes as '?'. */
static void
ctl_print_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/*
 * Records as blocks: a title ("TYPE NAME" when title is NULL), then
 * one "  key  value" line per other field but those in skip, keys and
 * numbers aligned over all blocks.
 */
static void
ctl_print_block(const struct ctl_record *recs, size_t n, const char *title,
    const char *const *skip)
{
	const struct ctl_field	*cf;
	const char *const	*sk;
	size_t			 i, j, kw = 0, vw = 0, len;

	for (i = 0; i < n; i++) {
		for (j = 0; j < recs[i].nfields; j++) {
			cf = &recs[i].fields[j];
			if ((len = strlen(cf->key)) > kw)
				kw = len;
			if (ctl_is_number(cf->value) &&
			    (len = strlen(cf->value)) > vw)
				vw = len;
		}
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar('\n');
		if (title != NULL)
			ctl_print_safe(stdout, title);
		else {
			ctl_print_safe(stdout, ctl_record_get(&recs[i],
			    "type"));
			if (ctl_record_get(&recs[i], "name") != NULL) {
				putchar(' ');
				ctl_print_safe(stdout,
				    ctl_record_get(&recs[i], "name"));
			}
		}
		putchar('\n');
		for (j = 0; j < recs[i].nfields; j++) {
			cf = &recs[i].fields[j];
			for (sk = skip; sk != NULL && *sk != NULL; sk++) {
				if (strcmp(*sk, cf->key) == 0)
					break;
			}
			if (strcmp(cf->key, "type") == 0 ||
			    strcmp(cf->key, "name") == 0 ||
			    (sk != NULL && *sk != NULL))
				continue;
			printf("  %-*s  ", (int)kw, cf->key);
			if (ctl_is_number(cf->value))
				printf("%*s", (int)vw, cf->value);
			else
				ctl_print_safe(stdout, cf->value);
			putchar('\n');
		}
	}
}

/*
 * The records of one type as a table: a column per key, in the order
 * they first appear, headed by the key in capitals (first the name key,
 * headed by head); numbers aligned right.  "since" is shown as a time.
 */
static void
ctl_print_table(const struct ctl_record *all, size_t nall, const char *type,
    const char *head)
{
	const char	**keys = NULL, *v;
	char		**cells = NULL, tbuf[32];
	size_t		 *width = NULL, nkeys = 0, nrows = 0, i, j, k, len;
	int		 *numeric = NULL;
	time_t		  t;
	struct tm	 *tm;

	/* The columns. */
	for (i = 0; i < nall; i++) {
		if (strcmp(ctl_record_get(&all[i], "type"), type) != 0)
			continue;
		nrows++;
		for (j = 0; j < all[i].nfields; j++) {
			if (strcmp(all[i].fields[j].key, "type") == 0)
				continue;
			for (k = 0; k < nkeys; k++) {
				if (strcmp(keys[k], all[i].fields[j].key) == 0)
					break;
			}
			if (k < nkeys)
				continue;
			keys = reallocarray(keys, nkeys + 1, sizeof *keys);
			if (keys == NULL)
				err(EX_OSERR, "reallocarray");
			keys[nkeys++] = all[i].fields[j].key;
		}
	}
	if (nrows == 0)
		return;
	width = calloc(nkeys, sizeof *width);
	numeric = calloc(nkeys, sizeof *numeric);
	cells = calloc(nkeys * (nrows + 1), sizeof *cells);
	if (width == NULL || numeric == NULL || cells == NULL)
		err(EX_OSERR, "calloc");

	/* The cells, as printed: header first. */
	for (k = 0; k < nkeys; k++) {
		v = k == 0 && head != NULL ? head : keys[k];
		if ((cells[k] = strdup(v)) == NULL)
			err(EX_OSERR, "strdup");
		for (j = 0; cells[k][j] != '\0'; j++) {
			if (cells[k][j] >= 'a' && cells[k][j] <= 'z')
				cells[k][j] -= 'a' - 'A';
		}
		width[k] = strlen(cells[k]);
		numeric[k] = 1;
	}
	for (i = 0, j = 1; i < nall; i++) {
		if (strcmp(ctl_record_get(&all[i], "type"), type) != 0)
			continue;
		for (k = 0; k < nkeys; k++) {
			if ((v = ctl_record_get(&all[i], keys[k])) == NULL)
				v = "-";
			else if (!ctl_is_number(v))
				numeric[k] = 0;
			if (strcmp(keys[k], "since") == 0 &&
			    ctl_is_number(v)) {
				t = (time_t)strtoll(v, NULL, 10);
				if ((tm = localtime(&t)) != NULL &&
				    strftime(tbuf, sizeof tbuf,
				    "%Y-%m-%dT%H:%M:%S", tm) != 0)
					v = tbuf;
				numeric[k] = 0;
			}
			if ((cells[j * nkeys + k] = strdup(v)) == NULL)
				err(EX_OSERR, "strdup");
			if ((len = strlen(v)) > width[k])
				width[k] = len;
		}
		j++;
	}
	for (i = 0; i <= nrows; i++) {
		for (k = 0; k < nkeys; k++) {
			v = cells[i * nkeys + k];
			len = strlen(v);
			if (numeric[k])
				printf("%*s", (int)(width[k] - len), "");
			ctl_print_safe(stdout, v);
			if (k + 1 < nkeys)
				printf("%*s", (int)(numeric[k] ? 2 :
				    width[k] - len + 2), "");
		}
		putchar('\n');
	}
	for (i = 0; i < nkeys * (nrows + 1); i++)
		free(cells[i]);
	free(cells);
	free(numeric);
	free(width);
	free(keys);
}

/* reload, reopen: the body as it is, to stdout or, on error, stderr. */
static int
cmd_simple(struct ctl *ctl, const char *word, int argc, char **argv,
    int json)
{
	struct reply	 r;
	size_t		 i;
	int		 rc;

	if (ctl_request(ctl, word, 0, NULL, &r) != 0) {
		rc = ctl_daemon_error(word, &r);
		ctl_reply_free(&r);
		return (rc);
	}
	for (i = 0; i < r.nbody; i++) {
		ctl_print_safe(stdout, r.body[i]);
		putchar('\n');
	}
	ctl_reply_free(&r);
	return (0);
}

/*
 * Send word with its arguments: 0 with the reply and its records, or
 * the exit status of an error reply, said on stderr.
 */
static int
ctl_query(struct ctl *ctl, const char *word, int argc, char **argv,
    struct reply *r, struct ctl_record **recs, size_t *n)
{
	int	rc;

	if (ctl_request(ctl, word, argc, argv, r) != 0) {
		rc = ctl_daemon_error(word, r);
		ctl_reply_free(r);
		return (rc);
	}
	ctl_records(r, recs, n);
	return (0);
}

/* One JSON object a line, for -j. */
static void
ctl_json_records(const struct ctl_record *recs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ctl_json_record(stdout, &recs[i]);
}

/* stats [LISTENER ...]: blocks, or JSON lines. */
static int
cmd_stats(struct ctl *ctl, const char *word, int argc, char **argv,
    int json)
{
	struct reply		 r;
	struct ctl_record	*recs;
	size_t			 n;
	int			 rc;

	if ((rc = ctl_query(ctl, "stats", argc, argv, &r, &recs, &n)) != 0)
		return (rc);
	if (json)
		ctl_json_records(recs, n);
	else
		ctl_print_block(recs, n, NULL, NULL);
	ctl_records_free(recs, n);
	ctl_reply_free(&r);
	return (0);
}

/* status: the daemon, then tables of the listeners and the outputs. */
static int
cmd_status(struct ctl *ctl, const char *word, int argc, char **argv,
    int json)
{
	struct reply		 r;
	struct ctl_record	*recs;
	static const char *const daemon_skip[] = {
		"version", "pid", "uptime", NULL
	};
	size_t			 n, i;
	const char		*up, *v, *pid;
	char			*title;
	long long		 s;
	int			 rc;

	if ((rc = ctl_query(ctl, "status", 0, NULL, &r, &recs, &n)) != 0)
		return (rc);
	if (json) {
		ctl_json_records(recs, n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ctl_record_get(&recs[i], "type"), "daemon") != 0)
			continue;
		if ((v = ctl_record_get(&recs[i], "version")) == NULL)
			v = "?";
		if ((up = ctl_record_get(&recs[i], "uptime")) == NULL ||
		    !ctl_is_number(up))
			up = "0";
		s = strtoll(up, NULL, 10);
		if ((pid = ctl_record_get(&recs[i], "pid")) == NULL)
			pid = "?";
		if (asprintf(&title, "tcplogd %s, pid %s, up %lldd "
		    "%02lld:%02lld:%02lld", v, pid, s / 86400, s / 3600 % 24,
		    s / 60 % 60, s % 60) == -1)
			err(EX_OSERR, "asprintf");
		ctl_print_block(&recs[i], 1, title, daemon_skip);
		free(title);
		putchar('\n');
	}
	ctl_print_table(recs, n, "listener", "listener");
	putchar('\n');
	ctl_print_table(recs, n, "output", "output");
out:
	ctl_records_free(recs, n);
	ctl_reply_free(&r);
	return (0);
}

/* conns [LISTENER ...]: a table, or JSON lines. */
static int
cmd_conns(struct ctl *ctl, const char *word, int argc, char **argv,
    int json)
{
	struct reply		 r;
	struct ctl_record	*recs;
	size_t			 n;
	int			 rc;

	if ((rc = ctl_query(ctl, "conns", argc, argv, &r, &recs, &n)) != 0)
		return (rc);
	if (json)
		ctl_json_records(recs, n);
	else
		ctl_print_table(recs, n, "conn", NULL);
	ctl_records_free(recs, n);
	ctl_reply_free(&r);
	return (0);
}

/* write(2) all of buf, or end tcplogctl. */
static void
ctl_write(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				exit(1);
			err(1, "%s", fd == 1 ? "standard output" :
			    "standard error");
		}
		buf += n;
		len -= n;
	}
}

/*
 * Write the buffered tap data: whole lines, or all of it at the end or
 * when one line fills the buffer.  With json, the daemon's own lines
 * ("tcplogd: tap missed N records") go to stderr, so that stdout holds
 * JSON alone; they only ever start a line.
 */
static void
ctl_tap_output(struct ctl *ctl, int json, int all)
{
	static int	 midline;	/* the last write ended inside a line */
	char		*p = ctl->buf + ctl->off, *end, *nl, *from;
	size_t		 len = ctl->len;

	if (!all && (nl = memrchr(p, '\n', len)) != NULL)
		len = nl + 1 - p;
	else if (!all && len < ctl->size / 2)
		return;
	end = p + len;
	if (json) {
		for (from = p; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				nl = end - 1;
			if (!midline && end - p >= 9 &&
			    memcmp(p, "tcplogd: ", 9) == 0) {
				ctl_write(1, from, p - from);
				ctl_write(2, p, nl + 1 - p);
				from = nl + 1;
			}
			midline = *nl != '\n';
		}
		ctl_write(1, from, end - from);
	} else
		ctl_write(1, p, len);
	ctl->off += len;
	ctl->len -= len;
	if (ctl->len == 0)
		ctl->off = 0;
}

/*
 * tap [LISTENER ...]: stream the records until the daemon closes or a
 * signal ends tcplogctl.  The signals keep their default action: what
 * was read is written at once with write(2), so nothing is left in a
 * buffer.  Each read is written in one go: live, yet in blocks.
 */
static int
cmd_tap(struct ctl *ctl, const char *word, int argc, char **argv,
    int json)
{
	static char	 text[] = "text", json_word[] = "json";
	struct reply	 r;
	char		**args;
	int		 rc, i;

	if ((args = calloc(argc + 1, sizeof *args)) == NULL)
		err(EX_OSERR, "calloc");
	args[0] = json ? json_word : text;
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	rc = ctl_request(ctl, "tap", argc + 1, args, &r);
	free(args);
	if (rc != 0) {
		rc = ctl_daemon_error("tap", &r);
		ctl_reply_free(&r);
		return (rc);
	}
	ctl_reply_free(&r);
	for (;;) {
		if (ctl->len > 0)
			ctl_tap_output(ctl, json, 0);
		if (ctl_fill(ctl, -1) <= 0)
			break;
	}
	if (ctl->len > 0)
		ctl_tap_output(ctl, json, 1);
	warnx("%s: the daemon closed the tap", ctl->path);
	return (1);
}

/*
 * inih's line reader for -f: as the daemon's, indented lines are lines
 * of their own (inih would take them as continuations).
 */
static char *
ctl_conf_reader(char *str, int num, void *arg)
{
	FILE	*f = arg;
	size_t	 skip;

	if (fgets(str, num, f) == NULL)
		return (NULL);
	skip = strspn(str, " \t");
	memmove(str, str + skip, strlen(str + skip) + 1);
	return (str);
}

/* inih calls this for every key: keep control = of [tcplogd]. */
static int
ctl_conf_cb(void *arg, const char *section, const char *key,
    const char *value)
{
	struct ctl_conf	*cc = arg;

	if (strcmp(section, "tcplogd") != 0 || strcmp(key, "control") != 0)
		return (1);
	free(cc->control);
	if ((cc->control = strdup(value)) == NULL)
		err(EX_OSERR, "strdup");
	return (1);
}

/*
 * The socket the config names: control = in [tcplogd], or, when it has
 * none, the default the daemon takes under systemd.  The rest of the
 * file is the daemon's business: a line it would refuse is no reason
 * not to ask it, for example, to reload.
 */
static char *
ctl_conf_socket(const char *path)
{
	struct ctl_conf	 cc;
	FILE		*f;

	memset(&cc, 0, sizeof cc);
	if ((f = fopen(path, "r")) == NULL)
		err(EX_NOINPUT, "%s", path);
	(void)ini_parse_stream(ctl_conf_reader, f, ctl_conf_cb, &cc);
	if (ferror(f))
		err(EX_NOINPUT, "%s", path);
	fclose(f);
	if (cc.control == NULL) {
		if ((cc.control = strdup(CTL_SOCKET_DEFAULT)) == NULL)
			err(EX_OSERR, "strdup");
	} else if (strcmp(cc.control, "none") == 0)
		errx(EX_CONFIG, "%s: control = none: the daemon has no "
		    "control socket", path);
	else if (cc.control[0] != '/')
		errx(EX_CONFIG, "%s: control = %s: not an absolute path",
		    path, cc.control);
	return (cc.control);
}
