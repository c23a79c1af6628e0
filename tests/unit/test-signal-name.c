/* Signal names and numbers as kill(1) takes them, and the /proc/PID/status fields kill reads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>

#include "vpsmgr/signal-name.h"
#include "vpsmgr/vps-procs.h"

Test(signal_name, names_numbers_and_realtime) {
        static const struct { const char *s; int sig; } ok[] = {
                { "TERM", SIGTERM }, { "SIGTERM", SIGTERM }, { "term", SIGTERM }, { "sigkill", SIGKILL },
                { "9", SIGKILL }, { "15", SIGTERM }, { "HUP", SIGHUP }, { "USR1", SIGUSR1 }, { "CHLD", SIGCHLD },
                { "STOP", SIGSTOP }, { "CONT", SIGCONT },
        };
        static const char *const bad[] = { "", "SIG", "FOO", "SIGFOO", "0", "-9", "65", "9x", " 9", "TERM ",
                                           "RTMIN+99", "RTMAX+1", "RTMIN-1" };
        char buf[16];

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                cr_expect_eq(signal_from_string(ok[i].s), ok[i].sig, "%s", ok[i].s);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_expect_eq(signal_from_string(bad[i]), -EINVAL, "'%s'", bad[i]);
        cr_expect_eq(signal_from_string("RTMIN"), SIGRTMIN);
        cr_expect_eq(signal_from_string("SIGRTMIN+2"), SIGRTMIN + 2);
        cr_expect_eq(signal_from_string("RTMAX-1"), SIGRTMAX - 1);
        cr_expect_eq(signal_from_string("64"), SIGRTMAX);

        cr_expect_str_eq(signal_to_string(SIGTERM, buf, sizeof(buf)), "TERM");
        cr_expect_str_eq(signal_to_string(SIGKILL, buf, sizeof(buf)), "KILL");
        cr_expect_str_eq(signal_to_string(SIGRTMIN + 1, buf, sizeof(buf)), "RTMIN+1");
}

Test(signal_name, proc_status_gives_the_pid_one_level_down_and_real_ids) {
        pid_t vpid;
        uint32_t uid, gid;

        cr_assert_eq(proc_status_parse("Name:\tsleep\nUid:\t197608\t0\t0\t0\nGid:\t196708\t1\t2\t3\n"
                                       "NSpid:\t4711\t7\n", &vpid, &uid, &gid), 0);
        cr_expect_eq(vpid, 7);
        cr_expect_eq(uid, 197608, "the real uid");
        cr_expect_eq(gid, 196708, "the real gid");
        /* Nested deeper by the VPS itself: still its PID in the VPS. */
        cr_assert_eq(proc_status_parse("Uid:\t1\t1\t1\t1\nGid:\t2\t2\t2\t2\nNSpid:\t4711\t30\t1\n", &vpid, &uid, &gid), 0);
        cr_expect_eq(vpid, 30);
        /* In no namespace below ours. */
        cr_assert_eq(proc_status_parse("Uid:\t1\t1\t1\t1\nGid:\t2\t2\t2\t2\nNSpid:\t4711\n", &vpid, &uid, &gid), 0);
        cr_expect_eq(vpid, 0);
        cr_expect_eq(proc_status_parse("Uid:\t1\t1\t1\t1\nGid:\t2\t2\t2\t2\n", &vpid, &uid, &gid), -EBADMSG);
        cr_expect_eq(proc_status_parse("Uid:\tx\nGid:\t2\nNSpid:\t1\t2\n", &vpid, &uid, &gid), -EINVAL);
        cr_expect_eq(proc_status_parse("Uid:\t1\nGid:\t2\nNSpid:\t1\t0\n", &vpid, &uid, &gid), -EBADMSG);
}
