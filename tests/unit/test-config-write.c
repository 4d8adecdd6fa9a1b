/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * config_write_device() in a temporary directory: the file parses back into
 * the config that was written, replaces what was there in one rename, and
 * leaves no temporary file behind, whether it succeeds or fails.
 */

#include "tests.h"

#include <dirent.h>
#include <limits.h>

#include "config-parse.h"
#include "config-write.h"

#define STATE "/var/lib/dmloop"
#define M(n) ((uint64_t) (n) << 20)

static char *root;

static char *at(const char *rel) {
        static char buf[4][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % ELEMENTSOF(buf)];

        snprintf(p, PATH_MAX, "%s/%s", root, rel);
        return p;
}

static DeviceConfig *make(const char *name, DeviceType type, uint64_t size) {
        DeviceConfig *c = device_config_new();

        ASSERT_TRUE(c);
        c->name = strdup(name);
        c->type = type;
        c->size = size;
        return c;
}

static void resolve(DeviceConfig *c) {
        const char *msg = NULL;
        int r = device_config_resolve(c, STATE, &msg);

        if (r < 0)
                TEST_FAIL("resolve: %s", strempty(msg));
}

static void assert_same(const DeviceConfig *a, const DeviceConfig *b) {
        ASSERT_STREQ(a->name, b->name);
        ASSERT_EQ(a->type, b->type);
        ASSERT_EQ_U64(a->size, b->size);
        ASSERT_EQ(a->read_only, b->read_only);
        if (a->type == DEVICE_TYPE_FILE)
                ASSERT_EQ(a->create_backing, b->create_backing);
        ASSERT_EQ(a->n_segments, b->n_segments);
        for (size_t i = 0; i < a->n_segments; i++) {
                ASSERT_STREQ(a->segments[i].path, b->segments[i].path);
                ASSERT_EQ_U64(a->segments[i].size, b->segments[i].size);
        }
}

static void assert_reads_back(const char *path, const DeviceConfig *c) {
        _cleanup_(device_config_freep) DeviceConfig *back = NULL;
        ConfigError e = {};
        int r;

        r = config_parse_file(path, STATE, &back, &e);
        if (r < 0)
                TEST_FAIL("%s: %u: %s", path, e.line, e.message);
        assert_same(c, back);
        ASSERT_STREQ(back->origin, path);
}

/* The directory holds exactly the named entries (NULL-terminated). */
static void assert_dir_has(const char *dir, const char *const *names) {
        size_t n = 0, expected = 0;
        struct dirent *de;
        DIR *d;

        while (names[expected])
                expected++;
        d = opendir(dir);
        if (!d)
                TEST_FAIL("opendir(%s): %m", dir);
        while ((de = readdir(d))) {
                bool found = false;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                for (size_t i = 0; names[i]; i++)
                        found = found || streq(names[i], de->d_name);
                if (!found)
                        TEST_FAIL("unexpected \"%s\" in %s", de->d_name, dir);
                n++;
        }
        closedir(d);
        ASSERT_EQ(n, expected);
}

static void test_write_and_read_back(void) {
        _cleanup_(device_config_freep) DeviceConfig *c = make("data", DEVICE_TYPE_FILE, M(100));
        struct stat st;

        c->read_only = true;
        c->create_backing = false;
        ASSERT_OK(device_config_add_segment(c, "/srv/a.img", M(10)));
        ASSERT_OK(device_config_add_segment(c, "b.img", M(30)));
        ASSERT_OK(device_config_add_segment(c, "/srv/c.img", 0));
        resolve(c);

        /* The last directory is made when missing. */
        test_mkdir_p(at("etc"));
        ASSERT_OK(config_write_device(at("etc/dmloop.d/data.conf"), c));
        assert_reads_back(at("etc/dmloop.d/data.conf"), c);
        assert_dir_has(at("etc/dmloop.d"), (const char *const[]){ "data.conf", NULL });
        ASSERT_OK(stat(at("etc/dmloop.d/data.conf"), &st));
        ASSERT_EQ(st.st_mode & 07777, 0644);
        ASSERT_OK(stat(at("etc/dmloop.d"), &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
}

static void test_ram(void) {
        _cleanup_(device_config_freep) DeviceConfig *c = make("0scratch", DEVICE_TYPE_RAM, M(64) + 512);

        resolve(c);
        test_mkdir_p(at("ram"));
        ASSERT_OK(config_write_device(at("ram/0scratch.conf"), c));
        assert_reads_back(at("ram/0scratch.conf"), c);
        assert_dir_has(at("ram"), (const char *const[]){ "0scratch.conf", NULL });
}

static void test_replace(void) {
        _cleanup_(device_config_freep) DeviceConfig *a = make("swap", DEVICE_TYPE_FILE, M(8));
        _cleanup_(device_config_freep) DeviceConfig *b = make("swap", DEVICE_TYPE_RAM, M(16));
        _cleanup_close_ int old_fd = -EBADF;
        char buf[32] = {};
        struct stat st;

        resolve(a);
        resolve(b);
        test_mkdir_p(at("replace"));
        test_write_file(at("replace/swap.conf"), "old contents\n");
        test_write_file(at("replace/other.conf"), "[Device]\nType=ram\nSize=1M\n");
        /* Held open, so that its inode cannot be reused. */
        old_fd = open(at("replace/swap.conf"), O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(old_fd >= 0);

        ASSERT_OK(config_write_device(at("replace/swap.conf"), a));
        assert_reads_back(at("replace/swap.conf"), a);
        ASSERT_OK(config_write_device(at("replace/swap.conf"), b));
        assert_reads_back(at("replace/swap.conf"), b);

        /* The old file was renamed over, never written in place: it is
         * unlinked and still holds what it held. */
        ASSERT_OK(fstat(old_fd, &st));
        ASSERT_EQ(st.st_nlink, 0);
        ASSERT_EQ(pread(old_fd, buf, sizeof(buf) - 1, 0), strlen("old contents\n"));
        ASSERT_STREQ(buf, "old contents\n");
        assert_dir_has(at("replace"), (const char *const[]){ "swap.conf", "other.conf", NULL });
}

static void test_symlink_replaced(void) {
        _cleanup_(device_config_freep) DeviceConfig *c = make("linked", DEVICE_TYPE_RAM, M(1));
        struct stat st;

        /* A symlink at the path is replaced, not written through. */
        resolve(c);
        test_mkdir_p(at("link"));
        test_write_file(at("link/target"), "untouched\n");
        ASSERT_OK(symlink("target", at("link/linked.conf")));
        ASSERT_OK(config_write_device(at("link/linked.conf"), c));
        ASSERT_OK(lstat(at("link/linked.conf"), &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_OK(stat(at("link/target"), &st));
        ASSERT_EQ(st.st_size, strlen("untouched\n"));
        assert_reads_back(at("link/linked.conf"), c);
}

static void test_failures(void) {
        _cleanup_(device_config_freep) DeviceConfig *good = make("good", DEVICE_TYPE_RAM, M(1));
        _cleanup_(device_config_freep) DeviceConfig *bad = make("bad name", DEVICE_TYPE_RAM, M(1));
        _cleanup_(device_config_freep) DeviceConfig *spaced = make("spaced", DEVICE_TYPE_FILE, M(1));

        resolve(good);
        /* Resolved by hand: a path the parser could not read back. */
        ASSERT_OK(device_config_add_segment(spaced, "/srv/a b.img", M(1)));
        test_mkdir_p(at("fail"));
        test_write_file(at("fail/good.conf"), "keep me\n");

        /* Cannot be formatted: nothing is touched. */
        ASSERT_EQ(config_write_device(at("fail/good.conf"), bad), -EINVAL);
        ASSERT_EQ(config_write_device(at("fail/good.conf"), spaced), -EINVAL);

        /* The rename fails (a directory is in the way): the temporary
         * file goes away again. */
        test_mkdir_p(at("fail/dir.conf"));
        ASSERT_TRUE(config_write_device(at("fail/dir.conf"), good) < 0);

        /* Parent of the parent missing: only one level is made. */
        ASSERT_EQ(config_write_device(at("fail/no/such/good.conf"), good), -ENOENT);

        /* No directory part at all. */
        ASSERT_EQ(config_write_device("good.conf", good), -EINVAL);

        assert_dir_has(at("fail"), (const char *const[]){ "good.conf", "dir.conf", NULL });
        assert_dir_has(at("fail/dir.conf"), (const char *const[]){ NULL });
        {
                char buf[16] = {};
                FILE *f = fopen(at("fail/good.conf"), "re");

                ASSERT_TRUE(f);
                ASSERT_TRUE(fgets(buf, sizeof(buf), f));
                fclose(f);
                ASSERT_STREQ(buf, "keep me\n");
        }

        /* An unwritable directory (only meaningful without root). */
        if (geteuid() != 0) {
                test_mkdir_p(at("ro"));
                ASSERT_OK(chmod(at("ro"), 0555));
                ASSERT_EQ(config_write_device(at("ro/good.conf"), good), -EACCES);
                assert_dir_has(at("ro"), (const char *const[]){ NULL });
                ASSERT_OK(chmod(at("ro"), 0755));
        }
}

int main(void) {
        char *t = test_mkdtemp();

        root = realpath(t, NULL);
        ASSERT_TRUE(root);
        free(t);
        umask(022);

        TEST_RUN(test_write_and_read_back);
        TEST_RUN(test_ram);
        TEST_RUN(test_replace);
        TEST_RUN(test_symlink_replaced);
        TEST_RUN(test_failures);

        test_rm_rf(root);
        free(root);
        TEST_DONE();
}
