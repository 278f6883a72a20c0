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
 * Fuzz target for the config parser: the input is written to one file,
 * the same for every run, and config_load() reads it.  Either a config
 * comes back and holds together (every listener named, bound somewhere
 * without conflicts, its values in range), or errors do, and each one is
 * a single line that starts with the path, with a line number, if any,
 * of a line the file has.  LeakSanitizer checks config_free() and
 * config_errors_free().
 *
 * The file is $TCPLOGD_FUZZ_CONFIG, or $TMPDIR/tcplogd-fuzz-PID.conf.
 * tests/fuzz/run.sh names it, so that the path, which the errors carry,
 * is the same from run to run.
 */

#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char	*fuzz_path;

static void	fuzz_cleanup(void);
static void	fuzz_check_errors(char **, size_t, const u_char *, size_t);
static void	fuzz_check_config(const struct config *);

static void
fuzz_cleanup(void)
{
	if (fuzz_path != NULL)
		(void)unlink(fuzz_path);
	free(fuzz_path);
	fuzz_path = NULL;
}

int
LLVMFuzzerInitialize(int *argc __unused, char ***argv __unused)
{
	const char	*s;

	if ((s = getenv("TCPLOGD_FUZZ_CONFIG")) != NULL && *s != '\0')
		fuzz_path = xstrdup(s);
	else {
		if ((s = getenv("TMPDIR")) == NULL || *s == '\0')
			s = "/tmp";
		xasprintf(&fuzz_path, "%s/tcplogd-fuzz-%ld.conf", s,
		    (long)getpid());
	}
	atexit(fuzz_cleanup);
	return (0);
}

/* Every error is one line, "PATH: ..." or "PATH:LINE: ...". */
static void
fuzz_check_errors(char **errors, size_t nerrors, const u_char *data,
    size_t size)
{
	size_t		 i, plen = strlen(fuzz_path), lines = 0;
	const char	*p;
	char		*end;
	unsigned long	 line;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n')
			lines++;
	}
	if (size > 0 && data[size - 1] != '\n')
		lines++;

	for (i = 0; i < nerrors; i++) {
		p = errors[i];
		if (p == NULL)
			fuzz_fail("error %zu is NULL", i);
		if (strncmp(p, fuzz_path, plen) != 0 || p[plen] != ':')
			fuzz_fail("error does not start with the path: %s", p);
		if (strchr(p, '\n') != NULL)
			fuzz_fail("error of more than one line: %s", p);
		p += plen + 1;
		if (isdigit((u_char)*p)) {
			errno = 0;
			line = strtoul(p, &end, 10);
			if (errno != 0 || *end != ':' || line == 0 ||
			    line > lines)
				fuzz_fail("error names line %lu of %zu: %s",
				    line, lines, errors[i]);
			p = end + 1;
		}
		if (*p != ' ' || p[1] == '\0')
			fuzz_fail("error without a message: %s", errors[i]);
	}
}

/* A config that loaded is whole and within its limits. */
static void
fuzz_check_config(const struct config *conf)
{
	const struct lconf	*lc, *lc2;
	size_t			 i, j;
	const char		*s;

	FUZZ_ASSERT(strcmp(conf->path, fuzz_path) == 0);
	FUZZ_ASSERT(conf->syslog_ident != NULL && *conf->syslog_ident != '\0');
	FUZZ_ASSERT(conf->shutdown_timeout <= 3600);
	FUZZ_ASSERT(!TAILQ_EMPTY(&conf->listeners));
	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		FUZZ_ASSERT(lc->refs == 1);
		FUZZ_ASSERT(lc->name != NULL && *lc->name != '\0' &&
		    strlen(lc->name) <= 64);
		for (s = lc->name; *s != '\0'; s++)
			FUZZ_ASSERT(isalnum((u_char)*s) || strchr("-_.", *s));
		FUZZ_ASSERT(lc->naddrs > 0);
		for (i = 0; i < lc->naddrs; i++) {
			FUZZ_ASSERT(lc->addrs[i].text != NULL);
			FUZZ_ASSERT(lc->addrs[i].port >= 0 &&
			    lc->addrs[i].port <= 65535);
		}
		FUZZ_ASSERT(lconf_mode_string(lc->mode) != NULL);
		FUZZ_ASSERT(proto_find(lc->mode) != NULL);
		FUZZ_ASSERT(lconf_overlong_string(lc->overlong) != NULL);
		FUZZ_ASSERT(lc->max_line >= 1 &&
		    lc->max_line <= CONF_MAX_LINE_LIMIT);
		FUZZ_ASSERT(lc->outputs != 0 && (lc->outputs &
		    ~(OUTPUT_STDOUT | OUTPUT_SYSLOG | OUTPUT_FILE)) == 0);
		if (lc->outputs & OUTPUT_FILE)
			FUZZ_ASSERT(lc->file != NULL && lc->file[0] == '/');
		FUZZ_ASSERT((lc->file_mode & ~0777) == 0);
		FUZZ_ASSERT(lc->format == FORMAT_TEXT ||
		    lc->format == FORMAT_JSON);
		FUZZ_ASSERT(lc->idle_timeout <= 86400);
		for (i = 0; i < lc->nallow; i++)
			FUZZ_ASSERT(lc->allow[i].bits <=
			    (lc->allow[i].family == AF_INET ? 32u : 128u));
		for (i = 0; i < lc->ndeny; i++)
			FUZZ_ASSERT(lc->deny[i].bits <=
			    (lc->deny[i].family == AF_INET ? 32u : 128u));
		/* No two addresses of the file would fight over a port. */
		for (lc2 = lc; lc2 != NULL; lc2 = TAILQ_NEXT(lc2, entry)) {
			for (i = 0; i < lc->naddrs; i++) {
				for (j = lc2 == lc ? i + 1 : 0;
				    j < lc2->naddrs; j++)
					FUZZ_ASSERT(!laddr_conflict(
					    &lc->addrs[i], &lc2->addrs[j]));
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*conf;
	char		**errors = NULL;
	size_t		 nerrors = 0, off;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		fuzz_fail("%s: %s", fuzz_path, strerror(errno));
	for (off = 0; off < size; off += n) {
		if ((n = write(fd, data + off, size - off)) <= 0)
			fuzz_fail("%s: %s", fuzz_path, strerror(errno));
	}
	if (close(fd) == -1)
		fuzz_fail("%s: %s", fuzz_path, strerror(errno));

	conf = config_load(fuzz_path, &errors, &nerrors);
	if ((conf == NULL) != (nerrors > 0) || (errors == NULL) !=
	    (nerrors == 0))
		fuzz_fail("config %p with %zu errors at %p", (void *)conf,
		    nerrors, (void *)errors);
	fuzz_check_errors(errors, nerrors, data, size);
	if (conf != NULL)
		fuzz_check_config(conf);
	config_free(conf);
	config_errors_free(errors, nerrors);
	return (0);
}
