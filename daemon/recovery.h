/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Recovery at startup, after adoption and before the config files are
 * applied. Every journal entry (operation-journal.h) left by a crash or
 * a stop is finished or undone, so that every device is whole or absent:
 *
 *   create  the dm device exists with a table dmloopd can read (it was
 *           adopted): finished, the device stays. Otherwise undone: a
 *           half-made dm device, the config file, the RAM file and the
 *           backing files that the call created are removed.
 *   remove  finished: the config file (again), the dm device (deferred
 *           when it is open), its RAM file and the backing files the call
 *           was to delete.
 *   resize  finished when the device has the new size; otherwise undone:
 *           the config file gets the device's size back.
 *
 * Each outcome is logged as one line starting with "Recovery: ", with
 * DMLOOP_DEVICE=. Then files in the RAM directory that belong to no
 * device are removed. Recovery never waits for udev.
 */

#include "manager.h"

void recovery_run(Manager *m);
