/* A tiny JSON writer for the --json output of vpsmgr: nested objects and arrays written
 * straight to a FILE, commas placed for the caller, strings escaped per RFC 8259 (control
 * characters as \u00XX, and bytes that are not valid UTF-8 as U+FFFD, so that any file name or
 * config value still gives a document every parser accepts). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
        FILE *f;
        unsigned depth;
        bool first[JSON_MAX_DEPTH]; /* nothing written yet at this level */
        bool after_key;             /* the next value follows a key: no comma */
};

void json_init(struct json *j, FILE *f);

/* Writes s as a JSON string (quotes included). */
void json_write_string(FILE *f, const char *s);

void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
/* Inside an object: the key of the next value. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s); /* NULL writes null */
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Ends the document with a newline; returns 0 or -EIO if the stream had an error. */
int json_finish(struct json *j);
