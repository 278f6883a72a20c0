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
 * The daemon: loads the config, opens the sinks, binds the listeners,
 * runs the event loop and handles signals, and stops in order: stop
 * accepting, read what clients already sent, emit partial lines and
 * disconnect records, flush the outputs (for at most shutdown_timeout
 * seconds), free everything.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "tcplogd.h"
#include "log.h"

#define DAEMON_DRAIN_WAIT 200	/* ms of such waits, all connections */
#define DAEMON_STOP_MSEC	1000	/* stopping: read clients this long */
#define DAEMON_STATUS_SEC	5	/* STATUS= to the service manager */
#define DAEMON_TRIM	(8 * 1024 * 1024) /* free heap glibc may keep */
#define DAEMON_MMAP	(1024 * 1024)	/* larger blocks are mapped */

static void	daemon_signal_cb(evutil_socket_t, short, void *);
static void	daemon_stop_cb(evutil_socket_t, short, void *);
static void	daemon_stop_conns_cb(evutil_socket_t, short, void *);
static void	daemon_drain_all(struct daemon *);
static void	daemon_accept_cb(evutil_socket_t, short, void *);
static void	daemon_stop(struct daemon *);
static struct sink *daemon_sink_get(struct daemon *, const struct config *,
		    const struct sink_ops *, const struct lconf *, char **);
static void	daemon_sinks_gc(struct daemon *);
static int	daemon_apply(struct daemon *, struct config *,
		    struct control_answer *);
static void	daemon_reload(struct daemon *);
static int	daemon_reload_config(struct daemon *, struct control_answer *);
static void	daemon_changes(struct daemon *, const struct config *,
		    struct control_answer *);
static size_t	daemon_reopen(struct daemon *, struct control_answer *);
static int	daemon_ctl_reload(struct control_answer *, void *);
static int	daemon_ctl_reopen(struct control_answer *, void *);
static int	daemon_control(struct daemon *);
static int	daemon_ids(const struct config *, uid_t *, gid_t *,
		    struct passwd **);
static int	daemon_write_file(struct daemon *, const char *, const char *,
		    void (*)(struct daemon *, FILE *));
static void	daemon_ports_fill(struct daemon *, FILE *);
static void	daemon_pid_fill(struct daemon *, FILE *);
static void	daemon_status(struct daemon *, const char *);
static void	daemon_status_cb(evutil_socket_t, short, void *);
static int	daemon_same(const char *, const char *);
static int	daemon_write_ports(struct daemon *);
static int	daemon_write_pid(struct daemon *);
static int	daemon_stdio(void);
static void	daemon_raise_nofile(void);
static int	daemon_setids(const struct config *, uid_t *, gid_t *,
		    char **);
static int	daemon_drop_privileges(const struct config *);
static int	daemon_check(const struct config *);
static size_t	daemon_check_outputs(const struct config *, const char *);
static void	daemon_free(struct daemon *);
static void	daemon_sink_blocked_cb(struct sink *, int, void *);
static void	daemon_sink_drained_cb(struct sink *, void *);
static void	daemon_done(struct daemon *);
static void	daemon_accept_failed(int, void *);
static void	daemon_accepted(void *);
static void	daemon_conns_closed(void *);

/* What the listeners tell the daemon. */
static const struct listener_cb daemon_listener_cb = {
	.accept_failed = daemon_accept_failed,
	.accepted = daemon_accepted,
	.idle = daemon_conns_closed,
};

/* What the control socket asks of the daemon. */
static const struct control_cb daemon_control_cb = {
	.reload = daemon_ctl_reload,
	.reopen = daemon_ctl_reopen,
};

/* What the sinks tell the daemon. */
static const struct sink_cb daemon_sink_cb = {
	.blocked = daemon_sink_blocked_cb,
	.drained = daemon_sink_drained_cb,
};

static const int daemon_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2
};

/*
 * Become the user and group conf names (group alone was refused), for
 * good: real, effective and saved ids, supplementary groups.  On failure
 * *cause names the config line at fault.
 */
static int
daemon_setids(const struct config *conf, uid_t *uidp, gid_t *gidp,
    char **cause)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid;
	gid_t		 gid;
	int		 gline = conf->user_line;

	if ((pw = getpwnam(conf->user)) == NULL) {
		config_cause(cause, conf->path, conf->user_line, "user %s: no "
		    "such user", conf->user);
		return (-1);
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (conf->group != NULL) {
		if ((gr = getgrnam(conf->group)) == NULL) {
			config_cause(cause, conf->path, conf->group_line,
			    "group %s: no such group", conf->group);
			return (-1);
		}
		gid = gr->gr_gid;
		gline = conf->group_line;
	}
	if (initgroups(pw->pw_name, gid) == -1) {
		config_cause(cause, conf->path, conf->user_line, "user %s: "
		    "cannot set the supplementary groups: %s", conf->user,
		    strerror(errno));
		return (-1);
	}
	if (setresgid(gid, gid, gid) == -1) {
		config_cause(cause, conf->path, gline, "cannot change group "
		    "to %u: %s", (u_int)gid, strerror(errno));
		return (-1);
	}
	if (setresuid(uid, uid, uid) == -1) {
		config_cause(cause, conf->path, conf->user_line, "user %s: "
		    "cannot change user to %u: %s", conf->user, (u_int)uid,
		    strerror(errno));
		return (-1);
	}
	*uidp = uid;
	*gidp = gid;
	return (0);
}

/*
 * Started as root with user set: become it, for good, once the sockets
 * are bound and the outputs open.  Any failure is fatal: running as
 * root by mistake is worse than not running.
 */
static int
daemon_drop_privileges(const struct config *conf)
{
	uid_t	 uid;
	gid_t	 gid;
	char	*cause;

	/* A group without a user is a config error. */
	if (conf->user == NULL)
		return (0);
	if (geteuid() != 0) {
		log_info("not started as root: user and group are ignored");
		return (0);
	}
	if (daemon_setids(conf, &uid, &gid, &cause) != 0) {
		log_errx("%s", cause);
		free(cause);
		return (-1);
	}
	if (uid != 0 && setuid(0) != -1) {
		log_warnx("could become root again after dropping privileges");
		return (-1);
	}
	log_info("running as user %u, group %u", (u_int)uid, (u_int)gid);
	return (0);
}

/*
 * The user and group the daemon runs as once it dropped privileges (its
 * own when it will not); *pw is set if a user is named.
 */
static int
daemon_ids(const struct config *conf, uid_t *uid, gid_t *gid,
    struct passwd **pw)
{
	struct group	*gr;

	*uid = getuid();
	*gid = getgid();
	*pw = NULL;
	if (geteuid() != 0)
		return (0);
	if (conf->user != NULL) {
		if ((*pw = getpwnam(conf->user)) == NULL) {
			log_warnx("user %s: no such user", conf->user);
			return (-1);
		}
		*uid = (*pw)->pw_uid;
		*gid = (*pw)->pw_gid;
	}
	if (conf->group != NULL) {
		if ((gr = getgrnam(conf->group)) == NULL) {
			log_warnx("group %s: no such group", conf->group);
			return (-1);
		}
		*gid = gr->gr_gid;
	}
	return (0);
}

/*
 * -t: what can be told without binding or opening anything.  A listen
 * port this process may not bind is a warning (systemd may pass the
 * socket); an output it could not open is an error.  Outputs are
 * checked as the user tcplogd would run as: started as root with user
 * set, in a child that becomes that user.  Returns the number of errors
 * (or 1 if the check could not be made).
 */
static int
daemon_check(const struct config *conf)
{
	struct lconf	*lc;
	char		**warn = NULL, *cause, *as;
	size_t		 nwarn = 0, i;
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	int		 status;

	TAILQ_FOREACH(lc, &conf->listeners, entry)
		listener_check(lc, &warn, &nwarn);
	for (i = 0; i < nwarn; i++)
		fprintf(stderr, "%s\n", warn[i]);
	config_errors_free(warn, nwarn);
	if (conf->user == NULL || geteuid() != 0)
		return (daemon_check_outputs(conf, "") != 0);

	fflush(stderr);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "cannot check the outputs: fork: %s\n",
		    strerror(errno));
		return (1);
	}
	if (pid == 0) {
		/* _exit: the child's user may not be dumpable (LSan). */
		if (daemon_setids(conf, &uid, &gid, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			_exit(1);
		}
		xasprintf(&as, " (as user %s)", conf->user);
		status = daemon_check_outputs(conf, as) != 0;
		fflush(stderr);
		_exit(status);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (1);
	}
	return (!WIFEXITED(status) || WEXITSTATUS(status) != 0);
}

/*
 * Every output's check (sink_ops.check), each problem said once (two
 * listeners can inherit one file), with suffix.  Returns how many.
 */
static size_t
daemon_check_outputs(const struct config *conf, const char *suffix)
{
	const struct sink_ops	*ops;
	struct lconf		*lc;
	char			**said = NULL, *cause;
	size_t			 nsaid = 0, i, j;

	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		for (i = 0; (ops = sink_kinds[i]) != NULL; i++) {
			if ((lc->outputs & (1 << i)) == 0 ||
			    ops->check == NULL || ops->check(lc, &cause) == 0)
				continue;
			for (j = 0; j < nsaid; j++) {
				if (strcmp(said[j], cause) == 0)
					break;
			}
			if (j < nsaid) {
				free(cause);
				continue;
			}
			fprintf(stderr, "%s%s\n", cause, suffix);
			said = xreallocarray(said, nsaid + 1, sizeof *said);
			said[nsaid++] = cause;
		}
	}
	config_errors_free(said, nsaid);
	return (nsaid);
}

/* Soft descriptor limit up to the hard one. */
static void
daemon_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit");
	log_debug("descriptor limit %llu", (unsigned long long)rl.rlim_cur);
}

/*
 * The sink for one output of a listener: the one already open (stdout,
 * syslog, or a file with the same path), or a new one.
 */
static struct sink *
daemon_sink_get(struct daemon *d, const struct config *conf,
    const struct sink_ops *ops, const struct lconf *lc, char **cause)
{
	struct sink	*s;

	TAILQ_FOREACH(s, &d->sinks, entry) {
		if (s->ops == ops && (ops->same == NULL || ops->same(s, lc)))
			return (s);
	}
	if ((s = sink_new(d->base, ops, lc, cause)) == NULL)
		return (NULL);
	sink_set_cb(s, &daemon_sink_cb, d);
	if (ops->configure != NULL)
		ops->configure(s, conf);
	TAILQ_INSERT_TAIL(&d->sinks, s, entry);
	return (s);
}

/* Close the sinks no listener writes to any more. */
static void
daemon_sinks_gc(struct daemon *d)
{
	struct sink	*s, *next;
	struct listener	*l;
	size_t		 i;
	int		 used;

	for (s = TAILQ_FIRST(&d->sinks); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		used = 0;
		TAILQ_FOREACH(l, &d->listeners, entry) {
			for (i = 0; i < l->nsinks; i++)
				used |= l->sinks[i] == s;
		}
		if (!used) {
			TAILQ_REMOVE(&d->sinks, s, entry);
			sink_free(s);
		}
	}
}

/* What one listener of a config needs before it can run. */
struct daemon_plan {
	struct lconf	*lc;				/* borrowed */
	struct sink	*sinks[LISTENER_MAX_SINKS];	/* borrowed */
	size_t		 nsinks;
	struct lsocks	 socks;
};

/*
 * Make the running listeners those of conf, all or nothing: first every
 * output is opened and every socket bound (running ones are reused);
 * if any fails, nothing changes and -1 comes back with every cause in
 * errors (all are tried, so that one reload reports them all).  Then
 * listeners with the same name are kept with their connections (which
 * keep the settings they started with, but write what their outputs
 * have now, in the outputs' formats), new ones start and removed ones
 * end their connections with reason reload.
 */
static int
daemon_apply(struct daemon *d, struct config *conf,
    struct control_answer *errors)
{
	struct daemon_plan	*plan, *p;
	struct listener_list	 kept;
	struct listener		*l;
	struct lconf		*lc;
	struct sink		*s;
	char			*cause;
	size_t			 n = 0, done = 0, i, j;
	int			 paused, failed = 0;

	TAILQ_FOREACH(lc, &conf->listeners, entry)
		n++;
	plan = xcalloc(n, sizeof *plan);
	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		p = &plan[done++];
		p->lc = lc;
		for (i = 0; sink_kinds[i] != NULL; i++) {
			if ((lc->outputs & (1 << i)) == 0)
				continue;
			cause = NULL;
			s = daemon_sink_get(d, conf, sink_kinds[i], lc, &cause);
			if (s == NULL || sink_format_check(s, lc->format,
			    &cause) != 0) {
				control_answer_add(errors, "%s", cause);
				free(cause);
				failed = 1;
				continue;
			}
			p->sinks[p->nsinks++] = s;
		}
		cause = NULL;
		if (lsocks_prepare(&p->socks, d->base, lc, &d->listeners,
		    &cause) != 0) {
			control_answer_add(errors, "%s", cause);
			free(cause);
			failed = 1;
		}
	}
	if (failed)
		goto fail;

	/* The outputs' formats (their listeners agree, config.c checked). */
	for (i = 0; i < n; i++) {
		for (j = 0; j < plan[i].nsinks; j++) {
			if (plan[i].sinks[j]->ops->owns_format)
				plan[i].sinks[j]->format = plan[i].lc->format;
		}
	}
	TAILQ_INIT(&kept);
	for (i = 0; i < n; i++) {
		p = &plan[i];
		TAILQ_FOREACH(l, &d->listeners, entry) {
			if (strcmp(l->conf->name, p->lc->name) == 0)
				break;
		}
		if (l != NULL) {
			TAILQ_REMOVE(&d->listeners, l, entry);
			lconf_unref(l->conf);
			l->conf = lconf_ref(p->lc);
			l->ops = proto_find(p->lc->mode);
		} else
			l = listener_new(&d->env, p->lc);
		memcpy(l->sinks, p->sinks, sizeof l->sinks);
		l->nsinks = p->nsinks;
		lsocks_commit(l, &p->socks);
		TAILQ_INSERT_TAIL(&kept, l, entry);
	}
	while ((l = TAILQ_FIRST(&d->listeners)) != NULL) {
		TAILQ_REMOVE(&d->listeners, l, entry);
		log_info("listener %s removed", l->conf->name);
		listener_free(l, CONN_RELOAD);
	}
	TAILQ_CONCAT(&d->listeners, &kept, entry);
	TAILQ_FOREACH(l, &d->listeners, entry) {
		paused = 0;
		for (j = 0; j < l->nsinks; j++)
			paused |= l->sinks[j]->blocked;
		listener_pause(l, paused);
	}
	daemon_sinks_gc(d);
	free(plan);
	return (0);

fail:
	for (i = 0; i < done; i++)
		lsocks_abort(&plan[i].socks);
	daemon_sinks_gc(d);
	free(plan);
	return (-1);
}

/*
 * Write a file (the port file, the pid file) with what fill writes,
 * atomically: a reader sees the old file or the whole new one.  This runs
 * as root, in a directory others may write: the temporary file gets a
 * fresh name that mkstemp() creates with O_EXCL (a planted name or
 * symlink is never opened, and one a crash left behind blocks nothing),
 * and rename() replaces the name itself, never a file a symlink points to.
 */
static int
daemon_write_file(struct daemon *d, const char *path, const char *what,
    void (*fill)(struct daemon *, FILE *))
{
	FILE		*f = NULL;
	char		*tmp;
	int		 fd, saved_errno;

	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_warn("%s %s", what, path);
		free(tmp);
		return (-1);
	}
	if (fchmod(fd, 0644) == -1 || (f = fdopen(fd, "w")) == NULL) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
		goto fail;
	}
	fill(d, f);
	if (fflush(f) != 0 || ferror(f)) {
		saved_errno = errno;
		fclose(f);
		errno = saved_errno;
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return (0);

fail:
	log_warn("%s %s", what, path);
	saved_errno = errno;
	unlink(tmp);
	free(tmp);
	errno = saved_errno;
	return (-1);
}

/* "NAME ADDRESS:PORT" for every bound address. */
static void
daemon_ports_fill(struct daemon *d, FILE *f)
{
	struct listener	*l;
	size_t		 i;

	TAILQ_FOREACH(l, &d->listeners, entry) {
		for (i = 0; i < l->socks.n; i++) {
			fprintf(f, "%s %s\n", l->conf->name,
			    l->socks.v[i].bound);
		}
	}
}

/* The port file (-P), written again after each reload. */
static int
daemon_write_ports(struct daemon *d)
{
	if (d->opts->port_file == NULL)
		return (0);
	return (daemon_write_file(d, d->opts->port_file, "port file",
	    daemon_ports_fill));
}

static void
daemon_pid_fill(struct daemon *d __unused, FILE *f)
{
	fprintf(f, "%ld\n", (long)getpid());
}

/* The pid file (-p), once the sockets are bound; removed at exit. */
static int
daemon_write_pid(struct daemon *d)
{
	if (d->opts->pid_file == NULL)
		return (0);
	if (daemon_write_file(d, d->opts->pid_file, "pid file",
	    daemon_pid_fill) != 0)
		return (-1);
	d->pid_written = 1;
	return (0);
}

/* Signals, all through the loop. */
static void
daemon_signal_cb(evutil_socket_t sig, short what __unused, void *arg)
{
	struct daemon	*d = arg;
	struct listener	*l;
	struct sink	*s;
	size_t		 n;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (d->stopping) {
			log_warnx("SIG%s again: exiting without waiting for "
			    "output", sigabbrev_np(sig));
			event_base_loopbreak(d->base);
			return;
		}
		log_info("SIG%s received: stopping", sigabbrev_np(sig));
		notify_send("STOPPING=1");
		daemon_stop(d);
		break;
	case SIGHUP:
		daemon_reload(d);
		break;
	case SIGUSR1:
		TAILQ_FOREACH(l, &d->listeners, entry)
			listener_stats_log(l);
		TAILQ_FOREACH(s, &d->sinks, entry)
			sink_stats_log(s);
		break;
	case SIGUSR2:
		n = daemon_reopen(d, NULL);
		log_info("SIGUSR2 received: reopened %zu output file%s", n,
		    n == 1 ? "" : "s");
		break;
	}
}

/* Two optional strings are equal. */
static int
daemon_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Tell the service manager how things are, after prefix (READY=1...). */
static void
daemon_status(struct daemon *d, const char *prefix)
{
	const struct counter	*rec, *ref;
	struct listener		*l;
	uint64_t		 records = 0, refused = 0;
	size_t			 n = 0;

	rec = counter_find(listener_counters, "records");
	ref = counter_find(listener_counters, "refused");
	TAILQ_FOREACH(l, &d->listeners, entry) {
		n++;
		records += counter_value(rec, &l->stats);
		refused += counter_value(ref, &l->stats);
	}
	notify_send("%sSTATUS=%zu listener%s, %llu connection%s, %llu "
	    "records, %llu refused", prefix, n, n == 1 ? "" : "s",
	    (unsigned long long)d->env.active, d->env.active == 1 ? "" : "s",
	    (unsigned long long)records, (unsigned long long)refused);
}

/* STATUS= every DAEMON_STATUS_SEC seconds. */
static void
daemon_status_cb(evutil_socket_t fd __unused, short what __unused,
    void *arg)
{
	daemon_status(arg, "");
}

/*
 * SIGHUP: reopen the output files (logrotate), whatever happens next;
 * then read the config again and apply it if it is valid and can be
 * applied whole, else keep running on the old one.
 */
static void
daemon_reload(struct daemon *d)
{
	struct control_answer	 ans = { NULL, 0 };
	size_t			 n;

	n = daemon_reopen(d, NULL);
	log_info("SIGHUP received: reopened %zu output file%s, reloading %s",
	    n, n == 1 ? "" : "s", d->opts->config);
	if (d->stopping)
		return;
	notify_reloading();
	(void)daemon_reload_config(d, &ans);
	control_answer_free(&ans);
	daemon_status(d, "READY=1\n");
}

/*
 * Reopen the output files (rotation); returns how many were reopened.
 * With ans, one line per file that could not be.
 */
static size_t
daemon_reopen(struct daemon *d, struct control_answer *ans)
{
	struct sink	*s;
	size_t		 n = 0;

	TAILQ_FOREACH(s, &d->sinks, entry) {
		if (s->ops->reopen == NULL)
			continue;
		if (sink_reopen(s) == 0)
			n++;
		else if (ans != NULL) {
			control_answer_add(ans, "%s: reopen failed, keeping "
			    "the old file: %s", s->name, strerror(errno));
		}
	}
	return (n);
}

/*
 * What applying conf changes: "listener NAME: added", "removed" or
 * "changed" (its settings differ), or "unchanged".
 */
static void
daemon_changes(struct daemon *d, const struct config *conf,
    struct control_answer *ans)
{
	struct listener	*l;
	struct lconf	*lc;
	size_t		 n = ans->n;

	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		TAILQ_FOREACH(l, &d->listeners, entry) {
			if (strcmp(l->conf->name, lc->name) == 0)
				break;
		}
		if (l == NULL)
			control_answer_add(ans, "listener %s: added", lc->name);
		else if (!lconf_same(l->conf, lc)) {
			control_answer_add(ans, "listener %s: changed",
			    lc->name);
		}
	}
	TAILQ_FOREACH(l, &d->listeners, entry) {
		TAILQ_FOREACH(lc, &conf->listeners, entry) {
			if (strcmp(l->conf->name, lc->name) == 0)
				break;
		}
		if (lc == NULL) {
			control_answer_add(ans, "listener %s: removed",
			    l->conf->name);
		}
	}
	if (ans->n == n)
		control_answer_add(ans, "unchanged");
}

/*
 * Read and apply the config again; keep the running one on error.
 * ans gets what changed, or every error (as logged); returns 0 or -1.
 */
static int
daemon_reload_config(struct daemon *d, struct control_answer *ans)
{
	struct control_answer	 changes = { NULL, 0 }, errs = { NULL, 0 };
	struct config		*conf, *old;
	struct listener		*l;
	struct sink		*s;
	char			**errors;
	size_t			 nerrors, i, n;

	conf = config_load(d->opts->config, &errors, &nerrors);
	for (i = 0; i < nerrors; i++) {
		log_errx("%s", errors[i]);
		control_answer_add(ans, "%s", errors[i]);
	}
	config_errors_free(errors, nerrors);
	if (conf == NULL) {
		log_errx("reload failed: keeping the running configuration");
		return (-1);
	}
	daemon_changes(d, conf, &changes);
	if (daemon_apply(d, conf, &errs) != 0) {
		for (i = 0; i < errs.n; i++) {
			log_errx("%s", errs.lines[i]);
			control_answer_add(ans, "%s", errs.lines[i]);
		}
		log_errx("reload failed: keeping the running configuration");
		control_answer_free(&errs);
		control_answer_free(&changes);
		config_free(conf);
		return (-1);
	}
	for (i = 0; i < changes.n; i++)
		control_answer_add(ans, "%s", changes.lines[i]);
	control_answer_free(&changes);
	if (!daemon_same(conf->user, d->conf->user) ||
	    !daemon_same(conf->group, d->conf->group))
		log_warnx("user and group changes take effect at the next "
		    "start");
	if (!daemon_same(conf->control, d->conf->control))
		log_warnx("control socket changes take effect at the next "
		    "start");
	old = d->conf;
	d->conf = conf;
	d->env.max_conns = conf->max_conns;
	config_free(old);
	TAILQ_FOREACH(s, &d->sinks, entry) {
		if (s->ops->configure != NULL)
			s->ops->configure(s, conf);
	}
	(void)daemon_write_ports(d);
	n = 0;
	TAILQ_FOREACH(l, &d->listeners, entry)
		n++;
	log_info("reloaded: %zu listener%s", n, n == 1 ? "" : "s");
	return (0);
}

/* The control socket's reload: like SIGHUP's, without the reopen. */
static int
daemon_ctl_reload(struct control_answer *ans, void *arg)
{
	struct daemon	*d = arg;
	int		 rc;

	if (d->stopping) {
		control_answer_add(ans, "stopping");
		return (-1);
	}
	log_info("control: reloading %s", d->opts->config);
	notify_reloading();
	rc = daemon_reload_config(d, ans);
	daemon_status(d, "READY=1\n");
	return (rc);
}

/* The control socket's reopen: the output files only. */
static int
daemon_ctl_reopen(struct control_answer *ans, void *arg)
{
	struct daemon		*d = arg;
	struct control_answer	 failed = { NULL, 0 };
	size_t			 n, i;
	int			 rc;

	n = daemon_reopen(d, &failed);
	log_info("control: reopened %zu output file%s", n, n == 1 ? "" : "s");
	control_answer_add(ans, "reopened %zu output file%s", n,
	    n == 1 ? "" : "s");
	for (i = 0; i < failed.n; i++)
		control_answer_add(ans, "%s", failed.lines[i]);
	rc = failed.n == 0 ? 0 : -1;
	control_answer_free(&failed);
	return (rc);
}

/*
 * The control socket: control = PATH, or by default RUNTIME_DIRECTORY's
 * (its first, if the service manager gave several) "control", or none.
 * Made while still root, owned by the user and group the daemon runs as.
 * An explicit path that fails stops the start; the default only warns.
 */
static int
daemon_control(struct daemon *d)
{
	struct passwd	*pw;
	const char	*rt;
	char		*path, *cause = NULL;
	uid_t		 uid;
	gid_t		 gid;
	size_t		 len;

	if (d->conf->control != NULL) {
		if (strcmp(d->conf->control, "none") == 0)
			return (0);
		path = xstrdup(d->conf->control);
	} else {
		if ((rt = getenv("RUNTIME_DIRECTORY")) == NULL || *rt != '/')
			return (0);
		len = strcspn(rt, ":");
		xasprintf(&path, "%.*s/control", (int)len, rt);
	}
	if (daemon_ids(d->conf, &uid, &gid, &pw) != 0) {
		free(path);
		return (-1);
	}
	d->ctl = control_new(d, path, uid, gid, &daemon_control_cb, d,
	    &cause);
	if (d->ctl == NULL) {
		if (d->conf->control != NULL) {
			log_warnx("%s", cause);
			free(cause);
			free(path);
			return (-1);
		}
		log_warnx("%s: running without a control socket", cause);
		free(cause);
	}
	free(path);
	return (0);
}

/*
 * Graceful stop: no new connections; every client is read until it
 * closes or goes quiet (conn_shutdown()), for at most DAEMON_STOP_MSEC;
 * closing emits partial lines and disconnect records.  Then the outputs
 * are flushed.  All of it within shutdown_timeout.
 */
static void
daemon_stop(struct daemon *d)
{
	struct timeval	 tv = { d->conf->shutdown_timeout, 0 };
	struct timeval	 conns = { DAEMON_STOP_MSEC / 1000,
			    (DAEMON_STOP_MSEC % 1000) * 1000 };
	struct listener	*l;
	struct conn	*c;
	struct sink	*s;

	d->stopping = 1;
	d->env.drain_wait = DAEMON_DRAIN_WAIT;
	if (d->ctl != NULL)
		control_stop(d->ctl);
	TAILQ_FOREACH(s, &d->sinks, entry)
		s->stopping = 1;
	evtimer_add(d->ev_stop, &tv);
	if (timercmp(&tv, &conns, <))
		conns = tv;
	evtimer_add(d->ev_stop_conns, &conns);
	TAILQ_FOREACH(l, &d->listeners, entry) {
		listener_close(l);
		TAILQ_FOREACH(c, &l->conns, entry)
			conn_shutdown(c);
	}
	if (d->env.active == 0)
		daemon_conns_closed(d);
}

/* The last connection is gone: when stopping, flush the outputs. */
static void
daemon_conns_closed(void *arg)
{
	struct daemon	*d = arg;
	struct listener	*l;
	struct sink	*s;

	if (!d->stopping)
		return;
	TAILQ_FOREACH(l, &d->listeners, entry)
		listener_stats_log(l);
	TAILQ_FOREACH(s, &d->sinks, entry) {
		if (s->ops->flush != NULL && sink_pending(s) > 0)
			s->ops->flush(s);
	}
	daemon_done(d);
}

/* Read what every remaining connection holds now, and close it. */
static void
daemon_drain_all(struct daemon *d)
{
	struct listener	*l;
	struct conn	*c;

	TAILQ_FOREACH(l, &d->listeners, entry) {
		while ((c = TAILQ_FIRST(&l->conns)) != NULL)
			conn_drain(c);
	}
}

/* Clients still sending after DAEMON_STOP_MSEC: close them now. */
static void
daemon_stop_conns_cb(evutil_socket_t fd __unused, short what __unused,
    void *arg)
{
	daemon_drain_all(arg);
}

/* shutdown_timeout expired: close what is left and exit. */
static void
daemon_stop_cb(evutil_socket_t fd __unused, short what __unused, void *arg)
{
	struct daemon	*d = arg;
	struct sink	*s;

	daemon_drain_all(d);
	TAILQ_FOREACH(s, &d->sinks, entry) {
		if (sink_pending(s) > 0) {
			log_warnx("%s: shutdown_timeout (%u s) expired, %zu "
			    "bytes unwritten", s->name,
			    d->conf->shutdown_timeout, sink_pending(s));
		}
	}
	event_base_loopbreak(d->base);
}

/* A sink wrote its last byte: when stopping, done if all have. */
static void
daemon_sink_drained_cb(struct sink *s __unused, void *arg)
{
	daemon_done(arg);
}

/* Stopping, every connection closed and every output written: exit. */
static void
daemon_done(struct daemon *d)
{
	struct sink	*s;

	if (!d->stopping || d->env.active > 0)
		return;
	TAILQ_FOREACH(s, &d->sinks, entry) {
		if (sink_pending(s) > 0 && !s->broken)
			return;
	}
	event_base_loopbreak(d->base);
}

/* A sink crossed a water mark: pause or resume its listeners. */
static void
daemon_sink_blocked_cb(struct sink *s, int blocked, void *arg)
{
	struct daemon	*d = arg;
	struct listener	*l;
	size_t		 i, n = 0;
	int		 paused;

	TAILQ_FOREACH(l, &d->listeners, entry) {
		paused = 0;
		for (i = 0; i < l->nsinks; i++)
			paused |= l->sinks[i]->blocked;
		if (paused != l->paused) {
			listener_pause(l, paused);
			n++;
		}
	}
	if (blocked) {
		log_warnx("%s: output stalled (%zu bytes unwritten), pausing "
		    "%zu listener%s", s->name, sink_pending(s), n,
		    n == 1 ? "" : "s");
	} else
		log_info("%s: output resumed", s->name);
}

/* accept() ran out of descriptors: pause accepting for a second. */
static void
daemon_accept_failed(int error, void *arg)
{
	struct daemon	*d = arg;
	struct timeval	 tv = { 1, 0 };
	struct listener	*l;

	if (evtimer_pending(d->ev_accept, NULL))
		return;
	if (!d->accept_paused) {
		log_warnx("accept: %s: accepting paused, trying again every "
		    "second", strerror(error));
		d->accept_paused = 1;
	}
	TAILQ_FOREACH(l, &d->listeners, entry)
		listener_enable(l, 0);
	evtimer_add(d->ev_accept, &tv);
}

/* A connection was accepted: if accepting had been paused, say so. */
static void
daemon_accepted(void *arg)
{
	struct daemon	*d = arg;

	if (d->accept_paused) {
		log_info("accepting again");
		d->accept_paused = 0;
	}
}

static void
daemon_accept_cb(evutil_socket_t fd __unused, short what __unused,
    void *arg)
{
	struct daemon	*d = arg;
	struct listener	*l;

	TAILQ_FOREACH(l, &d->listeners, entry)
		listener_enable(l, 1);
}

/* Free in reverse order of creation. */
static void
daemon_free(struct daemon *d)
{
	struct listener	*l;
	struct sink	*s;
	size_t		 i;

	while ((l = TAILQ_FIRST(&d->listeners)) != NULL) {
		TAILQ_REMOVE(&d->listeners, l, entry);
		listener_free(l, CONN_SHUTDOWN);
	}
	/* After the listeners: taps get their last records. */
	control_free(d->ctl);
	d->ctl = NULL;
	if (d->pid_written && unlink(d->opts->pid_file) == -1 &&
	    errno != ENOENT)
		log_warn("pid file %s: cannot remove it", d->opts->pid_file);
	while ((s = TAILQ_FIRST(&d->sinks)) != NULL) {
		TAILQ_REMOVE(&d->sinks, s, entry);
		sink_free(s);
	}
	for (i = 0; i < nitems(d->ev_sigs); i++) {
		if (d->ev_sigs[i] != NULL)
			event_free(d->ev_sigs[i]);
	}
	if (d->ev_stop != NULL)
		event_free(d->ev_stop);
	if (d->ev_stop_conns != NULL)
		event_free(d->ev_stop_conns);
	if (d->ev_status != NULL)
		event_free(d->ev_status);
	if (d->ev_accept != NULL)
		event_free(d->ev_accept);
	config_free(d->conf);
	if (d->base != NULL)
		event_base_free(d->base);
}

/*
 * Make sure descriptors 0, 1 and 2 are open, on /dev/null if they were
 * closed: started with >&-, the next descriptor opened (the config file,
 * the event loop) would become stdout and get the records.  Returns a
 * bit per descriptor that was closed (1 << fd), -1 if /dev/null cannot
 * be opened.
 */
static int
daemon_stdio(void)
{
	int	fd, closed = 0;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free descriptor: this one. */
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return (-1);
		closed |= 1 << fd;
	}
	return (closed);
}

/* Run tcplogd; returns the exit status. */
int
daemon_run(const struct daemon_opts *opts)
{
	struct daemon	 d;
	struct timeval	 every = { DAEMON_STATUS_SEC, 0 };
	struct timespec	 now;
	struct listener	*l;
	struct control_answer errs = { NULL, 0 };
	char		**errors;
	struct lconf	*lc;
	size_t		 nerrors, i, n = 0;
	int		 status = 1, rc, closed;

	closed = daemon_stdio();
	log_init(opts->debug, "tcplogd");
	if (closed == -1)
		fatal("cannot open /dev/null for a closed stdin/stdout/stderr");
	memset(&d, 0, sizeof d);
	d.opts = opts;
	clock_gettime(CLOCK_MONOTONIC, &now);
	d.started = now.tv_sec;
	TAILQ_INIT(&d.listeners);
	TAILQ_INIT(&d.sinks);

	d.conf = config_load(opts->config, &errors, &nerrors);
	if (opts->check_only) {
		for (i = 0; i < nerrors; i++)
			log_plain(LOG_ERR, "%s", errors[i]);
		config_errors_free(errors, nerrors);
		if (d.conf == NULL)
			return (EX_CONFIG);
		if (daemon_check(d.conf) != 0) {
			config_free(d.conf);
			return (EX_CONFIG);
		}
		printf("configuration OK\n");
		config_free(d.conf);
		return (0);
	}
	if (d.conf == NULL) {
		for (i = 0; i < nerrors; i++)
			log_errx("%s", errors[i]);
		config_errors_free(errors, nerrors);
		return (EX_CONFIG);
	}
	config_errors_free(errors, nerrors);
	TAILQ_FOREACH(lc, &d.conf->listeners, entry) {
		if ((closed & (1 << STDOUT_FILENO)) &&
		    (lc->outputs & OUTPUT_STDOUT)) {
			log_warnx("stdout was closed at start: output = stdout "
			    "goes to /dev/null");
			break;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	daemon_raise_nofile();
#ifdef M_TRIM_THRESHOLD
	/*
	 * Output chains (SINK_CHAIN bytes, 128 KiB with libevent's
	 * rounding) are freed as they are written and allocated again for
	 * the next records: by default glibc maps and unmaps each one, or
	 * gives the top of the heap back and takes it again, system calls
	 * for every write.  So chains come from the heap, and up to
	 * DAEMON_TRIM bytes of it stay when free.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, DAEMON_MMAP);
	(void)mallopt(M_TRIM_THRESHOLD, DAEMON_TRIM);
#endif
	if ((d.base = event_base_new()) == NULL ||
	    event_base_priority_init(d.base, SINK_PRIORITIES) != 0) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	log_info("tcplogd %s, libevent %s, backend %s", PACKAGE_VERSION,
	    event_get_version(), event_base_get_method(d.base));

	for (i = 0; i < nitems(daemon_signals); i++) {
		d.ev_sigs[i] = evsignal_new(d.base, daemon_signals[i],
		    daemon_signal_cb, &d);
		if (d.ev_sigs[i] == NULL || evsignal_add(d.ev_sigs[i],
		    NULL) != 0) {
			log_warnx("cannot handle signal %d", daemon_signals[i]);
			goto out;
		}
	}
	d.env.base = d.base;
	d.env.cb = &daemon_listener_cb;
	d.env.arg = &d;
	d.env.max_conns = d.conf->max_conns;
	d.ev_accept = evtimer_new(d.base, daemon_accept_cb, &d);
	d.ev_stop = evtimer_new(d.base, daemon_stop_cb, &d);
	d.ev_stop_conns = evtimer_new(d.base, daemon_stop_conns_cb, &d);
	d.ev_status = event_new(d.base, -1, EV_PERSIST, daemon_status_cb, &d);
	if (d.ev_accept == NULL || d.ev_stop == NULL ||
	    d.ev_stop_conns == NULL || d.ev_status == NULL) {
		log_warnx("cannot create timers");
		goto out;
	}

	listener_inherit();
	rc = daemon_apply(&d, d.conf, &errs);
	listener_inherit_done();
	for (i = 0; i < errs.n; i++)
		log_errx("%s", errs.lines[i]);
	control_answer_free(&errs);
	if (rc != 0)
		goto out;
	if (daemon_write_ports(&d) != 0 || daemon_control(&d) != 0 ||
	    daemon_write_pid(&d) != 0 || daemon_drop_privileges(d.conf) != 0)
		goto out;
	TAILQ_FOREACH(l, &d.listeners, entry)
		n++;
	log_info("ready (%zu listener%s)", n, n == 1 ? "" : "s");
	daemon_status(&d, "READY=1\n");
	evtimer_add(d.ev_status, &every);

	if (event_base_dispatch(d.base) == -1)
		log_warnx("event loop failed");
	else
		status = 0;
out:
	daemon_free(&d);
	return (status);
}
