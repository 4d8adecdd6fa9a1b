/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "tests.h"

#include "config.h"
#include "daemon-config.h"

#define GIB (UINT64_C(1) << 30)

static char *dir;

static int load_text(const char *text, uint64_t mem_total, DaemonConfig *ret, ConfigError *e) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/dmloopd.conf", dir);
        test_write_file(path, text);
        return daemon_config_load(path, mem_total, ret, e);
}

static void expect_error(const char *text, unsigned line, const char *message) {
        DaemonConfig c = { .max_devices = 4242 };
        ConfigError e = {};

        ASSERT_EQ(load_text(text, 8 * GIB, &c, &e), -EINVAL);
        ASSERT_EQ(e.line, line);
        ASSERT_STREQ(e.message, message);
        /* Untouched on failure. */
        ASSERT_EQ(c.max_devices, 4242);
        ASSERT_TRUE(c.allowed_backing_dirs == NULL);
}

static void test_defaults(void) {
        DaemonConfig c = {};
        ConfigError e = {};
        char path[4096];

        snprintf(path, sizeof(path), "%s/missing.conf", dir);
        ASSERT_OK(daemon_config_load(path, 8 * GIB, &c, &e));
        ASSERT_STREQ(c.allowed_backing_dirs[0], DMLOOP_STATE_DIR);
        ASSERT_TRUE(c.allowed_backing_dirs[1] == NULL);
        ASSERT_EQ_U64(c.ram_limit, 4 * GIB);
        ASSERT_EQ(c.max_devices, 256);
        /* udev's own event timeout: good creates do not fail on a busy machine. */
        ASSERT_EQ_U64(c.udev_timeout_usec, 180 * 1000000ULL);
        daemon_config_done(&c);
        ASSERT_TRUE(c.allowed_backing_dirs == NULL);
        daemon_config_done(&c);

        /* Comments only: defaults too. */
        ASSERT_OK(load_text("# nothing\n", 3, &c, &e));
        ASSERT_EQ_U64(c.ram_limit, 1);
        daemon_config_done(&c);
}

static void test_values(void) {
        DaemonConfig c = {};
        ConfigError e = {};

        ASSERT_OK(load_text("[Daemon]\n"
                            "AllowedBackingDirectories=/srv/images /var/lib/dmloop /srv/images\n"
                            "RamLimit=25%\n"
                            "MaxDevices=4096\n",
                            8 * GIB, &c, &e));
        ASSERT_STREQ(c.allowed_backing_dirs[0], "/srv/images");
        ASSERT_STREQ(c.allowed_backing_dirs[1], "/var/lib/dmloop");
        ASSERT_TRUE(c.allowed_backing_dirs[2] == NULL);
        ASSERT_EQ_U64(c.ram_limit, 2 * GIB);
        ASSERT_EQ(c.max_devices, 4096);
        daemon_config_done(&c);

        ASSERT_OK(load_text("[Daemon]\nAllowedBackingDirectories=\nRamLimit=3G\nMaxDevices=1\n", 8 * GIB, &c, &e));
        ASSERT_TRUE(c.allowed_backing_dirs && c.allowed_backing_dirs[0] == NULL);
        ASSERT_EQ_U64(c.ram_limit, 3 * GIB);
        ASSERT_EQ(c.max_devices, 1);
        daemon_config_done(&c);

        ASSERT_OK(load_text("[Daemon]\nRamLimit=100%\n", UINT64_MAX, &c, &e));
        ASSERT_EQ_U64(c.ram_limit, UINT64_MAX);
        daemon_config_done(&c);

        ASSERT_OK(load_text("[Daemon]\nRamLimit=0\n", UINT64_MAX, &c, &e));
        ASSERT_EQ_U64(c.ram_limit, 0);
        daemon_config_done(&c);

        ASSERT_OK(load_text("[Daemon]\nUdevTimeoutSec=3600\n", 8 * GIB, &c, &e));
        ASSERT_EQ_U64(c.udev_timeout_usec, 3600 * 1000000ULL);
        daemon_config_done(&c);

        ASSERT_EQ_U64(percent_of(UINT64_MAX, 50), UINT64_MAX / 2);
        ASSERT_EQ_U64(percent_of(199, 50), 99);
        ASSERT_EQ_U64(percent_of(0, 100), 0);
}

static void test_errors(void) {
        expect_error("[Daemon]\nMaxDevices=0\n", 2, "MaxDevices= must be between 1 and 4096, got 0");
        expect_error("[Daemon]\nMaxDevices=4097\n", 2, "MaxDevices= must be between 1 and 4096, got 4097");
        expect_error("[Daemon]\nMaxDevices=1K\n", 2, "Invalid number \"1K\" in MaxDevices=");
        expect_error("[Daemon]\nMaxDevices=99999999999\n", 2, "Invalid number \"99999999999\" in MaxDevices=");
        expect_error("[Daemon]\nMaxDevices=\n", 2, "Invalid number \"\" in MaxDevices=");
        expect_error("[Daemon]\nRamLimit=101%\n", 2, "Percentage \"101%\" in RamLimit= is above 100%");
        expect_error("[Daemon]\nRamLimit=50 %\n", 2, "Invalid RamLimit= \"50 %\", expected a size or a percentage");
        expect_error("[Daemon]\nRamLimit=%\n", 2, "Invalid RamLimit= \"%\", expected a size or a percentage");
        expect_error("[Daemon]\nRamLimit=1.5G\n", 2, "Invalid RamLimit= \"1.5G\", expected a size or a percentage");
        expect_error("[Daemon]\nRamLimit=\n", 2, "Empty value for RamLimit=");
        expect_error("[Daemon]\nRamLimit=2G # half\n", 2,
                     "Unexpected text after the value of RamLimit=; comments must be on a line of their own");
        expect_error(
                "[Daemon]\nAllowedBackingDirectories=/srv relative\n", 2,
                "Invalid directory \"relative\" in AllowedBackingDirectories=, expected an absolute normalized path");
        expect_error(
                "[Daemon]\nAllowedBackingDirectories=/srv/\n", 2,
                "Invalid directory \"/srv/\" in AllowedBackingDirectories=, expected an absolute normalized path");
        expect_error("[Daemon]\nMaxDevices=2\nMaxDevices=3\n", 3, "MaxDevices= given twice, first on line 2");
        expect_error("[Daemon]\nUdevTimeoutSec=0\n", 2, "UdevTimeoutSec= must be between 1 and 3600, got 0");
        expect_error("[Daemon]\nUdevTimeoutSec=3601\n", 2, "UdevTimeoutSec= must be between 1 and 3600, got 3601");
        expect_error("[Daemon]\nUdevTimeoutSec=3min\n", 2, "Invalid number of seconds \"3min\" in UdevTimeoutSec=");
        expect_error("[Daemon]\nUdevTimeoutSec=-5\n", 2, "Invalid number of seconds \"-5\" in UdevTimeoutSec=");
        expect_error("[Daemon]\nMaxDevice=2\n", 2, "Unknown key \"MaxDevice\" in section [Daemon]");
        expect_error("[Device]\n", 1, "Unknown section [Device], expected [Daemon]");
        expect_error("RamLimit=1G\n", 1, "Key \"RamLimit\" outside of a section, expected [Daemon] first");
}

int main(void) {
        dir = test_mkdtemp();

        TEST_RUN(test_defaults);
        TEST_RUN(test_values);
        TEST_RUN(test_errors);

        test_rm_rf(dir);
        free(dir);
        TEST_DONE();
}
