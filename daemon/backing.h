/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Backing files: opening, creating, growing and deleting the regular files
 * that hold a file device's data.
 *
 * A backing file is opened once, and the descriptor is what gets used:
 * the loop device is attached to it and the file is grown through it.
 * Where the path lies inside one of dmloopd.conf's allowed directories, it
 * is resolved beneath that directory one component at a time, following
 * no symlink at all, because a bus caller may write there and could swap
 * a component for a symlink between a check and a use. Paths elsewhere
 * are root's, from the config files, and are opened as given.
 */

#include <sys/types.h>

#include "macro.h"
#include "mount-pending.h"

/* Which file a path named when it was opened. */
typedef struct BackingId {
        dev_t dev;
        ino_t ino;
} BackingId;

typedef enum BackingFlags {
        /* Create a missing file (sparse, 0600, missing directories 0700)
         * and grow a short one. Ignored with BACKING_READ_ONLY. */
        BACKING_CREATE = 1 << 0,
        BACKING_READ_ONLY = 1 << 1,
        /* A bus caller's path: it must lie inside an allowed directory. */
        BACKING_CONFINED = 1 << 2,
} BackingFlags;

typedef struct BackingFile {
        char *path;
        int fd; /* O_RDWR, or O_RDONLY with BACKING_READ_ONLY; -EBADF once closed */
        BackingId id;
        bool created; /* made by backing_open(): backing_file_undo() removes it */
        int dir_fd; /* O_PATH on its directory while created, for the undo */
} BackingFile;

#define BACKING_FILE_NULL ((BackingFile){ .fd = -EBADF, .dir_fd = -EBADF })

/*
 * Opens path (absolute and normalized) as the backing file of a segment
 * of size bytes, creating or growing it with BACKING_CREATE.
 *
 * allowed_dirs are dmloopd.conf's (NULL-terminated, may be NULL). A path
 * inside one of them is opened beneath it without following any symlink;
 * the allowed directory itself is made (0700) when it is missing and its
 * parent exists. Any other path is opened as given, following symlinks,
 * unless BACKING_CONFINED refuses it.
 *
 * Nothing is made or opened when the path lies under a mount point that
 * the system will mount but has not yet (see mount-pending.h): the file
 * would be hidden by the mount.
 *
 * Returns 0 and fills *ret, or:
 *   -ENOMEDIUM  under a mount point still to be mounted; try again when
 *               the mount table changes;
 *   -ENOENT     missing, without BACKING_CREATE or with BACKING_READ_ONLY
 *               (-ENOTDIR when a component is not a directory); retrying
 *               after a mount may help here too;
 *   -EFBIG      shorter than size and not to be grown, or size > INT64_MAX;
 *   -EISDIR     a directory; -EINVAL anything else that is not a regular
 *               file, or a path that is not absolute and normalized;
 *   -ELOOP      a symlink on the way, inside an allowed directory;
 *   -EPERM      BACKING_CONFINED and the path is in no allowed directory;
 *   another -errno from the file system.
 * Nothing is left behind on failure.
 */
int backing_open(const char *path, char *const *allowed_dirs, uint64_t size, BackingFlags flags, BackingFile *ret);

/* Closes the descriptors and frees the path; the file stays. Fine on a
 * BACKING_FILE_NULL. */
void backing_file_done(BackingFile *f);

/* Removes the file if backing_open() created it and its name still names
 * the same inode, then backing_file_done(). */
void backing_file_undo(BackingFile *f);

/* Grows the regular file behind fd to size bytes, sparse, never shrinking
 * it. -EFBIG above INT64_MAX, -EINVAL for anything not a regular file. */
int backing_grow_fd(int fd, uint64_t size);

/*
 * For ResizeDevice: re-opens path the way backing_open() does (beneath its
 * allowed directory, no symlinks; config paths as given), checks that it
 * is still the file expected (when not NULL: the loop device's backing
 * inode from loop_get_backing_id(), or the id recorded at create) and
 * grows it with backing_grow_fd(). -ESTALE when the path names another
 * file now; nothing is changed then.
 */
int backing_grow(const char *path, char *const *allowed_dirs, const BackingId *expected, uint64_t size);

/*
 * For DeleteBacking: unlinks path if it still names the file expected
 * (when not NULL) and is a regular file. The directory is reached as in
 * backing_open(), so the name removed is the one checked. -ESTALE when
 * another file has taken its place (it is left alone), -ENOENT when it is
 * gone already.
 */
int backing_unlink(const char *path, char *const *allowed_dirs, const BackingId *expected);

/* The allowed directory path lies in (the longest that matches), or NULL. */
const char *backing_allowed_dir(char *const *allowed_dirs, const char *path);

/* Where mount-pending.h reads the mount tables; NULL for the real ones.
 * For the unit tests. */
void backing_set_mount_sources(const MountPendingSources *s);
