/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config-dirs.h"
#include "config.h"
#include "config-parse.h"
#include "config-write.h"
#include "size-util.h"

static int write_all(int fd, const char *text) {
        size_t left = strlen(text);

        while (left > 0) {
                ssize_t n = write(fd, text, left);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                text += n;
                left -= (size_t) n;
        }
        return 0;
}

/* The directory of path as a new string ("" for a file in "/"), and its
 * last component (pointing into path). */
static int split_parent(const char *path, char **ret_dir, const char **ret_base) {
        const char *slash = strrchr(path, '/');

        if (!slash)
                return -EINVAL;
        *ret_dir = strndup(path, (size_t) (slash - path));
        if (!*ret_dir)
                return -ENOMEM;
        *ret_base = slash + 1;
        return 0;
}

/* Writes text to path atomically; the directory must exist. */
static int write_atomic(const char *path, const char *text, mode_t mode) {
        _cleanup_free_ char *dir = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        const char *base;
        int r;

        r = split_parent(path, &dir, &base);
        if (r < 0)
                return r;
        /* A dot file: config_enumerate() never picks it up half-written. */
        if (asprintf(&tmp, "%s/.#%s.XXXXXX", dir, base) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;

        r = write_all(fd, text);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        dir_fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                (void) fsync(dir_fd);
        return 0;
}

int config_write_device(const char *path, const DeviceConfig *c) {
        _cleanup_free_ char *text = NULL, *dir = NULL;
        const char *base;
        int r;

        r = device_config_format(c, &text);
        if (r < 0)
                return r;

        r = split_parent(path, &dir, &base);
        if (r < 0)
                return r;
        if (mkdir(dir[0] ? dir : "/", 0755) < 0 && errno != EEXIST)
                return -errno;

        return write_atomic(path, text, 0644);
}

/* Config files are small; anything bigger is not one of ours. */
#define CONFIG_FILE_MAX (1024 * 1024)

static int read_text(const char *path, char **ret, mode_t *ret_mode) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if (st.st_size > CONFIG_FILE_MAX)
                return -EFBIG;
        text = malloc((size_t) st.st_size + 1);
        if (!text)
                return -ENOMEM;
        while (len < (size_t) st.st_size) {
                ssize_t n = read(fd, text + len, (size_t) st.st_size - len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        text[len] = '\0';
        if (strlen(text) != len)
                return -EINVAL; /* a NUL byte: not a config file */
        *ret = TAKE_PTR(text);
        if (ret_mode)
                *ret_mode = st.st_mode & 07777;
        return 0;
}

/* The parts of a value that get replaced, as offsets into the text. */
typedef struct Span {
        size_t start, end;
        bool set;
} Span;

typedef struct SizeSpans {
        Span size; /* the value of Size= */
        Span last_backing_size; /* the SIZE of the last Backing=, if it has one */
        bool have_backing;
        uint64_t other_segments; /* the sum of the SIZEs of every Backing= but the last */
        uint64_t last_backing; /* the last Backing='s SIZE, when set */
} SizeSpans;

#define BLANKS " \t"

/* Finds Size= and the Backing= sizes, line by line, as ini-reader.h reads
 * them: comments are whole lines, keys are trimmed, values too. */
static int find_size_spans(const char *text, SizeSpans *ret) {
        SizeSpans s = {};

        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                const char *p = line + strspn(line, BLANKS), *end = line + len, *eq, *key_end, *v, *ve;

                while (end > p && strchr(BLANKS "\r", end[-1]))
                        end--;
                eq = memchr(p, '=', (size_t) (end - p));
                if (p < end && *p != '#' && *p != ';' && *p != '[' && eq) {
                        key_end = eq;
                        while (key_end > p && strchr(BLANKS, key_end[-1]))
                                key_end--;
                        v = eq + 1 + strspn(eq + 1, BLANKS);
                        if (v > end)
                                v = end;
                        ve = end;

                        if ((size_t) (key_end - p) == strlen("Size") && strneq(p, "Size", strlen("Size")))
                                s.size = (Span){ (size_t) (v - text), (size_t) (ve - text), true };
                        else if ((size_t) (key_end - p) == strlen("Backing") &&
                                 strneq(p, "Backing", strlen("Backing"))) {
                                const char *sz = v + strcspn(v, BLANKS);
                                char buf[FORMAT_SIZE_MAX + 1];
                                uint64_t bytes = 0;

                                if (sz > ve)
                                        sz = ve;
                                sz += strspn(sz, BLANKS);
                                if (sz > ve)
                                        sz = ve;
                                /* The previous last one is one of the others now. */
                                if (s.last_backing_size.set)
                                        s.other_segments += s.last_backing;
                                else if (s.have_backing)
                                        return -EINVAL; /* a SIZE is missing before the last */
                                s.have_backing = true;
                                s.last_backing_size = (Span){};
                                if (sz < ve) {
                                        if ((size_t) (ve - sz) > FORMAT_SIZE_MAX)
                                                return -EINVAL;
                                        memcpy(buf, sz, (size_t) (ve - sz));
                                        buf[ve - sz] = '\0';
                                        if (parse_size(buf, &bytes) < 0)
                                                return -EINVAL;
                                        if (bytes > UINT64_MAX - s.other_segments)
                                                return -EINVAL;
                                        s.last_backing = bytes;
                                        s.last_backing_size =
                                                (Span){ (size_t) (sz - text), (size_t) (ve - text), true };
                                }
                        }
                }
                line += len;
                if (*line == '\n')
                        line++;
        }
        *ret = s;
        return 0;
}

/* text with [span) replaced by value. */
static int text_replace(char **text, Span span, const char *value) {
        size_t len = strlen(*text), vlen = strlen(value);
        char *n;

        n = malloc(len - (span.end - span.start) + vlen + 1);
        if (!n)
                return -ENOMEM;
        memcpy(n, *text, span.start);
        memcpy(n + span.start, value, vlen);
        memcpy(n + span.start + vlen, *text + span.end, len - span.end + 1);
        free(*text);
        *text = n;
        return 0;
}

/* "/x/y/name.conf" -> "name" */
static char *default_name(const char *path) {
        const char *base = strrchr(path, '/');
        size_t n;

        base = base ? base + 1 : path;
        n = strlen(base);
        if (n > strlen(".conf") && streq(base + n - strlen(".conf"), ".conf"))
                n -= strlen(".conf");
        return strndup(base, n);
}

/* Whether text parses, and (unless size is 0) into a config of that size. */
static int check_size(const char *text, const char *origin, uint64_t size) {
        _cleanup_(device_config_freep) DeviceConfig *c = NULL;
        _cleanup_free_ char *name = default_name(origin);
        ConfigError e = {};
        FILE *f;
        int r;

        if (!name)
                return -ENOMEM;
        f = fmemopen((void *) text, strlen(text), "r");
        if (!f)
                return -errno;
        r = config_parse_stream(f, origin, name, DMLOOP_STATE_DIR, &c, &e);
        fclose(f);
        if (r < 0)
                return r;
        return size == 0 || c->size == size ? 0 : -EINVAL;
}

/* Whether path lies directly in dir. */
static bool path_directly_in(const char *path, const char *dir) {
        const char *rest = startswith(path, dir);

        return rest && rest[0] == '/' && rest[1] && !strchr(rest + 1, '/');
}

static int override_path(const char *origin, const char *etc_dir, char **ret) {
        const char *base = strrchr(origin, '/');

        if (!base || !base[1])
                return -EINVAL;
        if (mkdir(etc_dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (asprintf(ret, "%s%s", etc_dir, base) < 0)
                return -ENOMEM;
        return 0;
}

int config_file_set_size(const char *origin, const char *etc_dir, uint64_t size, char **ret_written) {
        _cleanup_free_ char *text = NULL, *target = NULL;
        char buf[FORMAT_SIZE_MAX];
        SizeSpans spans;
        mode_t mode = 0644;
        bool in_place;
        int r;

        assert(origin);
        assert(etc_dir);
        assert(ret_written);

        if (!size_is_valid_device_size(size))
                return -EINVAL;
        in_place = path_directly_in(origin, etc_dir);
        r = read_text(origin, &text, in_place ? &mode : NULL);
        if (r < 0)
                return r;
        /* Only a file that is valid now is edited: the edit must not turn
         * a mistake into something else. */
        r = check_size(text, origin, 0);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        r = find_size_spans(text, &spans);
        if (r < 0)
                return r;
        if (!spans.size.set && !spans.last_backing_size.set)
                return -EINVAL;

        /* The later span first, so the earlier one's offsets hold. */
        for (int pass = 0; pass < 2; pass++) {
                bool backing_first = spans.last_backing_size.set &&
                                     (!spans.size.set || spans.last_backing_size.start > spans.size.start);
                bool do_backing = (pass == 0) == backing_first;

                if (do_backing && spans.last_backing_size.set) {
                        if (size <= spans.other_segments)
                                return -EINVAL;
                        r = text_replace(&text, spans.last_backing_size,
                                         format_size(size - spans.other_segments, buf));
                } else if (!do_backing && spans.size.set)
                        r = text_replace(&text, spans.size, format_size(size, buf));
                if (r < 0)
                        return r;
        }

        r = check_size(text, origin, size);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;

        if (in_place) {
                target = strdup(origin);
                if (!target)
                        return -ENOMEM;
        } else {
                r = override_path(origin, etc_dir, &target);
                if (r < 0)
                        return r;
        }
        r = write_atomic(target, text, mode);
        if (r < 0)
                return r;
        *ret_written = TAKE_PTR(target);
        return 0;
}

/* Replaces path by a symlink to /dev/null in one rename. */
static int mask_atomic(const char *path) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const char *base;
        int r;

        r = split_parent(path, &dir, &base);
        if (r < 0)
                return r;
        /* A dot file, as in write_atomic(); a stale one from a crash is
         * stepped over. */
        for (unsigned i = 0;; i++) {
                tmp = mfree(tmp);
                if (asprintf(&tmp, "%s/.#%s.%u.%u", dir, base, (unsigned) getpid(), i) < 0)
                        return -ENOMEM;
                if (symlink("/dev/null", tmp) >= 0)
                        break;
                if (errno != EEXIST || i >= 16)
                        return -errno;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        dir_fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                (void) fsync(dir_fd);
        return 0;
}

/* Whether a lower-precedence dmloop.d directory has a file called name. */
static bool lower_file_exists(const char *config_root, const char *name) {
        static const char *const dirs[] = { DMLOOP_CONFIG_DIRS };
        struct stat st;

        /* The first directory is etc_dir itself (sysconfdir/dmloop.d). */
        for (size_t i = 1; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s%s/%s", config_root ? config_root : "", dirs[i], name) < 0)
                        return true; /* when in doubt, mask */
                if (lstat(p, &st) >= 0)
                        return true;
        }
        return false;
}

int config_file_remove(const char *origin, const char *etc_dir, const char *config_root, char **ret_written) {
        _cleanup_free_ char *target = NULL, *dir = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const char *base;
        int r;

        assert(origin);
        assert(etc_dir);
        assert(ret_written);

        if (config_root && streq(config_root, "/"))
                config_root = NULL;
        base = strrchr(origin, '/');
        if (!base || !base[1])
                return -EINVAL;

        if (!path_directly_in(origin, etc_dir) || lower_file_exists(config_root, base + 1)) {
                r = override_path(origin, etc_dir, &target);
                if (r < 0)
                        return r;
                r = mask_atomic(target);
                if (r < 0)
                        return r;
                *ret_written = TAKE_PTR(target);
                return 0;
        }

        target = strdup(origin);
        dir = strdup(etc_dir);
        if (!target || !dir)
                return -ENOMEM;
        if (unlink(origin) < 0 && errno != ENOENT)
                return -errno;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                (void) fsync(dir_fd);
        *ret_written = TAKE_PTR(target);
        return 0;
}
