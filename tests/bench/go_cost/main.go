// SPDX-License-Identifier: Apache-2.0

// Command go_cost measures what the Go metrics package costs per call, in
// ns, beside the same probe fired from C in the same process, and the same
// probe fired through one cgo call per event. make bench (tests/bench/run) runs it once
// with nothing attached and once under dwcp-bpf-exporter; each prints
// Markdown table rows, medians of --reps rounds in which every mode runs,
// in CPU time of the one thread that runs them all.
package main

/*
#cgo CFLAGS: -O2 -I${SRCDIR}/../../../usdt
#include "dwcp_probes.h"

// the same probe from C: a C loop, no cgo call per event
static void c_fire_loop(long n)
{
	for (long i = 0; i < n; i++)
		DWCP_STREAM_DATA("node-07/stream-go00042", 4096, 64);
}

// one C firing per cgo call, with a C literal: what a traced call cost when
// the package crossed cgo for it (before its Go assembly path)
static void c_fire_once(void)
{
	DWCP_STREAM_DATA("node-07/stream-go00042", 4096, 64);
}

static void c_empty(void)
{
}

*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"novacron/backend/core/network/dwcp/metrics"
)

type mode struct {
	name string
	run  func(n int)
}

//go:noinline
func emptyCall() {}

func modes(amst *metrics.AMSTMetricsWrapper, c *metrics.Collector, phase string) []mode {
	id := "node-07/stream-go00042"
	goCall := mode{"Go: `OnStreamData` (wrapper, seed API)", func(n int) {
		for i := 0; i < n; i++ {
			amst.OnStreamData(id, 4096, 64)
		}
	}}
	cLoop := mode{"C: `DWCP_STREAM_DATA` in a C loop, same process", func(n int) { C.c_fire_loop(C.long(n)) }}
	cOnce := mode{"Go: cgo call to C firing the probe (C literal; the former cgo path)", func(n int) {
		for i := 0; i < n; i++ {
			C.c_fire_once()
		}
	}}
	cgoEmpty := mode{"Go: cgo call to an empty C function", func(n int) {
		for i := 0; i < n; i++ {
			C.c_empty()
		}
	}}
	if phase == "traced" {
		return []mode{goCall, cLoop, cOnce, cgoEmpty}
	}
	return []mode{
		{"Go: empty loop", func(n int) {
			for i := 0; i < n; i++ {
			}
		}},
		{"Go: plain Go call (not inlined)", func(n int) {
			for i := 0; i < n; i++ {
				emptyCall()
			}
		}},
		goCall,
		{"Go: `Collector.RecordStreamData`", func(n int) {
			for i := 0; i < n; i++ {
				c.RecordStreamData(id, 4096, 64)
			}
		}},
		{"Go: `RecordCompressionOperation` (an atomic add for GetDeltaHitRate)", func(n int) {
			for i := 0; i < n; i++ {
				c.RecordCompressionOperation("vm_memory", 4096, 1024, i&1 == 0)
			}
		}},
		{"Go: `StartStream` + `EndStream` (the active-stream set), per pair", func(n int) {
			for i := 0; i < n; i++ {
				c.StartStream(id)
				c.EndStream(id)
			}
		}},
		{"C: probe site in a C loop, nothing attached", func(n int) { C.c_fire_loop(C.long(n)) }},
		cgoEmpty,
	}
}

// threadCPU is the CPU time of this thread (user and system, the kernel's
// uprobe work included): what other processes on a busy host do not add
// to, unlike the clock on the wall.
func threadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

func main() {
	// every mode, and the C loops its cgo calls run, on this one thread
	runtime.LockOSThread()
	phase := flag.String("phase", "untraced", "untraced or traced")
	events := flag.Int("events", 2_000_000, "calls per mode and round")
	reps := flag.Int("reps", 5, "rounds")
	wait := flag.Duration("wait-attached", 0, "first wait this long for a tracer on stream_data")
	flag.Parse()
	if err := metrics.InitializeMetrics("bench", "bench", 0); err != nil {
		panic(err)
	}
	defer metrics.ShutdownMetrics()
	if *wait > 0 {
		for deadline := time.Now().Add(*wait); ; time.Sleep(10 * time.Millisecond) {
			if attached, _ := metrics.ProbesAttached(); attached > 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintln(os.Stderr, "go_cost: no tracer attached")
				os.Exit(1)
			}
		}
	}
	ms := modes(metrics.NewAMSTMetricsWrapper(), metrics.GetCollector(), *phase)
	results := make([][]float64, len(ms))
	// each round starts at another mode, so that no mode is always first
	// after a pause or always next to the same neighbour
	for r := 0; r < *reps; r++ {
		for j := range ms {
			i := (r + j) % len(ms)
			start := threadCPU()
			ms[i].run(*events)
			results[i] = append(results[i], float64((threadCPU()-start).Nanoseconds())/float64(*events))
		}
	}
	if *phase == "traced" {
		maps, _ := os.ReadFile("/proc/self/maps")
		fmt.Fprintf(os.Stderr, "go_cost: [uprobes-trampoline] mapped: %v\n",
			strings.Contains(string(maps), "[uprobes-trampoline]"))
	}
	for i, m := range ms {
		sort.Float64s(results[i])
		fmt.Printf("| %s | %s | %.2f | %.2f-%.2f |\n", *phase, m.name, results[i][len(results[i])/2],
			results[i][0], results[i][len(results[i])-1])
	}
}
