/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The udev adapter: one libudev monitor on the event loop. It tells
 * waiters when udev has finished processing the uevent of a dm cookie
 * (udev sends its monitor event only after every rule and RUN program,
 * including the dm rule that completes the cookie, has run), and it tells
 * the manager when a device-mapper device disappears.
 */

#include <systemd/sd-event.h>

#include "macro.h"

typedef struct UdevWatch UdevWatch;

/* error is 0 when udev finished the cookie, -ETIMEDOUT when it did not in time. */
typedef void (*UdevCookieHandler)(int error, void *userdata);
/* A device-mapper block device was removed. */
typedef void (*UdevDmRemovedHandler)(void *userdata);

int udev_watch_new(sd_event *event, UdevDmRemovedHandler on_dm_removed, void *userdata, UdevWatch **ret);
UdevWatch *udev_watch_free(UdevWatch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(UdevWatch *, udev_watch_free);

/* Calls handler once udev reported the event of cookie (udev sends it
 * when it processed the event, and also, unchanged, when its worker failed
 * or was killed), or with -ETIMEDOUT at the timeout. */
int udev_watch_cookie(UdevWatch *w, uint32_t cookie, uint64_t timeout_usec, UdevCookieHandler handler, void *userdata);

/* Drops the waiters of userdata without calling them. */
void udev_watch_cancel(UdevWatch *w, void *userdata);

/* The cookie's identity, as it appears in a uevent's DM_COOKIE: its low
 * 16 bits, because libdevmapper puts the udev flags in the high ones. */
static inline bool dm_cookie_matches(uint32_t cookie, uint32_t uevent_cookie) {
        return (cookie & 0xFFFFu) == (uevent_cookie & 0xFFFFu);
}
