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

/* The command line; everything else is in daemon.c. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include <event2/event.h>
#ifdef HAVE_OPENSSL
#include <openssl/crypto.h>
#endif

#include "tcplogd.h"

#define TCPLOGD_CONF_DEFAULT	SYSCONFDIR "/tcplogd.conf"

static void	usage(FILE *);
static void	version(void);

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "check-config", no_argument, NULL, 't' },
	{ "debug", no_argument, NULL, 'd' },
	{ "port-file", required_argument, NULL, 'P' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: tcplogd [-dhtV] [-f file] [-P port-file] "
	    "[-p pid-file]\n"
	    "  -f, --config FILE      config file (default %s)\n"
	    "  -t, --check-config     check the config and exit\n"
	    "  -d, --debug            debug diagnostics\n"
	    "  -P, --port-file FILE   write the bound addresses to FILE\n"
	    "  -p, --pid-file FILE    write the process id to FILE\n"
	    "  -V, --version          print the version and exit\n"
	    "  -h, --help             print this help and exit\n",
	    TCPLOGD_CONF_DEFAULT);
}

int
main(int argc, char **argv)
{
	struct daemon_opts	opts = { TCPLOGD_CONF_DEFAULT, NULL, NULL, 0, 0 };
	int			ch;

	while ((ch = getopt_long(argc, argv, "f:tdP:p:Vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			opts.config = optarg;
			break;
		case 't':
			opts.check_only = 1;
			break;
		case 'd':
			opts.debug = 1;
			break;
		case 'P':
			opts.port_file = optarg;
			break;
		case 'p':
			opts.pid_file = optarg;
			break;
		case 'V':
			version();
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tcplogd: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return (EX_USAGE);
	}
	return (daemon_run(&opts));
}

/*
 * The version, then what this binary was built with: whether it can do
 * TLS is the question a user has before writing tls = yes.
 */
static void
version(void)
{
	printf("tcplogd %s\n", PACKAGE_VERSION);
	printf("libevent %s", event_get_version());
#ifdef HAVE_OPENSSL
	printf(", TLS with %s", OpenSSL_version(OPENSSL_VERSION));
#else
	printf(", no TLS (built without OpenSSL)");
#endif
#ifdef HAVE_LIBSYSTEMD
	printf(", libsystemd");
#else
	printf(", no libsystemd");
#endif
	printf("\n");
}
