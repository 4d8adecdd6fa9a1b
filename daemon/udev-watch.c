/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <libudev.h>
#include <stdio.h>

#include "udev-watch.h"

typedef struct CookieWaiter {
        UdevWatch *watch;
        uint32_t cookie;
        sd_event_source *timer;
        UdevCookieHandler handler;
        void *userdata;
        struct CookieWaiter *next;
} CookieWaiter;

struct UdevWatch {
        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *io;
        sd_event *event;
        UdevDmRemovedHandler on_dm_removed;
        void *userdata;
        CookieWaiter *waiters;
};

static void cookie_waiter_unlink(CookieWaiter *c) {
        for (CookieWaiter **p = &c->watch->waiters; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        sd_event_source_disable_unref(c->timer);
        free(c);
}

/* Hands the result to the waiter; the waiter is gone afterwards. */
static void cookie_waiter_finish(CookieWaiter *c, int error) {
        UdevCookieHandler handler = c->handler;
        void *userdata = c->userdata;

        cookie_waiter_unlink(c);
        handler(error, userdata);
}

static int on_cookie_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        cookie_waiter_finish(userdata, -ETIMEDOUT);
        return 0;
}

static void udev_watch_dispatch(UdevWatch *w, struct udev_device *dev) {
        const char *action = udev_device_get_action(dev);
        const char *sysname = udev_device_get_sysname(dev);
        const char *cookie_text = udev_device_get_property_value(dev, "DM_COOKIE");
        bool is_dm = sysname && startswith(sysname, "dm-");

        if (!is_dm)
                return;

        if (cookie_text) {
                unsigned long value = strtoul(cookie_text, NULL, 0);

                for (CookieWaiter *c = w->waiters; c; c = c->next)
                        if (dm_cookie_matches(c->cookie, (uint32_t) value)) {
                                cookie_waiter_finish(c, 0);
                                break;
                        }
        }

        if (action && streq(action, "remove") && w->on_dm_removed)
                w->on_dm_removed(w->userdata);
}

static int on_udev_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        UdevWatch *w = userdata;
        struct udev_device *dev;

        /* The socket is non-blocking: drain everything that is queued. */
        while ((dev = udev_monitor_receive_device(w->monitor))) {
                udev_watch_dispatch(w, dev);
                udev_device_unref(dev);
        }
        return 0;
}

int udev_watch_new(sd_event *event, UdevDmRemovedHandler on_dm_removed, void *userdata, UdevWatch **ret) {
        _cleanup_(udev_watch_freep) UdevWatch *w = NULL;
        int r;

        w = calloc(1, sizeof(UdevWatch));
        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        w->on_dm_removed = on_dm_removed;
        w->userdata = userdata;

        w->udev = udev_new();
        if (!w->udev)
                return -ENOMEM;
        w->monitor = udev_monitor_new_from_netlink(w->udev, "udev");
        if (!w->monitor)
                return errno > 0 ? -errno : -ENOMEM;

        r = udev_monitor_filter_add_match_subsystem_devtype(w->monitor, "block", "disk");
        if (r < 0)
                return r;
        /* Bursts of uevents (50 devices at once) must not overflow it. */
        (void) udev_monitor_set_receive_buffer_size(w->monitor, 8 * 1024 * 1024);
        r = udev_monitor_enable_receiving(w->monitor);
        if (r < 0)
                return r;

        r = sd_event_add_io(event, &w->io, udev_monitor_get_fd(w->monitor), EPOLLIN, on_udev_event, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->io, "udev-monitor");

        *ret = TAKE_PTR(w);
        return 0;
}

UdevWatch *udev_watch_free(UdevWatch *w) {
        if (!w)
                return NULL;
        while (w->waiters)
                cookie_waiter_unlink(w->waiters);
        sd_event_source_disable_unref(w->io);
        udev_monitor_unref(w->monitor);
        udev_unref(w->udev);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

int udev_watch_cookie(UdevWatch *w, uint32_t cookie, uint64_t timeout_usec, UdevCookieHandler handler,
                      void *userdata) {
        CookieWaiter *c;
        int r;

        c = calloc(1, sizeof(CookieWaiter));
        if (!c)
                return -ENOMEM;
        *c = (CookieWaiter){
                .watch = w,
                .cookie = cookie,
                .handler = handler,
                .userdata = userdata,
        };

        r = sd_event_add_time_relative(w->event, &c->timer, CLOCK_MONOTONIC, timeout_usec, 0, on_cookie_timeout, c);
        if (r < 0) {
                free(c);
                return r;
        }
        c->next = w->waiters;
        w->waiters = c;
        return 0;
}

void udev_watch_cancel(UdevWatch *w, void *userdata) {
        CookieWaiter *next;

        for (CookieWaiter *c = w->waiters; c; c = next) {
                next = c->next;
                if (c->userdata == userdata)
                        cookie_waiter_unlink(c);
        }
}
