/* VPID allocation with fake host files in a temporary state directory: skipping blocks the
 * host uses, wanted VPIDs, release, orphan repair, malformed files and concurrency. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/pool.h"
#include "tmpdir.h"

static char paths[4][128];
static struct host_id_files host;

/* Host IDs that rule out VPIDs 1 (uid 70000), 2 (gid 131077) and 3 (a subuid range). */
static void setup(void) {
        static const char *const names[] = { "host-passwd", "host-group", "host-subuid", "host-subgid" };

        test_dir_setup();
        for (int i = 0; i < 4; i++)
                snprintf(paths[i], sizeof(paths[i]), "%s/%s", test_dir, names[i]);
        host = (struct host_id_files) { paths[0], paths[1], paths[2], paths[3] };
        test_write("host-passwd", "root:x:0:0:root:/root:/bin/bash\n"
                                  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                                  "svc:x:70000:100::/:/bin/false\n");
        test_write("host-group", "root:x:0:\nbig:x:131077:\n");
        test_write("host-subuid", "alice:196608:65536\n");
}

TestSuite(pool, .init = setup, .fini = test_dir_teardown);

static void make_vps_dir(const char *name) {
        cr_assert_eq(mkdirat(test_dir_fd, name, 0700), 0, "mkdir %s", name);
}

static uint32_t alloc_ok(const char *name, uint32_t want) {
        struct pool_entry e = {};
        char *error = NULL;
        int r;

        r = pool_alloc(test_dir_fd, &host, name, want, &e, &error);
        cr_assert_eq(r, 0, "alloc %s: %s %s", name, strerror(-r), error ?: "");
        cr_expect_str_eq(e.name, name);
        cr_expect_eq(e.base, e.vpid << 16);
        cr_expect_eq(e.count, 65536);
        return e.vpid;
}

static int alloc_err(const char *name, uint32_t want) {
        struct pool_entry e = { .vpid = 4242 };
        char *error = NULL;
        int r = pool_alloc(test_dir_fd, &host, name, want, &e, &error);

        cr_expect_eq(e.vpid, 4242, "output written on failure");
        free(error);
        return r;
}

/* a and b hold VPIDs 4 and 5 (the first free ones); c has a directory, no VPID yet. */
static void allocate_a_and_b(void) {
        make_vps_dir("a");
        make_vps_dir("b");
        make_vps_dir("c");
        cr_expect_eq(alloc_ok("a", 0), 4);
        cr_expect_eq(alloc_ok("b", 0), 5);
}

Test(pool, skips_blocks_the_host_uses) {
        make_vps_dir("a");
        make_vps_dir("b");
        cr_expect_eq(alloc_ok("a", 0), 4);
        cr_expect_eq(alloc_ok("b", 0), 5);
}

Test(pool, wanted_vpid) {
        make_vps_dir("a");
        make_vps_dir("b");
        cr_expect_eq(alloc_err("a", 1), -EADDRINUSE);
        cr_expect_eq(alloc_err("a", 2), -EADDRINUSE);
        cr_expect_eq(alloc_err("a", 3), -EADDRINUSE);
        cr_expect_eq(alloc_err("a", 65535), -ERANGE);
        cr_expect_eq(alloc_ok("a", 100), 100);
        cr_expect_eq(alloc_err("b", 100), -EBUSY);
        cr_expect_eq(alloc_ok("b", 65534), 65534);
}

Test(pool, name_rules) {
        make_vps_dir("a");
        cr_expect_eq(alloc_err("missing", 0), -ENOENT, "the directory comes first");
        cr_expect_eq(alloc_err("Bad", 0), -EINVAL);
        cr_expect_eq(alloc_ok("a", 0), 4);
        cr_expect_eq(alloc_err("a", 0), -EEXIST);
}

Test(pool, release_and_realloc) {
        char *error = NULL;

        allocate_a_and_b();
        cr_expect_eq(pool_release(test_dir_fd, "a", &error), 0);
        cr_expect_eq(pool_release(test_dir_fd, "a", &error), -ENOENT);
        cr_expect_eq(alloc_ok("c", 0), 4, "the released VPID is the lowest free one again");
}

Test(pool, allocations_never_overlap) {
        struct pool *p = NULL;
        char *error = NULL, name[16];

        for (int i = 0; i < 20; i++) {
                snprintf(name, sizeof(name), "v%d", i);
                make_vps_dir(name);
                alloc_ok(name, i == 7 ? 3000 : 0);
        }
        cr_assert_eq(pool_load(test_dir_fd, &p, &error), 0);
        cr_assert_eq(p->n, 20);
        for (size_t i = 0; i < p->n; i++) {
                const struct pool_entry *a = &p->entries[i];

                cr_expect(a->base > 70000 || a->base + a->count <= 70000, "block of %u holds uid 70000", a->vpid);
                cr_expect(a->base >= 196608 + 65536 || a->base + a->count <= 196608, "block of %u holds subuids", a->vpid);
                for (size_t j = i + 1; j < p->n; j++)
                        cr_expect(a->base + a->count <= p->entries[j].base, "%u and %u overlap", a->vpid, p->entries[j].vpid);
        }
        pool_free(p);
}

Test(pool, no_vpid_left) {
        make_vps_dir("a");
        test_write("host-subgid", "everything:65536:4294836224\n");
        cr_expect_eq(alloc_err("a", 0), -ENOSPC);
}

static void remove_dir(const char *name) {
        cr_assert_eq(unlinkat(test_dir_fd, name, AT_REMOVEDIR), 0);
}

/* A destroy that removed the directory and crashed before its release. */
Test(pool, orphan_dropped_by_next_alloc) {
        const struct pool_entry *e;
        struct pool *p = NULL;
        char *error = NULL;

        allocate_a_and_b();
        remove_dir("a");
        cr_expect_eq(alloc_ok("c", 0), 4);
        cr_assert_eq(pool_load(test_dir_fd, &p, &error), 0);
        cr_expect_eq(p->n, 2);
        cr_expect_eq(pool_find_name(p, "a", &e), -ENOENT);
        cr_assert_eq(pool_find_vpid(p, 4, &e), 0);
        cr_expect_str_eq(e->name, "c");
        pool_free(p);
}

/* The same, but the name is created again before any other alloc (pool.h, "one corner"). */
Test(pool, stale_entry_of_recreated_name) {
        char *error = NULL;

        make_vps_dir("a");
        cr_expect_eq(alloc_ok("a", 0), 4);
        remove_dir("a");
        make_vps_dir("a");
        cr_expect_eq(alloc_err("a", 0), -EEXIST);
        cr_expect_eq(pool_release(test_dir_fd, "a", &error), 0);
        cr_expect_eq(alloc_ok("a", 0), 4);
}

Test(pool, release_drops_orphans_too) {
        struct pool *p = NULL;
        char *error = NULL;

        make_vps_dir("a");
        make_vps_dir("b");
        alloc_ok("a", 0);
        alloc_ok("b", 0);
        remove_dir("a");
        remove_dir("b");
        cr_expect_eq(pool_release(test_dir_fd, "b", &error), 0);
        cr_assert_eq(pool_load(test_dir_fd, &p, &error), 0);
        cr_expect_eq(p->n, 0);
        pool_free(p);
}

Test(pool, find) {
        const struct pool_entry *e = NULL;
        struct pool *p = NULL;
        char *error = NULL;

        make_vps_dir("web1");
        alloc_ok("web1", 0);
        cr_assert_eq(pool_load(test_dir_fd, &p, &error), 0);
        cr_assert_eq(pool_find_id(p, 4 * 65536 + 1000, &e), 0);
        cr_expect_str_eq(e->name, "web1");
        cr_expect_eq(pool_find_id(p, 4 * 65536 - 1, &e), -ENOENT);
        cr_expect_eq(pool_find_id(p, 5 * 65536, &e), -ENOENT);
        cr_expect_eq(pool_find_vpid(p, 4, &e), 0);
        cr_expect_eq(pool_find_vpid(p, 5, &e), -ENOENT);
        cr_expect_eq(pool_find_name(p, "web1", &e), 0);
        cr_expect_eq(pool_find_name(p, "web2", &e), -ENOENT);
        pool_free(p);
}

Test(pool, saves_leave_no_temporaries) {
        struct stat st;

        make_vps_dir("a");
        alloc_ok("a", 0);
        cr_assert_eq(pool_release(test_dir_fd, "a", NULL), 0);
        cr_assert_eq(fstatat(test_dir_fd, "pool", &st, 0), 0);
        cr_expect_eq(st.st_mode & 07777, 0600);
        /* a, pool, pool.lock and three host files (no subgid) */
        cr_expect_eq(test_count_entries(test_dir_fd), 6, "a temporary file was left behind");
}

struct bad_case {
        const char *text;
        const char *error;
};

Test(pool, malformed_pool_lines) {
        static const struct bad_case cases[] = {
                { "1 65536 65536\n", "pool:1: expected four fields: VPID BASE COUNT NAME" },
                { "1 65536 65536 a b\n", "pool:1: expected four fields: VPID BASE COUNT NAME" },
                { "# c\nx 65536 65536 a\n", "pool:2: VPID 'x' is not a number below 2^32" },
                { "1 -65536 65536 a\n", "pool:1: BASE '-65536' is not a number below 2^32" },
                { "1 65536 65536.0 a\n", "pool:1: COUNT '65536.0' is not a number below 2^32" },
                { "0 65536 65536 a\n", "pool:1: VPID not in 1..65534" },
                { "65535 65536 65536 a\n", "pool:1: VPID not in 1..65534" },
                { "1 65536 65536 A\n", "pool:1: invalid VPS name" },
                { "1 65536 65536 pool\n", "pool:1: invalid VPS name" },
                { "1 65536 0 a\n", "pool:1: block of 0 IDs" },
                { "1 0 65536 a\n", "pool:1: block contains ID 0 or (uid_t)-1, or wraps past 2^32-1" },
                { "1 4294901760 65536 a\n", "pool:1: block contains ID 0 or (uid_t)-1, or wraps past 2^32-1" },
                { "1 65536 65536 a\n1 131072 65536 b\n", "pool:2: VPID already allocated" },
                { "1 65536 65536 a\n2 131072 65536 a\n", "pool:2: VPS name already has a VPID" },
                { "1 65536 65536 a\n2 100000 65536 b\n", "pool:2: block overlaps another VPS's block" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct pool *p = NULL;
                char *error = NULL;

                cr_expect_eq(pool_parse(cases[i].text, "pool", &p, &error), -EINVAL, "'%s'", cases[i].text);
                cr_expect_null(p);
                cr_expect_str_eq(error ?: "(none)", cases[i].error);
                free(error);
        }
}

Test(pool, round_trip) {
        struct pool *a = NULL, *b = NULL;
        char *text = NULL, *error = NULL;

        cr_assert_eq(pool_parse("# x\n7 458752 65536 web7\n3 196608 65536 web1\n5 400000 10 odd\n",
                                "pool", &a, &error), 0, "%s", error);
        cr_assert_eq(a->n, 3);
        cr_expect_eq(a->entries[0].vpid, 3, "entries are sorted by VPID");
        cr_assert_eq(pool_format(a, &text), 0);
        cr_assert_eq(pool_parse(text, "pool", &b, &error), 0, "%s", error);
        cr_assert_eq(b->n, a->n);
        cr_expect_arr_eq(a->entries, b->entries, a->n * sizeof(struct pool_entry));
        free(text);
        pool_free(a);
        pool_free(b);
}

Test(pool, malformed_files_are_reported_not_reset) {
        char *error = NULL, *text = NULL;
        struct pool_entry e;
        size_t size;

        make_vps_dir("a");
        test_write("pool", "4 262144 65536 x\ngarbage\n");
        cr_expect_eq(pool_alloc(test_dir_fd, &host, "a", 0, &e, &error), -EINVAL);
        cr_expect_str_eq(error, "pool:2: expected four fields: VPID BASE COUNT NAME");
        free(error);
        cr_assert_eq(read_file_at(test_dir_fd, "pool", 4096, &text, &size), 0);
        cr_expect_str_eq(text, "4 262144 65536 x\ngarbage\n", "the pool file was changed");
        free(text);

        cr_assert_eq(unlinkat(test_dir_fd, "pool", 0), 0);
        test_write("host-group", "root:x:0:\nbad:x:12x:\n");
        cr_expect_eq(pool_alloc(test_dir_fd, &host, "a", 0, &e, &error), -EINVAL);
        cr_expect(error && strstr(error, "/host-group:2: gid '12x' is not a number below 2^32"), "%s", error);
        free(error);
}

/* Children allocate at the same moment; the lock keeps their VPIDs apart. */
Test(pool, concurrent_allocations_are_distinct) {
        enum { N = 6 };
        int go[2], results[2];
        uint32_t seen[N];
        pid_t pids[N];

        cr_assert_eq(pipe(go), 0);
        cr_assert_eq(pipe(results), 0);
        for (int i = 0; i < N; i++) {
                char name[16];

                snprintf(name, sizeof(name), "c%d", i);
                make_vps_dir(name);
                pids[i] = fork();
                cr_assert_geq(pids[i], 0);
                if (pids[i] == 0) {
                        struct pool_entry e;
                        char c;

                        close(go[1]);
                        if (read(go[0], &c, 1) != 0) /* wait until the parent closes the pipe */
                                _exit(2);
                        if (pool_alloc(test_dir_fd, &host, name, 0, &e, NULL) < 0)
                                _exit(1);
                        _exit(write(results[1], &e.vpid, sizeof(e.vpid)) == sizeof(e.vpid) ? 0 : 1);
                }
        }
        close(go[0]);
        close(go[1]);
        close(results[1]);
        for (int i = 0; i < N; i++) {
                int status;

                cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
                cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d failed", i);
                cr_assert_eq(read(results[0], &seen[i], sizeof(seen[i])), (ssize_t) sizeof(seen[i]));
        }
        close(results[0]);
        for (int i = 0; i < N; i++)
                for (int j = i + 1; j < N; j++)
                        cr_expect_neq(seen[i], seen[j], "two children got VPID %u", seen[i]);
}
