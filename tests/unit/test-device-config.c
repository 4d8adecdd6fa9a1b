/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include "config-parse.h"
#include "device-config.h"

#define STATE "/var/lib/dmloop"
#define M(n) ((uint64_t) (n) << 20)

static DeviceConfig *make(const char *name, DeviceType type, uint64_t size) {
        DeviceConfig *c = device_config_new();

        ASSERT_TRUE(c);
        c->name = name ? strdup(name) : NULL;
        c->type = type;
        c->size = size;
        return c;
}

static void test_type_strings(void) {
        ASSERT_STREQ(device_type_to_string(DEVICE_TYPE_FILE), "file");
        ASSERT_STREQ(device_type_to_string(DEVICE_TYPE_RAM), "ram");
        ASSERT_TRUE(device_type_to_string(_DEVICE_TYPE_MAX) == NULL);
        ASSERT_TRUE(device_type_to_string(_DEVICE_TYPE_INVALID) == NULL);
        ASSERT_EQ(device_type_from_string("file"), DEVICE_TYPE_FILE);
        ASSERT_EQ(device_type_from_string("ram"), DEVICE_TYPE_RAM);
        ASSERT_EQ(device_type_from_string("RAM"), _DEVICE_TYPE_INVALID);
        ASSERT_EQ(device_type_from_string(""), _DEVICE_TYPE_INVALID);
        ASSERT_EQ(device_type_from_string(NULL), _DEVICE_TYPE_INVALID);
}

static void test_defaults(void) {
        DeviceConfig *c = make("scratch", DEVICE_TYPE_FILE, M(64));
        const char *msg = NULL;

        ASSERT_TRUE(c->create_backing);
        ASSERT_FALSE(c->read_only);
        ASSERT_OK(device_config_resolve(c, STATE, &msg));
        ASSERT_EQ(c->n_segments, 1);
        ASSERT_STREQ(c->segments[0].path, STATE "/scratch.img");
        ASSERT_EQ_U64(c->segments[0].size, M(64));

        /* Idempotent. */
        ASSERT_OK(device_config_resolve(c, STATE, &msg));
        ASSERT_EQ(c->n_segments, 1);
        ASSERT_EQ_U64(c->size, M(64));
        device_config_free(c);

        /* A state dir of "/" does not produce "//". */
        c = make("x", DEVICE_TYPE_FILE, 512);
        ASSERT_OK(device_config_add_segment(c, "rel.img", 0));
        ASSERT_OK(device_config_resolve(c, "/", &msg));
        ASSERT_STREQ(c->segments[0].path, "/rel.img");
        device_config_free(c);

        ASSERT_TRUE(device_config_free(NULL) == NULL);
}

static void test_segments(void) {
        DeviceConfig *c = make("multi", DEVICE_TYPE_FILE, M(100));
        const char *msg = NULL;

        ASSERT_OK(device_config_add_segment(c, "/srv/a.img", M(10)));
        ASSERT_OK(device_config_add_segment(c, "b.img", M(30)));
        ASSERT_OK(device_config_add_segment(c, "sub/c.img", 0));
        ASSERT_OK(device_config_resolve(c, STATE, &msg));
        ASSERT_EQ(c->n_segments, 3);
        ASSERT_STREQ(c->segments[0].path, "/srv/a.img");
        ASSERT_STREQ(c->segments[1].path, STATE "/b.img");
        ASSERT_STREQ(c->segments[2].path, STATE "/sub/c.img");
        ASSERT_EQ_U64(c->segments[0].size, M(10));
        ASSERT_EQ_U64(c->segments[1].size, M(30));
        ASSERT_EQ_U64(c->segments[2].size, M(60));
        ASSERT_EQ_U64(c->size, M(100));
        device_config_free(c);

        /* Size= derived from the segments. */
        c = make("derived", DEVICE_TYPE_FILE, 0);
        ASSERT_OK(device_config_add_segment(c, "/a", M(1)));
        ASSERT_OK(device_config_add_segment(c, "/b", 512));
        ASSERT_OK(device_config_resolve(c, STATE, &msg));
        ASSERT_EQ_U64(c->size, M(1) + 512);
        device_config_free(c);

        /* Size= given and matching. */
        c = make("match", DEVICE_TYPE_FILE, M(3));
        ASSERT_OK(device_config_add_segment(c, "/a", M(1)));
        ASSERT_OK(device_config_add_segment(c, "/b", M(2)));
        ASSERT_OK(device_config_resolve(c, STATE, &msg));
        device_config_free(c);
}

static void expect_fail(DeviceConfig *c, const char *message) {
        const char *msg = NULL;
        uint64_t size = c->size;
        size_t n = c->n_segments;

        ASSERT_EQ(device_config_resolve(c, STATE, &msg), -EINVAL);
        ASSERT_STREQ(msg, message);
        /* Untouched on failure. */
        ASSERT_EQ_U64(c->size, size);
        ASSERT_EQ(c->n_segments, n);
        device_config_free(c);
}

static void test_failures(void) {
        DeviceConfig *c;

        expect_fail(make(NULL, DEVICE_TYPE_RAM, M(1)), "Invalid device name");
        expect_fail(make("../x", DEVICE_TYPE_RAM, M(1)), "Invalid device name");
        expect_fail(make("x", _DEVICE_TYPE_INVALID, M(1)), "Missing or invalid Type=");
        expect_fail(make("x", DEVICE_TYPE_RAM, 0), "Missing Size=");
        expect_fail(make("x", DEVICE_TYPE_RAM, 1000), "Size= must be a positive multiple of 512 bytes");
        expect_fail(make("x", DEVICE_TYPE_FILE, 0), "Missing Size= (or a SIZE on the last Backing=)");
        expect_fail(make("x", DEVICE_TYPE_FILE, 511), "Size= must be a positive multiple of 512 bytes");

        c = make("x", DEVICE_TYPE_RAM, M(1));
        ASSERT_OK(device_config_add_segment(c, "/a", 0));
        expect_fail(c, "Backing= is not allowed for ram devices");

        c = make("x", DEVICE_TYPE_FILE, M(2));
        ASSERT_OK(device_config_add_segment(c, "/a", 0));
        ASSERT_OK(device_config_add_segment(c, "/b", 0));
        expect_fail(c, "Every Backing= but the last needs a SIZE");

        c = make("x", DEVICE_TYPE_FILE, M(2));
        ASSERT_OK(device_config_add_segment(c, "/a", 1000));
        ASSERT_OK(device_config_add_segment(c, "/b", 0));
        expect_fail(c, "Backing= sizes must be positive multiples of 512 bytes");

        c = make("x", DEVICE_TYPE_FILE, M(2));
        ASSERT_OK(device_config_add_segment(c, "/a", M(1)));
        ASSERT_OK(device_config_add_segment(c, "/b", M(2)));
        expect_fail(c, "Size= does not match the sum of the Backing= sizes");

        c = make("x", DEVICE_TYPE_FILE, M(2));
        ASSERT_OK(device_config_add_segment(c, "/a", M(2)));
        ASSERT_OK(device_config_add_segment(c, "/b", 0));
        expect_fail(c, "Size= leaves no room for the last Backing= segment");

        c = make("x", DEVICE_TYPE_FILE, 0);
        ASSERT_OK(device_config_add_segment(c, "/a", UINT64_MAX - 511));
        ASSERT_OK(device_config_add_segment(c, "/b", 512));
        expect_fail(c, "The Backing= sizes add up to more than 2^64 bytes");

        c = make("x", DEVICE_TYPE_FILE, 0);
        ASSERT_OK(device_config_add_segment(c, "/var/lib/dmloop/a.img", 512));
        ASSERT_OK(device_config_add_segment(c, "a.img", 512));
        expect_fail(c, "The same backing file is listed twice in Backing=");

        c = make("x", DEVICE_TYPE_FILE, 512);
        ASSERT_OK(device_config_add_segment(c, "../a.img", 0));
        expect_fail(c, "Backing file path is not a normalized path");
}

static void test_format_roundtrip(void) {
        DeviceConfig *c = make("rt", DEVICE_TYPE_FILE, M(100) + 512);
        _cleanup_(device_config_freep) DeviceConfig *back = NULL;
        _cleanup_free_ char *text = NULL;
        ConfigError e = {};
        const char *msg;
        FILE *f;

        c->read_only = true;
        c->create_backing = false;
        ASSERT_OK(device_config_add_segment(c, "/srv/a.img", M(10)));
        ASSERT_OK(device_config_add_segment(c, "b.img", 0));
        ASSERT_OK(device_config_resolve(c, STATE, &msg));
        ASSERT_OK(device_config_format(c, &text));
        ASSERT_STREQ(text, "[Device]\nName=rt\nType=file\nSize=104858112\nReadOnly=yes\nCreateBacking=no\n"
                           "Backing=/srv/a.img 10M\nBacking=/var/lib/dmloop/b.img 94372352\n");

        f = fmemopen(text, strlen(text), "r");
        ASSERT_TRUE(f);
        ASSERT_OK(config_parse_stream(f, "rt.conf", "other", STATE, &back, &e));
        fclose(f);
        ASSERT_STREQ(back->name, "rt");
        ASSERT_EQ_U64(back->size, c->size);
        ASSERT_EQ(back->n_segments, 2);
        ASSERT_EQ_U64(back->segments[1].size, c->segments[1].size);
        ASSERT_TRUE(back->read_only);
        ASSERT_FALSE(back->create_backing);

        /* A path with a space cannot be written as a config file. */
        free(c->segments[0].path);
        c->segments[0].path = strdup("/srv/a b.img");
        free(text);
        text = NULL;
        ASSERT_EQ(device_config_format(c, &text), -EINVAL);
        ASSERT_TRUE(text == NULL);
        device_config_free(c);

        c = make("ramdisk", DEVICE_TYPE_RAM, M(1));
        ASSERT_OK(device_config_format(c, &text));
        ASSERT_STREQ(text, "[Device]\nName=ramdisk\nType=ram\nSize=1M\nReadOnly=no\n");
        device_config_free(c);
}

int main(void) {
        TEST_RUN(test_type_strings);
        TEST_RUN(test_defaults);
        TEST_RUN(test_segments);
        TEST_RUN(test_failures);
        TEST_RUN(test_format_roundtrip);
        TEST_DONE();
}
