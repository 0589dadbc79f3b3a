// SPDX-License-Identifier: Apache-2.0

package main

// bounds.go: the classic histogram bounds of bpf/gen_hist_slots.py, in their raw
// units, so that the ledger can say which bucket every observation the node
// timed itself falls in. tests/integration/test_go_node.py holds them to
// the header it generates.

const nsPerMs = 1_000_000

var (
	opLatencyBoundsNs = []uint64{
		50_000, 100_000, 250_000, 500_000, 1 * nsPerMs, 2_500_000, 5 * nsPerMs, 10 * nsPerMs,
		25 * nsPerMs, 50 * nsPerMs, 100 * nsPerMs, 250 * nsPerMs, 500 * nsPerMs, 1000 * nsPerMs,
		2500 * nsPerMs, 5000 * nsPerMs, 10000 * nsPerMs,
	}
	compressionBoundsMilli = []uint64{
		1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000, 50000, 75000, 100000,
	}
	federationBoundsNs = []uint64{
		10 * nsPerMs, 25 * nsPerMs, 50 * nsPerMs, 100 * nsPerMs, 250 * nsPerMs, 500 * nsPerMs,
		1000 * nsPerMs, 2500 * nsPerMs, 5000 * nsPerMs, 10000 * nsPerMs, 30000 * nsPerMs,
		60000 * nsPerMs, 120000 * nsPerMs, 300000 * nsPerMs,
	}
)

// bucketOf is dwcp_hist_slot(): the first bound >= v, or len(bounds).
func bucketOf(bounds []uint64, v uint64) int {
	for i, b := range bounds {
		if v <= b {
			return i
		}
	}
	return len(bounds)
}

// ratioMilli is dwcp_ratio_milli() for sizes whose product with 1000 fits
// in 64 bits (the node's pages): original/compressed x 1000, rounded down.
func ratioMilli(original, compressed uint64) uint64 {
	return original * 1000 / compressed
}
