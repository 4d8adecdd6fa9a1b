/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include <limits.h>

#include "macro.h"
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

static void test_utf8(void) {
        ASSERT_TRUE(utf8_is_valid(""));
        ASSERT_TRUE(utf8_is_valid("plain"));
        ASSERT_TRUE(utf8_is_valid("caf\xc3\xa9")); /* U+00E9 */
        ASSERT_TRUE(utf8_is_valid("\xe2\x82\xac")); /* U+20AC */
        ASSERT_TRUE(utf8_is_valid("\xf0\x9f\x92\xbe")); /* U+1F4BE */
        ASSERT_TRUE(utf8_is_valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
        ASSERT_TRUE(utf8_is_valid("\xed\x9f\xbf")); /* U+D7FF */

        ASSERT_FALSE(utf8_is_valid("\xff"));
        ASSERT_FALSE(utf8_is_valid("a\x80"
                                   "b")); /* lone continuation */
        ASSERT_FALSE(utf8_is_valid("caf\xe9")); /* Latin-1 */
        ASSERT_FALSE(utf8_is_valid("\xc3")); /* cut short */
        ASSERT_FALSE(utf8_is_valid("\xe2\x82"));
        ASSERT_FALSE(utf8_is_valid("\xc0\xaf")); /* overlong "/" */
        ASSERT_FALSE(utf8_is_valid("\xc1\xbf"));
        ASSERT_FALSE(utf8_is_valid("\xe0\x80\xaf"));
        ASSERT_FALSE(utf8_is_valid("\xf0\x80\x80\xaf"));
        ASSERT_FALSE(utf8_is_valid("\xed\xa0\x80")); /* U+D800 */
        ASSERT_FALSE(utf8_is_valid("\xed\xbf\xbf")); /* U+DFFF */
        ASSERT_FALSE(utf8_is_valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
        ASSERT_FALSE(utf8_is_valid("\xf5\x80\x80\x80"));
}

static void test_control_chars(void) {
        static const char *const bad[] = {
                "/srv/a\nb.img", "/srv/a\vb.img", "/srv/a\fb.img", "/srv/a\rb.img",
                "/srv/a\tb.img", "/srv/\x01.img", "/srv/\x1f.img", "/srv/a\x7f.img",
        };

        ASSERT_FALSE(string_has_control_chars(""));
        ASSERT_FALSE(string_has_control_chars("/srv/a b.img"));
        ASSERT_FALSE(string_has_control_chars("/srv/caf\xc3\xa9~.img"));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ASSERT_TRUE(string_has_control_chars(bad[i]));
                ASSERT_FALSE(path_is_absolute_normalized(bad[i]));
                ASSERT_STREQ(path_not_normalized_reason(bad[i]), "contains a control character");
        }

        /* Paths must be UTF-8 too; valid UTF-8 beyond ASCII is fine. */
        ASSERT_TRUE(path_is_absolute_normalized("/srv/caf\xc3\xa9.img"));
        ASSERT_FALSE(path_is_absolute_normalized("/srv/caf\xe9.img"));
        ASSERT_STREQ(path_not_normalized_reason("/srv/caf\xe9.img"), "is not valid UTF-8");
        ASSERT_FALSE(path_is_normalized("caf\xe9.img"));

        ASSERT_TRUE(path_not_normalized_reason("/srv/a.img") == NULL);
        ASSERT_TRUE(path_not_normalized_reason("/") == NULL);
        ASSERT_STREQ(path_not_normalized_reason(""), "is empty");
        ASSERT_STREQ(path_not_normalized_reason(NULL), "is empty");
        ASSERT_STREQ(path_not_normalized_reason("/a//b"), "contains \"//\" or ends in \"/\"");
        ASSERT_STREQ(path_not_normalized_reason("/a/../b"), "contains a \".\" or \"..\" component");
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
        TEST_RUN(test_utf8);
        TEST_RUN(test_control_chars);
        TEST_RUN(test_path_in_directory);
        TEST_RUN(test_boolean);
        TEST_DONE();
}
