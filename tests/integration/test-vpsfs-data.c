/* File data and names through vpsfs, checked against the same operations on a native file:
 * random I/O, holes, sparse files over 4 GiB, concurrent writers, hard-link counts as the
 * kernel caches them, renames. Host root creates as the VPS root here (hostroot=vsu). */
#include <dirent.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "vpsfs-fixture.h"

static void setup_vsu(void) {
        fx_setup_nomount();
        fx_mount("hostroot=vsu", 0);
}

TestSuite(vpsfs_data, .init = setup_vsu, .fini = fx_teardown, .timeout = 300);

static const char *native(const char *name) {
        static char buf[4][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % 4];

        snprintf(p, PATH_MAX, "%s/%s", fx.dir, name);
        return p;
}

static int xopen(const char *path, int flags) {
        int fd = open(path, flags | O_CLOEXEC, 0644);

        cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
        return fd;
}

static void assert_same_content(int a, int b) {
        static char x[1 << 16], y[1 << 16];
        struct stat sa, sb;

        cr_assert_eq(fstat(a, &sa), 0);
        cr_assert_eq(fstat(b, &sb), 0);
        cr_assert_eq(sa.st_size, sb.st_size, "size %jd vs native %jd", (intmax_t) sa.st_size, (intmax_t) sb.st_size);
        for (off_t off = 0; off < sa.st_size; off += sizeof(x)) {
                ssize_t n = pread(a, x, sizeof(x), off), m = pread(b, y, sizeof(y), off);

                cr_assert_eq(n, m);
                cr_assert(n > 0);
                cr_assert_eq(memcmp(x, y, (size_t) n), 0, "content differs near offset %jd", (intmax_t) off);
        }
}

static void random_io_check(void) {
        static char buf[256 * 1024];
        int f = xopen(M("f"), O_RDWR | O_CREAT), n = xopen(native("f"), O_RDWR | O_CREAT);
        unsigned seed = 12345;

        for (int k = 0; k < 400; k++) {
                off_t off = rand_r(&seed) % (8 << 20);
                size_t len = (size_t) rand_r(&seed) % sizeof(buf);
                int what = rand_r(&seed) % 10;

                if (what == 0) {
                        cr_assert_eq(ftruncate(f, off), 0);
                        cr_assert_eq(ftruncate(n, off), 0);
                } else if (what < 3) {
                        static char a[sizeof(buf)], b[sizeof(buf)];
                        ssize_t x = pread(f, a, len, off), y = pread(n, b, len, off);

                        cr_assert_eq(x, y);
                        cr_assert(x <= 0 || memcmp(a, b, (size_t) x) == 0);
                } else {
                        for (size_t i = 0; i < len; i++)
                                buf[i] = (char) rand_r(&seed);
                        cr_assert_eq(pwrite(f, buf, len, off), (ssize_t) len);
                        cr_assert_eq(pwrite(n, buf, len, off), (ssize_t) len);
                }
        }
        assert_same_content(f, n);
        close(f);
        /* Again from a fresh open after the kernel dropped its pages. */
        f = xopen(M("f"), O_RDONLY);
        posix_fadvise(f, 0, 0, POSIX_FADV_DONTNEED);
        assert_same_content(f, n);
        close(f);
        close(n);
}

Test(vpsfs_data, random_io_matches_native) {
        random_io_check();
}

/* Where the kernel has FUSE passthrough, the default: the data path without it. */
Test(vpsfs_data, random_io_matches_native_without_passthrough) {
        fx_remount("hostroot=vsu,nopassthrough", 0);
        random_io_check();
}

static void mmap_check(void) {
        const size_t size = 256 * 1024;
        int f = xopen(M("m"), O_RDWR | O_CREAT), n;
        unsigned char *p;

        cr_assert_eq(ftruncate(f, (off_t) size), 0);
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
        cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
        for (size_t i = 0; i < size; i++)
                p[i] = (unsigned char) (i * 7);
        cr_assert_eq(msync(p, size, MS_SYNC), 0);
        cr_assert_eq(munmap(p, size), 0);
        close(f);
        /* What the mapping wrote is in the backing file, and a read mapping sees it. */
        n = xopen(B("m"), O_RDONLY);
        f = xopen(M("m"), O_RDONLY);
        assert_same_content(f, n);
        p = mmap(NULL, size, PROT_READ, MAP_SHARED, f, 0);
        cr_assert_neq(p, MAP_FAILED);
        for (size_t i = 0; i < size; i += 4093)
                cr_assert_eq(p[i], (unsigned char) (i * 7), "byte %zu", i);
        munmap(p, size);
        close(f);
        close(n);
}

Test(vpsfs_data, shared_mmap_writes_reach_backing) {
        mmap_check();
}

Test(vpsfs_data, shared_mmap_writes_reach_backing_without_passthrough) {
        fx_remount("hostroot=vsu,nopassthrough", 0);
        mmap_check();
}

/* With passthrough the kernel reads the backing file itself and keeps no pages of its own:
 * a change made to BACKING directly (which vpsfs users must not do, see --help) shows at
 * once through an open file, where the page cache of a cached FUSE file would not. */
Test(vpsfs_data, passthrough_reads_backing_directly) {
        char c = 0;
        int f, b;

        skip_unless_fuse_passthrough();
        fx_write_file(B("p"), "old", 0644);
        f = xopen(M("p"), O_RDONLY);
        cr_assert_eq(pread(f, &c, 1, 0), 1);
        cr_assert_eq(c, 'o');
        b = xopen(B("p"), O_WRONLY);
        cr_assert_eq(pwrite(b, "new", 3, 0), 3);
        close(b);
        cr_assert_eq(pread(f, &c, 1, 0), 1);
        cr_assert_eq(c, 'n', "a read through the mount did not reach the backing file");
        close(f);
        /* Without passthrough the same read is served from the kernel's cached pages. */
        fx_remount("hostroot=vsu,nopassthrough", 0);
        f = xopen(M("p"), O_RDONLY);
        cr_assert_eq(pread(f, &c, 1, 0), 1);
        b = xopen(B("p"), O_WRONLY);
        cr_assert_eq(pwrite(b, "old", 3, 0), 3);
        close(b);
        cr_assert_eq(pread(f, &c, 1, 0), 1);
        cr_assert_eq(c, 'n', "nopassthrough read the backing file directly");
        close(f);
}

Test(vpsfs_data, holes_and_seek_data) {
        int f = xopen(M("h"), O_RDWR | O_CREAT), n = xopen(native("h"), O_RDWR | O_CREAT);
        int fds[2] = { f, n };
        off_t r[2][4];

        for (int k = 0; k < 2; k++) {
                cr_assert_eq(pwrite(fds[k], "a", 1, 0), 1);
                cr_assert_eq(pwrite(fds[k], "b", 1, 4 << 20), 1);
                cr_assert_eq(fsync(fds[k]), 0);
                r[k][0] = lseek(fds[k], 0, SEEK_HOLE);
                r[k][1] = lseek(fds[k], r[k][0], SEEK_DATA);
                r[k][2] = lseek(fds[k], r[k][1], SEEK_HOLE);
                r[k][3] = lseek(fds[k], (4 << 20) + 1, SEEK_DATA);
        }
        for (int i = 0; i < 4; i++)
                cr_assert_eq(r[0][i], r[1][i], "seek %d: %jd vs native %jd", i, (intmax_t) r[0][i], (intmax_t) r[1][i]);
        cr_assert_eq(errno, ENXIO);
        cr_assert_eq(fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
        cr_assert_eq(fallocate(n, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
        assert_same_content(f, n);
        close(f);
        close(n);
}

Test(vpsfs_data, sparse_file_over_4g) {
        const off_t big = 5LL << 30;
        int f = xopen(M("big"), O_RDWR | O_CREAT);
        struct stat st;
        char c = 0;

        cr_assert_eq(pwrite(f, "z", 1, big), 1);
        cr_assert_eq(fsync(f), 0);
        cr_assert_eq(fstat(f, &st), 0);
        cr_assert_eq(st.st_size, big + 1);
        cr_assert_lt(st.st_blocks, 64);
        cr_assert_eq(pread(f, &c, 1, big), 1);
        cr_assert_eq(c, 'z');
        cr_assert_eq(pread(f, &c, 1, 3LL << 30), 1);
        cr_assert_eq(c, 0);
        cr_assert_geq(lseek(f, 0, SEEK_DATA), big - 4096);
        cr_assert_eq(stat(B("big"), &st), 0);
        cr_assert_eq(st.st_size, big + 1);
        cr_assert_eq(ftruncate(f, (4LL << 30) + 7), 0);
        cr_assert_eq(stat(M("big"), &st), 0);
        cr_assert_eq(st.st_size, (4LL << 30) + 7);
        close(f);
}

struct writer {
        int fd;
        char fill;
        off_t base;
};

#define CHUNK (64 * 1024)
#define CHUNKS 64

static void *write_stripes(void *arg) {
        struct writer *w = arg;
        char buf[CHUNK];

        memset(buf, w->fill, sizeof(buf));
        for (int k = 0; k < CHUNKS; k++)
                if (pwrite(w->fd, buf, CHUNK, w->base + (off_t) k * 2 * CHUNK) != CHUNK)
                        return (void *) 1;
        return NULL;
}

Test(vpsfs_data, concurrent_writers) {
        int a = xopen(M("c"), O_RDWR | O_CREAT), b = xopen(M("c"), O_RDWR);
        struct writer wa = { a, 'a', 0 }, wb = { b, 'b', CHUNK };
        pthread_t ta, tb;
        void *ra, *rb;
        char buf[CHUNK];

        pthread_create(&ta, NULL, write_stripes, &wa);
        pthread_create(&tb, NULL, write_stripes, &wb);
        pthread_join(ta, &ra);
        pthread_join(tb, &rb);
        cr_assert_null(ra);
        cr_assert_null(rb);
        close(a);
        close(b);
        a = xopen(B("c"), O_RDONLY);
        for (int k = 0; k < 2 * CHUNKS; k++) {
                cr_assert_eq(pread(a, buf, CHUNK, (off_t) k * CHUNK), CHUNK);
                for (int i = 0; i < CHUNK; i += 4096)
                        cr_assert_eq(buf[i], k % 2 ? 'b' : 'a', "chunk %d", k);
        }
        close(a);
}

static nlink_t links(const char *path) {
        struct stat st;

        cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
        return st.st_nlink;
}

Test(vpsfs_data, hard_link_counts) {
        struct stat s1, s2;

        fx_write_file(M("a"), "a", 0644);
        cr_assert_eq(links(M("a")), 1);
        cr_assert_eq(stat(M("a"), &s1), 0);
        usleep(20000);
        cr_assert_eq(link(M("a"), M("b")), 0);
        cr_assert_eq(links(M("a")), 2);
        cr_assert_eq(links(M("b")), 2);
        cr_assert_eq(stat(M("a"), &s2), 0);
        cr_assert(s2.st_ctim.tv_sec > s1.st_ctim.tv_sec || s2.st_ctim.tv_nsec != s1.st_ctim.tv_nsec, "ctime not updated by link");
        cr_assert_eq(mkdir(M("d"), 0755), 0);
        cr_assert_eq(link(M("b"), M("d/c")), 0);
        cr_assert_eq(links(M("d/c")), 3);
        cr_assert_eq(unlink(M("a")), 0);
        cr_assert_eq(links(M("b")), 2);
        cr_assert_eq(links(M("d/c")), 2);
        cr_assert_eq(rename(M("d/c"), M("b")), 0); /* same inode: nothing happens */
        cr_assert_eq(links(M("b")), 2);
        fx_write_file(M("x"), "x", 0644);
        cr_assert_eq(rename(M("x"), M("b")), 0);
        cr_assert_eq(links(M("d/c")), 1);
        cr_assert_eq(links(M("b")), 1);
        cr_assert_eq(links(M("d")), 2);
        cr_assert_eq(mkdir(M("d/sub"), 0755), 0);
        cr_assert_eq(links(M("d")), 3);
        cr_assert_eq(rmdir(M("d/sub")), 0);
        cr_assert_eq(links(M("d")), 2);
}

static char *slurp(const char *path) {
        static char buf[256];
        int fd = xopen(path, O_RDONLY);
        ssize_t n = read(fd, buf, sizeof(buf) - 1);

        close(fd);
        buf[n < 0 ? 0 : n] = '\0';
        return buf;
}

Test(vpsfs_data, rename_files_and_directories) {
        fx_write_file(M("a"), "A", 0644);
        fx_write_file(M("b"), "B", 0644);
        cr_assert_eq(rename(M("a"), M("b")), 0);
        cr_assert_str_eq(slurp(M("b")), "A");
        cr_assert_eq(access(M("a"), F_OK), -1);
        cr_assert_eq(mkdir(M("d1"), 0755), 0);
        cr_assert_eq(mkdir(M("d2"), 0755), 0);
        fx_write_file(M("d1/in"), "in", 0644);
        cr_assert_eq(rename(M("d1"), M("d2")), 0);
        cr_assert_str_eq(slurp(M("d2/in")), "in");
        cr_assert_eq(mkdir(M("d3"), 0755), 0);
        cr_assert_eq(rename(M("d3"), M("d2")), -1);
        cr_assert_eq(errno, ENOTEMPTY);
        cr_assert_eq(rename(M("b"), M("d2")), -1);
        cr_assert_eq(errno, EISDIR);
        cr_assert_eq(rename(M("d3"), M("b")), -1);
        cr_assert_eq(errno, ENOTDIR);
        cr_assert_eq(rename(M("d2"), M("d2/in/x")), -1);
}

Test(vpsfs_data, rename_exchange_and_noreplace) {
        fx_write_file(M("a"), "A", 0644);
        fx_write_file(M("b"), "B", 0644);
        cr_assert_eq(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("b"), RENAME_NOREPLACE), -1);
        cr_assert_eq(errno, EEXIST);
        cr_assert_eq(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("b"), RENAME_EXCHANGE), 0);
        cr_assert_str_eq(slurp(M("a")), "B");
        cr_assert_str_eq(slurp(M("b")), "A");
        cr_assert_str_eq(slurp(B("a")), "B");
        cr_assert_eq(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("c"), RENAME_NOREPLACE), 0);
        cr_assert_str_eq(slurp(M("c")), "B");
        cr_assert_eq(renameat2(AT_FDCWD, M("c"), AT_FDCWD, M("nope"), RENAME_EXCHANGE), -1);
        cr_assert_eq(errno, ENOENT);
}

Test(vpsfs_data, utime_omit_and_now) {
        struct timespec set[2] = { { .tv_sec = 100, .tv_nsec = 5 }, { .tv_sec = 200, .tv_nsec = 7 } };
        struct timespec omit_now[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_NOW } };
        struct stat st;
        int fd;

        fx_write_file(M("t"), "t", 0644);
        cr_assert_eq(utimensat(AT_FDCWD, M("t"), set, 0), 0);
        cr_assert_eq(stat(M("t"), &st), 0);
        cr_assert_eq(st.st_atim.tv_sec, 100);
        cr_assert_eq(st.st_atim.tv_nsec, 5);
        cr_assert_eq(st.st_mtim.tv_sec, 200);
        cr_assert_eq(utimensat(AT_FDCWD, M("t"), omit_now, 0), 0);
        cr_assert_eq(stat(M("t"), &st), 0);
        cr_assert_eq(st.st_atim.tv_sec, 100, "UTIME_OMIT changed atime");
        cr_assert_gt(st.st_mtim.tv_sec, 1000000000, "UTIME_NOW did not set mtime");
        /* Through an open handle. */
        fd = xopen(M("t"), O_WRONLY);
        cr_assert_eq(futimens(fd, set), 0);
        cr_assert_eq(ftruncate(fd, 0), 0);
        cr_assert_eq(fchmod(fd, 0600), 0);
        close(fd);
        cr_assert_eq(stat(B("t"), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0600);
        cr_assert_eq(st.st_size, 0);
        cr_assert_eq(stat(M("t"), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0600);
        cr_assert_eq(st.st_size, 0);
}

Test(vpsfs_data, open_flags) {
        int fd, fd2;

        fx_write_file(M("e"), "hello", 0644);
        cr_assert_eq(open(M("e"), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644), -1);
        cr_assert_eq(errno, EEXIST);
        fd = xopen(M("e"), O_WRONLY | O_APPEND);
        fd2 = xopen(M("e"), O_WRONLY | O_APPEND);
        cr_assert_eq(write(fd, "1", 1), 1);
        cr_assert_eq(write(fd2, "2", 1), 1);
        close(fd);
        close(fd2);
        cr_assert_str_eq(slurp(M("e")), "hello12");
        fd = xopen(M("e"), O_WRONLY | O_TRUNC);
        close(fd);
        cr_assert_str_eq(slurp(M("e")), "");
        cr_assert_str_eq(slurp(B("e")), "");
        fd = xopen(M("w"), O_WRONLY | O_CREAT);
        cr_assert_eq(write(fd, "w", 1), 1);
        close(fd);
        cr_assert_str_eq(slurp(B("w")), "w");
}

Test(vpsfs_data, copy_file_range_and_fallocate) {
        int a = xopen(M("src"), O_RDWR | O_CREAT), b = xopen(M("dst"), O_RDWR | O_CREAT);
        char buf[8192];
        loff_t in = 0, out = 100;
        struct stat st;

        memset(buf, 'q', sizeof(buf));
        cr_assert_eq(write(a, buf, sizeof(buf)), (ssize_t) sizeof(buf));
        cr_assert_eq(copy_file_range(a, &in, b, &out, 5000, 0), 5000);
        cr_assert_eq(fstat(b, &st), 0);
        cr_assert_eq(st.st_size, 5100);
        cr_assert_eq(pread(b, buf, 1, 5099), 1);
        cr_assert_eq(buf[0], 'q');
        cr_assert_eq(fallocate(b, 0, 0, 1 << 20), 0);
        cr_assert_eq(fstat(b, &st), 0);
        cr_assert_eq(st.st_size, 1 << 20);
        close(a);
        close(b);
}

Test(vpsfs_data, readdir_lists_everything) {
        unsigned found = 0;
        struct dirent *de;
        DIR *d;

        cr_assert_eq(mkdir(M("many"), 0755), 0);
        for (int k = 0; k < 2000; k++)
                fx_write_file(M("many/entry-with-a-long-name-%04d", k), "", 0644);
        cr_assert(d = opendir(M("many")));
        while ((de = readdir(d)))
                if (strncmp(de->d_name, "entry-", 6) == 0)
                        found++;
        closedir(d);
        cr_assert_eq(found, 2000);
}

Test(vpsfs_data, special_files) {
        struct stat st;
        int fd;

        cr_assert_eq(mknod(M("fifo"), S_IFIFO | 0644, 0), 0);
        cr_assert_eq(mknod(M("sock"), S_IFSOCK | 0644, 0), 0);
        cr_assert_eq(mknod(M("null"), S_IFCHR | 0666, makedev(1, 3)), 0);
        cr_assert_eq(stat(B("fifo"), &st), 0);
        cr_assert(S_ISFIFO(st.st_mode));
        cr_assert_eq(stat(M("sock"), &st), 0);
        cr_assert(S_ISSOCK(st.st_mode));
        cr_assert_eq(stat(M("null"), &st), 0);
        cr_assert(S_ISCHR(st.st_mode));
        /* The kernel serves the fifo itself: this must not involve (or hang) the daemon. */
        fd = xopen(M("fifo"), O_RDWR);
        cr_assert_eq(write(fd, "p", 1), 1);
        cr_assert_eq(read(fd, &st, 1), 1);
        close(fd);
        cr_assert_eq(symlink("../../target", M("ln")), 0);
        cr_assert_eq(readlink(M("ln"), (char *) &st, sizeof(st)), 12);
}

/* An open file keeps working after its last name is gone, also when the daemon's descriptor
 * cache is tiny (RLIMIT_NOFILE 256 gives a cache of 64). */
Test(vpsfs_data, open_file_survives_unlink) {
        int fds[40];
        struct stat st;
        char buf[8];

        fx_remount("hostroot=vsu", 256);
        for (int k = 0; k < 40; k++) {
                fds[k] = xopen(M("u%d", k), O_RDWR | O_CREAT);
                cr_assert_eq(write(fds[k], "abc", 3), 3);
        }
        for (int k = 0; k < 40; k++)
                cr_assert_eq(unlink(M("u%d", k)), 0);
        for (int k = 0; k < 300; k++) /* churn the descriptor cache */
                fx_write_file(M("churn%d", k), "", 0644);
        for (int k = 0; k < 40; k++) {
                cr_assert_eq(fstat(fds[k], &st), 0);
                cr_assert_eq(st.st_nlink, 0);
                cr_assert_eq(fchmod(fds[k], 0600), 0, "fchmod: %s", strerror(errno));
                cr_assert_eq(fstat(fds[k], &st), 0);
                cr_assert_eq(st.st_mode & 07777, 0600);
                cr_assert_eq(pread(fds[k], buf, 3, 0), 3);
                cr_assert_eq(memcmp(buf, "abc", 3), 0);
                cr_assert_eq(ftruncate(fds[k], 1), 0);
                close(fds[k]);
        }
}

/* Four threads create, link, rename, stat and unlink overlapping names for a while (ASan
 * watches the inode table); afterwards the mount and BACKING agree on every name. */
struct churn {
        unsigned seed;
        int errors;
};

static void *churn_names(void *arg) {
        struct churn *c = arg;

        for (int k = 0; k < 3000; k++) {
                unsigned a = rand_r(&c->seed) % 32, b = rand_r(&c->seed) % 32;
                struct stat st;
                int fd;

                switch (rand_r(&c->seed) % 6) {
                case 0:
                        fd = open(M("churn/%u", a), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
                        if (fd >= 0)
                                close(fd);
                        break;
                case 1:
                        (void) link(M("churn/%u", a), M("churn/%u", b));
                        break;
                case 2:
                        (void) rename(M("churn/%u", a), M("churn/%u", b));
                        break;
                case 3:
                        (void) unlink(M("churn/%u", a));
                        break;
                case 4:
                        (void) mkdir(M("churn/%u", a), 0755);
                        (void) rmdir(M("churn/%u", b));
                        break;
                default:
                        if (stat(M("churn/%u", a), &st) < 0 && errno != ENOENT)
                                c->errors++;
                        break;
                }
        }
        return NULL;
}

Test(vpsfs_data, concurrent_namespace_churn) {
        struct churn c[4];
        pthread_t t[4];

        cr_assert_eq(mkdir(M("churn"), 0755), 0);
        for (int k = 0; k < 4; k++) {
                c[k] = (struct churn) { .seed = 100u + (unsigned) k };
                pthread_create(&t[k], NULL, churn_names, &c[k]);
        }
        for (int k = 0; k < 4; k++) {
                pthread_join(t[k], NULL);
                cr_assert_eq(c[k].errors, 0);
        }
        for (unsigned a = 0; a < 32; a++) {
                struct stat sm, sb;
                int rm = lstat(M("churn/%u", a), &sm), rb = lstat(B("churn/%u", a), &sb);

                cr_assert_eq(rm, rb, "name %u: mount says %d, backing %d", a, rm, rb);
                if (rm == 0) {
                        cr_assert_eq(sm.st_mode, sb.st_mode, "name %u", a);
                        cr_assert_eq(sm.st_nlink, sb.st_nlink, "name %u: nlink %ju vs %ju", a,
                                     (uintmax_t) sm.st_nlink, (uintmax_t) sb.st_nlink);
                        cr_assert_eq(sm.st_size, sb.st_size, "name %u", a);
                }
        }
}
