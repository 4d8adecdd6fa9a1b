/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "mount-pending.h"
#include "validate.h"

static const char *const default_admin_unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system", NULL };
static const char *const default_vendor_unit_dirs[] = { "/usr/lib/systemd/system", NULL };

typedef struct Candidates {
        char **where;
        size_t n;
} Candidates;

static void candidates_done(Candidates *c) {
        for (size_t i = 0; i < c->n; i++)
                free(c->where[i]);
        c->where = mfree(c->where);
        c->n = 0;
}

static int candidates_add(Candidates *c, const char *where) {
        char **l;

        for (size_t i = 0; i < c->n; i++)
                if (streq(c->where[i], where))
                        return 0;
        l = reallocarray(c->where, c->n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        c->where = l;
        c->where[c->n] = strdup(where);
        if (!c->where[c->n])
                return -ENOMEM;
        c->n++;
        return 0;
}

static bool path_at_or_below(const char *path, const char *dir) {
        return streq(path, dir) || path_is_in_directory(path, dir);
}

/* "/srv/" -> "/srv"; "/" stays. */
static void strip_trailing_slashes(char *s) {
        size_t n = strlen(s);

        while (n > 1 && s[n - 1] == '/')
                s[--n] = '\0';
}

static int fstab_candidates(const char *fstab, const char *path, Candidates *c) {
        struct mntent *me;
        FILE *f;
        int r = 0;

        f = setmntent(fstab, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;

        /* getmntent() has decoded the octal escapes already. */
        while ((me = getmntent(f))) {
                _cleanup_free_ char *dir = NULL;

                if (streq(me->mnt_type, "swap") || me->mnt_dir[0] != '/')
                        continue;
                if (hasmntopt(me, "noauto") && !hasmntopt(me, "x-systemd.automount"))
                        continue;
                dir = strdup(me->mnt_dir);
                if (!dir) {
                        r = -ENOMEM;
                        break;
                }
                strip_trailing_slashes(dir);
                if (streq(dir, "/") || !path_is_absolute_normalized(dir))
                        continue;
                if (path_at_or_below(path, dir)) {
                        r = candidates_add(c, dir);
                        if (r < 0)
                                break;
                }
        }
        endmntent(f);
        return r;
}

int mount_pending_unit_name(const char *where, char **ret) {
        _cleanup_free_ char *name = NULL;
        const char *p = where;
        char *t;

        assert(where);
        assert(ret);

        if (!path_is_absolute_normalized(where))
                return -EINVAL;
        if (streq(where, "/")) {
                name = strdup("-.mount");
                if (!name)
                        return -ENOMEM;
                *ret = TAKE_PTR(name);
                return 0;
        }

        /* At most four bytes for each one, plus ".mount". */
        name = malloc(strlen(where) * 4 + sizeof(".mount"));
        if (!name)
                return -ENOMEM;
        t = name;
        p++; /* the leading slash */
        for (const char *f = p; *f; f++) {
                unsigned char ch = (unsigned char) *f;

                if (ch == '/')
                        *t++ = '-';
                else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                         ch == ':' || ch == '_' || (ch == '.' && f != p))
                        *t++ = (char) ch;
                else
                        t += sprintf(t, "\\x%02x", ch);
        }
        strcpy(t, ".mount");
        *ret = TAKE_PTR(name);
        return 0;
}

/* 1 if a unit file is there, 0 if not, -ECANCELED if it is masked (a
 * link to /dev/null or an empty file), which hides lower directories. */
static int unit_file_state(int dir_fd, const char *name) {
        char target[sizeof("/dev/null")];
        struct stat st;
        ssize_t n;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISLNK(st.st_mode)) {
                n = readlinkat(dir_fd, name, target, sizeof(target));
                if (n == (ssize_t) strlen("/dev/null") && memcmp(target, "/dev/null", (size_t) n) == 0)
                        return -ECANCELED;
                if (fstatat(dir_fd, name, &st, 0) < 0)
                        return 0; /* dangling: systemd would not load it */
        }
        if (S_ISCHR(st.st_mode))
                return -ECANCELED; /* /dev/null itself, bind-mounted or copied */
        if (!S_ISREG(st.st_mode))
                return 0;
        return st.st_size == 0 ? -ECANCELED : 1;
}

/* Whether the unit's Where= (if it has one) names where. systemd refuses
 * a mount unit whose name and Where= disagree. */
static bool unit_where_matches(int dir_fd, const char *name, const char *where) {
        _cleanup_free_ char *line = NULL;
        bool in_mount = false, ok = true;
        size_t size = 0;
        FILE *f;
        int fd;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return false;
        f = fdopen(fd, "re");
        if (!f) {
                close(fd);
                return false;
        }
        while (getline(&line, &size, f) > 0) {
                char *l = line + strspn(line, " \t"), *v;

                l[strcspn(l, "\r\n")] = '\0';
                if (l[0] == '[') {
                        in_mount = startswith(l, "[Mount]") != NULL;
                        continue;
                }
                if (!in_mount || !startswith(l, "Where"))
                        continue;
                v = l + strlen("Where");
                v += strspn(v, " \t");
                if (*v != '=')
                        continue;
                v++;
                v += strspn(v, " \t");
                v[strcspn(v, " \t")] = '\0';
                strip_trailing_slashes(v);
                ok = streq(v, where);
        }
        fclose(f);
        return ok;
}

/* Whether a .wants/ or .requires/ directory in one of dirs links name. */
static bool unit_is_wanted(const char *const *const dir_lists[], const char *name) {
        for (size_t l = 0; dir_lists[l]; l++)
                for (const char *const *d = dir_lists[l]; *d; d++) {
                        struct dirent *de;
                        bool found = false;
                        DIR *dir = opendir(*d);

                        if (!dir)
                                continue;
                        while (!found && (de = readdir(dir))) {
                                _cleanup_close_ int sub = -EBADF;
                                struct stat st;
                                size_t n = strlen(de->d_name);

                                if (!(n > 6 && streq(de->d_name + n - 6, ".wants")) &&
                                    !(n > 9 && streq(de->d_name + n - 9, ".requires")))
                                        continue;
                                sub = openat(dirfd(dir), de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
                                found = sub >= 0 && fstatat(sub, name, &st, AT_SYMLINK_NOFOLLOW) >= 0;
                        }
                        closedir(dir);
                        if (found)
                                return true;
                }
        return false;
}

/* The unit of one mount point: 1 when it is to be mounted, 0 if not. */
static int unit_counts(const MountPendingSources *s, const char *where) {
        const char *const *const lists[] = { s->admin_unit_dirs, s->vendor_unit_dirs, NULL };
        _cleanup_free_ char *name = NULL;
        int r;

        r = mount_pending_unit_name(where, &name);
        if (r < 0)
                return r;
        /* Longer names are no units; nothing can mount them. */
        if (strlen(name) > 255)
                return 0;

        for (size_t l = 0; lists[l]; l++)
                for (const char *const *d = lists[l]; *d; d++) {
                        _cleanup_close_ int dir_fd = -EBADF;

                        dir_fd = open(*d, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (dir_fd < 0)
                                continue;
                        r = unit_file_state(dir_fd, name);
                        if (r == -ECANCELED)
                                return 0; /* masked */
                        if (r <= 0)
                                continue;
                        /* The first one found is the one systemd loads. */
                        if (!unit_where_matches(dir_fd, name, where))
                                return 0;
                        return l == 0 || unit_is_wanted(lists, name);
                }
        return 0;
}

static int unit_candidates(const MountPendingSources *s, const char *path, Candidates *c) {
        _cleanup_free_ char *prefix = strdup(path);
        char *slash;
        int r;

        if (!prefix)
                return -ENOMEM;
        /* Every directory above path, and path itself; "/" is always
         * mounted. */
        for (slash = prefix;; slash = strchr(slash + 1, '/')) {
                if (slash)
                        *slash = '\0';
                if (prefix[0]) {
                        r = unit_counts(s, prefix);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                r = candidates_add(c, prefix);
                                if (r < 0)
                                        return r;
                        }
                }
                if (!slash)
                        return 0;
                *slash = '/';
        }
}

void mount_pending_unescape_octal(char *s) {
        char *t = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *t++ = (char) ((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else
                        *t++ = *s;
        }
        *t = '\0';
}

/* Drops from c every mount point that mountinfo lists. */
static int drop_mounted(const char *mountinfo, Candidates *c) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        FILE *f;

        f = fopen(mountinfo, "re");
        if (!f)
                return -errno;
        while (c->n > 0 && getline(&line, &size, f) > 0) {
                char *field = line;

                /* "36 35 98:0 /root /mount/point options ...": the fifth. */
                for (int i = 0; i < 4 && field; i++) {
                        field = strchr(field, ' ');
                        if (field)
                                field++;
                }
                if (!field)
                        continue;
                field[strcspn(field, " \n")] = '\0';
                mount_pending_unescape_octal(field);

                for (size_t i = 0; i < c->n; i++)
                        if (streq(c->where[i], field)) {
                                free(c->where[i]);
                                c->where[i] = c->where[--c->n];
                                break;
                        }
        }
        fclose(f);
        return 0;
}

int mount_pending_find(const MountPendingSources *s, const char *path, char **ret_where) {
        MountPendingSources sources = {
                .fstab = s && s->fstab ? s->fstab : "/etc/fstab",
                .mountinfo = s && s->mountinfo ? s->mountinfo : "/proc/self/mountinfo",
                .admin_unit_dirs = s && s->admin_unit_dirs ? s->admin_unit_dirs : default_admin_unit_dirs,
                .vendor_unit_dirs = s && s->vendor_unit_dirs ? s->vendor_unit_dirs : default_vendor_unit_dirs,
        };
        _cleanup_(candidates_done) Candidates c = {};
        size_t outermost = 0;
        int r;

        assert(path);

        if (!path_is_absolute_normalized(path))
                return -EINVAL;

        r = fstab_candidates(sources.fstab, path, &c);
        if (r < 0)
                return r;
        r = unit_candidates(&sources, path, &c);
        if (r < 0)
                return r;
        if (c.n == 0)
                return 0; /* the common case: mountinfo is not read */

        r = drop_mounted(sources.mountinfo, &c);
        if (r < 0)
                return r;
        if (c.n == 0)
                return 0;

        for (size_t i = 1; i < c.n; i++)
                if (strlen(c.where[i]) < strlen(c.where[outermost]))
                        outermost = i;
        if (ret_where)
                *ret_where = TAKE_PTR(c.where[outermost]);
        return 1;
}
