/* Parsers for /proc/PID/cgroup, mountinfo, cgroup.events, cgroup.procs and controller lists. Strict:
 * the kernel's own output always passes, anything else is refused rather than guessed at,
 * because these answers decide which VPS a process belongs to. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/macro.h"
#include "common/parse.h"

/* One line of text: [*line, *line + *len), advancing *pos past its newline. */
static bool next_line(const char **pos, const char **line, size_t *len) {
        const char *eol;

        if (**pos == '\0')
                return false;
        eol = strchrnul(*pos, '\n');
        *line = *pos;
        *len = (size_t) (eol - *pos);
        *pos = *eol ? eol + 1 : eol;
        return true;
}

/* "ID:CONTROLLERS:PATH" with a decimal ID and an absolute PATH. Checking every line, not just
 * ours, means a forged line cannot hide among the others. */
static int split_proc_cgroup_line(const char *line, size_t len, uint32_t *id,
                                  const char **controllers, size_t *controllers_len,
                                  const char **path, size_t *path_len) {
        const char *c1, *c2;

        c1 = memchr(line, ':', len);
        if (!c1)
                return -EBADMSG;
        c2 = memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - line));
        if (!c2)
                return -EBADMSG;
        if (safe_atou32_n(line, (size_t) (c1 - line), id) < 0)
                return -EBADMSG;
        *controllers = c1 + 1;
        *controllers_len = (size_t) (c2 - c1 - 1);
        *path = c2 + 1;
        *path_len = len - (size_t) (c2 + 1 - line);
        if (*path_len == 0 || **path != '/')
                return -EBADMSG;
        return 0;
}

int cgroup_parse_proc_cgroup(const char *text, char **ret_path) {
        const char *pos = text, *line, *found = NULL;
        size_t len, found_len = 0;
        char *path;

        while (next_line(&pos, &line, &len)) {
                const char *controllers, *p;
                size_t controllers_len, p_len;
                uint32_t id;
                int r;

                r = split_proc_cgroup_line(line, len, &id, &controllers, &controllers_len, &p, &p_len);
                if (r < 0)
                        return r;
                if (id != 0)
                        continue;
                /* Hierarchy 0 is cgroup2, which has exactly one line and no controller list. */
                if (controllers_len != 0 || found)
                        return -EBADMSG;
                found = p;
                found_len = p_len;
        }
        if (!found)
                return -ENOMEDIUM;

        path = strndup(found, found_len);
        if (!path)
                return -ENOMEM;
        *ret_path = path;
        return 0;
}

/* Field i (0-based) of a mountinfo line: [*ret, *ret + *ret_len). Fields are separated by
 * single spaces; the kernel escapes spaces inside paths as \040. */
static int mountinfo_field(const char *line, size_t len, unsigned i, const char **ret, size_t *ret_len) {
        const char *p = line, *end = line + len, *sp;

        for (;;) {
                sp = memchr(p, ' ', (size_t) (end - p));
                if (i == 0)
                        break;
                if (!sp)
                        return -EBADMSG;
                p = sp + 1;
                i--;
        }
        *ret = p;
        *ret_len = (size_t) ((sp ?: end) - p);
        return *ret_len > 0 ? 0 : -EBADMSG;
}

/* The kernel's mangling of a path (seq_path: "\ooo" for space, tab, newline, backslash)
 * undone. Anything else after a backslash is not the kernel's. */
static int mountinfo_unescape(const char *s, size_t len, char **ret) {
        _cleanup_free_ char *out = malloc(len + 1);
        size_t n = 0;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                if (s[i] != '\\') {
                        out[n++] = s[i];
                        continue;
                }
                if (i + 3 >= len || s[i + 1] < '0' || s[i + 1] > '3' || s[i + 2] < '0' || s[i + 2] > '7' ||
                    s[i + 3] < '0' || s[i + 3] > '7')
                        return -EBADMSG;
                out[n++] = (char) ((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                i += 3;
        }
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

int cgroup_parse_mountinfo(const char *text, char **ret_path) {
        const char *pos = text, *line, *found = NULL;
        size_t len, found_len = 0;

        /* The last match wins: of two mounts on one place, the later one is the visible one. */
        while (next_line(&pos, &line, &len)) {
                const char *root, *target, *f, *fstype;
                size_t root_len, target_len, f_len, fstype_len;
                unsigned i;

                if (len == 0)
                        continue;
                /* ID PARENT MAJ:MIN ROOT TARGET OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
                if (mountinfo_field(line, len, 3, &root, &root_len) < 0 ||
                    mountinfo_field(line, len, 4, &target, &target_len) < 0 ||
                    mountinfo_field(line, len, 5, &f, &f_len) < 0)
                        return -EBADMSG;
                for (i = 6;; i++) {
                        if (mountinfo_field(line, len, i, &f, &f_len) < 0)
                                return -EBADMSG;
                        if (f_len == 1 && f[0] == '-')
                                break;
                }
                if (mountinfo_field(line, len, i + 1, &fstype, &fstype_len) < 0 || root[0] != '/' ||
                    target[0] != '/')
                        return -EBADMSG;
                if (fstype_len != strlen("cgroup2") || memcmp(fstype, "cgroup2", fstype_len) != 0)
                        continue;
                /* A bind mount of a sub-cgroup would make the paths in /proc/PID/cgroup (which
                 * are relative to our cgroup namespace root) disagree with the mount. */
                if (root_len != 1)
                        continue;
                found = target;
                found_len = target_len;
        }
        if (!found)
                return -ENOMEDIUM;
        return mountinfo_unescape(found, found_len, ret_path);
}

int cgroup_parse_events(const char *text, const char *key, bool *ret_value) {
        const char *pos = text, *line;
        size_t len, key_len = strlen(key);
        int value = -1;

        while (next_line(&pos, &line, &len)) {
                if (len <= key_len || memcmp(line, key, key_len) != 0 || line[key_len] != ' ')
                        continue;
                if (value >= 0 || len != key_len + 2)
                        return -EBADMSG;
                if (line[key_len + 1] == '0')
                        value = 0;
                else if (line[key_len + 1] == '1')
                        value = 1;
                else
                        return -EBADMSG;
        }
        if (value < 0)
                return -ENOKEY;
        *ret_value = value;
        return 0;
}

int cgroup_parse_pids(const char *text, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_free_ pid_t *pids = NULL;
        const char *pos = text, *line;
        size_t len, n = 0, max = 0;

        /* One allocation: at most one pid per newline, plus an unterminated last line. */
        for (const char *p = text; *p; p++)
                if (*p == '\n')
                        max++;
        max++;
        pids = calloc(max, sizeof(pid_t));
        if (!pids)
                return -ENOMEM;

        while (next_line(&pos, &line, &len)) {
                uint32_t v;

                if (safe_atou32_n(line, len, &v) < 0 || v == 0 || v > INT_MAX)
                        return -EBADMSG;
                pids[n++] = (pid_t) v;
        }
        if (n == 0) {
                free(pids);
                pids = NULL;
        }
        *ret_pids = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

int cgroup_parse_controllers(const char *text, unsigned *ret_mask) {
        unsigned mask = 0;
        const char *p = text;

        for (;;) {
                char name[32];
                size_t len;
                int c;

                p += strspn(p, " \n");
                if (*p == '\0')
                        break;
                len = strcspn(p, " \n");
                /* Longer than any controller we know: skip it like any other unknown name. */
                if (len < sizeof(name)) {
                        memcpy(name, p, len);
                        name[len] = '\0';
                        c = cgroup_controller_from_string(name);
                        if (c >= 0)
                                mask |= CGROUP_MASK(c);
                }
                p += len;
        }
        *ret_mask = mask;
        return 0;
}
