/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * dm tables as plain data: building multi-segment tables, the dmsetup-style
 * string, and the parameters of the "linear" and "loop" targets in both
 * directions. The loop parameters are also checked against the kernel's own
 * argument splitting (dm_split_args() in drivers/md/dm-table.c), since that,
 * not our parser, decides which file the target opens.
 */

#include "tests.h"

#include <sys/sysmacros.h>

#include "dm-table.h"

#define MSECT(n) ((uint64_t) (n) << 11) /* n MiB in 512-byte sectors */

static void test_empty(void) {
        _cleanup_dm_table_ DmTable t = {};
        _cleanup_free_ char *s = NULL;

        ASSERT_EQ_U64(dm_table_length(&t), 0);
        ASSERT_FALSE(dm_table_all_type(&t, "linear"));
        ASSERT_OK(dm_table_to_string(&t, &s));
        ASSERT_STREQ(s, "");

        /* done() twice, and on NULL, is fine. */
        dm_table_done(&t);
        dm_table_done(NULL);
        ASSERT_EQ(t.n_targets, 0);
        ASSERT_TRUE(t.targets == NULL);
}

static void test_multi_segment(void) {
        _cleanup_dm_table_ DmTable t = {};
        _cleanup_free_ char *s = NULL;

        /* 16M + 32M + 8M: every segment starts where the previous one ended. */
        ASSERT_OK(dm_table_append(&t, MSECT(16), "linear", "7:0 0"));
        ASSERT_OK(dm_table_append(&t, MSECT(32), "linear", "7:1 0"));
        ASSERT_OK(dm_table_append(&t, MSECT(8), "linear", "7:2 2048"));
        ASSERT_EQ(t.n_targets, 3);
        ASSERT_EQ_U64(t.targets[0].start, 0);
        ASSERT_EQ_U64(t.targets[1].start, 32768);
        ASSERT_EQ_U64(t.targets[2].start, 98304);
        ASSERT_EQ_U64(t.targets[2].length, 16384);
        ASSERT_EQ_U64(dm_table_length(&t), 114688);
        ASSERT_TRUE(dm_table_all_type(&t, "linear"));
        ASSERT_FALSE(dm_table_all_type(&t, "loop"));

        ASSERT_OK(dm_table_to_string(&t, &s));
        ASSERT_STREQ(s, "0 32768 linear 7:0 0\n"
                        "32768 65536 linear 7:1 0\n"
                        "98304 16384 linear 7:2 2048");

        /* Mixed types. */
        ASSERT_OK(dm_table_append(&t, 1, "loop", "/srv/x.img 0"));
        ASSERT_FALSE(dm_table_all_type(&t, "linear"));
        ASSERT_EQ_U64(t.targets[3].start, 114688);
}

static void test_add_explicit(void) {
        _cleanup_dm_table_ DmTable t = {};
        _cleanup_free_ char *s = NULL;
        char params[] = "/a 0";

        /* As read back from the kernel: starts are taken as given, and the
         * strings are copied. */
        ASSERT_OK(dm_table_add(&t, 0, 8, "ram", ""));
        ASSERT_OK(dm_table_add(&t, 8, 16, "loop", params));
        params[1] = 'b';
        ASSERT_STREQ(t.targets[1].params, "/a 0");
        ASSERT_EQ_U64(dm_table_length(&t), 24);
        ASSERT_OK(dm_table_to_string(&t, &s));
        ASSERT_STREQ(s, "0 8 ram \n8 16 loop /a 0");
}

static void test_refused(void) {
        _cleanup_dm_table_ DmTable t = {};

        ASSERT_EQ(dm_table_append(&t, 0, "linear", "7:0 0"), -EINVAL);
        ASSERT_EQ(dm_table_append(&t, 8, NULL, "7:0 0"), -EINVAL);
        ASSERT_EQ(dm_table_append(&t, 8, "linear", NULL), -EINVAL);
        ASSERT_EQ(dm_table_add(&t, 0, 0, "linear", "7:0 0"), -EINVAL);
        ASSERT_EQ(t.n_targets, 0);
}

static void test_overflow(void) {
        _cleanup_dm_table_ DmTable t = {};

        /* Ending exactly at 2^64 - 1 is representable... */
        ASSERT_OK(dm_table_append(&t, UINT64_MAX - 1, "linear", "7:0 0"));
        ASSERT_OK(dm_table_append(&t, 1, "linear", "7:1 0"));
        ASSERT_EQ_U64(dm_table_length(&t), UINT64_MAX);
        /* ...one more sector is not, and nothing is added. */
        ASSERT_EQ(dm_table_append(&t, 1, "linear", "7:2 0"), -EOVERFLOW);
        ASSERT_EQ(dm_table_append(&t, UINT64_MAX, "linear", "7:2 0"), -EOVERFLOW);
        ASSERT_EQ(t.n_targets, 2);
        dm_table_done(&t);

        /* An explicit start whose end does not fit in 64 bits would make
         * dm_table_length() wrap around, so that the next append lands at a
         * small start on top of the existing targets. */
        ASSERT_EQ(dm_table_add(&t, UINT64_MAX, 2, "linear", "7:0 0"), -EOVERFLOW);
        ASSERT_EQ(dm_table_add(&t, 1, UINT64_MAX, "linear", "7:0 0"), -EOVERFLOW);
        ASSERT_EQ(t.n_targets, 0);
        ASSERT_OK(dm_table_add(&t, UINT64_MAX - 1, 1, "linear", "7:0 0"));
        ASSERT_EQ_U64(dm_table_length(&t), UINT64_MAX);
}

static void test_linear_params(void) {
        static const struct {
                unsigned maj, min;
                uint64_t offset;
                const char *s;
        } cases[] = {
                { 7, 0, 0, "7:0 0" },
                { 253, 12, 2048, "253:12 2048" },
                { 259, 1048575, UINT64_C(1) << 40, "259:1048575 1099511627776" },
                { 4095, 0, UINT64_MAX, "4095:0 18446744073709551615" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = NULL;
                uint64_t offset = 1;
                dev_t dev = 0;

                ASSERT_OK(dm_linear_params_format(makedev(cases[i].maj, cases[i].min), cases[i].offset, &s));
                ASSERT_STREQ(s, cases[i].s);
                ASSERT_OK(dm_linear_params_parse(s, &dev, &offset));
                ASSERT_EQ(major(dev), cases[i].maj);
                ASSERT_EQ(minor(dev), cases[i].min);
                ASSERT_EQ_U64(offset, cases[i].offset);
        }
}

static void test_linear_params_bad(void) {
        static const char *const bad[] = {
                "",          "garbage",  "7",      "7:",    "7:0", /* missing offset */
                "7:0 ",      "7 0",      ":0 0",   "7:0 x", "7:0 12x", /* trailing text */
                "7:0 12 13", "7:0 12\n", "7:0 0 ", "7;0 0", "a:b 0",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t offset = 42;
                dev_t dev = makedev(1, 2);

                if (dm_linear_params_parse(bad[i], &dev, &offset) != -EINVAL)
                        TEST_FAIL("\"%s\" was accepted", bad[i]);
                /* Not clobbered on failure. */
                ASSERT_EQ_U64(offset, 42);
                ASSERT_TRUE(dev == makedev(1, 2));
        }
}

/* The kernel prints "%u:%u %llu"; anything sscanf() would bend into that
 * shape is not something it wrote. A negative number silently becomes a
 * huge one, and a major or minor beyond 32 bits is truncated, so
 * "4294967303:0 0" would name 7:0. */
static void test_linear_params_strict_numbers(void) {
        static const char *const bad[] = {
                "-1:0 0",         "7:-1 0",         "7:0 -1",
                "+7:0 0",         " 7:0 0",         "7:0  0",
                "4294967303:0 0", "7:4294967296 0", "7:0 18446744073709551616",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t offset = 42;
                dev_t dev = 0;

                if (dm_linear_params_parse(bad[i], &dev, &offset) != -EINVAL)
                        TEST_FAIL("\"%s\" was accepted as %u:%u %" PRIu64, bad[i], major(dev), minor(dev), offset);
        }
}

static void test_loop_params(void) {
        static const struct {
                const char *path;
                uint64_t offset;
                const char *s;
        } cases[] = {
                { "/srv/a.img", 0, "/srv/a.img 0" },
                { "/var/lib/dmloop/x.img", 2048, "/var/lib/dmloop/x.img 2048" },
                { "/", UINT64_MAX, "/ 18446744073709551615" },
                { "/a:b,c=d", 1, "/a:b,c=d 1" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = NULL, *path = NULL;
                uint64_t offset = 1;

                ASSERT_OK(dm_loop_params_format(cases[i].path, cases[i].offset, &s));
                ASSERT_STREQ(s, cases[i].s);
                ASSERT_OK(dm_loop_params_parse(s, &path, &offset));
                ASSERT_STREQ(path, cases[i].path);
                ASSERT_EQ_U64(offset, cases[i].offset);
        }

        /* The offset is optional when reading. */
        {
                _cleanup_free_ char *path = NULL;
                uint64_t offset = 99;

                ASSERT_OK(dm_loop_params_parse("/srv/a.img", &path, &offset));
                ASSERT_STREQ(path, "/srv/a.img");
                ASSERT_EQ_U64(offset, 0);
        }
}

/* Same for the loop offset, which the kernel prints with "%llu". */
static void test_loop_params_strict_numbers(void) {
        static const char *const bad[] = {
                "/a -1",
                "/a +5",
                "/a  5",
                "/a 18446744073709551616",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *path = NULL;
                uint64_t offset = 42;

                if (dm_loop_params_parse(bad[i], &path, &offset) != -EINVAL)
                        TEST_FAIL("\"%s\" was accepted with offset %" PRIu64, bad[i], offset);
        }
}

static void test_loop_params_bad(void) {
        static const char *const bad_format[] = {
                "", "rel.img", "./a", "/a b", "/a\tb", "/a\nb", " /a",
        };
        static const char *const bad_parse[] = {
                "", "rel.img 0", "rel.img", " /a 0", "/a x", "/a 0x", "/a 1 2", "/a ", "/a 0\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad_format); i++) {
                char *s = NULL;

                if (dm_loop_params_format(bad_format[i], 0, &s) != -EINVAL)
                        TEST_FAIL("format accepted \"%s\"", bad_format[i]);
                ASSERT_TRUE(s == NULL);
        }
        ASSERT_EQ(dm_loop_params_format(NULL, 0, &(char *){ NULL }), -EINVAL);

        for (size_t i = 0; i < ELEMENTSOF(bad_parse); i++) {
                char *path = NULL;
                uint64_t offset = 42;

                if (dm_loop_params_parse(bad_parse[i], &path, &offset) != -EINVAL)
                        TEST_FAIL("parse accepted \"%s\"", bad_parse[i]);
                ASSERT_TRUE(path == NULL);
                ASSERT_EQ_U64(offset, 42);
        }
}

/* The kernel's dm_split_args(): words split on white space, and a
 * backslash quotes the next character (and is removed). Returns the
 * number of words put into argv, up to n. */
static size_t kernel_split_args(char *input, char **argv, size_t n) {
        size_t argc = 0;
        char *end = input;

        for (;;) {
                char *start, *out;

                while (*end == ' ' || (*end >= '\t' && *end <= '\r'))
                        end++;
                start = end;
                if (!*start || argc == n)
                        break;
                out = start;
                while (*end) {
                        if (*end == '\\' && end[1]) {
                                *out++ = end[1];
                                end += 2;
                                continue;
                        }
                        if (*end == ' ' || (*end >= '\t' && *end <= '\r'))
                                break;
                        *out++ = *end++;
                }
                if (*end)
                        end++;
                *out = '\0';
                argv[argc++] = start;
        }
        return argc;
}

/* Whatever path the format accepts, the kernel must see the same path. A
 * backslash is legal in a file name (and in a dmloop.d Backing= or a bus
 * caller's Backing), but the kernel takes it as a quote: "/srv/a\b.img"
 * would open "/srv/ab.img", and "/srv/a\/..\/..\/etc\/passwd", a
 * normalized path with no ".." component, would open "/srv/a/../../etc/passwd".
 * Either refusing it or escaping it is fine. */
static void test_loop_params_kernel_split(void) {
        static const char *const paths[] = {
                "/srv/a.img", "/srv/a\\b.img",   "/srv/trailing\\",
                "/srv/\\\\x", "/srv/a\"b'c.img", "/srv/a\\/..\\/..\\/etc\\/passwd",
        };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *s = NULL;
                char *argv[4] = {};
                int r;

                r = dm_loop_params_format(paths[i], 8, &s);
                if (r == -EINVAL)
                        continue;
                ASSERT_OK(r);
                if (kernel_split_args(s, argv, ELEMENTSOF(argv)) != 2 || !streq(argv[0], paths[i]) ||
                    !streq(argv[1], "8"))
                        TEST_FAIL("dm_loop_params_format(\"%s\") gives a table line the kernel reads as another "
                                  "path (\"%s\")",
                                  paths[i], strempty(argv[0]));
        }
}

int main(void) {
        TEST_RUN(test_empty);
        TEST_RUN(test_multi_segment);
        TEST_RUN(test_add_explicit);
        TEST_RUN(test_refused);
        TEST_RUN(test_overflow);
        TEST_RUN(test_linear_params);
        TEST_RUN(test_linear_params_bad);
        TEST_RUN(test_linear_params_strict_numbers);
        TEST_RUN(test_loop_params);
        TEST_RUN(test_loop_params_bad);
        TEST_RUN(test_loop_params_strict_numbers);
        TEST_RUN(test_loop_params_kernel_split);
        TEST_DONE();
}
