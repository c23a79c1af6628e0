/* The config file of a VPS: a table of keys, each with a parser and a formatter. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/pool.h"
#include "common/textfile.h"

#define CONFIG_MAX_FILE (64 * 1024)
#define HOSTNAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

static const char *const network_names[_VPS_NETWORK_MAX] = {
        [VPS_NETWORK_PRIVATE] = "private",
        [VPS_NETWORK_HOST] = "host",
};

const char *vps_network_to_string(enum vps_network n) {
        return n >= 0 && n < _VPS_NETWORK_MAX ? network_names[n] : NULL;
}

int vps_network_from_string(const char *s, enum vps_network *ret) {
        for (int i = 0; i < _VPS_NETWORK_MAX; i++)
                if (strcmp(s, network_names[i]) == 0) {
                        *ret = (enum vps_network) i;
                        return 0;
                }
        return -EINVAL;
}

int vps_hostname_check(const char *hostname) {
        size_t label = 0;

        if (!*hostname || strlen(hostname) > VPS_HOSTNAME_MAX)
                return -EINVAL;
        for (const char *p = hostname;; p++) {
                if (*p == '.' || *p == '\0') {
                        /* Labels are not empty and do not end with '-' (RFC 1123). */
                        if (label == 0 || p[-1] == '-')
                                return -EINVAL;
                        if (!*p)
                                return 0;
                        label = 0;
                } else if (!strchr(HOSTNAME_CHARS, *p) || (label == 0 && *p == '-') || ++label > 63)
                        return -EINVAL;
        }
}

struct vps_config *vps_config_new(void) {
        struct vps_config *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->network = VPS_NETWORK_PRIVATE;
        c->memory_max = VPS_LIMIT_MAX;
        c->pids_max = VPS_LIMIT_MAX;
        return c;
}

void vps_config_free(struct vps_config *c) {
        if (!c)
                return;
        free(c->hostname);
        free(c->start_cmd);
        free(c);
}

static int replace_string(char **field, const char *value) {
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

static int fail(const char **ret_reason, const char *reason) {
        *ret_reason = reason;
        return -EINVAL;
}

static int parse_vpid(struct vps_config *c, const char *value, const char **ret_reason) {
        uint32_t v;

        if (safe_atou32(value, &v) < 0 || v < POOL_VPID_MIN || v > POOL_VPID_MAX)
                return fail(ret_reason, "not a number in 1..65534");
        c->vpid = v;
        return 0;
}

static int parse_hostname(struct vps_config *c, const char *value, const char **ret_reason) {
        if (vps_hostname_check(value) < 0)
                return fail(ret_reason, "not a host name (at most 64 characters; labels of letters, "
                                        "digits and '-', separated by '.')");
        return replace_string(&c->hostname, value);
}

static int parse_start_cmd(struct vps_config *c, const char *value, const char **ret_reason) {
        size_t len = strlen(value);

        /* What the file form cannot carry: it is one line, and blanks at its ends are trimmed. */
        if (strchr(value, '\n') || (len > 0 && strchr(" \t", value[0])) ||
            (len > 0 && strchr(" \t", value[len - 1])))
                return fail(ret_reason, "a newline or blanks at the ends cannot be stored");
        return replace_string(&c->start_cmd, value);
}

static int parse_network(struct vps_config *c, const char *value, const char **ret_reason) {
        if (vps_network_from_string(value, &c->network) < 0)
                return fail(ret_reason, "expected 'private' or 'host'");
        return 0;
}

static int parse_limit(const char *value, uint64_t *ret, const char **ret_reason) {
        if (strcmp(value, "max") == 0) {
                *ret = VPS_LIMIT_MAX;
                return 0;
        }
        if (safe_atou64(value, ret) < 0)
                return fail(ret_reason, "expected a number or 'max'");
        return 0;
}

static int parse_memory_max(struct vps_config *c, const char *value, const char **ret_reason) {
        return parse_limit(value, &c->memory_max, ret_reason);
}

static int parse_pids_max(struct vps_config *c, const char *value, const char **ret_reason) {
        return parse_limit(value, &c->pids_max, ret_reason);
}

/* Formatters return the value to write (in buf if it must be built), or NULL when the key
 * is not set and is left out of the file. */
static const char *value_vpid(const struct vps_config *c, char *buf, size_t size) {
        if (c->vpid == 0)
                return NULL;
        snprintf(buf, size, "%" PRIu32, c->vpid);
        return buf;
}

static const char *value_hostname(const struct vps_config *c, char *buf, size_t size) {
        return c->hostname;
}

static const char *value_start_cmd(const struct vps_config *c, char *buf, size_t size) {
        return c->start_cmd;
}

static const char *value_network(const struct vps_config *c, char *buf, size_t size) {
        return vps_network_to_string(c->network) ?: "invalid";
}

static const char *format_limit(uint64_t v, char *buf, size_t size) {
        if (v == VPS_LIMIT_MAX)
                return "max";
        snprintf(buf, size, "%" PRIu64, v);
        return buf;
}

static const char *value_memory_max(const struct vps_config *c, char *buf, size_t size) {
        return format_limit(c->memory_max, buf, size);
}

static const char *value_pids_max(const struct vps_config *c, char *buf, size_t size) {
        return format_limit(c->pids_max, buf, size);
}

static const struct config_key {
        const char *name;
        int (*parse)(struct vps_config *c, const char *value, const char **ret_reason);
        const char *(*value)(const struct vps_config *c, char *buf, size_t size);
} config_keys[] = {
        { "vpid", parse_vpid, value_vpid },
        { "hostname", parse_hostname, value_hostname },
        { "start_cmd", parse_start_cmd, value_start_cmd },
        { "network", parse_network, value_network },
        { "memory_max", parse_memory_max, value_memory_max },
        { "pids_max", parse_pids_max, value_pids_max },
};

static const struct config_key *key_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (strcmp(config_keys[i].name, name) == 0)
                        return &config_keys[i];
        return NULL;
}

struct parse_state {
        struct vps_config *config;
        unsigned first_line[ELEMENTSOF(config_keys)];
};

static int parse_line(char *line, const struct line_location *where, void *userdata,
                      char **ret_error) {
        struct parse_state *s = userdata;
        const struct config_key *k;
        const char *key, *value, *reason = "";
        char *eq = strchr(line, '=');
        unsigned *first;
        int r;

        if (!eq)
                return error_at(ret_error, where->filename, where->line, "expected 'key = value'");
        *eq = '\0';
        key = strip_blanks(line);
        value = strip_blanks(eq + 1);
        k = key_find(key);
        if (!k)
                return error_at(ret_error, where->filename, where->line, "unknown key '%.64s'", key);
        first = &s->first_line[k - config_keys];
        if (*first)
                return error_at(ret_error, where->filename, where->line,
                                "duplicate key '%s' (first set on line %u)", key, *first);
        *first = where->line;
        r = k->parse(s->config, value, &reason);
        if (r == -EINVAL)
                return error_at(ret_error, where->filename, where->line, "invalid %s '%.64s': %s",
                                key, value, reason);
        return r;
}

int vps_config_parse(const char *text, const char *filename, struct vps_config **ret,
                     char **ret_error) {
        _cleanup_vps_config_ struct vps_config *c = vps_config_new();
        struct parse_state state = { .config = c };
        int r;

        if (!c)
                return -ENOMEM;
        r = text_parse_lines(text, filename, parse_line, &state, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int vps_config_format(const struct vps_config *c, char **ret_text) {
        _cleanup_vps_config_ struct vps_config *scratch = vps_config_new();
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t len = 0;

        if (!scratch)
                return -ENOMEM;
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const struct config_key *k = &config_keys[i];
                const char *value, *reason;
                char tmp[32];
                int r;

                value = k->value(c, tmp, sizeof(tmp));
                if (!value)
                        continue;
                /* What is written must parse back to the same value. */
                r = k->parse(scratch, value, &reason);
                if (r < 0)
                        return r;
                fprintf(f, "%s =%s%s\n", k->name, *value ? " " : "", value);
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

int vps_config_load_at(int dirfd, const char *path, struct vps_config **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = text_load_at(dirfd, path, CONFIG_MAX_FILE, false, &text, ret_error);
        if (r < 0)
                return r;
        return vps_config_parse(text, path, ret, ret_error);
}

int vps_config_save_at(int dirfd, const char *path, const struct vps_config *c) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = vps_config_format(c, &text);
        if (r < 0)
                return r;
        return write_file_atomic_at(dirfd, path, text, strlen(text), 0600);
}

static bool streq_null(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

bool vps_config_equal(const struct vps_config *a, const struct vps_config *b) {
        return a->vpid == b->vpid && streq_null(a->hostname, b->hostname) &&
               streq_null(a->start_cmd, b->start_cmd) && a->network == b->network &&
               a->memory_max == b->memory_max && a->pids_max == b->pids_max;
}
