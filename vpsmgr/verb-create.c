/* vpsmgr create: a new VPS's state directory, VPID and ID block, config, translation table,
 * VSU list and backing store; anything failing midway leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/fileio.h"
#include "common/idmap.h"
#include "common/log.h"
#include "common/pool.h"
#include "common/vpsdb.h"
#include "common/vsu.h"
#include "vpsmgr/args.h"
#include "vpsmgr/interrupt.h"
#include "vpsmgr/json.h"
#include "vpsmgr/lifecycle.h"
#include "common/rm-rf.h"
#include "vpsmgr/verb-create.h"
#include "vpsmgr/verbs.h"

#define fail(...) (log_error(__VA_ARGS__), -EINVAL)

enum {
        OPT_TEMPLATE = 0x100,
        OPT_ROOTFS,
        OPT_ROOTFS_TAR,
        OPT_HOSTNAME,
        OPT_START_CMD,
        OPT_VPID,
};

static int set_source(struct create_options *o, enum rootfs_source_kind kind, const char *path, bool *seen) {
        if (*seen)
                return fail("create: give only one of --template, --rootfs and --rootfs-tar");
        *seen = true;
        o->source = kind;
        o->source_path = path;
        return 0;
}

int create_parse(int argc, char **argv, struct create_options *ret) {
        static const struct option options[] = {
                { "template", required_argument, NULL, OPT_TEMPLATE },
                { "rootfs", required_argument, NULL, OPT_ROOTFS },
                { "rootfs-tar", required_argument, NULL, OPT_ROOTFS_TAR },
                { "hostname", required_argument, NULL, OPT_HOSTNAME },
                { "start-cmd", required_argument, NULL, OPT_START_CMD },
                { "vpid", required_argument, NULL, OPT_VPID },
                {},
        };
        struct create_options o = { .source = ROOTFS_TEMPLATE_BUSYBOX };
        bool seen_source = false;
        int c, r = 0;

        args_reset();
        while (r >= 0 && (c = args_next("create", argc, argv, "", options)) != -1) {
                switch (c) {
                case OPT_TEMPLATE:
                        if (strcmp(optarg, "busybox") != 0)
                                return fail("create: unknown template '%s' (there is only 'busybox')", optarg);
                        r = set_source(&o, ROOTFS_TEMPLATE_BUSYBOX, NULL, &seen_source);
                        break;
                case OPT_ROOTFS:
                        r = set_source(&o, ROOTFS_TREE, optarg, &seen_source);
                        break;
                case OPT_ROOTFS_TAR:
                        r = set_source(&o, ROOTFS_TARBALL, optarg, &seen_source);
                        break;
                case OPT_HOSTNAME:
                        if (vps_hostname_check(optarg) < 0)
                                return fail("create: invalid host name '%s' (at most 64 characters; labels of "
                                            "letters, digits and '-', separated by '.')", optarg);
                        o.hostname = optarg;
                        break;
                case OPT_START_CMD:
                        if (strchr(optarg, '\n') || (*optarg && (strchr(" \t", optarg[0]) ||
                                                                 strchr(" \t", optarg[strlen(optarg) - 1]))))
                                return fail("create: invalid --start-cmd: a newline or blanks at its ends "
                                            "cannot be stored");
                        o.start_cmd = optarg;
                        break;
                case OPT_VPID:
                        r = args_uint32("create", "--vpid", optarg, POOL_VPID_MIN, POOL_VPID_MAX, &o.vpid);
                        break;
                default:
                        return c < 0 ? c : -EINVAL;
                }
        }
        if (r < 0)
                return r;
        r = args_positional("create", argc, argv, 1, 1, "NAME");
        if (r < 0)
                return r;
        o.name = argv[optind];
        r = args_vps_name(o.name);
        if (r < 0)
                return r;
        if (!o.hostname && vps_hostname_check(o.name) < 0)
                return fail("%s: the name is not a valid host name: give one with --hostname", o.name);
        *ret = o;
        return 0;
}

/* The directory and the pool entry, under the names lock (lifecycle.h). */
static int make_vps(int root_fd, const struct create_options *o, int *ret_vps_fd, struct pool_entry *ret_entry) {
        _cleanup_close_ int names_lock = -1, vps_fd = -1;
        _cleanup_free_ char *error = NULL;
        int r;

        names_lock = vps_names_lock(root_fd);
        if (names_lock < 0)
                return log_error_errno(names_lock, "%s: cannot lock the state directory: %m", o->name);
        vps_fd = vpsdb_create_vps(root_fd, o->name);
        if (vps_fd == -EEXIST) {
                log_error("%s: already exists", o->name);
                return -EEXIST;
        }
        if (vps_fd < 0)
                return log_error_errno(vps_fd, "%s: cannot create its directory: %m", o->name);
        r = pool_alloc(root_fd, &host_id_files_default, o->name, o->vpid, ret_entry, &error);
        if (r == -EEXIST) {
                /* pool.h's corner: the entry of a destroyed VPS of this name, whose destroy
                 * crashed before the release. Ours is the directory now. */
                log_debug("%s: dropping the stale pool entry of an earlier VPS of this name", o->name);
                r = pool_release(root_fd, o->name, &error);
                if (r >= 0)
                        r = pool_alloc(root_fd, &host_id_files_default, o->name, o->vpid, ret_entry, &error);
        }
        if (r < 0) {
                (void) rm_rf_at(root_fd, o->name);
                if (r == -EBUSY)
                        return log_error_errno(r, "%s: VPID %" PRIu32 " is taken by another VPS", o->name,
                                               o->vpid);
                if (r == -EADDRINUSE)
                        return log_error_errno(r, "%s: the ID block of VPID %" PRIu32 " overlaps IDs the host "
                                               "uses (passwd, group, subuid, subgid)", o->name, o->vpid);
                if (r == -ENOSPC)
                        return log_error_errno(r, "%s: no free VPID left", o->name);
                if (error)
                        return log_error_errno(r, "%s: cannot allocate a VPID: %s", o->name, error);
                return log_error_errno(r, "%s: cannot allocate a VPID: %m", o->name);
        }
        *ret_vps_fd = TAKE_FD(vps_fd);
        return 0;
}

static int write_idmap(int vps_fd, const struct pool_entry *e) {
        _cleanup_idmap_ struct idmap *m = idmap_new();
        _cleanup_free_ char *text = NULL;
        int r;

        if (!m)
                return -ENOMEM;
        /* The seed's default allocation: virtual ID v is alternative ID base + v. */
        r = idmap_add(m, IDMAP_UID, 0, e->base, e->count, NULL);
        if (r >= 0)
                r = idmap_add(m, IDMAP_GID, 0, e->base, e->count, NULL);
        if (r >= 0)
                r = idmap_format(m, &text);
        if (r < 0)
                return r;
        return write_file_atomic_at(vps_fd, "idmap", text, strlen(text), 0600);
}

static int interrupted(const char *name, const char *when) {
        return log_error_errno(-EINTR, "%s: interrupted by SIG%s %s; nothing of it is left", name,
                               sigabbrev_np(interrupt_pending()), when);
}

/* The backing store, the long part, which a signal stops. */
static int fill_rootfs(int vps_fd, const struct create_options *o, const char *hostname,
                       struct rootfs_source *source) {
        _cleanup_free_ char *error = NULL;
        _cleanup_close_ int rootfd = -1;
        int r;

        rootfd = openat(vps_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfd < 0)
                return log_error_errno(negative_errno(), "%s: cannot open rootfs/: %m", o->name);
        r = rootfs_fill(source, rootfd, hostname, &error);
        if (interrupt_pending())
                return interrupted(o->name, "while filling rootfs");
        if (r < 0 && source->kind == ROOTFS_TEMPLATE_BUSYBOX)
                return log_error_errno(r, "%s: %s", o->name, error ?: "cannot build the busybox template");
        if (r < 0)
                return log_error_errno(r, "%s: cannot fill rootfs from '%s': %s", o->name, source->path,
                                       error ?: strerror(-r));
        return 0;
}

/* Backing store, translation table, empty VSU list, and the config last: a VPS without
 * config is one whose create did not finish, which list shows as broken. Logs what failed. */
static int fill_vps(int vps_fd, const struct create_options *o, const struct pool_entry *e,
                    struct rootfs_source *source) {
        _cleanup_vps_config_ struct vps_config *config = vps_config_new();
        _cleanup_vsu_list_ struct vsu_list *vsu = vsu_list_new();
        int r;

        if (!config || !vsu)
                return log_error_errno(-ENOMEM, "%s: %m", o->name);
        config->vpid = e->vpid;
        config->hostname = strdup(o->hostname ?: o->name);
        config->start_cmd = o->start_cmd ? strdup(o->start_cmd) : NULL;
        if (!config->hostname || (o->start_cmd && !config->start_cmd))
                return log_error_errno(-ENOMEM, "%s: %m", o->name);
        r = fill_rootfs(vps_fd, o, config->hostname, source);
        if (r < 0)
                return r;
        r = write_idmap(vps_fd, e);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write its translation table: %m", o->name);
        r = vsu_list_save_at(vps_fd, "vsu", vsu);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write its VSU list: %m", o->name);
        /* The last moment to stop: once the config is written, the VPS is complete. */
        if (interrupt_pending())
                return interrupted(o->name, "before its config was written");
        r = vps_config_save_at(vps_fd, "config", config);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write its config: %m", o->name);
        return 0;
}

static int print_result(const struct vpsmgr_context *ctx, const char *name, const struct pool_entry *e) {
        struct json j;

        if (!ctx->json) {
                printf("created %s: VPID %" PRIu32 ", IDs %" PRIu32 "-%" PRIu32 "\n", name, e->vpid, e->base,
                       e->base + e->count - 1);
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, name);
        json_key(&j, "vpid");
        json_uint(&j, e->vpid);
        json_key(&j, "id_base");
        json_uint(&j, e->base);
        json_key(&j, "id_count");
        json_uint(&j, e->count);
        json_end_object(&j);
        return json_finish(&j);
}

static int create_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        struct create_options o;
        struct rootfs_source source;
        struct pool_entry entry;
        _cleanup_close_ int root_fd = -1, vps_fd = -1, lock_fd = -1;
        _cleanup_free_ char *error = NULL;
        const char *what;
        int r;

        r = create_parse(argc, argv, &o);
        if (r < 0)
                return r;
        r = args_require_root();
        if (r < 0)
                return r;
        source = (struct rootfs_source) { .kind = o.source, .path = o.source_path, .fd = -1 };
        r = rootfs_source_open(&source, &what);
        if (r < 0)
                return log_error_errno(r, "%s: cannot use '%s' as rootfs: %s", o.name, o.source_path, what);

        root_fd = vpsdb_open_root(ctx->root, true);
        if (root_fd < 0) {
                rootfs_source_close(&source);
                return log_error_errno(root_fd, "cannot open the state directory '%s': %m", ctx->root);
        }
        /* From here until the config is written, a signal is noted, not obeyed, so that
         * what was made can be removed. */
        r = interrupt_catch();
        if (r < 0)
                log_error_errno(r, "cannot catch signals: %m");
        if (r >= 0)
                r = make_vps(root_fd, &o, &vps_fd, &entry);
        if (r >= 0) {
                lock_fd = vpsdb_lock_vps(vps_fd, true);
                if (lock_fd < 0)
                        r = log_error_errno(lock_fd, "%s: cannot take its lock (destroyed meanwhile?): %m", o.name);
        }
        if (r >= 0) {
                r = fill_vps(vps_fd, &o, &entry, &source);
                if (r < 0 && vps_remove(root_fd, o.name, &error) < 0)
                        log_warning("%s: could not remove the half-made VPS: %s", o.name,
                                    error ?: "see 'vpsmgr destroy'");
        }
        interrupt_release();
        rootfs_source_close(&source);
        if (r < 0)
                return r;
        return print_result(ctx, o.name, &entry);
}

const struct verb verb_create = {
        .name = "create",
        .summary = "create a VPS: VPID, ID block, config, translation table, rootfs",
        .usage =
                "Usage: vpsmgr create NAME [--template busybox | --rootfs DIR | --rootfs-tar FILE]\n"
                "                          [--hostname HOST] [--start-cmd CMD] [--vpid N]\n"
                "\n"
                "Creates the VPS NAME: allocates a VPID and its block of 65536 alternative IDs\n"
                "(VPID << 16 ...), writes its config, its translation table (virtual IDs 0..65535\n"
                "onto that block) and an empty VSU list, and fills its backing store rootfs/.\n"
                "The backing store keeps virtual IDs: nothing is chowned. If any step fails,\n"
                "nothing of the VPS is left behind.\n"
                "\n"
                "NAME: 1 to 63 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit.\n"
                "\n"
                "Options:\n"
                "  --template busybox  a small system from the host's static busybox (the default):\n"
                "                      shell and tools, /etc/passwd, group, shadow, hostname, hosts\n"
                "  --rootfs DIR        copy the tree DIR (e.g. debootstrap output): owners, modes,\n"
                "                      times, hard links, xattrs, ACLs, capabilities, symlinks (never\n"
                "                      followed), FIFOs, sockets, devices, holes. Like cp -x it stays\n"
                "                      on DIR's filesystem: mount points inside become empty dirs\n"
                "  --rootfs-tar FILE   unpack the tarball FILE (plain, gzip, bzip2, xz or zstd, told\n"
                "                      by content) with GNU tar, IDs numeric, xattrs and ACLs kept;\n"
                "                      members named '/...' or '../...' stay inside rootfs/\n"
                "  --hostname HOST     the VPS's host name (default: NAME)\n"
                "  --start-cmd CMD     the command vps-init runs (default: /etc/vps/rc if present)\n"
                "  --vpid N            take VPID N (1..65534) instead of the lowest free one\n"
                "  -h, --help          this text\n"
                "\n"
                "Prints \"created NAME: VPID N, IDs FIRST-LAST\" (with --json an object with name,\n"
                "vpid, id_base, id_count). Needs root.\n",
        .run = create_run,
};
