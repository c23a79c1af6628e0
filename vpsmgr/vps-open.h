/* Opening the state directory and a VPS in it for a verb, with the one-line messages every
 * verb gives alike ("vpsmgr: web1: no such VPS"). */
#pragma once

#include "vpsmgr/verbs.h"

/* The state root for reading: a missing root is logged as "NAME: no such VPS" when name is
 * given (one VPS asked for), else returned as -ENOENT without a message. */
int vps_open_root(const struct vpsmgr_context *ctx, const char *name, int *ret_root_fd);

/* The root and root/NAME; logs and returns -errno on failure. */
int vps_open(const struct vpsmgr_context *ctx, const char *name, int *ret_root_fd, int *ret_vps_fd);
