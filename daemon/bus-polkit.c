/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus-polkit.h"

/* One query per method call. Once polkit answered, the answer stays with
 * the query until the handler, dispatched again, picks it up. */
typedef struct PolkitQuery {
        PolkitRegistry *registry;
        sd_bus_message *call;
        sd_bus_slot *slot;
        sd_bus_message_handler_t handler;
        void *userdata;
        bool answered;
        bool authorized;
        bool challenge;
        sd_bus_error error;
        struct PolkitQuery *next;
} PolkitQuery;

struct PolkitRegistry {
        PolkitQuery *queries;
        unsigned n_queries;
};

static void polkit_query_free(PolkitQuery *q) {
        for (PolkitQuery **p = &q->registry->queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        q->registry->n_queries--;
                        break;
                }
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->call);
        sd_bus_error_free(&q->error);
        free(q);
}

PolkitRegistry *polkit_registry_free(PolkitRegistry *r) {
        if (!r)
                return NULL;
        while (r->queries)
                polkit_query_free(r->queries);
        free(r);
        return NULL;
}

static PolkitQuery *polkit_query_find(PolkitRegistry *r, sd_bus_message *call) {
        if (!r)
                return NULL;
        for (PolkitQuery *q = r->queries; q; q = q->next)
                if (q->call == call)
                        return q;
        return NULL;
}

static int polkit_on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PolkitQuery *q = userdata;
        PolkitRegistry *registry = q->registry;
        sd_bus_message *call = q->call;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->answered = true;

        if (sd_bus_message_is_method_error(reply, NULL))
                sd_bus_error_copy(&q->error, sd_bus_message_get_error(reply));
        else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        sd_bus_error_set_errnof(&q->error, r, "Failed to parse polkit's answer: %m");
        }
        q->authorized = authorized;
        q->challenge = challenge;

        /* Dispatch the method again; this time the answer is there. The
         * handler consumes (frees) the query, so keep the call alive. */
        sd_bus_message_ref(call);
        r = sd_bus_message_rewind(call, true);
        if (r >= 0)
                r = q->handler(call, q->userdata, &error);
        if (r < 0)
                (void) sd_bus_reply_method_errno(call, r, &error);

        /* Still there if the handler failed before asking for its answer. */
        q = polkit_query_find(registry, call);
        if (q)
                polkit_query_free(q);
        sd_bus_message_unref(call);
        return 0;
}

static int polkit_query_start(sd_bus_message *call, const char *action, PolkitQuery *q) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = sd_bus_message_get_bus(call);
        uint32_t flags = sd_bus_message_get_allow_interactive_authorization(call) ? 1 : 0;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                  sd_bus_message_get_sender(call), action, 0, flags, "");
        if (r < 0)
                return r;

        /* polkit may show an authentication dialog; give the user time. */
        return sd_bus_call_async(bus, &q->slot, m, polkit_on_reply, q, 120 * 1000000ULL);
}

int bus_verify_polkit_async(sd_bus_message *call, const char *action, sd_bus_message_handler_t handler, void *userdata,
                            PolkitRegistry **registry, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        PolkitQuery *q;
        uid_t uid;
        int r;

        q = polkit_query_find(*registry, call);
        if (q && q->answered) {
                bool authorized = q->authorized, challenge = q->challenge;

                if (sd_bus_error_is_set(&q->error)) {
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Authorization check failed; polkit said: %s",
                                              q->error.message ?: q->error.name);
                        polkit_query_free(q);
                        return r;
                }
                polkit_query_free(q);
                if (authorized)
                        return 1;
                if (challenge)
                        return sd_bus_error_set(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                "Interactive authentication required.");
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied.");
        }
        if (q)
                /* Already asking; a second dispatch is a programming error. */
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Authorization already in progress.");

        r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid == 0)
                return 1;

        if (!*registry) {
                *registry = calloc(1, sizeof(PolkitRegistry));
                if (!*registry)
                        return -ENOMEM;
        }
        /* Each query holds a message and a pending call; unprivileged
         * callers must not pile them up without bound. */
        if ((*registry)->n_queries >= POLKIT_QUERIES_MAX)
                return sd_bus_error_setf(error, "org.dmloop1.Error.LimitExceeded",
                                         "Too many authorization checks under way (%u), try again later.",
                                         POLKIT_QUERIES_MAX);
        q = calloc(1, sizeof(PolkitQuery));
        if (!q)
                return -ENOMEM;
        *q = (PolkitQuery){
                .registry = *registry,
                .call = sd_bus_message_ref(call),
                .handler = handler,
                .userdata = userdata,
                .error = SD_BUS_ERROR_NULL,
        };
        q->next = (*registry)->queries;
        (*registry)->queries = q;
        (*registry)->n_queries++;

        r = polkit_query_start(call, action, q);
        if (r < 0) {
                polkit_query_free(q);
                return sd_bus_error_set_errnof(error, r, "Failed to ask polkit: %m");
        }
        return 0;
}
