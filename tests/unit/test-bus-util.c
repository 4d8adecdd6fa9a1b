/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Device object paths in both directions, and the error name map. The
 * paths are what clients see and what the daemon's object lookup takes
 * apart again, so every valid device name must survive the round trip and
 * nothing else may come out of a path as a device name.
 */

#include "tests.h"

#include "bus-util.h"
#include "validate.h"

static void test_path_round_trip(void) {
        static const struct {
                const char *name, *path;
        } cases[] = {
                { "scratch", "/org/dmloop1/device/scratch" }, { "a.b-c_d", "/org/dmloop1/device/a_2eb_2dc_5fd" },
                { "0abc", "/org/dmloop1/device/_30abc" },     { "9", "/org/dmloop1/device/_39" },
                { "A_", "/org/dmloop1/device/A_5f" },         { "x0.", "/org/dmloop1/device/x0_2e" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = NULL, *name = NULL;

                ASSERT_TRUE(device_name_is_valid(cases[i].name));
                ASSERT_OK(bus_device_path(cases[i].name, &path));
                ASSERT_STREQ(path, cases[i].path);
                ASSERT_TRUE(sd_bus_object_path_is_valid(path));
                ASSERT_OK(bus_device_name_from_path(path, &name));
                ASSERT_STREQ(name, cases[i].name);
        }
}

static void test_path_round_trip_all_chars(void) {
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
        char name[DEVICE_NAME_MAX + 1];

        /* Every allowed character in every position, including names of
         * the maximum length. */
        for (size_t i = 0; i < strlen(chars); i++) {
                _cleanup_free_ char *path = NULL, *back = NULL;

                for (size_t j = 0; j < DEVICE_NAME_MAX; j++)
                        name[j] = chars[(i + j * 7) % strlen(chars)];
                name[0] = chars[i % 62]; /* a letter or digit first */
                name[DEVICE_NAME_MAX] = '\0';
                ASSERT_TRUE(device_name_is_valid(name));
                ASSERT_OK(bus_device_path(name, &path));
                ASSERT_TRUE(sd_bus_object_path_is_valid(path));
                ASSERT_OK(bus_device_name_from_path(path, &back));
                ASSERT_STREQ(back, name);
        }
}

static void test_foreign_paths(void) {
        static const char *const foreign[] = {
                "/",
                "/org",
                "/org/dmloop1",
                "/org/dmloop1/devicex",
                "/org/dmloop1/devicex/scratch",
                "/org/dmloop1/Device/scratch",
                "/org/dmloop2/device/scratch",
                "/org/freedesktop/DBus",
                "/org/dmloop1/device", /* the prefix itself: empty name */
                "/org/dmloop1/device/_", /* sd-bus's encoding of "" */
        };

        for (size_t i = 0; i < ELEMENTSOF(foreign); i++) {
                char *name = NULL;

                if (bus_device_name_from_path(foreign[i], &name) != -ENXIO)
                        TEST_FAIL("%s gave a device name: \"%s\"", foreign[i], strempty(name));
                ASSERT_TRUE(name == NULL);
        }
}

/* Not valid object paths at all: sd-bus never dispatches these, but the
 * function must still refuse them. */
static void test_invalid_paths(void) {
        static const char *const invalid[] = {
                "",
                "org/dmloop1/device/x",
                "/org/dmloop1/device/",
                "/org//dmloop1/device/x",
                "/org/dmloop1/device/a.b",
        };

        for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
                char *name = NULL;

                ASSERT_TRUE(bus_device_name_from_path(invalid[i], &name) < 0);
                ASSERT_TRUE(name == NULL);
        }
}

/* Paths below the prefix that decode to something, but not to a valid
 * device name, or only to a non-canonical spelling of one: they must not
 * name a device either. Otherwise one device answers at many object paths
 * ("scr_61tch" is "scratch"), and sub-nodes ("scratch/x") or escapes
 * ("_2e_2e", "_2f") produce names no device may have. */
static void test_non_canonical_paths(void) {
        static const char *const bad[] = {
                "/org/dmloop1/device/scratch/x", "/org/dmloop1/device/_2e_2e",    "/org/dmloop1/device/a_2fb",
                "/org/dmloop1/device/_2dfoo",    "/org/dmloop1/device/scr_61tch", "/org/dmloop1/device/a_00b",
                "/org/dmloop1/device/a_",        "/org/dmloop1/device/a_2",       "/org/dmloop1/device/a_zz",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *name = NULL;

                if (bus_device_name_from_path(bad[i], &name) != -ENXIO)
                        TEST_FAIL("%s gave the device name \"%s\"", bad[i], strempty(name));
        }
}

static void test_error_map(void) {
        static const struct {
                const char *name;
                int error;
        } cases[] = {
                { DMLOOP_ERROR_NO_SUCH_DEVICE, ENODEV }, { DMLOOP_ERROR_DEVICE_EXISTS, EEXIST },
                { DMLOOP_ERROR_DEVICE_BUSY, EBUSY },     { DMLOOP_ERROR_BACKING_NOT_ALLOWED, EPERM },
                { DMLOOP_ERROR_LIMIT_EXCEEDED, EUSERS },
        };

        bus_error_map_register();
        bus_error_map_register(); /* twice is harmless */

        /* What dmloopctl relies on: a reply's error name gives its errno. */
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                ASSERT_EQ(sd_bus_error_set(&e, cases[i].name, "x"), -cases[i].error);
                ASSERT_EQ(sd_bus_error_get_errno(&e), cases[i].error);
                ASSERT_TRUE(sd_bus_error_has_name(&e, cases[i].name));
        }

        /* The map works one way only: sd-bus turns a bare errno into its own
         * names (System.Error.ENODEV, AccessDenied, FileExists, ...), never
         * into a mapped one. So a handler that returns -ENODEV does not
         * reply NoSuchDevice, whatever the comment in bus-util.c says; every
         * dmloop error must be set by name (bus_error_set_operation() does). This
         * records sd-bus's behaviour so that a change shows up here. */
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                ASSERT_EQ(sd_bus_error_set_errno(&e, cases[i].error), -cases[i].error);
                ASSERT_FALSE(sd_bus_error_has_name(&e, cases[i].name));
        }
}

static void test_error_names(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        ASSERT_STREQ(bus_error_name_from_errno(-ENODEV), DMLOOP_ERROR_NO_SUCH_DEVICE);
        ASSERT_STREQ(bus_error_name_from_errno(-EEXIST), DMLOOP_ERROR_DEVICE_EXISTS);
        ASSERT_STREQ(bus_error_name_from_errno(-EBUSY), DMLOOP_ERROR_DEVICE_BUSY);
        ASSERT_STREQ(bus_error_name_from_errno(-EPERM), DMLOOP_ERROR_BACKING_NOT_ALLOWED);
        ASSERT_STREQ(bus_error_name_from_errno(-EUSERS), DMLOOP_ERROR_LIMIT_EXCEEDED);
        ASSERT_STREQ(bus_error_name_from_errno(-ENOENT), SD_BUS_ERROR_INVALID_ARGS);
        ASSERT_STREQ(bus_error_name_from_errno(-ETIMEDOUT), SD_BUS_ERROR_TIMEOUT);
        ASSERT_STREQ(bus_error_name_from_errno(-EIO), SD_BUS_ERROR_FAILED);

        ASSERT_EQ(bus_error_set_operation(&e, -EUSERS, "Too many."), -EUSERS);
        ASSERT_TRUE(sd_bus_error_has_name(&e, DMLOOP_ERROR_LIMIT_EXCEEDED));
        ASSERT_STREQ(e.message, "Too many.");
}

static void test_utf8_safe(void) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        const char *ok = "/srv/gr\xc3\xbc\xc3\x9f"
                         "e/\xe2\x82\xac.img";

        /* Valid UTF-8 comes back as it is, without a copy. */
        ASSERT_TRUE(bus_utf8_safe(ok, &a) == ok);
        ASSERT_TRUE(a == NULL);

        ASSERT_STREQ(bus_utf8_safe("/srv/\xff\xfe.img", &b), "/srv/\\xff\\xfe.img");
        /* Overlong '/' and a lone surrogate are not UTF-8 either. */
        ASSERT_STREQ(bus_utf8_safe("a\xc0\xaf"
                                   "b\xed\xa0\x80",
                                   &c),
                     "a\\xc0\\xafb\\xed\\xa0\\x80");
}

int main(void) {
        TEST_RUN(test_error_names);
        TEST_RUN(test_utf8_safe);
        TEST_RUN(test_path_round_trip);
        TEST_RUN(test_path_round_trip_all_chars);
        TEST_RUN(test_foreign_paths);
        TEST_RUN(test_invalid_paths);
        TEST_RUN(test_non_canonical_paths);
        TEST_RUN(test_error_map);
        TEST_DONE();
}
