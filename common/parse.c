/* Strict decimal number parsing. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "common/parse.h"

int safe_atou32_n(const char *s, size_t length, uint32_t *ret) {
        uint64_t v = 0;

        if (!s || length == 0)
                return -EINVAL;
        /* Leading zeros are ambiguous (octal to some readers): only "0" itself. */
        if (s[0] == '0' && length > 1)
                return -EINVAL;
        for (size_t i = 0; i < length; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t) v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] == '0' && s[1])
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                unsigned d;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                d = (unsigned) (*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r;

        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int safe_atou16(const char *s, uint16_t *ret) {
        uint64_t v;
        int r;

        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT16_MAX)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        uint64_t v;
        int negative = 0, r;

        if (s && *s == '-') {
                negative = 1;
                s++;
        }
        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (negative ? v > (uint64_t) INT_MAX + 1 : v > INT_MAX)
                return -ERANGE;
        *ret = negative ? (int) -(int64_t) v : (int) v;
        return 0;
}
