/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.h: the reload policy (SIGHUP): what a running exporter changes
 * when its configuration changes.
 *
 * What it offers
 *   - reload_run(): the config file (if any) parsed again: the flags the
 *     option table marks live are applied (under the collector's lock, which
 *     scrapes hold), the others are named in a warning and keep their
 *     running values; then the web config (which the file may name anew) is
 *     read again. A config that does not parse changes nothing.
 */
#ifndef DWCP_RELOAD_H
#define DWCP_RELOAD_H

#include "collect/collector.h"
#include "config/options.h"
#include "web/http_server.h"

/* What a reload changes: the running options and where they take effect. */
struct running {
	int argc;
	char **argv;
	struct options *opt;
	struct collector *collector;
	struct http_server *server;
};

void reload_run(const struct running *run);

#endif /* DWCP_RELOAD_H */
