/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * dmloop-generator's units, from golden files: every directory
 * golden/generator/CASE/ holds a config tree in input/ (input/etc/dmloop.d,
 * input/usr/lib/dmloop.d, ...), the units the generator must write for it
 * in expected/, and its log lines in expected.log. With UPDATE_GOLDEN=1,
 * expected/ and expected.log are rewritten instead: review the diff.
 *
 * input/etc/dmloop.d stands for sysconfdir/dmloop.d, whatever the prefix
 * (/usr/local/etc/dmloop.d with meson's default): the test links the input
 * directories into a scratch root where the loader looks for them. The
 * golden files spell that directory @CONFIG_ETC_DIR@.
 */

#include "tests.h"

#include <dirent.h>
#include <syslog.h>

#include "config-dirs.h"
#include "config.h"
#include "generator-units.h"
#include "macro.h"

#define STATE "/var/lib/dmloop"
#define MAKEFS "/lib/systemd/systemd-makefs"
#define ETC_PLACEHOLDER "@CONFIG_ETC_DIR@"

/* "s" with every "from" replaced by "to", newly allocated. */
static char *replace_all(const char *s, const char *from, const char *to) {
        char *buf = NULL;
        size_t len = 0, n = strlen(from);
        const char *p;
        FILE *f;

        f = open_memstream(&buf, &len);
        ASSERT_TRUE(f);
        while ((p = strstr(s, from))) {
                fwrite(s, 1, (size_t) (p - s), f);
                fputs(to, f);
                s = p + n;
        }
        fputs(s, f);
        ASSERT_EQ(fclose(f), 0);
        return buf;
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

static int filter_entries(const struct dirent *de) {
        return strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
}

/* Every file below "dir" with its contents, and every symlink with its
 * target, sorted by path. Directories only show through what they hold, as
 * in git. A missing "dir" lists as empty. */
static void manifest(FILE *out, const char *dir, const char *rel) {
        struct dirent **list;
        int n;

        n = scandir(dir, &list, filter_entries, alphasort);
        if (n < 0) {
                ASSERT_EQ(errno, ENOENT);
                return;
        }
        for (int i = 0; i < n; i++) {
                char path[4096], sub[4096], target[4096];
                struct stat st;
                ssize_t k;

                snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
                snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", list[i]->d_name);
                ASSERT_OK(lstat(path, &st));
                if (S_ISDIR(st.st_mode))
                        manifest(out, path, sub);
                else if (S_ISLNK(st.st_mode)) {
                        k = readlink(path, target, sizeof(target) - 1);
                        ASSERT_TRUE(k > 0);
                        target[k] = '\0';
                        fprintf(out, "=== %s -> %s\n", sub, target);
                } else {
                        _cleanup_free_ char *contents = read_all(path);

                        ASSERT_TRUE(contents);
                        ASSERT_EQ(st.st_mode & 07777, 0644);
                        fprintf(out, "=== %s\n%s", sub, contents);
                }
                free(list[i]);
        }
        free(list);
}

/* Golden files name sysconfdir/dmloop.d by its placeholder: writes
 * ETC_PLACEHOLDER for DMLOOP_CONFIG_ETC_DIR in every regular file below
 * "dir" (UPDATE_GOLDEN=1). */
static void golden_generalize(const char *dir) {
        struct dirent **list;
        int n;

        n = scandir(dir, &list, filter_entries, alphasort);
        ASSERT_TRUE(n >= 0);
        for (int i = 0; i < n; i++) {
                char path[4096];
                struct stat st;

                snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
                ASSERT_OK(lstat(path, &st));
                if (S_ISDIR(st.st_mode))
                        golden_generalize(path);
                else if (S_ISREG(st.st_mode)) {
                        _cleanup_free_ char *contents = read_all(path), *general = NULL;

                        ASSERT_TRUE(contents);
                        general = replace_all(contents, DMLOOP_CONFIG_ETC_DIR, ETC_PLACEHOLDER);
                        test_write_file(path, general);
                        ASSERT_OK(chmod(path, 0644));
                }
                free(list[i]);
        }
        free(list);
}

/* A scratch root with the input's directories linked where the loader looks:
 * input/etc/dmloop.d at DMLOOP_CONFIG_ETC_DIR, the others at their own
 * paths. */
static char *input_root(const char *input) {
        static const char *const dirs[] = { DMLOOP_CONFIG_DIRS };
        _cleanup_free_ char *abs = realpath(input, NULL);
        char *root = test_mkdtemp();

        ASSERT_TRUE(abs);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char from[4096], link[4096];

                snprintf(from, sizeof(from), "%s%s", abs, i == 0 ? "/etc/dmloop.d" : dirs[i]);
                if (access(from, F_OK) < 0)
                        continue;
                snprintf(link, sizeof(link), "%s%s", root, dirs[i]);
                test_mkdir_p(link);
                ASSERT_OK(rmdir(link));
                ASSERT_OK(symlink(from, link));
        }
        return root;
}

static char *manifest_string(const char *dir) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        ASSERT_TRUE(f);
        manifest(f, dir, "");
        ASSERT_EQ(fclose(f), 0);
        return buf;
}

typedef struct LogContext {
        FILE *f;
        const char *root;
} LogContext;

/* Writes "line" without the test root, which messages may quote anywhere
 * (a duplicate's message names the other file). */
static void log_to_stream(int level, const char *line, void *userdata) {
        LogContext *ctx = userdata;
        size_t n = strlen(ctx->root);
        const char *p;

        ASSERT_EQ(level, LOG_ERR);
        while ((p = strstr(line, ctx->root))) {
                fwrite(line, 1, (size_t) (p - line), ctx->f);
                line = p + n;
        }
        fprintf(ctx->f, "%s\n", line);
}

/* Runs the generator on CASE/input into "out"; returns its log. */
static char *generate(const char *input, const char *out) {
        _cleanup_(config_set_freep) ConfigSet *set = NULL;
        _cleanup_free_ char *root = input_root(input);
        const GeneratorSettings settings = {
                .makefs_path = MAKEFS,
                .strip_prefix = root,
        };
        _cleanup_close_ int fd = -EBADF;
        LogContext ctx = { .root = root };
        char *log = NULL;
        size_t len = 0;

        ASSERT_OK(config_load(root, STATE, &set));
        fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ctx.f = open_memstream(&log, &len);
        ASSERT_TRUE(ctx.f);
        ASSERT_OK(generator_units_write(set, fd, &settings, log_to_stream, &ctx));
        ASSERT_EQ(fclose(ctx.f), 0);
        test_rm_rf(root);
        return log;
}

static unsigned run_golden(const char *golden) {
        bool update = getenv("UPDATE_GOLDEN") && strcmp(getenv("UPDATE_GOLDEN"), "1") == 0;
        struct dirent **list;
        char dir[4096];
        int n;

        snprintf(dir, sizeof(dir), "%s/generator", golden);
        n = scandir(dir, &list, filter_entries, alphasort);
        if (n < 0)
                TEST_FAIL("scandir(%s): %m", dir);
        ASSERT_TRUE(n > 0);

        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *input = NULL, *expected = NULL, *expected_log = NULL, *out = NULL, *log = NULL,
                                    *got = NULL, *want = NULL, *want_log = NULL, *general = NULL;

                ASSERT_TRUE(asprintf(&input, "%s/%s/input", dir, list[i]->d_name) > 0);
                ASSERT_TRUE(asprintf(&expected, "%s/%s/expected", dir, list[i]->d_name) > 0);
                ASSERT_TRUE(asprintf(&expected_log, "%s/%s/expected.log", dir, list[i]->d_name) > 0);

                if (update) {
                        test_rm_rf(expected);
                        test_mkdir_p(expected);
                        log = generate(input, expected);
                        golden_generalize(expected);
                        want_log = replace_all(log, DMLOOP_CONFIG_ETC_DIR, ETC_PLACEHOLDER);
                        test_write_file(expected_log, want_log);
                        free(list[i]);
                        continue;
                }

                out = test_mkdtemp();
                log = generate(input, out);
                got = manifest_string(out);
                general = manifest_string(expected);
                want = replace_all(general, ETC_PLACEHOLDER, DMLOOP_CONFIG_ETC_DIR);
                if (strcmp(got, want) != 0)
                        TEST_FAIL("%s: units differ.\n--- expected\n%s--- got\n%s", list[i]->d_name, want, got);
                general = mfree(general);
                general = read_all(expected_log);
                if (!general)
                        TEST_FAIL("%s: cannot read: %m", expected_log);
                want_log = replace_all(general, ETC_PLACEHOLDER, DMLOOP_CONFIG_ETC_DIR);
                if (strcmp(log, want_log) != 0)
                        TEST_FAIL("%s: log differs.\n--- expected\n%s--- got\n%s", list[i]->d_name, want_log, log);
                test_rm_rf(out);
                free(list[i]);
        }
        free(list);
        return (unsigned) n;
}

/* The same unit twice (two devices on one mount point got past the
 * loader): the second device is refused, the first one's units stay. */
static void test_collision(void) {
        _cleanup_(device_config_freep) DeviceConfig *a = device_config_new(), *b = device_config_new();
        const GeneratorSettings settings = { .makefs_path = MAKEFS };
        _cleanup_free_ char *dir = test_mkdtemp(), *m = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *msg = NULL;

        ASSERT_TRUE(a && b);
        a->name = strdup("a");
        b->name = strdup("b");
        a->mount_point = strdup("/scratch");
        b->mount_point = strdup("/scratch");
        a->type = b->type = DEVICE_TYPE_RAM;
        a->file_system = b->file_system = FILE_SYSTEM_EXT4;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(generator_units_write_device(fd, a, &settings, &msg));
        ASSERT_EQ(generator_units_write_device(fd, b, &settings, &msg), -EEXIST);
        ASSERT_STREQ(msg, "A unit of this device was already written by another device");
        m = manifest_string(dir);
        ASSERT_TRUE(strstr(m, "What=/dev/dmloop/a\n"));
        ASSERT_TRUE(!strstr(m, "/dev/dmloop/b"));
        test_rm_rf(dir);
}

int main(int argc, char *argv[]) {
        const char *golden = argc > 1 ? argv[1] : getenv("GOLDEN_DIR");

        TEST_RUN(test_collision);
        if (!golden) {
                fprintf(stderr, "No golden directory given (argv[1] or $GOLDEN_DIR).\n");
                return 1;
        }
        printf("ok golden generator cases: %u\n", run_golden(golden));
        TEST_DONE();
}
