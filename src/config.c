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

enum config_key {
	KEY_LISTEN,
	KEY_MODE,
	KEY_OUTPUT,
	KEY_EVENTS,
	KEY_TIMESTAMPS,
	KEY_MAX_LINE,
	KEY_OVERLONG,
	KEY_MAX_CONNECTIONS,
	KEY_SYSLOG_FACILITY,
	KEY_SYSLOG_PRIORITY,
	KEY_SYSLOG_IDENT,
	KEY_SHUTDOWN_TIMEOUT,
	KEY_FILE,
	KEY_FILE_MODE,
	KEY_FORMAT,
	KEY_USER,
	KEY_GROUP,
	KEY_IDLE_TIMEOUT,
	KEY_KEEPALIVE,
	KEY_MAX_PER_PEER,
	KEY_ALLOW,
	KEY_DENY,
	KEY_COUNT
};

#define IN_GLOBAL	0x1
#define IN_LISTENER	0x2

static const struct {
	const char	*name;
	int		 where;
} config_keys[KEY_COUNT] = {
	[KEY_LISTEN] =		{ "listen", IN_LISTENER },
	[KEY_MODE] =		{ "mode", IN_GLOBAL | IN_LISTENER },
	[KEY_OUTPUT] =		{ "output", IN_GLOBAL | IN_LISTENER },
	[KEY_EVENTS] =		{ "events", IN_GLOBAL | IN_LISTENER },
	[KEY_TIMESTAMPS] =	{ "timestamps", IN_GLOBAL | IN_LISTENER },
	[KEY_MAX_LINE] =	{ "max_line", IN_GLOBAL | IN_LISTENER },
	[KEY_OVERLONG] =	{ "overlong", IN_GLOBAL | IN_LISTENER },
	[KEY_MAX_CONNECTIONS] =	{ "max_connections", IN_GLOBAL | IN_LISTENER },
	[KEY_SYSLOG_FACILITY] =	{ "syslog_facility", IN_GLOBAL | IN_LISTENER },
	[KEY_SYSLOG_PRIORITY] =	{ "syslog_priority", IN_GLOBAL | IN_LISTENER },
	[KEY_SYSLOG_IDENT] =	{ "syslog_ident", IN_GLOBAL },
	[KEY_SHUTDOWN_TIMEOUT] = { "shutdown_timeout", IN_GLOBAL },
	[KEY_FILE] =		{ "file", IN_GLOBAL | IN_LISTENER },
	[KEY_FILE_MODE] =	{ "file_mode", IN_GLOBAL | IN_LISTENER },
	[KEY_FORMAT] =		{ "format", IN_GLOBAL | IN_LISTENER },
	[KEY_USER] =		{ "user", IN_GLOBAL },
	[KEY_GROUP] =		{ "group", IN_GLOBAL },
	[KEY_IDLE_TIMEOUT] =	{ "idle_timeout", IN_GLOBAL | IN_LISTENER },
	[KEY_KEEPALIVE] =	{ "keepalive", IN_GLOBAL | IN_LISTENER },
	[KEY_MAX_PER_PEER] =	{ "max_per_peer", IN_GLOBAL | IN_LISTENER },
	[KEY_ALLOW] =		{ "allow", IN_GLOBAL | IN_LISTENER },
	[KEY_DENY] =		{ "deny", IN_GLOBAL | IN_LISTENER },
};

struct config_word {
	const char	*name;
	int		 value;
};

static const struct config_word config_modes[] = {
	{ "line", MODE_LINE }, { "raw", MODE_RAW }, { NULL, 0 }
};
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
static const struct config_word config_outputs[] = {
	{ "stdout", OUTPUT_STDOUT }, { "syslog", OUTPUT_SYSLOG },
	{ "file", OUTPUT_FILE }, { NULL, 0 }
};
static const struct config_word config_formats[] = {
	{ "text", FORMAT_TEXT }, { "json", FORMAT_JSON }, { NULL, 0 }
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

/* One section header as the reader saw it. */
struct config_section {
	int			 global;	/* [tcplogd] */
	struct lconf		*lc;		/* listener, or defaults */
	int			 set[KEY_COUNT]; /* line of each key */
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
	struct lconf		 defaults;
	struct config_section	**sects;	/* listeners, in order */
	size_t			 nsects;
};

static void	config_error(struct config_parse *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static char	*config_read_cb(char *, int, void *);
static int	config_key_cb(void *, const char *, const char *,
		    const char *);
static void	config_section(struct config_parse *, const char *, size_t);
static int	config_set(struct config_parse *, struct config_section *,
		    enum config_key, const char *);
static int	config_word(const struct config_word *, const char *,
		    int *);
static char	*config_words(const struct config_word *);
static int	config_uint(const char *, u_int, u_int, u_int *);
static int	config_mode(const char *, u_int *);
static int	config_cidrs(struct config_parse *, const char *, const char *,
		    struct cidr **, size_t *);
static void	config_cidrs_copy(const struct cidr *, size_t, struct cidr **,
		    size_t *);
static int	config_listen(struct config_parse *, struct lconf *,
		    const char *);
static int	config_output(struct config_parse *, const char *, int *);
static void	config_inherit(struct config_parse *, struct config_section *);
static void	config_validate(struct config_parse *);
static int	config_name_ok(const char *);
static char	*config_trim(char *);
static int	config_has_error(struct config_parse *, int);
static char	*config_read_file(const char *);

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
	if (line > 0)
		xasprintf(&s, "%s:%d: %s", cp->path, line, msg);
	else
		xasprintf(&s, "%s: %s", cp->path, msg);
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
	for (k = 0; k < KEY_COUNT; k++) {
		if (strcmp(config_keys[k].name, key) == 0)
			break;
	}
	if (k == KEY_COUNT) {
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
	(void)config_set(cp, cs, k, value);
	return (1);
}

/* Find word in table; returns 0 and the value, or -1. */
static int
config_word(const struct config_word *t, const char *word, int *value)
{
	for (; t->name != NULL; t++) {
		if (strcmp(t->name, word) == 0) {
			*value = t->value;
			return (0);
		}
	}
	return (-1);
}

/* "a, b or c" for error messages. */
static char *
config_words(const struct config_word *t)
{
	char	*s = xstrdup(""), *n;
	size_t	 i, count;

	for (count = 0; t[count].name != NULL; count++)
		;
	for (i = 0; i < count; i++) {
		xasprintf(&n, "%s%s%s", s, i == 0 ? "" :
		    (i == count - 1 ? " or " : ", "), t[i].name);
		free(s);
		s = n;
	}
	return (s);
}

/* Decimal unsigned integer in [min, max]. */
static int
config_uint(const char *s, u_int min, u_int max, u_int *out)
{
	unsigned long long	 v;
	char			*end;

	if (!isdigit((u_char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = (u_int)v;
	return (0);
}

/* Octal permission bits, 0 to 0777. */
static int
config_mode(const char *s, u_int *out)
{
	unsigned long	 v;
	char		*end;

	if (*s < '0' || *s > '7')
		return (-1);
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || *end != '\0' || v > 0777)
		return (-1);
	*out = v;
	return (0);
}

/* Parse one value into the section's settings. */
static int
config_set(struct config_parse *cp, struct config_section *cs,
    enum config_key k, const char *value)
{
	struct lconf			*lc = cs->lc;
	struct config			*conf = cp->conf;
	const struct config_word	*words = NULL;
	const char			*key = config_keys[k].name;
	char				*list;
	int				 v;
	u_int				 u;

	switch (k) {
	case KEY_LISTEN:
		return (config_listen(cp, lc, value));
	case KEY_OUTPUT:
		if (config_output(cp, value, &v) != 0)
			return (-1);
		lc->outputs = v;
		return (0);
	case KEY_MAX_LINE:
		if (config_uint(value, 1, CONF_MAX_LINE_LIMIT, &u) != 0) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected 1 to %d)", key, value,
			    CONF_MAX_LINE_LIMIT);
			return (-1);
		}
		lc->max_line = u;
		return (0);
	case KEY_MAX_CONNECTIONS:
		if (config_uint(value, 0, 1000000000, &u) != 0) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected 0 to 1000000000)", key, value);
			return (-1);
		}
		if (cs->global)
			conf->max_conns = u;
		else
			lc->max_conns = u;
		return (0);
	case KEY_SHUTDOWN_TIMEOUT:
		if (config_uint(value, 0, 3600, &u) != 0) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected 0 to 3600 seconds)", key, value);
			return (-1);
		}
		conf->shutdown_timeout = u;
		return (0);
	case KEY_SYSLOG_IDENT:
		if (*value == '\0' || strlen(value) > 64 ||
		    strpbrk(value, " \t[]:") != NULL) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(1 to 64 characters, no blanks, '[', ']' or ':')",
			    key, value);
			return (-1);
		}
		free(conf->syslog_ident);
		conf->syslog_ident = xstrdup(value);
		return (0);
	case KEY_FILE:
		if (*value != '/') {
			config_error(cp, cp->line,
			    "%s: '%s' is not an absolute path", key, value);
			return (-1);
		}
		free(lc->file);
		lc->file = xstrdup(value);
		return (0);
	case KEY_FILE_MODE:
		if (config_mode(value, &u) != 0) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected an octal mode such as 0640)", key,
			    value);
			return (-1);
		}
		lc->file_mode = u;
		return (0);
	case KEY_IDLE_TIMEOUT:
		if (config_uint(value, 0, 86400, &u) != 0) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected 0 to 86400 seconds)", key, value);
			return (-1);
		}
		lc->idle_timeout = u;
		return (0);
	case KEY_MAX_PER_PEER:
		if (config_uint(value, 0, 1000000000, &u) != 0) {
			config_error(cp, cp->line, "%s: invalid value '%s' "
			    "(expected 0 to 1000000000)", key, value);
			return (-1);
		}
		lc->max_per_peer = u;
		return (0);
	case KEY_ALLOW:
		return (config_cidrs(cp, key, value, &lc->allow,
		    &lc->nallow));
	case KEY_DENY:
		return (config_cidrs(cp, key, value, &lc->deny, &lc->ndeny));
	case KEY_KEEPALIVE:
		words = config_bools;
		break;
	case KEY_USER:
		if (getpwnam(value) == NULL) {
			config_error(cp, cp->line, "%s: no such user '%s'", key,
			    value);
			return (-1);
		}
		free(conf->user);
		conf->user = xstrdup(value);
		return (0);
	case KEY_GROUP:
		if (getgrnam(value) == NULL) {
			config_error(cp, cp->line, "%s: no such group '%s'",
			    key, value);
			return (-1);
		}
		free(conf->group);
		conf->group = xstrdup(value);
		return (0);
	case KEY_FORMAT:
		words = config_formats;
		break;
	case KEY_MODE:
		words = config_modes;
		break;
	case KEY_EVENTS:
		words = config_bools;
		break;
	case KEY_TIMESTAMPS:
		words = config_timestamps;
		break;
	case KEY_OVERLONG:
		words = config_overlongs;
		break;
	case KEY_SYSLOG_FACILITY:
		words = config_facilities;
		break;
	case KEY_SYSLOG_PRIORITY:
		words = config_priorities;
		break;
	case KEY_COUNT:
		break;
	}
	if (words == NULL || config_word(words, value, &v) != 0) {
		list = words != NULL ? config_words(words) : xstrdup("?");
		config_error(cp, cp->line, "%s: invalid value '%s' "
		    "(expected %s)", key, value, list);
		free(list);
		return (-1);
	}
	switch (k) {
	case KEY_MODE:
		lc->mode = v;
		break;
	case KEY_FORMAT:
		lc->format = v;
		break;
	case KEY_KEEPALIVE:
		lc->keepalive = v;
		break;
	case KEY_EVENTS:
		lc->events = v;
		break;
	case KEY_TIMESTAMPS:
		lc->timestamps = v;
		break;
	case KEY_OVERLONG:
		lc->overlong = v;
		break;
	case KEY_SYSLOG_FACILITY:
		lc->facility = v;
		break;
	case KEY_SYSLOG_PRIORITY:
		lc->priority = v;
		break;
	default:
		break;
	}
	return (0);
}

/* A comma-separated list of CIDR prefixes. */
static int
config_cidrs(struct config_parse *cp, const char *key, const char *value,
    struct cidr **list, size_t *n)
{
	char		*copy, *s, *word, *cause;
	struct cidr	 c;
	int		 error = 0;

	s = copy = xstrdup(value);
	while ((word = strsep(&s, ",")) != NULL) {
		word = config_trim(word);
		if (cidr_parse(word, &c, &cause) != 0) {
			config_error(cp, cp->line, "%s: %s", key, cause);
			free(cause);
			error = 1;
			continue;
		}
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = c;
	}
	free(copy);
	return (error ? -1 : 0);
}

static void
config_cidrs_copy(const struct cidr *from, size_t n, struct cidr **to,
    size_t *nto)
{
	*to = xreallocarray(NULL, n, sizeof **to);
	memcpy(*to, from, n * sizeof **to);
	*nto = n;
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
	if (slash != NULL && config_uint(slash, 0, max, &bits) != 0) {
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

/* "stdout", "syslog" or a comma-separated list of them. */
static int
config_output(struct config_parse *cp, const char *value, int *out)
{
	char	*copy, *s, *word, *list;
	int	 v, mask = 0, error = 0;

	s = copy = xstrdup(value);
	while (!error && (word = strsep(&s, ",")) != NULL) {
		word = config_trim(word);
		if (config_word(config_outputs, word, &v) != 0) {
			list = config_words(config_outputs);
			config_error(cp, cp->line, "output: invalid value "
			    "'%s' (expected %s, or a list of them)", word,
			    list);
			free(list);
			error = 1;
		} else if (mask & v) {
			config_error(cp, cp->line, "output: %s given twice",
			    word);
			error = 1;
		}
		mask |= v;
	}
	free(copy);
	if (error)
		return (-1);
	*out = mask;
	return (0);
}

/* "ADDR:PORT, ADDR:PORT ..." */
static int
config_listen(struct config_parse *cp, struct lconf *lc, const char *value)
{
	char		*copy, *s, *word, *cause;
	struct laddr	 la;
	int		 error = 0;

	s = copy = xstrdup(value);
	while ((word = strsep(&s, ",")) != NULL) {
		word = config_trim(word);
		if (laddr_parse(word, &la, &cause) != 0) {
			config_error(cp, cp->line, "listen: %s", cause);
			free(cause);
			error = 1;
			continue;
		}
		lc->addrs = xreallocarray(lc->addrs, lc->naddrs + 1,
		    sizeof *lc->addrs);
		lc->addrs[lc->naddrs++] = la;
	}
	free(copy);
	return (error ? -1 : 0);
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
	if (config_uint(colon + 1, 0, 65535, &port) != 0) {
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

/* Take every listener key not set in the section from [tcplogd]. */
static void
config_inherit(struct config_parse *cp, struct config_section *cs)
{
	struct lconf	*lc = cs->lc, *def = &cp->defaults;
	int		*gset = cp->global.set;

	if (!cs->set[KEY_MODE])
		lc->mode = gset[KEY_MODE] ? def->mode : MODE_LINE;
	if (!cs->set[KEY_OUTPUT])
		lc->outputs = gset[KEY_OUTPUT] ? def->outputs : OUTPUT_STDOUT;
	if (!cs->set[KEY_EVENTS])
		lc->events = gset[KEY_EVENTS] ? def->events : 1;
	if (!cs->set[KEY_TIMESTAMPS])
		lc->timestamps = gset[KEY_TIMESTAMPS] ? def->timestamps :
		    TS_AUTO;
	if (!cs->set[KEY_MAX_LINE])
		lc->max_line = gset[KEY_MAX_LINE] ? def->max_line :
		    CONF_MAX_LINE_DEFAULT;
	if (!cs->set[KEY_OVERLONG])
		lc->overlong = gset[KEY_OVERLONG] ? def->overlong :
		    OVERLONG_TRUNCATE;
	if (!cs->set[KEY_SYSLOG_FACILITY])
		lc->facility = gset[KEY_SYSLOG_FACILITY] ? def->facility :
		    LOG_DAEMON;
	if (!cs->set[KEY_SYSLOG_PRIORITY])
		lc->priority = gset[KEY_SYSLOG_PRIORITY] ? def->priority :
		    LOG_INFO;
	if (!cs->set[KEY_FILE] && gset[KEY_FILE] && def->file != NULL)
		lc->file = xstrdup(def->file);
	if (!cs->set[KEY_FILE_MODE])
		lc->file_mode = gset[KEY_FILE_MODE] ? def->file_mode :
		    CONF_FILE_MODE_DEFAULT;
	if (!cs->set[KEY_FORMAT])
		lc->format = gset[KEY_FORMAT] ? def->format : FORMAT_TEXT;
	if (!cs->set[KEY_IDLE_TIMEOUT])
		lc->idle_timeout = gset[KEY_IDLE_TIMEOUT] ?
		    def->idle_timeout : 0;
	if (!cs->set[KEY_KEEPALIVE])
		lc->keepalive = gset[KEY_KEEPALIVE] ? def->keepalive : 1;
	if (!cs->set[KEY_MAX_PER_PEER])
		lc->max_per_peer = gset[KEY_MAX_PER_PEER] ? def->max_per_peer :
		    0;
	/* A listener's own list replaces the default one. */
	if (!cs->set[KEY_ALLOW] && def->nallow > 0)
		config_cidrs_copy(def->allow, def->nallow, &lc->allow,
		    &lc->nallow);
	if (!cs->set[KEY_DENY] && def->ndeny > 0)
		config_cidrs_copy(def->deny, def->ndeny, &lc->deny,
		    &lc->ndeny);
	/* max_connections in [tcplogd] is the total, not a default. */
}

/* Checks that need the whole file. */
static void
config_validate(struct config_parse *cp)
{
	struct config_section	*a, *b;
	size_t			 i, j, x, y, start;

	if (cp->nsects == 0) {
		config_error(cp, 0, "no [listener] section");
		return;
	}
	for (i = 0; i < cp->nsects; i++) {
		a = cp->sects[i];
		config_inherit(cp, a);
		if (!a->set[KEY_LISTEN]) {
			config_error(cp, a->lc->line,
			    "listener %s: no listen address", a->lc->name);
		}
		if ((a->lc->outputs & OUTPUT_FILE) && a->lc->file == NULL &&
		    !a->set[KEY_FILE] && !cp->global.set[KEY_FILE]) {
			config_error(cp, a->lc->line, "listener %s: output "
			    "file needs file = PATH", a->lc->name);
		}
	}
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
					config_error(cp, b->set[KEY_LISTEN],
					    "listen: %s conflicts with %s of "
					    "listener %s (line %d)",
					    b->lc->addrs[y].text,
					    a->lc->addrs[x].text, a->lc->name,
					    a->set[KEY_LISTEN]);
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
	conf->max_conns = CONF_MAX_CONNS_DEFAULT;
	conf->syslog_ident = xstrdup("tcplogd");
	conf->shutdown_timeout = CONF_SHUTDOWN_DEFAULT;
	TAILQ_INIT(&conf->listeners);
	cp.conf = conf;

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
	free(cp.defaults.file);
	free(cp.defaults.allow);
	free(cp.defaults.deny);
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
	free(conf->syslog_ident);
	free(conf->user);
	free(conf->group);
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
	free(lc->addrs);
	free(lc->allow);
	free(lc->deny);
	free(lc->file);
	free(lc->name);
	free(lc);
}

const char *
lconf_mode_string(enum lconf_mode mode)
{
	return (config_modes[mode].name);
}

const char *
lconf_overlong_string(enum lconf_overlong overlong)
{
	return (config_overlongs[overlong].name);
}
