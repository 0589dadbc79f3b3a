// SPDX-License-Identifier: Apache-2.0
/*
 * main.c: dwcp-sim, a reference DWCP node that does real work and fires
 * every probe of usdt/dwcp.d, keeping an exact ledger of what it fired.
 *
 * Order of a run: parse flags; fire the initial level probes (version,
 * features, health, baselines, dictionary, bandwidth); start the re-announce
 * ticker; optionally wait for a tracer on every probe; run the workload
 * (AMST streams, HDE compressor, migrations, federation, monitor) until
 * --duration or SIGINT/SIGTERM; join every thread; write the ledger; print
 * a summary; with --linger keep announcing levels until a signal.
 */
#include "amst.h"
#include "compressor.h"
#include "federation.h"
#include "hde.h"
#include "ledger.h"
#include "migration.h"
#include "monitor.h"
#include "options.h"
#include "pagegen.h"
#include "sim.h"
#include "ticker.h"
#include "tracer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define EXIT_NO_TRACER 3
#define TRACER_POLL_NS (10 * NS_PER_MS)
/* Without --duration the error burst comes this long after the start. */
#define UNTIMED_BURST_START_NS (3 * NS_PER_SEC)

struct workload {
	struct amst *amst;
	struct compressor *compressor;
	struct migrator *migrator;
	struct federation *federation;
	struct monitor *monitor;
};

static void announce_initial(struct sim *sim)
{
	const struct sim_options *o = sim->opt;
	uint8_t page[PAGE_SIZE_BYTES];
	int t;

	ledger_version(o->version, o->git_commit, o->build_date);
	ledger_feature("amst_enabled", o->streams > 0);
	ledger_feature("hde_enabled", true);
	ledger_feature("federation_enabled", o->federation_interval_ms > 0);
	monitor_announce_initial(sim);
	for (t = 0; t < HDE_TYPE_COUNT; t++) {
		pagegen_template(&sim->world, (enum hde_type)t, 0, page);
		hde_add_baseline(sim->hde, (enum hde_type)t, page);
	}
	ledger_dictionary(0);
}

/* Sleeps up to ns; true when a signal ended the sleep. */
static bool wait_signal(const sigset_t *sigs, uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / NS_PER_SEC),
			       .tv_nsec = (long)(ns % NS_PER_SEC) };

	return sigtimedwait(sigs, NULL, &ts) > 0;
}

/* 0 when attached (or interrupted: *interrupted), -1 on timeout. */
static int wait_for_tracer(const struct sim_options *o, const sigset_t *sigs, bool *interrupted)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)(o->wait_for_tracer_s * NS_PER_SEC);
	int stable = 0;

	if (!o->quiet)
		fprintf(stderr, "dwcp-sim: pid %d waiting up to %g s for a tracer on all %d probes\n",
			(int)getpid(), o->wait_for_tracer_s, tracer_probe_count());
	for (;;) {
		/* Two polls in a row: a tracer bumps the semaphore just before it
		 * links its program to the probe. */
		stable = tracer_all_attached() ? stable + 1 : 0;
		if (stable >= 2)
			return 0;
		if (clock_now_ns() >= deadline)
			return -1;
		if (wait_signal(sigs, TRACER_POLL_NS)) {
			*interrupted = true;
			return 0;
		}
	}
}

static void stop_workload(struct sim *sim, struct workload *w)
{
	stopper_stop(&sim->work_stop);
	amst_join(w->amst);
	compressor_join(w->compressor);
	migrator_join(w->migrator);
	federation_join(w->federation);
	monitor_join(w->monitor);
	memset(w, 0, sizeof(*w));
}

static int start_workload(struct sim *sim, struct workload *w)
{
	const struct sim_options *o = sim->opt;
	uint64_t duration_ns = (uint64_t)(o->duration_s * NS_PER_SEC);

	sim->work_start_ns = clock_now_ns();
	if (o->error_burst_ms > 0) {
		sim->burst_start_ns = sim->work_start_ns +
				      (duration_ns ? duration_ns * 3 / 10 : UNTIMED_BURST_START_NS);
		sim->burst_end_ns = sim->burst_start_ns + o->error_burst_ms * NS_PER_MS;
	}
	memset(w, 0, sizeof(*w));
	if ((o->streams && !(w->amst = amst_start(sim))) ||
	    !(w->compressor = compressor_start(sim)) ||
	    (o->migrations && !(w->migrator = migrator_start(sim))) ||
	    (o->federation_interval_ms && !(w->federation = federation_start(sim))) ||
	    !(w->monitor = monitor_start(sim))) {
		stop_workload(sim, w);
		return -1;
	}
	return 0;
}

/* True when a signal (not the end of --duration) ended the run. */
static bool run_until_done(const struct sim_options *o, const sigset_t *sigs)
{
	uint64_t deadline;

	if (o->duration_s <= 0) {
		while (sigwaitinfo(sigs, NULL) < 0)
			;
		return true;
	}
	deadline = clock_now_ns() + (uint64_t)(o->duration_s * NS_PER_SEC);
	for (;;) {
		uint64_t now = clock_now_ns();

		if (now >= deadline)
			return false;
		if (wait_signal(sigs, deadline - now))
			return true;
	}
}

static void print_summary(const struct sim_options *o, double seconds, bool interrupted)
{
	struct ledger_summary s;

	ledger_get_summary(&s);
	printf("dwcp-sim: pid %d ran %.2f s%s: %llu streams (%llu success, %llu error, %llu cancelled), "
	       "%.1f MiB sent, %llu stream errors; %llu pages compressed %.2fx, %.1f%% delta hits, "
	       "%llu decompress failures; %llu migrations ok, %llu failed; %llu federation syncs; "
	       "%llu probes fired%s%s\n",
	       (int)getpid(), seconds, interrupted ? " (interrupted)" : "",
	       (unsigned long long)s.streams_started, (unsigned long long)s.streams_success,
	       (unsigned long long)s.streams_error, (unsigned long long)s.streams_cancelled,
	       (double)s.bytes_sent / (1024.0 * 1024.0), (unsigned long long)s.stream_errors,
	       (unsigned long long)s.compress_ops,
	       s.bytes_compressed ? (double)s.bytes_original / (double)s.bytes_compressed : 0.0,
	       s.compress_ops ? 100.0 * (double)s.delta_hits / (double)s.compress_ops : 0.0,
	       (unsigned long long)s.decompress_failures, (unsigned long long)s.migrations_ok,
	       (unsigned long long)s.migrations_failed, (unsigned long long)s.federation_syncs,
	       (unsigned long long)s.fired_total, o->ledger_path ? "; ledger " : "",
	       o->ledger_path ? o->ledger_path : "");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sim_options opt;
	struct sim sim = { 0 };
	struct workload work = { 0 };
	struct ticker ticker;
	bool interrupted = false;
	uint64_t started;
	sigset_t sigs;
	int rc = EXIT_SUCCESS;

	switch (options_parse(argc, argv, &opt)) {
	case OPTIONS_EXIT_OK:
		return EXIT_SUCCESS;
	case OPTIONS_BAD:
		return EXIT_USAGE;
	case OPTIONS_OK:
		break;
	}
	/* Signals are taken synchronously by this thread alone; every thread
	 * created from here on inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	sim.opt = &opt;
	sim.pid = (int)getpid();
	sim.hde = hde_new();
	pagegen_world_init(&sim.world, opt.seed);
	if (!sim.hde || stopper_init(&sim.work_stop) != 0 || ledger_init() != 0) {
		fprintf(stderr, "dwcp-sim: out of memory\n");
		return EXIT_FAILURE;
	}
	announce_initial(&sim);
	if (ticker_start(&ticker) < 0) {
		fprintf(stderr, "dwcp-sim: cannot start the re-announce ticker\n");
		return EXIT_FAILURE;
	}
	if (opt.wait_for_tracer_s > 0 && wait_for_tracer(&opt, &sigs, &interrupted) < 0) {
		fprintf(stderr,
			"dwcp-sim: --wait-for-tracer: only %d of %d probes had a tracer after %g s\n",
			tracer_attached_count(), tracer_probe_count(), opt.wait_for_tracer_s);
		ticker_stop(&ticker);
		rc = EXIT_NO_TRACER;
		goto out;
	}

	started = clock_now_ns();
	if (!interrupted) {
		if (start_workload(&sim, &work) < 0) {
			ticker_stop(&ticker);
			rc = EXIT_FAILURE;
			goto out;
		}
		interrupted = run_until_done(&opt, &sigs);
		stop_workload(&sim, &work);
	}

	if (opt.ledger_path) {
		int err = ledger_write(opt.ledger_path);

		if (err < 0) {
			fprintf(stderr, "dwcp-sim: --ledger: cannot write %s: %s\n", opt.ledger_path,
				strerror(-err));
			rc = EXIT_FAILURE;
		}
	}
	if (!opt.quiet)
		print_summary(&opt, (double)(clock_now_ns() - started) / NS_PER_SEC, interrupted);
	if (opt.linger && !interrupted && rc == EXIT_SUCCESS) {
		while (sigwaitinfo(&sigs, NULL) < 0)
			;
	}
	ticker_stop(&ticker);
out:
	stopper_destroy(&sim.work_stop);
	hde_free(sim.hde);
	ledger_free();
	return rc;
}
