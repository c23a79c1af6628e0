/* create's command line as a plain record, parsed before anything is done (and by the unit
 * tests). */
#pragma once

#include <stdint.h>

#include "vpsmgr/rootfs-fill.h"

struct create_options {
        const char *name;
        enum rootfs_source_kind source;
        const char *source_path;   /* --rootfs DIR or --rootfs-tar FILE */
        const char *hostname;      /* NULL: the name */
        const char *start_cmd;     /* NULL: init's default */
        uint32_t vpid;             /* 0: the lowest free one */
};

/* Parses argv (argv[0] = "create"); logs one line and returns -EINVAL on bad input. */
int create_parse(int argc, char **argv, struct create_options *ret);
