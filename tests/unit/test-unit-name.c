/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Unit names from paths. The expected names are what systemd 252's
 * "systemd-escape --path --suffix=mount PATH" prints.
 */

#include "tests.h"

#include "macro.h"
#include "unit-name.h"

static void expect(const char *path, const char *suffix, const char *name) {
        _cleanup_free_ char *got = NULL;

        ASSERT_OK(unit_name_from_path(path, suffix, &got));
        ASSERT_STREQ(got, name);
}

static void test_escape(void) {
        expect("/", ".mount", "-.mount");
        expect("/scratch", ".mount", "scratch.mount");
        expect("/srv/my-scratch", ".mount", "srv-my\\x2dscratch.mount");
        expect("/a b", ".mount", "a\\x20b.mount");
        expect("/a.b/.c", ".mount", "a.b-.c.mount");
        expect("/x\\y", ".mount", "x\\x5cy.mount");
        expect("/\xc3\xa9", ".mount", "\\xc3\\xa9.mount");
        expect("/a:b/_c", ".mount", "a:b-_c.mount");
        expect("/100%", ".mount", "100\\x25.mount");
        expect("/tmp/a~b+c", ".mount", "tmp-a\\x7eb\\x2bc.mount");
        expect("/.hidden/x", ".mount", "\\x2ehidden-x.mount");
        expect("/-x", ".mount", "\\x2dx.mount");
        expect("/a-b-c", ".mount", "a\\x2db\\x2dc.mount");
        expect("/dev/dmloop/scratch", ".device", "dev-dmloop-scratch.device");
        expect("/dev/dmloop/my_disk.1", ".swap", "dev-dmloop-my_disk.1.swap");
}

static void test_instance(void) {
        _cleanup_free_ char *got = NULL;

        /* systemd-escape --path --template=systemd-makefs@.service /dev/dmloop/my-disk */
        ASSERT_OK(unit_name_from_path_instance("systemd-makefs", "/dev/dmloop/my-disk", ".service", &got));
        ASSERT_STREQ(got, "systemd-makefs@dev-dmloop-my\\x2ddisk.service");
}

static void test_refused(void) {
        char long_path[300];
        char *got = NULL;

        ASSERT_EQ(unit_name_from_path("scratch", ".mount", &got), -EINVAL);
        ASSERT_EQ(unit_name_from_path("/a//b", ".mount", &got), -EINVAL);
        ASSERT_EQ(unit_name_from_path("/a/../b", ".mount", &got), -EINVAL);
        ASSERT_EQ(unit_name_from_path("/a/", ".mount", &got), -EINVAL);
        ASSERT_TRUE(got == NULL);

        /* systemd loads no unit name of 256 bytes or more (systemd-escape does
         * not check): 249 + ".mount" fits, 250 does not. */
        long_path[0] = '/';
        memset(long_path + 1, 'a', 249);
        long_path[250] = '\0';
        ASSERT_OK(unit_name_from_path(long_path, ".mount", &got));
        ASSERT_EQ(strlen(got), 255);
        free(got);
        got = NULL;
        long_path[250] = 'a';
        long_path[251] = '\0';
        ASSERT_EQ(unit_name_from_path(long_path, ".mount", &got), -ENAMETOOLONG);
        ASSERT_TRUE(got == NULL);
}

int main(void) {
        TEST_RUN(test_escape);
        TEST_RUN(test_instance);
        TEST_RUN(test_refused);
        TEST_DONE();
}
