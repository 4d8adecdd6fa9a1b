/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Authorisation of mutating bus calls. uid 0 is always allowed; everyone
 * else is asked about through polkit's CheckAuthorization, asynchronously,
 * so the daemon never blocks on polkit. The method handler is dispatched
 * again when polkit answers, the same way systemd's daemons do it.
 */

#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct PolkitRegistry PolkitRegistry;

/* Queries under way at most; more calls get LimitExceeded at once. */
#define POLKIT_QUERIES_MAX 128U

PolkitRegistry *polkit_registry_free(PolkitRegistry *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolkitRegistry *, polkit_registry_free);

/*
 * Returns 1 when the caller may go ahead, 0 when a polkit query is now
 * under way (the handler returns 1 and is called again with the same
 * message once polkit answered), or a negative errno with *error set
 * (AccessDenied, InteractiveAuthorizationRequired, LimitExceeded).
 */
int bus_verify_polkit_async(sd_bus_message *call, const char *action, sd_bus_message_handler_t handler, void *userdata,
                            PolkitRegistry **registry, sd_bus_error *error);
