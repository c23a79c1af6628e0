/* Everything list and status show of one VPS, gathered in one place: its config, its pool
 * entry and its runtime state. A VPS whose config or pool entry cannot be read (a create or
 * destroy that crashed halfway) is still shown, as "broken", so that it can be destroyed. */
#pragma once

#include <stdbool.h>

#include "common/config.h"
#include "common/pool.h"
#include "vpsmgr/state.h"
#include "vpsmgr/verbs.h"

struct vps_info {
        const char *name;
        struct vps_config *config;  /* NULL: unreadable, see problem */
        bool has_entry;
        struct pool_entry entry;
        struct vps_runtime rt;
        char *problem;              /* why it is broken, or NULL */
};

/* Gathers the info of root/NAME (whose directory is vps_fd) with the pool already loaded.
 * Only failures to probe the kernel's state are errors; the rest marks it broken. */
int vps_info_load(const struct vpsmgr_context *ctx, int vps_fd, const struct pool *pool, const char *name,
                  struct vps_info *ret);
void vps_info_done(struct vps_info *i);

/* "running", "stopped" or "broken" (running wins: a running VPS must be stopped first). */
const char *vps_info_state(const struct vps_info *i);

/* "45s", "12m03s", "3h04m", "2d03h"; "-" for a negative duration (unknown). */
void format_duration(int64_t seconds, char *buf, size_t size);
