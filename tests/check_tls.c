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
 * Unit tests of tls.c, without the network: certificates made here with
 * OpenSSL's X509 API into a mkdtemp() directory, tls_conf_load() and its
 * errors, the allowed-name rule, and real handshakes between a client SSL
 * in the test and a connection on one end of a socketpair, run by a
 * libevent loop: what the records say of TLS (hostile certificate names
 * escaped in text and JSON), what a failed handshake leaves (no record,
 * a counter, a note), and how the data ends.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common.h"
#include "fuzz/jsoncheck.h"

#define PEER		"main 192.0.2.7:5555"
#define WAIT_MSEC	10000	/* any condition, even under valgrind */
#define DAY		(24 * 60 * 60)

/* A key and its certificate, and where they were written. */
struct ident {
	EVP_PKEY	*key;
	X509		*cert;
	char		*key_path;
	char		*cert_path;
};

/* The certificates of every test, made once per test process. */
struct pki {
	char		*dir;
	struct ident	 ca;		/* "Test CA" */
	struct ident	 ca2;		/* another CA */
	struct ident	 server;
	struct ident	 client;	/* app1.example.com */
	struct ident	 cnonly;	/* CN=cn.example.com, no SAN */
	struct ident	 sancn;		/* SAN other.test, CN=cn.example.com */
	struct ident	 deep;		/* a.b.example.com */
	struct ident	 expired;
	struct ident	 stranger;	/* issued by ca2 */
	struct ident	 hostile;	/* names made to break output */
	struct ident	 revoked;	/* in crl_path */
	char		*crl_path;	/* ca's CRL */
};

/* A TLS listener "main", one connection, the client's end of it. */
struct tfix {
	struct listener_env	 env;
	struct lconf		*lc;
	struct listener		 l;
	struct sink		*sink;
	struct conn		*c;
	int			 far;
	int			 idle;
	char			*out;
	SSL_CTX			*cctx;
	SSL			*cssl;
};

static struct pki	 pki;

/* The hostile subject's CN: quote, backslash, comma, C0, LF, U+2028. */
static const char	 hostile_cn[] = "ev\"il\\,\x01x\n\xe2\x80\xa8\xc3\xbc";
static const char	 hostile_san[] = "h\"\\\x7f.example.com";

static void	 idle_cb(void *);
static void	 nop_accept_failed(int, void *);
static void	 nop_accepted(void *);
static char	*pem_write(const char *, EVP_PKEY *, X509 *);
static char	*file_write(const char *, const char *);
static void	 cert_add_dns(X509 *, const char *const *);
static void	 ident_make(struct ident *, const char *, const char *,
		    const char *, const char *const *, long, long,
		    const struct ident *);
static void	 ident_free(struct ident *);
static char	*crl_make(void);
static void	 pki_setup(void);
static void	 pki_teardown(void);
static struct lconf *lconf_tls(void);
static void	 load_fails(struct lconf *, const char *, const char *);
static void	 file_fails(const char *, const char *, const char *,
		    const char *);
static void	 load_ok(struct lconf *);
static void	 set_str(char **, const char *);
static long	 since(const struct timespec *);
static struct tfix *tfix_new(struct lconf *, const struct stage_ops *const *,
		    const struct ident *, int);
static void	 tfix_free(struct tfix *);
static const char *tfix_out(struct tfix *);
static void	 tfix_step(struct tfix *, const struct timespec *,
		    const char *);
static int	 client_handshake(struct tfix *);
static void	 client_send(struct tfix *, const void *, size_t);
static void	 client_str(struct tfix *, const char *);
static void	 client_close_notify(struct tfix *);
static void	 run_until(struct tfix *, const char *);
static void	 run_until_idle(struct tfix *);
static void	 assert_refused(struct tfix *, enum lnote, const char *);
static int	 pre_enabled(const struct lconf *);
static int	 pre_run(struct conn *, void *, enum conn_reason *);

static const struct listener_cb test_cb = {
	.accept_failed = nop_accept_failed,
	.accepted = nop_accepted,
	.idle = idle_cb,
};

static void
idle_cb(void *arg)
{
	struct tfix	*f = arg;

	f->idle++;
}

static void
nop_accept_failed(int error __unused, void *arg __unused)
{
}

static void
nop_accepted(void *arg __unused)
{
}

/* Write a PEM file of the test directory. */
static char *
pem_write(const char *name, EVP_PKEY *key, X509 *cert)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/%s", pki.dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	if (key != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(fp, key, NULL, NULL, 0,
		    NULL, NULL), 1);
	if (cert != NULL)
		ck_assert_int_eq(PEM_write_X509(fp, cert), 1);
	ck_assert_int_eq(fclose(fp), 0);
	return (path);
}

/* A file of the test directory with this text. */
static char *
file_write(const char *name, const char *text)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/%s", pki.dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return (path);
}

/* subjectAltName with these DNS names (bytes as given, NULL ended). */
static void
cert_add_dns(X509 *x, const char *const *names)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*gn;
	ASN1_IA5STRING	*ia5;

	gens = sk_GENERAL_NAME_new_null();
	for (; *names != NULL; names++) {
		gn = GENERAL_NAME_new();
		ia5 = ASN1_IA5STRING_new();
		ck_assert_int_eq(ASN1_STRING_set(ia5, *names,
		    strlen(*names)), 1);
		GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
		sk_GENERAL_NAME_push(gens, gn);
	}
	ck_assert_int_eq(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT), 1);
	GENERAL_NAMES_free(gens);
}

/*
 * A P-256 key and a certificate for it: subject O (may be NULL) and CN,
 * DNS names (NULL: none), valid from..to seconds from now, issued by ca
 * (NULL: self-signed CA), written to NAME.key and NAME.pem.
 */
static void
ident_make(struct ident *id, const char *name, const char *o,
    const char *cn, const char *const *dns, long from, long to,
    const struct ident *ca)
{
	static long	 serial = 1;
	X509_NAME	*subject;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	char		*file;

	id->key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(id->key);
	id->cert = X509_new();
	X509_set_version(id->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(id->cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(id->cert), from);
	X509_gmtime_adj(X509_getm_notAfter(id->cert), to);
	X509_set_pubkey(id->cert, id->key);
	subject = X509_get_subject_name(id->cert);
	if (o != NULL)
		X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
		    (const u_char *)o, -1, -1, 0);
	X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
	    (const u_char *)cn, -1, -1, 0);
	X509_set_issuer_name(id->cert, ca != NULL ?
	    X509_get_subject_name(ca->cert) : subject);
	X509V3_set_ctx(&v3, ca != NULL ? ca->cert : id->cert, id->cert, NULL,
	    NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca != NULL ? "CA:FALSE" : "critical,CA:TRUE");
	X509_add_ext(id->cert, ext, -1);
	X509_EXTENSION_free(ext);
	if (dns != NULL)
		cert_add_dns(id->cert, dns);
	ck_assert_int_gt(X509_sign(id->cert, ca != NULL ? ca->key : id->key,
	    EVP_sha256()), 0);
	xasprintf(&file, "%s.key", name);
	id->key_path = pem_write(file, id->key, NULL);
	free(file);
	xasprintf(&file, "%s.pem", name);
	id->cert_path = pem_write(file, NULL, id->cert);
	free(file);
}

static void
ident_free(struct ident *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
	if (id->key_path != NULL)
		unlink(id->key_path);
	if (id->cert_path != NULL)
		unlink(id->cert_path);
	free(id->key_path);
	free(id->cert_path);
}

/* The test PKI, in a fresh directory. */
static void
pki_setup(void)
{
	static const char *const server[] = { "localhost", NULL };
	static const char *const app1[] = { "app1.example.com", NULL };
	static const char *const other[] = { "other.test", NULL };
	static const char *const deep[] = { "a.b.example.com", NULL };
	static const char *const old[] = { "old.example.com", NULL };
	static const char *const app2[] = { "app2.example.com", NULL };
	static const char *const hostile[] = { hostile_san, "x.example.com",
					       NULL };
	char	 tmpl[] = "/tmp/check_tls.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	pki.dir = xstrdup(tmpl);
	ident_make(&pki.ca, "ca", NULL, "Test CA", NULL, 0, DAY, NULL);
	ident_make(&pki.ca2, "ca2", NULL, "Other CA", NULL, 0, DAY, NULL);
	ident_make(&pki.server, "server", NULL, "localhost", server, 0, DAY,
	    &pki.ca);
	ident_make(&pki.client, "client", "Example", "app1.example.com", app1,
	    0, DAY, &pki.ca);
	ident_make(&pki.cnonly, "cnonly", NULL, "cn.example.com", NULL, 0, DAY,
	    &pki.ca);
	ident_make(&pki.sancn, "sancn", NULL, "cn.example.com", other, 0, DAY,
	    &pki.ca);
	ident_make(&pki.deep, "deep", NULL, "a.b.example.com", deep, 0, DAY,
	    &pki.ca);
	ident_make(&pki.expired, "expired", NULL, "old.example.com", old,
	    -10 * DAY, -DAY, &pki.ca);
	ident_make(&pki.stranger, "stranger", NULL, "app2.example.com", app2,
	    0, DAY, &pki.ca2);
	ident_make(&pki.hostile, "hostile", "O\"=\\", hostile_cn, hostile, 0,
	    DAY, &pki.ca);
	ident_make(&pki.revoked, "revoked", NULL, "rev.example.com", app1, 0,
	    DAY, &pki.ca);
	pki.crl_path = crl_make();
}

/* The CA's CRL, revoking pki.revoked. */
static char *
crl_make(void)
{
	X509_CRL	*crl;
	X509_REVOKED	*rev;
	ASN1_TIME	*t;
	char		*path;
	FILE		*fp;

	crl = X509_CRL_new();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(pki.ca.cert));
	t = X509_gmtime_adj(NULL, -60);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, DAY);
	X509_CRL_set1_nextUpdate(crl, t);
	rev = X509_REVOKED_new();
	X509_REVOKED_set_serialNumber(rev,
	    X509_get_serialNumber(pki.revoked.cert));
	X509_gmtime_adj(t, -60);
	X509_REVOKED_set_revocationDate(rev, t);
	X509_CRL_add0_revoked(crl, rev);
	ASN1_TIME_free(t);
	X509_CRL_sort(crl);
	ck_assert_int_gt(X509_CRL_sign(crl, pki.ca.key, EVP_sha256()), 0);
	xasprintf(&path, "%s/crl.pem", pki.dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(PEM_write_X509_CRL(fp, crl), 1);
	ck_assert_int_eq(fclose(fp), 0);
	X509_CRL_free(crl);
	return (path);
}

static void
pki_teardown(void)
{
	ident_free(&pki.ca);
	ident_free(&pki.ca2);
	ident_free(&pki.server);
	ident_free(&pki.client);
	ident_free(&pki.cnonly);
	ident_free(&pki.sancn);
	ident_free(&pki.deep);
	ident_free(&pki.expired);
	ident_free(&pki.stranger);
	ident_free(&pki.hostile);
	ident_free(&pki.revoked);
	unlink(pki.crl_path);
	free(pki.crl_path);
	ck_assert_int_eq(rmdir(pki.dir), 0);
	free(pki.dir);
}

/* Listener settings with the server's certificate, as config.c makes. */
static struct lconf *
lconf_tls(void)
{
	struct lconf	*lc;

	lc = xcalloc(1, sizeof *lc);
	lc->refs = 1;
	lc->name = xstrdup("main");
	lc->mode = MODE_LINE;
	lc->events = 1;
	lc->timestamps = TS_NO;
	lc->max_line = 1024;
	lc->tls = 1;
	lc->tls_certificate = xstrdup(pki.server.cert_path);
	lc->tls_key = xstrdup(pki.server.key_path);
	lc->tls_handshake_timeout = 10;
	return (lc);
}

/* tls_conf_load() of lc must fail on key with exactly this cause. */
static void
load_fails(struct lconf *lc, const char *key, const char *want)
{
	const char	*k = NULL;
	char		*cause = NULL;

	ck_assert_int_eq(tls_conf_load(lc, &k, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(k, key);
	ck_assert_str_eq(cause, want);
	ck_assert_ptr_null(lc->tls_conf);
	ck_assert_int_eq(ERR_peek_error(), 0);
	free(cause);
	lconf_unref(lc);
}

/*
 * With the config key of that name set to path (and what it needs),
 * tls_conf_load() fails on it with "WHAT 'PATH': WHY".
 */
static void
file_fails(const char *key, const char *path, const char *what,
    const char *why)
{
	struct lconf	*lc = lconf_tls();
	char		*want;

	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	set_str(&lc->tls_ca, pki.ca.cert_path);
	if (strcmp(key, "tls_certificate") == 0)
		set_str(&lc->tls_certificate, path);
	else if (strcmp(key, "tls_key") == 0)
		set_str(&lc->tls_key, path);
	else if (strcmp(key, "tls_ca") == 0)
		set_str(&lc->tls_ca, path);
	else
		set_str(&lc->tls_crl, path);
	xasprintf(&want, "%s '%s': %s", what, path, why);
	load_fails(lc, key, want);
	free(want);
}

static void
load_ok(struct lconf *lc)
{
	const char	*k = NULL;
	char		*cause = NULL;

	if (tls_conf_load(lc, &k, &cause) != 0)
		ck_abort_msg("%s: %s", k, cause);
	ck_assert_ptr_nonnull(lc->tls_conf);
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

START_TEST(test_load_ok)
{
	struct lconf	*lc = lconf_tls();

	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	set_str(&lc->tls_ciphers, "ECDHE+AESGCM");
	set_str(&lc->tls_ciphersuites, "TLS_AES_128_GCM_SHA256");
	lc->tls_min_version = TLS_V1_3;
	load_ok(lc);
	/* Again: the old context goes, a new one comes. */
	load_ok(lc);
	lconf_unref(lc);
}
END_TEST

START_TEST(test_load_missing)
{
	static const char *const keys[] = { "tls_certificate", "tls_key",
		"tls_ca", "tls_crl" };
	char	*path;
	size_t	 i;

	xasprintf(&path, "%s/nope.pem", pki.dir);
	for (i = 0; i < nitems(keys); i++)
		file_fails(keys[i], path, "cannot read",
		    "No such file or directory");
	free(path);
}
END_TEST

START_TEST(test_load_mismatch)
{
	struct lconf	*lc = lconf_tls();
	char		*want;

	set_str(&lc->tls_key, pki.client.key_path);
	xasprintf(&want, "'%s' does not match the certificate in '%s': key "
	    "values mismatch", pki.client.key_path, pki.server.cert_path);
	load_fails(lc, "tls_key", want);
	free(want);
}
END_TEST

START_TEST(test_load_bad_pem)
{
	char	*bad, *empty;

	bad = file_write("bad.pem", "-----BEGIN CERTIFICATE-----\nnot "
	    "base64\n-----END CERTIFICATE-----\n");
	empty = file_write("empty.pem", "just text\n");
	file_fails("tls_certificate", empty, "cannot load a certificate "
	    "chain from", "no start line");
	file_fails("tls_certificate", bad, "cannot load a certificate "
	    "chain from", "bad base64 decode");
	file_fails("tls_key", empty, "cannot load a private key from",
	    "no PEM private key found");
	file_fails("tls_ca", empty, "cannot load CA certificates from",
	    "no certificate or crl found");
	file_fails("tls_crl", pki.ca.cert_path, "cannot load a CRL from",
	    "no start line");
	unlink(bad);
	unlink(empty);
	free(bad);
	free(empty);
}
END_TEST

START_TEST(test_load_ca_dir)
{
	struct lconf	*lc;
	char		*dir, *file, *want;

	xasprintf(&dir, "%s/cas", pki.dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	lc = lconf_tls();
	set_str(&lc->tls_ca, dir);
	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	xasprintf(&want, "no CA certificate file in '%s'", dir);
	load_fails(lc, "tls_ca", want);
	free(want);

	xasprintf(&file, "%s/ca.pem", dir);
	ck_assert_int_eq(symlink(pki.ca.cert_path, file), 0);
	lc = lconf_tls();
	set_str(&lc->tls_ca, dir);
	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	load_ok(lc);
	lconf_unref(lc);
	unlink(file);
	free(file);
	rmdir(dir);
	free(dir);
}
END_TEST

START_TEST(test_load_ciphers)
{
	struct lconf	*lc;

	lc = lconf_tls();
	set_str(&lc->tls_ciphers, "NO-SUCH-CIPHER");
	load_fails(lc, "tls_ciphers", "OpenSSL refuses 'NO-SUCH-CIPHER': "
	    "no cipher match");
	lc = lconf_tls();
	set_str(&lc->tls_ciphersuites, "TLS_NO_SUCH");
	load_fails(lc, "tls_ciphersuites", "OpenSSL refuses 'TLS_NO_SUCH': "
	    "no cipher match");
}
END_TEST

START_TEST(test_load_credentials)
{
	struct lconf	*lc;

	lc = lconf_tls();
	set_str(&lc->tls_certificate, "${CREDENTIALS_DIRECTORY}/server.pem");
	set_str(&lc->tls_key, "${CREDENTIALS_DIRECTORY}/server.key");
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", pki.dir, 1), 0);
	load_ok(lc);
	ck_assert_int_eq(unsetenv("CREDENTIALS_DIRECTORY"), 0);
	tls_conf_free(lc->tls_conf);
	lc->tls_conf = NULL;
	load_fails(lc, "tls_certificate", "CREDENTIALS_DIRECTORY is not set: "
	    "cannot expand '${CREDENTIALS_DIRECTORY}/server.pem'");
}
END_TEST

START_TEST(test_names)
{
	static const struct {
		const char	*list;
		const char	*name;
		int		 ok;
	} t[] = {
		{ "app1.example.com", "app1.example.com", 1 },
		{ "app1.example.com", "APP1.Example.COM", 1 },
		{ "app1.example.com", "app1.example.co", 0 },
		{ "app1.example.com", "xapp1.example.com", 0 },
		{ "a, b ,app1.example.com", "app1.example.com", 1 },
		{ "a, b ,app1.example.com", "b", 1 },
		{ "a, b ,app1.example.com", "c", 0 },
		{ "*.example.com", "app1.example.com", 1 },
		{ "*.example.com", "X.EXAMPLE.com", 1 },
		{ "*.example.com", "a.b.example.com", 0 },
		{ "*.example.com", "example.com", 0 },
		{ "*.example.com", ".example.com", 0 },
		{ "*.example.com", "appexample.com", 0 },
		{ "*.example.com", "app1.example.com.evil", 0 },
		{ "*.example.com", "*.example.com", 1 },
		{ "x.org,*.example.com", "y.example.com", 1 },
		{ "CN Name", "cn name", 1 },
		{ "app1.example.com", "", 0 },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++) {
		ck_assert_msg(tls_name_allowed(t[i].list, t[i].name,
		    strlen(t[i].name)) == t[i].ok, "'%s' in '%s'", t[i].name,
		    t[i].list);
	}
	/* A NUL in a certificate's name never matches. */
	ck_assert_int_eq(tls_name_allowed("a.example.com",
	    "a.example.com\0.evil", 19), 0);
	ck_assert_int_eq(tls_name_allowed("*.example.com",
	    "a\0b.example.com", 15), 0);
}
END_TEST

/* Milliseconds since t0. */
static long
since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * A connection from 192.0.2.7:5555 to a listener with lc (loaded), with
 * these stages, and a client SSL with id's certificate (NULL: none) at
 * most at max_version (0: any).
 */
static struct tfix *
tfix_new(struct lconf *lc, const struct stage_ops *const *stages,
    const struct ident *id, int max_version)
{
	struct tfix		*f;
	struct sockaddr_in	 sin;
	int			 sv[2];

	load_ok(lc);
	f = xcalloc(1, sizeof *f);
	f->env.base = event_base_new();
	ck_assert_ptr_nonnull(f->env.base);
	f->env.cb = &test_cb;
	f->env.arg = f;
	f->lc = lc;
	listener_init(&f->l, &f->env, lc);
	if (stages != NULL)
		f->l.stages = stages;
	f->sink = memsink_new();
	f->l.sinks[0] = f->sink;
	f->l.nsinks = 1;

	f->cctx = SSL_CTX_new(TLS_client_method());
	ck_assert_ptr_nonnull(f->cctx);
	SSL_CTX_set_verify(f->cctx, SSL_VERIFY_NONE, NULL);
	if (max_version != 0)
		SSL_CTX_set_max_proto_version(f->cctx, max_version);
	SSL_CTX_set_min_proto_version(f->cctx, TLS1_VERSION);
	SSL_CTX_set_security_level(f->cctx, 0);
	if (id != NULL) {
		ck_assert_int_eq(SSL_CTX_use_certificate(f->cctx, id->cert), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey(f->cctx, id->key), 1);
	}

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->far = sv[1];
	ck_assert_int_ne(fcntl(f->far, F_SETFL, O_NONBLOCK), -1);
	f->cssl = SSL_new(f->cctx);
	SSL_set_fd(f->cssl, f->far);
	SSL_set_connect_state(f->cssl);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5555);
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	f->c = conn_new(&f->l, sv[0], (struct sockaddr *)&sin, sizeof sin);
	ck_assert_ptr_nonnull(f->c);
	return (f);
}

static void
tfix_free(struct tfix *f)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&f->l.conns)) != NULL)
		conn_close(c, CONN_SHUTDOWN);
	SSL_free(f->cssl);
	SSL_CTX_free(f->cctx);
	if (f->far != -1)
		close(f->far);
	event_free(f->l.ev_note);
	lconf_unref(f->l.conf);
	lconf_unref(f->lc);
	memsink_free(f->sink);
	event_base_free(f->env.base);
	free(f->out);
	free(f);
	ERR_clear_error();
}

/* All the sink got, so far. */
static const char *
tfix_out(struct tfix *f)
{
	char	*more, *all;

	more = memsink_take(f->sink);
	xasprintf(&all, "%s%s", f->out != NULL ? f->out : "", more);
	free(more);
	free(f->out);
	f->out = all;
	return (f->out);
}

/* One round of the daemon's loop. */
static void
tfix_step(struct tfix *f, const struct timespec *t0, const char *what)
{
	ck_assert_msg(since(t0) < WAIT_MSEC, "waited for %s", what);
	event_base_loop(f->env.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	usleep(500);
}

/*
 * The client's handshake against the daemon's loop: 1 done (for TLS
 * 1.3 the server may still refuse the certificate), -1 failed.
 */
static int
client_handshake(struct tfix *f)
{
	struct timespec	t0;
	int		rc, e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ERR_clear_error();
		if ((rc = SSL_connect(f->cssl)) == 1)
			return (1);
		e = SSL_get_error(f->cssl, rc);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return (-1);
		if (f->idle) {
			/* Gone: what the server said last, if anything. */
			if (SSL_connect(f->cssl) == 1)
				return (1);
			return (-1);
		}
		tfix_step(f, &t0, "the handshake");
	}
}

/* The client sends s (over TLS), running the loop while it blocks. */
static void
client_send(struct tfix *f, const void *buf, size_t len)
{
	struct timespec	 t0;
	const u_char	*p = buf;
	size_t		 n;
	int		 e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len > 0) {
		ERR_clear_error();
		if (SSL_write_ex(f->cssl, p, len, &n)) {
			p += n;
			len -= n;
			continue;
		}
		e = SSL_get_error(f->cssl, 0);
		ck_assert_msg(e == SSL_ERROR_WANT_WRITE ||
		    e == SSL_ERROR_WANT_READ, "SSL_write: %d", e);
		tfix_step(f, &t0, "the write");
	}
}

static void
client_str(struct tfix *f, const char *s)
{
	client_send(f, s, strlen(s));
}

/* The client says close_notify. */
static void
client_close_notify(struct tfix *f)
{
	ck_assert_int_ge(SSL_shutdown(f->cssl), 0);
}

/* Run the loop until the sink got want, or the connection is gone. */
static void
run_until(struct tfix *f, const char *want)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (strcmp(tfix_out(f), want) != 0 && f->idle == 0)
		tfix_step(f, &t0, want);
	ck_assert_str_eq(f->out, want);
}

/* Run the loop until the connection is gone. */
static void
run_until_idle(struct tfix *f)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (f->idle == 0)
		tfix_step(f, &t0, "the connection to close");
	tfix_out(f);
}

/* A failed handshake: no record at all, counted once, noted so. */
static void
assert_refused(struct tfix *f, enum lnote kind, const char *note)
{
	run_until_idle(f);
	ck_assert_str_eq(f->out, "");
	ck_assert_int_eq(f->l.stats.tls_failures, 1);
	ck_assert_int_eq(f->l.stats.records, 0);
	ck_assert_int_eq(f->l.stats.active, 0);
	ck_assert_str_eq(f->l.notes[kind].text, note);
}

START_TEST(test_plain_tls13)
{
	struct tfix	*f;

	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "hello\nwor");
	client_str(f, "ld\n");
	run_until(f, PEER " connected (TLSv1.3 TLS_AES_256_GCM_SHA384)\n"
	    PEER ": hello\n" PEER ": world\n");
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_str_eq(f->out, PEER " connected (TLSv1.3 "
	    "TLS_AES_256_GCM_SHA384)\n" PEER ": hello\n" PEER ": world\n"
	    PEER " disconnected (closed by peer) 2 records 12 bytes\n");
	ck_assert_int_eq(f->l.stats.tls_failures, 0);
	tfix_free(f);
}
END_TEST

START_TEST(test_tls12)
{
	struct tfix	*f;

	f = tfix_new(lconf_tls(), NULL, NULL, TLS1_2_VERSION);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "x\n");
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_str_eq(f->out, PEER " connected (TLSv1.2 "
	    "ECDHE-ECDSA-AES256-GCM-SHA384)\n" PEER ": x\n"
	    PEER " disconnected (closed by peer) 1 records 2 bytes\n");
	tfix_free(f);
}
END_TEST

/* TLS 1.1 always, 1.2 under tls_min_version = 1.3: refused. */
START_TEST(test_old_versions)
{
	struct lconf	*lc;
	struct tfix	*f;

	f = tfix_new(lconf_tls(), NULL, NULL, TLS1_1_VERSION);
	ck_assert_int_eq(client_handshake(f), -1);
	assert_refused(f, NOTE_TLS_HANDSHAKE, "TLS handshake failed: "
	    "unsupported protocol");
	tfix_free(f);

	lc = lconf_tls();
	lc->tls_min_version = TLS_V1_3;
	f = tfix_new(lc, NULL, NULL, TLS1_2_VERSION);
	ck_assert_int_eq(client_handshake(f), -1);
	assert_refused(f, NOTE_TLS_HANDSHAKE, "TLS handshake failed: "
	    "unsupported protocol");
	tfix_free(f);
}
END_TEST

/* The end without close_notify: the partial record, and the reason. */
START_TEST(test_no_close_notify)
{
	struct tfix	*f;

	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "whole\nhalf");
	run_until(f, PEER " connected (TLSv1.3 TLS_AES_256_GCM_SHA384)\n"
	    PEER ": whole\n");
	close(f->far);
	f->far = -1;
	run_until_idle(f);
	ck_assert_str_eq(f->out, PEER " connected (TLSv1.3 "
	    "TLS_AES_256_GCM_SHA384)\n" PEER ": whole\n" PEER " [partial]: "
	    "half\n" PEER " disconnected (closed without TLS close_notify) 2 "
	    "records 10 bytes\n");
	tfix_free(f);
}
END_TEST

/*
 * More than the shared buffer in one go, in lines that straddle TLS
 * records: every byte comes through, in order.
 */
START_TEST(test_bulk)
{
	struct tfix	*f;
	char		*buf, *p, *last, want[128];
	size_t		 i, n = 6000, len = 100;

	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	buf = xmalloc(n * len);
	for (i = 0, p = buf; i < n; i++, p += len) {
		memset(p, 'a' + i % 26, len - 1);
		p[len - 1] = '\n';
	}
	client_send(f, buf, n * len);
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_int_eq(f->l.stats.records, n);
	ck_assert_int_eq(f->l.stats.bytes, n * len);
	for (i = 0, p = f->out; i < n; i++) {
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
		ck_assert_int_eq(strncmp(p, PEER ": ", strlen(PEER) + 2), 0);
		ck_assert_int_eq(p[strlen(PEER) + 2], 'a' + i % 26);
	}
	last = strrchr(f->out, '\n');
	*last = '\0';
	last = strrchr(f->out, '\n') + 1;
	snprintf(want, sizeof want, PEER " disconnected (closed by peer) "
	    "%zu records %zu bytes", n, n * len);
	ck_assert_str_eq(last, want);
	free(buf);
	tfix_free(f);
}
END_TEST

/* A verified client in text and JSON: every JSON record names it. */
START_TEST(test_client_verified)
{
	struct lconf	*lc;
	struct tfix	*f;

	lc = lconf_tls();
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	set_str(&lc->tls_allowed_names, "*.example.com");
	f = tfix_new(lc, NULL, &pki.client, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "hi\n");
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_str_eq(f->out, PEER " connected (TLSv1.3 "
	    "TLS_AES_256_GCM_SHA384, client CN=app1.example.com,O=Example "
	    "verified)\n" PEER ": hi\n"
	    PEER " disconnected (closed by peer) 1 records 3 bytes\n");
	tfix_free(f);

	lc = lconf_tls();
	lc->format = FORMAT_JSON;
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_OPTIONAL;
	f = tfix_new(lc, NULL, &pki.client, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "hi\n");
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_str_eq(f->out,
	    "{\"listener\":\"main\",\"peer\":\"192.0.2.7:5555\","
	    "\"peer_ip\":\"192.0.2.7\",\"peer_port\":5555,"
	    "\"event\":\"connected\","
	    "\"tls_client\":\"CN=app1.example.com,O=Example\","
	    "\"tls\":{\"version\":\"TLSv1.3\","
	    "\"cipher\":\"TLS_AES_256_GCM_SHA384\","
	    "\"client_subject\":\"CN=app1.example.com,O=Example\","
	    "\"client_san\":[\"app1.example.com\"],"
	    "\"client_verified\":true}}\n"
	    "{\"listener\":\"main\",\"peer\":\"192.0.2.7:5555\","
	    "\"peer_ip\":\"192.0.2.7\",\"peer_port\":5555,"
	    "\"event\":\"data\","
	    "\"tls_client\":\"CN=app1.example.com,O=Example\","
	    "\"data\":\"hi\"}\n"
	    "{\"listener\":\"main\",\"peer\":\"192.0.2.7:5555\","
	    "\"peer_ip\":\"192.0.2.7\",\"peer_port\":5555,"
	    "\"event\":\"disconnected\","
	    "\"tls_client\":\"CN=app1.example.com,O=Example\","
	    "\"reason\":\"closed by peer\",\"records\":1,\"bytes\":3}\n");
	tfix_free(f);
}
END_TEST

/* optional: no certificate, or an untrusted one, is let in unverified. */
START_TEST(test_client_optional)
{
	struct lconf	*lc;
	struct tfix	*f;

	lc = lconf_tls();
	lc->format = FORMAT_JSON;
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_OPTIONAL;
	f = tfix_new(lc, NULL, NULL, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	run_until(f, "{\"listener\":\"main\",\"peer\":\"192.0.2.7:5555\","
	    "\"peer_ip\":\"192.0.2.7\",\"peer_port\":5555,"
	    "\"event\":\"connected\",\"tls\":{\"version\":\"TLSv1.3\","
	    "\"cipher\":\"TLS_AES_256_GCM_SHA384\","
	    "\"client_verified\":false}}\n");
	tfix_free(f);

	lc = lconf_tls();
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_OPTIONAL;
	f = tfix_new(lc, NULL, &pki.stranger, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	run_until(f, PEER " connected (TLSv1.3 TLS_AES_256_GCM_SHA384, client "
	    "CN=app2.example.com not verified)\n");
	tfix_free(f);
}
END_TEST

/* require: no, untrusted, expired certificates are refused. */
START_TEST(test_client_refused)
{
	static const struct {
		const struct ident	*id;
		const char		*note;
	} t[] = {
		{ NULL, "TLS client certificate refused: peer did not return "
		  "a certificate" },
		{ &pki.stranger, "TLS client certificate refused: unable to "
		  "get local issuer certificate" },
		{ &pki.expired, "TLS client certificate refused: certificate "
		  "has expired" },
	};
	struct lconf	*lc;
	struct tfix	*f;
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		lc = lconf_tls();
		set_str(&lc->tls_ca, pki.ca.cert_path);
		lc->tls_verify_client = TLS_VERIFY_REQUIRE;
		f = tfix_new(lc, NULL, t[i].id, 0);
		(void)client_handshake(f);
		assert_refused(f, NOTE_TLS_CERT, t[i].note);
		tfix_free(f);
	}
}
END_TEST

/* tls_crl: a revoked certificate is refused, even under optional. */
START_TEST(test_client_revoked)
{
	static const struct ident *const ids[] = { &pki.revoked,
		&pki.client };
	struct lconf	*lc;
	struct tfix	*f;
	size_t		 i, mode;

	for (mode = 0; mode < 2; mode++) {
		for (i = 0; i < nitems(ids); i++) {
			lc = lconf_tls();
			set_str(&lc->tls_ca, pki.ca.cert_path);
			set_str(&lc->tls_crl, pki.crl_path);
			lc->tls_verify_client = mode == 0 ?
			    TLS_VERIFY_REQUIRE : TLS_VERIFY_OPTIONAL;
			f = tfix_new(lc, NULL, ids[i], 0);
			(void)client_handshake(f);
			if (ids[i] == &pki.revoked) {
				assert_refused(f, NOTE_TLS_CERT, "TLS client "
				    "certificate refused: certificate "
				    "revoked");
			} else {
				client_close_notify(f);
				run_until_idle(f);
				ck_assert_ptr_nonnull(strstr(f->out,
				    "app1.example.com,O=Example verified)"));
			}
			tfix_free(f);
		}
	}
}
END_TEST

/*
 * tls_allowed_names: SAN DNS names, or the CN when there is no DNS
 * name; *. is one label; a name not allowed fails the handshake even
 * under optional.
 */
START_TEST(test_client_names)
{
	static const struct {
		const struct ident	*id;
		const char		*names;
		int			 ok;
	} t[] = {
		{ &pki.client, "app1.example.com", 1 },
		{ &pki.client, "*.example.com", 1 },
		{ &pki.client, "other.example.com", 0 },
		{ &pki.deep, "*.example.com", 0 },
		{ &pki.deep, "*.b.example.com", 1 },
		{ &pki.cnonly, "cn.example.com", 1 },
		{ &pki.cnonly, "*.example.com", 1 },
		{ &pki.sancn, "cn.example.com", 0 },
		{ &pki.sancn, "other.test", 1 },
	};
	struct lconf	*lc;
	struct tfix	*f;
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		lc = lconf_tls();
		set_str(&lc->tls_ca, pki.ca.cert_path);
		lc->tls_verify_client = i % 2 ? TLS_VERIFY_OPTIONAL :
		    TLS_VERIFY_REQUIRE;
		set_str(&lc->tls_allowed_names, t[i].names);
		f = tfix_new(lc, NULL, t[i].id, 0);
		(void)client_handshake(f);
		if (t[i].ok) {
			client_str(f, "in\n");
			client_close_notify(f);
			run_until_idle(f);
			ck_assert_msg(strstr(f->out, " verified)\n") != NULL &&
			    f->l.stats.records == 1, "%zu: %s", i, f->out);
		} else
			assert_refused(f, NOTE_TLS_CERT, "TLS client "
			    "certificate refused: name not allowed");
		tfix_free(f);
	}
}
END_TEST

/*
 * Certificate names made to break the output: text escapes them as
 * data, JSON stays valid and gives back the subject as OpenSSL says it.
 */
START_TEST(test_client_hostile)
{
	static const char *const subject_path[] = { "tls", "client_subject",
						    NULL };
	static const char *const client_path[] = { "tls_client", NULL };
	struct lconf	*lc;
	struct tfix	*f;
	char		*line, *end, *err;
	u_char		 back[256];
	size_t		 blen;
	const char	*subject = "CN=ev\\\"il\\\\\\,\\01x\\0A"
			    "\xe2\x80\xa8\xc3\xbc,O=O\\\"=\\\\";

	lc = lconf_tls();
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	f = tfix_new(lc, NULL, &pki.hostile, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	run_until(f, PEER " connected (TLSv1.3 TLS_AES_256_GCM_SHA384, client "
	    "CN=ev\\\\\"il\\\\\\\\\\\\,\\\\01x\\\\0A\xe2\x80\xa8\xc3\xbc,"
	    "O=O\\\\\"=\\\\\\\\ verified)\n");
	tfix_free(f);

	lc = lconf_tls();
	lc->format = FORMAT_JSON;
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_REQUIRE;
	f = tfix_new(lc, NULL, &pki.hostile, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "x\n");
	client_close_notify(f);
	run_until_idle(f);
	for (line = f->out; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		if ((err = (char *)jsoncheck(line, end - line)) != NULL)
			ck_abort_msg("%s: %.*s", err, (int)(end - line), line);
		blen = sizeof back;
		ck_assert_int_eq(jsoncheck_get(line, end - line, client_path,
		    back, &blen), 1);
		ck_assert_int_eq(blen, strlen(subject));
		ck_assert_int_eq(memcmp(back, subject, blen), 0);
	}
	line = f->out;
	blen = sizeof back;
	ck_assert_int_eq(jsoncheck_get(line, strchr(line, '\n') - line,
	    subject_path, back, &blen), 1);
	ck_assert_int_eq(memcmp(back, subject, blen), 0);
	ck_assert_ptr_nonnull(strstr(line, "\"client_san\":[\"h\\\"\\\\"
	    "\\u007f.example.com\",\"x.example.com\"]"));
	ck_assert_ptr_nonnull(strstr(line, "\\u2028"));
	tfix_free(f);
}
END_TEST

/* Plain text on a TLS port: no record, counted, noted. */
START_TEST(test_not_tls)
{
	struct tfix	*f;

	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	ck_assert_int_eq(write(f->far, "hello plain\n", 12), 12);
	assert_refused(f, NOTE_TLS_HANDSHAKE, "TLS handshake failed: wrong "
	    "version number");
	tfix_free(f);

	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	ck_assert_int_eq(write(f->far, "GET / HTTP/1.1\r\n", 16), 16);
	assert_refused(f, NOTE_TLS_HANDSHAKE, "TLS handshake failed: http "
	    "request");
	tfix_free(f);

	/* Gone before a word. */
	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	close(f->far);
	f->far = -1;
	assert_refused(f, NOTE_TLS_HANDSHAKE, "TLS handshake failed: "
	    "connection closed");
	tfix_free(f);
}
END_TEST

/* A handshake that never ends: timed out, counted, noted, no record. */
START_TEST(test_timeout)
{
	struct lconf	*lc;
	struct tfix	*f;

	lc = lconf_tls();
	lc->tls_handshake_timeout = 1;
	f = tfix_new(lc, NULL, NULL, 0);
	ck_assert_int_eq(write(f->far, "\x16\x03\x01\x02\x00", 5), 5);
	assert_refused(f, NOTE_TLS_TIMEOUT, "TLS handshake timed out after "
	    "1 s");
	tfix_free(f);
}
END_TEST

/* TLS 1.3 KeyUpdate goes on; TLS 1.2 renegotiation is refused, safely. */
START_TEST(test_key_update)
{
	struct tfix	*f;

	f = tfix_new(lconf_tls(), NULL, NULL, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "one\n");
	ck_assert_int_eq(SSL_key_update(f->cssl, SSL_KEY_UPDATE_REQUESTED), 1);
	client_str(f, "two\n");
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_str_eq(f->out, PEER " connected (TLSv1.3 "
	    "TLS_AES_256_GCM_SHA384)\n" PEER ": one\n" PEER ": two\n"
	    PEER " disconnected (closed by peer) 2 records 8 bytes\n");
	tfix_free(f);
}
END_TEST

START_TEST(test_renegotiation)
{
	struct timespec	 t0;
	struct tfix	*f;
	u_char		 buf[64];
	size_t		 n;
	int		 i;

	f = tfix_new(lconf_tls(), NULL, NULL, TLS1_2_VERSION);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "one\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 3 && !f->idle; i++) {
		ck_assert_int_eq(SSL_renegotiate(f->cssl), 1);
		(void)SSL_do_handshake(f->cssl);
		tfix_step(f, &t0, "renegotiation");
		tfix_step(f, &t0, "renegotiation");
		(void)SSL_read_ex(f->cssl, buf, sizeof buf, &n);
		ERR_clear_error();
	}
	close(f->far);
	f->far = -1;
	run_until_idle(f);
	ck_assert_msg(strncmp(f->out, PEER " connected (TLSv1.2 "
	    "ECDHE-ECDSA-AES256-GCM-SHA384)\n" PEER ": one\n" PEER
	    " disconnected (", strlen(PEER) * 3 + 64) == 0, "%s", f->out);
	tfix_free(f);
}
END_TEST

/*
 * A stage before TLS read past its end: the handshake reads those bytes
 * first (the state takes them, so the data never sees them).
 */
static int
pre_enabled(const struct lconf *lc __unused)
{
	return (1);
}

/*
 * It reads at most pre_len bytes at once: little (the ClientHello's
 * start carried), or all the socket has (the whole ClientHello).
 */
static size_t	pre_len = 64;

static int
pre_run(struct conn *c, void *arg __unused, enum conn_reason *reason)
{
	u_char	buf[8192];
	ssize_t	n;

	if ((n = conn_stage_read(c, buf, pre_len, reason)) == -1)
		return (-1);
	if (n < 4)
		return (n == 0 ? EV_READ : -1);
	ck_assert_int_eq(memcmp(buf, "PRE\n", 4), 0);
	conn_stage_unread(c, buf + 4, n - 4);
	return (0);
}

static const struct stage_ops pre_stage = {
	.name = "pre",
	.enabled = pre_enabled,
	.run = pre_run,
};

START_TEST(test_carry)
{
	static const struct stage_ops *const stages[] = { &pre_stage,
		&stage_tls_ops, NULL };
	struct tfix	*f;

	f = tfix_new(lconf_tls(), stages, NULL, 0);
	ck_assert_int_eq(write(f->far, "PRE\n", 4), 4);
	/* The ClientHello follows at once: the stage reads into it. */
	ck_assert_int_eq(SSL_connect(f->cssl), -1);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "after\n");
	client_close_notify(f);
	run_until_idle(f);
	ck_assert_str_eq(f->out, PEER " connected (TLSv1.3 "
	    "TLS_AES_256_GCM_SHA384)\n" PEER ": after\n"
	    PEER " disconnected (closed by peer) 1 records 6 bytes\n");
	tfix_free(f);
}
END_TEST

/*
 * A stage before TLS that read the whole ClientHello: the handshake
 * must go on with the carried bytes alone, the socket has nothing more
 * to say until the server answers.
 */
START_TEST(test_carry_whole_hello)
{
	static const struct stage_ops *const stages[] = { &pre_stage,
		&stage_tls_ops, NULL };
	struct tfix	*f;
	struct lconf	*lc = lconf_tls();

	lc->tls_handshake_timeout = 5;
	pre_len = 8192;
	f = tfix_new(lc, stages, NULL, 0);
	ck_assert_int_eq(write(f->far, "PRE\n", 4), 4);
	ck_assert_int_eq(SSL_connect(f->cssl), -1);
	ck_assert_int_eq(client_handshake(f), 1);
	ck_assert_uint_eq(f->l.stats.tls_failures, 0);
	tfix_free(f);
	pre_len = 64;
}
END_TEST

/*
 * Anyone may present a certificate under optional: one with a subject
 * of 1200 bytes and 1500 DNS names costs a connection a bounded record
 * (the subject cut with "...", the first 16 names), and its data lines
 * are written like any other.
 */
static void
big_ident(struct ident *id)
{
	static char		 names[1500][61];
	static const char	*dns[1501];
	X509_NAME		*subject;
	char			 ou[61];
	size_t			 i;

	for (i = 0; i < 1500; i++) {
		memset(names[i], 'n', 60);
		names[i][0] = 'a' + i % 26;
		dns[i] = names[i];
	}
	dns[1500] = NULL;
	memset(id, 0, sizeof *id);
	ident_make(id, "big", NULL, "big.example.com", dns, 0, DAY, &pki.ca2);
	subject = X509_get_subject_name(id->cert);
	memset(ou, 'u', 60);
	ou[60] = '\0';
	for (i = 0; i < 20; i++)
		X509_NAME_add_entry_by_txt(subject, "OU", MBSTRING_UTF8,
		    (const u_char *)ou, -1, -1, 0);
	ck_assert_int_gt(X509_sign(id->cert, pki.ca2.key, EVP_sha256()), 0);
}

START_TEST(test_client_huge)
{
	struct lconf	*lc;
	struct tfix	*f;
	struct ident	 big;
	const char	*conn_line, *san;
	char		*end;
	int		 commas;

	big_ident(&big);
	lc = lconf_tls();
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_OPTIONAL;
	f = tfix_new(lc, NULL, &big, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_str(f, "x\n");
	client_close_notify(f);
	run_until_idle(f);
	end = strstr(f->out, "... not verified)\n" PEER ": x\n");
	ck_assert_msg(end != NULL, "%s", f->out);
	ck_assert_int_lt(end - f->out, 1024);
	tfix_free(f);

	lc = lconf_tls();
	lc->format = FORMAT_JSON;
	set_str(&lc->tls_ca, pki.ca.cert_path);
	lc->tls_verify_client = TLS_VERIFY_OPTIONAL;
	f = tfix_new(lc, NULL, &big, 0);
	ck_assert_int_eq(client_handshake(f), 1);
	client_close_notify(f);
	run_until_idle(f);
	conn_line = f->out;
	end = strchr(conn_line, '\n');
	ck_assert_ptr_nonnull(end);
	ck_assert_ptr_null(jsoncheck(conn_line, end - conn_line));
	ck_assert_int_lt(end - conn_line, 16384);
	/* 16 names: 15 commas between ']' and the array's start. */
	san = strstr(conn_line, "...\",\"client_san\":[");
	ck_assert_msg(san != NULL && san < end, "%.*s",
	    (int)(end - conn_line), conn_line);
	for (commas = 0; *san != ']'; san++)
		commas += *san == ',';
	ck_assert_int_eq(commas, 1 + 15);
	tfix_free(f);
	ident_free(&big);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*tc;

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
	tcase_add_test(tc, test_load_ok);
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_mismatch);
	tcase_add_test(tc, test_load_bad_pem);
	tcase_add_test(tc, test_load_ca_dir);
	tcase_add_test(tc, test_load_ciphers);
	tcase_add_test(tc, test_load_credentials);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
	tcase_add_test(tc, test_plain_tls13);
	tcase_add_test(tc, test_tls12);
	tcase_add_test(tc, test_old_versions);
	tcase_add_test(tc, test_no_close_notify);
	tcase_add_test(tc, test_bulk);
	tcase_add_test(tc, test_client_verified);
	tcase_add_test(tc, test_client_optional);
	tcase_add_test(tc, test_client_refused);
	tcase_add_test(tc, test_client_revoked);
	tcase_add_test(tc, test_client_names);
	tcase_add_test(tc, test_client_hostile);
	tcase_add_test(tc, test_not_tls);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_key_update);
	tcase_add_test(tc, test_renegotiation);
	tcase_add_test(tc, test_carry);
	tcase_add_test(tc, test_carry_whole_hello);
	tcase_add_test(tc, test_client_huge);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(tls_suite) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
