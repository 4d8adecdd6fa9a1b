/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Table-driven cases for the dmloop.d(5) parser, plus the golden files:
 * golden/good/X.conf must parse into the dump in X.expected, golden/bad/X.conf
 * must fail with the "line: message" in X.expected. The golden directory is
 * argv[1] (meson passes it), else $GOLDEN_DIR. With UPDATE_GOLDEN=1 the
 * .expected files are rewritten instead of compared: review the diff.
 */

#include "tests.h"

#include <dirent.h>

#include "config-parse.h"

#define STATE "/var/lib/dmloop"

static DeviceConfig *parse_string(const char *text, size_t len, ConfigError *e, int *ret) {
        DeviceConfig *c = NULL;
        FILE *f;

        f = fmemopen((void *) text, len, "r");
        ASSERT_TRUE(f);
        *ret = config_parse_stream(f, "/etc/dmloop.d/test.conf", "test", STATE, &c, e);
        fclose(f);
        return c;
}

static void expect_error(const char *text, unsigned line, const char *message) {
        ConfigError e = {};
        int r;

        ASSERT_TRUE(parse_string(text, strlen(text), &e, &r) == NULL);
        ASSERT_EQ(r, -EINVAL);
        ASSERT_EQ(e.line, line);
        ASSERT_STREQ(e.message, message);
}

static void test_good(void) {
        static const char text[] = "[Device]\nType=file\nSize=64M\n";
        ConfigError e = {};
        DeviceConfig *c;
        int r;

        c = parse_string(text, strlen(text), &e, &r);
        ASSERT_OK(r);
        ASSERT_STREQ(c->name, "test");
        ASSERT_STREQ(c->origin, "/etc/dmloop.d/test.conf");
        ASSERT_EQ(c->origin_line, 1);
        ASSERT_EQ(c->type, DEVICE_TYPE_FILE);
        ASSERT_EQ_U64(c->size, 64 << 20);
        ASSERT_TRUE(c->create_backing);
        ASSERT_EQ(c->n_segments, 1);
        ASSERT_STREQ(c->segments[0].path, STATE "/test.img");
        device_config_free(c);
}

static void test_errors(void) {
        expect_error("[Device]\nType=ram\nSize=12Q\n", 3, "Invalid size \"12Q\" in Size=");
        expect_error("[Device]\nType=ram\nSise=1G\n", 3, "Unknown key \"Sise\" in section [Device]");
        expect_error("[Device]\nType=ram\nSize=1G # big\n", 3,
                     "Unexpected text after the value of Size=; comments must be on a line of their own");
        expect_error("[Device]\nType=ram\nSize=1G ;big\n", 3,
                     "Unexpected text after the value of Size=; comments must be on a line of their own");
        expect_error("\n[Device]\nSize=1G\n", 2, "Missing Type=, expected \"file\" or \"ram\"");
        expect_error("", 1, "Missing [Device] section");
        expect_error("[Device]\nType=ram\nSize=1M\nSize=2M\n", 4, "Size= given twice, first on line 3");
        expect_error("[Device]\nType=ram\nSize=1M\n\tReadOnly=yes\n", 4,
                     "Unexpected leading whitespace (continuation lines are not supported)");
        expect_error("[Device]\nType=ram\nSize=1000\n", 3,
                     "Size \"1000\" in Size= is not a positive multiple of 512 bytes");
        expect_error("[Device]\nType=ram\nSize=18446744073709551616\n", 3,
                     "Size \"18446744073709551616\" in Size= is too large");
}

static void test_nul_byte(void) {
        static const char text[] = "[Device]\nType=ram\0x\nSize=1M\n";
        ConfigError e = {};
        int r;

        ASSERT_TRUE(parse_string(text, sizeof(text) - 1, &e, &r) == NULL);
        ASSERT_EQ(r, -EINVAL);
        ASSERT_EQ(e.line, 2);
        ASSERT_STREQ(e.message, "Line contains a NUL byte");
}

static void test_line_length(void) {
        char text[1024], msg[64];
        ConfigError e = {};
        DeviceConfig *c;
        int r;

        /* A line of exactly INI_READER_LINE_MAX bytes is fine, one more is not. */
        for (int extra = 0; extra <= 1; extra++) {
                int n = snprintf(text, sizeof(text), "[Device]\nType=file\nSize=1M\nBacking=/");
                int path_len = INI_READER_LINE_MAX - (int) strlen("Backing=/") + extra;

                memset(text + n, 'p', path_len);
                strcpy(text + n + path_len, "\n");

                c = parse_string(text, strlen(text), &e, &r);
                if (extra == 0) {
                        ASSERT_OK(r);
                        ASSERT_EQ(strlen(c->segments[0].path), INI_READER_LINE_MAX - strlen("Backing="));
                        device_config_free(c);
                } else {
                        ASSERT_EQ(r, -EINVAL);
                        ASSERT_EQ(e.line, 4);
                        snprintf(msg, sizeof(msg), "Line too long (max %d bytes)", INI_READER_LINE_MAX);
                        ASSERT_STREQ(e.message, msg);
                }
        }

        /* A huge line in the middle: the line number stays right. */
        {
                size_t n = 100000;
                char *big = malloc(n + 64);

                ASSERT_TRUE(big);
                strcpy(big, "[Device]\n#");
                memset(big + strlen(big), 'x', n);
                strcpy(big + strlen("[Device]\n#") + n, "\nType=ram\n");
                ASSERT_TRUE(parse_string(big, strlen(big), &e, &r) == NULL);
                ASSERT_EQ(e.line, 2);
                free(big);
        }
}

static void test_no_default_name(void) {
        static const char text[] = "[Device]\nType=ram\nSize=1M\n";
        DeviceConfig *c = NULL;
        ConfigError e = {};
        FILE *f;

        f = fmemopen((void *) text, strlen(text), "r");
        ASSERT_EQ(config_parse_stream(f, "bus", NULL, STATE, &c, &e), -EINVAL);
        fclose(f);
        ASSERT_TRUE(c == NULL);
        ASSERT_EQ(e.line, 1);
        ASSERT_STREQ(e.message, "Missing Name=");
}

static void test_missing_file(void) {
        DeviceConfig *c = NULL;
        ConfigError e = {};

        ASSERT_EQ(config_parse_file("/nonexistent/dmloop.d/x.conf", STATE, &c, &e), -ENOENT);
        ASSERT_TRUE(c == NULL);
        ASSERT_EQ(e.line, 0);
        ASSERT_STREQ(e.message, "Failed to open file: No such file or directory");
}

static char *read_all(const char *path) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f, *m;
        int ch;

        f = fopen(path, "re");
        if (!f)
                return NULL;
        m = open_memstream(&buf, &len);
        ASSERT_TRUE(m);
        while ((ch = getc(f)) != EOF)
                fputc(ch, m);
        fclose(f);
        fclose(m);
        return buf;
}

/* The canonical dump of the golden files: every field, sizes in bytes. */
static char *dump(const DeviceConfig *c) {
        const char *origin = strrchr(c->origin, '/');
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        ASSERT_TRUE(f);
        fprintf(f, "origin: %s:%u\n", origin ? origin + 1 : c->origin, c->origin_line);
        fprintf(f, "name: %s\ntype: %s\nsize: %" PRIu64 "\nread-only: %s\ncreate-backing: %s\n", c->name,
                device_type_to_string(c->type), c->size, c->read_only ? "yes" : "no",
                c->create_backing ? "yes" : "no");
        for (size_t i = 0; i < c->n_segments; i++)
                fprintf(f, "segment: %s %" PRIu64 "\n", c->segments[i].path, c->segments[i].size);
        /* The boot-time keys only when given, so older dumps stay as they are. */
        if (c->mount_point)
                fprintf(f, "mount-point: %s\n", c->mount_point);
        if (c->file_system != FILE_SYSTEM_NONE)
                fprintf(f, "file-system: %s\n", file_system_to_string(c->file_system));
        if (c->mount_options)
                fprintf(f, "mount-options: %s\n", c->mount_options);
        ASSERT_EQ(fclose(f), 0);
        return buf;
}

/* device_config_format() output parses back into the same config. */
static void check_roundtrip(const DeviceConfig *c, const char *dumped) {
        _cleanup_(device_config_freep) DeviceConfig *back = NULL;
        _cleanup_free_ char *text = NULL, *again = NULL;
        ConfigError e = {};
        FILE *f;
        int r;

        r = device_config_format(c, &text);
        if (r == -EINVAL)
                return; /* e.g. a path too long to fit on a line with its size */
        ASSERT_OK(r);

        f = fmemopen(text, strlen(text), "r");
        ASSERT_TRUE(f);
        r = config_parse_stream(f, c->origin, "ignored", STATE, &back, &e);
        fclose(f);
        if (r < 0)
                TEST_FAIL("re-parsing failed: %u: %s\n%s", e.line, e.message, text);
        /* Name= is now explicit, on line 2. */
        back->origin_line = c->origin_line;
        again = dump(back);
        ASSERT_STREQ(again, dumped);
}

static int filter_conf(const struct dirent *de) {
        size_t n = strlen(de->d_name);

        return n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

/* Parses every file in golden/<kind>/ and compares with its .expected. */
static unsigned run_golden(const char *golden, const char *kind) {
        bool update = getenv("UPDATE_GOLDEN") && strcmp(getenv("UPDATE_GOLDEN"), "1") == 0;
        struct dirent **list;
        char dir[4096];
        int n;

        snprintf(dir, sizeof(dir), "%s/%s", golden, kind);
        n = scandir(dir, &list, filter_conf, alphasort);
        if (n < 0)
                TEST_FAIL("scandir(%s): %m", dir);
        ASSERT_TRUE(n > 0);

        for (int i = 0; i < n; i++) {
                char path[4096 + 256], expected_path[4096 + 256];
                _cleanup_(device_config_freep) DeviceConfig *c = NULL;
                _cleanup_free_ char *got = NULL, *expected = NULL;
                ConfigError e = {};
                int r;

                snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
                snprintf(expected_path, sizeof(expected_path), "%.*s.expected", (int) (strlen(path) - strlen(".conf")),
                         path);

                r = config_parse_file(path, STATE, &c, &e);
                if (strcmp(kind, "good") == 0) {
                        if (r < 0)
                                TEST_FAIL("%s:%u: unexpected error: %s", path, e.line, e.message);
                        got = dump(c);
                        check_roundtrip(c, got);
                } else {
                        if (r >= 0)
                                TEST_FAIL("%s: parsed, but should have failed", path);
                        ASSERT_EQ(r, -EINVAL);
                        ASSERT_TRUE(asprintf(&got, "%u: %s\n", e.line, e.message) >= 0);
                }

                if (update)
                        test_write_file(expected_path, got);
                else {
                        expected = read_all(expected_path);
                        if (!expected)
                                TEST_FAIL("%s: cannot read: %m", expected_path);
                        if (strcmp(got, expected) != 0)
                                TEST_FAIL("%s: mismatch.\n--- expected\n%s--- got\n%s", path, expected, got);
                }
                free(list[i]);
        }
        free(list);
        return (unsigned) n;
}

int main(int argc, char *argv[]) {
        const char *golden = argc > 1 ? argv[1] : getenv("GOLDEN_DIR");
        unsigned good, bad;

        TEST_RUN(test_good);
        TEST_RUN(test_errors);
        TEST_RUN(test_nul_byte);
        TEST_RUN(test_line_length);
        TEST_RUN(test_no_default_name);
        TEST_RUN(test_missing_file);

        if (!golden) {
                fprintf(stderr, "No golden directory given (argv[1] or $GOLDEN_DIR).\n");
                return 1;
        }
        good = run_golden(golden, "good");
        bad = run_golden(golden, "bad");
        printf("ok golden files: %u good, %u bad\n", good, bad);
        TEST_DONE();
}
