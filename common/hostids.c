/* Parsers of the host's passwd, group, subuid and subgid files, reduced to ID ranges. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostids.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/textfile.h"

#define HOSTIDS_MAX_FILE (64 * 1024 * 1024)

const struct host_id_files host_id_files_default = {
        .passwd = "/etc/passwd",
        .group = "/etc/group",
        .subuid = "/etc/subuid",
        .subgid = "/etc/subgid",
};

void id_ranges_done(struct id_ranges *ranges) {
        free(ranges->ranges);
        *ranges = (struct id_ranges) {};
}

int id_ranges_add(struct id_ranges *ranges, uint32_t start, uint32_t count) {
        struct id_range *p;

        if (count == 0 || (uint64_t) start + count > (uint64_t) UINT32_MAX + 1)
                return -EINVAL;
        p = realloc(ranges->ranges, (ranges->n + 1) * sizeof(*p));
        if (!p)
                return -ENOMEM;
        ranges->ranges = p;
        p[ranges->n++] = (struct id_range) { .start = start, .count = count };
        return 0;
}

/* One ':'-separated record: the number of fields it must have and which of them are IDs. */
struct record_format {
        size_t fields;
        size_t id_fields[2];
        size_t n_id_fields;
        const char *const *id_names;
        bool subordinate; /* fields 1 and 2 are start and count of a range */
};

struct record_parse {
        const struct record_format *format;
        struct id_ranges *ranges;
};

static int parse_id(const char *s, const struct line_location *where, const char *what,
                    uint32_t *ret, char **ret_error) {
        if (safe_atou32(s, ret) < 0)
                return error_at(ret_error, where->filename, where->line,
                                "%s '%.32s' is not a number below 2^32", what, s);
        return 0;
}

static int parse_record(char *line, const struct line_location *where, void *userdata,
                        char **ret_error) {
        const struct record_parse *rp = userdata;
        const struct record_format *fmt = rp->format;
        char *fields[8];
        uint32_t v[2];
        int r;

        if (!fmt->subordinate && (line[0] == '+' || line[0] == '-'))
                return 0;
        if (split_char(line, ':', fields, ELEMENTSOF(fields)) != fmt->fields)
                return error_at(ret_error, where->filename, where->line,
                                "expected %zu ':'-separated fields", fmt->fields);
        for (size_t i = 0; i < fmt->n_id_fields; i++) {
                r = parse_id(fields[fmt->id_fields[i]], where, fmt->id_names[i], &v[i], ret_error);
                if (r < 0)
                        return r;
        }
        if (fmt->subordinate) {
                r = id_ranges_add(rp->ranges, v[0], v[1]);
                if (r == -EINVAL)
                        return error_at(ret_error, where->filename, where->line,
                                        "range %u+%u is empty or wraps past 2^32", v[0], v[1]);
                return r;
        }
        for (size_t i = 0; i < fmt->n_id_fields; i++) {
                r = id_ranges_add(rp->ranges, v[i], 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *const passwd_ids[] = { "uid", "gid" };
static const char *const group_ids[] = { "gid" };
static const char *const subid_ids[] = { "start", "count" };

static const struct record_format passwd_format = {
        .fields = 7, .id_fields = { 2, 3 }, .n_id_fields = 2, .id_names = passwd_ids,
};
static const struct record_format group_format = {
        .fields = 4, .id_fields = { 2 }, .n_id_fields = 1, .id_names = group_ids,
};
static const struct record_format subid_format = {
        .fields = 3, .id_fields = { 1, 2 }, .n_id_fields = 2, .id_names = subid_ids, .subordinate = true,
};

static int parse_with(const struct record_format *format, const char *text, const char *filename,
                      struct id_ranges *ranges, char **ret_error) {
        struct record_parse rp = { .format = format, .ranges = ranges };

        return text_parse_lines(text, filename, parse_record, &rp, ret_error);
}

int hostids_parse_passwd(const char *text, const char *filename, struct id_ranges *ranges, char **ret_error) {
        return parse_with(&passwd_format, text, filename, ranges, ret_error);
}

int hostids_parse_group(const char *text, const char *filename, struct id_ranges *ranges, char **ret_error) {
        return parse_with(&group_format, text, filename, ranges, ret_error);
}

int hostids_parse_subid(const char *text, const char *filename, struct id_ranges *ranges, char **ret_error) {
        return parse_with(&subid_format, text, filename, ranges, ret_error);
}

int hostids_load(const struct host_id_files *files, struct id_ranges *ret, char **ret_error) {
        const struct {
                const char *path;
                const struct record_format *format;
                bool missing_ok;
        } sources[] = {
                { files->passwd, &passwd_format, false },
                { files->group, &group_format, false },
                { files->subuid, &subid_format, true },
                { files->subgid, &subid_format, true },
        };
        struct id_ranges ranges = {};
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sources); i++) {
                _cleanup_free_ char *text = NULL;

                r = text_load_at(AT_FDCWD, sources[i].path, HOSTIDS_MAX_FILE, sources[i].missing_ok,
                                 &text, ret_error);
                if (r >= 0)
                        r = parse_with(sources[i].format, text, sources[i].path, &ranges, ret_error);
        }
        if (r < 0) {
                id_ranges_done(&ranges);
                return r;
        }
        *ret = ranges;
        return 0;
}
