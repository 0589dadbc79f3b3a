// SPDX-License-Identifier: Apache-2.0

package metrics

import (
	"sync"
	"testing"
	"time"
)

func TestActiveStreamsCountStartedNotEnded(t *testing.T) {
	c := NewCollector("c", "n")
	c.StartStream("a")
	c.StartStream("b")
	c.StartStream("a") // already active: still one stream
	if got := c.GetActiveStreamCount(); got != 2 {
		t.Fatalf("active = %d, want 2", got)
	}
	c.EndStream("a")
	c.EndStream("never-started")
	if got := c.GetActiveStreamCount(); got != 1 {
		t.Fatalf("active = %d, want 1", got)
	}
}

func TestStreamEndsWithErrorResultAfterAnError(t *testing.T) {
	c := NewCollector("c", "n")
	c.StartStream("s")
	c.RecordStreamError("s", "timeout")
	c.RecordStreamError("unknown", "timeout") // not active: nothing kept
	c.mu.Lock()
	errored, kept := c.streams["s"], len(c.streams)
	c.mu.Unlock()
	if !errored || kept != 1 {
		t.Fatalf("errored=%v streams=%d", errored, kept)
	}
}

func TestActiveStreamsUnderConcurrency(t *testing.T) {
	c := NewCollector("c", "n")
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				id := itoa(int64(g*1000 + i))
				c.StartStream(id)
				c.RecordStreamData(id, 10, 20)
				if i%2 == 0 {
					c.EndStream(id)
				}
			}
		}(g)
	}
	wg.Wait()
	if got := c.GetActiveStreamCount(); got != 64*50 {
		t.Fatalf("active = %d, want %d", got, 64*50)
	}
}

func TestDeltaHitRate(t *testing.T) {
	c := NewCollector("c", "n")
	if c.GetDeltaHitRate() != 0 {
		t.Fatal("hit rate before any compression")
	}
	c.RecordCompressionOperation("vm_memory", 100, 10, true)
	c.RecordCompressionOperation("vm_memory", 100, 50, false)
	c.RecordCompressionOperation("vm_disk", 100, 50, true)
	c.RecordCompressionOperation("vm_disk", 100, 50, true)
	if got := c.GetDeltaHitRate(); got != 75 {
		t.Fatalf("hit rate = %v, want 75", got)
	}
}

func TestNilCollectorDoesNothing(t *testing.T) {
	var c *Collector
	c.StartStream("s")
	c.RecordStreamData("s", 1, 2)
	c.RecordStreamError("s", "e")
	c.EndStream("s")
	c.RecordCompressionOperation("t", 1, 1, true)
	c.UpdateComponentHealth("amst", HealthHealthy)
	c.RecordFederationSync("r", "full", time.Second, 1)
	c.StartOperation("op").End()
	if c.GetActiveStreamCount() != 0 || c.GetDeltaHitRate() != 0 {
		t.Fatal("nil collector has state")
	}
}

func TestWrappersBeforeInitializeMetricsDoNothing(t *testing.T) {
	if err := ShutdownMetrics(); err != nil {
		t.Fatal(err)
	}
	amst := NewAMSTMetricsWrapper()
	amst.OnStreamStart("early")
	if err := InitializeMetrics("c", "n", 9090); err != nil {
		t.Fatal(err)
	}
	defer ShutdownMetrics()
	// a wrapper keeps the collector it was made with: none
	amst.OnStreamStart("still-early")
	if got := GetCollector().GetActiveStreamCount(); got != 0 {
		t.Fatalf("active = %d, want 0", got)
	}
	NewAMSTMetricsWrapper().OnStreamStart("late")
	if got := GetCollector().GetActiveStreamCount(); got != 1 {
		t.Fatalf("active = %d, want 1", got)
	}
}

func TestInitializeTwiceKeepsTheFirstCollector(t *testing.T) {
	defer ShutdownMetrics()
	if err := InitializeMetrics("c", "n", 1); err != nil {
		t.Fatal(err)
	}
	first := GetCollector()
	if err := InitializeMetrics("c2", "n2", 2); err != nil || GetCollector() != first {
		t.Fatalf("second InitializeMetrics replaced the collector (err %v)", err)
	}
	if GetExporter() == nil {
		t.Fatal("no exporter")
	}
	ShutdownMetrics()
	if GetCollector() != nil || GetExporter() != nil {
		t.Fatal("still initialized after ShutdownMetrics")
	}
}

func TestLevelsRememberTheLastValue(t *testing.T) {
	c := NewCollector("c", "n")
	defer announcer.shutdown()
	c.UpdateComponentHealth("test-amst", HealthDegraded)
	c.UpdateComponentHealth("test-amst", HealthHealthy)
	c.UpdateSpeedupFactor("test_vm", 8.5)
	c.UpdateDictionaryEfficiency(75.25)
	c.UpdateBandwidthUtilization(300, 1000)
	levels.mu.Lock()
	defer levels.mu.Unlock()
	if levels.health["test-amst"] != HealthHealthy || levels.speedups["test_vm"] != 8500 ||
		*levels.dictionary != 7525 || *levels.bandwidth != (bandwidthLevel{300, 1000}) {
		t.Fatalf("levels: health %v speedups %v dictionary %v bandwidth %v", levels.health, levels.speedups, *levels.dictionary, *levels.bandwidth)
	}
}

func TestReannounceDue(t *testing.T) {
	var r reannounceDue
	t0 := time.Unix(1000, 0)
	steps := []struct {
		signature uint32
		at        time.Duration
		want      bool
	}{
		{0, 0, false},                      // nothing attached
		{1, 0, true},                       // a tracer came
		{1, 500 * time.Millisecond, false}, // within the period
		{2, 600 * time.Millisecond, true},  // another came
		{2, 1599 * time.Millisecond, false},
		{2, 1600 * time.Millisecond, true},  // period over
		{0, 1700 * time.Millisecond, false}, // all gone
		{2, 1800 * time.Millisecond, true},  // back: at once
	}
	for i, s := range steps {
		if got := r.due(s.signature, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d (signature %d at %v): due=%v, want %v", i, s.signature, s.at, got, s.want)
		}
	}
}
