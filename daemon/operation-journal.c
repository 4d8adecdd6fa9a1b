/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "operation-journal.h"
#include "validate.h"

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static const char *const journal_operation_table[_JOURNAL_OPERATION_MAX] = {
        [JOURNAL_CREATE] = "create",
        [JOURNAL_REMOVE] = "remove",
        [JOURNAL_RESIZE] = "resize",
};

const char *journal_operation_to_string(JournalOperation o) {
        return o >= 0 && o < _JOURNAL_OPERATION_MAX ? journal_operation_table[o] : NULL;
}

static JournalOperation journal_operation_from_string(const char *s) {
        for (int i = 0; i < _JOURNAL_OPERATION_MAX; i++)
                if (streq(journal_operation_table[i], s))
                        return i;
        return _JOURNAL_OPERATION_INVALID;
}

void journal_entry_done(JournalEntry *e) {
        if (!e)
                return;
        free(e->name);
        free(e->origin);
        free(e->config);
        free(e->ram_file);
        strv_free(e->created);
        strv_free(e->delete);
        *e = (JournalEntry){};
}

int journal_strv_add(char ***list, const char *path) {
        size_t n = 0;
        char **l;

        while (*list && (*list)[n])
                n++;
        l = reallocarray(*list, n + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        *list = l;
        l[n] = strdup(path);
        if (!l[n])
                return -ENOMEM;
        l[n + 1] = NULL;
        return 0;
}

static void put_value(FILE *f, const char *key, const char *value) {
        fprintf(f, "%s=", key);
        for (const char *p = value; *p; p++)
                if (*p == '\\')
                        fputs("\\\\", f);
                else if (*p == '\n')
                        fputs("\\n", f);
                else
                        fputc(*p, f);
        fputc('\n', f);
}

int journal_entry_format(const JournalEntry *e, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        assert(e);
        assert(ret);

        if (!journal_operation_to_string(e->operation) || !e->name)
                return -EINVAL;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        put_value(f, "Operation", journal_operation_to_string(e->operation));
        put_value(f, "Name", e->name);
        if (e->origin)
                put_value(f, "Origin", e->origin);
        if (e->config)
                put_value(f, "Config", e->config);
        if (e->ram_file)
                put_value(f, "RamFile", e->ram_file);
        for (char **p = e->created; p && *p; p++)
                put_value(f, "Created", *p);
        for (char **p = e->delete; p && *p; p++)
                put_value(f, "Delete", *p);
        if (e->operation == JOURNAL_RESIZE)
                fprintf(f, "OldSize=%" PRIu64 "\nNewSize=%" PRIu64 "\n", e->old_size, e->new_size);
        if (fclose(f) != 0)
                return -ENOMEM;

        *ret = TAKE_PTR(buf);
        return 0;
}

/* Undoes put_value()'s escaping in place; -EINVAL for a stray '\'. */
static int unescape(char *s) {
        char *w = s;

        for (char *p = s; *p; p++) {
                if (*p != '\\') {
                        *w++ = *p;
                        continue;
                }
                p++;
                if (*p == '\\')
                        *w++ = '\\';
                else if (*p == 'n')
                        *w++ = '\n';
                else
                        return -EINVAL;
        }
        *w = '\0';
        return 0;
}

static int set_once(char **field, const char *value) {
        if (*field)
                return -EINVAL;
        *field = strdup(value);
        return *field ? 0 : -ENOMEM;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;

        if (!s[0] || s[0] == '-' || s[0] == '+')
                return -EINVAL;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno || *end ? -EINVAL : 0;
}

int journal_entry_parse(const char *text, JournalEntry *ret) {
        _cleanup_free_ char *copy = NULL;
        JournalEntry e = { .operation = _JOURNAL_OPERATION_INVALID };
        bool has_old = false, has_new = false;
        char *line, *next;
        int r = 0;

        assert(text);
        assert(ret);

        copy = strdup(text);
        if (!copy)
                return -ENOMEM;

        for (line = copy; line && *line; line = next) {
                char *eq;

                next = strchr(line, '\n');
                if (!next) {
                        r = -EINVAL; /* a torn last line */
                        break;
                }
                *next++ = '\0';

                eq = strchr(line, '=');
                if (!eq) {
                        r = -EINVAL;
                        break;
                }
                *eq = '\0';
                r = unescape(eq + 1);
                if (r < 0)
                        break;

                if (streq(line, "Operation")) {
                        if (e.operation >= 0) {
                                r = -EINVAL;
                                break;
                        }
                        e.operation = journal_operation_from_string(eq + 1);
                        if (e.operation < 0) {
                                r = -EINVAL;
                                break;
                        }
                } else if (streq(line, "Name"))
                        r = device_name_is_valid(eq + 1) ? set_once(&e.name, eq + 1) : -EINVAL;
                else if (streq(line, "Origin"))
                        r = set_once(&e.origin, eq + 1);
                else if (streq(line, "Config"))
                        r = set_once(&e.config, eq + 1);
                else if (streq(line, "RamFile"))
                        r = set_once(&e.ram_file, eq + 1);
                else if (streq(line, "Created"))
                        r = journal_strv_add(&e.created, eq + 1);
                else if (streq(line, "Delete"))
                        r = journal_strv_add(&e.delete, eq + 1);
                else if (streq(line, "OldSize") && !has_old) {
                        r = parse_u64(eq + 1, &e.old_size);
                        has_old = true;
                } else if (streq(line, "NewSize") && !has_new) {
                        r = parse_u64(eq + 1, &e.new_size);
                        has_new = true;
                } else
                        r = -EINVAL;
                if (r < 0)
                        break;
        }

        if (r >= 0 && (e.operation < 0 || !e.name || (e.operation == JOURNAL_RESIZE && !(has_old && has_new))))
                r = -EINVAL;
        if (r < 0) {
                journal_entry_done(&e);
                return r;
        }
        *ret = e;
        return 0;
}

static int journal_path(const char *dir, const char *name, char **ret) {
        if (!device_name_is_valid(name))
                return -EINVAL;
        return asprintf(ret, "%s/%s", dir, name) < 0 ? -ENOMEM : 0;
}

static int mkdir_parents(const char *dir) {
        _cleanup_free_ char *copy = strdup(dir);

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(copy, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *p = '/';
                }
        if (mkdir(copy, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int journal_write(const char *dir, const JournalEntry *e) {
        _cleanup_free_ char *text = NULL, *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        size_t len;
        int r;

        r = journal_entry_format(e, &text);
        if (r < 0)
                return r;
        r = journal_path(dir, e->name, &path);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s/.#%s", dir, e->name) < 0)
                return -ENOMEM;
        r = mkdir_parents(dir);
        if (r < 0)
                return r;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        len = strlen(text);
        if (write(fd, text, len) != (ssize_t) len || fsync(fd) < 0) {
                r = errno > 0 ? -errno : -EIO;
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        /* /run is tmpfs, but the directory might not be: make the rename stick. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
}

int journal_remove(const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = journal_path(dir, name, &path);
        if (r < 0)
                return r;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int journal_read(const char *dir, const char *name, JournalEntry *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        size_t n;
        int r;

        r = journal_path(dir, name, &path);
        if (r < 0)
                return r;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        /* An entry is a few hundred bytes; a huge one is not ours. */
        text = malloc(65537);
        if (!text)
                return -ENOMEM;
        n = fread(text, 1, 65536, f);
        if (ferror(f))
                return -EIO;
        if (n == 65536)
                return -EFBIG;
        text[n] = '\0';
        if (strlen(text) != n)
                return -EINVAL;
        return journal_entry_parse(text, ret);
}

int journal_list(const char *dir, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        names = calloc(1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = TAKE_PTR(names);
                return 0;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.') {
                        /* A temporary file of a write that never finished. */
                        if (startswith(de->d_name, ".#"))
                                (void) unlinkat(dirfd(d), de->d_name, 0);
                        continue;
                }
                r = journal_strv_add(&names, de->d_name);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(names);
        return 0;
}
