/* The verbs' option parsing and its error messages. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "common/vpsdb.h"
#include "vpsmgr/args.h"

/* log_error() returns 0 for a plain message; the callers want an error code. */
#define fail(...) (log_error(__VA_ARGS__), -EINVAL)

/* vpsmgr's own options, which a user may well put after the verb. */
static bool is_global_option(const char *arg) {
        static const char *const globals[] = { "--json", "--root", "--log-level" };

        for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
                if (strncmp(arg, globals[i], strlen(globals[i])) == 0 &&
                    (arg[strlen(globals[i])] == '\0' || arg[strlen(globals[i])] == '='))
                        return true;
        return false;
}

void args_reset(void) {
        /* 0, not 1: GNU getopt then also forgets the state of a previous argv. */
        optind = 0;
        opterr = 0;
}

int args_next(const char *verb, int argc, char **argv, const char *shortopts,
              const struct option *longopts) {
        char spec[64];
        int c;

        /* Options may follow NAME ("create web1 --rootfs DIR"): GNU getopt moves the
         * positional arguments to the end. ':' tells a missing value apart. */
        snprintf(spec, sizeof(spec), ":%s", shortopts);
        opterr = 0;
        c = getopt_long(argc, argv, spec, longopts, NULL);
        if (c != '?' && c != ':')
                return c;
        /* For a long option getopt leaves optopt 0 (unknown) or the option's value. */
        if (optopt != 0 && strncmp(argv[optind - 1], "--", 2) != 0) {
                if (c == '?')
                        return fail("%s: unknown option '-%c'", verb, optopt);
                return fail("%s: option '-%c' needs a value", verb, optopt);
        }
        if (c == '?' && is_global_option(argv[optind - 1]))
                return fail("%s: unknown option '%s' (global options go before the verb: vpsmgr %s %s)",
                            verb, argv[optind - 1], argv[optind - 1], verb);
        if (c == '?')
                return fail("%s: unknown option '%s'", verb, argv[optind - 1]);
        return fail("%s: option '%s' needs a value", verb, argv[optind - 1]);
}

int args_no_options(const char *verb, int argc, char **argv) {
        static const struct option none[] = { {} };
        int c;

        args_reset();
        c = args_next(verb, argc, argv, "", none);
        return c == -1 ? 0 : c < 0 ? c : -EINVAL;
}

int args_positional(const char *verb, int argc, char **argv, int min, int max,
                    const char *what_missing) {
        int n = argc - optind;

        if (n < min)
                return fail("%s: missing %s (see 'vpsmgr %s --help')", verb, what_missing, verb);
        if (n > max)
                return fail("%s: unexpected argument '%s'", verb, argv[optind + max]);
        return 0;
}

int args_vps_name(const char *name) {
        const char *reason;

        if (vps_name_check(name, &reason) < 0)
                return fail("%s: invalid name: %s", name, reason);
        return 0;
}

int args_uint32(const char *verb, const char *opt, const char *s, uint32_t min, uint32_t max,
                uint32_t *ret) {
        uint32_t v;

        if (safe_atou32(s, &v) < 0 || v < min || v > max)
                return fail("%s: invalid value '%s' for %s: expected a number in %" PRIu32 "..%" PRIu32,
                            verb, s, opt, min, max);
        *ret = v;
        return 0;
}

int args_require_root(void) {
        if (geteuid() != 0) {
                log_error("must be run as root");
                return -EPERM;
        }
        return 0;
}

int args_find_dashdash(int argc, char **argv) {
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--") == 0)
                        return i;
        return argc;
}
