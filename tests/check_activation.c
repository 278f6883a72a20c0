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
 * Unit tests for activation.c: the socket activation variables as
 * sd_listen_fds_with_names(3) reads them (another process's, none,
 * names or "unknown", every malformed form with its message), their
 * removal once read, and which descriptors count as listening TCP
 * sockets.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"

#define SELF	4242

/* Variables that are well formed, and what they pass to SELF. */
struct good {
	const char	*pid, *fds, *fdnames;
	int		 n;
	const char	*names[3];
};

static const struct good good[] = {
	{ NULL, NULL, NULL, 0, { NULL } },
	{ "4242", NULL, NULL, 0, { NULL } },
	{ NULL, "1", "main", 0, { NULL } },
	{ "4243", "1", "main", 0, { NULL } },	/* another process's */
	{ "4242", "0", NULL, 0, { NULL } },
	{ "4242", "0", "", 0, { NULL } },
	{ "4242", "1", "main", 1, { "main" } },
	{ "4242", "1", NULL, 1, { "unknown" } },
	{ "4242", "1", "", 1, { "" } },
	{ "4242", "2", "main:audit", 2, { "main", "audit" } },
	{ "4242", "3", "main::x", 3, { "main", "", "x" } },
	{ "4242", "3", NULL, 3, { "unknown", "unknown", "unknown" } },
};

/* Malformed variables for SELF and the message. */
struct bad {
	const char	*pid, *fds, *fdnames;
	const char	*cause;
};

static const struct bad bad[] = {
	{ "", "1", "main", "LISTEN_PID= is not a process ID" },
	{ "x", "1", "main", "LISTEN_PID=x is not a process ID" },
	{ "-4242", "1", "main", "LISTEN_PID=-4242 is not a process ID" },
	{ " 4242", "1", "main", "LISTEN_PID= 4242 is not a process ID" },
	{ "0", "1", "main", "LISTEN_PID=0 is not a process ID" },
	{ "99999999999999999999", "1", "main",
	    "LISTEN_PID=99999999999999999999 is not a process ID" },
	{ "4242", "", "main",
	    "LISTEN_FDS= is not a number of descriptors from 0 to 65536" },
	{ "4242", "-1", "main",
	    "LISTEN_FDS=-1 is not a number of descriptors from 0 to 65536" },
	{ "4242", "1x", "main",
	    "LISTEN_FDS=1x is not a number of descriptors from 0 to 65536" },
	{ "4242", "65537", NULL,
	    "LISTEN_FDS=65537 is not a number of descriptors from 0 to 65536" },
	{ "4242", "2", "main", "LISTEN_FDNAMES=main does not name 2 "
	    "descriptors" },
	{ "4242", "1", "main:audit", "LISTEN_FDNAMES=main:audit does not "
	    "name 1 descriptor" },
	{ "4242", "2", "a:b:", "LISTEN_FDNAMES=a:b: does not name 2 "
	    "descriptors" },
	{ "4242", "1", ":", "LISTEN_FDNAMES=: does not name 1 descriptor" },
};

START_TEST(test_good)
{
	const struct good	*t = &good[_i];
	char			**names, *cause;
	int			 n, i;

	n = activation_parse(t->pid, t->fds, t->fdnames, SELF, &names,
	    &cause);
	ck_assert_int_eq(n, t->n);
	ck_assert_ptr_null(cause);
	if (n == 0)
		ck_assert_ptr_null(names);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(names[i], t->names[i]);
		free(names[i]);
	}
	free(names);
}
END_TEST

START_TEST(test_bad)
{
	const struct bad	*t = &bad[_i];
	char			**names, *cause;

	ck_assert_int_eq(activation_parse(t->pid, t->fds, t->fdnames, SELF,
	    &names, &cause), -1);
	ck_assert_ptr_null(names);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, t->cause);
	free(cause);
}
END_TEST

/* The variables are read for this process, then gone. */
START_TEST(test_unset)
{
	char	**names, *cause, pid[32];
	int	 n;

	(void)snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "0", 1);
	setenv("LISTEN_FDNAMES", "", 1);
	n = activation_listen_fds(&names, &cause);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(getenv("LISTEN_PID"));
	ck_assert_ptr_null(getenv("LISTEN_FDS"));
	ck_assert_ptr_null(getenv("LISTEN_FDNAMES"));

	/* Malformed ones go too. */
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "many", 1);
	n = activation_listen_fds(&names, &cause);
	ck_assert_int_eq(n, -1);
	ck_assert_str_eq(cause,
	    "LISTEN_FDS=many is not a number of descriptors from 0 to 65536");
	free(cause);
	ck_assert_ptr_null(getenv("LISTEN_PID"));
	ck_assert_ptr_null(getenv("LISTEN_FDS"));
}
END_TEST

/* A TCP socket on 127.0.0.1 (listening if listen_it); -1 on failure. */
static int
tcp_socket(int type, int listen_it)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, type, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    (listen_it && listen(fd, 1) == -1)) {
		close(fd);
		return (-1);
	}
	return (fd);
}

START_TEST(test_listening)
{
	struct sockaddr_un	sun;
	int			fd, p[2];

	fd = tcp_socket(SOCK_STREAM, 1);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(activation_is_listening(fd), 1);
	close(fd);

	/* Bound, not listening (as an Accept=yes connection is not). */
	fd = tcp_socket(SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(activation_is_listening(fd), 0);
	close(fd);

	fd = tcp_socket(SOCK_DGRAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(activation_is_listening(fd), 0);
	close(fd);

	/* A listening AF_UNIX stream socket (abstract, nothing to remove). */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1,
	    "tcplogd-check-activation-%ld", (long)getpid());
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(activation_is_listening(fd), 0);
	close(fd);

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(activation_is_listening(p[0]), 0);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(activation_is_listening(p[0]), 0);
}
END_TEST

static Suite *
activation_suite(void)
{
	Suite	*s = suite_create("activation");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, nitems(good));
	tcase_add_loop_test(tc, test_bad, 0, nitems(bad));
	tcase_add_test(tc, test_unset);
	tcase_add_test(tc, test_listening);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(activation_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
