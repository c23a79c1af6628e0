/* The verb table and its look-up. */
#include <stdio.h>
#include <string.h>

#include "vpsmgr/verbs.h"

const struct verb *const vpsmgr_verbs[] = {
        &verb_create,
        &verb_destroy,
        &verb_start,
        &verb_stop,
        &verb_restart,
        &verb_run,
        &verb_exec,
        &verb_enter,
        &verb_ps,
        &verb_list,
        &verb_status,
        &verb_idmap,
        &verb_kill,
        &verb_whois,
        &verb_vsu,
        &verb_monitor,
        NULL,
};

const struct verb *verb_find(const char *name) {
        for (const struct verb *const *v = vpsmgr_verbs; *v; v++)
                if (strcmp((*v)->name, name) == 0)
                        return *v;
        return NULL;
}

void verb_print_usage(const struct verb *v) {
        fputs(v->usage, stdout);
}

bool verb_wants_help(const struct verb *v, int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        break;
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        verb_print_usage(v);
                        return true;
                }
        }
        return false;
}
