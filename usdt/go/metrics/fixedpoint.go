// SPDX-License-Identifier: Apache-2.0

package metrics

// fixedpoint.go: the contract's fixed point for fractions (dwcp.d has no
// floats): dictionary efficiency in percent x 100, speedup factor x 1000.

import (
	"math"
	"strconv"
)

// Scales of the fixed-point probe arguments.
const (
	efficiencyScale = 100  // dictionary: percent x 100, 0..10000
	speedupScale    = 1000 // speedup: factor x 1000
)

// invalidFixedPoint is sent for a value that has no fixed-point form (NaN,
// negative, infinite, too large): the exporter counts a dictionary value
// above 10000 as out_of_range, and a speedup of 1.8e16 is visibly wrong
// rather than silently zero.
const invalidFixedPoint = math.MaxUint64

// toFixedPoint returns v x scale rounded to the nearest integer.
func toFixedPoint(v float64, scale float64) uint64 {
	x := math.Round(v * scale)
	if math.IsNaN(x) || x < 0 || x >= math.MaxUint64 {
		return invalidFixedPoint
	}
	return uint64(x)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
