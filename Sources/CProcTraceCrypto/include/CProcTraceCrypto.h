#ifndef CPROCTRACECRYPTO_H
#define CPROCTRACECRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 and HMAC-SHA256 from Debian's OpenSSL libcrypto (libssl3), which
 * picks the CPU's SHA extensions at run time. The OpenSSL types stay behind
 * this header: Swift sees opaque pointers and these functions only. Every
 * function returning int returns 1 on success and 0 on failure (libcrypto's
 * convention); a failure is an allocation that failed or a libcrypto
 * without SHA-256 or HMAC (a broken installation). */

#define PT_SHA256_LENGTH 32

/* One-shot SHA-256 of `length` bytes into `digest` (32 bytes). */
int pt_sha256(const void *data, size_t length, uint8_t *digest);

/* Incremental SHA-256. A context is started by pt_sha256_new and again by
 * each pt_sha256_final, so one context hashes many messages in turn. */
typedef struct pt_sha256_ctx pt_sha256_ctx;
pt_sha256_ctx *pt_sha256_new(void);
int pt_sha256_update(pt_sha256_ctx *ctx, const void *data, size_t length);
/* Writes the digest of everything updated since the start, and starts again. */
int pt_sha256_final(pt_sha256_ctx *ctx, uint8_t *digest);
void pt_sha256_free(pt_sha256_ctx *ctx);

/* One-shot HMAC-SHA256 (RFC 2104) into `mac` (32 bytes). */
int pt_hmac_sha256(const void *key, size_t key_length, const void *data, size_t length, uint8_t *mac);

/* Incremental HMAC-SHA256 under one key. As with SHA-256, pt_hmac_sha256_final
 * starts the context again under the same key. */
typedef struct pt_hmac_sha256_ctx pt_hmac_sha256_ctx;
pt_hmac_sha256_ctx *pt_hmac_sha256_new(const void *key, size_t key_length);
int pt_hmac_sha256_update(pt_hmac_sha256_ctx *ctx, const void *data, size_t length);
int pt_hmac_sha256_final(pt_hmac_sha256_ctx *ctx, uint8_t *mac);
void pt_hmac_sha256_free(pt_hmac_sha256_ctx *ctx);

#endif
