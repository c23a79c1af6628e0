/* The daemon's memory policy (issue 3: an idle daemon <= 2 MiB RSS). glibc's malloc is kept
 * from hoarding, and once the daemon has gone quiet after work, a thread hands back the free heap
 * pages the work left behind. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsfs/vpsfs.h"

/* glibc raises its mmap threshold to the size of every mmapped chunk freed (up to 32 MiB),
 * after which libfuse's per-worker request buffers come from the heaps and stay resident
 * after their threads are gone. A fixed threshold also fixes the trim threshold. */
#define MMAP_THRESHOLD (128 * 1024)
/* One heap: malloc_trim() gives back only the middle of another arena's heap, never its top,
 * and workers wait for the FUSE device far longer than for malloc's lock (small blocks come
 * from each thread's tcache without it). Idle after run-rss: 0.66-0.77 MiB RSS with one
 * arena, 0.94-1.11 MiB with glibc's default of sixteen here. */
#define ARENA_MAX 1
/* How often the trimmer looks; how much CPU the rest of the daemon may use in one period for
 * it to count as quiet, and must have used since the last trim: a trim took 0.6 ms after
 * start-up and 1.8 ms after run-rss's workload, so trims cost at most a tenth of the work. */
#define TRIM_PERIOD_S 1
#define QUIET_CPU_NS (20 * 1000 * 1000)
#define WORK_CPU_NS (20 * 1000 * 1000)
#define TRIMMER_STACK (256 * 1024)

static struct {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool running;
        bool stop;
} trimmer = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
};

void memory_trim(void) {
        (void) malloc_trim(0);
}

/* CPU time of the daemon's threads but this one. */
static int64_t others_cpu_ns(void) {
        struct timespec process, thread;

        if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &process) < 0 ||
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &thread) < 0)
                return 0;
        return (int64_t) (process.tv_sec - thread.tv_sec) * 1000000000 + (process.tv_nsec - thread.tv_nsec);
}

/* Trims once the rest of the daemon has worked (WORK_CPU_NS) since the last trim and then
 * been quiet (under QUIET_CPU_NS) for a whole period. Work, not page faults, says there may
 * be something to give back: freeing faults nothing in. A trickle of requests trims seldom,
 * a burst once after it ends; no request waits for a trim. */
static void *trimmer_main(void *arg) {
        int64_t now, last = others_cpu_ns(), at_trim = last - WORK_CPU_NS;
        struct timespec deadline;

        pthread_mutex_lock(&trimmer.lock);
        while (!trimmer.stop) {
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += TRIM_PERIOD_S;
                if (pthread_cond_timedwait(&trimmer.wake, &trimmer.lock, &deadline) != ETIMEDOUT)
                        continue;
                now = others_cpu_ns();
                if (now - last < QUIET_CPU_NS && now - at_trim >= WORK_CPU_NS) {
                        memory_trim();
                        at_trim = now;
                }
                last = now;
        }
        pthread_mutex_unlock(&trimmer.lock);
        return NULL;
}

void memory_start(void) {
        pthread_condattr_t cattr;
        pthread_attr_t attr;
        sigset_t all, old;
        int r;

        /* Before any worker exists: arenas are made as threads first allocate. */
        if (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1 || mallopt(M_ARENA_MAX, ARENA_MAX) != 1)
                log_debug("mallopt() refused; malloc keeps its own policy");
        memory_trim();

        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&trimmer.wake, &cattr);
        pthread_condattr_destroy(&cattr);
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, TRIMMER_STACK);
        /* SIGTERM and SIGINT must reach the thread that ends libfuse's loop, never this one. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(&trimmer.thread, &attr, trimmer_main, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        if (r != 0)
                log_debug_errno(-r, "cannot start the trimmer thread, memory is trimmed only now: %m");
        trimmer.running = r == 0;
}

void memory_stop(void) {
        if (!trimmer.running)
                return;
        pthread_mutex_lock(&trimmer.lock);
        trimmer.stop = true;
        pthread_cond_signal(&trimmer.wake);
        pthread_mutex_unlock(&trimmer.lock);
        pthread_join(trimmer.thread, NULL);
        trimmer.running = false;
        pthread_cond_destroy(&trimmer.wake);
}
