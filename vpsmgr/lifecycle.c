/* The names lock and the removal of a VPS's state. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

#include "common/macro.h"
#include "common/pool.h"
#include "vpsmgr/lifecycle.h"
#include "vpsmgr/rmtree.h"

int vps_names_lock(int root_fd) {
        _cleanup_close_ int fd = -1;

        /* An fd of our own: flock() belongs to the open file description. */
        fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return TAKE_FD(fd);
}

int vps_remove(int root_fd, const char *name, char **ret_error) {
        _cleanup_close_ int lock_fd = -1;
        int r;

        lock_fd = vps_names_lock(root_fd);
        if (lock_fd < 0)
                return lock_fd;
        r = rmtree_at(root_fd, name);
        if (r < 0 && r != -ENOENT)
                return r;
        r = pool_release(root_fd, name, ret_error);
        return r == -ENOENT ? 0 : r;
}
