#ifndef CPROCTRACETLS_H
#define CPROCTRACETLS_H

#include <stddef.h>
#include <stdint.h>

/* A TLS client (RFC 5425 syslog over TLS) from Debian's OpenSSL libssl
 * (libssl3): TLS 1.2 or later, the server's certificate verified against
 * the given CAs (or the system's) and the host name, an optional client
 * certificate. The OpenSSL types stay behind this header. Functions taking
 * `error` write a one-line reason there (NUL-terminated) when they fail. */

typedef struct pt_tls_config pt_tls_config;
typedef struct pt_tls pt_tls;

/* A client configuration: TLS 1.2+, peer verification on. */
pt_tls_config *pt_tls_config_new(char *error, size_t error_size);
void pt_tls_config_free(pt_tls_config *config);
/* Trust the system's CAs (/etc/ssl/certs). */
int pt_tls_config_trust_system(pt_tls_config *config, char *error, size_t error_size);
/* Trust the PEM certificates in `pem`; returns how many, 0 on failure. */
int pt_tls_config_trust_pem(pt_tls_config *config, const void *pem, size_t length, char *error, size_t error_size);
/* The client's certificate chain (PEM: the certificate, then intermediates). */
int pt_tls_config_use_chain(pt_tls_config *config, const void *pem, size_t length, char *error, size_t error_size);
/* The client's private key (PEM), checked against the certificate. */
int pt_tls_config_use_key(pt_tls_config *config, const void *pem, size_t length, char *error, size_t error_size);
/* Pinned: the chain is not verified (the caller compares the peer's fingerprint after the handshake). */
void pt_tls_config_skip_chain(pt_tls_config *config);

/* A session over the connected (non-blocking) socket `fd`, for `host`
 * (a name, checked against the certificate's names and sent as SNI, or an
 * IP address, checked against its IP addresses). fd stays the caller's. */
pt_tls *pt_tls_new(pt_tls_config *config, int fd, const char *host, char *error, size_t error_size);
void pt_tls_free(pt_tls *tls);

enum { PT_TLS_FAILED = 0, PT_TLS_DONE = 1, PT_TLS_WANT_READ = 2, PT_TLS_WANT_WRITE = 3 };

/* One step of the handshake: DONE, WANT_READ/WANT_WRITE (poll and call
 * again) or FAILED (then `error` says why: the certificate refused, and
 * which, or the alert the server sent). */
int pt_tls_handshake(pt_tls *tls, char *error, size_t error_size);
/* Writes all `length` bytes, or nothing: call again with the same bytes
 * after WANT_READ/WANT_WRITE. */
int pt_tls_write(pt_tls *tls, const void *data, size_t length, char *error, size_t error_size);
/* Reads whatever the server sent (session tickets, an alert) without
 * waiting; returns 1 while the connection is open, 0 once the server
 * closed it or it failed. */
int pt_tls_is_open(pt_tls *tls);
/* Bytes of TLS records written to the socket so far (what TCP acknowledges). */
uint64_t pt_tls_wire_bytes_written(pt_tls *tls);
/* SHA-256 of the server certificate's DER encoding; 0 when there is none. */
int pt_tls_peer_sha256(pt_tls *tls, uint8_t digest[32]);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
const char *pt_tls_version(pt_tls *tls);
const char *pt_tls_cipher(pt_tls *tls);

#endif
