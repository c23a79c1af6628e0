/* Locating and checking the vps-init binary. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/elf-static.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/init-binary.h"
#include "vpsmgr/init-protocol.h"

int init_binary_open(void) {
        const char *path = getenv(VPS_INIT_ENV) ?: VPS_INIT_INSTALLED;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_debug_errno(negative_errno(), "cannot open %s: %m", path);
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return -ENOEXEC;
        r = elf_is_static(fd);
        if (r < 0)
                return r;
        if (r == 0)
                return log_debug_errno(-ENOEXEC, "%s is dynamically linked", path);
        return TAKE_FD(fd);
}
