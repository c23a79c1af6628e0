/* The IDs the host already uses, which no VPS block may overlap: uids and primary gids in
 * /etc/passwd, gids in /etc/group, and the subordinate ranges of /etc/subuid and
 * /etc/subgid ("name:start:count"). uids and gids count alike, because a VPS's block
 * serves as both. Paths are parameters so that tests bring their own files; like every
 * file here they are opened without following a symlink in the last component. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct host_id_files {
        const char *passwd;  /* required */
        const char *group;   /* required */
        const char *subuid;  /* a missing file is empty (no subordinate ranges) */
        const char *subgid;  /* likewise */
};

extern const struct host_id_files host_id_files_default;

struct id_range {
        uint32_t start;
        uint32_t count; /* >= 1; start + count <= 2^32 */
};

struct id_ranges {
        size_t n;
        struct id_range *ranges;
};

/* Parsers of the four formats, appending to ranges. Blank lines and '#' comments are
 * skipped, and so are NIS compat lines ('+' or '-' first) of passwd and group. Anything
 * else malformed is -EINVAL with "FILENAME:LINE: reason" in *ret_error (if given): with IDs
 * unknown, no block can be called free. */
int hostids_parse_passwd(const char *text, const char *filename, struct id_ranges *ranges, char **ret_error);
int hostids_parse_group(const char *text, const char *filename, struct id_ranges *ranges, char **ret_error);
int hostids_parse_subid(const char *text, const char *filename, struct id_ranges *ranges, char **ret_error);

/* Reads all four files into *ret (which the caller releases with id_ranges_done()). */
int hostids_load(const struct host_id_files *files, struct id_ranges *ret, char **ret_error);

void id_ranges_done(struct id_ranges *ranges);
int id_ranges_add(struct id_ranges *ranges, uint32_t start, uint32_t count);
