/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>

#include "device-name.h"
#include "macro.h"
#include "validate.h"

int device_dm_name(const char *name, char **ret) {
        return asprintf(ret, DMLOOP_DM_NAME_PREFIX "%s", name) < 0 ? -ENOMEM : 0;
}

int device_dm_uuid(const char *name, char **ret) {
        return asprintf(ret, DMLOOP_UUID_PREFIX "%s", name) < 0 ? -ENOMEM : 0;
}

int device_symlink_path(const char *name, char **ret) {
        return asprintf(ret, DMLOOP_SYMLINK_DIR "/%s", name) < 0 ? -ENOMEM : 0;
}

const char *device_name_from_uuid(const char *uuid) {
        const char *name = uuid ? startswith(uuid, DMLOOP_UUID_PREFIX) : NULL;

        return name && device_name_is_valid(name) ? name : NULL;
}
