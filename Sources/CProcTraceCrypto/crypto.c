#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "CProcTraceCrypto.h"

/* The implementations are fetched once: EVP_sha256() would look SHA-256 up
 * again in the provider's tables at every init (a lock and a search). */
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, OSSL_DIGEST_NAME_SHA2_256, NULL);
	hmac_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
}

static const EVP_MD *sha256(void)
{
	pthread_once(&fetched, fetch);
	return sha256_md;
}

static EVP_MAC *hmac(void)
{
	pthread_once(&fetched, fetch);
	return hmac_mac;
}

int pt_sha256(const void *data, size_t length, uint8_t *digest)
{
	const EVP_MD *md = sha256();
	unsigned int written = 0;

	if (md == NULL)
		return 0;
	return EVP_Digest(data, length, digest, &written, md, NULL) == 1 && written == PT_SHA256_LENGTH;
}

pt_sha256_ctx *pt_sha256_new(void)
{
	const EVP_MD *md = sha256();
	EVP_MD_CTX *ctx;

	if (md == NULL)
		return NULL;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return NULL;
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return (pt_sha256_ctx *)ctx;
}

int pt_sha256_update(pt_sha256_ctx *ctx, const void *data, size_t length)
{
	return EVP_DigestUpdate((EVP_MD_CTX *)ctx, data, length) == 1;
}

int pt_sha256_final(pt_sha256_ctx *ctx, uint8_t *digest)
{
	unsigned int written = 0;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)ctx, digest, &written) != 1 || written != PT_SHA256_LENGTH)
		return 0;
	/* Same algorithm again: the fetched implementation is kept, only the state is reset. */
	return EVP_DigestInit_ex2((EVP_MD_CTX *)ctx, NULL, NULL) == 1;
}

void pt_sha256_free(pt_sha256_ctx *ctx)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
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
