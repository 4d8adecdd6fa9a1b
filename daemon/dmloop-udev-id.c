/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * dmloop-udev-id MAJOR MINOR: called by the udev rule for dm devices.
 * Prints DMLOOP_NAME= and DMLOOP_TYPE= for a dmloop device, read from
 * device-mapper and the loop driver alone, never from dmloopd, which may
 * not be running. Prints nothing for other devices.
 */

#include <stdio.h>

#include "config.h"
#include "device.h"
#include "dm.h"
#include "log.h"

int main(int argc, char *argv[]) {
        _cleanup_(device_freep) Device *d = NULL;
        _cleanup_dm_info_ DmInfo info = {};
        unsigned maj, min;
        int r;

        log_setup(LOG_TARGET_STDERR, LOG_WARNING);
        dm_setup();

        if (argc != 3 || sscanf(argv[1], "%u", &maj) != 1 || sscanf(argv[2], "%u", &min) != 1) {
                fprintf(stderr, "Usage: %s MAJOR MINOR\n", program_invocation_short_name);
                return EXIT_FAILURE;
        }

        r = dm_get_info_by_devno(maj, min, &info);
        if (r < 0 || !device_name_from_uuid(info.uuid))
                return EXIT_SUCCESS;

        r = device_probe(info.name, DMLOOP_RAM_DIR, &d);
        if (r < 0)
                /* Still name it: the symlink matters more than the type. */
                printf("DMLOOP_NAME=%s\n", device_name_from_uuid(info.uuid));
        else
                printf("DMLOOP_NAME=%s\nDMLOOP_TYPE=%s\n", d->name, device_type_to_string(d->type));
        return EXIT_SUCCESS;
}
