// SPDX-License-Identifier: Apache-2.0

// Command go_seed measures the seed's in-process approach for the calls
// go_cost measures: client_golang counters (Debian's
// golang-github-prometheus-client-golang-dev, GOPATH layout), labelled as
// the seed's families, updated in the DWCP process. Built in GOPATH mode by
// tests/bench/run; prints Markdown rows like go_cost.
package main

import (
	"flag"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	events := flag.Int("events", 2_000_000, "calls per mode and round")
	reps := flag.Int("reps", 5, "rounds")
	flag.Parse()
	reg := prometheus.NewRegistry()
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dwcp_amst_bytes_sent_total", Help: "."},
		[]string{"cluster", "node", "stream_id"})
	received := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dwcp_amst_bytes_received_total", Help: "."},
		[]string{"cluster", "node", "stream_id"})
	ratio := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "dwcp_hde_compression_ratio", Help: ".",
		Buckets: []float64{1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100}},
		[]string{"cluster", "node", "data_type"})
	reg.MustRegister(sent, received, ratio)

	modes := []struct {
		name string
		run  func(n int)
	}{
		{"seed, in process: `RecordStreamData` (two CounterVec adds by cluster, node, stream_id)", func(n int) {
			for i := 0; i < n; i++ {
				sent.WithLabelValues("bench", "bench", "node-07/stream-go00042").Add(4096)
				received.WithLabelValues("bench", "bench", "node-07/stream-go00042").Add(64)
			}
		}},
		{"seed, in process: compression ratio HistogramVec observe", func(n int) {
			for i := 0; i < n; i++ {
				ratio.WithLabelValues("bench", "bench", "vm_memory").Observe(4)
			}
		}},
	}
	results := make([][]float64, len(modes))
	for r := 0; r < *reps; r++ {
		for i, m := range modes {
			start := time.Now()
			m.run(*events)
			results[i] = append(results[i], float64(time.Since(start).Nanoseconds())/float64(*events))
		}
	}
	for i, m := range modes {
		sort.Float64s(results[i])
		fmt.Printf("| in-process | %s | %.2f | %.2f-%.2f |\n", m.name, results[i][len(results[i])/2], results[i][0],
			results[i][len(results[i])-1])
	}
}
