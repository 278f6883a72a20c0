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
 * Socket activation (sd_listen_fds(3)), read by hand as notify.c speaks
 * the notify protocol by hand, so that a build without libsystemd takes
 * the sockets of tcplogd.socket as well: systemd passes descriptors
 * 3 .. 3+LISTEN_FDS-1 to the process LISTEN_PID, named by the
 * colon-separated LISTEN_FDNAMES (FileDescriptorName=).  The variables
 * are removed once read, as sd_listen_fds(1) does, so that no child
 * takes them for its own.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplogd.h"

static int	activation_number(const char *, long, long *);

/* A decimal number in [1, max], digits only; -1 if it is not one. */
static int
activation_number(const char *s, long max, long *v)
{
	long	n = 0;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		n = n * 10 + (*s - '0');
		if (n > max)
			return (-1);
	}
	if (n == 0)
		return (-1);
	*v = n;
	return (0);
}

/*
 * The descriptors the environment passes to process self: how many
 * (0 when none, or when they are another process's), with their names
 * in *names (n owned strings in an owned array; "unknown" each without
 * LISTEN_FDNAMES, as libsystemd has it).  -1 and *cause when the
 * variables are malformed.
 */
int
activation_parse(const char *pid, const char *fds, const char *fdnames,
    pid_t self, char ***names, char **cause)
{
	const char	*p, *colon;
	char		**v;
	long		 lpid, n, i;

	*names = NULL;
	*cause = NULL;
	if (pid == NULL || fds == NULL)
		return (0);
	if (activation_number(pid, INT_MAX, &lpid) != 0) {
		xasprintf(cause, "LISTEN_PID=%s is not a process ID", pid);
		return (-1);
	}
	if ((pid_t)lpid != self)
		return (0);
	if (strcmp(fds, "0") == 0)
		return (0);
	if (activation_number(fds, ACTIVATION_MAX_FDS, &n) != 0) {
		xasprintf(cause, "LISTEN_FDS=%s is not a number of "
		    "descriptors from 0 to %d", fds, ACTIVATION_MAX_FDS);
		return (-1);
	}
	v = xcalloc(n, sizeof *v);
	if (fdnames == NULL) {
		for (i = 0; i < n; i++)
			v[i] = xstrdup("unknown");
		*names = v;
		return ((int)n);
	}
	for (i = 0, p = fdnames; i < n; i++) {
		colon = strchr(p, ':');
		if (colon == NULL && i != n - 1)
			break;
		if (colon != NULL && i == n - 1)
			break;
		v[i] = colon == NULL ? xstrdup(p) : xstrndup(p, colon - p);
		if (colon != NULL)
			p = colon + 1;
	}
	if (i != n) {
		xasprintf(cause, "LISTEN_FDNAMES=%s does not name %ld "
		    "descriptor%s", fdnames, n, n == 1 ? "" : "s");
		while (i > 0)
			free(v[--i]);
		free(v);
		return (-1);
	}
	*names = v;
	return ((int)n);
}

/*
 * Read and remove the socket activation variables; the descriptors
 * passed to this process get close-on-exec.  As activation_parse().
 */
int
activation_listen_fds(char ***names, char **cause)
{
	int	n, i;

	n = activation_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"),
	    getenv("LISTEN_FDNAMES"), getpid(), names, cause);
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	for (i = 0; i < n; i++)
		(void)fcntl(ACTIVATION_FDS_START + i, F_SETFD, FD_CLOEXEC);
	return (n);
}

/*
 * Is fd a listening stream socket of the Internet (IPv4 or IPv6)?  A
 * socket unit may pass anything: a datagram or AF_UNIX socket, a FIFO,
 * or Accept=yes's connected sockets.
 */
int
activation_is_listening(int fd)
{
	struct sockaddr_storage	 ss;
	struct stat		 st;
	socklen_t		 len;
	int			 type, listening;

	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return (0);
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return (0);
	len = sizeof listening;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &len) == -1 || !listening)
		return (0);
	len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (0);
	return (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}
