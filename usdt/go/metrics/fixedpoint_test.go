// SPDX-License-Identifier: Apache-2.0

package metrics

import (
	"math"
	"testing"
)

func TestToFixedPoint(t *testing.T) {
	for _, c := range []struct {
		v, scale float64
		want     uint64
	}{
		{75.0, efficiencyScale, 7500},
		{75.255, efficiencyScale, 7526}, // nearest, not truncated
		{0, efficiencyScale, 0},
		{100, efficiencyScale, 10000},
		{8.5, speedupScale, 8500},
		{1.0004, speedupScale, 1000},
		{1.0005, speedupScale, 1001},
		{-0.0001, speedupScale, 0}, // rounds to zero
		{-1, speedupScale, invalidFixedPoint},
		{math.NaN(), efficiencyScale, invalidFixedPoint},
		{math.Inf(1), speedupScale, invalidFixedPoint},
		{math.Inf(-1), speedupScale, invalidFixedPoint},
		{1e17, speedupScale, invalidFixedPoint},
	} {
		if got := toFixedPoint(c.v, c.scale); got != c.want {
			t.Errorf("toFixedPoint(%v, %v) = %d, want %d", c.v, c.scale, got, c.want)
		}
	}
}

func TestHealthStatusValuesAreTheContractStates(t *testing.T) {
	// dwcp_probes.h: DWCP_HEALTH_DOWN 0, DEGRADED 1, HEALTHY 2
	if HealthDown != 0 || HealthDegraded != 1 || HealthHealthy != 2 {
		t.Fatal("HealthStatus values changed")
	}
	if HealthStatus(7).String() != "HealthStatus(7)" {
		t.Error(HealthStatus(7).String())
	}
}
