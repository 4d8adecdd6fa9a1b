/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Small helpers shared by every file: scope-based cleanup and a few
 * arithmetic and string macros. Every *_free() helper accepts NULL and
 * returns NULL, so "p = foo_free(p);" is always safe.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline const char *strempty(const char *s) {
        return s ?: "";
}

static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Defines "static inline void name##p(type *p)" calling func(*p) when set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) { \
                if (*p) \
                        *p = func(*p); \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}

static inline void closep(int *fd) {
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void strv_freep(char ***p);
static inline char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}
static inline void strv_freep(char ***p) {
        *p = strv_free(*p);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Hands ownership of a pointer to the caller and leaves NULL behind. */
#define TAKE_PTR(p) \
        ({ \
                __typeof__(p) _ptr_ = (p); \
                (p) = NULL; \
                _ptr_; \
        })

#define TAKE_FD(fd) \
        ({ \
                int _fd_ = (fd); \
                (fd) = -EBADF; \
                _fd_; \
        })

#define SECTOR_SIZE 512ULL

static inline void *mfree_array(void *p) {
        free(p);
        return NULL;
}
#define mfree(p) mfree_array(p)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* IN_SET(x, a, b, ...): x equals one of the listed values. */
#define IN_SET(x, first, ...) \
        ({ \
                const __typeof__(first) _in_set_list_[] = { first, __VA_ARGS__ }; \
                bool _in_set_found_ = false; \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_in_set_list_); _i_++) \
                        if ((x) == _in_set_list_[_i_]) { \
                                _in_set_found_ = true; \
                                break; \
                        } \
                _in_set_found_; \
        })
