/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The libdevmapper adapter. Every function returns 0 or a negative errno
 * (libdevmapper's 1/0 results are converted here) and none of them logs;
 * libdevmapper's own messages are routed into log.h by dm_setup().
 */

#include "dm-table.h"

typedef struct DmInfo {
        uint32_t major;
        uint32_t minor;
        int32_t open_count;
        bool read_only;
        bool suspended;
        bool deferred_remove;
        char *name;
        char *uuid;
} DmInfo;

void dm_info_done(DmInfo *i);
static inline void dm_info_donep(DmInfo *i) {
        dm_info_done(i);
}
#define _cleanup_dm_info_ _cleanup_(dm_info_donep)

/* Routes libdevmapper's messages into log.h and enables udev synchronisation
 * (cookies counted down by udev's 95-dm-notify rule). */
void dm_setup(void);

/*
 * The calls that make uevents are synchronised with udev through a dm
 * cookie, and every task carries DM_UDEV_DISABLE_LIBRARY_FALLBACK: only
 * udev makes device nodes and symlinks, never libdevmapper. None of them
 * waits for udev. They return the cookie in *ret_cookie (0 when there is
 * nothing to wait for, e.g. udev already finished or no uevent was sent);
 * the caller watches for the cookie's uevent (udev-watch.h) and then, or
 * when it gives up, calls dm_cookie_release().
 */

/* Creates, loads and resumes a device in one step. libdevmapper removes
 * the half-made device itself when the table load fails. */
int dm_create(const char *name, const char *uuid, const DmTable *table, bool read_only, uint32_t *ret_cookie);

/* Loads a new table and resumes it. */
int dm_reload(const char *name, const DmTable *table, bool read_only, uint32_t *ret_cookie);

/* Removes a device; with deferred, the kernel removes it on last close. */
int dm_remove(const char *name, bool deferred, uint32_t *ret_cookie);

/* Releases a cookie without ever blocking. Returns 0 when udev completed
 * it, -ETIME when udev had not (the cookie is counted down here and
 * released all the same, so nothing waits on it any more). */
int dm_cookie_release(uint32_t cookie);

/* -ENODEV when the device does not exist. */
int dm_get_info(const char *name, DmInfo *ret);
int dm_get_info_by_devno(uint32_t major, uint32_t minor, DmInfo *ret);

int dm_get_table(const char *name, DmTable *ret);

/* Names of all dm devices, as a NULL-terminated list. */
int dm_list_names(char ***ret);

/* 1 when the kernel has (or can load) the named target, 0 when it does not. */
int dm_target_present(const char *type);
