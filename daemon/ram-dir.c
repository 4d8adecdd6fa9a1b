/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "log.h"
#include "ram-dir.h"

#define RAM_DIR_MOUNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Creates DIR's parent (0755) and DIR (0700) where they are missing, and
 * tells whether DIR is a mount point. */
static int ram_dir_prepare(const char *dir, bool *ret_mounted) {
        _cleanup_free_ char *parent = NULL;
        struct stat st, parent_st;
        char *slash;

        parent = strdup(dir);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return -EINVAL;
        *slash = '\0';

        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (stat(dir, &st) < 0 || stat(parent, &parent_st) < 0)
                return -errno;

        *ret_mounted = st.st_dev != parent_st.st_dev;
        return 0;
}

int ram_dir_setup(const char *dir, uint64_t size) {
        char options[64];
        struct statfs sfs;
        bool mounted = false;
        int r;

        assert(dir);

        r = ram_dir_prepare(dir, &mounted);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);

        (void) snprintf(options, sizeof(options), "mode=0700,size=%" PRIu64, size);

        if (!mounted) {
                /* Outside the unit, which has run-dmloop-ram.mount. */
                if (mount("dmloop-ram", dir, "tmpfs", RAM_DIR_MOUNT_FLAGS, options) < 0)
                        return log_error_errno(-errno, "Failed to mount tmpfs on %s: %m", dir);
                log_debug("Mounted tmpfs for RAM devices on %s (%s).", dir, options);
                return 0;
        }

        if (statfs(dir, &sfs) < 0)
                return log_error_errno(-errno, "Failed to stat the file system on %s: %m", dir);
        if (sfs.f_type != TMPFS_MAGIC)
                return log_error_errno(-EMEDIUMTYPE, "%s is a mount point, but not of a tmpfs: %m", dir);

        if (mount(NULL, dir, NULL, MS_REMOUNT | RAM_DIR_MOUNT_FLAGS, options) < 0)
                log_warning_errno(-errno,
                                  "Failed to set the size of the tmpfs on %s to %" PRIu64 " bytes, ignoring: %m", dir,
                                  size);
        else
                log_debug("Remounted the tmpfs for RAM devices on %s (%s).", dir, options);
        return 0;
}
