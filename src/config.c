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
 * The config file: inih calls config_key_cb() for every "key = value" and
 * this file turns them into a struct config, with defaults, the
 * [tcplogd] section's listener defaults and validation.
 *
 * inih as Debian ships it cuts lines longer than its buffer without a
 * word, treats indented lines as continuations and never reports sections
 * without keys.  So the file is handed to ini_parse_stream() through our
 * own reader, config_read_cb(), which knows the real line number, refuses
 * long lines, strips indentation and records every section header.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <ini.h>

#include "tcplogd.h"
#include "log.h"

#define IN_GLOBAL	0x1
#define IN_LISTENER	0x2

/* What a key's value is. */
enum config_type {
	CONFIG_UINT,		/* a number, min to max */
	CONFIG_CHOICE,		/* one of the row's words */
	CONFIG_FLAGS,		/* a list of them, each a bit */
	CONFIG_STRING,		/* a string that check accepts */
	CONFIG_LIST		/* a list of items that item parses */
};

struct config_word {
	const char	*name;
	int		 value;
};

/*
 * One key of the config file (after tmux's options-table.c): where it
 * may be given, what its value is, its default and the field it sets.
 * A key valid in a listener sets a field of struct lconf; a listener
 * that does not give it takes the value [tcplogd] gave, or else the
 * default, parsed as its own.  A key with a field of struct config sets
 * that in [tcplogd] instead, and is not inherited.
 */
struct config_key {
	const char		*name;
	int			 where;		/* IN_GLOBAL, IN_LISTENER */
	enum config_type	 type;
	size_t			 lfield;	/* offset in struct lconf */
	size_t			 gfield;	/* in struct config; 0: none
						   (no key sets its path) */
	size_t			 size;		/* of a number field */
	u_int			 min;		/* CONFIG_UINT */
	u_int			 max;
	int			 base;		/* 0: decimal */
	const char		*unit;		/* for messages, or NULL */
	const char		*expected;	/* or this, not min to max */
	const struct config_word *words;	/* CONFIG_CHOICE, FLAGS */
	const char		*(*names)(size_t); /* or word i is value i,
						   or bit 1 << i (FLAGS) */
	/* CONFIG_STRING: is it valid?  CONFIG_LIST: parse one item. */
	int			 (*check)(const char *, char **);
	int			 (*item)(const char *, void *, char **);
	size_t			 item_size;	/* CONFIG_LIST */
	size_t			 count;		/* offset of its length */
	const char		*def;		/* default, as written */
};

#define LCONF(f)	.lfield = offsetof(struct lconf, f), \
			.size = sizeof ((struct lconf *)0)->f
#define CONFIG(f)	.gfield = offsetof(struct config, f), \
			.size = sizeof ((struct config *)0)->f
#define ANYWHERE	(IN_GLOBAL | IN_LISTENER)
#define CONFIG_STR(n)	CONFIG_STR1(n)
#define CONFIG_STR1(n)	#n

static const struct config_word config_overlongs[] = {
	{ "truncate", OVERLONG_TRUNCATE }, { "split", OVERLONG_SPLIT },
	{ "close", OVERLONG_CLOSE }, { NULL, 0 }
};
static const struct config_word config_timestamps[] = {
	{ "auto", TS_AUTO }, { "yes", TS_YES }, { "no", TS_NO }, { NULL, 0 }
};
static const struct config_word config_bools[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 }, { NULL, 0 }
};
static const struct config_word config_delimiters[] = {
	{ "lf", DELIM_LF }, { "nul", DELIM_NUL },
	{ "lf-or-nul", DELIM_LF_OR_NUL }, { NULL, 0 }
};
static const struct config_word config_parses[] = {
	{ "none", PARSE_NONE }, { "syslog", PARSE_SYSLOG }, { NULL, 0 }
};
static const struct config_word config_tls_verifies[] = {
	{ "none", TLS_VERIFY_NONE }, { "optional", TLS_VERIFY_OPTIONAL },
	{ "require", TLS_VERIFY_REQUIRE }, { NULL, 0 }
};
static const struct config_word config_tls_versions[] = {
	{ "1.2", TLS_V1_2 }, { "1.3", TLS_V1_3 }, { NULL, 0 }
};
static const struct config_word config_proxies[] = {
	{ "no", PROXY_NO }, { "v1", PROXY_V1 }, { "v2", PROXY_V2 },
	{ "any", PROXY_ANY }, { NULL, 0 }
};
static const struct config_word config_formats[] = {
	{ "text", FORMAT_TEXT }, { "json", FORMAT_JSON },
	{ "data", FORMAT_DATA }, { NULL, 0 }
};
static const struct config_word config_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 }, { NULL, 0 }
};
static const struct config_word config_priorities[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG }, { NULL, 0 }
};

static const char *config_output_name(size_t);
static int	config_path(const char *, char **);
static int	config_ident(const char *, char **);
static int	config_user(const char *, char **);
static int	config_group(const char *, char **);
static int	config_known(int, const char *, const char *, char **);
static int	config_tls_path(const char *, char **);
static int	config_tls_names(const char *, char **);
static int	config_tls_string(const char *, char **);
static int	config_laddr(const char *, void *, char **);
static int	config_cidr(const char *, void *, char **);
static int	config_control(const char *, char **);

static const struct config_key config_keys[] = {
	/* How a listener reads, and whom it takes. */
	{ .name = "listen", .where = IN_LISTENER, .type = CONFIG_LIST,
	  LCONF(addrs), .count = offsetof(struct lconf, naddrs),
	  .item = config_laddr, .item_size = sizeof (struct laddr) },
	{ .name = "mode", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(mode), .names = proto_name, .def = "line" },
	{ .name = "delimiter", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(delimiter), .words = config_delimiters, .def = "lf" },
	{ .name = "parse", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(parse), .words = config_parses, .def = "none" },
	{ .name = "max_line", .where = ANYWHERE, .type = CONFIG_UINT,
	  LCONF(max_line), .min = 1, .max = CONF_MAX_LINE_LIMIT,
	  .def = CONFIG_STR(CONF_MAX_LINE_DEFAULT) },
	{ .name = "overlong", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(overlong), .words = config_overlongs, .def = "truncate" },
	/* In [tcplogd] the total over all listeners, not a default. */
	{ .name = "max_connections", .where = ANYWHERE, .type = CONFIG_UINT,
	  .gfield = offsetof(struct config, max_conns), LCONF(max_conns),
	  .max = 1000000000, .def = CONFIG_STR(CONF_MAX_CONNS_DEFAULT) },
	{ .name = "max_per_peer", .where = ANYWHERE, .type = CONFIG_UINT,
	  LCONF(max_per_peer), .max = 1000000000 },
	{ .name = "idle_timeout", .where = ANYWHERE, .type = CONFIG_UINT,
	  LCONF(idle_timeout), .max = 86400, .unit = "seconds" },
	{ .name = "keepalive", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(keepalive), .words = config_bools, .def = "yes" },
	/* A listener's own list replaces the default one. */
	{ .name = "allow", .where = ANYWHERE, .type = CONFIG_LIST,
	  LCONF(allow), .count = offsetof(struct lconf, nallow),
	  .item = config_cidr, .item_size = sizeof (struct cidr) },
	{ .name = "deny", .where = ANYWHERE, .type = CONFIG_LIST,
	  LCONF(deny), .count = offsetof(struct lconf, ndeny),
	  .item = config_cidr, .item_size = sizeof (struct cidr) },
	/*
	 * Behind a load balancer: the PROXY header first.  The
	 * "proxy_protocol" row first, config_validate_proxy() relies on it.
	 */
	{ .name = "proxy_protocol", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(proxy_protocol), .words = config_proxies, .def = "no" },
	{ .name = "proxy_from", .where = ANYWHERE, .type = CONFIG_LIST,
	  LCONF(proxy_from), .count = offsetof(struct lconf, nproxy_from),
	  .item = config_cidr, .item_size = sizeof (struct cidr) },
	{ .name = "proxy_timeout", .where = ANYWHERE, .type = CONFIG_UINT,
	  LCONF(proxy_timeout), .min = 1, .max = 3600, .unit = "seconds",
	  .def = CONFIG_STR(CONF_PROXY_TIMEOUT_DEFAULT) },
	/* What it writes, and where. */
	{ .name = "file", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(file), .check = config_path },
	{ .name = "output", .where = ANYWHERE, .type = CONFIG_FLAGS,
	  LCONF(outputs), .names = config_output_name, .def = "stdout" },
	{ .name = "format", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(format), .words = config_formats, .def = "text" },
	{ .name = "file_mode", .where = ANYWHERE, .type = CONFIG_UINT,
	  LCONF(file_mode), .base = 8, .max = 0777,
	  .expected = "an octal mode such as 0640",
	  .def = CONFIG_STR(CONF_FILE_MODE_DEFAULT) },
	{ .name = "events", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(events), .words = config_bools, .def = "yes" },
	{ .name = "timestamps", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(timestamps), .words = config_timestamps, .def = "auto" },
	{ .name = "syslog_facility", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(facility), .words = config_facilities, .def = "daemon" },
	{ .name = "syslog_priority", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(priority), .words = config_priorities, .def = "info" },
	/* TLS: the "tls" rows first, config_validate_tls() relies on it. */
	{ .name = "tls", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(tls), .words = config_bools, .def = "no" },
	{ .name = "tls_certificate", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(tls_certificate), .check = config_tls_path },
	{ .name = "tls_key", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(tls_key), .check = config_tls_path },
	{ .name = "tls_ca", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(tls_ca), .check = config_tls_path },
	{ .name = "tls_crl", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(tls_crl), .check = config_tls_path },
	{ .name = "tls_verify_client", .where = ANYWHERE,
	  .type = CONFIG_CHOICE, LCONF(tls_verify_client),
	  .words = config_tls_verifies, .def = "none" },
	{ .name = "tls_allowed_names", .where = ANYWHERE,
	  .type = CONFIG_STRING, LCONF(tls_allowed_names),
	  .check = config_tls_names },
	{ .name = "tls_min_version", .where = ANYWHERE, .type = CONFIG_CHOICE,
	  LCONF(tls_min_version), .words = config_tls_versions, .def = "1.2" },
	{ .name = "tls_ciphers", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(tls_ciphers), .check = config_tls_string },
	{ .name = "tls_ciphersuites", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(tls_ciphersuites), .check = config_tls_string },
	{ .name = "tls_handshake_timeout", .where = ANYWHERE,
	  .type = CONFIG_UINT, LCONF(tls_handshake_timeout), .min = 1,
	  .max = 3600, .unit = "seconds", .def = "10" },
	/* The daemon itself. */
	{ .name = "shutdown_timeout", .where = IN_GLOBAL, .type = CONFIG_UINT,
	  CONFIG(shutdown_timeout), .max = 3600, .unit = "seconds",
	  .def = CONFIG_STR(CONF_SHUTDOWN_DEFAULT) },
	{ .name = "syslog_ident", .where = IN_GLOBAL, .type = CONFIG_STRING,
	  CONFIG(syslog_ident), .check = config_ident, .def = "tcplogd" },
	{ .name = "user", .where = IN_GLOBAL, .type = CONFIG_STRING,
	  CONFIG(user), .check = config_user },
	{ .name = "group", .where = IN_GLOBAL, .type = CONFIG_STRING,
	  CONFIG(group), .check = config_group },
	{ .name = "control", .where = IN_GLOBAL, .type = CONFIG_STRING,
	  CONFIG(control), .check = config_control },
	/* Output files' group, set at every open (sink_file.c). */
	{ .name = "file_group", .where = ANYWHERE, .type = CONFIG_STRING,
	  LCONF(file_group), .check = config_group },
};
#define CONFIG_NKEYS	nitems(config_keys)

/* One section header as the reader saw it. */
struct config_section {
	int			 global;	/* [tcplogd] */
	struct lconf		*lc;		/* listener, or defaults */
	int			 set[CONFIG_NKEYS]; /* line of each key */
};

/* Parser state shared by the reader and the key callback. */
struct config_parse {
	const char		*path;
	struct config		*conf;
	char			**errors;
	size_t			 nerrors;
	const char		*text;		/* whole file, NUL ended */
	const char		*pos;
	int			 line;
	int			 skip_line;	/* reader refused this line */
	int			 sections;	/* headers seen, good or bad */
	struct config_section	*cur;		/* NULL: ignore keys */
	struct config_section	 global;
	struct lconf		 defaults;	/* [tcplogd]'s, checked */
	char			*given[CONFIG_NKEYS]; /* and kept as text */
	struct config_section	**sects;	/* listeners, in order */
	size_t			 nsects;
};

static void	config_error(struct config_parse *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static char	*config_read_cb(char *, int, void *);
static int	config_key_cb(void *, const char *, const char *,
		    const char *);
static void	config_section(struct config_parse *, const char *, size_t);
static int	config_key_find(const char *);
static int	config_set(struct config_parse *, struct config_section *,
		    const struct config_key *, const char *);
static const char *config_choice(const struct config_key *, size_t, int *);
static int	config_word(const struct config_key *, const char *, int *);
static char	*config_words(const struct config_key *);
static int	config_uint(const char *, int, u_int, u_int, u_int *);
static void	config_put(void *, size_t, u_int);
static void	config_fields_free(void *, int);
static int	config_flags(struct config_parse *, const struct config_key *,
		    const char *, u_int *);
static int	config_list(struct config_parse *, const struct config_key *,
		    const char *, void *, size_t *);
static void	config_inherit(struct config_parse *, struct config_section *);
static void	config_validate(struct config_parse *);
static int	config_key_line(struct config_parse *,
		    struct config_section *, int);
static void	config_only_with(struct config_parse *,
		    struct config_section *, int, const char *, const char *);
static void	config_validate_proxy(struct config_parse *,
		    struct config_section *);
static void	config_validate_tls(struct config_parse *,
		    struct config_section *);
#ifdef HAVE_OPENSSL
static void	config_tls_load(struct config_parse *,
		    struct config_section *);
#endif
static void	config_delimiter_error(struct config_parse *, int,
		    enum lconf_mode);
static const char *config_shared_output(const struct lconf *,
		    const struct lconf *);
static void	config_validate_formats(struct config_parse *);
static int	config_name_ok(const char *);
static char	*config_trim(char *);
static int	config_has_error(struct config_parse *, int);
static char	*config_read_file(const char *);

/*
 * An error about what line of the config file path gave, as every
 * error about the config reads, at load or when applied (binding,
 * opening outputs): "FILE:LINE: message", "FILE: message" if line is 0,
 * the message alone without a file.
 */
void
config_cause(char **cause, const char *path, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (path == NULL) {
		*cause = msg;
		return;
	}
	if (line > 0)
		xasprintf(cause, "%s:%d: %s", path, line, msg);
	else
		xasprintf(cause, "%s: %s", path, msg);
	free(msg);
}

/* Record one error: "FILE:LINE: message" (no line if line is 0). */
static void
config_error(struct config_parse *cp, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *s;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	config_cause(&s, cp->path, line, "%s", msg);
	free(msg);
	cp->errors = xreallocarray(cp->errors, cp->nerrors + 1,
	    sizeof *cp->errors);
	cp->errors[cp->nerrors++] = s;
}

/* Was an error recorded for this line? */
static int
config_has_error(struct config_parse *cp, int line)
{
	char	*prefix;
	size_t	 i, n;
	int	 found = 0;

	n = xasprintf(&prefix, "%s:%d:", cp->path, line);
	for (i = 0; i < cp->nerrors && !found; i++)
		found = strncmp(cp->errors[i], prefix, n) == 0;
	free(prefix);
	return (found);
}

/* Read a whole file into a NUL-terminated string. */
static char *
config_read_file(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, size = 0, n;
	int	 saved_errno;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	for (;;) {
		if (size - len < 4096) {
			size = size == 0 ? 8192 : size * 2;
			buf = xreallocarray(buf, size, 1);
		}
		n = fread(buf + len, 1, size - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		saved_errno = errno;
		fclose(f);
		free(buf);
		errno = saved_errno;
		return (NULL);
	}
	fclose(f);
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		errno = EINVAL;
		return (NULL);
	}
	buf[len] = '\0';
	return (buf);
}

/*
 * inih's line reader, with fgets() semantics.  Returns one line per call
 * so inih's line count stays ours, without its indentation, and an empty
 * line for one it could not take whole.
 */
static char *
config_read_cb(char *str, int num, void *arg)
{
	struct config_parse	*cp = arg;
	const char		*p = cp->pos, *nl, *s;
	size_t			 len, full;

	if (*p == '\0')
		return (NULL);
	cp->line++;
	cp->skip_line = 0;
	if ((nl = strchr(p, '\n')) != NULL) {
		full = nl - p;
		cp->pos = nl + 1;
	} else {
		full = strlen(p);
		cp->pos = p + full;
	}
	len = full;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}

	/* inih needs room for CR, LF and NUL after the text. */
	if (full > (size_t)num - 4) {
		config_error(cp, cp->line, "line too long (more than %d bytes)",
		    num - 4);
		cp->skip_line = 1;
		len = 0;
	}
	memcpy(str, p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	if (cp->skip_line || len == 0 || *p == ';' || *p == '#')
		return (str);

	if (*p == '[') {
		config_section(cp, p, len);
		return (str);
	}
	/* As inih: ';' after a blank starts a comment. */
	for (s = p; s < p + len; s++) {
		if (*s == '=' || *s == ':')
			break;
		if (*s == ';' && s > p && (s[-1] == ' ' || s[-1] == '\t')) {
			s = p + len;
			break;
		}
	}
	if (s == p + len) {
		config_error(cp, cp->line, "expected KEY = VALUE");
		cp->skip_line = 1;
		str[0] = '\n';
		str[1] = '\0';
	}
	return (str);
}

/* A section header line: "[tcplogd]" or "[listener NAME]". */
static void
config_section(struct config_parse *cp, const char *p, size_t len)
{
	struct config_section	*cs;
	const char		*end;
	char			*name, *sp;
	size_t			 i;

	cp->cur = NULL;
	cp->sections++;
	end = memchr(p, ']', len);
	if (end == NULL) {
		config_error(cp, cp->line, "missing ']' in section header");
		return;
	}
	name = xstrndup(p + 1, end - p - 1);
	if (strcmp(name, "tcplogd") == 0) {
		if (cp->global.lc != NULL) {
			config_error(cp, cp->line,
			    "[tcplogd] given twice (first at line %d)",
			    cp->global.lc->line);
		} else {
			cp->global.lc = &cp->defaults;
			cp->defaults.line = cp->line;
		}
		cp->cur = &cp->global;
		free(name);
		return;
	}
	if (strncmp(name, "listener", 8) != 0 || (name[8] != '\0' &&
	    name[8] != ' ' && name[8] != '\t')) {
		config_error(cp, cp->line, "unknown section [%s]", name);
		free(name);
		return;
	}
	sp = name + 8;
	while (*sp == ' ' || *sp == '\t')
		sp++;
	if (!config_name_ok(sp)) {
		config_error(cp, cp->line, "invalid listener name '%s' "
		    "(1 to %d letters, digits, '-', '_' or '.')", sp,
		    CONF_NAME_MAX);
		free(name);
		return;
	}
	for (i = 0; i < cp->nsects; i++) {
		if (strcmp(cp->sects[i]->lc->name, sp) == 0) {
			config_error(cp, cp->line,
			    "listener %s given twice (first at line %d)", sp,
			    cp->sects[i]->lc->line);
			free(name);
			return;
		}
	}
	cs = xcalloc(1, sizeof *cs);
	cs->lc = xcalloc(1, sizeof *cs->lc);
	cs->lc->refs = 1;
	cs->lc->name = xstrdup(sp);
	cs->lc->line = cp->line;
	cs->lc->path = xstrdup(cp->path);
	cp->sects = xreallocarray(cp->sects, cp->nsects + 1,
	    sizeof *cp->sects);
	cp->sects[cp->nsects++] = cs;
	TAILQ_INSERT_TAIL(&cp->conf->listeners, cs->lc, entry);
	cp->cur = cs;
	free(name);
}

/* Strip blanks at both ends, in place. */
static char *
config_trim(char *s)
{
	size_t	n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return (s);
}

static int
config_name_ok(const char *name)
{
	size_t	n = strlen(name);

	if (n == 0 || n > CONF_NAME_MAX)
		return (0);
	for (; *name != '\0'; name++) {
		if (!isalnum((u_char)*name) && *name != '-' &&
		    *name != '_' && *name != '.')
			return (0);
	}
	return (1);
}

/* One "key = value" from inih. */
static int
config_key_cb(void *arg, const char *section __unused, const char *key,
    const char *value)
{
	struct config_parse	*cp = arg;
	struct config_section	*cs = cp->cur;
	int			 k, where;

	if (cp->skip_line)
		return (1);
	if (cs == NULL) {
		/* Keys before any section, or in a rejected one. */
		if (cp->sections == 0)
			config_error(cp, cp->line, "%s: key outside a section",
			    key);
		return (1);
	}
	if ((k = config_key_find(key)) == -1) {
		config_error(cp, cp->line, "%s: unknown key", key);
		return (1);
	}
	where = cs->global ? IN_GLOBAL : IN_LISTENER;
	if ((config_keys[k].where & where) == 0) {
		config_error(cp, cp->line, "%s: only valid in %s", key,
		    cs->global ? "a [listener NAME] section" :
		    "the [tcplogd] section");
		return (1);
	}
	if (cs->set[k] != 0) {
		config_error(cp, cp->line, "%s: given twice (first at line %d)",
		    key, cs->set[k]);
		return (1);
	}
	cs->set[k] = cp->line;
	if (config_set(cp, cs, &config_keys[k], value) == 0 && cs->global)
		cp->given[k] = xstrdup(value);
	return (1);
}

/* The row of a key, or -1. */
static int
config_key_find(const char *name)
{
	size_t	k;

	for (k = 0; k < CONFIG_NKEYS; k++) {
		if (strcmp(config_keys[k].name, name) == 0)
			return ((int)k);
	}
	return (-1);
}

/* Word i of a choice row and its value, or NULL past the last. */
static const char *
config_choice(const struct config_key *ck, size_t i, int *value)
{
	if (ck->names == NULL) {
		*value = ck->words[i].value;
		return (ck->words[i].name);
	}
	*value = ck->type == CONFIG_FLAGS ? 1 << i : (int)i;
	return (ck->names(i));
}

/* Find word among a row's choices; returns 0 and the value, or -1. */
static int
config_word(const struct config_key *ck, const char *word, int *value)
{
	const char	*name;
	size_t		 i;

	for (i = 0; (name = config_choice(ck, i, value)) != NULL; i++) {
		if (strcmp(name, word) == 0)
			return (0);
	}
	return (-1);
}

/* "a, b or c" for error messages. */
static char *
config_words(const struct config_key *ck)
{
	char	*s = xstrdup(""), *n;
	size_t	 i, count;
	int	 v;

	for (count = 0; config_choice(ck, count, &v) != NULL; count++)
		;
	for (i = 0; i < count; i++) {
		xasprintf(&n, "%s%s%s", s, i == 0 ? "" :
		    (i == count - 1 ? " or " : ", "), config_choice(ck, i, &v));
		free(s);
		s = n;
	}
	return (s);
}

/* Unsigned integer in [min, max], decimal or octal (base 8). */
static int
config_uint(const char *s, int base, u_int min, u_int max, u_int *out)
{
	unsigned long long	 v;
	char			*end;

	if (!isdigit((u_char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = (u_int)v;
	return (0);
}

/* Store a number in an integer field (u_int, int, enum, size_t). */
static void
config_put(void *field, size_t size, u_int v)
{
	size_t	z = v;

	if (size == sizeof z)
		memcpy(field, &z, sizeof z);
	else if (size == sizeof v)
		memcpy(field, &v, sizeof v);
	else
		fatalx("config: no field of %zu bytes", size);
}

/* Free the strings and lists of a struct lconf (lconf) or config. */
static void
config_fields_free(void *base, int lconf)
{
	const struct config_key	*ck;
	size_t			 k;

	for (k = 0; k < CONFIG_NKEYS; k++) {
		ck = &config_keys[k];
		if (ck->type != CONFIG_STRING && ck->type != CONFIG_LIST)
			continue;
		if (lconf && (ck->where & IN_LISTENER))
			free(*(void **)((char *)base + ck->lfield));
		else if (!lconf && ck->gfield != 0)
			free(*(void **)((char *)base + ck->gfield));
	}
}

/* Parse one value into the field its row names. */
static int
config_set(struct config_parse *cp, struct config_section *cs,
    const struct config_key *ck, const char *value)
{
	char	*field, *expected, *cause;
	u_int	 u = 0;
	int	 v;

	if (cs->global && ck->gfield != 0)
		field = (char *)cp->conf + ck->gfield;
	else
		field = (char *)cs->lc + ck->lfield;
	switch (ck->type) {
	case CONFIG_UINT:
		if (config_uint(value, ck->base != 0 ? ck->base : 10, ck->min,
		    ck->max, &u) == 0)
			break;
		if (ck->expected != NULL)
			expected = xstrdup(ck->expected);
		else {
			xasprintf(&expected, "%u to %u%s%s", ck->min, ck->max,
			    ck->unit != NULL ? " " : "",
			    ck->unit != NULL ? ck->unit : "");
		}
		goto invalid;
	case CONFIG_CHOICE:
		if (config_word(ck, value, &v) == 0) {
			u = v;
			break;
		}
		expected = config_words(ck);
		goto invalid;
	case CONFIG_FLAGS:
		if (config_flags(cp, ck, value, &u) != 0)
			return (-1);
		break;
	case CONFIG_STRING:
		if (ck->check(value, &cause) != 0) {
			config_error(cp, cp->line, "%s: %s", ck->name, cause);
			free(cause);
			return (-1);
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return (0);
	case CONFIG_LIST:
		return (config_list(cp, ck, value, field,
		    (size_t *)((char *)cs->lc + ck->count)));
	}
	config_put(field, ck->size, u);
	return (0);

invalid:
	config_error(cp, cp->line, "%s: invalid value '%s' (expected %s)",
	    ck->name, value, expected);
	free(expected);
	return (-1);
}

/* A comma-separated list of a row's words, each a bit of the mask. */
static int
config_flags(struct config_parse *cp, const struct config_key *ck,
    const char *value, u_int *mask)
{
	char	*copy, *s, *word, *list;
	int	 v, error = 0;

	*mask = 0;
	s = copy = xstrdup(value);
	while (!error && (word = strsep(&s, ",")) != NULL) {
		word = config_trim(word);
		if (config_word(ck, word, &v) != 0) {
			list = config_words(ck);
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected %s, or a list of them)", ck->name, word,
			    list);
			free(list);
			error = 1;
		} else if (*mask & v) {
			config_error(cp, cp->line, "%s: %s given twice",
			    ck->name, word);
			error = 1;
		}
		*mask |= v;
	}
	free(copy);
	return (error ? -1 : 0);
}

/*
 * A comma-separated list of items, each parsed by the row's item() and
 * appended to the array at field, *n long.  Every bad item is reported.
 */
static int
config_list(struct config_parse *cp, const struct config_key *ck,
    const char *value, void *field, size_t *n)
{
	char	*copy, *s, *word, *cause;
	void	**array = field;
	int	 error = 0;

	s = copy = xstrdup(value);
	while ((word = strsep(&s, ",")) != NULL) {
		word = config_trim(word);
		*array = xreallocarray(*array, *n + 1, ck->item_size);
		if (ck->item(word, (char *)*array + *n * ck->item_size,
		    &cause) != 0) {
			config_error(cp, cp->line, "%s: %s", ck->name, cause);
			free(cause);
			error = 1;
			continue;
		}
		(*n)++;
	}
	free(copy);
	return (error ? -1 : 0);
}

/* The name of output kind i, for i from 0 until NULL. */
static const char *
config_output_name(size_t i)
{
	return (sink_kinds[i] == NULL ? NULL : sink_kinds[i]->name);
}

/* file: an absolute path. */
static int
config_path(const char *s, char **cause)
{
	if (*s == '/')
		return (0);
	xasprintf(cause, "'%s' is not an absolute path", s);
	return (-1);
}

/* control: an absolute path or "none". */
static int
config_control(const char *s, char **cause)
{
	if (strcmp(s, "none") == 0)
		return (0);
	return (config_path(s, cause));
}

/* syslog_ident: what syslog(3) can carry before the message. */
static int
config_ident(const char *s, char **cause)
{
	if (*s != '\0' && strlen(s) <= 64 && strpbrk(s, " \t[]:") == NULL)
		return (0);
	xasprintf(cause, "invalid value '%s' (1 to 64 characters, no blanks, "
	    "'[', ']' or ':')", s);
	return (-1);
}

/* user: a user the system knows. */
static int
config_user(const char *s, char **cause)
{
	return (config_known(getpwnam(s) != NULL, "user", s, cause));
}

/* group: a group the system knows. */
static int
config_group(const char *s, char **cause)
{
	return (config_known(getgrnam(s) != NULL, "group", s, cause));
}

/* "no such user 'NAME'" unless found. */
static int
config_known(int found, const char *what, const char *s, char **cause)
{
	if (found)
		return (0);
	xasprintf(cause, "no such %s '%s'", what, s);
	return (-1);
}

/*
 * A TLS file: an absolute path, or one under the credentials systemd's
 * LoadCredential= gives the service (tls.c puts the directory in).
 */
static int
config_tls_path(const char *s, char **cause)
{
	if (*s == '/' || strncmp(s, "${CREDENTIALS_DIRECTORY}/", 25) == 0)
		return (0);
	xasprintf(cause, "'%s' is not an absolute path (or "
	    "${CREDENTIALS_DIRECTORY}/NAME)", s);
	return (-1);
}

/*
 * tls_allowed_names: a comma-separated list of names, each a DNS name
 * or a CN, or "*." and a name (any one label in its place).
 */
static int
config_tls_names(const char *s, char **cause)
{
	char	*copy, *p, *name, *rest;
	int	 error = 0;

	p = copy = xstrdup(s);
	while (!error && (name = strsep(&p, ",")) != NULL) {
		name = rest = config_trim(name);
		if (strncmp(rest, "*.", 2) == 0)
			rest += 2;
		if (*rest == '\0' || strpbrk(rest, " \t*") != NULL) {
			xasprintf(cause, "invalid name '%s' in '%s' (expected "
			    "NAME or *.NAME, separated by commas)", name, s);
			error = 1;
		}
	}
	free(copy);
	return (error ? -1 : 0);
}

/* tls_ciphers, tls_ciphersuites: OpenSSL checks them when loading. */
static int
config_tls_string(const char *s, char **cause)
{
	if (*s != '\0')
		return (0);
	*cause = xstrdup("empty value (leave the key out for OpenSSL's "
	    "default)");
	return (-1);
}

/* One address of listen. */
static int
config_laddr(const char *s, void *out, char **cause)
{
	return (laddr_parse(s, out, cause));
}

/* One prefix of allow or deny. */
static int
config_cidr(const char *s, void *out, char **cause)
{
	return (cidr_parse(s, out, cause));
}

/*
 * "192.0.2.0/24", "2001:db8::/32", or an address alone (all its bits).
 * Host bits beyond the prefix are an error: they are a likely typo.
 */
int
cidr_parse(const char *text, struct cidr *c, char **cause)
{
	char		*host, *slash;
	u_int		 bits, max, i;

	memset(c, 0, sizeof *c);
	host = xstrdup(text);
	if ((slash = strchr(host, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		xasprintf(cause, "invalid prefix '%s' (expected ADDRESS or "
		    "ADDRESS/BITS)", text);
		free(host);
		return (-1);
	}
	bits = max;
	if (slash != NULL && config_uint(slash, 10, 0, max, &bits) != 0) {
		xasprintf(cause, "invalid prefix length in '%s' (expected 0 "
		    "to %u)", text, max);
		free(host);
		return (-1);
	}
	c->bits = bits;
	for (i = bits; i < max; i++) {
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			xasprintf(cause, "'%s' has bits set after the first "
			    "%u", text, bits);
			free(host);
			return (-1);
		}
	}
	free(host);
	return (0);
}

/* Does the address (AF_INET or AF_INET6 sockaddr) fall in the prefix? */
int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	const u_char	*a;
	u_int		 full, rest;

	if (sa->sa_family != c->family)
		return (0);
	if (sa->sa_family == AF_INET)
		a = (const u_char *)&((const struct sockaddr_in *)sa)->sin_addr;
	else
		a = (const u_char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
	full = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(a, c->addr, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((a[full] ^ c->addr[full]) & (0xff << (8 - rest))) == 0);
}

/*
 * Parse "127.0.0.1:PORT", "[::1]:PORT" or "*:PORT".  Only numeric
 * addresses: what is bound must not depend on name resolution.
 */
int
laddr_parse(const char *text, struct laddr *la, char **cause)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	const char		*colon;
	char			*host = NULL;
	u_int			 port;

	memset(la, 0, sizeof *la);
	if (*text == '\0') {
		*cause = xstrdup("empty address");
		return (-1);
	}
	if ((colon = strrchr(text, ':')) == NULL)
		goto bad;
	if (config_uint(colon + 1, 10, 0, 65535, &port) != 0) {
		xasprintf(cause, "invalid port in '%s' (expected 0 to 65535)",
		    text);
		return (-1);
	}
	la->port = port;
	if (text[0] == '[') {
		if (colon - text < 3 || colon[-1] != ']')
			goto bad;
		host = xstrndup(text + 1, colon - text - 2);
		sin6 = (struct sockaddr_in6 *)&la->ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		la->sslen = sizeof *sin6;
	} else if (colon - text == 1 && text[0] == '*') {
		la->any = 1;
	} else {
		host = xstrndup(text, colon - text);
		sin = (struct sockaddr_in *)&la->ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		la->sslen = sizeof *sin;
	}
	free(host);
	la->text = xstrdup(text);
	return (0);

bad:
	free(host);
	xasprintf(cause, "invalid address '%s' (expected IPv4:PORT, "
	    "[IPv6]:PORT or *:PORT)", text);
	return (-1);
}

/* Would binding both fail?  Port 0 never conflicts. */
int
laddr_conflict(const struct laddr *a, const struct laddr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->port == 0 || b->port == 0 || a->port != b->port)
		return (0);
	if (a->any || b->any)
		return (1);
	if (a->ss.ss_family != b->ss.ss_family)
		return (0);
	if (a->ss.ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)&a->ss;
		b4 = (const struct sockaddr_in *)&b->ss;
		return (a4->sin_addr.s_addr == b4->sin_addr.s_addr ||
		    a4->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    b4->sin_addr.s_addr == htonl(INADDR_ANY));
	}
	a6 = (const struct sockaddr_in6 *)&a->ss;
	b6 = (const struct sockaddr_in6 *)&b->ss;
	return (IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr) ||
	    IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ||
	    IN6_IS_ADDR_UNSPECIFIED(&b6->sin6_addr));
}

/*
 * Give a listener every key it did not set, as [tcplogd] gave it or else
 * the default, parsed as if the listener had given it.
 */
static void
config_inherit(struct config_parse *cp, struct config_section *cs)
{
	const struct config_key	*ck;
	const char		*value;
	size_t			 k;

	for (k = 0; k < CONFIG_NKEYS; k++) {
		ck = &config_keys[k];
		if (cs->set[k] || !(ck->where & IN_LISTENER) ||
		    ck->gfield != 0)
			continue;
		value = cp->given[k] != NULL ? cp->given[k] : ck->def;
		if (value != NULL)
			(void)config_set(cp, cs, ck, value);
	}
}

/* delimiter = in a section whose mode is not line. */
static void
config_delimiter_error(struct config_parse *cp, int line,
    enum lconf_mode mode)
{
	if (config_has_error(cp, line))
		return;
	config_error(cp, line, "delimiter: applies to mode = line only, "
	    "not to mode = %s", lconf_mode_string(mode));
}

/* The line that gave a listener key k: its own, [tcplogd]'s, or none. */
static int
config_key_line(struct config_parse *cp, struct config_section *cs, int k)
{
	if (cs->set[k])
		return (cs->set[k]);
	if (cp->global.set[k])
		return (cp->global.set[k]);
	return (cs->lc->line);
}

/*
 * The keys after key k in config_keys[] whose names start with prefix
 * belong to it: given in a listener where it is off, each is an error.
 * (In [tcplogd] they are only defaults.)
 */
static void
config_only_with(struct config_parse *cp, struct config_section *cs, int k,
    const char *prefix, const char *on)
{
	size_t	len = strlen(prefix);
	int	i;

	/* An invalid value of the key itself says enough. */
	if (cs->set[k] && config_has_error(cp, cs->set[k]))
		return;
	for (i = k + 1; i < (int)CONFIG_NKEYS &&
	    strncmp(config_keys[i].name, prefix, len) == 0; i++) {
		if (cs->set[i])
			config_error(cp, cs->set[i], "%s: applies only with "
			    "%s", config_keys[i].name, on);
	}
}

/*
 * A listener's PROXY settings: with the header on, proxy_from must say
 * who may send it, or anyone could forge a peer.
 */
static void
config_validate_proxy(struct config_parse *cp, struct config_section *cs)
{
	struct lconf	*lc = cs->lc;

	if (lc->proxy_protocol == PROXY_NO) {
		config_only_with(cp, cs, config_key_find("proxy_protocol"),
		    "proxy_", "proxy_protocol = v1, v2 or any");
		return;
	}
	if (lc->nproxy_from == 0)
		config_error(cp, lc->line, "listener %s: proxy_protocol = %s "
		    "needs proxy_from = CIDR LIST (the balancers' addresses)",
		    lc->name, config_proxies[lc->proxy_protocol].name);
}

/*
 * A listener's TLS settings: what goes with what, then the files read
 * and checked by OpenSSL (tls_conf_load()), so that -t and a reload
 * find a missing, unreadable or mismatched key as a config error.
 */
static void
config_validate_tls(struct config_parse *cp, struct config_section *cs)
{
	struct lconf	*lc = cs->lc;
	size_t		 errors = cp->nerrors;
	int		 tls;
#ifdef HAVE_OPENSSL
	int		 k;
#endif

	tls = config_key_find("tls");
	if (!lc->tls) {
		config_only_with(cp, cs, tls, "tls_", "tls = yes");
		return;
	}
#ifndef HAVE_OPENSSL
	config_error(cp, config_key_line(cp, cs, tls), "tls: this tcplogd "
	    "was built without OpenSSL (configure --with-openssl)");
	(void)errors;
#else
	if (lc->tls_certificate == NULL || lc->tls_key == NULL)
		config_error(cp, lc->line, "listener %s: tls = yes needs "
		    "tls_certificate = PATH and tls_key = PATH", lc->name);
	if (lc->tls_verify_client != TLS_VERIFY_NONE && lc->tls_ca == NULL)
		config_error(cp, lc->line, "listener %s: tls_verify_client = "
		    "%s needs tls_ca = PATH", lc->name,
		    config_tls_verifies[lc->tls_verify_client].name);
	if (lc->tls_verify_client == TLS_VERIFY_NONE) {
		k = config_key_find("tls_allowed_names");
		if (lc->tls_allowed_names != NULL)
			config_error(cp, config_key_line(cp, cs, k),
			    "tls_allowed_names: needs tls_verify_client = "
			    "optional or require");
		k = config_key_find("tls_crl");
		if (lc->tls_crl != NULL)
			config_error(cp, config_key_line(cp, cs, k),
			    "tls_crl: needs tls_verify_client = optional or "
			    "require");
	}
	if (cp->nerrors == errors)
		config_tls_load(cp, cs);
#endif
}

#ifdef HAVE_OPENSSL
/* Read a listener's TLS files; an error names the key at fault. */
static void
config_tls_load(struct config_parse *cp, struct config_section *cs)
{
	const char	*key;
	char		*cause;

	if (tls_conf_load(cs->lc, &key, &cause) == 0)
		return;
	config_error(cp, config_key_line(cp, cs, config_key_find(key)),
	    "%s: %s", key, cause);
	free(cause);
}
#endif

/*
 * The output that owns its format (sink_ops.owns_format: stdout, a file)
 * listeners a and b both write to, or NULL.  syslog is left out: each
 * record is a message of its own there, in its listener's format.
 */
static const char *
config_shared_output(const struct lconf *a, const struct lconf *b)
{
	if ((a->outputs & OUTPUT_FILE) && (b->outputs & OUTPUT_FILE) &&
	    a->file != NULL && b->file != NULL && strcmp(a->file, b->file) == 0)
		return (a->file);
	if ((a->outputs & OUTPUT_STDOUT) && (b->outputs & OUTPUT_STDOUT))
		return ("stdout");
	return (NULL);
}

/*
 * A format belongs to the output: listeners that share one must agree
 * on it.  Each listener that does not is an error at its format key,
 * naming the first listener before it that it disagrees with.
 */
static void
config_validate_formats(struct config_parse *cp)
{
	struct config_section	*a, *b;
	const char		*out;
	size_t			 i, j;
	int			 format;

	format = config_key_find("format");
	for (j = 1; j < cp->nsects; j++) {
		b = cp->sects[j];
		for (i = 0; i < j; i++) {
			a = cp->sects[i];
			if (a->lc->format == b->lc->format ||
			    (out = config_shared_output(a->lc, b->lc)) == NULL)
				continue;
			config_error(cp, config_key_line(cp, b, format),
			    "format: listener %s writes %s to %s, listener %s "
			    "%s (line %d): listeners that share an output "
			    "must agree on its format", b->lc->name,
			    lconf_format_string(b->lc->format), out,
			    a->lc->name, lconf_format_string(a->lc->format),
			    config_key_line(cp, a, format));
			break;
		}
	}
}

/* Checks that need the whole file. */
static void
config_validate(struct config_parse *cp)
{
	struct config_section	*a, *b;
	size_t			 i, j, x, y, start;
	int			 listen, file, delim, user, group;

	listen = config_key_find("listen");
	user = config_key_find("user");
	group = config_key_find("group");
	file = config_key_find("file");
	delim = config_key_find("delimiter");
	if (cp->global.set[delim] && cp->defaults.mode != MODE_LINE)
		config_delimiter_error(cp, cp->global.set[delim],
		    cp->defaults.mode);
	/* Started as root, setgid() alone would keep uid 0 and every right. */
	if (cp->global.set[group] && !cp->global.set[user])
		config_error(cp, cp->global.set[group], "group: needs user = "
		    "NAME (group alone would keep root)");
	cp->conf->user_line = cp->global.set[user];
	cp->conf->group_line = cp->global.set[group];
	if (cp->nsects == 0) {
		config_error(cp, 0, "no [listener] section");
		return;
	}
	for (i = 0; i < cp->nsects; i++) {
		a = cp->sects[i];
		config_inherit(cp, a);
		/* A default delimiter applies to the line listeners only. */
		if (a->set[delim] && a->lc->mode != MODE_LINE)
			config_delimiter_error(cp, a->set[delim], a->lc->mode);
		if (a->lc->mode != MODE_LINE)
			a->lc->delimiter = DELIM_LF;
		if (!a->set[listen]) {
			config_error(cp, a->lc->line,
			    "listener %s: no listen address", a->lc->name);
		}
		config_validate_proxy(cp, a);
		config_validate_tls(cp, a);
		if ((a->lc->outputs & OUTPUT_FILE) && a->lc->file == NULL &&
		    !a->set[file] && !cp->global.set[file]) {
			config_error(cp, a->lc->line, "listener %s: output "
			    "file needs file = PATH", a->lc->name);
		}
		/* For errors in applying them: binding, opening. */
		for (x = 0; x < a->lc->naddrs; x++)
			a->lc->addrs[x].line = a->set[listen];
		a->lc->file_line = config_key_line(cp, a, file);
	}
	config_validate_formats(cp);
	for (i = 0; i < cp->nsects; i++) {
		a = cp->sects[i];
		for (j = i; j < cp->nsects; j++) {
			b = cp->sects[j];
			for (x = 0; x < a->lc->naddrs; x++) {
				start = (i == j) ? x + 1 : 0;
				for (y = start; y < b->lc->naddrs; y++) {
					if (!laddr_conflict(&a->lc->addrs[x],
					    &b->lc->addrs[y]))
						continue;
					config_error(cp, b->set[listen],
					    "listen: %s conflicts with %s of "
					    "listener %s (line %d)",
					    b->lc->addrs[y].text,
					    a->lc->addrs[x].text, a->lc->name,
					    a->set[listen]);
				}
			}
		}
	}
}

/*
 * Load and check a config file.  Returns it, or NULL with every problem
 * in *errors (to be freed with config_errors_free()).
 */
struct config *
config_load(const char *path, char ***errors, size_t *nerrors)
{
	struct config_parse	 cp;
	struct config		*conf;
	char			*text;
	size_t			 i;
	int			 rc;

	memset(&cp, 0, sizeof cp);
	cp.path = path;
	cp.global.global = 1;
	conf = xcalloc(1, sizeof *conf);
	conf->path = xstrdup(path);
	TAILQ_INIT(&conf->listeners);
	cp.conf = conf;
	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].gfield != 0 && config_keys[i].def != NULL)
			(void)config_set(&cp, &cp.global, &config_keys[i],
			    config_keys[i].def);
	}

	if ((text = config_read_file(path)) == NULL) {
		config_error(&cp, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	cp.text = cp.pos = text;
	if (strncmp(cp.pos, "\xef\xbb\xbf", 3) == 0)
		cp.pos += 3;	/* a UTF-8 byte order mark */
	rc = ini_parse_stream(config_read_cb, &cp, config_key_cb, &cp);
	free(text);
	if (rc == -2)
		fatalx("%s: out of memory", path);
	if (rc > 0 && !config_has_error(&cp, rc))
		config_error(&cp, rc, "syntax error");
	config_validate(&cp);

done:
	config_fields_free(&cp.defaults, 1);
	for (i = 0; i < CONFIG_NKEYS; i++)
		free(cp.given[i]);
	for (i = 0; i < cp.nsects; i++)
		free(cp.sects[i]);
	free(cp.sects);
	*errors = cp.errors;
	*nerrors = cp.nerrors;
	if (cp.nerrors != 0) {
		config_free(conf);
		return (NULL);
	}
	return (conf);
}

void
config_errors_free(char **errors, size_t nerrors)
{
	size_t	i;

	for (i = 0; i < nerrors; i++)
		free(errors[i]);
	free(errors);
}

/* Free a config; listeners still referenced elsewhere stay alive. */
void
config_free(struct config *conf)
{
	struct lconf	*lc;

	if (conf == NULL)
		return;
	while ((lc = TAILQ_FIRST(&conf->listeners)) != NULL) {
		TAILQ_REMOVE(&conf->listeners, lc, entry);
		lconf_unref(lc);
	}
	config_fields_free(conf, 0);
	free(conf->path);
	free(conf);
}

struct lconf *
lconf_ref(struct lconf *lc)
{
	lc->refs++;
	return (lc);
}

void
lconf_unref(struct lconf *lc)
{
	size_t	i;

	if (lc == NULL || --lc->refs > 0)
		return;
	for (i = 0; i < lc->naddrs; i++)
		free(lc->addrs[i].text);
#ifdef HAVE_OPENSSL
	tls_conf_free(lc->tls_conf);
#endif
	config_fields_free(lc, 1);
	free(lc->name);
	free(lc->path);
	free(lc);
}

/*
 * Do two listeners (of the same name) have the same settings, as far as
 * the config file says?  A reload reports those that differ as changed.
 */
int
lconf_same(const struct lconf *a, const struct lconf *b)
{
	const struct config_key	*ck;
	const char		*fa, *fb;
	const struct laddr	*la, *lb;
	size_t			 k, n, i;

	for (k = 0; k < CONFIG_NKEYS; k++) {
		ck = &config_keys[k];
		if ((ck->where & IN_LISTENER) == 0)
			continue;
		fa = (const char *)a + ck->lfield;
		fb = (const char *)b + ck->lfield;
		switch (ck->type) {
		case CONFIG_STRING:
			fa = *(char *const *)fa;
			fb = *(char *const *)fb;
			if (fa == NULL || fb == NULL ? fa != fb :
			    strcmp(fa, fb) != 0)
				return (0);
			break;
		case CONFIG_LIST:
			memcpy(&n, (const char *)a + ck->count, sizeof n);
			memcpy(&i, (const char *)b + ck->count, sizeof i);
			if (n != i)
				return (0);
			fa = *(char *const *)fa;
			fb = *(char *const *)fb;
			if (ck->item != config_laddr) {
				if (n > 0 && memcmp(fa, fb, n *
				    ck->item_size) != 0)
					return (0);
				break;
			}
			/* An address is what its text says. */
			la = (const struct laddr *)fa;
			lb = (const struct laddr *)fb;
			for (i = 0; i < n; i++) {
				if (strcmp(la[i].text, lb[i].text) != 0)
					return (0);
			}
			break;
		default:
			if (memcmp(fa, fb, ck->size) != 0)
				return (0);
			break;
		}
	}
	return (1);
}

const char *
lconf_mode_string(enum lconf_mode mode)
{
	return (proto_name(mode));
}

const char *
lconf_overlong_string(enum lconf_overlong overlong)
{
	return (config_overlongs[overlong].name);
}

const char *
lconf_format_string(enum lconf_format format)
{
	return (config_formats[format].name);
}
