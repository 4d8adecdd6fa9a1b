/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include "dmloopctl-output.h"

static char *print(const DeviceInfo *devices, size_t n, bool single, JsonFormat format) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ASSERT_TRUE(f);
        ASSERT_OK(device_info_print_json_format(f, devices, n, single, format));
        ASSERT_EQ(fclose(f), 0);
        return buf;
}

static void test_json_format_from_string(void) {
        ASSERT_EQ(json_format_from_string("pretty"), JSON_FORMAT_PRETTY);
        ASSERT_EQ(json_format_from_string("short"), JSON_FORMAT_SHORT);
        ASSERT_EQ(json_format_from_string("off"), JSON_FORMAT_OFF);
        ASSERT_EQ(json_format_from_string(""), -EINVAL);
        ASSERT_EQ(json_format_from_string("list"), -EINVAL);
}

static void test_json_short_and_pretty(void) {
        BackingSegment seg[] = { { .path = (char *) "/var/lib/dmloop/a b,{x}:\"y\".img", .size = 1024 } };
        DeviceInfo d[] = {
                { .name = (char *) "r",
                  .type = (char *) "ram",
                  .size = 4096,
                  .target = (char *) "linear",
                  .origin = (char *) "bus" },
                { .name = (char *) "f", .type = (char *) "file", .size = 1024, .backing = seg, .n_backing = 1 },
        };
        char *s;

        /* One line, no whitespace outside strings; strings keep theirs. */
        s = print(d, 2, false, JSON_FORMAT_SHORT);
        ASSERT_STREQ(s, "[{\"name\":\"r\",\"type\":\"ram\",\"size\":4096,\"target\":\"linear\",\"device_node\":\"\","
                        "\"symlink\":\"\",\"major\":0,\"minor\":0,\"read_only\":false,\"persistent\":false,"
                        "\"origin\":\"bus\",\"backing\":[]},{\"name\":\"f\",\"type\":\"file\",\"size\":1024,"
                        "\"target\":\"\",\"device_node\":\"\",\"symlink\":\"\",\"major\":0,\"minor\":0,"
                        "\"read_only\":false,\"persistent\":false,\"origin\":\"\",\"backing\":[{\"path\":"
                        "\"/var/lib/dmloop/a b,{x}:\\\"y\\\".img\",\"size\":1024}]}]\n");
        free(s);

        s = print(d, 0, false, JSON_FORMAT_SHORT);
        ASSERT_STREQ(s, "[]\n");
        free(s);
        s = print(d, 0, false, JSON_FORMAT_PRETTY);
        ASSERT_STREQ(s, "[]\n");
        free(s);

        s = print(&d[1], 1, true, JSON_FORMAT_PRETTY);
        ASSERT_STREQ(s, "{\n"
                        "        \"name\": \"f\",\n"
                        "        \"type\": \"file\",\n"
                        "        \"size\": 1024,\n"
                        "        \"target\": \"\",\n"
                        "        \"device_node\": \"\",\n"
                        "        \"symlink\": \"\",\n"
                        "        \"major\": 0,\n"
                        "        \"minor\": 0,\n"
                        "        \"read_only\": false,\n"
                        "        \"persistent\": false,\n"
                        "        \"origin\": \"\",\n"
                        "        \"backing\": [\n"
                        "                {\n"
                        "                        \"path\": \"/var/lib/dmloop/a b,{x}:\\\"y\\\".img\",\n"
                        "                        \"size\": 1024\n"
                        "                }\n"
                        "        ]\n"
                        "}\n");
        free(s);
}

int main(void) {
        TEST_RUN(test_json_format_from_string);
        TEST_RUN(test_json_short_and_pretty);
        TEST_DONE();
}
