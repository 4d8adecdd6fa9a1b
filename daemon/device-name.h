/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How dmloopd names its devices in the kernel: dm name "dmloop-<name>",
 * dm UUID "DMLOOP-<name>" and the symlink /dev/dmloop/<name>. Plain string
 * work, so that dmloop-udev-id can use it without libdevmapper.
 */

#define DMLOOP_DM_NAME_PREFIX "dmloop-"
#define DMLOOP_UUID_PREFIX "DMLOOP-"
#define DMLOOP_SYMLINK_DIR "/dev/dmloop"

int device_dm_name(const char *name, char **ret);
int device_dm_uuid(const char *name, char **ret);
int device_symlink_path(const char *name, char **ret);

/* The device name in a dmloop dm UUID, or NULL when the UUID is not ours. */
const char *device_name_from_uuid(const char *uuid);
