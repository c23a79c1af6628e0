/* Line-oriented text files, both our state files and the host's passwd-style files: lines
 * with their numbers, field splitting, and error messages of the form "FILE:LINE: reason"
 * so that every parser names the place a human has to fix. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/macro.h"

#define TEXTFILE_MAX_LINE 4096

struct line_reader {
        const char *next;
        unsigned lineno;
        char line[TEXTFILE_MAX_LINE + 1];
};

void line_reader_init(struct line_reader *r, const char *text);

/* Returns 1 with the next line (NUL-terminated, newline removed, writable until the next
 * call) in *ret_line, 0 at the end of the text, -E2BIG for a line over TEXTFILE_MAX_LINE
 * bytes (the reader is past it then: the next call returns the line after). r->lineno is the
 * number of the line returned. */
int line_reader_next(struct line_reader *r, char **ret_line);

/* True for a blank line or one whose first non-blank character is '#'. */
bool line_is_ignorable(const char *line);

/* Removes blanks (space, tab) from both ends, in place; returns s. */
char *strip_blanks(char *s);

/* Splits line in place into fields separated by runs of blanks. Returns the number of
 * fields, or max + 1 if there are more than max. */
size_t split_blanks(char *line, char **fields, size_t max);

/* Splits line in place at every sep (empty fields allowed, as in /etc/passwd). Returns the
 * number of fields, or max + 1 if there are more than max. */
size_t split_char(char *line, char sep, char **fields, size_t max);

/* A parser of one line; location is "FILENAME:LINE" for its messages (see error_at()). */
struct line_location {
        const char *filename;
        unsigned line;
};
typedef int (*line_parser_t)(char *line, const struct line_location *where, void *userdata,
                             char **ret_error);

/* Calls parse for every line of text that is not blank or a '#' comment, stopping at the
 * first error; a line over TEXTFILE_MAX_LINE bytes is an error too. */
int text_parse_lines(const char *text, const char *filename, line_parser_t parse, void *userdata,
                     char **ret_error);

/* Stores "FILENAME:LINE: message" in *ret_error (if ret_error is not NULL) and returns
 * -EINVAL, or -ENOMEM if the message cannot be built. */
int error_at(char **ret_error, const char *filename, unsigned line, const char *format, ...)
        _printf_(4, 5);

/* Reads dirfd/path for parsing: refuses files over max_size bytes and files with NUL bytes.
 * With missing_ok, a missing file reads as "". On failure *ret_error (if not NULL) says
 * "PATH: reason". */
int text_load_at(int dirfd, const char *path, size_t max_size, bool missing_ok, char **ret_text,
                 char **ret_error);
