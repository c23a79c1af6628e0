/* vpsmgr ps NAME: the processes of a VPS (its cgroup, the VPID table) with their PIDs on the
 * host and inside, their users as the VPS names them, state and command. Everything is read
 * from the host's /proc and the backing store; the VPS's files are read the careful way
 * (passwd.h), never through its mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/idmap.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/vpid.h"
#include "vpsmgr/args.h"
#include "vpsmgr/handle.h"
#include "vpsmgr/json.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/state.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-open.h"

#define COMMAND_MAX 4096

struct ps_row {
        pid_t pid;
        pid_t inside;        /* 0: not in the VPS's PID namespace (a joining vpsmgr) */
        char user[64];
        long long vuid;      /* -1: not in the table */
        char state;
        char command[COMMAND_MAX];
};

/* The value after "key:\t" in a /proc status text, up to the end of its line. */
static const char *status_field(const char *status, const char *key, char *buf, size_t size) {
        size_t k = strlen(key);

        for (const char *p = status; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, key, k) == 0 && p[k] == ':') {
                        p += k + 1;
                        p += strspn(p, " \t");
                        snprintf(buf, size, "%.*s", (int) strcspn(p, "\n"), p);
                        return buf;
                }
        return NULL;
}

static int read_row(pid_t pid, const struct idmap *m, const char *passwd, struct ps_row *row) {
        _cleanup_free_ char *status = NULL, *cmdline = NULL;
        char path[64], buf[256], *last;
        size_t n = 0;
        uint32_t uid, vuid, inside;
        int r;

        *row = (struct ps_row) { .pid = pid, .vuid = -1, .state = '?' };
        r = proc_read(pid, "status", &status);
        if (r < 0)
                return r;
        if (status_field(status, "State", buf, sizeof(buf)))
                row->state = buf[0];
        /* NSpid lists the PID in each namespace from the host's down: more than one field
         * means the process is inside the VPS's PID namespace. */
        if (status_field(status, "NSpid", buf, sizeof(buf)) && (last = strrchr(buf, '\t')) &&
            safe_atou32(last + 1, &inside) >= 0)
                row->inside = (pid_t) inside;
        if (status_field(status, "Uid", buf, sizeof(buf)) && safe_atou32_n(buf, strcspn(buf, "\t "), &uid) >= 0) {
                if (idmap_to_virt(m, IDMAP_UID, uid, &vuid) >= 0) {
                        row->vuid = vuid;
                        if (passwd_name_of(passwd, vuid, row->user, sizeof(row->user)) < 0)
                                snprintf(row->user, sizeof(row->user), "%u", vuid);
                } else
                        snprintf(row->user, sizeof(row->user), "host:%u", uid);
        }
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
        if (read_file_at(AT_FDCWD, path, COMMAND_MAX - 1, &cmdline, &n) >= 0 && n > 0) {
                for (size_t i = 0; i + 1 < n; i++)
                        if (cmdline[i] == '\0')
                                cmdline[i] = ' ';
                snprintf(row->command, sizeof(row->command), "%s", cmdline);
        } else if (status_field(status, "Name", buf, sizeof(buf)))
                snprintf(row->command, sizeof(row->command), "[%s]", buf);
        /* The VPS chooses its command lines: no control character reaches our terminal. */
        for (char *c = row->command; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = '?';
        return 0;
}

static void print_row(const struct ps_row *row) {
        char inside[16];

        if (row->inside > 0)
                snprintf(inside, sizeof(inside), "%d", (int) row->inside);
        else
                snprintf(inside, sizeof(inside), "-");
        printf("%7d %6s %-10s %c %s\n", (int) row->pid, inside, row->user, row->state, row->command);
}

static void json_row(struct json *j, const struct ps_row *row) {
        char state[2] = { row->state, '\0' };

        json_begin_object(j);
        json_key(j, "pid");
        json_int(j, row->pid);
        json_key(j, "pid_inside");
        if (row->inside > 0)
                json_int(j, row->inside);
        else
                json_null(j);
        json_key(j, "uid");
        if (row->vuid >= 0)
                json_int(j, row->vuid);
        else
                json_null(j);
        json_key(j, "user");
        json_string(j, row->user);
        json_key(j, "state");
        json_string(j, state);
        json_key(j, "command");
        json_string(j, row->command);
        json_end_object(j);
}

static int ps_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_close_ int root_fd = -1, vps_fd = -1, cgfd = -1;
        _cleanup_free_ char *passwd = NULL, *error = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_idmap_ struct idmap *m = NULL;
        struct vps_handle h = {};
        const char *name;
        size_t n = 0;
        struct json j;
        int r;

        r = args_no_options("ps", argc, argv);
        if (r >= 0)
                r = vps_open_from_args(ctx, "ps", argc, argv, &name, &root_fd, &vps_fd);
        if (r < 0)
                return r;
        r = idmap_load_at(vps_fd, "idmap", &m, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its translation table: %s", name, error ?: strerror(-r));
        if (passwd_read_vps(vps_fd, &passwd) < 0)
                passwd = strdup(""); /* numbers instead of names */
        if (!passwd)
                return log_error_errno(-ENOMEM, "%m");
        r = vps_handle_init(&h, ctx, name, vps_fd);
        if (r >= 0)
                r = vps_handle_cgroup(&h, &cgfd);
        vps_handle_done(&h);
        if (r >= 0)
                r = vpid_get_pids(cgfd, &pids, &n);
        if (r < 0 && r != -ENOENT && r != -ENOMEDIUM)
                return log_error_errno(r, "%s: cannot read its cgroup: %m", name);

        if (ctx->json) {
                json_init(&j, stdout);
                json_begin_array(&j);
        } else
                printf("%7s %6s %-10s %c %s\n", "PID", "VPID", "USER", 'S', "COMMAND");
        for (size_t i = 0; i < n; i++) {
                struct ps_row row;

                if (read_row(pids[i], m, passwd, &row) < 0)
                        continue; /* exited since */
                if (ctx->json)
                        json_row(&j, &row);
                else
                        print_row(&row);
        }
        if (ctx->json) {
                json_end_array(&j);
                return json_finish(&j);
        }
        return 0;
}

const struct verb verb_ps = {
        .name = "ps",
        .summary = "list the processes of a VPS",
        .usage =
                "Usage: vpsmgr [--json] ps NAME\n"
                "\n"
                "Lists every process in the VPS's cgroup: PID (on the host), VPID (its PID\n"
                "inside the VPS; '-' for a process that is only joining it), USER (the VPS's\n"
                "own name for its uid, from the VPS's /etc/passwd), S (state) and COMMAND.\n"
                "Prints only the header for a stopped VPS.\n"
                "\n"
                "With --json: an array of objects with pid, pid_inside, uid (virtual), user,\n"
                "state and command.\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = ps_run,
};
