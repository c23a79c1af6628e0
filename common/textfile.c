/* Lines, fields and located error messages for the text-file parsers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/textfile.h"

void line_reader_init(struct line_reader *r, const char *text) {
        r->next = text;
        r->lineno = 0;
        r->line[0] = '\0';
}

int line_reader_next(struct line_reader *r, char **ret_line) {
        const char *end;
        size_t len;

        if (!r->next || !*r->next)
                return 0;
        end = strchrnul(r->next, '\n');
        len = (size_t) (end - r->next);
        r->lineno++;
        /* Past the line even when it is refused: a caller that skips it must not see it again. */
        r->next = *end ? end + 1 : end;
        if (len > TEXTFILE_MAX_LINE)
                return -E2BIG;
        memcpy(r->line, end - len, len);
        r->line[len] = '\0';
        *ret_line = r->line;
        return 1;
}

bool line_is_ignorable(const char *line) {
        line += strspn(line, " \t");
        return *line == '\0' || *line == '#';
}

char *strip_blanks(char *s) {
        char *start = s + strspn(s, " \t");
        size_t len = strlen(start);

        while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
                len--;
        memmove(s, start, len);
        s[len] = '\0';
        return s;
}

size_t split_blanks(char *line, char **fields, size_t max) {
        size_t n = 0;
        char *p = line;

        for (;;) {
                p += strspn(p, " \t");
                if (!*p)
                        return n;
                if (n == max)
                        return max + 1;
                fields[n++] = p;
                p += strcspn(p, " \t");
                if (*p)
                        *p++ = '\0';
        }
}

size_t split_char(char *line, char sep, char **fields, size_t max) {
        size_t n = 0;
        char *p = line;

        for (;;) {
                char *end = strchrnul(p, sep);

                if (n == max)
                        return max + 1;
                fields[n++] = p;
                if (!*end)
                        return n;
                *end = '\0';
                p = end + 1;
        }
}

int text_parse_lines(const char *text, const char *filename, line_parser_t parse, void *userdata,
                     char **ret_error) {
        struct line_reader reader;
        char *line;
        int r;

        line_reader_init(&reader, text);
        while ((r = line_reader_next(&reader, &line)) > 0) {
                struct line_location where = { .filename = filename, .line = reader.lineno };

                if (line_is_ignorable(line))
                        continue;
                r = parse(line, &where, userdata, ret_error);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return error_at(ret_error, filename, reader.lineno, "line longer than %d bytes",
                                TEXTFILE_MAX_LINE);
        return 0;
}

int error_at(char **ret_error, const char *filename, unsigned line, const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        if (!ret_error)
                return -EINVAL;
        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0) {
                message = NULL; /* undefined after a failed vasprintf() */
                *ret_error = NULL;
                return -ENOMEM;
        }
        if (asprintf(ret_error, "%s:%u: %s", filename, line, message) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

int text_load_at(int dirfd, const char *path, size_t max_size, bool missing_ok, char **ret_text,
                 char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_file_at(dirfd, path, max_size, &text, &size);
        if (r == -ENOENT && missing_ok) {
                text = strdup("");
                if (!text)
                        return -ENOMEM;
        } else if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        } else if (strlen(text) != size) {
                if (ret_error && asprintf(ret_error, "%s: file contains a NUL byte", path) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        *ret_text = TAKE_PTR(text);
        return 0;
}
