/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include "size-util.h"

static void test_parse_size_good(void) {
        static const struct {
                const char *s;
                uint64_t v;
        } cases[] = {
                { "0", 0 },
                { "511", 511 },
                { "512", 512 },
                { "512B", 512 },
                { "007", 7 },
                { "1K", 1024 },
                { "1KiB", 1024 },
                { "64M", UINT64_C(64) << 20 },
                { "64MiB", UINT64_C(64) << 20 },
                { "2G", UINT64_C(2) << 30 },
                { "2GiB", UINT64_C(2) << 30 },
                { "1T", UINT64_C(1099511627776) },
                { "1TiB", UINT64_C(1099511627776) },
                { "16777215T", UINT64_C(16777215) << 40 },
                { "18446744073709551615", UINT64_MAX },
                { "18446744073709551615B", UINT64_MAX },
                { "17179869183G", UINT64_C(17179869183) << 30 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t v = 42;

                ASSERT_OK(parse_size(cases[i].s, &v));
                ASSERT_EQ_U64(v, cases[i].v);
        }
}

static void test_parse_size_bad(void) {
        static const struct {
                const char *s;
                int error;
        } cases[] = {
                { "", -EINVAL },
                { " 1K", -EINVAL },
                { "1K ", -EINVAL },
                { "1 K", -EINVAL },
                { "-1", -EINVAL },
                { "+1", -EINVAL },
                { "1.5G", -EINVAL },
                { ".5G", -EINVAL },
                { "0x10", -EINVAL },
                { "1k", -EINVAL },
                { "1KB", -EINVAL },
                { "1Ki", -EINVAL },
                { "1kib", -EINVAL },
                { "1KiBB", -EINVAL },
                { "12Q", -EINVAL },
                { "K", -EINVAL },
                { "B", -EINVAL },
                { "16E", -EINVAL },
                { "1P", -EINVAL },
                { "1\n", -EINVAL },
                { "18446744073709551616", -ERANGE },
                { "99999999999999999999999999", -ERANGE },
                { "99999999999999999999999999Q", -EINVAL },
                { "16777216T", -ERANGE },
                { "17179869184G", -ERANGE },
                { "18014398509481984K", -ERANGE },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t v = 42;

                ASSERT_EQ(parse_size(cases[i].s, &v), cases[i].error);
                /* Not clobbered on failure. */
                ASSERT_EQ_U64(v, 42);
        }
}

static void test_device_size(void) {
        ASSERT_FALSE(size_is_valid_device_size(0));
        ASSERT_FALSE(size_is_valid_device_size(1));
        ASSERT_FALSE(size_is_valid_device_size(511));
        ASSERT_TRUE(size_is_valid_device_size(512));
        ASSERT_FALSE(size_is_valid_device_size(513));
        ASSERT_FALSE(size_is_valid_device_size(1000));
        ASSERT_TRUE(size_is_valid_device_size(1024));
        ASSERT_TRUE(size_is_valid_device_size(UINT64_MAX - 511));
        ASSERT_FALSE(size_is_valid_device_size(UINT64_MAX));
}

static void test_format_size(void) {
        static const struct {
                uint64_t v;
                const char *s;
        } cases[] = {
                { 0, "0" },
                { 1, "1" },
                { 512, "512" },
                { 1000, "1000" },
                { 1024, "1K" },
                { 1536, "1536" },
                { UINT64_C(64) << 20, "64M" },
                { UINT64_C(1536) << 20, "1536M" },
                { UINT64_C(1) << 30, "1G" },
                { UINT64_C(1099511627776), "1T" },
                { UINT64_C(16777215) << 40, "16777215T" },
                { UINT64_MAX, "18446744073709551615" },
                { UINT64_MAX - 511, "18446744073709551104" },
        };
        char buf[FORMAT_SIZE_MAX];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t back = 0;

                ASSERT_STREQ(format_size(cases[i].v, buf), cases[i].s);
                /* Always exact: the output parses back to the input. */
                ASSERT_OK(parse_size(buf, &back));
                ASSERT_EQ_U64(back, cases[i].v);
        }
}

int main(void) {
        TEST_RUN(test_parse_size_good);
        TEST_RUN(test_parse_size_bad);
        TEST_RUN(test_device_size);
        TEST_RUN(test_format_size);
        TEST_DONE();
}
