/* SHA-256 for --json: production logs record what was written. The hashing
 * itself is nettle's; this names it the way the rest of ftisp names things. */
#ifndef FTISP_SHA256_H
#define FTISP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

typedef struct sha256_ctx ft_sha256_ctx;

void ft_sha256_init(ft_sha256_ctx *s);
void ft_sha256_update(ft_sha256_ctx *s, const void *data, size_t n);
void ft_sha256_final(ft_sha256_ctx *s, uint8_t out[32]);
void ft_sha256(const void *data, size_t n, uint8_t out[32]);

#endif
