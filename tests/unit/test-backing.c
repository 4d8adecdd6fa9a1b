/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Backing files in a temporary directory: creation (sparse, 0600, with
 * parents), growing, and everything backing_open() must refuse; paths in
 * an allowed directory, opened beneath it without symlinks; one open, so
 * that swapping the path afterwards changes nothing; the inode checks of
 * backing_grow() and backing_unlink(); and files under a mount point that
 * is not mounted yet. A failure after creating the file is forced with
 * RLIMIT_FSIZE, to see the new file removed again.
 */

#include "tests.h"

#include <limits.h>
#include <signal.h>
#include <sys/resource.h>

#include "backing.h"

#define MB (UINT64_C(1) << 20)

static char *dir;
static char fstab[PATH_MAX], mountinfo[PATH_MAX];
static const char *const no_dirs[] = { NULL };
static MountPendingSources sources = { .admin_unit_dirs = no_dirs, .vendor_unit_dirs = no_dirs };

/* The old backing_prepare(): open as root's path, then close. */
static int backing_prepare(const char *path, uint64_t size, bool create, bool read_only, bool *ret_created) {
        BackingFile f = BACKING_FILE_NULL;
        int r;

        r = backing_open(path, NULL, size, (create ? BACKING_CREATE : 0) | (read_only ? BACKING_READ_ONLY : 0), &f);
        if (r < 0)
                return r;
        ASSERT_TRUE(f.fd >= 0);
        ASSERT_STREQ(f.path, path);
        ASSERT_EQ(f.dir_fd >= 0, f.created);
        if (ret_created)
                *ret_created = f.created;
        backing_file_done(&f);
        ASSERT_EQ(f.fd, -EBADF);
        ASSERT_TRUE(f.path == NULL);
        return 0;
}

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
        BackingFile f = BACKING_FILE_NULL;
        struct stat st;
        BackingId id;

        write_size(at("g.img"), 512);
        st = xstat(at("g.img"));
        id = (BackingId){ st.st_dev, st.st_ino };
        ASSERT_OK(backing_grow(at("g.img"), NULL, &id, 8 * MB));
        st = xstat(at("g.img"));
        ASSERT_EQ_U64(st.st_size, 8 * MB);
        ASSERT_TRUE((uint64_t) st.st_blocks * 512 < MB);

        /* Never shrinks. */
        ASSERT_OK(backing_grow(at("g.img"), NULL, NULL, MB));
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 8 * MB);
        ASSERT_OK(backing_grow(at("g.img"), NULL, &id, 8 * MB));
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 8 * MB);

        ASSERT_EQ(backing_grow(at("g.img"), NULL, NULL, (uint64_t) INT64_MAX + 1), -EFBIG);
        ASSERT_EQ(backing_grow(at("g-missing.img"), NULL, NULL, MB), -ENOENT);
        ASSERT_FALSE(exists(at("g-missing.img")));
        ASSERT_EQ(backing_grow(at("adir"), NULL, NULL, MB), -EISDIR);
        ASSERT_EQ(backing_grow(at("fifo"), NULL, NULL, MB), -EINVAL);

        /* Another file under the same name now: left alone. */
        ASSERT_OK(rename(at("g.img"), at("g-old.img")));
        write_size(at("g.img"), 512);
        ASSERT_EQ(backing_grow(at("g.img"), NULL, &id, 16 * MB), -ESTALE);
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 512);
        ASSERT_EQ_U64(xstat(at("g-old.img")).st_size, 8 * MB);

        /* Through an open descriptor. */
        ASSERT_OK(backing_open(at("g.img"), NULL, 0, 0, &f));
        ASSERT_OK(backing_grow_fd(f.fd, 2 * MB));
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 2 * MB);
        ASSERT_OK(backing_grow_fd(f.fd, MB));
        ASSERT_EQ_U64(xstat(at("g.img")).st_size, 2 * MB);
        ASSERT_EQ(backing_grow_fd(f.fd, UINT64_MAX), -EFBIG);
        backing_file_done(&f);
}

/* The allowed directory for the tests below, and a directory outside. */
static char allowed[PATH_MAX], outside[PATH_MAX];

static char *in(const char *base, const char *rel) {
        static char buf[8][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % ELEMENTSOF(buf)];

        snprintf(p, PATH_MAX, "%s/%s", base, rel);
        return p;
}

static int open_in(const char *path, uint64_t size, BackingFlags flags, BackingFile *f) {
        return backing_open(path, (char *[]){ allowed, NULL }, size, flags, f);
}

static void test_beneath(void) {
        BackingFile f = BACKING_FILE_NULL;
        struct stat st;

        snprintf(allowed, sizeof(allowed), "%s/allowed", dir);
        snprintf(outside, sizeof(outside), "%s/outside", dir);
        test_mkdir_p(outside);
        write_size(in(outside, "secret.img"), 100);

        /* A first run: the allowed directory does not exist yet. It is
         * made, 0700, and so is a missing directory inside it. */
        ASSERT_FALSE(exists(allowed));
        ASSERT_OK(open_in(in(allowed, "new/deeper/a.img"), MB, BACKING_CREATE | BACKING_CONFINED, &f));
        ASSERT_TRUE(f.created);
        ASSERT_EQ(xstat(allowed).st_mode & 07777, 0700);
        ASSERT_EQ(xstat(in(allowed, "new")).st_mode & 07777, 0700);
        ASSERT_EQ(xstat(in(allowed, "new/deeper")).st_mode & 07777, 0700);
        st = xstat(in(allowed, "new/deeper/a.img"));
        ASSERT_EQ(st.st_mode & 07777, 0600);
        ASSERT_EQ_U64(st.st_size, MB);
        ASSERT_TRUE(f.id.dev == st.st_dev && f.id.ino == st.st_ino);
        backing_file_done(&f);

        /* No further than one level: a missing parent of the allowed
         * directory is a file system that is not there. */
        {
                char *dirs[] = { in(dir, "no/such/allowed"), NULL };

                ASSERT_EQ(backing_open(in(dir, "no/such/allowed/a.img"), dirs, MB, BACKING_CREATE, &f), -ENOENT);
                ASSERT_FALSE(exists(in(dir, "no")));
        }

        /* A symlink inside is never followed, wherever it leads. */
        ASSERT_OK(symlink(in(outside, "secret.img"), in(allowed, "evil.img")));
        ASSERT_EQ(open_in(in(allowed, "evil.img"), MB, BACKING_CREATE, &f), -ELOOP);
        ASSERT_EQ(open_in(in(allowed, "evil.img"), 0, BACKING_READ_ONLY, &f), -ELOOP);
        ASSERT_OK(symlink("new/deeper/a.img", in(allowed, "inside.img")));
        ASSERT_EQ(open_in(in(allowed, "inside.img"), 0, 0, &f), -ELOOP);
        ASSERT_OK(symlink(outside, in(allowed, "evil-dir")));
        ASSERT_EQ(open_in(in(allowed, "evil-dir/secret.img"), MB, BACKING_CREATE, &f), -ELOOP);
        ASSERT_EQ(open_in(in(allowed, "evil-dir/made.img"), MB, BACKING_CREATE, &f), -ELOOP);
        ASSERT_EQ(open_in(in(allowed, "evil-dir/sub/made.img"), MB, BACKING_CREATE, &f), -ELOOP);
        ASSERT_EQ(xstat(in(outside, "secret.img")).st_size, 100);
        ASSERT_FALSE(exists(in(outside, "made.img")));
        ASSERT_FALSE(exists(in(outside, "sub")));

        /* A bus caller's path outside every allowed directory. */
        ASSERT_EQ(open_in(in(outside, "secret.img"), 0, BACKING_CONFINED | BACKING_READ_ONLY, &f), -EPERM);
        ASSERT_EQ(backing_open(in(outside, "secret.img"), NULL, 0, BACKING_CONFINED, &f), -EPERM);
        /* A config file's path outside is root's, opened as given. */
        ASSERT_OK(open_in(in(outside, "secret.img"), 0, BACKING_READ_ONLY, &f));
        ASSERT_FALSE(f.created);
        ASSERT_EQ(f.dir_fd, -EBADF);
        backing_file_done(&f);
        ASSERT_EQ(backing_open("relative.img", NULL, 0, 0, &f), -EINVAL);
        ASSERT_EQ(backing_open(in(allowed, "../outside/secret.img"), NULL, 0, 0, &f), -EINVAL);
        ASSERT_EQ(backing_open("/", NULL, 0, 0, &f), -EINVAL);
}

static void test_opened_once(void) {
        BackingFile f = BACKING_FILE_NULL;

        /* Opened, then the name is swapped for a symlink to a file
         * outside: what is grown is still the file that was opened. */
        write_size(in(allowed, "swap.img"), 512);
        ASSERT_OK(open_in(in(allowed, "swap.img"), 512, BACKING_CREATE | BACKING_CONFINED, &f));
        ASSERT_OK(rename(in(allowed, "swap.img"), in(allowed, "swap-moved.img")));
        ASSERT_OK(symlink(in(outside, "secret.img"), in(allowed, "swap.img")));
        ASSERT_OK(backing_grow_fd(f.fd, 4 * MB));
        ASSERT_EQ_U64(xstat(in(allowed, "swap-moved.img")).st_size, 4 * MB);
        ASSERT_EQ(xstat(in(outside, "secret.img")).st_size, 100);

        /* And re-opening for a resize refuses the symlink. */
        ASSERT_EQ(backing_grow(in(allowed, "swap.img"), (char *[]){ allowed, NULL }, &f.id, 8 * MB), -ELOOP);
        ASSERT_EQ(xstat(in(outside, "secret.img")).st_size, 100);
        backing_file_done(&f);
}

static void test_undo(void) {
        BackingFile f = BACKING_FILE_NULL, g = BACKING_FILE_NULL;

        /* What the open created, the undo removes. */
        ASSERT_OK(open_in(in(allowed, "undo.img"), MB, BACKING_CREATE, &f));
        ASSERT_TRUE(f.created);
        backing_file_undo(&f);
        ASSERT_FALSE(exists(in(allowed, "undo.img")));
        ASSERT_EQ(f.fd, -EBADF);
        ASSERT_EQ(f.dir_fd, -EBADF);

        /* A file that was there is kept. */
        write_size(in(allowed, "kept.img"), 512);
        ASSERT_OK(open_in(in(allowed, "kept.img"), MB, BACKING_CREATE, &f));
        ASSERT_FALSE(f.created);
        backing_file_undo(&f);
        ASSERT_EQ_U64(xstat(in(allowed, "kept.img")).st_size, MB);

        /* Another file under the name by now: not ours to remove. */
        ASSERT_OK(open_in(in(allowed, "raced.img"), MB, BACKING_CREATE, &f));
        ASSERT_OK(unlink(in(allowed, "raced.img")));
        write_size(in(allowed, "raced.img"), 512);
        backing_file_undo(&f);
        ASSERT_EQ_U64(xstat(in(allowed, "raced.img")).st_size, 512);

        /* Done and undo are fine on nothing. */
        backing_file_done(&g);
        backing_file_undo(&g);
        backing_file_undo(NULL);
}

static void test_unlink(void) {
        char *dirs[] = { allowed, NULL };
        struct stat st;
        BackingId id;

        write_size(in(allowed, "del.img"), 512);
        st = xstat(in(allowed, "del.img"));
        id = (BackingId){ st.st_dev, st.st_ino };

        /* Replaced by another file: refused, both stay. */
        ASSERT_OK(rename(in(allowed, "del.img"), in(allowed, "del-moved.img")));
        write_size(in(allowed, "del.img"), 512);
        ASSERT_EQ(backing_unlink(in(allowed, "del.img"), dirs, &id), -ESTALE);
        ASSERT_TRUE(exists(in(allowed, "del.img")));
        ASSERT_OK(backing_unlink(in(allowed, "del-moved.img"), dirs, &id));
        ASSERT_FALSE(exists(in(allowed, "del-moved.img")));
        ASSERT_EQ(backing_unlink(in(allowed, "del-moved.img"), dirs, &id), -ENOENT);

        /* Without an id: any regular file, but no symlink and no way
         * through one. */
        ASSERT_EQ(backing_unlink(in(allowed, "evil.img"), dirs, NULL), -EINVAL);
        ASSERT_TRUE(exists(in(allowed, "evil.img")));
        ASSERT_EQ(backing_unlink(in(allowed, "evil-dir/secret.img"), dirs, NULL), -ELOOP);
        ASSERT_TRUE(exists(in(outside, "secret.img")));
        ASSERT_EQ(backing_unlink(in(allowed, "new"), dirs, NULL), -EISDIR);
        ASSERT_OK(backing_unlink(in(allowed, "del.img"), dirs, NULL));
        ASSERT_FALSE(exists(in(allowed, "del.img")));
        ASSERT_EQ(backing_unlink("relative.img", dirs, NULL), -EINVAL);
}

static void test_mount_pending(void) {
        BackingFile f = BACKING_FILE_NULL;
        char line[PATH_MAX + 64];

        /* fstab mounts <dir>/srv, which is not mounted yet: nothing is
         * made there, with CreateBacking or without. */
        test_mkdir_p(at("srv"));
        snprintf(line, sizeof(line), "/dev/vdb %s ext4 defaults 0 2\n", at("srv"));
        test_write_file(fstab, line);
        ASSERT_EQ(backing_open(at("srv/data/late.img"), NULL, MB, BACKING_CREATE, &f), -ENOMEDIUM);
        ASSERT_FALSE(exists(at("srv/data")));
        ASSERT_EQ(backing_open(at("srv/late.img"), NULL, MB, 0, &f), -ENOMEDIUM);
        /* Nor a file found there: it would be the one the mount hides. */
        write_size(at("srv/shadow.img"), 512);
        ASSERT_EQ(backing_open(at("srv/shadow.img"), NULL, 512, BACKING_READ_ONLY, &f), -ENOMEDIUM);
        {
                char *dirs[] = { at("srv"), NULL };

                ASSERT_EQ(backing_open(at("srv/late.img"), dirs, MB, BACKING_CREATE | BACKING_CONFINED, &f),
                          -ENOMEDIUM);
        }
        ASSERT_FALSE(exists(at("srv/late.img")));

        /* Mounted now. */
        snprintf(line, sizeof(line), "22 1 0:21 / / rw - ext4 /dev/vda rw\n40 22 8:16 / %s rw - ext4 /dev/vdb rw\n",
                 at("srv"));
        test_write_file(mountinfo, line);
        ASSERT_OK(backing_open(at("srv/data/late.img"), NULL, MB, BACKING_CREATE, &f));
        ASSERT_TRUE(f.created);
        backing_file_done(&f);

        test_write_file(fstab, "");
        test_write_file(mountinfo, "22 1 0:21 / / rw - ext4 /dev/vda rw\n");
}

int main(void) {
        char *t = test_mkdtemp();

        dir = realpath(t, NULL);
        ASSERT_TRUE(dir);
        free(t);
        umask(022);

        /* Fixture mount tables, so that the host's fstab plays no part. */
        snprintf(fstab, sizeof(fstab), "%s/fstab", dir);
        snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", dir);
        test_write_file(fstab, "");
        test_write_file(mountinfo, "22 1 0:21 / / rw - ext4 /dev/vda rw\n");
        sources.fstab = fstab;
        sources.mountinfo = mountinfo;
        backing_set_mount_sources(&sources);

        TEST_RUN(test_create);
        TEST_RUN(test_missing);
        TEST_RUN(test_grow_on_prepare);
        TEST_RUN(test_short_refused);
        TEST_RUN(test_not_regular);
        TEST_RUN(test_symlinks);
        TEST_RUN(test_cleanup_on_failure);
        TEST_RUN(test_grow);
        TEST_RUN(test_beneath);
        TEST_RUN(test_opened_once);
        TEST_RUN(test_undo);
        TEST_RUN(test_unlink);
        TEST_RUN(test_mount_pending);

        test_rm_rf(dir);
        free(dir);
        TEST_DONE();
}
