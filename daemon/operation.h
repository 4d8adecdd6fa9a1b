/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Create, remove and resize: the one path for every caller (the config
 * files at boot, a reload, the mount-table retry and the bus). Nothing
 * here knows about D-Bus.
 *
 * Each call reports exactly once through its callback, with 0 or a
 * negative errno and a sentence for the caller (NULL on success). The
 * callback may run before the call returns. The errnos a caller can tell
 * apart: -EEXIST (name or backing file taken), -ENODEV (no such device),
 * -EBUSY (in use, or another call on it is under way), -EUSERS (MaxDevices=
 * or RamLimit=), -EINVAL/-ENOENT/-EFBIG/-EISDIR (bad arguments or backing
 * files), -EPERM (backing path not allowed), -ETIMEDOUT/-EIO (udev did not
 * finish or failed the event).
 *
 * The dm work is done at once; the wait for udev runs on the event loop.
 * Before touching anything, an operation writes its journal entry
 * (operation-journal.h), and it removes it once it is over, so that after
 * a crash or a stop recovery.h can finish or undo it. A create that udev
 * fails or does not finish in time is undone without waiting for udev
 * again; a remove or resize is already done in the kernel by then, and
 * succeeds.
 */

#include "manager.h"

typedef void (*OperationCallback)(int error, const char *message, void *userdata);

typedef enum OperationFlags {
        OPERATION_PERSISTENT = 1 << 0, /* create: write a config file to /etc/dmloop.d */
        OPERATION_FORCE = 1 << 1, /* remove: deferred removal of a device in use */
        OPERATION_DELETE_BACKING = 1 << 2, /* remove: delete the backing files too */
        OPERATION_ALLOW_SHRINK = 1 << 3, /* resize */
        OPERATION_KEEP_CONFIG = 1 << 4, /* remove, resize: the config file already says so */
} OperationFlags;

/* Creates the device c describes (resolved; taken over in all cases). */
void operation_create(Manager *m, DeviceConfig *c, OperationFlags flags, OperationCallback callback, void *userdata);
void operation_remove(Manager *m, const char *name, OperationFlags flags, OperationCallback callback, void *userdata);
void operation_resize(Manager *m, const char *name, uint64_t size, OperationFlags flags, OperationCallback callback,
                      void *userdata);

/* True while an operation on this device name is under way. */
bool operation_is_pending(Manager *m, const char *name);

/* At shutdown: forgets every pending operation without undoing anything
 * and calls each one back with -ESHUTDOWN. Devices that exist stay whole, with their
 * backing files; the journal entries stay for the next start. */
void operation_abandon_all(Manager *m);
