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
 * Unit tests of config.c: every key read from the files in tests/data
 * into struct config and struct lconf, the built-in defaults and the
 * [tcplogd] defaults, the exact text of every error (all of them, with
 * the right line numbers), listen addresses: laddr_parse() and
 * laddr_conflict(), and the output file settings: file, file_mode and
 * format, and which listeners need a file.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <grp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <check.h>

#include "common.h"

#define DATA(f)		TEST_DATA "/" f

static struct config	*load(const char *);
static char		*temp_conf(const char *);
static struct config	*load_text(const char *);
static void		 check_loaded(const char *, struct config *, char **,
			    size_t, const char *const *);
static void		 check_errors(const char *, const char *const *);
static void		 check_text_errors(const char *, const char *const *);
static struct lconf	*find(struct config *, const char *);
static void		 check_inet(const struct laddr *, const char *, int);
static void		 check_inet6(const struct laddr *, const char *, int);

/* Load a file that must be valid. */
static struct config *
load(const char *path)
{
	struct config	 *conf;
	char		**errors;
	size_t		  nerrors, i;

	conf = config_load(path, &errors, &nerrors);
	for (i = 0; i < nerrors; i++)
		fprintf(stderr, "%s\n", errors[i]);
	ck_assert_uint_eq(nerrors, 0);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(conf->path, path);
	config_errors_free(errors, nerrors);
	return (conf);
}

/* Write text to a new temporary file; returns its path. */
static char *
temp_conf(const char *text)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;
	size_t		 len = strlen(text);
	int		 fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	xasprintf(&path, "%s/check_config.XXXXXX", dir);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
	return (path);
}

/* Load text as a config file of its own; NULL if it is not valid. */
static struct config *
load_text(const char *text)
{
	struct config	 *conf;
	char		 *path, **errors;
	size_t		  nerrors, i;

	path = temp_conf(text);
	conf = config_load(path, &errors, &nerrors);
	unlink(path);
	free(path);
	for (i = 0; i < nerrors; i++)
		fprintf(stderr, "%s\n", errors[i]);
	config_errors_free(errors, nerrors);
	return (conf);
}

/* check_errors() for text in a file of its own. */
static void
check_text_errors(const char *text, const char *const *want)
{
	struct config	 *conf;
	char		 *path, **errors;
	size_t		  nerrors;

	path = temp_conf(text);
	conf = config_load(path, &errors, &nerrors);
	unlink(path);
	check_loaded(path, conf, errors, nerrors, want);
	free(path);
}

/*
 * Loading path failed with exactly these errors, in this order; each is
 * given without the leading path (":LINE: message" or ": message").
 */
static void
check_loaded(const char *path, struct config *conf, char **errors,
    size_t nerrors, const char *const *want)
{
	size_t	nwant, i, plen = strlen(path);

	ck_assert_ptr_null(conf);
	for (nwant = 0; want[nwant] != NULL; nwant++)
		;
	for (i = 0; i < nerrors; i++) {
		ck_assert_msg(strncmp(errors[i], path, plen) == 0,
		    "error without the path: %s", errors[i]);
		ck_assert_msg(i < nwant, "unexpected error %zu: %s", i,
		    errors[i] + plen);
		ck_assert_str_eq(errors[i] + plen, want[i]);
	}
	ck_assert_msg(nerrors == nwant, "%zu errors, wanted %zu (missing: "
	    "%s)", nerrors, nwant, want[nerrors < nwant ? nerrors : 0]);
	config_errors_free(errors, nerrors);
}

/* Loading the file fails with exactly these errors. */
static void
check_errors(const char *path, const char *const *want)
{
	struct config	 *conf;
	char		**errors;
	size_t		  nerrors;

	conf = config_load(path, &errors, &nerrors);
	check_loaded(path, conf, errors, nerrors, want);
}

static struct lconf *
find(struct config *conf, const char *name)
{
	struct lconf	*lc;

	TAILQ_FOREACH(lc, &conf->listeners, entry) {
		if (strcmp(lc->name, name) == 0)
			return (lc);
	}
	ck_abort_msg("no listener %s", name);
	return (NULL);
}

static void
check_inet(const struct laddr *la, const char *addr, int port)
{
	const struct sockaddr_in	*sin = (const void *)&la->ss;
	struct in_addr			 want;

	ck_assert_int_eq(inet_pton(AF_INET, addr, &want), 1);
	ck_assert_int_eq(la->any, 0);
	ck_assert_int_eq(la->port, port);
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), port);
	ck_assert_uint_eq(sin->sin_addr.s_addr, want.s_addr);
	ck_assert_uint_eq(la->sslen, sizeof (struct sockaddr_in));
}

static void
check_inet6(const struct laddr *la, const char *addr, int port)
{
	const struct sockaddr_in6	*sin6 = (const void *)&la->ss;
	struct in6_addr			 want;

	ck_assert_int_eq(inet_pton(AF_INET6, addr, &want), 1);
	ck_assert_int_eq(la->any, 0);
	ck_assert_int_eq(la->port, port);
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sin6->sin6_port), port);
	ck_assert_mem_eq(&sin6->sin6_addr, &want, sizeof want);
	ck_assert_uint_eq(la->sslen, sizeof (struct sockaddr_in6));
}

START_TEST(test_every_key)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("good.conf"));
	ck_assert_uint_eq(conf->max_conns, 500);
	ck_assert_str_eq(conf->syslog_ident, "mylogd");
	ck_assert_uint_eq(conf->shutdown_timeout, 30);

	lc = TAILQ_FIRST(&conf->listeners);
	ck_assert_str_eq(lc->name, "main");
	ck_assert_int_eq(lc->refs, 1);
	ck_assert_int_eq(lc->line, 7);
	ck_assert_uint_eq(lc->naddrs, 3);
	ck_assert_str_eq(lc->addrs[0].text, "127.0.0.1:1234");
	check_inet(&lc->addrs[0], "127.0.0.1", 1234);
	ck_assert_str_eq(lc->addrs[1].text, "[::1]:1234");
	check_inet6(&lc->addrs[1], "::1", 1234);
	ck_assert_str_eq(lc->addrs[2].text, "*:2000");
	ck_assert_int_eq(lc->addrs[2].any, 1);
	ck_assert_int_eq(lc->addrs[2].port, 2000);
	ck_assert_int_eq(lc->mode, MODE_RAW);
	ck_assert_int_eq(lc->outputs, OUTPUT_STDOUT | OUTPUT_SYSLOG);
	ck_assert_int_eq(lc->events, 0);
	ck_assert_int_eq(lc->timestamps, TS_YES);
	ck_assert_uint_eq(lc->max_line, 4096);
	ck_assert_int_eq(lc->overlong, OVERLONG_SPLIT);
	ck_assert_uint_eq(lc->max_conns, 50);
	ck_assert_int_eq(lc->facility, LOG_LOCAL3);
	ck_assert_int_eq(lc->priority, LOG_NOTICE);

	lc = TAILQ_NEXT(lc, entry);
	ck_assert_str_eq(lc->name, "other-1_x.Y");
	ck_assert_int_eq(lc->line, 20);
	ck_assert_uint_eq(lc->naddrs, 1);
	check_inet(&lc->addrs[0], "0.0.0.0", 0);
	ck_assert_int_eq(lc->mode, MODE_LINE);
	ck_assert_uint_eq(lc->max_conns, 0);
	ck_assert_ptr_null(TAILQ_NEXT(lc, entry));
	config_free(conf);
}
END_TEST

START_TEST(test_builtin_defaults)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("defaults.conf"));
	ck_assert_uint_eq(conf->max_conns, CONF_MAX_CONNS_DEFAULT);
	ck_assert_uint_eq(conf->max_conns, 10000);
	ck_assert_str_eq(conf->syslog_ident, "tcplogd");
	ck_assert_uint_eq(conf->shutdown_timeout, CONF_SHUTDOWN_DEFAULT);
	ck_assert_uint_eq(conf->shutdown_timeout, 5);
	lc = find(conf, "main");
	ck_assert_int_eq(lc->line, 1);
	ck_assert_uint_eq(lc->naddrs, 1);
	check_inet(&lc->addrs[0], "127.0.0.1", 1234);
	ck_assert_int_eq(lc->mode, MODE_LINE);
	ck_assert_int_eq(lc->outputs, OUTPUT_STDOUT);
	ck_assert_int_eq(lc->events, 1);
	ck_assert_int_eq(lc->timestamps, TS_AUTO);
	ck_assert_uint_eq(lc->max_line, CONF_MAX_LINE_DEFAULT);
	ck_assert_uint_eq(lc->max_line, 16384);
	ck_assert_int_eq(lc->overlong, OVERLONG_TRUNCATE);
	ck_assert_uint_eq(lc->max_conns, 0);
	ck_assert_int_eq(lc->facility, LOG_DAEMON);
	ck_assert_int_eq(lc->priority, LOG_INFO);
	ck_assert_ptr_null(lc->file);
	ck_assert_uint_eq(lc->file_mode, CONF_FILE_MODE_DEFAULT);
	ck_assert_uint_eq(lc->file_mode, 0640);
	ck_assert_int_eq(lc->format, FORMAT_TEXT);
	ck_assert_int_eq(lc->delimiter, DELIM_LF);
	ck_assert_int_eq(lc->parse, PARSE_NONE);
	config_free(conf);
}
END_TEST

/*
 * delimiter belongs to mode = line: given with another mode it is an
 * error, in a listener or in [tcplogd]; a default one leaves listeners
 * of other modes alone.
 */
START_TEST(test_delimiter_mode)
{
	static const char *const want[] = {
		":3: delimiter: invalid value 'cr' (expected lf, nul or "
		    "lf-or-nul)",
		":10: delimiter: applies to mode = line only, not to "
		    "mode = raw",
		":7: delimiter: applies to mode = line only, not to mode = raw",
		NULL
	};
	struct config	*conf;
	struct lconf	*lc;

	check_errors(DATA("err-delimiter.conf"), want);
	conf = load_text("[tcplogd]\ndelimiter = nul\n[listener a]\n"
	    "listen = 127.0.0.1:1\n[listener b]\nlisten = 127.0.0.1:2\n"
	    "mode = raw\n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(find(conf, "a")->delimiter, DELIM_NUL);
	lc = find(conf, "b");
	ck_assert_int_eq(lc->mode, MODE_RAW);
	ck_assert_int_eq(lc->delimiter, DELIM_LF);
	config_free(conf);
}
END_TEST

/* [tcplogd] gives defaults to listeners before and after it. */
START_TEST(test_global_defaults)
{
	struct config	*conf;
	struct lconf	*lc;
	const char	*names[] = { "before", "after", "plain" };
	size_t		 i;

	conf = load(DATA("override.conf"));
	for (i = 0; i < nitems(names); i++) {
		lc = find(conf, names[i]);
		if (strcmp(names[i], "before") != 0) {
			ck_assert_int_eq(lc->mode, MODE_RAW);
			ck_assert_int_eq(lc->outputs, OUTPUT_SYSLOG);
		}
		if (strcmp(names[i], "after") != 0) {
			ck_assert_int_eq(lc->events, 0);
			ck_assert_int_eq(lc->timestamps, TS_NO);
			ck_assert_uint_eq(lc->max_line, 100);
			ck_assert_int_eq(lc->overlong, OVERLONG_CLOSE);
			ck_assert_int_eq(lc->facility, LOG_USER);
			ck_assert_int_eq(lc->priority, LOG_DEBUG);
		}
	}
	config_free(conf);
}
END_TEST

/* A listener's own key wins over [tcplogd], whatever the order. */
START_TEST(test_listener_overrides)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("override.conf"));
	lc = find(conf, "before");
	ck_assert_int_eq(lc->mode, MODE_LINE);
	ck_assert_int_eq(lc->outputs, OUTPUT_STDOUT);
	lc = find(conf, "after");
	ck_assert_uint_eq(lc->max_line, 200);
	ck_assert_int_eq(lc->events, 1);
	ck_assert_int_eq(lc->timestamps, TS_AUTO);
	ck_assert_int_eq(lc->overlong, OVERLONG_TRUNCATE);
	ck_assert_int_eq(lc->facility, LOG_LOCAL7);
	ck_assert_int_eq(lc->priority, LOG_EMERG);
	config_free(conf);
}
END_TEST

/* max_connections: the total in [tcplogd], a listener's own cap in one. */
START_TEST(test_max_connections)
{
	struct config	*conf;

	conf = load(DATA("override.conf"));
	ck_assert_uint_eq(conf->max_conns, 7);
	ck_assert_uint_eq(find(conf, "before")->max_conns, 0);
	ck_assert_uint_eq(find(conf, "after")->max_conns, 3);
	ck_assert_uint_eq(find(conf, "plain")->max_conns, 0);
	config_free(conf);

	conf = load(DATA("good.conf"));
	ck_assert_uint_eq(conf->max_conns, 500);
	ck_assert_uint_eq(find(conf, "main")->max_conns, 50);
	ck_assert_uint_eq(find(conf, "other-1_x.Y")->max_conns, 0);
	config_free(conf);
}
END_TEST

/* The largest and smallest numbers accepted. */
START_TEST(test_limits)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("global-zero.conf"));
	ck_assert_uint_eq(conf->max_conns, 0);
	ck_assert_uint_eq(conf->shutdown_timeout, 0);
	lc = find(conf, "main");
	ck_assert_uint_eq(lc->max_line, CONF_MAX_LINE_LIMIT);
	ck_assert_uint_eq(lc->max_conns, 1000000000);
	config_free(conf);

	conf = load_text("[tcplogd]\nshutdown_timeout = 3600\n"
	    "[listener m]\nlisten = 127.0.0.1:65535\nmax_line = 1\n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_uint_eq(conf->shutdown_timeout, 3600);
	ck_assert_uint_eq(find(conf, "m")->max_line, 1);
	check_inet(&find(conf, "m")->addrs[0], "127.0.0.1", 65535);
	config_free(conf);
}
END_TEST

START_TEST(test_bools)
{
	struct config	*conf;
	char		 name[8];
	int		 i;

	conf = load(DATA("bools.conf"));
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "b%d", i);
		ck_assert_int_eq(find(conf, name)->events, i % 2 == 0);
	}
	config_free(conf);
}
END_TEST

/* Every word of every enumerated key. */
START_TEST(test_words)
{
	static const struct {
		const char	*key;
		const char	*word;
		size_t		 offset;
		int		 value;
	} t[] = {
#define W(k, w, f, v)	{ k, w, offsetof(struct lconf, f), v }
		W("mode", "line", mode, MODE_LINE),
		W("mode", "raw", mode, MODE_RAW),
		W("output", "stdout", outputs, OUTPUT_STDOUT),
		W("output", "syslog", outputs, OUTPUT_SYSLOG),
		W("output", "syslog,stdout", outputs, 3),
		W("output", "stdout ,  syslog", outputs, 3),
		W("delimiter", "lf", delimiter, DELIM_LF),
		W("delimiter", "nul", delimiter, DELIM_NUL),
		W("delimiter", "lf-or-nul", delimiter, DELIM_LF_OR_NUL),
		W("parse", "none", parse, PARSE_NONE),
		W("parse", "syslog", parse, PARSE_SYSLOG),
		W("format", "text", format, FORMAT_TEXT),
		W("format", "json", format, FORMAT_JSON),
		W("timestamps", "auto", timestamps, TS_AUTO),
		W("timestamps", "yes", timestamps, TS_YES),
		W("timestamps", "no", timestamps, TS_NO),
		W("overlong", "truncate", overlong, OVERLONG_TRUNCATE),
		W("overlong", "split", overlong, OVERLONG_SPLIT),
		W("overlong", "close", overlong, OVERLONG_CLOSE),
		W("syslog_facility", "daemon", facility, LOG_DAEMON),
		W("syslog_facility", "user", facility, LOG_USER),
		W("syslog_facility", "local0", facility, LOG_LOCAL0),
		W("syslog_facility", "local1", facility, LOG_LOCAL1),
		W("syslog_facility", "local2", facility, LOG_LOCAL2),
		W("syslog_facility", "local3", facility, LOG_LOCAL3),
		W("syslog_facility", "local4", facility, LOG_LOCAL4),
		W("syslog_facility", "local5", facility, LOG_LOCAL5),
		W("syslog_facility", "local6", facility, LOG_LOCAL6),
		W("syslog_facility", "local7", facility, LOG_LOCAL7),
		W("syslog_priority", "emerg", priority, LOG_EMERG),
		W("syslog_priority", "alert", priority, LOG_ALERT),
		W("syslog_priority", "crit", priority, LOG_CRIT),
		W("syslog_priority", "err", priority, LOG_ERR),
		W("syslog_priority", "warning", priority, LOG_WARNING),
		W("syslog_priority", "notice", priority, LOG_NOTICE),
		W("syslog_priority", "info", priority, LOG_INFO),
		W("syslog_priority", "debug", priority, LOG_DEBUG),
#undef W
	};
	struct config	*conf;
	struct lconf	*lc;
	char		 text[256];
	size_t		 i;
	int		 in_global, value;

	for (i = 0; i < nitems(t); i++) {
		for (in_global = 0; in_global <= 1; in_global++) {
			snprintf(text, sizeof text, "%s%s = %s\n"
			    "[listener main]\nlisten = 127.0.0.1:1\n%s%s%s\n",
			    in_global ? "[tcplogd]\n" : "",
			    in_global ? t[i].key : "; nothing",
			    in_global ? t[i].word : "",
			    in_global ? "" : t[i].key,
			    in_global ? "" : " = ",
			    in_global ? "" : t[i].word);
			conf = load_text(text);
			ck_assert_msg(conf != NULL, "%s", text);
			lc = find(conf, "main");
			/* Every one of these fields is an int or an enum. */
			value = *(const int *)((const char *)lc + t[i].offset);
			ck_assert_msg(value == t[i].value, "%s = %s: %d",
			    t[i].key, t[i].word, value);
			config_free(conf);
		}
	}
}
END_TEST

START_TEST(test_comments)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("comments.conf"));
	lc = find(conf, "main");
	ck_assert_uint_eq(lc->naddrs, 1);
	ck_assert_str_eq(lc->addrs[0].text, "127.0.0.1:1");
	ck_assert_int_eq(lc->mode, MODE_RAW);
	ck_assert_int_eq(lc->outputs, OUTPUT_STDOUT | OUTPUT_SYSLOG);
	ck_assert_uint_eq(lc->max_line, 10);
	config_free(conf);
}
END_TEST

/* Indented lines are keys (and sections) of their own. */
START_TEST(test_indented_keys)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("indent.conf"));
	lc = find(conf, "main");
	ck_assert_uint_eq(lc->naddrs, 1);
	ck_assert_str_eq(lc->addrs[0].text, "127.0.0.1:1");
	ck_assert_int_eq(lc->mode, MODE_RAW);
	ck_assert_int_eq(lc->events, 0);
	lc = find(conf, "second");
	ck_assert_int_eq(lc->line, 6);
	ck_assert_str_eq(lc->addrs[0].text, "127.0.0.1:2");
	ck_assert_uint_eq(lc->max_line, 77);
	ck_assert_int_eq(lc->mode, MODE_LINE);
	config_free(conf);
}
END_TEST

START_TEST(test_crlf)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("crlf.conf"));
	lc = find(conf, "main");
	ck_assert_str_eq(lc->addrs[0].text, "127.0.0.1:1");
	ck_assert_int_eq(lc->mode, MODE_RAW);
	config_free(conf);
}
END_TEST

/* A line of exactly 196 bytes is read whole. */
START_TEST(test_line_196)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("line-196.conf"));
	lc = find(conf, "main");
	ck_assert_uint_eq(lc->naddrs, 11);
	ck_assert_str_eq(lc->addrs[10].text, "127.0.0.11:10011");
	check_inet(&lc->addrs[10], "127.0.0.11", 10011);
	config_free(conf);
}
END_TEST

/* Port 0 never conflicts; neither do other addresses or families. */
START_TEST(test_no_conflict)
{
	struct config	*conf;

	conf = load(DATA("port0.conf"));
	ck_assert_uint_eq(find(conf, "a")->naddrs, 3);
	ck_assert_uint_eq(find(conf, "b")->naddrs, 3);
	ck_assert_int_eq(find(conf, "b")->addrs[0].any, 1);
	config_free(conf);
	conf = load(DATA("no-conflict.conf"));
	ck_assert_uint_eq(find(conf, "b")->naddrs, 4);
	config_free(conf);
}
END_TEST

START_TEST(test_listener_names)
{
	static const char *names[] = {
		"a", "A-b_c.9", "0", "...",
		"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
		    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
	};
	struct config	*conf;
	char		 text[256];
	size_t		 i;

	for (i = 0; i < nitems(names); i++) {
		snprintf(text, sizeof text, "[listener %s]\n"
		    "listen = 127.0.0.1:1\n", names[i]);
		conf = load_text(text);
		ck_assert_msg(conf != NULL, "%s refused", names[i]);
		ck_assert_str_eq(TAILQ_FIRST(&conf->listeners)->name,
		    names[i]);
		config_free(conf);
	}
}
END_TEST

START_TEST(test_lconf_strings)
{
	ck_assert_str_eq(lconf_mode_string(MODE_LINE), "line");
	ck_assert_str_eq(lconf_mode_string(MODE_RAW), "raw");
	ck_assert_str_eq(lconf_overlong_string(OVERLONG_TRUNCATE), "truncate");
	ck_assert_str_eq(lconf_overlong_string(OVERLONG_SPLIT), "split");
	ck_assert_str_eq(lconf_overlong_string(OVERLONG_CLOSE), "close");
}
END_TEST

/* A referenced listener outlives its config (reload). */
START_TEST(test_lconf_ref)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("good.conf"));
	lc = lconf_ref(find(conf, "main"));
	ck_assert_int_eq(lc->refs, 2);
	config_free(conf);
	ck_assert_int_eq(lc->refs, 1);
	ck_assert_str_eq(lc->name, "main");
	ck_assert_str_eq(lc->addrs[2].text, "*:2000");
	lconf_unref(lc);
	config_free(NULL);
	lconf_unref(NULL);
}
END_TEST

START_TEST(test_err_missing_file)
{
	static const char *const want[] = {
		": cannot open: No such file or directory", NULL
	};
	static const char *const dir[] = {
		": cannot open: Is a directory", NULL
	};

	check_errors(DATA("does-not-exist.conf"), want);
	check_errors(TEST_DATA, dir);
}
END_TEST

START_TEST(test_err_unknown_section)
{
	static const char *const want[] = {
		":3: unknown section [logging]", NULL
	};

	check_errors(DATA("err-unknown-section.conf"), want);
}
END_TEST

/* Keys of a rejected first section get no second error. */
START_TEST(test_err_unknown_first_section)
{
	static const char *const want[] = {
		":1: unknown section [logging]", NULL
	};

	check_text_errors("[logging]\nlevel = debug\n"
	    "[listener main]\nlisten = 127.0.0.1:1\n", want);
}
END_TEST

START_TEST(test_err_unknown_key)
{
	static const char *const want[] = {
		":3: colour: unknown key", NULL
	};

	check_errors(DATA("err-unknown-key.conf"), want);
}
END_TEST

START_TEST(test_err_key_outside_section)
{
	static const char *const want[] = {
		":1: mode: key outside a section", NULL
	};

	check_errors(DATA("err-outside.conf"), want);
}
END_TEST

START_TEST(test_err_mode)
{
	static const char *const want[] = {
		":3: mode: invalid value 'udp' (expected line, raw, "
		    "octet-counted or syslog)", NULL
	};

	check_errors(DATA("err-mode.conf"), want);
}
END_TEST

/* '#' is not an inline comment. */
START_TEST(test_err_mode_hash)
{
	static const char *const want[] = {
		":3: mode: invalid value 'raw # x' (expected line, raw, "
		    "octet-counted or syslog)", NULL
	};

	check_errors(DATA("err-mode-hash.conf"), want);
}
END_TEST

START_TEST(test_err_output)
{
	static const char *const want[] = {
		":3: output: invalid value 'logfile' (expected stdout, syslog, "
		    "file or journal, or a list of them)",
		":6: output: stdout given twice",
		":9: output: invalid value '' (expected stdout, syslog, file "
		    "or journal, or a list of them)",
		NULL
	};

	check_errors(DATA("err-output.conf"), want);
}
END_TEST

START_TEST(test_err_events)
{
	static const char *const want[] = {
		":3: events: invalid value 'maybe' (expected yes, no, true, "
		    "false, on, off, 1 or 0)",
		NULL
	};

	check_errors(DATA("err-events.conf"), want);
}
END_TEST

START_TEST(test_err_timestamps)
{
	static const char *const want[] = {
		":2: timestamps: invalid value 'sometimes' (expected auto, "
		    "yes or no)",
		NULL
	};

	check_errors(DATA("err-timestamps.conf"), want);
}
END_TEST

START_TEST(test_err_overlong)
{
	static const char *const want[] = {
		":3: overlong: invalid value 'drop' (expected truncate, split "
		    "or close)",
		NULL
	};

	check_errors(DATA("err-overlong.conf"), want);
}
END_TEST

START_TEST(test_err_facility)
{
	static const char *const want[] = {
		":3: syslog_facility: invalid value 'local8' (expected daemon, "
		    "user, local0, local1, local2, local3, local4, local5, "
		    "local6 or local7)",
		NULL
	};

	check_errors(DATA("err-facility.conf"), want);
}
END_TEST

START_TEST(test_err_priority)
{
	static const char *const want[] = {
		":3: syslog_priority: invalid value 'warn' (expected emerg, "
		    "alert, crit, err, warning, notice, info or debug)",
		NULL
	};

	check_errors(DATA("err-priority.conf"), want);
}
END_TEST

START_TEST(test_err_max_line)
{
	static const char *const want[] = {
		":3: max_line: invalid value '0' (expected 1 to 67108864)",
		":6: max_line: invalid value '67108865' (expected 1 to "
		    "67108864)",
		":9: max_line: invalid value '16k' (expected 1 to 67108864)",
		":12: max_line: invalid value '-1' (expected 1 to 67108864)",
		":15: max_line: invalid value '' (expected 1 to 67108864)",
		NULL
	};

	check_errors(DATA("err-max-line.conf"), want);
}
END_TEST

START_TEST(test_err_max_connections)
{
	static const char *const want[] = {
		":2: max_connections: invalid value '1000000001' (expected 0 "
		    "to 1000000000)",
		":5: max_connections: invalid value '-5' (expected 0 to "
		    "1000000000)",
		":8: max_connections: invalid value '99999999999999999999999' "
		    "(expected 0 to 1000000000)",
		NULL
	};

	check_errors(DATA("err-max-connections.conf"), want);
}
END_TEST

START_TEST(test_err_shutdown_timeout)
{
	static const char *const want[] = {
		":2: shutdown_timeout: invalid value '3601' (expected 0 to "
		    "3600 seconds)",
		NULL
	};

	check_errors(DATA("err-shutdown-timeout.conf"), want);
}
END_TEST

START_TEST(test_err_syslog_ident)
{
	static const char *const want[] = {
		":2: syslog_ident: invalid value 'my daemon' (1 to 64 "
		    "characters, no blanks, '[', ']' or ':')",
		NULL
	};

	check_errors(DATA("err-syslog-ident.conf"), want);
}
END_TEST

START_TEST(test_err_key_twice)
{
	static const char *const want[] = {
		":3: max_line: given twice (first at line 2)",
		":7: mode: given twice (first at line 6)",
		":8: listen: given twice (first at line 5)",
		NULL
	};

	check_errors(DATA("err-twice.conf"), want);
}
END_TEST

START_TEST(test_err_listen_in_global)
{
	static const char *const want[] = {
		":2: listen: only valid in a [listener NAME] section", NULL
	};

	check_errors(DATA("err-listen-global.conf"), want);
}
END_TEST

START_TEST(test_err_global_key_in_listener)
{
	static const char *const want[] = {
		":3: syslog_ident: only valid in the [tcplogd] section",
		":4: shutdown_timeout: only valid in the [tcplogd] section",
		NULL
	};

	check_errors(DATA("err-ident-listener.conf"), want);
}
END_TEST

/* Names of 65 bytes, empty or with a '/' are refused; 64 is fine. */
START_TEST(test_err_listener_name)
{
	static const char *const want[] = {
		":3: invalid listener name 'bad/name' (1 to 64 letters, "
		    "digits, '-', '_' or '.')",
		":5: invalid listener name '' (1 to 64 letters, digits, '-', "
		    "'_' or '.')",
		":7: invalid listener name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
		    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn' (1 to 64 letters, "
		    "digits, '-', '_' or '.')",
		NULL
	};

	check_errors(DATA("err-name.conf"), want);
}
END_TEST

START_TEST(test_err_listener_twice)
{
	static const char *const want[] = {
		":3: listener main given twice (first at line 1)", NULL
	};

	check_errors(DATA("err-listener-twice.conf"), want);
}
END_TEST

/* Reported at the section header, also for a section with no key. */
START_TEST(test_err_no_listen)
{
	static const char *const want[] = {
		":1: listener main: no listen address",
		":5: listener empty: no listen address",
		NULL
	};

	check_errors(DATA("err-no-listen.conf"), want);
}
END_TEST

START_TEST(test_err_no_listener)
{
	static const char *const want[] = {
		": no [listener] section", NULL
	};

	check_errors(DATA("err-no-listener.conf"), want);
	check_errors(DATA("empty.conf"), want);
}
END_TEST

START_TEST(test_err_section_syntax)
{
	static const char *const want[] = {
		":2: [tcplogd] given twice (first at line 1)",
		":3: missing ']' in section header",
		":4: invalid listener name '' (1 to 64 letters, digits, '-', "
		    "'_' or '.')",
		NULL
	};

	check_errors(DATA("err-section-syntax.conf"), want);
}
END_TEST

START_TEST(test_err_conflict)
{
	static const char *const want[] = {
		":5: listen: 127.0.0.1:80 conflicts with 127.0.0.1:80 of "
		    "listener a (line 2)",
		NULL
	};

	check_errors(DATA("err-conflict.conf"), want);
}
END_TEST

/* *:P conflicts with every address on P, and with itself. */
START_TEST(test_err_conflict_any)
{
	static const char *const want[] = {
		":4: listen: 127.0.0.1:81 conflicts with *:81 of listener a "
		    "(line 2)",
		":6: listen: [::1]:81 conflicts with *:81 of listener a "
		    "(line 2)",
		":6: listen: *:81 conflicts with *:81 of listener a (line 2)",
		":6: listen: *:81 conflicts with 127.0.0.1:81 of listener b "
		    "(line 4)",
		":6: listen: *:81 conflicts with [::1]:81 of listener c "
		    "(line 6)",
		NULL
	};

	check_errors(DATA("err-conflict-any.conf"), want);
}
END_TEST

/* Within one listener, and the any-address of each family. */
START_TEST(test_err_conflict_self)
{
	static const char *const want[] = {
		":2: listen: 127.0.0.1:82 conflicts with 127.0.0.1:82 of "
		    "listener a (line 2)",
		":4: listen: 127.0.0.1:83 conflicts with 0.0.0.0:83 of "
		    "listener b (line 4)",
		":4: listen: [::1]:84 conflicts with [::]:84 of listener b "
		    "(line 4)",
		NULL
	};

	check_errors(DATA("err-conflict-self.conf"), want);
}
END_TEST

START_TEST(test_err_address)
{
	static const char *const want[] = {
		":2: listen: invalid address 'localhost:80' (expected "
		    "IPv4:PORT, [IPv6]:PORT or *:PORT)",
		":4: listen: invalid port in '127.0.0.1:65536' (expected 0 to "
		    "65535)",
		":6: listen: invalid address '127.0.0.1' (expected IPv4:PORT, "
		    "[IPv6]:PORT or *:PORT)",
		":8: listen: invalid address '::1:80' (expected IPv4:PORT, "
		    "[IPv6]:PORT or *:PORT)",
		":10: listen: invalid port in '127.0.0.1:x' (expected 0 to "
		    "65535)",
		":12: listen: empty address",
		NULL
	};

	check_errors(DATA("err-address.conf"), want);
}
END_TEST

/*
 * A blank inside a list item is an error, not a silent cut:
 * "listen = 127.0.0.1:80 127.0.0.1:81" must not listen on port 80 only.
 */
START_TEST(test_err_blank_in_list)
{
	struct config	*conf;
	size_t		 naddrs;
	int		 outputs;

	conf = load_text("[listener main]\n"
	    "listen = 127.0.0.1:80 127.0.0.1:81\n");
	naddrs = conf != NULL ? TAILQ_FIRST(&conf->listeners)->naddrs : 0;
	config_free(conf);
	conf = load_text("[listener main]\nlisten = 127.0.0.1:80\n"
	    "output = stdout syslog\n");
	outputs = conf != NULL ? TAILQ_FIRST(&conf->listeners)->outputs : 0;
	config_free(conf);
	ck_assert_msg(naddrs == 0 && outputs == 0, "accepted: listen with "
	    "%zu address(es), output %d", naddrs, outputs);
}
END_TEST

/* Lines over 196 bytes are refused; later lines keep their numbers. */
START_TEST(test_err_line_too_long)
{
	static const char *const want[] = {
		":3: line too long (more than 196 bytes)",
		":4: line too long (more than 196 bytes)",
		":5: colour: unknown key",
		":6: line too long (more than 196 bytes)",
		":7: overlong: invalid value 'drop' (expected truncate, split "
		    "or close)",
		NULL
	};

	check_errors(DATA("err-line-197.conf"), want);
}
END_TEST

START_TEST(test_err_no_equals)
{
	static const char *const want[] = {
		":3: expected KEY = VALUE", NULL
	};

	check_errors(DATA("err-no-equals.conf"), want);
}
END_TEST

/*
 * A line that inih rejects (here a ';' comment before the '=') is
 * reported even next to another error.
 */
START_TEST(test_err_inih_syntax_kept)
{
	static const char *const alone[] = {
		":3: expected KEY = VALUE", NULL
	};
	static const char *const want[] = {
		":3: colour: unknown key",
		":4: expected KEY = VALUE",
		NULL
	};

	check_text_errors("[listener main]\nlisten = 127.0.0.1:1\n"
	    "foo ; a=b\n", alone);
	check_text_errors("[listener main]\nlisten = 127.0.0.1:1\n"
	    "colour = red\nfoo ; a=b\n", want);
}
END_TEST

START_TEST(test_err_several)
{
	static const char *const want[] = {
		":2: mode: invalid value 'udp' (expected line, raw, "
		    "octet-counted or syslog)",
		":5: colour: unknown key",
		":6: unknown section [bogus]",
		":9: overlong: invalid value 'drop' (expected truncate, split "
		    "or close)",
		":10: listener c: no listen address",
		":8: listen: 127.0.0.1:90 conflicts with 127.0.0.1:90 of "
		    "listener a (line 4)",
		NULL
	};

	check_errors(DATA("err-several.conf"), want);
}
END_TEST

/* file, file_mode and format from [tcplogd], before and after it. */
/*
 * proxy_protocol and its keys: the versions, proxy_from as CIDR
 * prefixes, proxy_timeout, defaults from [tcplogd] for the listeners
 * that turn the header on.
 */
START_TEST(test_proxy_keys)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load_text("[tcplogd]\n"
	    "proxy_from = 10.0.0.0/8, 2001:db8::/32\n"
	    "proxy_timeout = 2\n"
	    "[listener plain]\nlisten = 127.0.0.1:0\n"
	    "[listener v1]\nlisten = 127.0.0.1:0\nproxy_protocol = v1\n"
	    "[listener v2]\nlisten = 127.0.0.1:0\nproxy_protocol = v2\n"
	    "proxy_from = 127.0.0.1\nproxy_timeout = 3600\n"
	    "[listener any]\nlisten = 127.0.0.1:0\nproxy_protocol = any\n");
	ck_assert_ptr_nonnull(conf);
	lc = find(conf, "plain");
	ck_assert_int_eq(lc->proxy_protocol, PROXY_NO);
	ck_assert_uint_eq(lc->proxy_timeout, 2);
	lc = find(conf, "v1");
	ck_assert_int_eq(lc->proxy_protocol, PROXY_V1);
	ck_assert_uint_eq(lc->nproxy_from, 2);
	ck_assert_int_eq(lc->proxy_from[0].family, AF_INET);
	ck_assert_uint_eq(lc->proxy_from[0].bits, 8);
	ck_assert_int_eq(lc->proxy_from[1].family, AF_INET6);
	ck_assert_uint_eq(lc->proxy_from[1].bits, 32);
	ck_assert_uint_eq(lc->proxy_timeout, 2);
	lc = find(conf, "v2");
	ck_assert_int_eq(lc->proxy_protocol, PROXY_V2);
	ck_assert_uint_eq(lc->nproxy_from, 1);
	ck_assert_uint_eq(lc->proxy_from[0].bits, 32);
	ck_assert_uint_eq(lc->proxy_timeout, 3600);
	lc = find(conf, "any");
	ck_assert_int_eq(lc->proxy_protocol, PROXY_ANY);
	ck_assert_uint_eq(lc->proxy_timeout, 2);
	config_free(conf);

	conf = load_text("[listener main]\nlisten = 127.0.0.1:0\n");
	lc = find(conf, "main");
	ck_assert_int_eq(lc->proxy_protocol, PROXY_NO);
	ck_assert_uint_eq(lc->nproxy_from, 0);
	ck_assert_uint_eq(lc->proxy_timeout, CONF_PROXY_TIMEOUT_DEFAULT);
	config_free(conf);
}
END_TEST

/*
 * Without proxy_from anyone could forge a peer: an error, at the
 * listener's line; the keys of a listener without the header are
 * errors at their lines; bad values name the valid ones.
 */
START_TEST(test_err_proxy)
{
	static const char *const want1[] = {
		":1: listener a: proxy_protocol = v2 needs proxy_from = CIDR "
		    "LIST (the balancers' addresses)",
		":6: proxy_from: applies only with proxy_protocol = v1, v2 "
		    "or any",
		":7: proxy_timeout: applies only with proxy_protocol = v1, v2 "
		    "or any",
		NULL
	};
	static const char *const want2[] = {
		":3: proxy_protocol: invalid value 'v3' (expected no, v1, v2 "
		    "or any)",
		":4: proxy_timeout: invalid value '0' (expected 1 to 3600 "
		    "seconds)",
		":5: proxy_from: invalid prefix length in '10.0.0.0/33' "
		    "(expected 0 to 32)",
		NULL
	};

	check_text_errors("[listener a]\nlisten = 127.0.0.1:0\n"
	    "proxy_protocol = v2\n"
	    "[listener b]\nlisten = 127.0.0.1:0\n"
	    "proxy_from = 127.0.0.1\nproxy_timeout = 3\n", want1);
	check_text_errors("[listener a]\nlisten = 127.0.0.1:0\n"
	    "proxy_protocol = v3\nproxy_timeout = 0\n"
	    "proxy_from = 10.0.0.0/33\n", want2);
}
END_TEST

START_TEST(test_file_defaults)
{
	struct config	*conf;
	struct lconf	*lc;
	const char	*names[] = { "before", "after", "plain" };
	size_t		 i;

	conf = load(DATA("files.conf"));
	for (i = 0; i < nitems(names); i++) {
		lc = find(conf, names[i]);
		ck_assert_ptr_nonnull(lc->file);
		ck_assert_str_eq(lc->file, "/var/log/tcplogd/all.log");
		ck_assert_uint_eq(lc->file_mode, 0600);
	}
	ck_assert_int_eq(find(conf, "before")->outputs, OUTPUT_FILE);
	ck_assert_int_eq(find(conf, "after")->outputs,
	    OUTPUT_STDOUT | OUTPUT_FILE);
	ck_assert_int_eq(find(conf, "plain")->outputs, OUTPUT_STDOUT);
	config_free(conf);
}
END_TEST

/* A listener's own file and file_mode win, 0 included. */
START_TEST(test_file_override)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("files.conf"));
	lc = find(conf, "own");
	ck_assert_int_eq(lc->outputs, OUTPUT_FILE | OUTPUT_SYSLOG);
	ck_assert_str_eq(lc->file, "/var/log/tcplogd/own.log");
	ck_assert_uint_eq(lc->file_mode, 0);
	/* Each listener has a copy of its own. */
	ck_assert_ptr_ne(find(conf, "before")->file, find(conf, "after")->file);
	config_free(conf);
}
END_TEST

/* A file where no listener writes to a file is no error. */
START_TEST(test_file_unused)
{
	struct config	*conf;
	struct lconf	*lc;

	conf = load(DATA("file-unused.conf"));
	lc = find(conf, "main");
	ck_assert_int_eq(lc->outputs, OUTPUT_STDOUT);
	ck_assert_str_eq(lc->file, "/var/log/tcplogd/unused.log");
	ck_assert_uint_eq(lc->file_mode, CONF_FILE_MODE_DEFAULT);
	lc = find(conf, "other");
	ck_assert_int_eq(lc->outputs, OUTPUT_SYSLOG);
	ck_assert_str_eq(lc->file, "/var/log/tcplogd/other.log");
	ck_assert_uint_eq(lc->file_mode, 0777);
	config_free(conf);

	conf = load_text("[listener main]\nlisten = 127.0.0.1:1\n"
	    "file = /var/log/x.log\n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(find(conf, "main")->outputs, OUTPUT_STDOUT);
	config_free(conf);
}
END_TEST

/* output = file alone and in lists, in a listener or in [tcplogd]. */
START_TEST(test_output_file_lists)
{
	static const struct {
		const char	*value;
		int		 outputs;
	} t[] = {
		{ "file", OUTPUT_FILE },
		{ "stdout, file", OUTPUT_STDOUT | OUTPUT_FILE },
		{ "file, syslog", OUTPUT_FILE | OUTPUT_SYSLOG },
		{ "file,stdout", OUTPUT_STDOUT | OUTPUT_FILE },
		{ "syslog , file , stdout",
		    OUTPUT_STDOUT | OUTPUT_SYSLOG | OUTPUT_FILE },
	};
	struct config	*conf;
	struct lconf	*lc;
	char		 text[256];
	size_t		 i;
	int		 in_global;

	for (i = 0; i < nitems(t); i++) {
		for (in_global = 0; in_global <= 1; in_global++) {
			if (in_global)
				snprintf(text, sizeof text, "[tcplogd]\n"
				    "output = %s\n[listener main]\n"
				    "listen = 127.0.0.1:1\n"
				    "file = /var/log/m.log\n", t[i].value);
			else
				snprintf(text, sizeof text, "[listener main]\n"
				    "listen = 127.0.0.1:1\n"
				    "file = /var/log/m.log\noutput = %s\n",
				    t[i].value);
			conf = load_text(text);
			ck_assert_msg(conf != NULL, "%s", text);
			lc = find(conf, "main");
			ck_assert_msg(lc->outputs == t[i].outputs, "%s: %d",
			    t[i].value, lc->outputs);
			ck_assert_str_eq(lc->file, "/var/log/m.log");
			config_free(conf);
		}
	}
}
END_TEST

/* The path is taken as written, blanks inside included. */
START_TEST(test_file_path)
{
	struct config	*conf;

	conf = load_text("[listener main]\nlisten = 127.0.0.1:1\n"
	    "output = file\nfile =   /var/log/my logs/a b.log  \n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(find(conf, "main")->file,
	    "/var/log/my logs/a b.log");
	config_free(conf);
}
END_TEST

/* Octal, 0 to 0777; the default is 0640. */
START_TEST(test_file_mode)
{
	static const struct {
		const char	*value;
		u_int		 mode;
	} t[] = {
		{ "0640", 0640 }, { "0600", 0600 }, { "0", 0 }, { "0000", 0 },
		{ "0777", 0777 }, { "777", 0777 }, { "644", 0644 },
		{ "007", 07 }, { "00777", 0777 }, { "0444", 0444 },
	};
	struct config	*conf;
	struct lconf	*lc;
	char		 text[256];
	size_t		 i;
	int		 in_global;

	for (i = 0; i < nitems(t); i++) {
		for (in_global = 0; in_global <= 1; in_global++) {
			snprintf(text, sizeof text, "%s%s\n[listener main]\n"
			    "listen = 127.0.0.1:1\n%s%s\n",
			    in_global ? "[tcplogd]\nfile_mode = " : "",
			    in_global ? t[i].value : "; nothing",
			    in_global ? "" : "file_mode = ",
			    in_global ? "" : t[i].value);
			conf = load_text(text);
			ck_assert_msg(conf != NULL, "%s", text);
			lc = find(conf, "main");
			ck_assert_msg(lc->file_mode == t[i].mode,
			    "file_mode = %s: %o", t[i].value,
			    (u_int)lc->file_mode);
			config_free(conf);
		}
	}
}
END_TEST

START_TEST(test_err_file_mode)
{
	static const char *const want[] = {
		":2: file_mode: invalid value '640x' (expected an octal mode "
		    "such as 0640)",
		":5: file_mode: invalid value '0800' (expected an octal mode "
		    "such as 0640)",
		":8: file_mode: invalid value '1000' (expected an octal mode "
		    "such as 0640)",
		":11: file_mode: invalid value 'abc' (expected an octal mode "
		    "such as 0640)",
		":14: file_mode: invalid value '-1' (expected an octal mode "
		    "such as 0640)",
		":17: file_mode: invalid value '' (expected an octal mode "
		    "such as 0640)",
		NULL
	};
	static const char *bad[] = {
		"01000", "0x1ff", "+0640", "8", "0o640", "0640 0", "0640.0",
		"99999999999999999999999", "0777777777777777777777777",
		"-0", " -1", "00001000",
	};
	const char	*one[2] = { NULL, NULL };
	char		 text[256], msg[256];
	size_t		 i;

	check_errors(DATA("err-file-mode.conf"), want);
	for (i = 0; i < nitems(bad); i++) {
		snprintf(text, sizeof text, "[listener main]\n"
		    "listen = 127.0.0.1:1\nfile_mode = %s\n", bad[i]);
		/* inih strips the blanks around a value. */
		snprintf(msg, sizeof msg, ":3: file_mode: invalid value '%s' "
		    "(expected an octal mode such as 0640)",
		    bad[i][0] == ' ' ? bad[i] + 1 : bad[i]);
		one[0] = msg;
		check_text_errors(text, one);
	}
}
END_TEST

/*
 * A relative or empty path is refused where it is given; output = file
 * without any file is refused at the listener's section header.
 */
/*
 * file_group: none by default (the process's group); in [tcplogd] a
 * default, in a listener its own; only a group the system knows.
 */
START_TEST(test_file_group)
{
	static const char *const want[] = {
		":4: file_group: no such group 'no-such-group-tcplogd'",
		NULL
	};
	struct config	*conf;
	struct lconf	*lc;
	struct group	*gr;
	char		*name, *text;

	/* The test's own group: one that surely exists. */
	ck_assert_ptr_nonnull(gr = getgrgid(getegid()));
	name = xstrdup(gr->gr_name);
	conf = load_text("[listener a]\nlisten = 127.0.0.1:0\n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_ptr_null(find(conf, "a")->file_group);
	config_free(conf);

	xasprintf(&text, "[tcplogd]\nfile_group = %s\n"
	    "[listener a]\nlisten = 127.0.0.1:0\n"
	    "[listener b]\nlisten = 127.0.0.1:0\nfile_group = root\n", name);
	conf = load_text(text);
	free(text);
	ck_assert_ptr_nonnull(conf);
	lc = find(conf, "a");
	ck_assert_ptr_nonnull(lc->file_group);
	ck_assert_str_eq(lc->file_group, name);
	lc = find(conf, "b");
	ck_assert_ptr_nonnull(lc->file_group);
	ck_assert_str_eq(lc->file_group, "root");
	config_free(conf);
	free(name);

	check_text_errors("[listener a]\nlisten = 127.0.0.1:0\n"
	    "output = file\nfile_group = no-such-group-tcplogd\n"
	    "file = /tmp/x.log\n", want);
}
END_TEST

START_TEST(test_err_file)
{
	static const char *const want[] = {
		":4: file: 'x.log' is not an absolute path",
		":13: file: '' is not an absolute path",
		":16: file: './out.log' is not an absolute path",
		":5: listener missing: output file needs file = PATH",
		":8: listener listed: output file needs file = PATH",
		NULL
	};

	check_errors(DATA("err-file.conf"), want);
}
END_TEST

/* output = file in [tcplogd]: every listener without a file is told. */
START_TEST(test_err_file_global)
{
	static const char *const want[] = {
		":3: listener a: output file needs file = PATH",
		":11: listener d: output file needs file = PATH",
		NULL
	};
	static const char *const relative[] = {
		":2: file: 'x.log' is not an absolute path", NULL
	};

	check_errors(DATA("err-file-global.conf"), want);
	/* A bad file in [tcplogd] is one error, not one per listener. */
	check_text_errors("[tcplogd]\nfile = x.log\noutput = file\n"
	    "[listener main]\nlisten = 127.0.0.1:1\n", relative);
}
END_TEST

START_TEST(test_err_file_twice)
{
	static const char *const want[] = {
		":3: output: file given twice",
		":4: file: given twice (first at line 2)",
		NULL
	};

	check_text_errors("[listener main]\nfile = /a.log\n"
	    "output = file, stdout, file\nfile = /b.log\n"
	    "listen = 127.0.0.1:1\n", want);
}
END_TEST

/* text by default; json from [tcplogd] before and after it, or own. */
START_TEST(test_format)
{
	struct config	*conf;

	conf = load(DATA("defaults.conf"));
	ck_assert_int_eq(find(conf, "main")->format, FORMAT_TEXT);
	config_free(conf);

	conf = load(DATA("files.conf"));
	ck_assert_int_eq(find(conf, "before")->format, FORMAT_JSON);
	ck_assert_int_eq(find(conf, "after")->format, FORMAT_JSON);
	ck_assert_int_eq(find(conf, "plain")->format, FORMAT_JSON);
	ck_assert_int_eq(find(conf, "own")->format, FORMAT_TEXT);
	config_free(conf);

	conf = load_text("[listener main]\nlisten = 127.0.0.1:1\n"
	    "format = json\n[listener other]\nlisten = 127.0.0.1:2\n"
	    "output = syslog\n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(find(conf, "main")->format, FORMAT_JSON);
	ck_assert_int_eq(find(conf, "other")->format, FORMAT_TEXT);
	config_free(conf);
}
END_TEST

START_TEST(test_err_format)
{
	static const char *const want[] = {
		":2: format: invalid value 'xml' (expected text, json or data)",
		":5: format: invalid value 'JSON' (expected text, json or "
		    "data)",
		NULL
	};

	check_errors(DATA("err-format.conf"), want);
}
END_TEST

/*
 * Listeners that share stdout or a file must agree on its format: the
 * error is at the format key (or the line it comes from), names both
 * listeners, and syslog or other files do not count.
 */
START_TEST(test_err_format_shared)
{
	static const char *const want[] = {
		":5: format: listener b writes json to stdout, listener a text "
		    "(line 1): listeners that share an output must agree on "
		    "its format",
		":15: format: listener d writes data to /x.log, listener c "
		    "json (line 10): listeners that share an output must agree "
		    "on its format",
		":16: format: listener e writes text to /x.log, listener c "
		    "json (line 10): listeners that share an output must agree "
		    "on its format",
		NULL
	};
	struct config	*conf;

	check_text_errors("[listener a]\nlisten = 127.0.0.1:1\n"
	    "[listener b]\nlisten = 127.0.0.1:2\n"
	    "format = json\n"
	    "[listener c]\nlisten = 127.0.0.1:3\noutput = file\nfile = /x.log\n"
	    "format = json\n"
	    "[listener d]\nlisten = 127.0.0.1:4\noutput = file\nfile = /x.log\n"
	    "format = data\n"
	    "[listener e]\noutput = file\nfile = /x.log\n"
	    "listen = 127.0.0.1:5\n",
	    want);
	conf = load_text("[tcplogd]\nformat = json\n"
	    "[listener a]\nlisten = 127.0.0.1:1\n"
	    "[listener b]\nlisten = 127.0.0.1:2\noutput = syslog\n"
	    "format = text\n"
	    "[listener c]\nlisten = 127.0.0.1:3\noutput = file\nfile = /x.log\n"
	    "format = data\n"
	    "[listener d]\nlisten = 127.0.0.1:4\noutput = file\nfile = /y.log\n"
	    "format = text\n");
	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(find(conf, "a")->format, FORMAT_JSON);
	ck_assert_int_eq(find(conf, "c")->format, FORMAT_DATA);
	config_free(conf);
}
END_TEST

START_TEST(test_laddr_parse)
{
	struct laddr	 la;
	char		*cause = NULL;

	ck_assert_int_eq(laddr_parse("127.0.0.1:80", &la, &cause), 0);
	ck_assert_str_eq(la.text, "127.0.0.1:80");
	check_inet(&la, "127.0.0.1", 80);
	free(la.text);

	ck_assert_int_eq(laddr_parse("0.0.0.0:0", &la, &cause), 0);
	check_inet(&la, "0.0.0.0", 0);
	free(la.text);

	ck_assert_int_eq(laddr_parse("10.1.2.3:65535", &la, &cause), 0);
	check_inet(&la, "10.1.2.3", 65535);
	free(la.text);

	ck_assert_int_eq(laddr_parse("[::1]:443", &la, &cause), 0);
	ck_assert_str_eq(la.text, "[::1]:443");
	check_inet6(&la, "::1", 443);
	free(la.text);

	ck_assert_int_eq(laddr_parse("[::]:1", &la, &cause), 0);
	check_inet6(&la, "::", 1);
	free(la.text);

	ck_assert_int_eq(laddr_parse("[fe80::1:2]:8080", &la, &cause), 0);
	check_inet6(&la, "fe80::1:2", 8080);
	free(la.text);

	ck_assert_int_eq(laddr_parse("*:514", &la, &cause), 0);
	ck_assert_str_eq(la.text, "*:514");
	ck_assert_int_eq(la.any, 1);
	ck_assert_int_eq(la.port, 514);
	free(la.text);

	ck_assert_int_eq(laddr_parse("*:0", &la, &cause), 0);
	ck_assert_int_eq(la.any, 1);
	ck_assert_int_eq(la.port, 0);
	free(la.text);

	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_laddr_parse_errors)
{
#define BADADDR(a)	"invalid address '" a "' (expected IPv4:PORT, " \
			    "[IPv6]:PORT or *:PORT)"
#define BADPORT(a)	"invalid port in '" a "' (expected 0 to 65535)"
	static const struct {
		const char	*text;
		const char	*cause;
	} t[] = {
		{ "", "empty address" },
		{ "127.0.0.1", BADADDR("127.0.0.1") },
		{ "localhost:80", BADADDR("localhost:80") },
		{ "256.0.0.1:80", BADADDR("256.0.0.1:80") },
		{ "1.2.3:80", BADADDR("1.2.3:80") },
		{ " 127.0.0.1:80", BADADDR(" 127.0.0.1:80") },
		{ "::1:80", BADADDR("::1:80") },
		{ "[::1:80", BADADDR("[::1:80") },
		{ "[]:80", BADADDR("[]:80") },
		{ "[127.0.0.1]:80", BADADDR("[127.0.0.1]:80") },
		{ "**:80", BADADDR("**:80") },
		{ ":80", BADADDR(":80") },
		{ "[::1]", BADPORT("[::1]") },
		{ "127.0.0.1:", BADPORT("127.0.0.1:") },
		{ "127.0.0.1:65536", BADPORT("127.0.0.1:65536") },
		{ "127.0.0.1:-1", BADPORT("127.0.0.1:-1") },
		{ "127.0.0.1:+1", BADPORT("127.0.0.1:+1") },
		{ "127.0.0.1:8x", BADPORT("127.0.0.1:8x") },
		{ "127.0.0.1:99999999999999999999",
		    BADPORT("127.0.0.1:99999999999999999999") },
		{ "*:", BADPORT("*:") },
		{ "[::1]:http", BADPORT("[::1]:http") },
	};
#undef BADADDR
#undef BADPORT
	struct laddr	 la;
	char		*cause;
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		cause = NULL;
		ck_assert_msg(laddr_parse(t[i].text, &la, &cause) == -1,
		    "'%s' accepted", t[i].text);
		ck_assert_ptr_nonnull(cause);
		ck_assert_str_eq(cause, t[i].cause);
		ck_assert_ptr_null(la.text);
		free(cause);
	}
}
END_TEST

START_TEST(test_laddr_conflict)
{
	static const struct {
		const char	*a, *b;
		int		 conflict;
	} t[] = {
		{ "127.0.0.1:80", "127.0.0.1:80", 1 },
		{ "127.0.0.1:80", "127.0.0.1:81", 0 },
		{ "127.0.0.1:80", "127.0.0.2:80", 0 },
		{ "0.0.0.0:80", "127.0.0.1:80", 1 },
		{ "0.0.0.0:80", "0.0.0.0:80", 1 },
		{ "*:80", "127.0.0.1:80", 1 },
		{ "*:80", "0.0.0.0:80", 1 },
		{ "*:80", "[::1]:80", 1 },
		{ "*:80", "[::]:80", 1 },
		{ "*:80", "*:80", 1 },
		{ "*:80", "*:81", 0 },
		{ "*:80", "127.0.0.1:81", 0 },
		{ "[::1]:80", "[::1]:80", 1 },
		{ "[::1]:80", "[::2]:80", 0 },
		{ "[::]:80", "[::1]:80", 1 },
		{ "[::1]:80", "127.0.0.1:80", 0 },
		{ "[::]:80", "0.0.0.0:80", 0 },	/* IPv6 sockets are v6only */
		{ "[::]:80", "127.0.0.1:80", 0 },
		{ "127.0.0.1:0", "127.0.0.1:0", 0 },
		{ "*:0", "*:0", 0 },
		{ "*:0", "127.0.0.1:0", 0 },
		{ "[::]:0", "[::1]:0", 0 },
		{ "0.0.0.0:0", "127.0.0.1:0", 0 },
	};
	struct laddr	 a, b;
	char		*cause;
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		ck_assert_int_eq(laddr_parse(t[i].a, &a, &cause), 0);
		ck_assert_int_eq(laddr_parse(t[i].b, &b, &cause), 0);
		ck_assert_msg(laddr_conflict(&a, &b) == t[i].conflict,
		    "%s vs %s", t[i].a, t[i].b);
		ck_assert_msg(laddr_conflict(&b, &a) == t[i].conflict,
		    "%s vs %s", t[i].b, t[i].a);
		free(a.text);
		free(b.text);
	}
}
END_TEST

/* The lines applying the config names: listen, file, user, group. */
START_TEST(test_key_lines)
{
	struct config	*conf;
	struct lconf	*a, *b, *c;

	conf = load_text("[tcplogd]\n"		/* 1 */
	    "user = root\n"			/* 2 */
	    "group = root\n"			/* 3 */
	    "file = /tmp/global.log\n"		/* 4 */
	    "[listener a]\n"			/* 5 */
	    "listen = 127.0.0.1:0, [::1]:0\n"	/* 6 */
	    "output = file\n"			/* 7 */
	    "[listener b]\n"			/* 8 */
	    "output = file\n"			/* 9 */
	    "file = /tmp/own.log\n"		/* 10 */
	    "listen = 127.0.0.1:0\n");		/* 11 */
	ck_assert_ptr_nonnull(conf);
	a = find(conf, "a");
	b = find(conf, "b");
	ck_assert_uint_eq(a->naddrs, 2);
	ck_assert_int_eq(a->addrs[0].line, 6);
	ck_assert_int_eq(a->addrs[1].line, 6);
	ck_assert_int_eq(a->file_line, 4);
	ck_assert_int_eq(b->addrs[0].line, 11);
	ck_assert_int_eq(b->file_line, 10);
	ck_assert_str_eq(a->path, conf->path);
	ck_assert_int_eq(conf->user_line, 2);
	ck_assert_int_eq(conf->group_line, 3);
	config_free(conf);

	/* No file key anywhere: the listener's header. */
	conf = load_text("[tcplogd]\n[listener c]\nlisten = 127.0.0.1:0\n");
	ck_assert_ptr_nonnull(conf);
	c = find(conf, "c");
	ck_assert_int_eq(c->file_line, 2);
	ck_assert_int_eq(conf->user_line, 0);
	config_free(conf);
}
END_TEST

/* Errors in applying the config read as errors in loading it. */
START_TEST(test_config_cause)
{
	char	*cause;

	config_cause(&cause, "tcplogd.conf", 12, "listen %s: %s",
	    "127.0.0.1:80", "Permission denied");
	ck_assert_str_eq(cause, "tcplogd.conf:12: listen 127.0.0.1:80: "
	    "Permission denied");
	free(cause);
	config_cause(&cause, "tcplogd.conf", 0, "no line");
	ck_assert_str_eq(cause, "tcplogd.conf: no line");
	free(cause);
	config_cause(&cause, NULL, 3, "no file");
	ck_assert_str_eq(cause, "no file");
	free(cause);
}
END_TEST

/*
 * -t's check of an output file (no socket, nothing opened): the cause
 * names the line of the file key, as opening it at start would.
 */
START_TEST(test_file_check)
{
	struct config	*conf;
	struct lconf	*lc;
	char		*dir, *text, *cause, *want, *path;
	const char	*tmp = getenv("TMPDIR");

	xasprintf(&dir, "%s/check_config.d.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	xasprintf(&text, "[tcplogd]\nfile = %s/missing/a.log\n"
	    "[listener a]\nlisten = 127.0.0.1:0\noutput = file\n"
	    "[listener b]\nlisten = 127.0.0.1:0\noutput = file\n"
	    "file = %s/b.log\n", dir, dir);
	conf = load_text(text);
	ck_assert_ptr_nonnull(conf);
	lc = find(conf, "a");
	ck_assert_int_eq(sink_file_ops.check(lc, &cause), -1);
	xasprintf(&want, "%s:2: file %s/missing/a.log: No such file or "
	    "directory", conf->path, dir);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(want);

	/* Missing in a directory it may write: fine, and not made. */
	lc = find(conf, "b");
	ck_assert_int_eq(sink_file_ops.check(lc, &cause), 0);
	xasprintf(&path, "%s/b.log", dir);
	ck_assert_int_eq(access(path, F_OK), -1);

	/* A directory at the path. */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(sink_file_ops.check(lc, &cause), -1);
	xasprintf(&want, "%s:9: file %s: not a regular file (a directory)",
	    conf->path, path);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(want);
	ck_assert_int_eq(rmdir(path), 0);

	/* A regular file. */
	ck_assert_int_eq(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
	ck_assert_int_eq(sink_file_ops.check(lc, &cause), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	config_free(conf);
	free(path);
	free(text);
	free(dir);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("values");
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_builtin_defaults);
	tcase_add_test(tc, test_delimiter_mode);
	tcase_add_test(tc, test_global_defaults);
	tcase_add_test(tc, test_listener_overrides);
	tcase_add_test(tc, test_max_connections);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_bools);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_lconf_strings);
	tcase_add_test(tc, test_lconf_ref);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_indented_keys);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_line_196);
	tcase_add_test(tc, test_err_line_too_long);
	tcase_add_test(tc, test_err_no_equals);
	tcase_add_test(tc, test_err_mode_hash);
	tcase_add_test(tc, test_err_inih_syntax_kept);
	tcase_add_test(tc, test_err_missing_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("sections");
	tcase_add_test(tc, test_err_unknown_section);
	tcase_add_test(tc, test_err_unknown_first_section);
	tcase_add_test(tc, test_err_section_syntax);
	tcase_add_test(tc, test_err_key_outside_section);
	tcase_add_test(tc, test_listener_names);
	tcase_add_test(tc, test_err_listener_name);
	tcase_add_test(tc, test_err_listener_twice);
	tcase_add_test(tc, test_err_no_listen);
	tcase_add_test(tc, test_err_no_listener);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_key_twice);
	tcase_add_test(tc, test_err_listen_in_global);
	tcase_add_test(tc, test_err_global_key_in_listener);
	tcase_add_test(tc, test_err_several);
	tcase_add_test(tc, test_proxy_keys);
	tcase_add_test(tc, test_err_proxy);
	suite_add_tcase(s, tc);

	tc = tcase_create("values_invalid");
	tcase_add_test(tc, test_err_mode);
	tcase_add_test(tc, test_err_output);
	tcase_add_test(tc, test_err_events);
	tcase_add_test(tc, test_err_timestamps);
	tcase_add_test(tc, test_err_overlong);
	tcase_add_test(tc, test_err_facility);
	tcase_add_test(tc, test_err_priority);
	tcase_add_test(tc, test_err_max_line);
	tcase_add_test(tc, test_err_max_connections);
	tcase_add_test(tc, test_err_shutdown_timeout);
	tcase_add_test(tc, test_err_syslog_ident);
	tcase_add_test(tc, test_err_blank_in_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_file_defaults);
	tcase_add_test(tc, test_file_override);
	tcase_add_test(tc, test_file_unused);
	tcase_add_test(tc, test_output_file_lists);
	tcase_add_test(tc, test_file_path);
	tcase_add_test(tc, test_file_mode);
	tcase_add_test(tc, test_err_file_mode);
	tcase_add_test(tc, test_err_file);
	tcase_add_test(tc, test_file_group);
	tcase_add_test(tc, test_err_file_global);
	tcase_add_test(tc, test_err_file_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_err_format);
	tcase_add_test(tc, test_err_format_shared);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_test(tc, test_laddr_parse);
	tcase_add_test(tc, test_laddr_parse_errors);
	tcase_add_test(tc, test_laddr_conflict);
	tcase_add_test(tc, test_no_conflict);
	tcase_add_test(tc, test_err_address);
	tcase_add_test(tc, test_err_conflict);
	tcase_add_test(tc, test_err_conflict_any);
	tcase_add_test(tc, test_err_conflict_self);
	suite_add_tcase(s, tc);

	tc = tcase_create("applying");
	tcase_add_test(tc, test_key_lines);
	tcase_add_test(tc, test_config_cause);
	tcase_add_test(tc, test_file_check);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (run_suite(config_suite) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
