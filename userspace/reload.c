// SPDX-License-Identifier: Apache-2.0
#include "reload.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>

#include "base/log.h"

/* Applies what a running exporter can change; names the rest. 0 or -1. */
static int reload_config_file(const struct running *run)
{
	static char web_config_path[PATH_MAX];
	struct options fresh, *opt = run->opt;
	char err[2048], restart[512];

	if (options_parse(run->argc, run->argv, &fresh, err, sizeof(err)) != OPTIONS_RUN) {
		log_event(LOG_ERROR, "config reload failed, keeping the running configuration", "error", err, NULL);
		options_free(&fresh);
		return -1;
	}
	if (options_restart_needed(opt, &fresh, restart, sizeof(restart)) > 0)
		log_event(LOG_WARN, "changed settings need a restart; they keep their running values", "settings",
			  restart, NULL);
	pthread_mutex_lock(&run->collector->lock);
	options_apply_live(opt, &fresh);
	pthread_mutex_unlock(&run->collector->lock);
	log_configure(opt->log_level, opt->log_format);
	if (fresh.web_config_file) {
		snprintf(web_config_path, sizeof(web_config_path), "%s", fresh.web_config_file);
		opt->web_config_file = web_config_path;
	} else if (opt->web_config_file) {
		log_event(LOG_WARN, "web.config.file removed: serving without it needs a restart", "file",
			  opt->web_config_file, NULL);
	}
	options_free(&fresh);
	log_event(LOG_INFO, "config reloaded", "file", opt->config_file, NULL);
	return 0;
}

/* SIGHUP: the config file, then the web config (which it may name anew). */
void reload_run(const struct running *run)
{
	const struct options *opt = run->opt;
	char err[2048];

	if (opt->config_file && reload_config_file(run) != 0)
		return;
	if (!opt->web_config_file)
		return;
	if (http_server_reload_web_config(run->server, opt->web_config_file, err, sizeof(err)) != 0)
		log_event(LOG_ERROR, "web config reload failed, keeping the old one", "error", err, NULL);
	else
		log_event(LOG_INFO, "web config reloaded", "file", opt->web_config_file, "tls",
			  http_server_tls(run->server) ? "on" : "off", NULL);
}
