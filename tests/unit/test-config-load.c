/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include "config.h"
#include "config-load.h"

#define STATE "/var/lib/dmloop"

static char *root;

static void put(const char *dir, const char *name, const char *contents) {
        char path[4096];

        snprintf(path, sizeof(path), "%s%s", root, dir);
        test_mkdir_p(path);
        snprintf(path, sizeof(path), "%s%s/%s", root, dir, name);
        test_write_file(path, contents);
}

static void expect_diagnostic(const ConfigDiagnostic *d, const char *rel_path, unsigned line, const char *message) {
        char full[4096];

        snprintf(full, sizeof(full), "%s%s", root, rel_path);
        ASSERT_STREQ(d->path, full);
        ASSERT_EQ(d->line, line);
        ASSERT_STREQ(d->message, message);
}

static void test_load(void) {
        _cleanup_(config_set_freep) ConfigSet *s = NULL;
        char msg[4096 + 128];

        put(DMLOOP_CONFIG_ETC_DIR, "10-scratch.conf", "[Device]\nName=scratch\nType=ram\nSize=1G\n");
        /* Same name from another file: refused, the first file wins. */
        put("/usr/lib/dmloop.d", "20-other.conf", "# dup\n[Device]\nName=scratch\nType=ram\nSize=2G\n");
        /* Duplicate by default name, reported on the [Device] line. */
        put("/run/dmloop.d", "scratch.conf", "\n\n[Device]\nType=file\nSize=1G\n");
        /* A bad file is skipped, the others still load. */
        put(DMLOOP_CONFIG_ETC_DIR, "30-bad.conf", "[Device]\nType=ram\nSize=2G # two gigs\n");
        put(DMLOOP_CONFIG_ETC_DIR, "40-data.conf",
            "[Device]\nName=data\nType=file\nBacking=/srv/a.img 1G\nBacking=b.img 1G\n");
        /* Shadowed by sysconfdir: the /usr/lib version (which is bad) is never read. */
        put("/usr/lib/dmloop.d", "40-data.conf", "garbage\n");
        /* Masked entirely. */
        put(DMLOOP_CONFIG_ETC_DIR, "50-masked.conf", "");
        put("/usr/lib/dmloop.d", "50-masked.conf", "[Device]\nType=ram\nSize=1M\n");

        ASSERT_OK(config_load(root, STATE, &s));

        ASSERT_EQ(s->n_devices, 2);
        ASSERT_STREQ(s->devices[0]->name, "scratch");
        ASSERT_EQ_U64(s->devices[0]->size, 1ULL << 30);
        ASSERT_STREQ(s->devices[1]->name, "data");
        ASSERT_EQ(s->devices[1]->n_segments, 2);
        ASSERT_STREQ(s->devices[1]->segments[1].path, STATE "/b.img");
        ASSERT_EQ_U64(s->devices[1]->size, 2ULL << 30);
        ASSERT_TRUE(config_set_find(s, "data") == s->devices[1]);
        ASSERT_TRUE(config_set_find(s, "nope") == NULL);

        ASSERT_EQ(s->n_diagnostics, 3);
        snprintf(msg, sizeof(msg),
                 "Duplicate device name \"scratch\", already defined in %s" DMLOOP_CONFIG_ETC_DIR
                 "/10-scratch.conf, ignoring",
                 root);
        expect_diagnostic(&s->diagnostics[0], "/usr/lib/dmloop.d/20-other.conf", 3, msg);
        expect_diagnostic(&s->diagnostics[1], DMLOOP_CONFIG_ETC_DIR "/30-bad.conf", 3,
                          "Unexpected text after the value of Size=; comments must be on a line of their own");
        expect_diagnostic(&s->diagnostics[2], "/run/dmloop.d/scratch.conf", 3, msg);
}

static void test_empty(void) {
        _cleanup_(config_set_freep) ConfigSet *s = NULL;
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/empty", root);
        test_mkdir_p(dir);
        ASSERT_OK(config_load(dir, STATE, &s));
        ASSERT_EQ(s->n_devices, 0);
        ASSERT_EQ(s->n_diagnostics, 0);
        ASSERT_TRUE(config_set_free(NULL) == NULL);
}

static void test_unopenable(void) {
        _cleanup_(config_set_freep) ConfigSet *s = NULL;
        char dir[4096], link[4096 + 16];

        snprintf(dir, sizeof(dir), "%s/dangling" DMLOOP_CONFIG_ETC_DIR, root);
        test_mkdir_p(dir);
        snprintf(link, sizeof(link), "%s/x.conf", dir);
        ASSERT_OK(symlink("/nonexistent/x.conf", link));
        snprintf(dir, sizeof(dir), "%s/dangling", root);

        ASSERT_OK(config_load(dir, STATE, &s));
        ASSERT_EQ(s->n_devices, 0);
        ASSERT_EQ(s->n_diagnostics, 1);
        ASSERT_STREQ(s->diagnostics[0].path, link);
        ASSERT_EQ(s->diagnostics[0].line, 0);
        ASSERT_STREQ(s->diagnostics[0].message, "Failed to open file: No such file or directory");
}

/* Two devices on one mount point: the first in file order wins, the
 * second is skipped with its MountPoint= line, as a duplicate name is. */
static void test_duplicate_mount_point(void) {
        _cleanup_(config_set_freep) ConfigSet *s = NULL;
        char dir[4096], msg[4096 + 128];

        snprintf(dir, sizeof(dir), "%s/mounts", root);
        put("/mounts" DMLOOP_CONFIG_ETC_DIR, "a.conf",
            "[Device]\nType=ram\nSize=8M\nMountPoint=/scratch\nFileSystem=ext4\n");
        put("/mounts/usr/lib/dmloop.d", "b.conf",
            "[Device]\nType=ram\nSize=8M\nFileSystem=xfs\n\nMountPoint=/scratch\n");
        put("/mounts/usr/lib/dmloop.d", "c.conf", "[Device]\nType=ram\nSize=8M\nMountPoint=/other\nFileSystem=ext4\n");
        put("/mounts/usr/lib/dmloop.d", "d.conf", "[Device]\nType=ram\nSize=8M\nFileSystem=swap\n");
        put("/mounts/usr/lib/dmloop.d", "e.conf", "[Device]\nType=ram\nSize=8M\nFileSystem=swap\n");

        ASSERT_OK(config_load(dir, STATE, &s));
        ASSERT_EQ(s->n_devices, 4);
        ASSERT_STREQ(s->devices[0]->name, "a");
        ASSERT_STREQ(s->devices[1]->name, "c");
        ASSERT_STREQ(s->devices[2]->name, "d");
        ASSERT_STREQ(s->devices[3]->name, "e");
        ASSERT_EQ(s->n_diagnostics, 1);
        snprintf(msg, sizeof(msg),
                 "MountPoint=/scratch is already used by device \"a\" (%s/mounts" DMLOOP_CONFIG_ETC_DIR
                 "/a.conf), ignoring",
                 root);
        expect_diagnostic(&s->diagnostics[0], "/mounts/usr/lib/dmloop.d/b.conf", 6, msg);
}

int main(void) {
        root = test_mkdtemp();

        TEST_RUN(test_load);
        TEST_RUN(test_empty);
        TEST_RUN(test_unopenable);
        TEST_RUN(test_duplicate_mount_point);

        test_rm_rf(root);
        free(root);
        TEST_DONE();
}
