/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A minimal test harness: assertion macros that print where and what
 * failed and abort, plus a few file helpers for building config trees in
 * a temporary directory. No framework, no dependencies.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned tests_checks;

#define TEST_FAIL(...) \
        do { \
                fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, __func__); \
                fprintf(stderr, __VA_ARGS__); \
                fputc('\n', stderr); \
                abort(); \
        } while (0)

#define ASSERT_TRUE(expr) \
        do { \
                tests_checks++; \
                if (!(expr)) \
                        TEST_FAIL("assertion failed: %s", #expr); \
        } while (0)

#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_EQ(a, b) \
        do { \
                intmax_t _a_ = (intmax_t) (a), _b_ = (intmax_t) (b); \
                tests_checks++; \
                if (_a_ != _b_) \
                        TEST_FAIL("%s == %s failed: %jd != %jd", #a, #b, _a_, _b_); \
        } while (0)

#define ASSERT_EQ_U64(a, b) \
        do { \
                uint64_t _a_ = (a), _b_ = (b); \
                tests_checks++; \
                if (_a_ != _b_) \
                        TEST_FAIL("%s == %s failed: %" PRIu64 " != %" PRIu64, #a, #b, _a_, _b_); \
        } while (0)

#define ASSERT_STREQ(a, b) \
        do { \
                const char *_a_ = (a), *_b_ = (b); \
                tests_checks++; \
                if (!_a_ || !_b_ || strcmp(_a_, _b_) != 0) \
                        TEST_FAIL("%s == %s failed:\n  \"%s\"\n  \"%s\"", #a, #b, _a_ ?: "(null)", _b_ ?: "(null)"); \
        } while (0)

#define ASSERT_OK(expr) \
        do { \
                intmax_t _r_ = (intmax_t) (expr); \
                tests_checks++; \
                if (_r_ < 0) \
                        TEST_FAIL("%s failed: %jd (%s)", #expr, _r_, strerror((int) -_r_)); \
        } while (0)

#define TEST_RUN(f) \
        do { \
                f(); \
                printf("ok %s\n", #f); \
        } while (0)

#define TEST_DONE() \
        do { \
                printf("%u checks passed\n", tests_checks); \
                return 0; \
        } while (0)

static inline void test_write_file(const char *path, const char *contents) {
        FILE *f = fopen(path, "we");

        if (!f)
                TEST_FAIL("fopen(%s): %m", path);
        fputs(contents, f);
        if (fclose(f) != 0)
                TEST_FAIL("fclose(%s): %m", path);
}

/* Creates "path" and its parents below an existing directory. */
static inline void test_mkdir_p(const char *path) {
        char buf[4096];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        (void) mkdir(buf, 0755);
                        *p = '/';
                }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                TEST_FAIL("mkdir(%s): %m", path);
}

static inline char *test_mkdtemp(void) {
        char *t;

        if (asprintf(&t, "%s/dmloop-test-XXXXXX", getenv("TMPDIR") ?: "/tmp") < 0)
                abort();
        if (!mkdtemp(t))
                TEST_FAIL("mkdtemp: %m");
        return t;
}

static inline int test_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) type;
        (void) ftw;
        return remove(path) < 0 ? -1 : 0;
}

static inline void test_rm_rf(const char *path) {
        (void) nftw(path, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
