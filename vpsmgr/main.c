/* vpsmgr: global options, then one verb from the verb table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup.h"
#include "common/log.h"
#include "vpsmgr/verbs.h"

#define DEFAULT_ROOT "/var/lib/vps"

static void print_help(void) {
        printf("Usage: vpsmgr [--root DIR] [--json] [--log-level LEVEL] VERB [ARGS...]\n"
               "\n"
               "Manages virtual private servers: each VPS has its own init, PID namespace,\n"
               "users, files (served by vpsfs) and a virtual super-user.\n"
               "\n"
               "Options:\n"
               "  --root DIR         state directory (default: $VPS_ROOT or " DEFAULT_ROOT ")\n"
               "  --json             machine-readable output where a verb prints data\n"
               "  --log-level LEVEL  error, warning, info (default) or debug\n"
               "  -h, --help         this text\n"
               "  --version          the version\n"
               "\n"
               "Environment: VPS_ROOT (the state directory), VPS_CGROUP_PARENT (the cgroup\n"
               "holding the VPS cgroups, below the cgroup2 root; default: " CGROUP_PARENT_DEFAULT ")\n"
               "\n"
               "Verbs:\n");
        if (!vpsmgr_verbs[0])
                printf("  (none yet)\n");
        for (const struct verb *const *v = vpsmgr_verbs; *v; v++)
                if ((*v)->summary)
                        printf("  %-10s %s\n", (*v)->name, (*v)->summary);
        printf("  %-10s %s\n", "help", "show the help of a verb: vpsmgr help VERB");
}

static int verb_help(int argc, char **argv) {
        const struct verb *v;

        if (argc < 2) {
                print_help();
                return EXIT_SUCCESS;
        }
        v = verb_find(argv[1]);
        if (!v) {
                log_error("unknown verb '%s' (see 'vpsmgr --help')", argv[1]);
                return EXIT_FAILURE;
        }
        verb_print_usage(v);
        return EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },
                { "json", no_argument, NULL, 'j' },
                { "log-level", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        struct vpsmgr_context ctx = {
                .root = getenv("VPS_ROOT"),
                /* Tests give each run a parent of its own, away from the real VPSs. */
                .cgroup_parent = getenv("VPS_CGROUP_PARENT"),
        };
        const struct verb *v;
        enum log_level level;
        int c;

        log_set_program("vpsmgr");
        if (!ctx.root || !*ctx.root)
                ctx.root = DEFAULT_ROOT;
        if (!ctx.cgroup_parent || !*ctx.cgroup_parent)
                ctx.cgroup_parent = CGROUP_PARENT_DEFAULT;

        /* '+': stop at the verb, whose options are its own. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        ctx.root = optarg;
                        break;
                case 'j':
                        ctx.json = true;
                        break;
                case 'l':
                        if (log_level_from_string(optarg, &level) < 0) {
                                log_error("invalid log level '%s': expected error, warning, info or debug",
                                          optarg);
                                return EXIT_FAILURE;
                        }
                        log_set_level(level);
                        break;
                case 'h':
                        print_help();
                        return EXIT_SUCCESS;
                case 'V':
                        printf("vpsmgr %s\n", VPS_VERSION);
                        return EXIT_SUCCESS;
                default:
                        fprintf(stderr, "Try 'vpsmgr --help'.\n");
                        return EXIT_FAILURE;
                }
        }

        if (optind >= argc) {
                log_error("no verb given (see 'vpsmgr --help')");
                return EXIT_FAILURE;
        }
        if (strcmp(argv[optind], "help") == 0)
                return verb_help(argc - optind, argv + optind);

        v = verb_find(argv[optind]);
        if (!v) {
                log_error("unknown verb '%s' (see 'vpsmgr --help')", argv[optind]);
                return EXIT_FAILURE;
        }
        if (verb_wants_help(v, argc - optind, argv + optind))
                return EXIT_SUCCESS;
        c = v->run(&ctx, argc - optind, argv + optind);
        return c < 0 ? EXIT_FAILURE : c;
}
