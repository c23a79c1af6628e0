/* The JSON writer: separators, nesting and string escaping. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vpsmgr/json.h"

void json_init(struct json *j, FILE *f) {
        *j = (struct json) { .f = f };
        j->first[0] = true;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. Overlong
 * forms, surrogates and code points above U+10FFFF are invalid (RFC 3629). */
static size_t utf8_valid_length(const unsigned char *s) {
        uint32_t cp;
        size_t n;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

void json_write_string(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        fputc('"', f);
        while (*p) {
                size_t n;

                switch (*p) {
                case '"':  fputs("\\\"", f); p++; continue;
                case '\\': fputs("\\\\", f); p++; continue;
                case '\n': fputs("\\n", f); p++; continue;
                case '\r': fputs("\\r", f); p++; continue;
                case '\t': fputs("\\t", f); p++; continue;
                case '\b': fputs("\\b", f); p++; continue;
                case '\f': fputs("\\f", f); p++; continue;
                }
                if (*p < 0x20 || *p == 0x7f) {
                        fprintf(f, "\\u%04x", *p);
                        p++;
                        continue;
                }
                n = utf8_valid_length(p);
                if (n == 0) {
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                fwrite(p, 1, n, f);
                p += n;
        }
        fputc('"', f);
}

/* Before any value or key: the comma that separates it from the previous one. */
static void separate(struct json *j) {
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (!j->first[j->depth])
                fputc(',', j->f);
        j->first[j->depth] = false;
}

static void open_level(struct json *j, char c) {
        separate(j);
        fputc(c, j->f);
        if (j->depth + 1 < JSON_MAX_DEPTH)
                j->depth++;
        j->first[j->depth] = true;
}

static void close_level(struct json *j, char c) {
        fputc(c, j->f);
        if (j->depth > 0)
                j->depth--;
}

void json_begin_object(struct json *j) {
        open_level(j, '{');
}

void json_end_object(struct json *j) {
        close_level(j, '}');
}

void json_begin_array(struct json *j) {
        open_level(j, '[');
}

void json_end_array(struct json *j) {
        close_level(j, ']');
}

void json_key(struct json *j, const char *key) {
        separate(j);
        json_write_string(j->f, key);
        fputc(':', j->f);
        j->after_key = true;
}

void json_string(struct json *j, const char *s) {
        if (!s) {
                json_null(j);
                return;
        }
        separate(j);
        json_write_string(j->f, s);
}

void json_uint(struct json *j, uint64_t v) {
        separate(j);
        fprintf(j->f, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v) {
        separate(j);
        fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, bool v) {
        separate(j);
        fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j) {
        separate(j);
        fputs("null", j->f);
}

int json_finish(struct json *j) {
        fputc('\n', j->f);
        if (fflush(j->f) != 0 || ferror(j->f))
                return -EIO;
        return 0;
}
