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
 * TLS listeners with OpenSSL 3.  A listener's settings become one SSL_CTX
 * (tls_conf_load(), at start, -t and reload: every file is read now, so
 * a missing or bad one fails there and a reload keeps the old config).
 * A connection then runs the handshake stage (stage_tls_ops), which puts
 * the TLS transport (transport_tls_ops) on it once the handshake is done
 * and says what was agreed in a struct tls_info the records copy.
 *
 * The SSL reads and writes the socket through a small BIO of ours that
 * first hands out the bytes an earlier stage read past its end, then
 * reads the fd directly: no memory BIO pair, no copy.  SSL_read decrypts
 * straight into conn.c's shared buffer.  With SSL_MODE_RELEASE_BUFFERS an
 * idle connection holds no record buffer.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tcplogd.h"
#include "log.h"

#define TLS_CREDENTIALS	"${CREDENTIALS_DIRECTORY}/"
#define TLS_SID_CONTEXT	"tcplogd"

/*
 * What a record keeps of a client certificate, which anyone may make
 * (optional lets an unverified one in): a subject cut at 512 bytes with
 * "..." after it, the first 16 DNS names of at most 253 bytes each (the
 * longest a DNS name can be).  A real certificate fits; a hostile one
 * costs a connection no more than about 10 KiB of JSON.
 */
#define TLS_INFO_SUBJECT_MAX	512
#define TLS_INFO_SANS		16
#define TLS_INFO_SAN_MAX	253
#define TLS_INFO_CUT		"..."

/* A listener's TLS settings, loaded. */
struct tls_conf {
	SSL_CTX			*ctx;		/* owned */
	enum lconf_tls_verify	 verify;
	char			*names;		/* owned, allowed names or
						   NULL: any */
	int			 asked;		/* for a passphrase */
};

/*
 * One connection's TLS: the handshake stage's state, then the
 * transport's (the same object, handed over when the handshake is done).
 */
struct tls_conn {
	struct conn		*c;		/* borrowed */
	SSL			*ssl;		/* owned */
	u_char			*carry;		/* owned, read before us */
	size_t			 carry_off;
	size_t			 carry_len;
	int			 error;		/* errno of the last socket
						   error, 0: EOF */
	int			 transport;	/* the transport owns us */
	int			 fatal;		/* no close_notify to send */
	int			 refused;	/* allowed names said no */
	int			 more;		/* read again without waiting
						   for the socket */
	enum conn_reason	 end;		/* met after data, said next */
	struct tls_info		 info;
};

static int	 tls_path(const char *, char **, char **);
static const char *tls_reason(void);
static int	 tls_password_cb(char *, int, int, void *);
static void	 tls_key_error(struct tls_conf *, const char *, const char *,
		    char **);
static int	 tls_load_ca(SSL_CTX *, const char *, char **);
static int	 tls_load_ca_file(X509_STORE *, const char *, char **);
static int	 tls_load_crl(SSL_CTX *, const char *, char **);
static int	 tls_set_client_cas(SSL_CTX *, const char *, char **);
static int	 tls_load_optional(SSL_CTX *, const char *, const char *,
		    int (*)(SSL_CTX *, const char *, char **), const char **,
		    char **);
static int	 tls_verify_cb(int, X509_STORE_CTX *);
static int	 tls_cert_allowed(const char *, X509 *);
static int	 tls_bio_setup(void);
static int	 tls_bio_read(BIO *, char *, size_t, size_t *);
static int	 tls_bio_write(BIO *, const char *, size_t, size_t *);
static long	 tls_bio_ctrl(BIO *, int, long, void *);
static void	 tls_conn_free(struct tls_conn *);
static void	 tls_info_build(struct tls_conn *);
static char	*tls_subject(X509 *);
static size_t	 tls_utf8_cut(const u_char *, size_t, size_t);
static void	 tls_fail(struct conn *, struct tls_conn *, int);
static enum conn_reason tls_read_error(struct conn *, struct tls_conn *,
		    int);

static int	 stage_tls_enabled(const struct lconf *);
static u_int	 stage_tls_timeout(const struct lconf *);
static void	 stage_tls_expire(struct conn *, void *);
static void	*stage_tls_init(struct conn *);
static int	 stage_tls_run(struct conn *, void *, enum conn_reason *);
static void	 stage_tls_free(void *);

static ssize_t	 tls_read(struct conn *, void *, size_t, enum conn_reason *);
static size_t	 tls_pending(struct conn *);
static int	 tls_wait(struct conn *, int);
static int	 tls_unread(struct conn *);
static void	 tls_close(struct conn *);

const struct stage_ops stage_tls_ops = {
	.name = "tls",
	.enabled = stage_tls_enabled,
	.timeout = stage_tls_timeout,
	.expired = CONN_HANDSHAKE_TIMEOUT,
	.expire = stage_tls_expire,
	.init = stage_tls_init,
	.run = stage_tls_run,
	.free = stage_tls_free,
};

static const struct transport_ops transport_tls_ops = {
	.name = "tls",
	.read = tls_read,
	.pending = tls_pending,
	.wait = tls_wait,
	.unread = tls_unread,
	.close = tls_close,
};

static BIO_METHOD	*tls_bio_method;	/* made once, kept */

/*
 * A path of the config with ${CREDENTIALS_DIRECTORY}/ (systemd's
 * LoadCredential=) expanded from the environment, into *out (allocated).
 */
static int
tls_path(const char *s, char **out, char **cause)
{
	const char	*dir;

	if (strncmp(s, TLS_CREDENTIALS, strlen(TLS_CREDENTIALS)) != 0) {
		*out = xstrdup(s);
		return (0);
	}
	if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || *dir == '\0') {
		xasprintf(cause, "CREDENTIALS_DIRECTORY is not set: cannot "
		    "expand '%s'", s);
		return (-1);
	}
	xasprintf(out, "%s/%s", dir, s + strlen(TLS_CREDENTIALS));
	return (0);
}

/*
 * OpenSSL's reason for the first error on the queue (the cause; later
 * ones say where it surfaced), then the queue emptied.
 */
static const char *
tls_reason(void)
{
	const char	*r;
	unsigned long	 e;

	e = ERR_peek_error();
	ERR_clear_error();
	if (e == 0)
		return ("unknown error");
	if (ERR_SYSTEM_ERROR(e))
		return (strerror(ERR_GET_REASON(e)));
	if ((r = ERR_reason_error_string(e)) == NULL)
		return ("unknown error");
	return (r);
}

/* A key with a passphrase cannot be used: there is no one to ask. */
static int
tls_password_cb(char *buf __unused, int size __unused, int rw __unused,
    void *arg)
{
	struct tls_conf	*tc = arg;

	tc->asked = 1;
	return (-1);
}

/* Why the key in path cannot be used with the certificate in cert. */
static void
tls_key_error(struct tls_conf *tc, const char *path, const char *cert,
    char **cause)
{
	unsigned long	e = ERR_peek_error();

	if (tc->asked) {
		ERR_clear_error();
		xasprintf(cause, "'%s' is encrypted: tcplogd needs a key "
		    "without a passphrase", path);
	} else if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
	    (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
	    ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH)) {
		xasprintf(cause, "'%s' does not match the certificate in "
		    "'%s': %s", path, cert, tls_reason());
	} else if (ERR_GET_LIB(e) == ERR_LIB_OSSL_DECODER) {
		ERR_clear_error();
		xasprintf(cause, "cannot load a private key from '%s': no "
		    "PEM private key found", path);
	} else
		xasprintf(cause, "cannot load a private key from '%s': %s",
		    path, tls_reason());
}

/* Certificates (and CRLs) of one PEM file into the store. */
static int
tls_load_ca_file(X509_STORE *store, const char *path, char **cause)
{
	if (X509_STORE_load_file(store, path) == 1)
		return (0);
	xasprintf(cause, "cannot load CA certificates from '%s': %s", path,
	    tls_reason());
	return (-1);
}

/*
 * tls_ca: a PEM file, or a directory whose files are all read now (not
 * looked up by hash when a client comes, as OpenSSL's directory lookup
 * would do), so a reload finds a bad one and new ones take effect.
 */
static int
tls_load_ca(SSL_CTX *ctx, const char *path, char **cause)
{
	X509_STORE	*store = SSL_CTX_get_cert_store(ctx);
	struct stat	 sb;
	struct dirent	*de;
	DIR		*dir;
	char		*file;
	int		 rc = 0, n = 0;

	if (stat(path, &sb) == -1) {
		xasprintf(cause, "cannot read '%s': %s", path,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (tls_load_ca_file(store, path, cause) == -1)
			return (-1);
		return (tls_set_client_cas(ctx, path, cause));
	}
	if ((dir = opendir(path)) == NULL) {
		xasprintf(cause, "cannot read '%s': %s", path,
		    strerror(errno));
		return (-1);
	}
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&file, "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode)) {
			rc = tls_load_ca_file(store, file, cause);
			n++;
		}
		free(file);
	}
	closedir(dir);
	if (rc == 0 && n == 0) {
		xasprintf(cause, "no CA certificate file in '%s'", path);
		rc = -1;
	}
	if (rc == 0)
		rc = tls_set_client_cas(ctx, path, cause);
	return (rc);
}

/*
 * An optional file of the config (none if value is NULL): its path
 * expanded, then read by load; on error *key is the config key.
 */
static int
tls_load_optional(SSL_CTX *ctx, const char *name, const char *value,
    int (*load)(SSL_CTX *, const char *, char **), const char **key,
    char **cause)
{
	char	*path;
	int	 rc;

	if (value == NULL)
		return (0);
	*key = name;
	if (tls_path(value, &path, cause) == -1)
		return (-1);
	rc = load(ctx, path, cause);
	free(path);
	return (rc);
}

/* tls_crl: revoked client certificates are refused. */
static int
tls_load_crl(SSL_CTX *ctx, const char *path, char **cause)
{
	X509_STORE	*store = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP	*lookup;

	if (access(path, R_OK) == -1) {
		xasprintf(cause, "cannot read '%s': %s", path,
		    strerror(errno));
		return (-1);
	}
	if ((lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file())) ==
	    NULL || X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) <= 0) {
		xasprintf(cause, "cannot load a CRL from '%s': %s", path,
		    tls_reason());
		return (-1);
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return (0);
}

/*
 * The CAs the server names in its certificate request, so that a client
 * with several certificates picks one these issued.
 */
static int
tls_set_client_cas(SSL_CTX *ctx, const char *path, char **cause)
{
	STACK_OF(X509_OBJECT)	*objs;
	STACK_OF(X509_NAME)	*names;
	X509_NAME		*name;
	X509			*x;
	int			 i;

	if ((names = sk_X509_NAME_new_null()) == NULL)
		goto fail;
	objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx));
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (x == NULL)
			continue;
		if ((name = X509_NAME_dup(X509_get_subject_name(x))) == NULL ||
		    sk_X509_NAME_push(names, name) == 0) {
			X509_NAME_free(name);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			goto fail;
		}
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	return (0);

fail:
	xasprintf(cause, "cannot list the CAs of '%s': %s", path, tls_reason());
	return (-1);
}

/*
 * A listener's TLS settings into one SSL_CTX: TLS 1.2 or 1.3 only, no
 * renegotiation, no compression, no session resumption (no cache, no
 * tickets: every connection proves who it is, and holds no session
 * memory), buffers released when idle.
 */
int
tls_conf_load(struct lconf *lc, const char **key, char **cause)
{
	struct tls_conf	*tc;
	SSL_CTX		*ctx;
	char		*cert = NULL, *path = NULL;
	int		 mode;

	*cause = NULL;
	ERR_clear_error();
	tls_conf_free(lc->tls_conf);
	lc->tls_conf = NULL;
	tc = xcalloc(1, sizeof *tc);
	tc->verify = lc->tls_verify_client;
	if (lc->tls_allowed_names != NULL)
		tc->names = xstrdup(lc->tls_allowed_names);

	*key = "tls";
	if (tls_bio_setup() == -1 ||
	    (ctx = tc->ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		xasprintf(cause, "cannot set up TLS: %s", tls_reason());
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(ctx,
	    lc->tls_min_version == TLS_V1_3 ? TLS1_3_VERSION :
	    TLS1_2_VERSION)) {
		xasprintf(cause, "cannot set the minimum version: %s",
		    tls_reason());
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_session_id_context(ctx, (const u_char *)TLS_SID_CONTEXT,
	    strlen(TLS_SID_CONTEXT));
	SSL_CTX_set_default_passwd_cb(ctx, tls_password_cb);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, tc);
	SSL_CTX_set_app_data(ctx, tc);

	*key = "tls_certificate";
	if (tls_path(lc->tls_certificate, &cert, cause) == -1)
		goto fail;
	if (access(cert, R_OK) == -1) {
		xasprintf(cause, "cannot read '%s': %s", cert,
		    strerror(errno));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		xasprintf(cause, "cannot load a certificate chain from '%s': "
		    "%s", cert, tls_reason());
		goto fail;
	}

	*key = "tls_key";
	if (tls_path(lc->tls_key, &path, cause) == -1)
		goto fail;
	if (access(path, R_OK) == -1) {
		xasprintf(cause, "cannot read '%s': %s", path,
		    strerror(errno));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1) {
		tls_key_error(tc, path, cert, cause);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		/* A key of another type went to a slot of its own. */
		xasprintf(cause, "'%s' does not match the certificate in "
		    "'%s': %s", path, cert, ERR_GET_REASON(ERR_peek_error()) ==
		    SSL_R_NO_CERTIFICATE_ASSIGNED ? "not the same key type" :
		    tls_reason());
		goto fail;
	}

	if (tls_load_optional(ctx, "tls_ca", lc->tls_ca, tls_load_ca, key,
	    cause) == -1 || tls_load_optional(ctx, "tls_crl", lc->tls_crl,
	    tls_load_crl, key, cause) == -1)
		goto fail;

	switch (lc->tls_verify_client) {
	case TLS_VERIFY_NONE:
		mode = SSL_VERIFY_NONE;
		break;
	case TLS_VERIFY_OPTIONAL:
		mode = SSL_VERIFY_PEER;
		break;
	default:
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		break;
	}
	SSL_CTX_set_verify(ctx, mode, mode == SSL_VERIFY_NONE ? NULL :
	    tls_verify_cb);

	if (lc->tls_ciphers != NULL &&
	    SSL_CTX_set_cipher_list(ctx, lc->tls_ciphers) != 1) {
		*key = "tls_ciphers";
		xasprintf(cause, "OpenSSL refuses '%s': %s", lc->tls_ciphers,
		    tls_reason());
		goto fail;
	}
	if (lc->tls_ciphersuites != NULL &&
	    SSL_CTX_set_ciphersuites(ctx, lc->tls_ciphersuites) != 1) {
		*key = "tls_ciphersuites";
		xasprintf(cause, "OpenSSL refuses '%s': %s",
		    lc->tls_ciphersuites, tls_reason());
		goto fail;
	}

	free(cert);
	free(path);
	lc->tls_conf = tc;
	return (0);

fail:
	ERR_clear_error();
	free(cert);
	free(path);
	tls_conf_free(tc);
	return (-1);
}

void
tls_conf_free(struct tls_conf *tc)
{
	if (tc == NULL)
		return;
	SSL_CTX_free(tc->ctx);
	free(tc->names);
	free(tc);
}

/*
 * Client certificate verification.  Under optional, a chain that does
 * not verify is let through (the connection is then not "verified");
 * under require it fails the handshake.  Either way, a revoked
 * certificate fails it, and the leaf's names must match
 * tls_allowed_names if set.
 */
static int
tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL		*ssl;
	struct tls_conn	*t;
	struct tls_conf	*tc;
	X509		*x;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	t = SSL_get_app_data(ssl);
	tc = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (!ok)
		return (tc->verify == TLS_VERIFY_OPTIONAL &&
		    X509_STORE_CTX_get_error(xs) != X509_V_ERR_CERT_REVOKED);
	if (X509_STORE_CTX_get_error_depth(xs) != 0 || tc->names == NULL)
		return (1);
	x = X509_STORE_CTX_get_current_cert(xs);
	if (x != NULL && tls_cert_allowed(tc->names, x))
		return (1);
	t->refused = 1;
	X509_STORE_CTX_set_error(xs, X509_V_ERR_HOSTNAME_MISMATCH);
	return (0);
}

/*
 * Does name (len bytes, from a certificate) match one entry of list, a
 * comma-separated list of NAME or *.NAME?  Case does not matter; "*"
 * stands for exactly one label, never an empty one.
 */
int
tls_name_allowed(const char *list, const char *name, size_t len)
{
	const char	*p = list, *e, *dot;
	size_t		 n;

	if (len == 0 || memchr(name, '\0', len) != NULL)
		return (0);
	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		e = p + strcspn(p, ",");
		n = e - p;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 2 && p[0] == '*' && p[1] == '.') {
			/* One label, then ".NAME". */
			dot = memchr(name, '.', len);
			if (dot != NULL && dot != name &&
			    (size_t)(name + len - dot) == n - 1 &&
			    strncasecmp(dot, p + 1, n - 1) == 0)
				return (1);
		} else if (n == len && strncasecmp(name, p, n) == 0)
			return (1);
		p = e;
	}
	return (0);
}

/*
 * The names of a client certificate against the list: its DNS
 * subjectAltNames, or when it has none its CNs.
 */
static int
tls_cert_allowed(const char *list, X509 *x)
{
	GENERAL_NAMES		*sans;
	const GENERAL_NAME	*gn;
	X509_NAME		*subject;
	ASN1_STRING		*s;
	u_char			*utf8;
	int			 i, n, ndns = 0, ok = 0;

	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; !ok && i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type != GEN_DNS)
			continue;
		ndns++;
		s = gn->d.dNSName;
		ok = tls_name_allowed(list,
		    (const char *)ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s));
	}
	GENERAL_NAMES_free(sans);
	if (ok || ndns > 0)
		return (ok);
	subject = X509_get_subject_name(x);
	i = -1;
	while (!ok && (i = X509_NAME_get_index_by_NID(subject, NID_commonName,
	    i)) >= 0) {
		s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
		if ((n = ASN1_STRING_to_UTF8(&utf8, s)) < 0)
			continue;
		ok = tls_name_allowed(list, (const char *)utf8, n);
		OPENSSL_free(utf8);
	}
	return (ok);
}

/* Our BIO: the carried bytes, then the socket. */
static int
tls_bio_setup(void)
{
	BIO_METHOD	*m;

	if (tls_bio_method != NULL)
		return (0);
	if ((m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "tcplogd")) == NULL)
		return (-1);
	if (!BIO_meth_set_read_ex(m, tls_bio_read) ||
	    !BIO_meth_set_write_ex(m, tls_bio_write) ||
	    !BIO_meth_set_ctrl(m, tls_bio_ctrl)) {
		BIO_meth_free(m);
		return (-1);
	}
	tls_bio_method = m;
	return (0);
}

static int
tls_bio_read(BIO *b, char *buf, size_t len, size_t *done)
{
	struct tls_conn	*t = BIO_get_data(b);
	size_t		 n;
	ssize_t		 r;

	BIO_clear_retry_flags(b);
	if (t->carry != NULL) {
		n = t->carry_len - t->carry_off;
		if (n > len)
			n = len;
		memcpy(buf, t->carry + t->carry_off, n);
		if ((t->carry_off += n) == t->carry_len) {
			free(t->carry);
			t->carry = NULL;
		}
		*done = n;
		return (1);
	}
	do {
		r = read(t->c->fd, buf, len);
	} while (r == -1 && errno == EINTR);
	if (r > 0) {
		*done = r;
		return (1);
	}
	*done = 0;
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	else
		t->error = r == 0 ? 0 : errno;
	return (0);
}

/* MSG_NOSIGNAL: a peer gone is an error here, never a SIGPIPE. */
static int
tls_bio_write(BIO *b, const char *buf, size_t len, size_t *done)
{
	struct tls_conn	*t = BIO_get_data(b);
	ssize_t		 r;

	BIO_clear_retry_flags(b);
	do {
		r = send(t->c->fd, buf, len, MSG_NOSIGNAL);
	} while (r == -1 && errno == EINTR);
	if (r >= 0) {
		*done = r;
		return (1);
	}
	*done = 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		BIO_set_retry_write(b);
	else
		t->error = errno;
	return (0);
}

static long
tls_bio_ctrl(BIO *b __unused, int cmd, long num __unused, void *ptr __unused)
{
	return (cmd == BIO_CTRL_FLUSH);
}

static void
tls_conn_free(struct tls_conn *t)
{
	SSL_free(t->ssl);
	free(t->carry);
	free(t->info.text);
	free(t->info.json);
	free(t->info.client);
	free(t);
}

static int
stage_tls_enabled(const struct lconf *lc)
{
	return (lc->tls);
}

static u_int
stage_tls_timeout(const struct lconf *lc)
{
	return (lc->tls_handshake_timeout);
}

/* The handshake took too long: a failure, noted. */
static void
stage_tls_expire(struct conn *c, void *arg __unused)
{
	c->l->stats.tls_failures++;
	listener_note(c->l, NOTE_TLS_TIMEOUT, c->peer,
	    "TLS handshake timed out after %u s",
	    c->conf->tls_handshake_timeout);
}

/*
 * A new TLS connection: its SSL, reading through our BIO what an earlier
 * stage left, then the socket.
 */
static void *
stage_tls_init(struct conn *c)
{
	struct tls_conn	*t;
	BIO		*b;
	size_t		 n;

	t = xcalloc(1, sizeof *t);
	t->c = c;
	if ((n = c->carry_len - c->carry_off) > 0) {
		t->carry = xmalloc(n);
		t->carry_len = conn_stage_read(c, t->carry, n, NULL);
	}
	if ((t->ssl = SSL_new(c->conf->tls_conf->ctx)) == NULL ||
	    (b = BIO_new(tls_bio_method)) == NULL)
		fatalx("%s: out of memory for TLS", c->conf->name);
	BIO_set_data(b, t);
	BIO_set_init(b, 1);
	SSL_set_bio(t->ssl, b, b);
	SSL_set_app_data(t->ssl, t);
	SSL_set_accept_state(t->ssl);
	return (t);
}

/* Drive the handshake; once done, the connection reads through TLS. */
static int
stage_tls_run(struct conn *c, void *arg, enum conn_reason *reason)
{
	struct tls_conn	*t = arg;
	int		 rc, e;

	ERR_clear_error();
	if ((rc = SSL_do_handshake(t->ssl)) == 1) {
		tls_info_build(t);
		t->transport = 1;
		t->more = 1;	/* records may have come with the Finished */
		conn_set_transport(c, &transport_tls_ops, t);
		c->tls = &t->info;
		return (0);
	}
	switch (e = SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return (EV_READ);
	case SSL_ERROR_WANT_WRITE:
		return (EV_WRITE);
	default:
		tls_fail(c, t, e);
		*reason = CONN_HANDSHAKE;
		return (-1);
	}
}

/*
 * A failed handshake: counted and noted, as a refused certificate or as
 * anything else, with OpenSSL's reason.
 */
static void
tls_fail(struct conn *c, struct tls_conn *t, int e)
{
	unsigned long	 err = ERR_peek_error();
	long		 vr = SSL_get_verify_result(t->ssl);
	const char	*why;

	t->fatal = 1;
	c->l->stats.tls_failures++;
	if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		ERR_clear_error();
		listener_note(c->l, NOTE_TLS_CERT, c->peer, "TLS client "
		    "certificate refused: %s", t->refused ? "name not allowed" :
		    X509_verify_cert_error_string(vr));
	} else if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		listener_note(c->l, NOTE_TLS_CERT, c->peer, "TLS client "
		    "certificate refused: %s", tls_reason());
	} else {
		if (e == SSL_ERROR_SYSCALL && err == 0)
			why = t->error != 0 ? strerror(t->error) :
			    "connection closed";
		else
			why = tls_reason();
		listener_note(c->l, NOTE_TLS_HANDSHAKE, c->peer, "TLS "
		    "handshake failed: %s", why);
	}
}

/* Once the transport has it, the transport frees it. */
static void
stage_tls_free(void *arg)
{
	struct tls_conn	*t = arg;

	if (t != NULL && !t->transport)
		tls_conn_free(t);
}

/*
 * The client's subject, RFC 2253 with UTF-8 as it is (format.c escapes
 * what it must), allocated.
 */
static char *
tls_subject(X509 *x)
{
	BIO	*b;
	char	*p, *s;
	long	 n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		fatalx("out of memory for TLS");
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		n = 0;
	else
		n = BIO_get_mem_data(b, &p);
	s = xstrndup(n > 0 ? p : "", n > 0 ? n : 0);
	BIO_free(b);
	return (s);
}

/*
 * What the records say of this connection, made once: the text of the
 * connected event, its JSON "tls" object, and for a verified client the
 * "tls_client" every JSON record carries.  Names from the certificate
 * are escaped as format.c escapes data.
 */
static void
tls_info_build(struct tls_conn *t)
{
	struct tls_info		*info = &t->info;
	X509			*x = SSL_get0_peer_certificate(t->ssl);
	GENERAL_NAMES		*sans = NULL;
	const GENERAL_NAME	*gn;
	const ASN1_STRING	*s;
	const char		*version, *cipher, *cut = "";
	char			*subject = NULL, *o;
	size_t			 slen = 0, max, nlen;
	int			 verified, i, nsans = 0, first = 1;

	version = SSL_get_version(t->ssl);
	cipher = SSL_get_cipher_name(t->ssl);
	verified = x != NULL && SSL_get_verify_result(t->ssl) == X509_V_OK;
	if (x != NULL) {
		subject = tls_subject(x);
		slen = strlen(subject);
		if (slen > TLS_INFO_SUBJECT_MAX) {
			slen = tls_utf8_cut((const u_char *)subject, slen,
			    TLS_INFO_SUBJECT_MAX);
			cut = TLS_INFO_CUT;
		}
		sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	}

	/* " (VERSION CIPHER, client SUBJECT verified)" */
	max = strlen(version) + strlen(cipher) + format_escape_max(slen) + 64;
	o = info->text = xmalloc(max);
	o += snprintf(o, max, " (%s %s", version, cipher);
	if (x != NULL) {
		o += snprintf(o, 16, ", client ");
		o += format_escape(o, (const u_char *)subject, slen);
		o += snprintf(o, 32, "%s %s", cut, verified ? "verified" :
		    "not verified");
	}
	*o++ = ')';
	info->text_len = o - info->text;

	/* ,"tls":{"version":..,"cipher":..,"client_subject":..,...} */
	max = strlen(version) + strlen(cipher) + format_json_escape_max(slen) +
	    128;
	max += TLS_INFO_SANS * (format_json_escape_max(TLS_INFO_SAN_MAX) +
	    3);
	o = info->json = xmalloc(max);
	o += snprintf(o, max, ",\"tls\":{\"version\":\"%s\",\"cipher\":\"%s\"",
	    version, cipher);
	if (x != NULL) {
		o += snprintf(o, 32, ",\"client_subject\":\"");
		o += format_json_escape(o, (const u_char *)subject, slen);
		o += snprintf(o, 32, "%s\",\"client_san\":[", cut);
		for (i = 0; i < sk_GENERAL_NAME_num(sans) &&
		    nsans < TLS_INFO_SANS; i++) {
			gn = sk_GENERAL_NAME_value(sans, i);
			if (gn->type != GEN_DNS)
				continue;
			s = gn->d.dNSName;
			nlen = tls_utf8_cut(ASN1_STRING_get0_data(s),
			    ASN1_STRING_length(s), TLS_INFO_SAN_MAX);
			if (!first)
				*o++ = ',';
			first = 0;
			nsans++;
			*o++ = '"';
			o += format_json_escape(o, ASN1_STRING_get0_data(s),
			    nlen);
			*o++ = '"';
		}
		*o++ = ']';
	}
	o += snprintf(o, 32, ",\"client_verified\":%s}", verified ? "true" :
	    "false");
	info->json_len = o - info->json;

	/* ,"tls_client":"SUBJECT" */
	if (verified) {
		max = format_json_escape_max(slen) + 32;
		o = info->client = xmalloc(max);
		o += snprintf(o, max, ",\"tls_client\":\"");
		o += format_json_escape(o, (const u_char *)subject, slen);
		o += snprintf(o, 8, "%s\"", cut);
		info->client_len = o - info->client;
	}
	GENERAL_NAMES_free(sans);
	free(subject);
}

/*
 * The length of s (len bytes) cut to at most max bytes, not inside a
 * UTF-8 sequence.
 */
static size_t
tls_utf8_cut(const u_char *s, size_t len, size_t max)
{
	if (len <= max)
		return (len);
	while (max > 0 && (s[max] & 0xc0) == 0x80)
		max--;
	return (max);
}

/*
 * Why reading ended: the client's close_notify is a close like plain
 * TCP's; an end without it, a reset or a socket error is said as such;
 * anything else is a TLS error.
 */
static enum conn_reason
tls_read_error(struct conn *c, struct tls_conn *t, int e)
{
	unsigned long	err = ERR_peek_error();

	if (e == SSL_ERROR_ZERO_RETURN)
		return (CONN_EOF);
	t->fatal = 1;
	if (e == SSL_ERROR_SSL && ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		return (CONN_NO_CLOSE_NOTIFY);
	}
	if (e == SSL_ERROR_SYSCALL && err == 0) {
		if (t->error == 0)
			return (CONN_NO_CLOSE_NOTIFY);
		if (t->error == ECONNRESET)
			return (CONN_RESET);
		if (t->error == ETIMEDOUT)
			return (CONN_TIMEDOUT);
		log_debug("%s: %s: %s", c->conf->name, c->peer,
		    strerror(t->error));
		return (CONN_ERROR);
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		/*
		 * Only a KeyUpdate reply or an alert: a client that reads
		 * none of them is not worth waiting for.
		 */
		log_debug("%s: %s: TLS: cannot write", c->conf->name,
		    c->peer);
		return (CONN_TLS);
	}
	log_debug("%s: %s: TLS: %s", c->conf->name, c->peer, tls_reason());
	return (CONN_TLS);
}

/*
 * Decrypt into buf as long as whole records are there, up to len bytes:
 * one call takes what one plain read would (one protocol call per 256
 * KiB, not per 16 KiB record).  It stops only when the socket is empty
 * (more = 0: with read_ahead OpenSSL may hold the start of a record, but
 * never a whole one, so waiting for the socket is right) or when buf is
 * full (more = 1: conn.c calls again at once).  Returns the bytes read, 0
 * if there is nothing now, or -1 with *reason at the end; an end met
 * after some bytes is said by the next call.
 */
static ssize_t
tls_read(struct conn *c, void *buf, size_t len, enum conn_reason *reason)
{
	struct tls_conn	*t = c->tstate;
	size_t		 done = 0, n;
	int		 e;

	t->more = 0;
	if (t->end != CONN_OK) {
		*reason = t->end;
		return (-1);
	}
	ERR_clear_error();
	while (done < len) {
		if (SSL_read_ex(t->ssl, (u_char *)buf + done, len - done,
		    &n)) {
			done += n;
			continue;
		}
		if ((e = SSL_get_error(t->ssl, 0)) != SSL_ERROR_WANT_READ)
			t->end = tls_read_error(c, t, e);
		break;
	}
	if (done == len || (done > 0 && t->end != CONN_OK))
		t->more = 1;
	if (done > 0)
		return (done);
	if (t->end == CONN_OK)
		return (0);
	*reason = t->end;
	return (-1);
}

/* There is more to read without waiting for the socket. */
static size_t
tls_pending(struct conn *c)
{
	struct tls_conn	*t = c->tstate;

	return (t->more ? 1 : 0);
}

/* Wait up to ms for input; 1 if some came (or is already here). */
static int
tls_wait(struct conn *c, int ms)
{
	struct tls_conn	*t = c->tstate;
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };

	if (t->more)
		return (1);
	return (poll(&pfd, 1, ms) > 0);
}

/* Bytes not read yet: in the kernel, and decrypted but not taken. */
static int
tls_unread(struct conn *c)
{
	struct tls_conn	*t = c->tstate;
	int		 n;

	if (ioctl(c->fd, FIONREAD, &n) == -1)
		return (-1);
	return (n + SSL_pending(t->ssl) + (t->carry_len - t->carry_off));
}

/*
 * Say close_notify if the session is still sound (once, without waiting
 * for the client's), then free it and close the socket.
 */
static void
tls_close(struct conn *c)
{
	struct tls_conn	*t = c->tstate;

	if (!t->fatal)
		(void)SSL_shutdown(t->ssl);
	ERR_clear_error();
	c->tls = NULL;
	tls_conn_free(t);
	c->tstate = NULL;
	close(c->fd);
	c->fd = -1;
}
