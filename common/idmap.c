/* The alternative-ID translation table: parse, validate, format, look up both ways. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/textfile.h"

#define IDMAP_MAX_FILE (1024 * 1024)

static const char kind_letter[_IDMAP_KIND_MAX] = { [IDMAP_UID] = 'u', [IDMAP_GID] = 'g' };

struct idmap *idmap_new(void) {
        return calloc(1, sizeof(struct idmap));
}

void idmap_free(struct idmap *m) {
        if (!m)
                return;
        for (int k = 0; k < _IDMAP_KIND_MAX; k++) {
                free(m->list[k].by_virt);
                free(m->list[k].by_alt);
        }
        free(m);
}

static bool ranges_overlap(uint32_t a, uint32_t a_count, uint32_t b, uint32_t b_count) {
        return (uint64_t) a < (uint64_t) b + b_count && (uint64_t) b < (uint64_t) a + a_count;
}

/* Inserts e into the array of n elements sorted by the field at offset key. */
static void insert_sorted(struct idmap_extent *array, size_t n, struct idmap_extent e, size_t key) {
        uint32_t k = *(uint32_t *) ((char *) &e + key);
        size_t i = n;

        while (i > 0 && *(uint32_t *) ((char *) &array[i - 1] + key) > k) {
                array[i] = array[i - 1];
                i--;
        }
        array[i] = e;
}

int idmap_add(struct idmap *m, enum idmap_kind kind, uint32_t virt, uint32_t alt, uint32_t count,
              const char **ret_reason) {
        struct idmap_list *l = &m->list[kind];
        struct idmap_extent e = { .virt = virt, .alt = alt, .count = count };
        const char *reason = NULL;
        struct idmap_extent *p;

        if (count == 0)
                reason = "count is 0";
        else if ((uint64_t) virt + count - 1 == UINT32_MAX || (uint64_t) alt + count - 1 == UINT32_MAX)
                reason = "range includes the invalid ID 4294967295 ((uid_t)-1)";
        else if ((uint64_t) virt + count > UINT32_MAX || (uint64_t) alt + count > UINT32_MAX)
                reason = "range wraps past 2^32-1";
        else if (alt == 0)
                reason = "range maps onto host ID 0 (host root)";
        else if (l->n >= IDMAP_MAX_EXTENTS)
                reason = "more than 340 extents (the kernel's limit)";
        for (size_t i = 0; !reason && i < l->n; i++) {
                if (ranges_overlap(virt, count, l->by_virt[i].virt, l->by_virt[i].count))
                        reason = "virtual range overlaps an earlier extent";
                else if (ranges_overlap(alt, count, l->by_virt[i].alt, l->by_virt[i].count))
                        reason = "alternative range overlaps an earlier extent";
        }
        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EINVAL;
        }

        p = realloc(l->by_virt, (l->n + 1) * sizeof(*p));
        if (!p)
                return -ENOMEM;
        l->by_virt = p;
        p = realloc(l->by_alt, (l->n + 1) * sizeof(*p));
        if (!p)
                return -ENOMEM;
        l->by_alt = p;
        insert_sorted(l->by_virt, l->n, e, offsetof(struct idmap_extent, virt));
        insert_sorted(l->by_alt, l->n, e, offsetof(struct idmap_extent, alt));
        l->n++;
        return 0;
}

static int parse_line(char *line, const struct line_location *where, void *userdata, char **ret_error) {
        static const char *const names[] = { "virtual ID", "alternative ID", "count" };
        struct idmap *m = userdata;
        const char *reason = NULL;
        char *fields[4];
        uint32_t v[3];
        enum idmap_kind kind;
        size_t n;
        int r;

        n = split_blanks(line, fields, 4);
        if (strcmp(fields[0], "u") == 0)
                kind = IDMAP_UID;
        else if (strcmp(fields[0], "g") == 0)
                kind = IDMAP_GID;
        else
                return error_at(ret_error, where->filename, where->line,
                                "expected 'u' or 'g' at the start of the line");
        if (n > 4)
                return error_at(ret_error, where->filename, where->line, "trailing garbage after the count");
        if (n < 4)
                return error_at(ret_error, where->filename, where->line,
                                "expected four fields: u|g VIRTUAL ALTERNATIVE COUNT");
        for (int i = 0; i < 3; i++) {
                r = safe_atou32(fields[i + 1], &v[i]);
                if (r < 0)
                        return error_at(ret_error, where->filename, where->line,
                                        "%s '%.16s' is not a decimal number %s", names[i], fields[i + 1],
                                        r == -ERANGE ? "below 2^32" : "without sign");
        }
        r = idmap_add(m, kind, v[0], v[1], v[2], &reason);
        if (r == -EINVAL)
                return error_at(ret_error, where->filename, where->line, "%s", reason);
        return r;
}

int idmap_parse(const char *text, const char *filename, struct idmap **ret, char **ret_error) {
        _cleanup_idmap_ struct idmap *m = NULL;
        int r;

        m = idmap_new();
        if (!m)
                return -ENOMEM;
        r = text_parse_lines(text, filename, parse_line, m, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

int idmap_load_at(int dirfd, const char *path, struct idmap **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = text_load_at(dirfd, path, IDMAP_MAX_FILE, false, &text, ret_error);
        if (r < 0)
                return r;
        return idmap_parse(text, path, ret, ret_error);
}

static int format_lists(const struct idmap *m, bool kernel_form, int only_kind, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (int k = 0; k < _IDMAP_KIND_MAX; k++) {
                if (only_kind >= 0 && k != only_kind)
                        continue;
                for (size_t i = 0; i < m->list[k].n; i++) {
                        const struct idmap_extent *e = &m->list[k].by_virt[i];

                        if (kernel_form)
                                fprintf(f, "%u %u %u\n", e->virt, e->alt, e->count);
                        else
                                fprintf(f, "%c %u %u %u\n", kind_letter[k], e->virt, e->alt, e->count);
                }
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

int idmap_format(const struct idmap *m, char **ret_text) {
        return format_lists(m, false, -1, ret_text);
}

int idmap_kernel_map(const struct idmap *m, enum idmap_kind kind, char **ret_text) {
        return format_lists(m, true, (int) kind, ret_text);
}

/* The extent of array (sorted by the field at offset key) containing id, or NULL. */
static const struct idmap_extent *find_extent(const struct idmap_extent *array, size_t n, size_t key,
                                              uint32_t id) {
        size_t lo = 0, hi = n;

        /* First extent whose key is > id; the candidate is the one before it. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (*(const uint32_t *) ((const char *) &array[mid] + key) <= id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return NULL;
        array += lo - 1;
        if ((uint64_t) id >= (uint64_t) *(const uint32_t *) ((const char *) array + key) + array->count)
                return NULL;
        return array;
}

int idmap_to_alt(const struct idmap *m, enum idmap_kind kind, uint32_t virt, uint32_t *ret_alt) {
        const struct idmap_list *l = &m->list[kind];
        const struct idmap_extent *e;

        e = find_extent(l->by_virt, l->n, offsetof(struct idmap_extent, virt), virt);
        if (!e)
                return -ENOENT;
        *ret_alt = e->alt + (virt - e->virt);
        return 0;
}

int idmap_to_virt(const struct idmap *m, enum idmap_kind kind, uint32_t alt, uint32_t *ret_virt) {
        const struct idmap_list *l = &m->list[kind];
        const struct idmap_extent *e;

        e = find_extent(l->by_alt, l->n, offsetof(struct idmap_extent, alt), alt);
        if (!e)
                return -ENOENT;
        *ret_virt = e->virt + (alt - e->alt);
        return 0;
}

bool idmap_equal(const struct idmap *a, const struct idmap *b) {
        for (int k = 0; k < _IDMAP_KIND_MAX; k++) {
                if (a->list[k].n != b->list[k].n)
                        return false;
                if (a->list[k].n &&
                    memcmp(a->list[k].by_virt, b->list[k].by_virt, a->list[k].n * sizeof(struct idmap_extent)))
                        return false;
        }
        return true;
}
