/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include <limits.h>

#include "validate.h"

static void test_device_name(void) {
        char name[DEVICE_NAME_MAX + 2];

        ASSERT_TRUE(device_name_is_valid("scratch"));
        ASSERT_TRUE(device_name_is_valid("a"));
        ASSERT_TRUE(device_name_is_valid("A-b_c.d"));
        ASSERT_TRUE(device_name_is_valid("0"));
        ASSERT_TRUE(device_name_is_valid("a.."));
        ASSERT_TRUE(device_name_is_valid("_x"));

        ASSERT_FALSE(device_name_is_valid(NULL));
        ASSERT_FALSE(device_name_is_valid(""));
        ASSERT_FALSE(device_name_is_valid("."));
        ASSERT_FALSE(device_name_is_valid(".."));
        ASSERT_FALSE(device_name_is_valid("../x"));
        ASSERT_FALSE(device_name_is_valid("a/b"));
        ASSERT_FALSE(device_name_is_valid("-x"));
        ASSERT_FALSE(device_name_is_valid(".x"));
        ASSERT_FALSE(device_name_is_valid("a b"));
        ASSERT_FALSE(device_name_is_valid("a\n"));
        ASSERT_FALSE(device_name_is_valid("a:b"));
        ASSERT_FALSE(device_name_is_valid("é"));

        memset(name, 'n', DEVICE_NAME_MAX);
        name[DEVICE_NAME_MAX] = '\0';
        ASSERT_TRUE(device_name_is_valid(name));
        name[DEVICE_NAME_MAX] = 'n';
        name[DEVICE_NAME_MAX + 1] = '\0';
        ASSERT_FALSE(device_name_is_valid(name));
}

static void test_paths(void) {
        static char long_path[PATH_MAX + 1];

        ASSERT_TRUE(path_is_absolute_normalized("/"));
        ASSERT_TRUE(path_is_absolute_normalized("/var/lib/dmloop"));
        ASSERT_TRUE(path_is_absolute_normalized("/a/.b/c.."));
        ASSERT_TRUE(path_is_absolute_normalized("/a/.../b"));

        ASSERT_FALSE(path_is_absolute_normalized(NULL));
        ASSERT_FALSE(path_is_absolute_normalized(""));
        ASSERT_FALSE(path_is_absolute_normalized("var/lib"));
        ASSERT_FALSE(path_is_absolute_normalized("//"));
        ASSERT_FALSE(path_is_absolute_normalized("//var"));
        ASSERT_FALSE(path_is_absolute_normalized("/var//lib"));
        ASSERT_FALSE(path_is_absolute_normalized("/var/lib/"));
        ASSERT_FALSE(path_is_absolute_normalized("/var/./lib"));
        ASSERT_FALSE(path_is_absolute_normalized("/var/../lib"));
        ASSERT_FALSE(path_is_absolute_normalized("/.."));
        ASSERT_FALSE(path_is_absolute_normalized("/."));
        ASSERT_FALSE(path_is_absolute_normalized("/a/.."));

        ASSERT_TRUE(path_is_normalized("a.img"));
        ASSERT_TRUE(path_is_normalized("sub/a.img"));
        ASSERT_FALSE(path_is_normalized("./a.img"));
        ASSERT_FALSE(path_is_normalized("../a.img"));
        ASSERT_FALSE(path_is_normalized("a/"));
        ASSERT_FALSE(path_is_normalized("."));

        long_path[0] = '/';
        memset(long_path + 1, 'x', PATH_MAX - 1);
        ASSERT_FALSE(path_is_absolute_normalized(long_path));
        long_path[PATH_MAX - 1] = '\0';
        ASSERT_TRUE(path_is_absolute_normalized(long_path));
}

static void test_path_in_directory(void) {
        ASSERT_TRUE(path_is_in_directory("/var/lib/dmloop/a.img", "/var/lib/dmloop"));
        ASSERT_TRUE(path_is_in_directory("/var/lib/dmloop/sub/a.img", "/var/lib/dmloop"));
        ASSERT_TRUE(path_is_in_directory("/a", "/"));
        ASSERT_FALSE(path_is_in_directory("/", "/"));
        ASSERT_FALSE(path_is_in_directory("/var/lib/dmloop", "/var/lib/dmloop"));
        ASSERT_FALSE(path_is_in_directory("/var/lib/dmloopx/a.img", "/var/lib/dmloop"));
        ASSERT_FALSE(path_is_in_directory("/var/lib/dmloop/../a.img", "/var/lib/dmloop"));
        ASSERT_FALSE(path_is_in_directory("a.img", "/var/lib/dmloop"));
        ASSERT_FALSE(path_is_in_directory("/var/lib/dmloop/a.img", "/var/lib/dmloop/"));
}

static void test_boolean(void) {
        static const char *const yes[] = { "yes", "YES", "true", "True", "on", "1" };
        static const char *const no[] = { "no", "No", "false", "FALSE", "off", "0" };
        static const char *const bad[] = { "", "y", "n", "2", "yes ", " no", "01", "enable" };

        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                ASSERT_EQ(parse_boolean(yes[i]), 1);
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                ASSERT_EQ(parse_boolean(no[i]), 0);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ASSERT_EQ(parse_boolean(bad[i]), -EINVAL);
}

int main(void) {
        TEST_RUN(test_device_name);
        TEST_RUN(test_paths);
        TEST_RUN(test_path_in_directory);
        TEST_RUN(test_boolean);
        TEST_DONE();
}
