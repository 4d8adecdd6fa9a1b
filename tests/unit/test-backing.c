/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Backing files in a temporary directory: creation (sparse, 0600, with
 * parents), growing, and everything backing_prepare() must refuse. A
 * failure after creating the file is forced with RLIMIT_FSIZE, to see the
 * new file removed again.
 */

#include "tests.h"

#include <limits.h>
#include <signal.h>
#include <sys/resource.h>

#include "backing.h"

#define MB (UINT64_C(1) << 20)

static char *dir;

static char *at(const char *rel) {
        static char buf[4][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % ELEMENTSOF(buf)];

        snprintf(p, PATH_MAX, "%s/%s", dir, rel);
        return p;
}

static struct stat xstat(const char *path) {
        struct stat st;

        if (lstat(path, &st) < 0)
                TEST_FAIL("stat(%s): %m", path);
        return st;
}

static bool exists(const char *path) {
        struct stat st;

        return lstat(path, &st) == 0;
}

static void write_size(const char *path, size_t size) {
        char *buf = malloc(size ?: 1);
        int fd;

        ASSERT_TRUE(buf);
        memset(buf, 'x', size);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, buf, size), (ssize_t) size);
        close(fd);
        free(buf);
}

static void test_create(void) {
        bool created = false;
        struct stat st;

        ASSERT_OK(backing_prepare(at("a/b/new.img"), 64 * MB, true, false, &created));
        ASSERT_TRUE(created);
        st = xstat(at("a/b/new.img"));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_EQ_U64(st.st_size, 64 * MB);
        /* Sparse: a hole, not 64M of zeros. */
        ASSERT_TRUE((uint64_t) st.st_blocks * 512 < MB);
        st = xstat(at("a/b"));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0700);
        ASSERT_EQ(xstat(at("a")).st_mode & 07777, 0700);

        /* Again: exists and is big enough, so nothing is made. */
        created = true;
        ASSERT_OK(backing_prepare(at("a/b/new.img"), 64 * MB, true, false, &created));
        ASSERT_FALSE(created);
        ASSERT_OK(backing_prepare(at("a/b/new.img"), 64 * MB, false, true, &created));
        ASSERT_FALSE(created);

        /* ret_created is optional. */
        ASSERT_OK(backing_prepare(at("direct.img"), 512, true, false, NULL));
        ASSERT_EQ_U64(xstat(at("direct.img")).st_size, 512);
}

static void test_missing(void) {
        bool created = true;

        /* Without create, or read-only: never made. */
        ASSERT_EQ(backing_prepare(at("missing.img"), MB, false, false, &created), -ENOENT);
        ASSERT_EQ(backing_prepare(at("missing.img"), MB, true, true, &created), -ENOENT);
        ASSERT_EQ(backing_prepare(at("nodir/missing.img"), MB, true, true, &created), -ENOENT);
        ASSERT_TRUE(created); /* not clobbered on failure */
        ASSERT_FALSE(exists(at("missing.img")));
        ASSERT_FALSE(exists(at("nodir")));
}

static void test_grow_on_prepare(void) {
        char buf[6] = {};
        bool created = true;
        struct stat st;
        int fd;

        test_write_file(at("short.img"), "hello");
        ASSERT_OK(backing_prepare(at("short.img"), 4 * MB, true, false, &created));
        ASSERT_FALSE(created);
        st = xstat(at("short.img"));
        ASSERT_EQ_U64(st.st_size, 4 * MB);
        ASSERT_TRUE((uint64_t) st.st_blocks * 512 < MB);
        /* The data stays. */
        fd = open(at("short.img"), O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(read(fd, buf, 5), 5);
        close(fd);
        ASSERT_STREQ(buf, "hello");

        /* Bigger than asked: left alone, never shrunk. */
        ASSERT_OK(backing_prepare(at("short.img"), MB, true, false, &created));
        ASSERT_EQ_U64(xstat(at("short.img")).st_size, 4 * MB);
}

static void test_short_refused(void) {
        write_size(at("short2.img"), 1000);

        /* A short file may not be grown without create, nor when read-only. */
        ASSERT_EQ(backing_prepare(at("short2.img"), MB, false, false, NULL), -EFBIG);
        ASSERT_EQ(backing_prepare(at("short2.img"), MB, true, true, NULL), -EFBIG);
        ASSERT_EQ(backing_prepare(at("short2.img"), MB, false, true, NULL), -EFBIG);
        ASSERT_EQ_U64(xstat(at("short2.img")).st_size, 1000);
        ASSERT_OK(backing_prepare(at("short2.img"), 1000, false, true, NULL));
        ASSERT_OK(backing_prepare(at("short2.img"), 512, false, false, NULL));

        /* Beyond off_t: refused before anything is touched. */
        ASSERT_EQ(backing_prepare(at("huge.img"), (uint64_t) INT64_MAX + 1, true, false, NULL), -EFBIG);
        ASSERT_EQ(backing_prepare(at("huge.img"), UINT64_MAX, true, false, NULL), -EFBIG);
        ASSERT_FALSE(exists(at("huge.img")));
}

static void test_not_regular(void) {
        bool created = true;

        test_mkdir_p(at("adir"));
        ASSERT_EQ(backing_prepare(at("adir"), MB, true, false, &created), -EISDIR);
        ASSERT_EQ(backing_prepare(at("adir"), MB, false, true, &created), -EISDIR);
        ASSERT_EQ(backing_prepare(at("adir"), MB, true, true, &created), -EISDIR);

        /* A FIFO: O_NONBLOCK, so opening it does not hang. */
        if (mkfifo(at("fifo"), 0600) < 0)
                TEST_FAIL("mkfifo: %m");
        ASSERT_EQ(backing_prepare(at("fifo"), MB, true, false, &created), -EINVAL);
        ASSERT_EQ(backing_prepare(at("fifo"), MB, false, true, &created), -EINVAL);
        ASSERT_TRUE(created);

        /* A character device. */
        ASSERT_EQ(backing_prepare("/dev/null", MB, false, true, &created), -EINVAL);
        ASSERT_TRUE(S_ISFIFO(xstat(at("fifo")).st_mode));
}

static void test_symlinks(void) {
        bool created = true;

        /* A symlink to a regular file is followed (config files are root's
         * and may use them; bus callers are checked by backing-policy). */
        write_size(at("target.img"), 4096);
        if (symlink("target.img", at("link.img")) < 0)
                TEST_FAIL("symlink: %m");
        ASSERT_OK(backing_prepare(at("link.img"), 4096, false, true, &created));
        ASSERT_FALSE(created);

        /* A dangling symlink is not created through. */
        if (symlink("dangling-target.img", at("dangling.img")) < 0)
                TEST_FAIL("symlink: %m");
        ASSERT_TRUE(backing_prepare(at("dangling.img"), MB, true, false, &created) < 0);
        ASSERT_FALSE(exists(at("dangling-target.img")));
        ASSERT_TRUE(S_ISLNK(xstat(at("dangling.img")).st_mode));
}

static void test_cleanup_on_failure(void) {
        struct rlimit old, small = { .rlim_cur = MB };
        bool created = false;

        /* A file size limit makes ftruncate() fail with EFBIG right after
         * the file was created: it must be removed again. */
        ASSERT_OK(getrlimit(RLIMIT_FSIZE, &old));
        small.rlim_max = old.rlim_max;
        if (old.rlim_max != RLIM_INFINITY && old.rlim_max < MB)
                return;
        signal(SIGXFSZ, SIG_IGN);
        ASSERT_OK(setrlimit(RLIMIT_FSIZE, &small));

        ASSERT_EQ(backing_prepare(at("limited/new.img"), 2 * MB, true, false, &created), -EFBIG);
        ASSERT_FALSE(created);
        ASSERT_FALSE(exists(at("limited/new.img")));

        /* An existing file is left alone. */
        write_size(at("limited-existing.img"), 512);
        ASSERT_EQ(backing_prepare(at("limited-existing.img"), 2 * MB, true, false, &created), -EFBIG);
        ASSERT_EQ_U64(xstat(at("limited-existing.img")).st_size, 512);

        ASSERT_OK(setrlimit(RLIMIT_FSIZE, &old));
        signal(SIGXFSZ, SIG_DFL);
}

static void test_grow(void) {
        struct stat st;

        write_size(at("g.img"), 512);
        ASSERT_OK(backing_grow(at("g.img"), 8 * MB));
        st = xstat(at("g.img"));
        ASSERT_EQ_U64(st.st_size, 8 * MB);
        ASSERT_TRUE((uint64_t) st.st_blocks * 512 < MB);

        /* Never shrinks. */
        ASSERT_OK(backing_grow(at("g.img"), MB));
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 8 * MB);
        ASSERT_OK(backing_grow(at("g.img"), 8 * MB));
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 8 * MB);

        ASSERT_EQ(backing_grow(at("g.img"), (uint64_t) INT64_MAX + 1), -EFBIG);
        ASSERT_EQ(backing_grow(at("g-missing.img"), MB), -ENOENT);
        ASSERT_FALSE(exists(at("g-missing.img")));
        ASSERT_EQ(backing_grow(at("adir"), MB), -EISDIR);
        ASSERT_EQ(backing_grow(at("fifo"), MB), -EINVAL);
        /* Symlinks are not followed. */
        ASSERT_EQ(backing_grow(at("link.img"), MB), -ELOOP);
        ASSERT_EQ_U64(xstat(at("target.img")).st_size, 4096);
}

int main(void) {
        char *t = test_mkdtemp();

        dir = realpath(t, NULL);
        ASSERT_TRUE(dir);
        free(t);
        umask(022);

        TEST_RUN(test_create);
        TEST_RUN(test_missing);
        TEST_RUN(test_grow_on_prepare);
        TEST_RUN(test_short_refused);
        TEST_RUN(test_not_regular);
        TEST_RUN(test_symlinks);
        TEST_RUN(test_cleanup_on_failure);
        TEST_RUN(test_grow);

        test_rm_rf(dir);
        free(dir);
        TEST_DONE();
}
