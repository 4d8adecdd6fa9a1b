/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include "config.h"
#include "config-dirs.h"
#include "macro.h"

static char *root;

static void put(const char *dir, const char *name, const char *contents) {
        char path[4096];

        snprintf(path, sizeof(path), "%s%s", root, dir);
        test_mkdir_p(path);
        snprintf(path, sizeof(path), "%s%s/%s", root, dir, name);
        test_write_file(path, contents);
}

static void link_to(const char *dir, const char *name, const char *target) {
        char path[4096];

        snprintf(path, sizeof(path), "%s%s", root, dir);
        test_mkdir_p(path);
        snprintf(path, sizeof(path), "%s%s/%s", root, dir, name);
        if (symlink(target, path) < 0)
                TEST_FAIL("symlink(%s): %m", path);
}

/* Compares the result with the expected paths, given relative to root. */
static void expect(char **paths, const char *const *expected) {
        size_t i;

        for (i = 0; expected[i]; i++) {
                char full[4096];

                snprintf(full, sizeof(full), "%s%s", root, expected[i]);
                ASSERT_TRUE(paths[i]);
                ASSERT_STREQ(paths[i], full);
        }
        ASSERT_TRUE(paths[i] == NULL);
}

static void test_empty_root(void) {
        _cleanup_strv_free_ char **paths = NULL;

        /* No directory exists at all. */
        ASSERT_OK(config_enumerate(root, &paths));
        ASSERT_TRUE(paths && !paths[0]);
}

static void test_precedence_and_masking(void) {
        _cleanup_strv_free_ char **paths = NULL;
        char target[4096];

        put("/usr/lib/dmloop.d", "b.conf", "[Device]\n");
        put("/usr/lib/dmloop.d", "a.conf", "[Device]\n");
        put("/usr/lib/dmloop.d", "c.conf", "[Device]\n");
        put("/usr/lib/dmloop.d", "d.conf", "[Device]\n");
        put("/usr/lib/dmloop.d", "e.conf", "[Device]\n");
        put("/usr/lib/dmloop.d", "notes.txt", "x");
        put("/usr/lib/dmloop.d", ".hidden.conf", "[Device]\n");
        put("/usr/lib/dmloop.d", ".conf", "[Device]\n");
        put("/usr/local/lib/dmloop.d", "b.conf", "[Device]\n");
        put("/usr/local/lib/dmloop.d", "z.conf", "[Device]\n");
        put("/run/dmloop.d", "b.conf", "[Device]\n");
        put(DMLOOP_CONFIG_ETC_DIR, "0-first.conf", "[Device]\n");
        /* Masked by an empty file and by a symlink to /dev/null. */
        put(DMLOOP_CONFIG_ETC_DIR, "c.conf", "");
        link_to("/run/dmloop.d", "d.conf", "/dev/null");
        /* An empty file masks even where nothing is below it. */
        put(DMLOOP_CONFIG_ETC_DIR, "only-mask.conf", "");
        /* A symlink to a real file is followed. */
        snprintf(target, sizeof(target), "%s/usr/lib/dmloop.d/a.conf", root);
        link_to(DMLOOP_CONFIG_ETC_DIR, "link.conf", target);
        /* A dangling symlink wins its name and is reported by the parser. */
        link_to(DMLOOP_CONFIG_ETC_DIR, "e.conf", "/nonexistent/e.conf");
        /* A directory is not a config file. */
        put(DMLOOP_CONFIG_ETC_DIR "/dir.conf", "x.conf", "[Device]\n");

        ASSERT_OK(config_enumerate(root, &paths));
        expect(paths, (const char *const[]){
                              DMLOOP_CONFIG_ETC_DIR "/0-first.conf",
                              "/usr/lib/dmloop.d/a.conf",
                              "/run/dmloop.d/b.conf",
                              DMLOOP_CONFIG_ETC_DIR "/e.conf",
                              DMLOOP_CONFIG_ETC_DIR "/link.conf",
                              "/usr/local/lib/dmloop.d/z.conf",
                              NULL,
                      });
}

static void test_unreadable_dir(void) {
        _cleanup_strv_free_ char **paths = NULL;
        char path[4096];

        /* A file where a directory should be (the parent of sysconfdir's
         * dmloop.d, /etc for prefix /usr) counts as missing. */
        test_rm_rf(root);
        snprintf(path, sizeof(path), "%s" DMLOOP_CONFIG_ETC_DIR, root);
        *strrchr(path, '/') = 0;
        test_mkdir_p(path);
        test_rm_rf(path);
        test_write_file(path, "");
        ASSERT_OK(config_enumerate(root, &paths));
        ASSERT_TRUE(paths && !paths[0]);
}

static void test_permission_denied(void) {
        _cleanup_strv_free_ char **paths = NULL;
        char path[4096];

        /* Root reads anything; only meaningful for other users. */
        if (geteuid() == 0) {
                printf("skipping %s: running as root\n", __func__);
                return;
        }

        test_rm_rf(root);
        test_mkdir_p(root);
        put(DMLOOP_CONFIG_ETC_DIR, "a.conf", "[Device]\n");
        snprintf(path, sizeof(path), "%s" DMLOOP_CONFIG_ETC_DIR, root);
        ASSERT_OK(chmod(path, 0));
        ASSERT_EQ(config_enumerate(root, &paths), -EACCES);
        ASSERT_TRUE(paths == NULL);
        ASSERT_OK(chmod(path, 0755));
}

static void test_real_root(void) {
        _cleanup_strv_free_ char **a = NULL, **b = NULL;

        /* Must not fail on the host, whatever is installed there. */
        ASSERT_OK(config_enumerate(NULL, &a));
        ASSERT_OK(config_enumerate("/", &b));
        for (size_t i = 0; a[i] || b[i]; i++)
                ASSERT_STREQ(a[i], b[i]);
}

int main(void) {
        root = test_mkdtemp();

        TEST_RUN(test_empty_root);
        TEST_RUN(test_precedence_and_masking);
        TEST_RUN(test_unreadable_dir);
        TEST_RUN(test_permission_denied);
        TEST_RUN(test_real_root);

        test_rm_rf(root);
        free(root);
        TEST_DONE();
}
