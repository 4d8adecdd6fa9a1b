/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config-write.h"
#include "dm.h"
#include "log.h"
#include "operation-journal.h"
#include "recovery.h"

/* Recovery runs before the event loop: udev finishes these cookies on its
 * own, and nobody waits for them. */
static void recovery_dm_remove(const char *dm_name, bool deferred) {
        uint32_t cookie = 0;

        if (dm_remove(dm_name, deferred, &cookie) >= 0)
                (void) dm_cookie_release(cookie);
}

static void unlink_logged(const char *name, const char *path) {
        if (unlink(path) >= 0)
                log_device_info(name, "Recovery: removed %s.", path);
        else if (errno != ENOENT)
                log_device_warning_errno(name, -errno, "Recovery: failed to remove %s: %m", path);
}

static void recover_create(Manager *m, const JournalEntry *e, const char *dm_name) {
        _cleanup_dm_info_ DmInfo info = {};
        Device *d = manager_find_device(m, e->name);

        if (d) {
                /* Adopted: it was made whole before the crash. */
                if (!d->origin || !streq(d->origin, e->origin ?: "bus")) {
                        free(d->origin);
                        d->origin = strdup(e->origin ?: "bus");
                }
                log_device_info(e->name, "Recovery: finished interrupted create of device %s.", e->name);
                return;
        }

        /* A dm device without a readable table, e.g. killed between create
         * and load: nothing can use it yet. */
        if (dm_get_info(dm_name, &info) >= 0 && device_name_from_uuid(info.uuid) &&
            streq(device_name_from_uuid(info.uuid), e->name))
                recovery_dm_remove(dm_name, false);

        if (e->ram_file)
                unlink_logged(e->name, e->ram_file);
        for (char **p = e->created; p && *p; p++)
                unlink_logged(e->name, *p);
        if (e->config)
                unlink_logged(e->name, e->config);
        log_device_info(e->name, "Recovery: undid interrupted create of device %s.", e->name);
}

static void recover_remove(Manager *m, const JournalEntry *e, const char *dm_name) {
        _cleanup_free_ char *etc_dir = NULL, *written = NULL;
        _cleanup_dm_info_ DmInfo info = {};
        Device *d = manager_find_device(m, e->name);
        int r;

        if (e->origin && e->origin[0] == '/' && access(e->origin, F_OK) >= 0) {
                r = manager_etc_dir(m, &etc_dir);
                if (r >= 0)
                        r = config_file_remove(e->origin, etc_dir, m->config_root, &written);
                if (r < 0)
                        log_device_warning_errno(e->name, r, "Recovery: failed to remove config file %s: %m",
                                                 e->origin);
        }

        if (d) {
                r = dm_get_info(dm_name, &info);
                if (r >= 0)
                        recovery_dm_remove(dm_name, info.open_count > 0);
                manager_forget_device(m, d);
        }
        if (e->ram_file)
                unlink_logged(e->name, e->ram_file);
        for (char **p = e->delete; p && *p; p++)
                unlink_logged(e->name, *p);
        log_device_info(e->name, "Recovery: finished interrupted remove of device %s.", e->name);
}

static void recover_resize(Manager *m, const JournalEntry *e) {
        _cleanup_free_ char *etc_dir = NULL, *written = NULL;
        Device *d = manager_find_device(m, e->name);
        int r;

        if (!d) {
                log_device_info(e->name, "Recovery: device %s of an interrupted resize is gone, nothing to do.",
                                e->name);
                return;
        }
        if (d->size == e->new_size) {
                log_device_info(e->name, "Recovery: finished interrupted resize of device %s to %" PRIu64 " bytes.",
                                e->name, e->new_size);
                return;
        }
        if (e->origin && e->origin[0] == '/') {
                r = manager_etc_dir(m, &etc_dir);
                if (r >= 0)
                        r = config_file_set_size(e->origin, etc_dir, d->size, &written);
                if (r < 0)
                        log_device_warning_errno(e->name, r, "Recovery: failed to write size %" PRIu64 " to %s: %m",
                                                 d->size, e->origin);
        }
        log_device_info(e->name, "Recovery: undid interrupted resize of device %s, it keeps %" PRIu64 " bytes.",
                        e->name, d->size);
}

/* Files in dmloopd's tmpfs hold RAM that no limit counts once their
 * device is gone. */
static void recovery_clean_ram_dir(Manager *m) {
        DIR *dir;
        struct dirent *de;

        dir = opendir(m->ram_dir);
        if (!dir)
                return;
        while ((de = readdir(dir))) {
                _cleanup_free_ char *path = NULL;
                bool used = false;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", m->ram_dir, de->d_name) < 0)
                        break;
                for (size_t i = 0; i < m->n_devices && !used; i++)
                        for (size_t k = 0; k < m->devices[i]->n_segments; k++)
                                if (streq(m->devices[i]->segments[k].path, path))
                                        used = true;
                if (used)
                        continue;
                if (unlinkat(dirfd(dir), de->d_name, 0) < 0)
                        log_warning_errno(-errno, "Failed to remove orphaned RAM file %s, ignoring: %m", path);
                else
                        log_info("Recovery: removed orphaned RAM file %s, which belongs to no device.", path);
        }
        closedir(dir);
}

void recovery_run(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = journal_list(m->journal_dir, &names);
        if (r < 0)
                log_warning_errno(r, "Recovery: failed to read %s, ignoring: %m", m->journal_dir);

        for (char **n = names; n && *n; n++) {
                _cleanup_free_ char *dm_name = NULL;
                JournalEntry e = {};

                r = journal_read(m->journal_dir, *n, &e);
                if (r < 0) {
                        log_warning_errno(r, "Recovery: journal entry %s/%s is unreadable, removing it: %m",
                                          m->journal_dir, *n);
                        (void) journal_remove(m->journal_dir, *n);
                        continue;
                }
                if (device_dm_name(e.name, &dm_name) < 0) {
                        journal_entry_done(&e);
                        log_oom();
                        break;
                }

                switch (e.operation) {
                case JOURNAL_CREATE:
                        recover_create(m, &e, dm_name);
                        break;
                case JOURNAL_REMOVE:
                        recover_remove(m, &e, dm_name);
                        break;
                case JOURNAL_RESIZE:
                        recover_resize(m, &e);
                        break;
                default:
                        break;
                }

                r = journal_remove(m->journal_dir, *n);
                if (r < 0)
                        log_warning_errno(r, "Recovery: failed to remove journal entry %s/%s: %m", m->journal_dir, *n);
                journal_entry_done(&e);
        }

        recovery_clean_ram_dir(m);
}
