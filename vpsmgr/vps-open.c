/* Opening a VPS for a verb. */
#include <errno.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/vpsdb.h"
#include "vpsmgr/args.h"
#include "vpsmgr/vps-open.h"

int vps_open_root(const struct vpsmgr_context *ctx, const char *name, int *ret_root_fd) {
        int fd = vpsdb_open_root(ctx->root, false);

        if (fd == -ENOENT && !name)
                return fd;
        if (fd == -ENOENT) {
                log_error("%s: no such VPS", name);
                return fd;
        }
        if (fd < 0)
                return log_error_errno(fd, "cannot open the state directory '%s': %m", ctx->root);
        *ret_root_fd = fd;
        return 0;
}

int vps_open(const struct vpsmgr_context *ctx, const char *name, int *ret_root_fd, int *ret_vps_fd) {
        _cleanup_close_ int root_fd = -1;
        int r, fd;

        r = vps_open_root(ctx, name, &root_fd);
        if (r < 0)
                return r;
        fd = vpsdb_open_vps(root_fd, name);
        /* A file or symlink where a VPS directory would be is no VPS either. */
        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP) {
                log_error("%s: no such VPS", name);
                return -ENOENT;
        }
        if (fd < 0)
                return log_error_errno(fd, "%s: cannot open: %m", name);
        *ret_root_fd = TAKE_FD(root_fd);
        *ret_vps_fd = fd;
        return 0;
}

int vps_open_from_args(const struct vpsmgr_context *ctx, const char *verb, int argc, char **argv,
                       const char **ret_name, int *ret_root_fd, int *ret_vps_fd) {
        int r;

        r = args_positional(verb, argc, argv, 1, 1, "NAME");
        if (r >= 0)
                r = args_vps_name(argv[optind]);
        if (r >= 0)
                r = args_require_root();
        if (r >= 0)
                r = vps_open(ctx, argv[optind], ret_root_fd, ret_vps_fd);
        if (r < 0)
                return r;
        *ret_name = argv[optind];
        return 0;
}
