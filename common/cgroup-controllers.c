/* Controllers a VPS's cgroup may use for limits later. On a hybrid host they may all be
 * bound to cgroup v1, so an empty set is normal and nothing here is required to succeed
 * beyond reading the lists. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"

#define CONTROLLERS_MAX 4096

static const char *const controller_names[_CGROUP_CONTROLLER_MAX] = {
        [CGROUP_CONTROLLER_CPU] = "cpu",
        [CGROUP_CONTROLLER_CPUSET] = "cpuset",
        [CGROUP_CONTROLLER_IO] = "io",
        [CGROUP_CONTROLLER_MEMORY] = "memory",
        [CGROUP_CONTROLLER_HUGETLB] = "hugetlb",
        [CGROUP_CONTROLLER_PIDS] = "pids",
        [CGROUP_CONTROLLER_RDMA] = "rdma",
        [CGROUP_CONTROLLER_MISC] = "misc",
};

const char *cgroup_controller_to_string(enum cgroup_controller c) {
        if ((unsigned) c >= _CGROUP_CONTROLLER_MAX)
                return NULL;
        return controller_names[c];
}

int cgroup_controller_from_string(const char *s) {
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                if (strcmp(controller_names[c], s) == 0)
                        return c;
        return -EINVAL;
}

static int read_mask(int cgfd, const char *file, unsigned *ret_mask) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_file_at(cgfd, file, CONTROLLERS_MAX, &text, NULL);
        if (r < 0)
                return r;
        return cgroup_parse_controllers(text, ret_mask);
}

int cgroup_get_controllers(int cgfd, unsigned *ret_mask) {
        return read_mask(cgfd, "cgroup.controllers", ret_mask);
}

int cgroup_enable_controllers(int cgfd, unsigned mask, unsigned *ret_enabled) {
        unsigned available;
        int r;

        r = cgroup_get_controllers(cgfd, &available);
        if (r < 0)
                return r;
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                char line[32];

                if (!(mask & available & CGROUP_MASK(c)))
                        continue;
                snprintf(line, sizeof(line), "+%s", controller_names[c]);
                /* EBUSY: this cgroup holds processes itself (the no-internal-process rule). */
                r = write_string_at(cgfd, "cgroup.subtree_control", line);
                if (r < 0)
                        log_debug_errno(r, "Failed to enable controller %s: %m", controller_names[c]);
        }

        if (ret_enabled)
                return read_mask(cgfd, "cgroup.subtree_control", ret_enabled);
        return 0;
}
