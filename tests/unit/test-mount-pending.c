/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * mount_pending_find() on fixture tables: an fstab, a mountinfo and three
 * unit directories in a temporary directory, as a booting system has them
 * before local-fs.target.
 */

#include "tests.h"

#include <limits.h>

#include "mount-pending.h"

static char *top;
static MountPendingSources sources;
static char fstab[PATH_MAX], mountinfo[PATH_MAX], etc_units[PATH_MAX], run_units[PATH_MAX], lib_units[PATH_MAX];
static const char *admin_dirs[3], *vendor_dirs[2];

static char *at(const char *dir, const char *rel) {
        static char buf[8][PATH_MAX];
        static unsigned n;
        char *p = buf[n++ % ELEMENTSOF(buf)];

        snprintf(p, PATH_MAX, "%s/%s", dir, rel);
        return p;
}

/* The mount points the system has so far. */
static const char mountinfo_boot[] = "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
                                     "23 22 0:22 / /proc rw,nosuid shared:2 - proc proc rw\n"
                                     "24 22 0:5 / /dev rw,nosuid shared:3 - devtmpfs udev rw\n"
                                     "30 22 0:25 / /run rw,nosuid shared:5 - tmpfs tmpfs rw\n"
                                     "31 22 0:26 / /mnt/with\\040space rw shared:6 - tmpfs tmpfs rw\n";

static const char fstab_text[] = "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                                 "UUID=1111 /               ext4    errors=remount-ro 0 1\n"
                                 "UUID=2222 /srv            ext4    defaults          0 2\n"
                                 "UUID=3333 /srv/data/      xfs     nofail            0 2\n"
                                 "UUID=4444 none            swap    sw                0 0\n"
                                 "UUID=5555 /media/usb      vfat    noauto,user       0 0\n"
                                 "UUID=6666 /media/auto     ext4    noauto,x-systemd.automount 0 0\n"
                                 "tmpfs     /mnt/with\\040space tmpfs defaults        0 0\n"
                                 "tmpfs     /mnt/later\\040on tmpfs defaults          0 0\n";

static void setup(void) {
        char *t = test_mkdtemp();

        top = realpath(t, NULL);
        ASSERT_TRUE(top);
        free(t);
        snprintf(fstab, sizeof(fstab), "%s/fstab", top);
        snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", top);
        snprintf(etc_units, sizeof(etc_units), "%s/etc/systemd/system", top);
        snprintf(run_units, sizeof(run_units), "%s/run/systemd/system", top);
        snprintf(lib_units, sizeof(lib_units), "%s/usr/lib/systemd/system", top);
        test_mkdir_p(etc_units);
        test_mkdir_p(run_units);
        test_mkdir_p(lib_units);
        admin_dirs[0] = etc_units;
        admin_dirs[1] = run_units;
        vendor_dirs[0] = lib_units;
        sources = (MountPendingSources){
                .fstab = fstab,
                .mountinfo = mountinfo,
                .admin_unit_dirs = admin_dirs,
                .vendor_unit_dirs = vendor_dirs,
        };
        test_write_file(fstab, fstab_text);
        test_write_file(mountinfo, mountinfo_boot);
}

/* Expects path to be pending under where, or (where NULL) not pending. */
static void expect(const char *path, const char *where) {
        _cleanup_free_ char *found = NULL;
        int r = mount_pending_find(&sources, path, &found);

        tests_checks++;
        if (r < 0)
                TEST_FAIL("mount_pending_find(%s) failed: %s", path, strerror(-r));
        if (!where && r != 0)
                TEST_FAIL("%s: pending under %s, expected nothing", path, found);
        if (where && (r != 1 || !streq(found, where)))
                TEST_FAIL("%s: expected pending under %s, got r=%d %s", path, where, r, strempty(found));
}

static void test_fstab(void) {
        /* /srv and /srv/data are not mounted: the outermost is named. */
        expect("/srv/disk.img", "/srv");
        expect("/srv/data/disk.img", "/srv");
        expect("/srv", "/srv");
        expect("/srvx/disk.img", NULL);
        /* The root and other paths: nothing to wait for. */
        expect("/var/lib/dmloop/a.img", NULL);
        /* noauto is not mounted at boot; with an automount it is. */
        expect("/media/usb/disk.img", NULL);
        expect("/media/auto/disk.img", "/media/auto");
        /* Octal escapes, in fstab and in mountinfo. */
        expect("/mnt/with space/disk.img", NULL);
        expect("/mnt/later on/disk.img", "/mnt/later on");

        /* Once /srv is mounted, /srv/data still is not. */
        test_write_file(mountinfo, "22 1 0:21 / / rw - ext4 /dev/vda1 rw\n"
                                   "40 22 8:17 / /srv rw,relatime - ext4 /dev/vdb1 rw\n");
        expect("/srv/disk.img", NULL);
        expect("/srv/data/disk.img", "/srv/data");
        expect("/srv/database/disk.img", NULL);
        test_write_file(mountinfo, "22 1 0:21 / / rw - ext4 /dev/vda1 rw\n"
                                   "40 22 8:17 / /srv rw,relatime - ext4 /dev/vdb1 rw\n"
                                   "41 40 8:33 / /srv/data rw,relatime - xfs /dev/vdc1 rw\n");
        expect("/srv/data/disk.img", NULL);
        test_write_file(mountinfo, mountinfo_boot);
}

static void test_no_fstab(void) {
        MountPendingSources s = sources;

        /* A system without fstab, or with an empty one. */
        s.fstab = at(top, "no-such-fstab");
        ASSERT_EQ(mount_pending_find(&s, "/srv/disk.img", NULL), 0);
        test_write_file(at(top, "empty-fstab"), "");
        s.fstab = at(top, "empty-fstab");
        ASSERT_EQ(mount_pending_find(&s, "/srv/disk.img", NULL), 0);

        /* Nothing is read from mountinfo when nothing is to be mounted. */
        s.mountinfo = at(top, "no-such-mountinfo");
        ASSERT_EQ(mount_pending_find(&s, "/srv/disk.img", NULL), 0);
        /* When something is, a missing mountinfo is an error. */
        s.fstab = fstab;
        ASSERT_EQ(mount_pending_find(&s, "/srv/disk.img", NULL), -ENOENT);

        ASSERT_EQ(mount_pending_find(&sources, "relative.img", NULL), -EINVAL);
        ASSERT_EQ(mount_pending_find(&sources, "/srv/../etc", NULL), -EINVAL);
}

static void test_unit_names(void) {
        static const struct {
                const char *where, *name;
        } cases[] = {
                { "/", "-.mount" },
                { "/srv", "srv.mount" },
                { "/srv/data", "srv-data.mount" },
                { "/srv/my-data", "srv-my\\x2ddata.mount" },
                { "/srv/.hidden", "srv-.hidden.mount" },
                { "/.hidden", "\\x2ehidden.mount" },
                { "/a b/c:d_e.f", "a\\x20b-c:d_e.f.mount" },
                { "/caf\xc3\xa9", "caf\\xc3\\xa9.mount" },
                { "/back\\slash", "back\\x5cslash.mount" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *name = NULL;

                ASSERT_OK(mount_pending_unit_name(cases[i].where, &name));
                ASSERT_STREQ(name, cases[i].name);
        }
        {
                char *name = NULL;

                ASSERT_EQ(mount_pending_unit_name("srv", &name), -EINVAL);
                ASSERT_EQ(mount_pending_unit_name("/srv/", &name), -EINVAL);
                ASSERT_TRUE(name == NULL);
        }
}

static void test_units(void) {
        MountPendingSources s = sources;

        s.fstab = at(top, "no-such-fstab");

        /* An admin's unit counts as it is. */
        test_write_file(at(etc_units, "backup.mount"), "[Unit]\nDescription=x\n\n[Mount]\nWhat=/dev/vdb\n"
                                                       "Where=/backup\nType=ext4\n");
        ASSERT_EQ(mount_pending_find(&s, "/backup/disk.img", NULL), 1);
        /* Where= with blanks around "=" and a trailing slash. */
        test_write_file(at(run_units, "scratch-my\\x2ddir.mount"),
                        "[Mount]\nWhat=tmpfs\n  Where =  /scratch/my-dir/  \n");
        expect("/scratch/my-dir/x.img", "/scratch/my-dir");
        expect("/scratch/my/dir/x.img", NULL);
        /* A Where= that does not match the name: systemd refuses it. */
        test_write_file(at(etc_units, "wrong.mount"), "[Mount]\nWhat=tmpfs\nWhere=/elsewhere\n");
        ASSERT_EQ(mount_pending_find(&s, "/wrong/x.img", NULL), 0);
        /* Where= of another section does not count. */
        test_write_file(at(etc_units, "other.mount"), "[Unit]\nWhere=/nowhere\n[Mount]\nWhat=tmpfs\n");
        ASSERT_EQ(mount_pending_find(&s, "/other/x.img", NULL), 1);

        /* A vendor unit counts only when something wants it. */
        test_write_file(at(lib_units, "tmp.mount"), "[Mount]\nWhat=tmpfs\nWhere=/tmp\n");
        ASSERT_EQ(mount_pending_find(&s, "/tmp/x.img", NULL), 0);
        test_write_file(at(lib_units, "vendor.mount"), "[Mount]\nWhat=tmpfs\nWhere=/vendor\n");
        test_mkdir_p(at(lib_units, "local-fs.target.wants"));
        ASSERT_OK(symlink("../vendor.mount", at(lib_units, "local-fs.target.wants/vendor.mount")));
        ASSERT_EQ(mount_pending_find(&s, "/vendor/x.img", NULL), 1);
        test_mkdir_p(at(etc_units, "multi-user.target.requires"));
        ASSERT_OK(symlink(at(lib_units, "tmp.mount"), at(etc_units, "multi-user.target.requires/tmp.mount")));
        ASSERT_EQ(mount_pending_find(&s, "/tmp/x.img", NULL), 1);

        /* Masked in a higher directory: not mounted. */
        ASSERT_OK(symlink("/dev/null", at(etc_units, "vendor.mount")));
        ASSERT_EQ(mount_pending_find(&s, "/vendor/x.img", NULL), 0);
        test_write_file(at(run_units, "backup.mount"), "");
        /* /etc wins over /run: still counted. */
        ASSERT_EQ(mount_pending_find(&s, "/backup/x.img", NULL), 1);
        test_write_file(at(etc_units, "tmp.mount"), "");
        ASSERT_EQ(mount_pending_find(&s, "/tmp/x.img", NULL), 0);

        /* Mounted now. */
        test_write_file(mountinfo, "22 1 0:21 / / rw - ext4 /dev/vda1 rw\n"
                                   "50 22 8:17 / /backup rw - ext4 /dev/vdb rw\n");
        ASSERT_EQ(mount_pending_find(&s, "/backup/disk.img", NULL), 0);
        test_write_file(mountinfo, mountinfo_boot);

        /* fstab and units together: the outermost wins. */
        test_write_file(at(etc_units, "srv-data-deep.mount"), "[Mount]\nWhere=/srv/data/deep\n");
        expect("/srv/data/deep/x.img", "/srv");
}

static void test_unescape(void) {
        char s[] = "/a\\040b\\011c\\134d\\012\\0";
        char plain[] = "/plain";

        mount_pending_unescape_octal(s);
        ASSERT_STREQ(s, "/a b\tc\\d\n\\0");
        mount_pending_unescape_octal(plain);
        ASSERT_STREQ(plain, "/plain");
}

static void test_real_system(void) {
        int r;

        /* The real tables parse; the root is never pending. */
        r = mount_pending_find(NULL, "/", NULL);
        ASSERT_EQ(r, 0);
}

int main(void) {
        setup();
        TEST_RUN(test_unit_names);
        TEST_RUN(test_unescape);
        TEST_RUN(test_fstab);
        TEST_RUN(test_no_fstab);
        TEST_RUN(test_units);
        TEST_RUN(test_real_system);
        test_rm_rf(top);
        free(top);
        TEST_DONE();
}
