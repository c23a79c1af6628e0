/* Logging for the tools: one line per message on stderr, prefixed with the program name.
 * Library code logs at debug only; the caller logs once and returns (STYLE.md). */
#pragma once

#include <stdarg.h>

#include "common/macro.h"

enum log_level {
        LOG_LEVEL_ERROR,
        LOG_LEVEL_WARNING,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

void log_set_program(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info" or "debug". */
int log_level_from_string(const char *s, enum log_level *ret_level);
const char *log_level_to_string(enum log_level level);

/* Logs at level; with error != 0, %m in format stands for strerror(-error) (or its
 * absolute value). Returns -abs(error), so that "return log_error_errno(r, ...);" works. */
int log_internal(enum log_level level, int error, const char *format, ...) _printf_(3, 4);

#define log_error(...) log_internal(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...)                                                  \
        (log_get_level() >= LOG_LEVEL_DEBUG ? log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__) : 0)

#define log_error_errno(e, ...) log_internal(LOG_LEVEL_ERROR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_LEVEL_WARNING, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_internal(LOG_LEVEL_INFO, (e), __VA_ARGS__)
#define log_debug_errno(e, ...)                                         \
        (log_get_level() >= LOG_LEVEL_DEBUG ? log_internal(LOG_LEVEL_DEBUG, (e), __VA_ARGS__) \
                                            : -abs(e))
