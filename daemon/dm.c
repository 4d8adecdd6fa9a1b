/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>

#include "dm.h"
#include "log.h"

typedef struct dm_task DmTask;
static inline void dm_task_destroyp(DmTask **t) {
        if (*t)
                dm_task_destroy(*t);
}
#define _cleanup_dm_task_ _cleanup_(dm_task_destroyp)

/* libdevmapper reports errors through errno-like codes that are sometimes
 * 0; never let a failure look like success. */
static int dm_task_error(DmTask *t) {
        int e = t ? dm_task_get_errno(t) : 0;
        return e > 0 ? -e : -EIO;
}

static void dm_log_callback(int level, const char *file, int line, int dm_errno_or_class, const char *f, ...)
        _printf_(5, 6);
static void dm_log_callback(int level, const char *file, int line, int dm_errno_or_class, const char *f, ...) {
        char buf[1024];
        va_list ap;

        /* The low bits are the syslog level; higher bits are libdevmapper flags. */
        level &= 0x7;
        /* dmloopd logs the failure it decides on; libdevmapper's own text is
         * detail that helps when debugging, so keep it below the decision. */
        level = level <= LOG_ERR ? LOG_NOTICE : LOG_DEBUG;
        if (level > log_get_max_level())
                return;

        va_start(ap, f);
        vsnprintf(buf, sizeof(buf), f, ap);
        va_end(ap);
        log_internal(level, 0, NULL, file, line, "libdevmapper", "libdevmapper: %s", buf);
}

void dm_info_done(DmInfo *i) {
        if (!i)
                return;
        i->name = mfree(i->name);
        i->uuid = mfree(i->uuid);
}

void dm_setup(void) {
        dm_log_with_errno_init(dm_log_callback);
        dm_udev_set_sync_support(1);
}

static int dm_task_new(int type, const char *name, DmTask **ret) {
        DmTask *t;

        t = dm_task_create(type);
        if (!t)
                return -ENOMEM;
        if (name && !dm_task_set_name(t, name)) {
                dm_task_destroy(t);
                return -EINVAL;
        }
        *ret = t;
        return 0;
}

static int dm_task_add_table(DmTask *t, const DmTable *table) {
        for (size_t i = 0; i < table->n_targets; i++) {
                const DmTarget *x = table->targets + i;

                if (!dm_task_add_target(t, x->start, x->length, x->type, x->params))
                        return -ENOMEM;
        }
        return 0;
}

/* As LVM and cryptsetup set them when their udev rules are installed:
 * udev alone makes the nodes, and the rules know the event is ours. */
#define DM_UDEV_FLAGS (DM_UDEV_DISABLE_LIBRARY_FALLBACK | DM_UDEV_PRIMARY_SOURCE_FLAG)

int dm_cookie_release(uint32_t cookie) {
        int ready = 0;

        if (cookie == 0)
                return 0;
        /* Never the blocking dm_udev_wait(): _immediate only counts down
         * and destroys the semaphore once udev has done its part. */
        if (!dm_udev_wait_immediate(cookie, &ready))
                return -EIO;
        if (ready)
                return 0;

        /* udev has not completed it (stalled, or its worker failed): do
         * udev's part, after which the semaphore can go without waiting. */
        (void) dm_udev_complete(cookie);
        (void) dm_udev_wait_immediate(cookie, &ready);
        return -ETIME;
}

/*
 * Runs a task that triggers uevents, without waiting for udev. The cookie
 * goes to the caller; when udev is already done with it, or the task made
 * no uevent (libdevmapper then counts the cookie down itself), it is
 * released here and the caller gets 0.
 */
static int dm_task_run_synced(DmTask *t, uint16_t udev_flags, uint32_t *ret_cookie) {
        uint32_t cookie = 0;
        int ready = 0, r;

        assert(ret_cookie);

        if (!dm_task_set_cookie(t, &cookie, udev_flags | DM_UDEV_FLAGS))
                return dm_task_error(t);
        if (!dm_task_run(t)) {
                r = dm_task_error(t);
                (void) dm_cookie_release(cookie);
                return r;
        }
        if (cookie != 0 && dm_udev_wait_immediate(cookie, &ready) && ready)
                cookie = 0;
        *ret_cookie = cookie;
        return 0;
}

int dm_create(const char *name, const char *uuid, const DmTable *table, bool read_only, uint32_t *ret_cookie) {
        _cleanup_dm_task_ DmTask *t = NULL;
        int r;

        r = dm_task_new(DM_DEVICE_CREATE, name, &t);
        if (r < 0)
                return r;
        if (!dm_task_set_uuid(t, uuid))
                return -EINVAL;
        if (read_only && !dm_task_set_ro(t))
                return -ENOMEM;
        r = dm_task_add_table(t, table);
        if (r < 0)
                return r;
        return dm_task_run_synced(t, 0, ret_cookie);
}

int dm_reload(const char *name, const DmTable *table, bool read_only, uint32_t *ret_cookie) {
        _cleanup_dm_task_ DmTask *load = NULL, *resume = NULL;
        int r;

        r = dm_task_new(DM_DEVICE_RELOAD, name, &load);
        if (r < 0)
                return r;
        if (read_only && !dm_task_set_ro(load))
                return -ENOMEM;
        r = dm_task_add_table(load, table);
        if (r < 0)
                return r;
        if (!dm_task_run(load))
                return dm_task_error(load);

        r = dm_task_new(DM_DEVICE_RESUME, name, &resume);
        if (r < 0)
                return r;
        return dm_task_run_synced(resume, 0, ret_cookie);
}

int dm_remove(const char *name, bool deferred, uint32_t *ret_cookie) {
        _cleanup_dm_task_ DmTask *t = NULL;
        int r;

        r = dm_task_new(DM_DEVICE_REMOVE, name, &t);
        if (r < 0)
                return r;
        if (deferred && !dm_task_deferred_remove(t))
                return -ENOMEM;
        return dm_task_run_synced(t, 0, ret_cookie);
}

static int dm_info_from_task(DmTask *t, DmInfo *ret) {
        _cleanup_free_ char *name = NULL, *uuid = NULL;
        struct dm_info info;

        if (!dm_task_get_info(t, &info))
                return dm_task_error(t);
        if (!info.exists)
                return -ENODEV;

        name = strdup(dm_task_get_name(t) ?: "");
        uuid = strdup(dm_task_get_uuid(t) ?: "");
        if (!name || !uuid)
                return -ENOMEM;

        *ret = (DmInfo){
                .major = info.major,
                .minor = info.minor,
                .open_count = info.open_count,
                .read_only = info.read_only,
                .suspended = info.suspended,
                .deferred_remove = info.deferred_remove,
                .name = TAKE_PTR(name),
                .uuid = TAKE_PTR(uuid),
        };
        return 0;
}

int dm_get_info(const char *name, DmInfo *ret) {
        _cleanup_dm_task_ DmTask *t = NULL;
        int r;

        r = dm_task_new(DM_DEVICE_INFO, name, &t);
        if (r < 0)
                return r;
        if (!dm_task_run(t))
                return dm_task_error(t);
        return dm_info_from_task(t, ret);
}

int dm_get_info_by_devno(uint32_t major, uint32_t minor, DmInfo *ret) {
        _cleanup_dm_task_ DmTask *t = NULL;
        int r;

        r = dm_task_new(DM_DEVICE_INFO, NULL, &t);
        if (r < 0)
                return r;
        if (!dm_task_set_major_minor(t, (int) major, (int) minor, 0))
                return -EINVAL;
        if (!dm_task_run(t))
                return dm_task_error(t);
        return dm_info_from_task(t, ret);
}

int dm_get_table(const char *name, DmTable *ret) {
        _cleanup_dm_task_ DmTask *t = NULL;
        _cleanup_dm_table_ DmTable table = {};
        struct dm_info info;
        void *next = NULL;
        int r;

        r = dm_task_new(DM_DEVICE_TABLE, name, &t);
        if (r < 0)
                return r;
        if (!dm_task_run(t))
                return dm_task_error(t);
        if (!dm_task_get_info(t, &info))
                return dm_task_error(t);
        if (!info.exists)
                return -ENODEV;

        do {
                uint64_t start, length;
                char *type = NULL, *params = NULL;

                next = dm_get_next_target(t, next, &start, &length, &type, &params);
                if (!type)
                        break;
                r = dm_table_add(&table, start, length, type, params ?: "");
                if (r < 0)
                        return r;
        } while (next);

        *ret = table;
        table = (DmTable){};
        return 0;
}

int dm_list_names(char ***ret) {
        _cleanup_dm_task_ DmTask *t = NULL;
        _cleanup_strv_free_ char **names = NULL;
        struct dm_names *n;
        size_t count = 0;
        int r;

        r = dm_task_new(DM_DEVICE_LIST, NULL, &t);
        if (r < 0)
                return r;
        if (!dm_task_run(t))
                return dm_task_error(t);

        names = calloc(1, sizeof(char *));
        if (!names)
                return -ENOMEM;

        n = dm_task_get_names(t);
        /* An empty list is a single entry with dev == 0. */
        if (n && n->dev != 0)
                for (;;) {
                        char **l = reallocarray(names, count + 2, sizeof(char *));

                        if (!l)
                                return -ENOMEM;
                        names = l;
                        names[count] = strdup(n->name);
                        if (!names[count])
                                return -ENOMEM;
                        names[++count] = NULL;
                        if (n->next == 0)
                                break;
                        n = (struct dm_names *) ((char *) n + n->next);
                }

        *ret = TAKE_PTR(names);
        return 0;
}

int dm_target_present(const char *type) {
        _cleanup_dm_task_ DmTask *t = NULL;
        struct dm_versions *v, *last;
        int r;

        r = dm_task_new(DM_DEVICE_LIST_VERSIONS, NULL, &t);
        if (r < 0)
                return r;
        if (!dm_task_run(t))
                return dm_task_error(t);

        v = dm_task_get_versions(t);
        do {
                if (streq(v->name, type))
                        return 1;
                last = v;
                v = (struct dm_versions *) ((char *) v + v->next);
        } while (last != v);

        return 0;
}
