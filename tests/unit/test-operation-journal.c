/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "operation-journal.h"
#include "tests.h"

static void test_round_trip(void) {
        _cleanup_free_ char *text = NULL, *again = NULL;
        JournalEntry e = {
                .operation = JOURNAL_CREATE,
                .name = (char *) "data-1",
                .origin = (char *) "/etc/dmloop.d/data.conf",
                .config = (char *) "/etc/dmloop.d/data-1.conf",
                .ram_file = (char *) "/run/dmloop/ram/data-1",
        };
        char *created[] = { (char *) "/srv/a b.img", (char *) "/srv/odd\\name\nwith newline", NULL };
        JournalEntry p = {};

        e.created = created;
        ASSERT_OK(journal_entry_format(&e, &text));
        ASSERT_STREQ(text, "Operation=create\n"
                           "Name=data-1\n"
                           "Origin=/etc/dmloop.d/data.conf\n"
                           "Config=/etc/dmloop.d/data-1.conf\n"
                           "RamFile=/run/dmloop/ram/data-1\n"
                           "Created=/srv/a b.img\n"
                           "Created=/srv/odd\\\\name\\nwith newline\n");
        ASSERT_OK(journal_entry_parse(text, &p));
        ASSERT_EQ(p.operation, JOURNAL_CREATE);
        ASSERT_STREQ(p.name, "data-1");
        ASSERT_STREQ(p.created[1], "/srv/odd\\name\nwith newline");
        ASSERT_TRUE(p.created[2] == NULL);
        ASSERT_TRUE(p.delete == NULL);
        ASSERT_OK(journal_entry_format(&p, &again));
        ASSERT_STREQ(again, text);
        journal_entry_done(&p);
}

static void test_resize(void) {
        _cleanup_free_ char *text = NULL;
        JournalEntry e = {
                .operation = JOURNAL_RESIZE,
                .name = (char *) "r",
                .origin = (char *) "bus",
                .old_size = 1048576,
                .new_size = UINT64_MAX - 511,
        };
        JournalEntry p = {};

        ASSERT_OK(journal_entry_format(&e, &text));
        ASSERT_OK(journal_entry_parse(text, &p));
        ASSERT_EQ_U64(p.old_size, 1048576);
        ASSERT_EQ_U64(p.new_size, UINT64_MAX - 511);
        journal_entry_done(&p);

        /* A resize without its sizes cannot be recovered. */
        ASSERT_EQ(journal_entry_parse("Operation=resize\nName=r\nOldSize=1\n", &p), -EINVAL);
}

static void test_invalid(void) {
        static const char *const bad[] = {
                "",
                "Name=x\n", /* no Operation= */
                "Operation=create\n", /* no Name= */
                "Operation=create\nName=x", /* torn last line */
                "Operation=copy\nName=x\n", /* unknown operation */
                "Operation=create\nName=../x\n", /* not a device name */
                "Operation=create\nName=x\nName=y\n", /* repeated */
                "Operation=create\nOperation=remove\nName=x\n",
                "Operation=create\nName=x\nColour=red\n", /* unknown key */
                "Operation=create\nName=x\nCreated=a\\tb\n", /* bad escape */
                "Operation=create\nName=x\nno equals sign\n",
                "Operation=resize\nName=x\nOldSize=-1\nNewSize=2\n",
                "Operation=resize\nName=x\nOldSize=1\nNewSize=99999999999999999999\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                JournalEntry p = { .name = (char *) "untouched" };

                ASSERT_EQ(journal_entry_parse(bad[i], &p), -EINVAL);
                ASSERT_STREQ(p.name, "untouched");
        }
}

static void test_files(void) {
        _cleanup_free_ char *dir = test_mkdtemp(), *sub = NULL;
        _cleanup_strv_free_ char **names = NULL;
        JournalEntry e = { .operation = JOURNAL_REMOVE, .name = (char *) "gone", .origin = (char *) "bus" };
        JournalEntry p = {};
        char *del[] = { (char *) "/srv/gone.img", NULL };

        ASSERT_TRUE(asprintf(&sub, "%s/run/journal", dir) > 0);
        e.delete = del;

        /* A missing directory is an empty journal. */
        ASSERT_OK(journal_list(sub, &names));
        ASSERT_TRUE(names[0] == NULL);
        names = strv_free(names);

        ASSERT_OK(journal_write(sub, &e));
        ASSERT_OK(journal_read(sub, "gone", &p));
        ASSERT_EQ(p.operation, JOURNAL_REMOVE);
        ASSERT_STREQ(p.delete[0], "/srv/gone.img");
        journal_entry_done(&p);

        ASSERT_OK(journal_list(sub, &names));
        ASSERT_STREQ(names[0], "gone");
        ASSERT_TRUE(names[1] == NULL);

        ASSERT_OK(journal_remove(sub, "gone"));
        ASSERT_OK(journal_remove(sub, "gone")); /* twice is fine */
        ASSERT_EQ(journal_read(sub, "gone", &p), -ENOENT);
        test_rm_rf(dir);
}

int main(void) {
        TEST_RUN(test_round_trip);
        TEST_RUN(test_resize);
        TEST_RUN(test_invalid);
        TEST_RUN(test_files);
        TEST_DONE();
}
