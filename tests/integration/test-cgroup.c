/* A VPS cgroup on the real cgroup2 hierarchy: processes moved in, seen in the VPID table with
 * their daemonized descendants, killed as one with cgroup.kill, waited for, removed. */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cgroup-fixture.h"
#include "common/vpid.h"

TestSuite(cgroup, .init = fixture_setup, .fini = fixture_teardown);

Test(cgroup, root_is_the_cgroup2_mount) {
        struct statfs sfs;
        char *path = NULL;

        cr_assert_eq(statfs(fx_root, &sfs), 0);
        cr_expect_eq(sfs.f_type, CGROUP2_SUPER_MAGIC, "%s is not cgroup2", fx_root);
        cr_assert_eq(cgroup_pid_get_path(getpid(), &path), 0);
        cr_expect_eq(path[0], '/');
        free(path);
}

/* The child double-forks a daemon, as a service would: the intermediate exits, the grandchild
 * is reparented, and still it cannot leave the VPS. */
static int daemon_pid_pipe[2];

static void daemonize_once(void *userdata) {
        int inner[2];
        pid_t pid, daemon_pid;

        if (pipe2(inner, O_CLOEXEC) < 0)
                _exit(1);
        pid = fork();
        if (pid == 0) {
                daemon_pid = fork();
                if (daemon_pid == 0) {
                        (void) setsid();
                        helper_sleep(-1);
                }
                if (write(inner[1], &daemon_pid, sizeof(daemon_pid)) != sizeof(daemon_pid))
                        _exit(1);
                _exit(0);
        }
        /* Report only once the intermediate is reaped, so the test sees exactly two pids. */
        (void) waitpid(pid, NULL, 0);
        if (read(inner[0], &daemon_pid, sizeof(daemon_pid)) != sizeof(daemon_pid) ||
            write(daemon_pid_pipe[1], &daemon_pid, sizeof(daemon_pid)) != sizeof(daemon_pid))
                _exit(1);
        helper_sleep(-1);
}

Test(cgroup, vpid_table_sees_child_and_daemonized_grandchild_until_killed) {
        pid_t child, grandchild, *pids = NULL;
        size_t n;
        char *name = NULL, *path = NULL, want_path[128];
        bool populated;

        cr_assert_eq(pipe2(daemon_pid_pipe, O_CLOEXEC), 0);
        child = helper_spawn(fx_cgfd, daemonize_once, NULL);
        cr_assert_eq(read(daemon_pid_pipe[0], &grandchild, sizeof(grandchild)), sizeof(grandchild));

        cr_assert_eq(vpid_of_pid(child, fx_parent, &name), 0);
        cr_expect_str_eq(name, FIXTURE_NAME);
        free(name);
        cr_assert_eq(vpid_of_pid(grandchild, fx_parent, &name), 0);
        cr_expect_str_eq(name, FIXTURE_NAME);
        free(name);
        snprintf(want_path, sizeof(want_path), "/%s/" FIXTURE_NAME, fx_parent);
        cr_assert_eq(cgroup_pid_get_path(grandchild, &path), 0);
        cr_expect_str_eq(path, want_path);
        free(path);

        cr_assert_eq(vpid_get_pids(fx_cgfd, &pids, &n), 0);
        cr_expect_eq(n, 2, "want the child and the grandchild, got %zu pids", n);
        cr_expect(pids_contain(pids, n, child));
        cr_expect(pids_contain(pids, n, grandchild));
        free(pids);

        cr_assert_eq(cgroup_kill(fx_cgfd), 0);
        cr_assert_eq(cgroup_wait_empty(fx_cgfd, 10000), 0);
        cr_assert_eq(cgroup_is_populated(fx_cgfd, &populated), 0);
        cr_expect_not(populated);
        cr_assert_eq(vpid_get_pids(fx_cgfd, &pids, &n), 0);
        cr_expect_eq(n, 0);
        free(pids);

        cr_assert_eq(cgroup_remove(fx_root, fx_parent, FIXTURE_NAME), 0);
        cr_expect_eq(cgroup_open(fx_root, fx_parent, FIXTURE_NAME, &(int){ -1 }), -ENOENT);
        /* Until reaped, a killed child still has a /proc entry: its cgroup shows as deleted. */
        if (vpid_of_pid(child, fx_parent, &name) == 0) {
                cr_expect_str_eq(name, FIXTURE_NAME);
                free(name);
        }
        cr_assert_eq(waitpid(child, NULL, 0), child);
        cr_expect_eq(vpid_of_pid(child, fx_parent, &name), -ESRCH);
        close(daemon_pid_pipe[0]);
        close(daemon_pid_pipe[1]);
}

Test(cgroup, sub_cgroups_of_a_vps_belong_to_it) {
        int innerfd, deepfd;
        pid_t direct, inner, *pids = NULL;
        size_t n;
        char *name = NULL;

        /* What a VPS may do in its own cgroup namespace: nest cgroups and move into them. */
        cr_assert_eq(mkdirat(fx_cgfd, "inner", 0755), 0);
        innerfd = openat(fx_cgfd, "inner", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(innerfd, 0);
        cr_assert_eq(mkdirat(innerfd, "deep", 0755), 0);
        deepfd = openat(innerfd, "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(deepfd, 0);

        inner = helper_spawn(deepfd, helper_idle, NULL);
        cr_assert_eq(vpid_of_pid(inner, fx_parent, &name), 0);
        cr_expect_str_eq(name, FIXTURE_NAME);
        free(name);

        cr_assert_eq(cgroup_get_pids(fx_cgfd, &pids, &n), 0);
        cr_expect_eq(n, 0, "cgroup.procs lists only direct members");
        free(pids);
        cr_assert_eq(vpid_get_pids(fx_cgfd, &pids, &n), 0);
        cr_expect_eq(n, 1);
        cr_expect(pids_contain(pids, n, inner));
        free(pids);

        cr_expect_eq(cgroup_remove(fx_root, fx_parent, FIXTURE_NAME), -EBUSY);
        cr_assert_eq(faccessat(innerfd, "deep", F_OK, 0), 0, "a refused remove took sub-cgroups away");

        direct = helper_spawn(-1, helper_idle, NULL);
        cr_assert_eq(cgroup_attach(innerfd, direct), 0);
        cr_assert_eq(vpid_get_pids(fx_cgfd, &pids, &n), 0);
        cr_expect_eq(n, 2);
        cr_expect(pids_contain(pids, n, direct));
        free(pids);

        cr_assert_eq(cgroup_kill(fx_cgfd), 0, "cgroup.kill reaches sub-cgroups");
        cr_assert_eq(cgroup_wait_empty(fx_cgfd, 10000), 0);
        close(deepfd);
        close(innerfd);
        cr_assert_eq(cgroup_remove(fx_root, fx_parent, FIXTURE_NAME), 0, "sub-cgroups removed with the VPS");
}

Test(cgroup, remove_refuses_populated) {
        int fd = -1;

        helper_spawn(fx_cgfd, helper_idle, NULL);
        cr_expect_eq(cgroup_remove(fx_root, fx_parent, FIXTURE_NAME), -EBUSY);
        cr_assert_eq(cgroup_open(fx_root, fx_parent, FIXTURE_NAME, &fd), 0);
        close(fd);
        cr_expect_eq(cgroup_remove_parent(fx_root, fx_parent), -EBUSY);
}

Test(cgroup, not_in_a_vps_and_no_such_process) {
        char *name = (char *) "untouched";
        pid_t pid = fork();

        cr_assert_geq(pid, 0);
        if (pid == 0)
                _exit(0);
        cr_assert_eq(waitpid(pid, NULL, 0), pid);
        cr_expect_eq(vpid_of_pid(getpid(), fx_parent, &name), -ENOENT);
        cr_expect_eq(vpid_of_pid(pid, fx_parent, &name), -ESRCH);
        cr_expect_str_eq(name, "untouched");
}

Test(cgroup, create_and_open_refuse_bad_names_and_places) {
        int fd = -1;

        cr_expect_eq(cgroup_create(fx_root, fx_parent, FIXTURE_NAME, &fd), -EEXIST);
        cr_expect_eq(cgroup_create(fx_root, fx_parent, "", &fd), -EINVAL);
        cr_expect_eq(cgroup_create(fx_root, fx_parent, "a/b", &fd), -EINVAL);
        cr_expect_eq(cgroup_create(fx_root, fx_parent, "..", &fd), -EINVAL);
        cr_expect_eq(cgroup_create(fx_root, "..", "x", &fd), -EINVAL);
        cr_expect_eq(cgroup_create(fx_root, "a/b", "x", &fd), -EINVAL);
        cr_expect_eq(cgroup_create("/tmp", fx_parent, "x", &fd), -ENOMEDIUM);
        cr_expect_eq(cgroup_open(fx_root, fx_parent, "missing", &fd), -ENOENT);
        cr_expect_eq(cgroup_remove(fx_root, fx_parent, "missing"), -ENOENT);
        cr_expect_eq(fd, -1, "fd written on failure");
}

Test(cgroup, controllers_listed_and_enabled_where_available) {
        unsigned available = 0, enabled = 0;
        int parentfd = -1;

        cr_assert_eq(cgroup_open(fx_root, fx_parent, NULL, &parentfd), 0);
        /* Possibly none: on a hybrid host every controller may be bound to v1. */
        cr_assert_eq(cgroup_get_controllers(parentfd, &available), 0);
        cr_assert_eq(cgroup_enable_controllers(parentfd, ~0u, &enabled), 0);
        cr_expect_eq(enabled & ~available, 0, "enabled %#x beyond available %#x", enabled, available);
        cr_assert_eq(cgroup_enable_controllers(parentfd, 0, NULL), 0);
        close(parentfd);
}
