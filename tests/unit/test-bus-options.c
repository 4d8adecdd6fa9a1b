/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bus_read_options() on real messages. sd-bus only creates messages on an
 * open bus, so the bus is given one end of a socketpair and started: that
 * is enough to build a method call, seal it and read it back as the
 * method handler would, with nothing sent and no peer needed.
 */

#include "tests.h"

#include <stdarg.h>
#include <sys/socket.h>

#include "bus-options.h"

static const char *const create_keys[] = { "Backing", "ReadOnly", "Persistent", "CreateBacking", NULL };
static const char *const remove_keys[] = { "Force", "DeleteBacking", NULL };
static const char *const all_keys[] = {
        "Backing", "ReadOnly", "Persistent", "CreateBacking", "Force", "DeleteBacking", "AllowShrink", NULL,
};

static sd_bus *bus;
static int peer_fd = -EBADF;

static void bus_setup(void) {
        int fds[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                TEST_FAIL("socketpair: %m");
        ASSERT_OK(sd_bus_new(&bus));
        ASSERT_OK(sd_bus_set_fd(bus, fds[0], fds[0]));
        ASSERT_OK(sd_bus_start(bus));
        peer_fd = fds[1];
}

static void bus_teardown(void) {
        /* Not flush: that would wait for an authentication no one answers. */
        bus = sd_bus_close_unref(bus);
        peer_fd = safe_close(peer_fd);
}

/* A sealed CreateDevice-like call: "s" "name", then what "append" adds,
 * rewound so that the reader is at the first argument after the name. */
static sd_bus_message *message_new(void (*append)(sd_bus_message *m)) {
        sd_bus_message *m = NULL;
        const char *name;

        ASSERT_OK(sd_bus_message_new_method_call(bus, &m, "org.dmloop1", "/org/dmloop1", "org.dmloop1.Manager",
                                                 "CreateDevice"));
        ASSERT_OK(sd_bus_message_append(m, "s", "name"));
        append(m);
        ASSERT_OK(sd_bus_message_append(m, "s", "after"));
        ASSERT_OK(sd_bus_message_seal(m, 1, 0));
        ASSERT_OK(sd_bus_message_rewind(m, true));
        ASSERT_OK(sd_bus_message_read(m, "s", &name));
        ASSERT_STREQ(name, "name");
        return m;
}

/* The argument after the options is where a handler expects it. */
static void assert_after(sd_bus_message *m) {
        const char *s;

        ASSERT_OK(sd_bus_message_read(m, "s", &s));
        ASSERT_STREQ(s, "after");
}

/* Reads options that must be refused with InvalidArgs, with "needle" in
 * the message; ret must be left alone. */
static void expect_invalid(void (*append)(sd_bus_message *m), const char *const *keys, const char *needle) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append);
        BusOptions o = { .read_only = 7, .n_backing = 7 };
        int r;

        r = bus_read_options(m, keys, &o, &error);
        ASSERT_EQ(r, -EINVAL);
        ASSERT_TRUE(sd_bus_error_is_set(&error));
        ASSERT_STREQ(error.name, SD_BUS_ERROR_INVALID_ARGS);
        if (!strstr(error.message, needle))
                TEST_FAIL("\"%s\" not in \"%s\"", needle, error.message);
        ASSERT_EQ(o.read_only, 7);
        ASSERT_EQ(o.n_backing, 7);
        ASSERT_TRUE(o.backing == NULL);
        sd_bus_message_unref(m);
}

static void append_all(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 7, "ReadOnly", "b", 1, "Persistent", "b", 0, "CreateBacking", "b",
                                        1, "Force", "b", 0, "DeleteBacking", "b", 1, "AllowShrink", "b", 0, "Backing",
                                        "a(st)", 1, "/srv/a.img", (uint64_t) 512));
}

static void test_all_keys(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_all);
        BusOptions o;

        ASSERT_OK(bus_read_options(m, all_keys, &o, &error));
        ASSERT_FALSE(sd_bus_error_is_set(&error));
        ASSERT_EQ(o.read_only, 1);
        ASSERT_EQ(o.persistent, 0);
        ASSERT_EQ(o.create_backing, 1);
        ASSERT_EQ(o.force, 0);
        ASSERT_EQ(o.delete_backing, 1);
        ASSERT_EQ(o.allow_shrink, 0);
        ASSERT_TRUE(o.has_backing);
        ASSERT_EQ(o.n_backing, 1);
        ASSERT_STREQ(o.backing[0].path, "/srv/a.img");
        ASSERT_EQ_U64(o.backing[0].size, 512);
        assert_after(m);
        bus_options_done(&o);
        ASSERT_EQ(o.n_backing, 0);
        ASSERT_TRUE(o.backing == NULL);

        /* The polkit path rewinds and reads the same call again. */
        ASSERT_OK(sd_bus_message_rewind(m, true));
        ASSERT_OK(sd_bus_message_skip(m, "s"));
        ASSERT_OK(bus_read_options(m, all_keys, &o, &error));
        ASSERT_EQ(o.read_only, 1);
        ASSERT_EQ(o.n_backing, 1);
        assert_after(m);
        bus_options_done(&o);
        sd_bus_message_unref(m);
}

static void append_true_values(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "Force", "b", 1, "DeleteBacking", "b", true));
}

static void test_booleans(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_true_values);
        BusOptions o;

        ASSERT_OK(bus_read_options(m, remove_keys, &o, &error));
        ASSERT_EQ(o.force, 1);
        ASSERT_EQ(o.delete_backing, 1);
        /* Not given: -1, so a method can tell "false" from "default". */
        ASSERT_EQ(o.read_only, -1);
        ASSERT_EQ(o.persistent, -1);
        ASSERT_EQ(o.create_backing, -1);
        ASSERT_EQ(o.allow_shrink, -1);
        ASSERT_FALSE(o.has_backing);
        bus_options_done(&o);
        sd_bus_message_unref(m);
}

static void append_empty(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 0));
}

static void test_empty(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_empty);
        BusOptions o;

        ASSERT_OK(bus_read_options(m, create_keys, &o, &error));
        ASSERT_FALSE(sd_bus_error_is_set(&error));
        ASSERT_EQ(o.read_only, -1);
        ASSERT_EQ(o.persistent, -1);
        ASSERT_EQ(o.create_backing, -1);
        ASSERT_EQ(o.force, -1);
        ASSERT_EQ(o.delete_backing, -1);
        ASSERT_EQ(o.allow_shrink, -1);
        ASSERT_FALSE(o.has_backing);
        ASSERT_EQ(o.n_backing, 0);
        ASSERT_TRUE(o.backing == NULL);
        assert_after(m);
        bus_options_done(&o);
        sd_bus_message_unref(m);
}

static void append_backing_many(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "ReadOnly", "b", 0, "Backing", "a(st)", 3, "/srv/a.img",
                                        (uint64_t) 16 << 20, "relative.img", (uint64_t) 1000, "/srv/c.img",
                                        (uint64_t) 0));
}

static void test_backing_many(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_backing_many);
        BusOptions o;

        /* Read as given, in order; checking paths and sizes is the caller's job. */
        ASSERT_OK(bus_read_options(m, create_keys, &o, &error));
        ASSERT_EQ(o.read_only, 0);
        ASSERT_TRUE(o.has_backing);
        ASSERT_EQ(o.n_backing, 3);
        ASSERT_STREQ(o.backing[0].path, "/srv/a.img");
        ASSERT_EQ_U64(o.backing[0].size, 16 << 20);
        ASSERT_STREQ(o.backing[1].path, "relative.img");
        ASSERT_EQ_U64(o.backing[1].size, 1000);
        ASSERT_STREQ(o.backing[2].path, "/srv/c.img");
        ASSERT_EQ_U64(o.backing[2].size, 0);
        assert_after(m);
        bus_options_done(&o);
        sd_bus_message_unref(m);
}

static void append_backing_empty(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "a(st)", 0));
}

static void test_backing_empty(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_backing_empty);
        BusOptions o;

        /* Given but empty: has_backing tells it from "not given". */
        ASSERT_OK(bus_read_options(m, create_keys, &o, &error));
        ASSERT_TRUE(o.has_backing);
        ASSERT_EQ(o.n_backing, 0);
        assert_after(m);
        bus_options_done(&o);
        sd_bus_message_unref(m);
}

static void append_unknown(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "ReadOnly", "b", 1, "Colour", "s", "blue"));
}

static void append_unknown_after_backing(sd_bus_message *m) {
        /* The Backing list read so far must be freed (ASan checks). */
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "Backing", "a(st)", 2, "/srv/a.img", (uint64_t) 512,
                                        "/srv/b.img", (uint64_t) 0, "readonly", "b", 1));
}

static void append_force(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Force", "b", 1));
}

static void append_readonly_string(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "ReadOnly", "s", "yes"));
}

static void append_readonly_uint(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "ReadOnly", "u", 1));
}

static void append_backing_strv(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "as", 1, "/srv/a.img"));
}

static void append_backing_struct_ss(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "a(ss)", 1, "/srv/a.img", "1M"));
}

static void append_backing_single(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "(st)", "/srv/a.img", (uint64_t) 512));
}

static void append_duplicate_bool(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "ReadOnly", "b", 0, "ReadOnly", "b", 0));
}

static void append_duplicate_backing(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "Backing", "a(st)", 1, "/srv/a.img", (uint64_t) 512, "Backing",
                                        "a(st)", 1, "/srv/b.img", (uint64_t) 512));
}

static void append_duplicate_empty_backing(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 2, "Backing", "a(st)", 0, "Backing", "a(st)", 0));
}

static void append_bogus(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Bogus", "b", 1));
}

static void append_backing_newline(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "a(st)", 2, "/srv/a.img", (uint64_t) 512,
                                        "/srv/b\n.img", (uint64_t) 0));
}

static void append_backing_vtab(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "a(st)", 1, "/srv/a\v0 1 linear", (uint64_t) 0));
}

static void append_backing_del(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "a(st)", 1, "/srv/a\x7f.img", (uint64_t) 0));
}

static void append_backing_duplicate(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "a{sv}", 1, "Backing", "a(st)", 3, "/srv/b.img", (uint64_t) 512,
                                        "/srv/a.img", (uint64_t) 512, "/srv/b.img", (uint64_t) 0));
}

/* n entries "/srv/<i>.img", or n - 1 of them and then "/srv/0.img" again. */
static void append_backing_n(sd_bus_message *m, unsigned n, bool repeat_first) {
        ASSERT_OK(sd_bus_message_open_container(m, 'a', "{sv}"));
        ASSERT_OK(sd_bus_message_open_container(m, 'e', "sv"));
        ASSERT_OK(sd_bus_message_append(m, "s", "Backing"));
        ASSERT_OK(sd_bus_message_open_container(m, 'v', "a(st)"));
        ASSERT_OK(sd_bus_message_open_container(m, 'a', "(st)"));
        for (unsigned i = 0; i < n; i++) {
                char path[32];

                snprintf(path, sizeof(path), "/srv/%u.img", repeat_first && i == n - 1 ? 0 : i);
                ASSERT_OK(sd_bus_message_append(m, "(st)", path, (uint64_t) 512));
        }
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_close_container(m));
}

static void append_backing_max(sd_bus_message *m) {
        append_backing_n(m, BUS_BACKING_MAX, false);
}

static void append_backing_too_many(sd_bus_message *m) {
        append_backing_n(m, BUS_BACKING_MAX + 1, false);
}

static void append_backing_huge(sd_bus_message *m) {
        append_backing_n(m, 100000, false);
}

static void append_backing_max_duplicate(sd_bus_message *m) {
        append_backing_n(m, BUS_BACKING_MAX, true);
}

static void test_backing_bounds(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_backing_max);
        BusOptions o;

        /* Exactly the limit is fine. */
        ASSERT_OK(bus_read_options(m, create_keys, &o, &error));
        ASSERT_EQ(o.n_backing, BUS_BACKING_MAX);
        ASSERT_STREQ(o.backing[BUS_BACKING_MAX - 1].path, "/srv/63.img");
        assert_after(m);
        bus_options_done(&o);
        sd_bus_message_unref(m);

        expect_invalid(append_backing_too_many, create_keys, "more than 64 entries");
        /* Refused at the 65th entry, whatever follows. */
        expect_invalid(append_backing_huge, create_keys, "more than 64 entries");
        expect_invalid(append_backing_max_duplicate, create_keys, "\"/srv/0.img\" twice");
}

static void test_refused(void) {
        expect_invalid(append_unknown, create_keys, "'Colour'");
        expect_invalid(append_unknown_after_backing, create_keys, "'readonly'");
        /* Known to the parser, but not allowed for this method. */
        expect_invalid(append_force, create_keys, "'Force'");
        expect_invalid(append_readonly_string, create_keys, "'ReadOnly'");
        expect_invalid(append_readonly_uint, all_keys, "'ReadOnly'");
        expect_invalid(append_backing_strv, create_keys, "'Backing'");
        expect_invalid(append_backing_struct_ss, create_keys, "'Backing'");
        expect_invalid(append_backing_single, create_keys, "'Backing'");
        expect_invalid(append_duplicate_bool, create_keys, "'ReadOnly' given twice");
        expect_invalid(append_duplicate_backing, create_keys, "'Backing' given twice");
        expect_invalid(append_duplicate_empty_backing, create_keys, "'Backing' given twice");
        /* Control characters: a newline is cut by sysfs, \v and the like
         * split dm tables. The message names the entry, not the path. */
        expect_invalid(append_backing_newline, create_keys, "Entry 2 of option 'Backing'");
        expect_invalid(append_backing_newline, create_keys, "control character");
        expect_invalid(append_backing_vtab, create_keys, "Entry 1 of option 'Backing'");
        expect_invalid(append_backing_del, create_keys, "control character");
        expect_invalid(append_backing_duplicate, create_keys, "\"/srv/b.img\" twice");
        /* Allowed by the method's list but unknown to the parser. */
        expect_invalid(append_bogus, (const char *const[]){ "Bogus", NULL }, "'Bogus'");
        /* An empty key list refuses everything. */
        expect_invalid(append_force, (const char *const[]){ NULL }, "'Force'");
}

static void append_not_a_dict(sd_bus_message *m) {
        ASSERT_OK(sd_bus_message_append(m, "as", 1, "ReadOnly"));
}

static void test_not_a_dict(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = message_new(append_not_a_dict);
        BusOptions o = { .read_only = 7 };

        /* The vtable's signature keeps this from happening; it must still
         * fail cleanly, with an errno sd-bus turns into a reply. */
        ASSERT_TRUE(bus_read_options(m, create_keys, &o, &error) < 0);
        ASSERT_EQ(o.read_only, 7);
        sd_bus_message_unref(m);
}

int main(void) {
        bus_setup();
        TEST_RUN(test_all_keys);
        TEST_RUN(test_booleans);
        TEST_RUN(test_empty);
        TEST_RUN(test_backing_many);
        TEST_RUN(test_backing_empty);
        TEST_RUN(test_refused);
        TEST_RUN(test_backing_bounds);
        TEST_RUN(test_not_a_dict);
        bus_teardown();
        TEST_DONE();
}
