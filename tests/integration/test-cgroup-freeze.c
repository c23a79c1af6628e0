/* Freezing a VPS stops its processes, thawing resumes them, and waiting for an empty cgroup
 * wakes on the kernel's notification and times out when it should. */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "cgroup-fixture.h"

TestSuite(cgroup_freeze, .init = fixture_setup, .fini = fixture_teardown);

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count_forever(void *userdata) {
        _Atomic uint64_t *counter = userdata;

        for (;;) {
                atomic_fetch_add(counter, 1);
                helper_sleep(1);
        }
}

/* Waits (up to 5 s) for the counter to pass value; returns whether it did. */
static bool counter_passes(_Atomic uint64_t *counter, uint64_t value) {
        for (int64_t deadline = now_ms() + 5000; now_ms() < deadline; usleep(1000))
                if (atomic_load(counter) > value)
                        return true;
        return false;
}

Test(cgroup_freeze, freeze_stops_progress_and_thaw_resumes_it) {
        _Atomic uint64_t *counter;
        uint64_t frozen_at;

        counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(counter, MAP_FAILED);
        helper_spawn(fx_cgfd, count_forever, (void *) counter);
        cr_assert(counter_passes(counter, 0), "the helper never started counting");

        cr_assert_eq(cgroup_freeze(fx_cgfd, 5000), 0);
        frozen_at = atomic_load(counter);
        usleep(200 * 1000);
        cr_expect_eq(atomic_load(counter), frozen_at, "a frozen process made progress");

        cr_assert_eq(cgroup_thaw(fx_cgfd, 5000), 0);
        cr_expect(counter_passes(counter, frozen_at), "a thawed process made no progress");
        munmap(counter, sizeof(*counter));
}

Test(cgroup_freeze, freeze_and_thaw_an_empty_cgroup) {
        cr_expect_eq(cgroup_freeze(fx_cgfd, 5000), 0);
        cr_expect_eq(cgroup_thaw(fx_cgfd, 5000), 0);
}

Test(cgroup_freeze, wait_empty_times_out_on_a_populated_cgroup) {
        int64_t start;

        helper_spawn(fx_cgfd, helper_idle, NULL);
        start = now_ms();
        cr_expect_eq(cgroup_wait_empty(fx_cgfd, 300), -ETIMEDOUT);
        cr_expect_geq(now_ms() - start, 300);
        cr_expect_lt(now_ms() - start, 3000);
        cr_expect_eq(cgroup_wait_empty(fx_cgfd, 0), -ETIMEDOUT);
}

Test(cgroup_freeze, wait_empty_returns_at_once_when_empty) {
        int64_t start = now_ms();

        cr_expect_eq(cgroup_wait_empty(fx_cgfd, 0), 0);
        cr_expect_eq(cgroup_wait_empty(fx_cgfd, -1), 0);
        cr_expect_lt(now_ms() - start, 1000);
}

static void exit_after_a_while(void *userdata) {
        helper_sleep(300);
        _exit(0);
}

Test(cgroup_freeze, wait_empty_wakes_when_the_last_process_exits) {
        int64_t start;

        helper_spawn(fx_cgfd, exit_after_a_while, NULL);
        start = now_ms();
        cr_expect_eq(cgroup_wait_empty(fx_cgfd, 10000), 0);
        cr_expect_geq(now_ms() - start, 200);
        cr_expect_lt(now_ms() - start, 5000, "woken late: notification missed?");
}

Test(cgroup_freeze, kill_ends_a_frozen_vps) {
        helper_spawn(fx_cgfd, helper_idle, NULL);
        cr_assert_eq(cgroup_freeze(fx_cgfd, 5000), 0);
        cr_assert_eq(cgroup_kill(fx_cgfd), 0);
        cr_expect_eq(cgroup_wait_empty(fx_cgfd, 10000), 0);
}
