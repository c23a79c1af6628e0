/* Opening the state directory and a VPS in it for a verb, with the one-line messages every
 * verb gives alike ("vpsmgr: web1: no such VPS"). */
#pragma once

#include "vpsmgr/verbs.h"

/* The state root for reading: a missing root is logged as "NAME: no such VPS" when name is
 * given (one VPS asked for), else returned as -ENOENT without a message. */
int vps_open_root(const struct vpsmgr_context *ctx, const char *name, int *ret_root_fd);

/* The root and root/NAME; logs and returns -errno on failure. */
int vps_open(const struct vpsmgr_context *ctx, const char *name, int *ret_root_fd, int *ret_vps_fd);

/* The end of "VERB [OPTIONS] NAME" once the options are parsed: exactly one NAME, valid, and
 * root to run; then vps_open(). Logs and returns -errno. */
int vps_open_from_args(const struct vpsmgr_context *ctx, const char *verb, int argc, char **argv,
                       const char **ret_name, int *ret_root_fd, int *ret_vps_fd);
