/* Logging to stderr with a program prefix and a global level. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static const char *log_program = "vps";
static enum log_level log_max_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
        [LOG_LEVEL_ERROR] = "error",
        [LOG_LEVEL_WARNING] = "warning",
        [LOG_LEVEL_INFO] = "info",
        [LOG_LEVEL_DEBUG] = "debug",
};

void log_set_program(const char *name) {
        log_program = name;
}

void log_set_level(enum log_level level) {
        log_max_level = level;
}

enum log_level log_get_level(void) {
        return log_max_level;
}

const char *log_level_to_string(enum log_level level) {
        return (size_t) level < ELEMENTSOF(level_names) ? level_names[level] : "info";
}

int log_level_from_string(const char *s, enum log_level *ret_level) {
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcmp(s, level_names[i]) == 0) {
                        *ret_level = (enum log_level) i;
                        return 0;
                }
        return -EINVAL;
}

int log_internal(enum log_level level, int error, const char *format, ...) {
        int saved = errno;
        int r = -abs(error);

        if (level <= log_max_level) {
                char line[4096];
                va_list ap;

                /* glibc's %m prints strerror(errno). */
                errno = abs(error);
                va_start(ap, format);
                vsnprintf(line, sizeof(line), format, ap);
                va_end(ap);
                if (level == LOG_LEVEL_WARNING)
                        fprintf(stderr, "%s: warning: %s\n", log_program, line);
                else
                        fprintf(stderr, "%s: %s\n", log_program, line);
        }
        errno = saved;
        return r;
}
