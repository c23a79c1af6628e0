/* The config file of a VPS (NAME/config): "key = value" lines, '#' comment lines and blank
 * lines. Blanks around key and value are ignored; the value is the rest of the line, so it
 * may contain '#' and spaces (there are no trailing comments). Every key may appear once;
 * unknown keys, duplicates and malformed values are errors "FILE:LINE: reason".
 *
 *   vpid       1..65534, the VPS's VPID (also recorded in the pool, which allocated it)
 *   hostname   a host name of at most 64 characters (labels of letters, digits, '-')
 *   start_cmd  the command line vps-init runs; may be empty (init then only reaps)
 *   network    "private": own network namespace with only loopback (the default);
 *              "host": the host's network namespace, for trusted VPSs only
 *   memory_max bytes, or "max" (the default): cgroup memory.max
 *   pids_max   a number, or "max" (the default): cgroup pids.max
 *
 * Keys live in one table in config.c, so adding one is adding a row. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define VPS_LIMIT_MAX UINT64_MAX  /* "max": no limit */
#define VPS_HOSTNAME_MAX 64

enum vps_network {
        VPS_NETWORK_PRIVATE,
        VPS_NETWORK_HOST,
        _VPS_NETWORK_MAX,
};

struct vps_config {
        uint32_t vpid;            /* 0: not set */
        char *hostname;           /* NULL: not set (the VPS name is used) */
        char *start_cmd;          /* NULL: not set; "" is set and empty */
        enum vps_network network;
        uint64_t memory_max;
        uint64_t pids_max;
};

/* A config with the defaults: nothing set, private network, no limits. */
struct vps_config *vps_config_new(void);
void vps_config_free(struct vps_config *c);

int vps_config_parse(const char *text, const char *filename, struct vps_config **ret,
                     char **ret_error);
/* Writes the keys that are set, in table order. -EINVAL for a value that would not parse
 * back (an invalid hostname, a string with a newline or blanks at its ends, ...). */
int vps_config_format(const struct vps_config *c, char **ret_text);
int vps_config_load_at(int dirfd, const char *path, struct vps_config **ret, char **ret_error);
/* Atomic replacement (temporary, fsync, rename, fsync of the directory), mode 0600. */
int vps_config_save_at(int dirfd, const char *path, const struct vps_config *c);
bool vps_config_equal(const struct vps_config *a, const struct vps_config *b);

int vps_hostname_check(const char *hostname);
const char *vps_network_to_string(enum vps_network n);
int vps_network_from_string(const char *s, enum vps_network *ret);

static inline void vps_config_freep(struct vps_config **c) {
        vps_config_free(*c);
}
#define _cleanup_vps_config_ __attribute__((cleanup(vps_config_freep)))
