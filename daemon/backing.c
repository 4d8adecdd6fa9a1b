/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "backing.h"
#include "validate.h"

static const MountPendingSources *mount_sources;

void backing_set_mount_sources(const MountPendingSources *s) {
        mount_sources = s;
}

const char *backing_allowed_dir(char *const *allowed_dirs, const char *path) {
        const char *best = NULL;

        for (char *const *d = allowed_dirs; d && *d; d++)
                if (path_is_in_directory(path, *d) && (!best || strlen(*d) > strlen(best)))
                        best = *d;
        return best;
}

static bool backing_id_equal(const BackingId *a, const struct stat *st) {
        return a->dev == st->st_dev && a->ino == st->st_ino;
}

/* Root's paths: every missing ancestor of path, top down, as the old
 * "mkdir -p" did; existing ones are fine. */
static int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *copy = strdup(path);
        char *slash;

        if (!copy)
                return -ENOMEM;
        for (slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return -errno;
                *slash = '/';
        }
        return 0;
}

/* The allowed directory itself; made when missing (one level only: an
 * absent parent means a file system that is not there yet). */
static int open_allowed_dir(const char *dir, bool make) {
        int fd;

        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && make) {
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return -errno;
                fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        return fd < 0 ? -errno : fd;
}

/*
 * Walks rel ("a/b", or "" for dir_fd itself) below dir_fd one component at
 * a time, following no symlink; the path is normalized, so there is no
 * ".." to climb out with. Missing directories are made 0700 when make is
 * set. Returns an O_PATH fd, -ELOOP for a symlink on the way, or -errno.
 */
static int open_dir_beneath(int dir_fd, const char *rel, bool make) {
        _cleanup_free_ char *copy = strdup(rel);
        _cleanup_close_ int cur = -EBADF;
        char *c, *next;

        if (!copy)
                return -ENOMEM;
        cur = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return -errno;

        for (c = copy; c && *c; c = next) {
                struct stat st;
                int fd;

                next = strchr(c, '/');
                if (next)
                        *next++ = '\0';
                fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && make) {
                        if (mkdirat(cur, c, 0700) < 0 && errno != EEXIST)
                                return -errno;
                        fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0) {
                        int r = -errno;

                        /* O_DIRECTORY|O_NOFOLLOW on a symlink says ENOTDIR. */
                        if (r == -ENOTDIR && fstatat(cur, c, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISLNK(st.st_mode))
                                return -ELOOP;
                        return r;
                }
                safe_close(cur);
                cur = fd;
        }
        return TAKE_FD(cur);
}

/* Opens the directory that holds path's last component, the way
 * backing_open() describes; *ret_name points into path. */
static int open_parent(const char *path, const char *beneath, bool make, const char **ret_name) {
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int top = -EBADF;
        const char *rel;
        char *slash;
        int fd;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        *slash = '\0';
        *ret_name = path + (slash - dir) + 1;

        if (!beneath) {
                fd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && make) {
                        int r = mkdir_parents(path, 0700);

                        if (r < 0)
                                return r;
                        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                }
                return fd < 0 ? -errno : fd;
        }

        top = open_allowed_dir(beneath, make);
        if (top < 0)
                return top;
        /* dir is beneath itself or below it ("" stands for "/"). */
        rel = streq(beneath, "/") ? dir : dir + strlen(beneath);
        if (rel[0] == '/')
                rel++;
        return open_dir_beneath(top, rel, make);
}

int backing_grow_fd(int fd, uint64_t size) {
        struct stat st;

        if (size > INT64_MAX)
                return -EFBIG;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if ((uint64_t) st.st_size >= size)
                return 0;
        /* ftruncate leaves a hole: the file stays sparse. */
        if (ftruncate(fd, (off_t) size) < 0)
                return -errno;
        return 0;
}

int backing_open(const char *path, char *const *allowed_dirs, uint64_t size, BackingFlags flags, BackingFile *ret) {
        bool read_only = flags & BACKING_READ_ONLY, create = (flags & BACKING_CREATE) && !read_only;
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *copy = NULL;
        const char *beneath, *name;
        bool created = false;
        struct stat st;
        int r;

        assert(path);
        assert(ret);

        if (size > INT64_MAX)
                return -EFBIG;
        if (!path_is_absolute_normalized(path) || streq(path, "/"))
                return -EINVAL;
        beneath = backing_allowed_dir(allowed_dirs, path);
        if (!beneath && (flags & BACKING_CONFINED))
                return -EPERM;

        /* A file made or found here now would be hidden by the mount. The
         * check is best effort: tables that cannot be read do not stop
         * the device. */
        r = mount_pending_find(mount_sources, path, NULL);
        if (r == -ENOMEM)
                return r;
        if (r > 0)
                return -ENOMEDIUM;

        copy = strdup(path);
        if (!copy)
                return -ENOMEM;

        dir_fd = open_parent(copy, beneath, create, &name);
        if (dir_fd < 0)
                return dir_fd;

        /* O_NONBLOCK: a FIFO must not block the open; the type check below
         * refuses it. Symlinks are followed only in root's paths. */
        fd = openat(dir_fd, name,
                    (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (beneath ? O_NOFOLLOW : 0));
        if (fd < 0 && errno == ENOENT && create) {
                fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                created = fd >= 0;
        }
        if (fd < 0)
                return -errno;

        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (!S_ISREG(st.st_mode)) {
                r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
                goto fail;
        }
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        if ((uint64_t) st.st_size < size) {
                if (!create) {
                        r = -EFBIG;
                        goto fail;
                }
                r = backing_grow_fd(fd, size);
                if (r < 0)
                        goto fail;
        }

        *ret = (BackingFile){
                .path = strdup(path),
                .fd = TAKE_FD(fd),
                .id = { .dev = st.st_dev, .ino = st.st_ino },
                .created = created,
                .dir_fd = created ? TAKE_FD(dir_fd) : -EBADF,
        };
        if (!ret->path) {
                r = -ENOMEM;
                fd = TAKE_FD(ret->fd);
                if (created)
                        dir_fd = TAKE_FD(ret->dir_fd);
                *ret = BACKING_FILE_NULL;
                goto fail;
        }
        return 0;

fail:
        /* Still open, so the name cannot be reused by another inode. */
        if (created)
                (void) unlinkat(dir_fd, name, 0);
        return r;
}

void backing_file_done(BackingFile *f) {
        if (!f)
                return;
        f->fd = safe_close(f->fd);
        f->dir_fd = safe_close(f->dir_fd);
        f->path = mfree(f->path);
        f->created = false;
}

void backing_file_undo(BackingFile *f) {
        struct stat st;

        if (!f)
                return;
        if (f->created && f->dir_fd >= 0 && f->path) {
                const char *name = strrchr(f->path, '/') + 1;

                if (fstatat(f->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && backing_id_equal(&f->id, &st))
                        (void) unlinkat(f->dir_fd, name, 0);
        }
        backing_file_done(f);
}

int backing_grow(const char *path, char *const *allowed_dirs, const BackingId *expected, uint64_t size) {
        BackingFile f = BACKING_FILE_NULL;
        int r;

        assert(path);

        r = backing_open(path, allowed_dirs, 0, 0, &f);
        if (r < 0)
                return r;
        if (expected && (expected->dev != f.id.dev || expected->ino != f.id.ino))
                r = -ESTALE;
        else
                r = backing_grow_fd(f.fd, size);
        backing_file_done(&f);
        return r;
}

int backing_unlink(const char *path, char *const *allowed_dirs, const BackingId *expected) {
        _cleanup_close_ int dir_fd = -EBADF;
        const char *name;
        struct stat st;

        assert(path);

        if (!path_is_absolute_normalized(path) || streq(path, "/"))
                return -EINVAL;
        dir_fd = open_parent(path, backing_allowed_dir(allowed_dirs, path), false, &name);
        if (dir_fd < 0)
                return dir_fd;
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (expected && !backing_id_equal(expected, &st))
                return -ESTALE;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if (unlinkat(dir_fd, name, 0) < 0)
                return -errno;
        return 0;
}
