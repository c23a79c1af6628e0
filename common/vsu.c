/* The VSU list of a VPS: a sorted set of vuids, its file form and atomic saves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/textfile.h"
#include "common/vsu.h"

#define VSU_MAX_FILE (1024 * 1024)

struct vsu_list *vsu_list_new(void) {
        return calloc(1, sizeof(struct vsu_list));
}

void vsu_list_free(struct vsu_list *l) {
        if (!l)
                return;
        free(l->vuids);
        free(l);
}

/* Index of the first element >= vuid. */
static size_t lower_bound(const struct vsu_list *l, uint32_t vuid) {
        size_t lo = 0, hi = l->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (l->vuids[mid] < vuid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

bool vsu_list_contains(const struct vsu_list *l, uint32_t vuid) {
        size_t i;

        if (vuid == 0)
                return true;
        i = lower_bound(l, vuid);
        return i < l->n && l->vuids[i] == vuid;
}

int vsu_list_add(struct vsu_list *l, uint32_t vuid) {
        uint32_t *p;
        size_t i;

        if (vuid > VSU_VUID_MAX)
                return -ERANGE;
        if (vsu_list_contains(l, vuid))
                return 0;
        p = realloc(l->vuids, (l->n + 1) * sizeof(*p));
        if (!p)
                return -ENOMEM;
        l->vuids = p;
        i = lower_bound(l, vuid);
        memmove(&p[i + 1], &p[i], (l->n - i) * sizeof(*p));
        p[i] = vuid;
        l->n++;
        return 1;
}

int vsu_list_remove(struct vsu_list *l, uint32_t vuid) {
        size_t i;

        if (vuid == 0)
                return -EPERM;
        if (!vsu_list_contains(l, vuid))
                return 0;
        i = lower_bound(l, vuid);
        memmove(&l->vuids[i], &l->vuids[i + 1], (l->n - i - 1) * sizeof(uint32_t));
        l->n--;
        return 1;
}

static int parse_line(char *line, const struct line_location *where, void *userdata,
                      char **ret_error) {
        struct vsu_list *l = userdata;
        uint32_t vuid;
        int r;

        strip_blanks(line);
        r = safe_atou32(line, &vuid);
        if (r < 0 || vuid > VSU_VUID_MAX)
                return error_at(ret_error, where->filename, where->line,
                                "'%.32s' is not a vuid in 1..65535", line);
        if (vuid == 0)
                return error_at(ret_error, where->filename, where->line,
                                "vuid 0 is always a virtual super-user and is not listed");
        r = vsu_list_add(l, vuid);
        if (r < 0)
                return r;
        if (r == 0)
                return error_at(ret_error, where->filename, where->line, "duplicate vuid %u", vuid);
        return 0;
}

int vsu_list_parse(const char *text, const char *filename, struct vsu_list **ret, char **ret_error) {
        _cleanup_vsu_list_ struct vsu_list *l = NULL;
        int r;

        l = vsu_list_new();
        if (!l)
                return -ENOMEM;
        r = text_parse_lines(text, filename, parse_line, l, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int vsu_list_load_at(int dirfd, const char *path, struct vsu_list **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = text_load_at(dirfd, path, VSU_MAX_FILE, true, &text, ret_error);
        if (r < 0)
                return r;
        return vsu_list_parse(text, path, ret, ret_error);
}

int vsu_list_format(const struct vsu_list *l, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs("# virtual super-users besides vuid 0, one vuid a line\n", f);
        for (size_t i = 0; i < l->n; i++)
                fprintf(f, "%u\n", l->vuids[i]);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

int vsu_list_save_at(int dirfd, const char *path, const struct vsu_list *l) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = vsu_list_format(l, &text);
        if (r < 0)
                return r;
        return write_file_atomic_at(dirfd, path, text, strlen(text), 0600);
}
