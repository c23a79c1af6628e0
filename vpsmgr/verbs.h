/* The verb table of vpsmgr (the crun habit): each verb lives in a file of its own, has its
 * own option parsing and help text, and returns 0 or a negative errno after having printed
 * its one line of error. */
#pragma once

#include <stdbool.h>

struct vpsmgr_context {
        const char *root;           /* state directory */
        const char *cgroup_parent;  /* cgroup of the VPS cgroups, below the cgroup2 root */
        bool json;
};

struct verb {
        const char *name;
        const char *summary;  /* one line, for "vpsmgr --help" */
        const char *usage;    /* the full text of "vpsmgr VERB --help" */
        /* -errno after logging (exit status 1), or the exit status (run, exec: CMD's). */
        int (*run)(const struct vpsmgr_context *ctx, int argc, char **argv);
};

/* The verbs, each in verb-NAME.c. */
extern const struct verb verb_create;
extern const struct verb verb_destroy;
extern const struct verb verb_idmap;
extern const struct verb verb_kill;
extern const struct verb verb_list;
extern const struct verb verb_status;
extern const struct verb verb_vsu;
extern const struct verb verb_whois;
extern const struct verb verb_start;
extern const struct verb verb_stop;
extern const struct verb verb_restart;
extern const struct verb verb_run;
extern const struct verb verb_exec;
extern const struct verb verb_enter;
extern const struct verb verb_ps;
extern const struct verb verb_monitor;  /* hidden: summary NULL */

/* NULL-terminated, in the order --help shows them. */
extern const struct verb *const vpsmgr_verbs[];

const struct verb *verb_find(const char *name);
void verb_print_usage(const struct verb *v);
/* True if argv[1..] asks for --help/-h before any "--"; then the usage was printed. */
bool verb_wants_help(const struct verb *v, int argc, char **argv);
