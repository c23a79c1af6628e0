/* The VSU list's capabilities as a joined process meets them after execve: a VSU-list user
 * (vps_identity.vsu) keeps its uid and holds exactly the VSU set, ambient and effective, in
 * the VPS's user namespace only: it opens the VSU's 0600 file but not a file whose owner the
 * VPS does not map. A plain user holds nothing. */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <unistd.h>

#include "probe-vps.h"
#include "vpsmgr/vsu-caps.h"

#define ALT_ROOT 196608u   /* vuid 0 of the test's table */
#define FOREIGN 70000u     /* a host uid outside it */

TestSuite(vsu_caps, .init = probe_vps_setup, .fini = probe_vps_teardown, .timeout = 60);

static unsigned long long status_hex(const char *status, const char *key) {
        const char *p = strstr(status, key);

        cr_assert_not_null(p, "no %s in:\n%s", key, status);
        return strtoull(p + strlen(key), NULL, 16);
}

static void put_file(const char *name, uid_t uid, gid_t gid) {
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/tmp/%s", pv.root, name);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
        cr_assert_eq(write_all(fd, "secret\n", 7), 0);
        cr_assert_eq(fchown(fd, uid, gid), 0);
        cr_assert_eq(fchmod(fd, 0600), 0);
        close(fd);
}

/* Joins as vuid 1000 (vsu or not), and reports /proc/self/status and two open() attempts
 * after execve. */
static void become_1000(bool vsu, char **ret_status, char **ret_open) {
        static const gid_t groups[] = { 100 };
        const struct vps_identity id = { .uid = 1000, .gid = 1000, .groups = groups, .n_groups = 1, .vsu = vsu };
        char *idle[] = { "syscall-probe", "--idle", NULL };
        char *status_argv[] = { "syscall-probe", "--status", "/tmp/status", NULL };
        char *open_argv[] = { "syscall-probe", "--open", "/tmp/open", "/tmp/vsu-secret", "/tmp/foreign", NULL };
        int r;

        put_file("vsu-secret", ALT_ROOT, ALT_ROOT);
        put_file("foreign", FOREIGN, FOREIGN);
        probe_vps_launch(idle);
        r = probe_vps_join_exec(&id, status_argv);
        cr_assert_eq(r, 0, "probe --status exited with %d", r);
        r = probe_vps_join_exec(&id, open_argv);
        cr_assert_eq(r, 0, "probe --open exited with %d", r);
        *ret_status = probe_vps_read_out("status");
        *ret_open = probe_vps_read_out("open");
        cr_assert_not_null(*ret_status);
        cr_assert_not_null(*ret_open);
}

Test(vsu_caps, a_vsu_list_user_keeps_its_uid_and_holds_exactly_the_set) {
        unsigned long long want = vsu_caps_mask();
        char *status, *opened, buf[32];

        become_1000(true, &status, &opened);
        cr_expect_not_null(strstr(status, "Uid:\t1000\t1000\t1000\t1000\n"), "%s", status);
        cr_expect_not_null(strstr(status, "Gid:\t1000\t1000\t1000\t1000\n"), "%s", status);
        cr_expect_eq(status_hex(status, "CapAmb:\t"), want, "%s", status);
        cr_expect_eq(status_hex(status, "CapEff:\t"), want, "%s", status);
        cr_expect_eq(status_hex(status, "CapPrm:\t"), want, "%s", status);
        cr_expect_eq(status_hex(status, "CapInh:\t"), want, "%s", status);
        /* The filter still applies to it. */
        cr_expect_not_null(strstr(status, "Seccomp:\t2\n"), "%s", status);

        /* CAP_DAC_OVERRIDE on a file of the VPS's root; nothing on one the VPS does not own. */
        cr_expect_str_eq(probe_result(opened, "/tmp/vsu-secret", buf, sizeof(buf)), "OK", "%s", opened);
        cr_expect_str_eq(probe_result(opened, "/tmp/foreign", buf, sizeof(buf)), "EACCES", "%s", opened);
        free(status);
        free(opened);
}

Test(vsu_caps, a_plain_user_holds_nothing) {
        char *status, *opened, buf[32];

        become_1000(false, &status, &opened);
        cr_expect_not_null(strstr(status, "Uid:\t1000\t1000\t1000\t1000\n"), "%s", status);
        cr_expect_eq(status_hex(status, "CapAmb:\t"), 0, "%s", status);
        cr_expect_eq(status_hex(status, "CapEff:\t"), 0, "%s", status);
        cr_expect_eq(status_hex(status, "CapPrm:\t"), 0, "%s", status);
        cr_expect_str_eq(probe_result(opened, "/tmp/vsu-secret", buf, sizeof(buf)), "EACCES", "%s", opened);
        cr_expect_str_eq(probe_result(opened, "/tmp/foreign", buf, sizeof(buf)), "EACCES", "%s", opened);
        free(status);
        free(opened);
}

Test(vsu_caps, the_set_has_the_required_members_and_none_forbidden) {
        static const int required[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
                                         CAP_FSETID, CAP_KILL, CAP_SETUID, CAP_SETGID };
        static const int never[] = { CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME,
                                     CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SETPCAP, CAP_SETFCAP };
        uint64_t mask = vsu_caps_mask();

        for (size_t i = 0; i < ELEMENTSOF(required); i++)
                cr_expect(mask & (UINT64_C(1) << required[i]), "capability %d missing", required[i]);
        for (size_t i = 0; i < ELEMENTSOF(never); i++)
                cr_expect_not(mask & (UINT64_C(1) << never[i]), "capability %d granted", never[i]);
        cr_expect_eq(vsu_caps_count, 10);
}

/* What exec, enter and run will ask before vps_become(). */
Test(vsu_caps, vsu_identity_for_reads_the_list) {
        int dirfd = open(pv.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool vsu = true;

        cr_assert_geq(dirfd, 0);
        cr_assert_eq(vsu_identity_for(dirfd, 1000, &vsu), 0, "a missing list is empty");
        cr_expect_not(vsu);
        cr_assert_eq(vsu_identity_for(dirfd, 0, &vsu), 0);
        cr_expect(vsu, "vuid 0 is always a VSU");
        cr_assert_eq(write_file_atomic_at(dirfd, "vsu", "1000\n", 5, 0600), 0);
        cr_assert_eq(vsu_identity_for(dirfd, 1000, &vsu), 0);
        cr_expect(vsu);
        cr_assert_eq(vsu_identity_for(dirfd, 1001, &vsu), 0);
        cr_expect_not(vsu);
        cr_assert_eq(write_file_atomic_at(dirfd, "vsu", "0\n", 2, 0600), 0);
        cr_expect_eq(vsu_identity_for(dirfd, 1000, &vsu), -EINVAL, "a corrupt list is an error");
        close(dirfd);
}
