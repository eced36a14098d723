#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 goes through OpenSSL's own SHA256_* functions, deprecated in 3.0 in
 * favour of EVP but built into every libcrypto 3 (Debian's included): EVP
 * would start the provider machinery (the default provider, its algorithm
 * tables, the configuration file) on the first hash, and the recorder hashes
 * from its first second on. That start-up touched 1.9 MiB more of libcrypto
 * and of the heap than hashing itself (its RSS, measured with smaps: 3.4 MiB
 * of libcrypto against 1.6), kept for the whole recording (issue 27). The
 * same block functions compute it. HMAC, used only by sealing, stays EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "CProcTraceCrypto.h"

/* HMAC is fetched once: EVP_MAC_fetch at every init would look it up again
 * in the provider's tables (a lock and a search). */
static EVP_MAC *hmac_mac;
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	hmac_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
}

static EVP_MAC *hmac(void)
{
	pthread_once(&fetched, fetch);
	return hmac_mac;
}

int pt_sha256(const void *data, size_t length, uint8_t *digest)
{
	return SHA256(data, length, digest) != NULL;
}

pt_sha256_ctx *pt_sha256_new(void)
{
	SHA256_CTX *ctx = malloc(sizeof *ctx);

	if (ctx == NULL)
		return NULL;
	if (SHA256_Init(ctx) != 1) {
		free(ctx);
		return NULL;
	}
	return (pt_sha256_ctx *)ctx;
}

int pt_sha256_update(pt_sha256_ctx *ctx, const void *data, size_t length)
{
	return SHA256_Update((SHA256_CTX *)ctx, data, length) == 1;
}

int pt_sha256_final(pt_sha256_ctx *ctx, uint8_t *digest)
{
	if (SHA256_Final(digest, (SHA256_CTX *)ctx) != 1)
		return 0;
	/* Ready for the next input. */
	return SHA256_Init((SHA256_CTX *)ctx) == 1;
}

void pt_sha256_free(pt_sha256_ctx *ctx)
{
	if (ctx != NULL)
		OPENSSL_cleanse(ctx, sizeof(SHA256_CTX));
	free(ctx);
}

/* HMAC's parameter: the digest, by name. */
static int hmac_init(EVP_MAC_CTX *ctx, const void *key, size_t key_length)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)OSSL_DIGEST_NAME_SHA2_256, 0),
		OSSL_PARAM_construct_end(),
	};
	/* A zero-length key is a valid HMAC key; libcrypto wants a non-NULL pointer for it. */
	static const unsigned char empty;

	return EVP_MAC_init(ctx, key_length ? key : &empty, key_length, params) == 1;
}

pt_hmac_sha256_ctx *pt_hmac_sha256_new(const void *key, size_t key_length)
{
	EVP_MAC *mac = hmac();
	EVP_MAC_CTX *ctx;

	if (mac == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		return NULL;
	if (!hmac_init(ctx, key, key_length)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return (pt_hmac_sha256_ctx *)ctx;
}

int pt_hmac_sha256_update(pt_hmac_sha256_ctx *ctx, const void *data, size_t length)
{
	return EVP_MAC_update((EVP_MAC_CTX *)ctx, data, length) == 1;
}

int pt_hmac_sha256_final(pt_hmac_sha256_ctx *ctx, uint8_t *mac)
{
	size_t written = 0;

	if (EVP_MAC_final((EVP_MAC_CTX *)ctx, mac, &written, PT_SHA256_LENGTH) != 1 || written != PT_SHA256_LENGTH)
		return 0;
	/* NULL key: the same key again (OpenSSL 3's EVP_MAC_init keeps the one set before). */
	return EVP_MAC_init((EVP_MAC_CTX *)ctx, NULL, 0, NULL) == 1;
}

void pt_hmac_sha256_free(pt_hmac_sha256_ctx *ctx)
{
	EVP_MAC_CTX_free((EVP_MAC_CTX *)ctx);
}

int pt_hmac_sha256(const void *key, size_t key_length, const void *data, size_t length, uint8_t *mac)
{
	pt_hmac_sha256_ctx *ctx = pt_hmac_sha256_new(key, key_length);
	int ok;

	if (ctx == NULL)
		return 0;
	ok = pt_hmac_sha256_update(ctx, data, length) && pt_hmac_sha256_final(ctx, mac);
	pt_hmac_sha256_free(ctx);
	return ok;
}
