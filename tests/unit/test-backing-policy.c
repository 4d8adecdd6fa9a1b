/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Where a bus caller may put a backing file. A temporary directory plays
 * the allowed directory, with files, a FIFO, subdirectories and symlinks
 * in it and a second directory outside it. No root needed; openat2()
 * needs Linux 5.6, and the test skips where it is missing (or filtered).
 */

#include "tests.h"

#include <limits.h>

#include "backing-policy.h"

static char *top, *allowed, *outside;

static char *at(const char *dir, const char *rel) {
        static char buf[8][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % ELEMENTSOF(buf)];

        snprintf(p, PATH_MAX, "%s/%s", dir, rel);
        return p;
}

static void xsymlink(const char *target, const char *link) {
        if (symlink(target, link) < 0)
                TEST_FAIL("symlink(%s, %s): %m", target, link);
}

static int check(const char *path, bool may_create) {
        char *dirs[] = { allowed, NULL };

        return backing_path_check_for_caller(dirs, path, may_create);
}

static void expect(const char *path, bool may_create, int expected) {
        int r = check(path, may_create);

        tests_checks++;
        if (r != expected)
                TEST_FAIL("check(\"%s\", %s) = %d (%s), expected %d", path, may_create ? "create" : "no create", r,
                          strerror(-r), expected);
}

static void setup(void) {
        char *t = test_mkdtemp();

        /* Canonical, so that it passes as an absolute normalized dir even
         * when TMPDIR has a symlink or a trailing slash in it. */
        top = realpath(t, NULL);
        ASSERT_TRUE(top);
        free(t);
        ASSERT_TRUE(asprintf(&allowed, "%s/allowed", top) > 0);
        ASSERT_TRUE(asprintf(&outside, "%s/outside", top) > 0);
        test_mkdir_p(at(allowed, "sub/deeper"));
        test_mkdir_p(outside);
        test_mkdir_p(at(top, "allowedx"));

        test_write_file(at(allowed, "file.img"), "data");
        test_write_file(at(allowed, "sub/deeper/file.img"), "data");
        test_write_file(at(outside, "secret.img"), "secret");
        test_write_file(at(top, "allowedx/file.img"), "data");
        if (mkfifo(at(allowed, "fifo"), 0600) < 0)
                TEST_FAIL("mkfifo: %m");

        xsymlink("/etc/passwd", at(allowed, "passwd-link"));
        xsymlink("../outside/secret.img", at(allowed, "relative-out"));
        xsymlink(outside, at(allowed, "outdir"));
        xsymlink("../outside", at(allowed, "outdir-relative"));
        xsymlink("/nonexistent/dmloop-target.img", at(allowed, "dangling-out"));
        xsymlink("file.img", at(allowed, "inside-link"));
        xsymlink("sub", at(allowed, "subdir-link"));
        xsymlink(at(allowed, "sub"), at(allowed, "subdir-abs-link"));
}

static void test_allowed(void) {
        expect(at(allowed, "file.img"), false, 0);
        expect(at(allowed, "file.img"), true, 0);
        expect(at(allowed, "sub/deeper/file.img"), false, 0);

        /* Missing: fine when it may be created, in the dir or below it
         * (backing_prepare() makes the parents inside). */
        expect(at(allowed, "new.img"), true, 0);
        expect(at(allowed, "sub/new.img"), true, 0);
        expect(at(allowed, "new/dirs/new.img"), true, 0);
        expect(at(allowed, "new.img"), false, -ENOENT);
        expect(at(allowed, "sub/new.img"), false, -ENOENT);
        expect(at(allowed, "new/dirs/new.img"), false, -ENOENT);

        /* The second allowed dir counts too. */
        {
                char *dirs[] = { outside, allowed, NULL };

                ASSERT_OK(backing_path_check_for_caller(dirs, at(allowed, "file.img"), false));
                ASSERT_OK(backing_path_check_for_caller(dirs, at(outside, "secret.img"), false));
        }
}

static void test_not_regular(void) {
        /* O_PATH: checking a FIFO neither blocks nor opens it. */
        expect(at(allowed, "fifo"), false, -EPERM);
        expect(at(allowed, "fifo"), true, -EPERM);
        expect(at(allowed, "sub"), false, -EPERM);
        expect(at(allowed, "sub"), true, -EPERM);
        expect(allowed, false, -EPERM);
        expect(allowed, true, -EPERM);
}

static void test_outside(void) {
        expect("/etc/passwd", false, -EPERM);
        expect(at(outside, "secret.img"), false, -EPERM);
        expect(at(outside, "new.img"), true, -EPERM);
        expect("/", true, -EPERM);

        /* Not normalized: refused before anything is looked at. */
        expect(at(allowed, "../outside/secret.img"), false, -EPERM);
        expect(at(allowed, "sub/../file.img"), false, -EPERM);
        expect(at(allowed, "./file.img"), false, -EPERM);
        expect(at(allowed, "sub//deeper/file.img"), false, -EPERM);
        expect(at(allowed, "sub/"), true, -EPERM);
        expect("file.img", true, -EPERM);
        expect("", true, -EPERM);

        /* Same prefix, other directory. */
        expect(at(top, "allowedx/file.img"), false, -EPERM);
        expect(at(top, "allowedx/new.img"), true, -EPERM);

        /* No allowed dirs at all. */
        ASSERT_EQ(backing_path_check_for_caller(NULL, at(allowed, "file.img"), false), -EPERM);
        ASSERT_EQ(backing_path_check_for_caller((char *[]){ NULL }, at(allowed, "file.img"), false), -EPERM);
}

static void test_symlinks(void) {
        /* A symlink as the last component is never followed, wherever it
         * points: the caller must name the file itself. */
        expect(at(allowed, "passwd-link"), false, -EPERM);
        expect(at(allowed, "passwd-link"), true, -EPERM);
        expect(at(allowed, "relative-out"), false, -EPERM);
        expect(at(allowed, "dangling-out"), true, -EPERM);
        expect(at(allowed, "inside-link"), false, -EPERM);
        expect(at(allowed, "inside-link"), true, -EPERM);

        /* A symlinked parent that leads out, absolute or relative. */
        expect(at(allowed, "outdir/secret.img"), false, -EPERM);
        expect(at(allowed, "outdir/secret.img"), true, -EPERM);
        expect(at(allowed, "outdir/new.img"), true, -EPERM);
        expect(at(allowed, "outdir/new/dirs/new.img"), true, -EPERM);
        expect(at(allowed, "outdir-relative/secret.img"), false, -EPERM);
        expect(at(allowed, "outdir-relative/new.img"), true, -EPERM);

        /* A symlinked parent that stays inside is refused too: no symlink
         * is followed (RESOLVE_NO_SYMLINKS), as backing_open() follows
         * none, so the check and the open agree. */
        expect(at(allowed, "subdir-link/deeper/file.img"), false, -EPERM);
        expect(at(allowed, "subdir-link/new.img"), true, -EPERM);
        expect(at(allowed, "subdir-abs-link/deeper/file.img"), false, -EPERM);
        expect(at(allowed, "subdir-abs-link/new.img"), true, -EPERM);
}

/* at() hands out rotating buffers: a directory list needs its own copy. */
static char *dir_copy(const char *rel) {
        static char buf[4][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % ELEMENTSOF(buf)];

        snprintf(p, PATH_MAX, "%s/%s", top, rel);
        return p;
}

static void test_missing_allowed_dir(void) {
        char *dirs[] = { dir_copy("state/dmloop"), NULL };

        /* A first run: no state directory yet. Creatable when its parent
         * exists; before, this said -ENOENT, and the bus said "option
         * 'CreateBacking' is false" even though it was true. */
        test_mkdir_p(at(top, "state"));
        ASSERT_OK(backing_path_check_for_caller(dirs, at(top, "state/dmloop/fresh.img"), true));
        ASSERT_OK(backing_path_check_for_caller(dirs, at(top, "state/dmloop/sub/fresh.img"), true));
        ASSERT_EQ(backing_path_check_for_caller(dirs, at(top, "state/dmloop/fresh.img"), false), -ENOENT);
        dirs[0] = dir_copy("nostate/dmloop");
        ASSERT_EQ(backing_path_check_for_caller(dirs, at(top, "nostate/dmloop/fresh.img"), true), -ENOENT);
}

static void expect_message(char *const *dirs, DeviceConfig *c, bool kernel, int expected, const char *needle) {
        _cleanup_free_ char *message = NULL;
        int r = backing_policy_check_config(dirs, c, kernel, &message);

        tests_checks++;
        if (r != expected)
                TEST_FAIL("backing_policy_check_config(%s) = %d, expected %d (%s)", c->segments[0].path, r, expected,
                          strempty(message));
        if (needle && (!message || !strstr(message, needle)))
                TEST_FAIL("\"%s\" not in \"%s\"", needle, strempty(message));
}

static void test_check_config(void) {
        _cleanup_(device_config_freep) DeviceConfig *c = device_config_new();
        char *dirs[] = { dir_copy("state2/dmloop"), NULL };

        ASSERT_TRUE(c);
        test_mkdir_p(at(top, "state2"));
        ASSERT_OK(device_config_add_segment(c, at(top, "state2/dmloop/fresh.img"), 1 << 20));
        c->type = DEVICE_TYPE_FILE;

        /* The first-command bug: CreateBacking true, no state directory. */
        c->create_backing = true;
        expect_message(dirs, c, false, 0, NULL);
        c->create_backing = false;
        expect_message(dirs, c, false, -ENOENT, "does not exist, and option 'CreateBacking' is false");
        c->create_backing = true;
        c->read_only = true;
        expect_message(dirs, c, false, -ENOENT, "a read-only device never creates its backing files");
        c->read_only = false;

        free(c->segments[0].path);
        c->segments[0].path = strdup("/etc/shadow");
        expect_message(dirs, c, false, -EPERM, "/etc/shadow is not allowed");
}

/* Runs as root only: the tree must be root's to pass. */
static void test_kernel_writable(void) {
        char *dirs[] = { dir_copy("k/allowed"), NULL };
        _cleanup_free_ char *bad = NULL;

        test_mkdir_p(at(top, "k/allowed/sub"));
        test_write_file(at(top, "k/allowed/sub/f.img"), "data");
        ASSERT_OK(chmod(at(top, "k"), 0755));
        ASSERT_OK(chmod(at(top, "k/allowed"), 0700));
        if (geteuid() != 0) {
                /* Our own tree: its owner is not root. */
                ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/f.img"), &bad), -EPERM);
                ASSERT_TRUE(bad != NULL);
                return;
        }
        /* The real /tmp above it may be sticky and world-writable; the
         * test tree in it is root's. */
        ASSERT_OK(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), NULL));
        ASSERT_OK(backing_path_check_kernel(dirs, at(top, "k/allowed/missing/new.img"), NULL));

        /* World-writable allowed directory. */
        ASSERT_OK(chmod(at(top, "k/allowed"), 0777));
        ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), &bad), -EPERM);
        ASSERT_STREQ(bad, at(top, "k/allowed"));
        bad = mfree(bad);
        /* Sticky: fine while the entries below are root's. */
        ASSERT_OK(chmod(at(top, "k/allowed"), 01777));
        ASSERT_OK(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), NULL));
        ASSERT_OK(chown(at(top, "k/allowed/sub"), 1000, 0));
        ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), &bad), -EPERM);
        bad = mfree(bad);
        ASSERT_OK(chown(at(top, "k/allowed/sub"), 0, 0));
        ASSERT_OK(chmod(at(top, "k/allowed"), 0755));

        /* A writable ancestor: the allowed directory could be renamed. */
        ASSERT_OK(chmod(at(top, "k"), 0777));
        ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), &bad), -EPERM);
        ASSERT_STREQ(bad, at(top, "k"));
        bad = mfree(bad);
        ASSERT_OK(chmod(at(top, "k"), 0755));

        /* Group-writable: by root's group fine, by another not. */
        ASSERT_OK(chmod(at(top, "k/allowed/sub"), 0770));
        ASSERT_OK(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), NULL));
        ASSERT_OK(chown(at(top, "k/allowed/sub"), 0, 100));
        ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), &bad), -EPERM);
        ASSERT_STREQ(bad, at(top, "k/allowed/sub"));
        bad = mfree(bad);
        ASSERT_OK(chown(at(top, "k/allowed/sub"), 0, 0));

        /* A user's own directory below, and one of theirs above. */
        ASSERT_OK(chown(at(top, "k/allowed/sub"), 1000, 1000));
        ASSERT_OK(chmod(at(top, "k/allowed/sub"), 0700));
        ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), NULL), -EPERM);
        ASSERT_OK(chown(at(top, "k/allowed/sub"), 0, 0));
        ASSERT_OK(chown(at(top, "k"), 1000, 1000));
        ASSERT_EQ(backing_path_check_kernel(dirs, at(top, "k/allowed/sub/f.img"), NULL), -EPERM);
        ASSERT_OK(chown(at(top, "k"), 0, 0));

        /* The message names the directory. */
        {
                _cleanup_(device_config_freep) DeviceConfig *c = device_config_new();

                ASSERT_TRUE(c);
                c->type = DEVICE_TYPE_FILE;
                ASSERT_OK(device_config_add_segment(c, at(top, "k/allowed/sub/f.img"), 512));
                ASSERT_OK(chmod(at(top, "k/allowed"), 0777));
                expect_message(dirs, c, false, 0, NULL);
                expect_message(dirs, c, true, -EPERM, "not allowed with the kernel loop target");
                ASSERT_OK(chmod(at(top, "k/allowed"), 0700));
                expect_message(dirs, c, true, 0, NULL);
        }

        /* Not inside an allowed directory at all. */
        ASSERT_EQ(backing_path_check_kernel(dirs, "/etc/shadow", NULL), -EPERM);
}

static void test_parent_not_a_dir(void) {
        /* "file.img/x": not EPERM, but not allowed either. */
        ASSERT_TRUE(check(at(allowed, "file.img/new.img"), true) < 0);
        ASSERT_TRUE(check(at(allowed, "file.img/new.img"), false) < 0);
}

/* The walk used where openat2() is refused follows no symlink at all. */
static void expect_walk(const char *relative, int flags, int expected) {
        int dir_fd, fd;

        dir_fd = open(allowed, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(dir_fd >= 0);
        fd = backing_open_beneath_by_hand(dir_fd, relative, flags);
        tests_checks++;
        if (expected == 0 ? fd < 0 : fd != expected)
                TEST_FAIL("walk(\"%s\") = %d, expected %s%d", relative, fd, expected == 0 ? "an fd, not " : "",
                          expected);
        if (fd >= 0)
                close(fd);
        close(dir_fd);
}

static void test_walk_by_hand(void) {
        expect_walk("file.img", O_PATH, 0);
        expect_walk("sub/deeper/file.img", O_PATH, 0);
        expect_walk("sub/deeper", O_PATH | O_DIRECTORY, 0);
        expect_walk("missing.img", O_PATH, -ENOENT);
        expect_walk("missing/new.img", O_PATH, -ENOENT);
        expect_walk("passwd-link", O_PATH, -ELOOP);
        expect_walk("inside-link", O_PATH, -ELOOP);
        expect_walk("outdir/secret.img", O_PATH, -ELOOP);
        expect_walk("outdir-relative/secret.img", O_PATH, -ELOOP);
        expect_walk("subdir-link/deeper/file.img", O_PATH, -ELOOP);
        expect_walk("subdir-link", O_PATH | O_DIRECTORY, -ELOOP);
}

int main(void) {
        setup();

        /* Needs no openat2(): runs everywhere. */
        TEST_RUN(test_walk_by_hand);

        /* Probe openat2(): a plain file inside must pass. */
        if (check(at(allowed, "file.img"), false) == -ENOSYS) {
                printf("openat2() not available, skipping\n");
                test_rm_rf(top);
                return 77;
        }

        TEST_RUN(test_allowed);
        TEST_RUN(test_not_regular);
        TEST_RUN(test_outside);
        TEST_RUN(test_symlinks);
        TEST_RUN(test_parent_not_a_dir);
        TEST_RUN(test_missing_allowed_dir);
        TEST_RUN(test_check_config);
        TEST_RUN(test_kernel_writable);

        test_rm_rf(top);
        free(top);
        free(allowed);
        free(outside);
        TEST_DONE();
}
