/* Strict number parsing: decimal digits only, no sign, no spaces, no trailing garbage,
 * overflow refused. Never atoi(). */
#pragma once

#include <stdint.h>

int safe_atou64(const char *s, uint64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
int safe_atou16(const char *s, uint16_t *ret);
/* Accepts an optional leading '-' (for signal numbers, pids in kill). */
int safe_atoi(const char *s, int *ret);
/* Parses the first length bytes of s (not NUL terminated) strictly as above. */
int safe_atou32_n(const char *s, size_t length, uint32_t *ret);
