/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Mount points that the system will mount but has not mounted yet. At
 * boot dmloopd runs before local-fs-pre.target, so a separate /srv or
 * /var may still be missing. A backing file created (or found) under such
 * a mount point would live on the file system below it, and the mount
 * would later hide it; such paths are refused with -ENOMEDIUM, and the
 * caller tries again when the mount table changes.
 *
 * A mount point is "to be mounted" when it is:
 *  - the mount point of an /etc/fstab line, unless the line is swap or
 *    has "noauto" without "x-systemd.automount" (those are not mounted at
 *    boot);
 *  - the Where= of a systemd mount unit, named after it as systemd
 *    requires ("srv-data.mount" for /srv/data) and not masked. A unit in
 *    /etc/systemd/system or /run/systemd/system counts as is, being the
 *    administrator's; a unit in /usr/lib/systemd/system only when some
 *    unit wants or requires it (a link in a .wants/ or .requires/
 *    directory), because vendor mount units such as tmp.mount are
 *    shipped without being used.
 * It is "mounted" when /proc/self/mountinfo lists it. "/" always is.
 * Automount units and units made by generators other than fstab's are
 * not looked at.
 */

#include "macro.h"

/* Where the tables are read from. NULL fields take the real files; the
 * unit tests point them at fixtures. */
typedef struct MountPendingSources {
        const char *fstab; /* default /etc/fstab */
        const char *mountinfo; /* default /proc/self/mountinfo */
        /* NULL-terminated, highest priority first; the admin's before the
         * vendor's. */
        const char *const *admin_unit_dirs; /* default /etc/systemd/system, /run/systemd/system */
        const char *const *vendor_unit_dirs; /* default /usr/lib/systemd/system */
} MountPendingSources;

/*
 * Whether the absolute, normalized path lies at or below a mount point
 * that is to be mounted but is not mounted yet (s may be NULL). Returns 1
 * and, when ret_where is given, the outermost such mount point; 0 when
 * there is none; -errno when a table cannot be read (a missing fstab or
 * unit directory is no error, a missing mountinfo is).
 */
int mount_pending_find(const MountPendingSources *s, const char *path, char **ret_where);

/* The unit name systemd gives a mount point ("/srv/my-data" ->
 * "srv-my\x2ddata.mount", "/" -> "-.mount"). Exported for the tests. */
int mount_pending_unit_name(const char *where, char **ret);

/* Decodes the octal escapes (\040 and so on) of a mountinfo field in
 * place. Exported for the tests. */
void mount_pending_unescape_octal(char *s);
