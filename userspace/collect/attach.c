// SPDX-License-Identifier: Apache-2.0
#include "collect/attach.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/dwcp_names.h"
#include "base/log.h"

int attach_start(struct collector *c, struct bpf_programs *bpf, const struct options *opt, const bool *waiting,
		 char *err, size_t errlen)
{
	struct attach_target *targets = c->s.targets;

	for (size_t i = 0; i < opt->n_binaries; i++) {
		int n;

		pthread_mutex_lock(&c->lock);
		if (waiting[i])
			n = bpf_programs_await(&targets[i], opt->binaries[i], err, errlen);
		else
			n = bpf_programs_attach(bpf, &targets[i], opt->binaries[i], opt->pid, err, errlen);
		pthread_mutex_unlock(&c->lock);
		if (waiting[i] && n == 0) {
			log_event(LOG_WARN, "binary does not exist yet; waiting for it (/ready is 503 until it appears)",
				  "binary", targets[i].path, NULL);
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0) {
			snprintf(err, errlen,
				 "--binary %.4000s: no dwcp USDT probes to attach (is it built with usdt/dwcp_probes.h? "
				 "`readelf -n %.4000s` lists them)",
				 targets[i].path, targets[i].path);
			return -1;
		}
		bpf_programs_log_attach(&targets[i]);
	}
	return 0;
}

void attach_appeared(struct collector *c, struct bpf_programs *bpf)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->s.n_targets; i++)
		if (bpf_programs_follow(bpf, &c->s.targets[i]) == 1)
			bpf_programs_log_attach(&c->s.targets[i]);
	pthread_mutex_unlock(&c->lock);
}

void attach_follow(struct collector *c, struct bpf_programs *bpf, struct binary_watch *watch)
{
	const char *paths[OPTIONS_MAX_BINARIES];
	char err[2 * PATH_MAX];

	/* the paths are set at start and never change: no lock */
	for (size_t i = 0; i < c->s.n_targets; i++)
		paths[i] = c->s.targets[i].path;
	if (binary_watch_update(watch, paths, c->s.n_targets, err, sizeof(err)) != 0)
		log_event(LOG_WARN, "cannot watch a binary's folder; it is followed at the next change seen", "error",
			  err, NULL);
	attach_appeared(c, bpf);
}

bool attach_ready(void *ctx, char *why, size_t whylen)
{
	struct collector *c = ctx;
	bool ready = true;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->s.n_targets && ready; i++) {
		const struct attach_target *t = &c->s.targets[i];

		if (t->missing && t->ino == 0) {
			snprintf(why, whylen, "binary %.3000s does not exist yet (waiting for it)", t->path);
			ready = false;
		} else if (t->missing) {
			snprintf(why, whylen, "binary %.3000s is missing (being replaced?)", t->path);
			ready = false;
		} else if (bpf_programs_not_attached(t, why, whylen)) {
			ready = false;
		} else if (t->attached == 0) {
			snprintf(why, whylen, "binary %.3000s has no dwcp probes", t->path);
			ready = false;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ready;
}
