/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Names and small helpers shared by the bus interfaces and dmloopctl. */

#include <systemd/sd-bus.h>

#include "device-config.h"
#include "macro.h"

#define DMLOOP_BUS_NAME "org.dmloop1"
#define DMLOOP_MANAGER_PATH "/org/dmloop1"
#define DMLOOP_DEVICE_PATH_PREFIX "/org/dmloop1/device"
#define DMLOOP_MANAGER_INTERFACE "org.dmloop1.Manager"
#define DMLOOP_DEVICE_INTERFACE "org.dmloop1.Device"
#define DMLOOP_POLKIT_ACTION "org.dmloop1.manage"

#define DMLOOP_ERROR_NO_SUCH_DEVICE "org.dmloop1.Error.NoSuchDevice"
#define DMLOOP_ERROR_DEVICE_EXISTS "org.dmloop1.Error.DeviceExists"
#define DMLOOP_ERROR_DEVICE_BUSY "org.dmloop1.Error.DeviceBusy"
#define DMLOOP_ERROR_BACKING_NOT_ALLOWED "org.dmloop1.Error.BackingNotAllowed"
#define DMLOOP_ERROR_LIMIT_EXCEEDED "org.dmloop1.Error.LimitExceeded"

/* Makes the errnos below map to dmloop's error names in replies. Call
 * once before the first reply. */
void bus_error_map_register(void);

/* The one table from the core's -errno to a D-Bus error name
 * (operation.h lists the errnos). */
const char *bus_error_name_from_errno(int error);

/* Sets *error from an operation's result. */
int bus_error_set_operation(sd_bus_error *error, int r, const char *message);

/* s itself when it is valid UTF-8; otherwise a copy in *buf with every
 * invalid byte written as \xNN, so that one odd path never breaks a reply
 * (sd-bus refuses strings that are not UTF-8). */
const char *bus_utf8_safe(const char *s, char **buf);

/* Reads an a(st) of backing segments (path, size) and appends them. */
int bus_message_read_backing(sd_bus_message *m, BackingSegment **segments, size_t *n);

/* "/org/dmloop1/device/<encoded name>" */
int bus_device_path(const char *name, char **ret);
/* The device name in an object path, or -ENXIO when it is not one. */
int bus_device_name_from_path(const char *path, char **ret);
