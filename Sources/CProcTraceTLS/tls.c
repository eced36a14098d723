#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "CProcTraceTLS.h"

struct pt_tls_config {
	SSL_CTX *ctx;
	int skip_chain;
};

/* The first certificate the verification refused: the handshake's own
 * error is only "certificate verify failed", which names neither. */
struct pt_tls {
	SSL *ssl;
	int refused;
	int refused_error;
	int refused_depth;
	char refused_subject[256];
	char refused_dates[128];
};

static int app_index = -1;
static pthread_once_t indexed = PTHREAD_ONCE_INIT;

static void make_index(void)
{
	app_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int inet_pton_any(const char *host, unsigned char *address)
{
	return inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1;
}

static void say(char *error, size_t size, const char *what)
{
	unsigned long code = ERR_peek_last_error();
	const char *reason = code ? ERR_reason_error_string(code) : NULL;

	if (error == NULL || size == 0)
		return;
	if (reason != NULL)
		snprintf(error, size, "%s: %s", what, reason);
	else
		snprintf(error, size, "%s", what);
	ERR_clear_error();
}

pt_tls_config *pt_tls_config_new(char *error, size_t error_size)
{
	pt_tls_config *config = calloc(1, sizeof *config);

	ERR_clear_error();
	if (config == NULL) {
		snprintf(error, error_size, "out of memory");
		return NULL;
	}
	config->ctx = SSL_CTX_new(TLS_client_method());
	if (config->ctx == NULL || SSL_CTX_set_min_proto_version(config->ctx, TLS1_2_VERSION) != 1) {
		say(error, error_size, "cannot set up TLS");
		pt_tls_config_free(config);
		return NULL;
	}
	SSL_CTX_set_verify(config->ctx, SSL_VERIFY_PEER, NULL);
	/* No renegotiation, no compression: nothing is needed of either. */
	SSL_CTX_set_options(config->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	pthread_once(&indexed, make_index);
	return config;
}

void pt_tls_config_free(pt_tls_config *config)
{
	if (config == NULL)
		return;
	SSL_CTX_free(config->ctx);
	free(config);
}

int pt_tls_config_trust_system(pt_tls_config *config, char *error, size_t error_size)
{
	ERR_clear_error();
	if (SSL_CTX_set_default_verify_paths(config->ctx) != 1) {
		say(error, error_size, "cannot read the system's CA certificates");
		return 0;
	}
	return 1;
}

int pt_tls_config_trust_pem(pt_tls_config *config, const void *pem, size_t length, char *error, size_t error_size)
{
	X509_STORE *store = SSL_CTX_get_cert_store(config->ctx);
	unsigned long last;
	BIO *bio;
	X509 *cert;
	int count = 0;

	ERR_clear_error();
	bio = BIO_new_mem_buf(pem, (int)length);
	if (bio == NULL) {
		say(error, error_size, "out of memory");
		return 0;
	}
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(store, cert) != 1) {
			X509_free(cert);
			BIO_free(bio);
			say(error, error_size, "cannot add a CA certificate");
			return 0;
		}
		X509_free(cert);
		count++;
	}
	BIO_free(bio);
	/* The loop ends at the end of the data ("no start line"), or at a broken certificate. */
	last = ERR_peek_last_error();
	if (count > 0 && last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
		say(error, error_size, "a broken certificate after the first");
		return 0;
	}
	if (count == 0) {
		say(error, error_size, "no PEM certificate in it");
		return 0;
	}
	ERR_clear_error();
	return count;
}

int pt_tls_config_use_chain(pt_tls_config *config, const void *pem, size_t length, char *error, size_t error_size)
{
	BIO *bio;
	X509 *cert, *extra;

	ERR_clear_error();
	bio = BIO_new_mem_buf(pem, (int)length);
	if (bio == NULL) {
		say(error, error_size, "out of memory");
		return 0;
	}
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (cert == NULL || SSL_CTX_use_certificate(config->ctx, cert) != 1) {
		X509_free(cert);
		BIO_free(bio);
		say(error, error_size, "no usable PEM certificate in it");
		return 0;
	}
	X509_free(cert);
	SSL_CTX_clear_chain_certs(config->ctx);
	while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		/* add0: the context owns it now. */
		if (SSL_CTX_add0_chain_cert(config->ctx, extra) != 1) {
			X509_free(extra);
			BIO_free(bio);
			say(error, error_size, "cannot add an intermediate certificate");
			return 0;
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return 1;
}

int pt_tls_config_use_key(pt_tls_config *config, const void *pem, size_t length, char *error, size_t error_size)
{
	BIO *bio;
	EVP_PKEY *key;

	ERR_clear_error();
	bio = BIO_new_mem_buf(pem, (int)length);
	if (bio == NULL) {
		say(error, error_size, "out of memory");
		return 0;
	}
	/* No passphrase callback: an encrypted key is refused, not prompted for. */
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (key == NULL) {
		say(error, error_size, "no unencrypted PEM private key in it");
		return 0;
	}
	if (SSL_CTX_use_PrivateKey(config->ctx, key) != 1) {
		EVP_PKEY_free(key);
		say(error, error_size, "cannot use the private key");
		return 0;
	}
	EVP_PKEY_free(key);
	if (SSL_CTX_check_private_key(config->ctx) != 1) {
		say(error, error_size, "the private key does not belong to the certificate");
		return 0;
	}
	return 1;
}

void pt_tls_config_skip_chain(pt_tls_config *config)
{
	config->skip_chain = 1;
}

static void format_time(const ASN1_TIME *time, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int length;

	out[0] = 0;
	if (bio == NULL)
		return;
	if (ASN1_TIME_print(bio, time) == 1) {
		length = BIO_read(bio, out, (int)size - 1);
		out[length > 0 ? length : 0] = 0;
	}
	BIO_free(bio);
}

static int remember_refusal(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	pt_tls *tls = ssl ? SSL_get_ex_data(ssl, app_index) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(store);
	char before[48], after[48];

	if (ok || tls == NULL || tls->refused)
		return ok;
	tls->refused = 1;
	tls->refused_error = X509_STORE_CTX_get_error(store);
	tls->refused_depth = X509_STORE_CTX_get_error_depth(store);
	tls->refused_subject[0] = 0;
	tls->refused_dates[0] = 0;
	if (cert != NULL) {
		X509_NAME_oneline(X509_get_subject_name(cert), tls->refused_subject, sizeof tls->refused_subject);
		format_time(X509_get0_notBefore(cert), before, sizeof before);
		format_time(X509_get0_notAfter(cert), after, sizeof after);
		snprintf(tls->refused_dates, sizeof tls->refused_dates, "valid %s to %s", before, after);
	}
	return ok;
}

pt_tls *pt_tls_new(pt_tls_config *config, int fd, const char *host, char *error, size_t error_size)
{
	pt_tls *tls = calloc(1, sizeof *tls);
	unsigned char address[16];
	int is_address = inet_pton_any(host, address);

	ERR_clear_error();
	if (tls == NULL || (tls->ssl = SSL_new(config->ctx)) == NULL) {
		say(error, error_size, "cannot start a TLS session");
		free(tls);
		return NULL;
	}
	SSL_set_ex_data(tls->ssl, app_index, tls);
	if (config->skip_chain) {
		SSL_set_verify(tls->ssl, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_set_verify(tls->ssl, SSL_VERIFY_PEER, remember_refusal);
		/* The name or address in the URL must be the certificate's (RFC 6125; no partial wildcards). */
		X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(tls->ssl), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (is_address ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls->ssl), host) != 1
			       : SSL_set1_host(tls->ssl, host) != 1) {
			say(error, error_size, "cannot check the server's name");
			pt_tls_free(tls);
			return NULL;
		}
	}
	if ((!is_address && SSL_set_tlsext_host_name(tls->ssl, host) != 1) || SSL_set_fd(tls->ssl, fd) != 1) {
		say(error, error_size, "cannot start a TLS session");
		pt_tls_free(tls);
		return NULL;
	}
	return tls;
}

void pt_tls_free(pt_tls *tls)
{
	if (tls == NULL)
		return;
	if (tls->ssl != NULL) {
		/* A close_notify if the socket takes it at once; never waits for the reply. */
		if (SSL_is_init_finished(tls->ssl))
			SSL_shutdown(tls->ssl);
		SSL_free(tls->ssl);
	}
	ERR_clear_error();
	free(tls);
}

/* What to check, for the refusals a deployment meets. */
static const char *hint(int error)
{
	switch (error) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "; it is not signed by a CA of --tls-ca";
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "; its names do not include the URL's host";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "; the collector needs a new one";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "; check both machines' clocks";
	default:
		return "";
	}
}

/* What a failed handshake or write means, in one line. */
static void explain(pt_tls *tls, int result, char *error, size_t error_size)
{
	int code = SSL_get_error(tls->ssl, result);
	unsigned long last = ERR_peek_last_error();

	if (tls->refused) {
		snprintf(error, error_size, "refusing the server's certificate: %s (%s%s, %s)%s",
			 X509_verify_cert_error_string(tls->refused_error),
			 tls->refused_depth == 0 ? "" : "issuer ", tls->refused_subject, tls->refused_dates,
			 hint(tls->refused_error));
	} else if (code == SSL_ERROR_SYSCALL && last == 0) {
		if (errno != 0 && result < 0)
			snprintf(error, error_size, "the connection failed: %s", strerror(errno));
		else
			snprintf(error, error_size, "the server closed the connection");
	} else if (code == SSL_ERROR_ZERO_RETURN) {
		snprintf(error, error_size, "the server closed the connection");
	} else if (last != 0 && ERR_GET_LIB(last) == ERR_LIB_SSL && strstr(ERR_reason_error_string(last) ?: "", "alert")) {
		snprintf(error, error_size, "the server refused the session (%s)", ERR_reason_error_string(last));
	} else {
		say(error, error_size, "TLS failed");
	}
	ERR_clear_error();
}

static int step(pt_tls *tls, int result, char *error, size_t error_size)
{
	switch (SSL_get_error(tls->ssl, result)) {
	case SSL_ERROR_WANT_READ:
		return PT_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return PT_TLS_WANT_WRITE;
	default:
		explain(tls, result, error, error_size);
		return PT_TLS_FAILED;
	}
}

int pt_tls_handshake(pt_tls *tls, char *error, size_t error_size)
{
	int result;

	ERR_clear_error();
	errno = 0;
	result = SSL_connect(tls->ssl);
	if (result == 1)
		return PT_TLS_DONE;
	return step(tls, result, error, error_size);
}

int pt_tls_write(pt_tls *tls, const void *data, size_t length, char *error, size_t error_size)
{
	size_t written = 0;
	int result;

	ERR_clear_error();
	errno = 0;
	result = SSL_write_ex(tls->ssl, data, length, &written);
	if (result == 1 && written == length)
		return PT_TLS_DONE;
	return step(tls, result, error, error_size);
}

int pt_tls_is_open(pt_tls *tls)
{
	unsigned char sink[512];
	size_t got;
	int round;

	ERR_clear_error();
	/* A syslog server sends no data: only tickets (taken in passing), an alert or close_notify. */
	for (round = 0; round < 64; round++) {
		if (SSL_read_ex(tls->ssl, sink, sizeof sink, &got) == 1)
			continue;
		switch (SSL_get_error(tls->ssl, 0)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			ERR_clear_error();
			return 1;
		default:
			ERR_clear_error();
			return 0;
		}
	}
	return 1;
}

uint64_t pt_tls_wire_bytes_written(pt_tls *tls)
{
	BIO *wire = SSL_get_wbio(tls->ssl);

	return wire ? BIO_number_written(wire) : 0;
}

int pt_tls_peer_sha256(pt_tls *tls, uint8_t digest[32])
{
	X509 *peer = SSL_get0_peer_certificate(tls->ssl);
	unsigned int length = 0;

	return peer != NULL && X509_digest(peer, EVP_sha256(), digest, &length) == 1 && length == 32;
}

const char *pt_tls_version(pt_tls *tls)
{
	return SSL_get_version(tls->ssl);
}

const char *pt_tls_cipher(pt_tls *tls)
{
	return SSL_get_cipher_name(tls->ssl);
}
