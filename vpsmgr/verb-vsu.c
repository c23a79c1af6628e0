/* vpsmgr vsu: the VSU list of a VPS (DESIGN.md, FIG. 14). add and del change NAME/vsu under the
 * VPS's lock; the capabilities follow at the next start of a process as that user, never for
 * one already running (the kernel has no way to hand a running process ambient capabilities,
 * and taking them from one could leave it half-privileged), and the command says so. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/vpsdb.h"
#include "common/vsu.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-open.h"

enum vsu_action {
        VSU_LIST,
        VSU_ADD,
        VSU_DEL,
};

static int load_list(const char *name, int vps_fd, struct vsu_list **ret) {
        _cleanup_free_ char *error = NULL;
        int r;

        r = vsu_list_load_at(vps_fd, "vsu", ret, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its VSU list: %s", name, error ?: strerror(-r));
        return 0;
}

/* The name of vuid in passwd text, or NULL. */
static const char *name_of(const char *passwd, uint32_t vuid, char *buf, size_t size) {
        return passwd_name_of(passwd, vuid, buf, size) < 0 ? NULL : buf;
}

static int vsu_print(const struct vpsmgr_context *ctx, const char *name, const struct vsu_list *l,
                     const char *passwd) {
        char user[PASSWD_FIELD_MAX];
        struct json j;

        if (!ctx->json) {
                /* vuid 0 is always a VSU, listed or not. */
                printf("%-6s %s\n", "VUID", "NAME");
                printf("%-6u %s\n", 0u, name_of(passwd, 0, user, sizeof(user)) ?: "-");
                for (size_t i = 0; i < l->n; i++)
                        printf("%-6" PRIu32 " %s\n", l->vuids[i],
                               name_of(passwd, l->vuids[i], user, sizeof(user)) ?: "-");
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, name);
        json_key(&j, "vsu");
        json_begin_array(&j);
        for (size_t i = 0; i <= l->n; i++) {
                uint32_t vuid = i == 0 ? 0 : l->vuids[i - 1];

                json_begin_object(&j);
                json_key(&j, "vuid");
                json_uint(&j, vuid);
                json_key(&j, "user");
                json_string(&j, name_of(passwd, vuid, user, sizeof(user)));
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        return json_finish(&j);
}

/* "alice (1000)" or "1000". */
static void describe(const char *passwd, uint32_t vuid, char *buf, size_t size) {
        char user[PASSWD_FIELD_MAX];

        if (name_of(passwd, vuid, user, sizeof(user)))
                snprintf(buf, size, "%s (%" PRIu32 ")", user, vuid);
        else
                snprintf(buf, size, "%" PRIu32, vuid);
}

static int vsu_change(const char *name, int vps_fd, enum vsu_action action, const char *passwd,
                      int pw_error, const char *user) {
        _cleanup_vsu_list_ struct vsu_list *l = NULL;
        _cleanup_close_ int lock_fd = -1;
        char who[PASSWD_FIELD_MAX + 16];
        uint32_t vuid;
        int r;

        r = passwd_uid_of(passwd, user, VSU_VUID_MAX, &vuid);
        if (r == -ESRCH && pw_error < 0)
                return log_error_errno(pw_error, "%s: cannot look up '%s': cannot read its /etc/passwd: %m",
                                       name, user);
        if (r == -ESRCH)
                return log_error_errno(r, "%s: no user '%s' in its /etc/passwd", name, user);
        if (r == -ERANGE)
                return log_error_errno(r, "%s: invalid vuid '%s': expected 0..%" PRIu32, name, user,
                                       VSU_VUID_MAX);
        if (r < 0)
                return log_error_errno(r, "%s: %m", name);
        describe(passwd, vuid, who, sizeof(who));
        /* A name may stand for any uid; the list holds those of the VPS's 65,536-ID block. */
        if (vuid > VSU_VUID_MAX)
                return log_error_errno(-ERANGE, "%s: %s is outside the vuids 0..%" PRIu32 " a VSU list holds",
                                       name, who, VSU_VUID_MAX);

        lock_fd = vpsdb_lock_vps(vps_fd, true);
        if (lock_fd == -ENOENT) {
                log_error("%s: no such VPS", name);
                return lock_fd;
        }
        if (lock_fd < 0)
                return log_error_errno(lock_fd, "%s: cannot take its lock: %m", name);
        r = load_list(name, vps_fd, &l);
        if (r < 0)
                return r;

        if (action == VSU_ADD) {
                r = vsu_list_add(l, vuid);
                if (r == 0) {
                        printf("%s: %s is a virtual super-user already%s\n", name, who,
                               vuid == 0 ? " (vuid 0 always is)" : "");
                        return 0;
                }
        } else {
                r = vsu_list_remove(l, vuid);
                if (r == -EPERM)
                        return log_error_errno(r, "%s: %s is the VPS's root, always a virtual super-user",
                                               name, who);
                if (r == 0) {
                        printf("%s: %s is not on the VSU list; nothing changed\n", name, who);
                        return 0;
                }
        }
        if (r < 0)
                return log_error_errno(r, "%s: %m", name);
        r = vsu_list_save_at(vps_fd, "vsu", l);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write its VSU list: %m", name);
        if (action == VSU_ADD)
                printf("%s: %s is now a virtual super-user; processes started as it from now on get the "
                       "VSU capabilities, running ones keep what they have\n", name, who);
        else
                printf("%s: %s is no longer a virtual super-user; processes started as it from now on get "
                       "no capabilities, running ones keep what they have\n", name, who);
        return 0;
}

static int vsu_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_vsu_list_ struct vsu_list *l = NULL;
        _cleanup_free_ char *passwd = NULL;
        _cleanup_close_ int root_fd = -1, vps_fd = -1;
        enum vsu_action action;
        const char *name, *what;
        int r, pw_error;

        r = args_no_options("vsu", argc, argv);
        if (r >= 0)
                r = args_positional("vsu", argc, argv, 2, 3, "NAME and list, add USER or del USER");
        if (r < 0)
                return r;
        name = argv[optind];
        what = argv[optind + 1];
        if (strcmp(what, "list") == 0)
                action = VSU_LIST;
        else if (strcmp(what, "add") == 0)
                action = VSU_ADD;
        else if (strcmp(what, "del") == 0)
                action = VSU_DEL;
        else {
                log_error("vsu: unknown action '%s': expected list, add or del", what);
                return -EINVAL;
        }
        if (action == VSU_LIST && argc - optind == 3) {
                log_error("vsu: unexpected argument '%s'", argv[optind + 2]);
                return -EINVAL;
        }
        if (action != VSU_LIST && argc - optind == 2) {
                log_error("vsu: missing USER (see 'vpsmgr vsu --help')");
                return -EINVAL;
        }
        r = args_vps_name(name);
        if (r >= 0)
                r = args_require_root();
        if (r >= 0)
                r = vps_open(ctx, name, &root_fd, &vps_fd);
        if (r < 0)
                return r;

        /* The VPS's root owns that file and may have made it anything: then the list can
         * still be managed by vuid, only names are unknown. */
        pw_error = passwd_read_vps(vps_fd, &passwd);
        if (action != VSU_LIST)
                return vsu_change(name, vps_fd, action, passwd ?: "", pw_error, argv[optind + 2]);
        r = load_list(name, vps_fd, &l);
        if (r < 0)
                return r;
        return vsu_print(ctx, name, l, passwd ?: "");
}

const struct verb verb_vsu = {
        .name = "vsu",
        .summary = "show or change a VPS's list of virtual super-users",
        .usage =
                "Usage: vpsmgr [--json] vsu NAME list\n"
                "       vpsmgr vsu NAME add USER\n"
                "       vpsmgr vsu NAME del USER\n"
                "\n"
                "The VSU list of the VPS NAME: users who keep their own uid but get the VSU\n"
                "capability set (change any file of the VPS, chown, signal any of its\n"
                "processes, become any of its users, bind ports below 1024, chroot), held in\n"
                "the VPS's user namespace only. vuid 0, the VPS's root, always is one.\n"
                "\n"
                "USER is a name from the VPS's own /etc/passwd or a virtual uid (0..65535).\n"
                "A change applies to processes started as USER afterwards (exec, enter, run);\n"
                "running processes keep what they have. Works whether the VPS runs or not.\n"
                "\n"
                "With --json, list prints {\"name\": NAME, \"vsu\": [{\"vuid\", \"user\"}...]}\n"
                "(user null when /etc/passwd has no name for the vuid).\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = vsu_run,
};
