/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * libFuzzer entry point for bus_read_options(), in two modes picked by
 * bit 3 of the first byte (bits 0-1 pick the method's key list):
 *  - wire: the rest of the input is the body of a method call whose
 *    signature claims "a{sv}", sent over a socketpair to a server-mode
 *    sd-bus connection exactly as a client's bytes would arrive (bit 2
 *    picks the byte order). sd-bus parses the header we write and
 *    validates the body lazily, while bus_read_options() walks it.
 *  - built: the rest of the input is a list of entries (key, value type,
 *    value) appended with sd-bus's own API. libsystemd is not instrumented,
 *    so raw bytes rarely get past its framing; this mode reaches every
 *    branch of bus_read_options() (wrong types, duplicates, keys not
 *    allowed) within seconds.
 * Build by hand with:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Idaemon \
 *         tests/fuzz/fuzz-bus-options.c daemon/bus-options.c daemon/device-config.c \
 *         daemon/size-util.c daemon/validate.c -lsystemd -o fuzz-bus-options
 *   ./fuzz-bus-options -max_total_time=60 corpus
 * (or through meson, see meson.build). An empty corpus works; libFuzzer
 * finds the key names through its string compare hooks.
 *
 * Besides memory errors and leaks it checks the promises of bus-options.h:
 * a refusal with an error set is InvalidArgs; a failure leaves the output
 * alone; a success has no error, booleans of -1, 0 or 1 and complete
 * Backing entries; and reading the same call again after a rewind (as the
 * polkit path does) gives the same answer.
 */

#include <assert.h>
#include <stdio.h>
#include <sys/socket.h>

#include "bus-options.h"

static const char *const key_lists[4][8] = {
        { "Backing", "ReadOnly", "Persistent", "CreateBacking", NULL },
        { "Force", "DeleteBacking", NULL },
        { "AllowShrink", NULL },
        { "Backing", "ReadOnly", "Persistent", "CreateBacking", "Force", "DeleteBacking", "AllowShrink", NULL },
};

typedef struct Writer {
        uint8_t *buf;
        size_t len;
        bool big_endian;
} Writer;

static void put(Writer *w, const void *p, size_t n) {
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

static void put_u8(Writer *w, uint8_t v) {
        put(w, &v, 1);
}

static void put_u32(Writer *w, uint32_t v) {
        uint8_t b[4];

        for (int i = 0; i < 4; i++)
                b[w->big_endian ? 3 - i : i] = (uint8_t) (v >> (8 * i));
        put(w, b, 4);
}

static void pad8(Writer *w) {
        while (w->len % 8 != 0)
                put_u8(w, 0);
}

/* One header field (code, variant of a string-like type). */
static void put_field(Writer *w, uint8_t code, char type, const char *value) {
        size_t l = strlen(value);

        pad8(w);
        put_u8(w, code);
        put_u8(w, 1);
        put_u8(w, (uint8_t) type);
        put_u8(w, 0);
        if (type == 'g')
                put_u8(w, (uint8_t) l);
        else
                put_u32(w, (uint32_t) l);
        put(w, value, l + 1);
}

/* A method call header for body_size bytes with signature a{sv}, padded
 * so that the body may follow. */
static size_t build_header(uint8_t *buf, bool big_endian, uint32_t body_size) {
        Writer w = { .buf = buf, .big_endian = big_endian };
        size_t fields_start;

        put_u8(&w, big_endian ? 'B' : 'l');
        put_u8(&w, 1); /* METHOD_CALL */
        put_u8(&w, 0); /* flags */
        put_u8(&w, 1); /* protocol version */
        put_u32(&w, body_size);
        put_u32(&w, 1); /* serial */
        put_u32(&w, 0); /* length of the fields, below */
        fields_start = w.len;
        put_field(&w, 1, 'o', "/org/dmloop1");
        put_field(&w, 2, 's', "org.dmloop1.Manager");
        put_field(&w, 3, 's', "CreateDevice");
        put_field(&w, 8, 'g', "a{sv}");
        {
                Writer f = { .buf = buf, .len = fields_start - 4, .big_endian = big_endian };

                put_u32(&f, (uint32_t) (w.len - fields_start));
        }
        pad8(&w);
        return w.len;
}

static int filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_message **ret = userdata;

        if (!*ret && sd_bus_message_is_method_call(m, "org.dmloop1.Manager", "CreateDevice"))
                *ret = sd_bus_message_ref(m);
        return 1; /* handled: sd-bus sends no reply of its own */
}

/* Delivers the message through a fresh server-mode connection; NULL when
 * sd-bus refuses it before any method handler would see it. */
static sd_bus_message *receive(const uint8_t *header, size_t header_size, const uint8_t *body, size_t body_size) {
        /* Pipelined, as sd-bus clients do it too. */
        static const char auth[] = "\0AUTH ANONYMOUS 646d6c6f6f70\r\nBEGIN\r\n";
        sd_bus_message *m = NULL;
        sd_bus *bus = NULL;
        sd_id128_t id = { .bytes = { 1 } };
        int fds[2], r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
                return NULL;
        if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_set_server(bus, 1, id) < 0 ||
            sd_bus_set_anonymous(bus, 1) < 0 || sd_bus_add_filter(bus, NULL, filter, &m) < 0 || sd_bus_start(bus) < 0)
                goto finish;
        if (write(fds[1], auth, sizeof(auth) - 1) != (ssize_t) sizeof(auth) - 1 ||
            write(fds[1], header, header_size) != (ssize_t) header_size ||
            (body_size > 0 && write(fds[1], body, body_size) != (ssize_t) body_size))
                goto finish;

        /* Everything is already in the socket: process until sd-bus hands
         * out the call, or has nothing left to do. */
        for (int i = 0; i < 16 && !m; i++) {
                r = sd_bus_process(bus, NULL);
                if (r <= 0)
                        break;
        }

finish:
        if (bus)
                (void) sd_bus_close_unref(bus);
        else
                close(fds[0]);
        close(fds[1]);
        return m;
}

/* Input bytes, consumed from the front; zeros once exhausted. */
typedef struct Reader {
        const uint8_t *p;
        size_t left;
} Reader;

static uint8_t take(Reader *r) {
        if (r->left == 0)
                return 0;
        r->left--;
        return *r->p++;
}

static uint64_t take_u64(Reader *r) {
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = v << 8 | take(r);
        return v;
}

/* A short printable string (D-Bus strings must be UTF-8 without NULs). */
static void take_string(Reader *r, char buf[static 17]) {
        size_t n = take(r) % 17;

        for (size_t i = 0; i < n; i++)
                buf[i] = (char) (0x20 + take(r) % 0x5f);
        buf[n] = '\0';
}

static sd_bus_message *build(const uint8_t *data, size_t size) {
        static const char *const keys[] = {
                "Backing",     "ReadOnly", "Persistent", "CreateBacking", "Force", "DeleteBacking",
                "AllowShrink", "Bogus",    "",           "readonly",
        };
        Reader r = { .p = data, .left = size };
        sd_bus_message *m = NULL;
        sd_bus *bus = NULL;
        int fds[2] = { -EBADF, -EBADF };
        bool ok = false;

        /* sd-bus builds messages only on an open bus; nothing is sent. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
                return NULL;
        if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0 ||
            sd_bus_message_new_method_call(bus, &m, "org.dmloop1", "/org/dmloop1", "org.dmloop1.Manager",
                                           "CreateDevice") < 0 ||
            sd_bus_message_open_container(m, 'a', "{sv}") < 0)
                goto finish;

        for (unsigned n = 0; r.left > 0 && n < 64; n++) {
                const char *key = keys[take(&r) % ELEMENTSOF(keys)];
                char s[17];
                int q;

                if (sd_bus_message_open_container(m, 'e', "sv") < 0 || sd_bus_message_append(m, "s", key) < 0)
                        goto finish;
                switch (take(&r) % 7) {
                case 0:
                        q = sd_bus_message_append(m, "v", "b", take(&r) & 1);
                        break;
                case 1:
                        take_string(&r, s);
                        q = sd_bus_message_append(m, "v", "s", s);
                        break;
                case 2:
                        q = sd_bus_message_append(m, "v", "t", take_u64(&r));
                        break;
                case 3: {
                        unsigned k = take(&r) % 5;

                        q = sd_bus_message_open_container(m, 'v', "a(st)");
                        if (q >= 0)
                                q = sd_bus_message_open_container(m, 'a', "(st)");
                        for (unsigned i = 0; q >= 0 && i < k; i++) {
                                take_string(&r, s);
                                q = sd_bus_message_append(m, "(st)", s, take_u64(&r));
                        }
                        if (q >= 0)
                                q = sd_bus_message_close_container(m);
                        if (q >= 0)
                                q = sd_bus_message_close_container(m);
                        break;
                }
                case 4:
                        take_string(&r, s);
                        q = sd_bus_message_append(m, "v", "as", 1, s);
                        break;
                case 5:
                        take_string(&r, s);
                        q = sd_bus_message_append(m, "v", "(st)", s, take_u64(&r));
                        break;
                default:
                        q = sd_bus_message_append(m, "v", "a(ss)", 1, "/a", "1M");
                        break;
                }
                if (q < 0 || sd_bus_message_close_container(m) < 0)
                        goto finish;
        }
        if (sd_bus_message_close_container(m) < 0 || sd_bus_message_seal(m, 1, 0) < 0 ||
            sd_bus_message_rewind(m, true) < 0)
                goto finish;
        ok = true;

finish:
        if (!ok)
                m = sd_bus_message_unref(m);
        if (bus)
                (void) sd_bus_close_unref(bus);
        else
                safe_close(fds[0]);
        safe_close(fds[1]);
        return m;
}

static bool is_flag(int v) {
        return v >= -1 && v <= 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL, error2 = SD_BUS_ERROR_NULL;
        static const BusOptions sentinel = { .read_only = 42, .n_backing = 42, .has_backing = true };
        const char *const *keys;
        BusOptions o = sentinel, o2 = sentinel;
        uint8_t header[256];
        size_t header_size;
        sd_bus_message *m;
        int r, r2;

        /* Keep within the socket buffer, so the writes never block. */
        if (size < 1 || size > 65536)
                return 0;
        keys = key_lists[data[0] & 3];
        if (data[0] & 8)
                m = build(data + 1, size - 1);
        else {
                header_size = build_header(header, data[0] & 4, (uint32_t) (size - 1));
                m = receive(header, header_size, data + 1, size - 1);
        }
        if (!m)
                return 0;

        r = bus_read_options(m, keys, &o, &error);
        if (r < 0) {
                assert(o.read_only == sentinel.read_only && o.persistent == 0 && o.n_backing == sentinel.n_backing &&
                       o.backing == NULL && o.has_backing);
                if (sd_bus_error_is_set(&error)) {
                        assert(r == -EINVAL);
                        assert(streq(error.name, SD_BUS_ERROR_INVALID_ARGS));
                        assert(strstr(error.message, "'options'"));
                }
        } else {
                assert(r == 0);
                assert(!sd_bus_error_is_set(&error));
                assert(is_flag(o.read_only) && is_flag(o.persistent) && is_flag(o.create_backing) &&
                       is_flag(o.force) && is_flag(o.delete_backing) && is_flag(o.allow_shrink));
                assert(o.n_backing == 0 || o.has_backing);
                assert(!o.has_backing || (keys != key_lists[1] && keys != key_lists[2]));
                for (size_t i = 0; i < o.n_backing; i++)
                        assert(o.backing[i].path && strlen(o.backing[i].path) < MAX(size, 17u));
        }

        /* Again, as after polkit's answer. */
        assert(sd_bus_message_rewind(m, true) >= 0);
        r2 = bus_read_options(m, keys, &o2, &error2);
        assert(r2 == r);
        assert(sd_bus_error_is_set(&error2) == sd_bus_error_is_set(&error));
        if (r >= 0) {
                assert(o2.read_only == o.read_only && o2.persistent == o.persistent &&
                       o2.create_backing == o.create_backing && o2.force == o.force &&
                       o2.delete_backing == o.delete_backing && o2.allow_shrink == o.allow_shrink);
                assert(o2.has_backing == o.has_backing && o2.n_backing == o.n_backing);
                for (size_t i = 0; i < o.n_backing; i++)
                        assert(streq(o2.backing[i].path, o.backing[i].path) &&
                               o2.backing[i].size == o.backing[i].size);
                bus_options_done(&o);
                bus_options_done(&o2);
        } else if (sd_bus_error_is_set(&error))
                assert(streq(error2.message, error.message));

        sd_bus_message_unref(m);
        return 0;
}
