/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * config_write_device() in a temporary directory: the file parses back into
 * the config that was written, replaces what was there in one rename, and
 * leaves no temporary file behind, whether it succeeds or fails.
 * config_file_set_size() and config_file_remove() on a temporary root with
 * the four dmloop.d directories: they change the file the device came
 * from, keep every other byte, override vendor files from /etc, and leave
 * the original intact when they fail.
 */

#include "tests.h"

#include <dirent.h>
#include <signal.h>
#include <limits.h>

#include <sys/resource.h>

#include "config-dirs.h"
#include "config.h"
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

static char *read_all(const char *path) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = fopen(path, "re");

        if (!f)
                TEST_FAIL("fopen(%s): %m", path);
        if (getdelim(&text, &size, '\0', f) < 0) {
                free(text);
                text = strdup("");
        }
        fclose(f);
        return text;
}

static void assert_text(const char *path, const char *expected) {
        _cleanup_free_ char *text = read_all(path);

        ASSERT_STREQ(text, expected);
}

static uint64_t parsed_size(const char *path) {
        _cleanup_(device_config_freep) DeviceConfig *c = NULL;
        ConfigError e = {};

        if (config_parse_file(path, STATE, &c, &e) < 0)
                TEST_FAIL("%s:%u: %s", path, e.line, e.message);
        return c->size;
}

static char etc[PATH_MAX];

static const char commented[] = "# Our scratch disk. Do not touch.\n"
                                "[Device]\n"
                                "; grown by hand in 2024\n"
                                "Type=file\n"
                                "Size = 1G\n"
                                "Backing=/srv/data.img\n"
                                "   # indented comment\n"
                                "CreateBacking=no\n"
                                "ReadOnly=no\n";

static void test_set_size_in_place(void) {
        _cleanup_free_ char *written = NULL;
        struct stat st;

        snprintf(etc, sizeof(etc), "%s/setc/dmloop.d", root);
        test_mkdir_p(etc);
        test_write_file(at("setc/dmloop.d/scratch.conf"), commented);
        ASSERT_OK(chmod(at("setc/dmloop.d/scratch.conf"), 0600));

        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/scratch.conf"), etc, UINT64_C(3) << 30, &written));
        ASSERT_STREQ(written, at("setc/dmloop.d/scratch.conf"));
        /* Only the value changed: comments, blanks and CreateBacking=no
         * are still there. */
        assert_text(written, "# Our scratch disk. Do not touch.\n"
                             "[Device]\n"
                             "; grown by hand in 2024\n"
                             "Type=file\n"
                             "Size = 3G\n"
                             "Backing=/srv/data.img\n"
                             "   # indented comment\n"
                             "CreateBacking=no\n"
                             "ReadOnly=no\n");
        ASSERT_EQ_U64(parsed_size(written), UINT64_C(3) << 30);
        ASSERT_OK(stat(written, &st));
        ASSERT_EQ(st.st_mode & 07777, 0600);
        assert_dir_has(etc, (const char *const[]){ "scratch.conf", NULL });

        /* A size with no suffix that fits. */
        written = mfree(written);
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/scratch.conf"), etc, (UINT64_C(3) << 30) + 512, &written));
        ASSERT_EQ_U64(parsed_size(written), (UINT64_C(3) << 30) + 512);
}

static void test_set_size_other_name(void) {
        _cleanup_free_ char *written = NULL;

        /* The device zzz lives in a.conf: a.conf changes, and no zzz.conf
         * appears. */
        test_write_file(at("setc/dmloop.d/a.conf"), "[Device]\nName=zzz\nType=ram\nSize=64M\n");
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/a.conf"), etc, UINT64_C(128) << 20, &written));
        ASSERT_STREQ(written, at("setc/dmloop.d/a.conf"));
        assert_text(written, "[Device]\nName=zzz\nType=ram\nSize=128M\n");
        assert_dir_has(etc, (const char *const[]){ "scratch.conf", "a.conf", NULL });
}

static void test_set_size_segments(void) {
        _cleanup_free_ char *written = NULL;

        /* No Size=: the last segment takes the change. */
        test_write_file(at("setc/dmloop.d/seg.conf"), "[Device]\r\nType=file\r\nBacking=/srv/a.img 1M\r\n"
                                                      "Backing=b.img\t2M\r\n# end\r\n");
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/seg.conf"), etc, UINT64_C(5) << 20, &written));
        assert_text(written, "[Device]\r\nType=file\r\nBacking=/srv/a.img 1M\r\nBacking=b.img\t4M\r\n# end\r\n");
        ASSERT_EQ_U64(parsed_size(written), UINT64_C(5) << 20);

        /* Smaller, as AllowShrink does; and not below the other segments. */
        written = mfree(written);
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/seg.conf"), etc, (UINT64_C(1) << 20) + 512, &written));
        ASSERT_EQ_U64(parsed_size(written), (UINT64_C(1) << 20) + 512);
        ASSERT_EQ(config_file_set_size(at("setc/dmloop.d/seg.conf"), etc, UINT64_C(1) << 20, &written), -EINVAL);
        ASSERT_EQ_U64(parsed_size(at("setc/dmloop.d/seg.conf")), (UINT64_C(1) << 20) + 512);

        /* Size= and a sized last segment: both change, and agree. */
        written = mfree(written);
        test_write_file(at("setc/dmloop.d/both.conf"), "[Device]\nType=file\nSize=3M\nBacking=/srv/a.img 1M\n"
                                                       "Backing=/srv/b.img 2M\n");
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/both.conf"), etc, UINT64_C(10) << 20, &written));
        assert_text(written, "[Device]\nType=file\nSize=10M\nBacking=/srv/a.img 1M\nBacking=/srv/b.img 9M\n");
        /* The other way round in the file. */
        written = mfree(written);
        test_write_file(at("setc/dmloop.d/both.conf"), "[Device]\nBacking=/srv/a.img 1M\nBacking=/srv/b.img 2M\n"
                                                       "Type=file\nSize=3M\n");
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/both.conf"), etc, UINT64_C(4) << 20, &written));
        assert_text(written, "[Device]\nBacking=/srv/a.img 1M\nBacking=/srv/b.img 3M\nType=file\nSize=4M\n");

        /* Size= with an unsized last segment: only Size= changes. */
        written = mfree(written);
        test_write_file(at("setc/dmloop.d/rest.conf"), "[Device]\nType=file\nSize=3M\nBacking=/srv/a.img 1M\n"
                                                       "Backing=/srv/b.img\n");
        ASSERT_OK(config_file_set_size(at("setc/dmloop.d/rest.conf"), etc, UINT64_C(6) << 20, &written));
        assert_text(written, "[Device]\nType=file\nSize=6M\nBacking=/srv/a.img 1M\nBacking=/srv/b.img\n");
}

static void test_set_size_vendor(void) {
        _cleanup_free_ char *written = NULL;
        static const char vendor[] = "# shipped\n[Device]\nType=ram\nSize=16M\n";

        /* A vendor file stays as shipped; /etc gets an override of the
         * same name, made with its directory when missing. */
        test_mkdir_p(at("vroot/usr/lib/dmloop.d"));
        test_write_file(at("vroot/usr/lib/dmloop.d/v.conf"), vendor);
        {
                char vetc[PATH_MAX];
                _cleanup_strv_free_ char **paths = NULL;

                snprintf(vetc, sizeof(vetc), "%s/vroot" DMLOOP_CONFIG_ETC_DIR, root);
                /* Only the parent of sysconfdir/dmloop.d exists. */
                test_mkdir_p(vetc);
                ASSERT_OK(rmdir(vetc));
                ASSERT_OK(
                        config_file_set_size(at("vroot/usr/lib/dmloop.d/v.conf"), vetc, UINT64_C(32) << 20, &written));
                ASSERT_STREQ(written, at("vroot" DMLOOP_CONFIG_ETC_DIR "/v.conf"));
                assert_text(written, "# shipped\n[Device]\nType=ram\nSize=32M\n");
                assert_text(at("vroot/usr/lib/dmloop.d/v.conf"), vendor);
                /* The override is what takes effect. */
                ASSERT_OK(config_enumerate(at("vroot"), &paths));
                ASSERT_STREQ(paths[0], written);
                ASSERT_TRUE(paths[1] == NULL);
        }
}

static void test_set_size_refused(void) {
        char *written = NULL;

        test_write_file(at("setc/dmloop.d/keep.conf"), "[Device]\nType=ram\nSize=1M\n");
        ASSERT_EQ(config_file_set_size(at("setc/dmloop.d/keep.conf"), etc, 1000, &written), -EINVAL);
        ASSERT_EQ(config_file_set_size(at("setc/dmloop.d/keep.conf"), etc, 0, &written), -EINVAL);
        ASSERT_EQ(config_file_set_size(at("setc/dmloop.d/missing.conf"), etc, 1 << 20, &written), -ENOENT);
        /* Nothing to say the size with: an invalid file. */
        test_write_file(at("setc/dmloop.d/nosize.conf"), "[Device]\nType=file\nBacking=/srv/a.img\n");
        ASSERT_EQ(config_file_set_size(at("setc/dmloop.d/nosize.conf"), etc, 1 << 20, &written), -EINVAL);
        /* A file that does not parse is not made worse. */
        test_write_file(at("setc/dmloop.d/broken.conf"), "[Device]\nType=ram\nSize=1M # a comment\n");
        ASSERT_EQ(config_file_set_size(at("setc/dmloop.d/broken.conf"), etc, 1 << 20, &written), -EINVAL);
        assert_text(at("setc/dmloop.d/broken.conf"), "[Device]\nType=ram\nSize=1M # a comment\n");
        ASSERT_TRUE(written == NULL);
        assert_text(at("setc/dmloop.d/keep.conf"), "[Device]\nType=ram\nSize=1M\n");
}

static void test_set_size_write_fails(void) {
        char *written = NULL;
        char fetc[PATH_MAX];

        snprintf(fetc, sizeof(fetc), "%s/fail-etc/dmloop.d", root);
        test_mkdir_p(fetc);
        test_write_file(at("fail-etc/dmloop.d/f.conf"), "# mine\n[Device]\nType=ram\nSize=1M\n");

        if (geteuid() != 0) {
                /* A read-only directory. */
                ASSERT_OK(chmod(fetc, 0555));
                ASSERT_EQ(config_file_set_size(at("fail-etc/dmloop.d/f.conf"), fetc, 2 << 20, &written), -EACCES);
                ASSERT_OK(chmod(fetc, 0755));
        } else {
                /* Root writes anywhere: a file size limit makes the write
                 * fail instead. */
                struct rlimit old, small = { .rlim_cur = 8 };

                ASSERT_OK(getrlimit(RLIMIT_FSIZE, &old));
                small.rlim_max = old.rlim_max;
                signal(SIGXFSZ, SIG_IGN);
                ASSERT_OK(setrlimit(RLIMIT_FSIZE, &small));
                ASSERT_EQ(config_file_set_size(at("fail-etc/dmloop.d/f.conf"), fetc, 2 << 20, &written), -EFBIG);
                ASSERT_OK(setrlimit(RLIMIT_FSIZE, &old));
                signal(SIGXFSZ, SIG_DFL);
        }
        ASSERT_TRUE(written == NULL);
        assert_text(at("fail-etc/dmloop.d/f.conf"), "# mine\n[Device]\nType=ram\nSize=1M\n");
        assert_dir_has(fetc, (const char *const[]){ "f.conf", NULL });
}

static bool is_mask(const char *path) {
        char target[64] = {};

        return readlink(path, target, sizeof(target) - 1) > 0 && streq(target, "/dev/null");
}

static void test_remove(void) {
        char retc[PATH_MAX], rroot[PATH_MAX];
        _cleanup_strv_free_ char **paths = NULL;
        char *written = NULL;

        snprintf(rroot, sizeof(rroot), "%s/rroot", root);
        snprintf(retc, sizeof(retc), "%s/rroot" DMLOOP_CONFIG_ETC_DIR, root);
        test_mkdir_p(retc);
        test_mkdir_p(at("rroot/run/dmloop.d"));
        test_mkdir_p(at("rroot/usr/lib/dmloop.d"));

        /* Our own file, nothing below it: removed. */
        test_write_file(at("rroot" DMLOOP_CONFIG_ETC_DIR "/own.conf"), "[Device]\nType=ram\nSize=1M\n");
        ASSERT_OK(config_file_remove(at("rroot" DMLOOP_CONFIG_ETC_DIR "/own.conf"), retc, rroot, &written));
        ASSERT_STREQ(written, at("rroot" DMLOOP_CONFIG_ETC_DIR "/own.conf"));
        written = mfree(written);
        assert_dir_has(retc, (const char *const[]){ NULL });
        /* Gone already: fine. */
        ASSERT_OK(config_file_remove(at("rroot" DMLOOP_CONFIG_ETC_DIR "/own.conf"), retc, rroot, &written));
        written = mfree(written);

        /* An /etc file that overrides a vendor one: removing it alone
         * would bring the vendor's device back, so it becomes a mask. */
        test_write_file(at("rroot/usr/lib/dmloop.d/shadowed.conf"), "[Device]\nType=ram\nSize=1M\n");
        test_write_file(at("rroot" DMLOOP_CONFIG_ETC_DIR "/shadowed.conf"), "[Device]\nType=ram\nSize=2M\n");
        ASSERT_OK(config_file_remove(at("rroot" DMLOOP_CONFIG_ETC_DIR "/shadowed.conf"), retc, rroot, &written));
        ASSERT_STREQ(written, at("rroot" DMLOOP_CONFIG_ETC_DIR "/shadowed.conf"));
        written = mfree(written);
        ASSERT_TRUE(is_mask(at("rroot" DMLOOP_CONFIG_ETC_DIR "/shadowed.conf")));

        /* A file in /run or /usr/lib: masked from /etc, left as it is. */
        test_write_file(at("rroot/run/dmloop.d/runtime.conf"), "[Device]\nType=ram\nSize=1M\n");
        ASSERT_OK(config_file_remove(at("rroot/run/dmloop.d/runtime.conf"), retc, rroot, &written));
        ASSERT_STREQ(written, at("rroot" DMLOOP_CONFIG_ETC_DIR "/runtime.conf"));
        written = mfree(written);
        ASSERT_TRUE(is_mask(at("rroot" DMLOOP_CONFIG_ETC_DIR "/runtime.conf")));
        assert_text(at("rroot/run/dmloop.d/runtime.conf"), "[Device]\nType=ram\nSize=1M\n");
        test_write_file(at("rroot/usr/lib/dmloop.d/vendor.conf"), "[Device]\nType=ram\nSize=1M\n");
        ASSERT_OK(config_file_remove(at("rroot/usr/lib/dmloop.d/vendor.conf"), retc, rroot, &written));
        written = mfree(written);
        ASSERT_TRUE(is_mask(at("rroot" DMLOOP_CONFIG_ETC_DIR "/vendor.conf")));

        /* None of them is in effect any more, and no temporary is left. */
        ASSERT_OK(config_enumerate(rroot, &paths));
        ASSERT_TRUE(paths[0] == NULL);
        assert_dir_has(retc, (const char *const[]){ "shadowed.conf", "runtime.conf", "vendor.conf", NULL });

        /* A failure changes nothing. */
        if (geteuid() != 0) {
                test_write_file(at("rroot/run/dmloop.d/ro.conf"), "[Device]\nType=ram\nSize=1M\n");
                ASSERT_OK(chmod(retc, 0555));
                ASSERT_EQ(config_file_remove(at("rroot/run/dmloop.d/ro.conf"), retc, rroot, &written), -EACCES);
                ASSERT_OK(chmod(retc, 0755));
                ASSERT_TRUE(written == NULL);
                assert_dir_has(retc, (const char *const[]){ "shadowed.conf", "runtime.conf", "vendor.conf", NULL });
        }
        ASSERT_EQ(config_file_remove("nodir.conf", retc, rroot, &written), -EINVAL);
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
        TEST_RUN(test_set_size_in_place);
        TEST_RUN(test_set_size_other_name);
        TEST_RUN(test_set_size_segments);
        TEST_RUN(test_set_size_vendor);
        TEST_RUN(test_set_size_refused);
        TEST_RUN(test_set_size_write_fails);
        TEST_RUN(test_remove);

        test_rm_rf(root);
        free(root);
        TEST_DONE();
}
