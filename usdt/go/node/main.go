// SPDX-License-Identifier: Apache-2.0

// Command dwcp-go-node is a reference DWCP node in Go, instrumented with
// the seed's metrics API (usdt/go/metrics) exactly as the seed's Quick
// Start uses it. Many goroutines run AMST streams that carry real
// compressed pages; it also migrates, syncs with a remote cluster and
// changes component health. With --ledger it writes what it reported, in
// dwcp-sim's ledger format, so tests compare dwcp-bpf-exporter with it.
//
//	dwcp-go-node --goroutines 64 --ledger /tmp/ledger.prom
//	dwcp-go-node --wait-for-tracer 20 --ledger /tmp/l.prom --linger
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"novacron/backend/core/network/dwcp/metrics"
)

type config struct {
	goroutines, streams, chunks int
	migrations, syncs           int
	errorEvery                  int
	seed                        int64
	ledger                      string
	waitForTracer               time.Duration
	linger                      bool
	pid                         int
	stress                      stress
}

func parseFlags() *config {
	c := &config{pid: os.Getpid()}
	flag.IntVar(&c.goroutines, "goroutines", 64, "stream goroutines")
	flag.IntVar(&c.streams, "streams", 2, "streams per goroutine, one after the other")
	flag.IntVar(&c.chunks, "chunks", 20, "compressed pages per stream")
	flag.IntVar(&c.migrations, "migrations", 4, "migrations reported the seed's way (plus one failed)")
	flag.IntVar(&c.syncs, "syncs", 3, "federation syncs")
	flag.IntVar(&c.errorEvery, "error-every", 25, "damage about one chunk in this many")
	flag.Int64Var(&c.seed, "seed", 1, "random seed")
	flag.StringVar(&c.ledger, "ledger", "", "write the ledger to this file when done")
	flag.DurationVar(&c.waitForTracer, "wait-for-tracer", 0,
		"after setting the levels, wait up to this long for every probe to have a tracer")
	flag.BoolVar(&c.linger, "linger", false, "after the ledger, keep running (levels re-announced) until SIGTERM")
	flag.IntVar(&c.stress.hammer, "hammer", 0, "one-byte stream_data events sent after every chunk")
	flag.BoolVar(&c.stress.gc, "stress-gc", false, "run the garbage collector back to back during the work")
	flag.BoolVar(&c.stress.stack, "stress-stack", false, "send every chunk at another depth of a deep recursion")
	flag.BoolVar(&c.stress.preempt, "stress-preempt", false,
		"spin two goroutines that only asynchronous preemption stops; count SIGURG")
	flag.StringVar(&c.stress.cpuprofile, "cpuprofile", "", "write a 1 kHz CPU profile of the work to this file")
	flag.Parse()
	if flag.NArg() > 0 || c.goroutines < 1 || c.streams < 1 || c.chunks < 1 || c.errorEvery < 1 ||
		c.migrations < 0 || c.syncs < 0 || c.stress.hammer < 0 {
		fmt.Fprintln(os.Stderr, "dwcp-go-node: bad arguments; see -h")
		os.Exit(2)
	}
	return c
}

// levelSetter sets levels through the seed's API and remembers them for the
// ledger. Only the main goroutine uses it.
type levelSetter struct {
	system *metrics.SystemMetricsWrapper
	lv     *levels
}

func (s *levelSetter) health(component string, status metrics.HealthStatus) {
	s.system.OnComponentHealthChange(component, status)
	s.lv.health[component] = uint64(status)
}

func (s *levelSetter) healthy(component string, healthy bool) {
	metrics.RecordComponentHealth(component, healthy)
	s.lv.health[component] = 0
	if healthy {
		s.lv.health[component] = uint64(metrics.HealthHealthy)
	}
}

func (s *levelSetter) feature(name string, on bool) {
	s.system.OnFeatureToggle(name, on)
	s.lv.features[name] = on
}

func (s *levelSetter) bandwidth(used, available int64) {
	metrics.NewAMSTMetricsWrapper().OnBandwidthUpdate(used, available)
	s.lv.bandwidth = &[2]int64{used, available}
}

func (s *levelSetter) baseline(kind string, n int) {
	metrics.NewHDEMetricsWrapper().OnBaselineUpdate(kind, n)
	s.lv.baselines[kind] = int64(n)
}

func (s *levelSetter) dictionary(percent float64) {
	metrics.NewHDEMetricsWrapper().OnDictionaryUpdate(percent)
	v := fixedPoint(percent, 100)
	s.lv.dictionaryX100 = &v
}

func (s *levelSetter) speedup(vm string, factor float64) {
	metrics.NewMigrationMetricsWrapper().OnSpeedupCalculated(vm, factor)
	s.lv.speedupsX1000[vm] = fixedPoint(factor, 1000)
}

func (s *levelSetter) version(v, commit, date string) {
	metrics.SetVersionInfo("cluster-1", v, commit, date)
	s.lv.version = &[3]string{v, commit, date}
}

func waitForTracer(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		attached, total := metrics.ProbesAttached()
		if attached == total {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d probes had a tracer after %v", attached, total, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	cfg := parseFlags()
	if err := metrics.InitializeMetrics("cluster-1", "node-01", 9090); err != nil {
		fmt.Fprintln(os.Stderr, "dwcp-go-node:", err)
		os.Exit(1)
	}
	defer metrics.ShutdownMetrics()

	set := &levelSetter{system: metrics.NewSystemMetricsWrapper(), lv: newLevels()}
	set.version("1.0.0", "abc123def456", "2025-11-08")
	for _, c := range []string{"amst", "hde", "migration", "federation", "dwcp_manager"} {
		set.health(c, metrics.HealthHealthy)
	}
	set.feature("amst_enabled", true)
	set.feature("hde_enabled", true)
	set.feature("federation_enabled", cfg.syncs > 0)
	set.baseline("vm_memory", cfg.goroutines)
	set.dictionary(75.25)
	set.bandwidth(400_000_000, 1_000_000_000)

	if cfg.waitForTracer > 0 {
		if err := waitForTracer(cfg.waitForTracer); err != nil {
			fmt.Fprintln(os.Stderr, "dwcp-go-node: --wait-for-tracer:", err)
			os.Exit(1)
		}
	}

	if err := cfg.stress.start(); err != nil {
		fmt.Fprintln(os.Stderr, "dwcp-go-node: stress:", err)
		os.Exit(1)
	}
	total := newTally()
	var wg sync.WaitGroup
	workers := make([]*worker, cfg.goroutines)
	for i := range workers {
		workers[i] = newWorker(i, cfg)
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			w.run()
		}(workers[i])
	}
	migrations := newTally()
	var standard, dwcp time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		standard, dwcp = migrate(cfg, migrations)
	}()
	set.health("hde", metrics.HealthDegraded)
	set.healthy("federation", false)
	federate(cfg, total)
	wg.Wait()
	stressed, err := cfg.stress.end()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwcp-go-node: stress:", err)
		os.Exit(1)
	}
	for _, w := range workers {
		total.merge(w.t)
	}
	total.merge(migrations)

	set.healthy("federation", true)
	set.bandwidth(650_000_000, 1_000_000_000)
	if standard > 0 && dwcp > 0 {
		// three decimals: what the probe's fixed point carries
		set.speedup("large_vm", math.Round(float64(standard)/float64(dwcp)*1000)/1000)
	}
	set.dictionary(81.5)

	if cfg.ledger != "" {
		if err := writeAtomic(cfg.ledger, render(cfg.pid, total, set.lv)+stressed); err != nil {
			fmt.Fprintln(os.Stderr, "dwcp-go-node: ledger:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("dwcp-go-node: %d goroutines, %d streams, %d compressions, %d migrations, %d syncs\n",
		cfg.goroutines, total.fired["stream_start"], total.encodes, cfg.migrations+1, cfg.syncs)
	if cfg.linger {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
	}
}
