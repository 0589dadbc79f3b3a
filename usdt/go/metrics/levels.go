// SPDX-License-Identifier: Apache-2.0

package metrics

// levels.go: the last value of every level probe (state, not events), and
// the goroutine that fires them again when a tracer attaches, so that an
// exporter started long after DWCP set its state has every gauge right
// within about a second. The C model is dwcp_reannounce_due() in
// dwcp_probes.h.

import (
	"sort"
	"sync"
	"time"
)

// Timing of the re-announcer: it looks at the level semaphores every
// reannounceCheck, fires every level at once when they change (a tracer came
// or went) and then every reannouncePeriod while any is attached, so a
// tracer that detaches and attaches again quickly is served too.
const (
	reannounceCheck  = 250 * time.Millisecond
	reannouncePeriod = time.Second
)

type bandwidthLevel struct{ used, available int64 }

type versionLevel struct{ version, gitCommit, buildDate string }

// levelState is the process's level memory. Probes are per process, so is
// this: every Collector writes here. A level is stored and fired under one
// lock, as the re-announcer fires them, so the value a tracer saw last is
// the value remembered.
type levelState struct {
	mu         sync.Mutex
	health     map[string]HealthStatus
	features   map[string]bool
	baselines  map[string]int64
	speedups   map[string]uint64 // x 1000
	dictionary *uint64           // x 100
	bandwidth  *bandwidthLevel
	version    *versionLevel
}

var levels = levelState{
	health:    map[string]HealthStatus{},
	features:  map[string]bool{},
	baselines: map[string]int64{},
	speedups:  map[string]uint64{},
}

// set runs store (which records a value and fires its probe) under the
// lock, after making sure the re-announcer runs.
func (l *levelState) set(store func()) {
	announcer.ensure()
	l.mu.Lock()
	defer l.mu.Unlock()
	store()
}

func (l *levelState) setHealth(component string, status HealthStatus) {
	l.set(func() { l.health[component] = status; fireHealth(component, status) })
}

func (l *levelState) setFeature(feature string, enabled bool) {
	l.set(func() { l.features[feature] = enabled; fireFeature(feature, enabled) })
}

func (l *levelState) setBaseline(baselineType string, count int64) {
	l.set(func() { l.baselines[baselineType] = count; fireBaseline(baselineType, count) })
}

func (l *levelState) setSpeedup(vmType string, factorX1000 uint64) {
	l.set(func() { l.speedups[vmType] = factorX1000; fireSpeedup(vmType, factorX1000) })
}

func (l *levelState) setDictionary(efficiencyX100 uint64) {
	l.set(func() { l.dictionary = &efficiencyX100; fireDictionary(efficiencyX100) })
}

func (l *levelState) setBandwidth(used, available int64) {
	l.set(func() { l.bandwidth = &bandwidthLevel{used, available}; fireBandwidth(used, available) })
}

func (l *levelState) setVersion(version, gitCommit, buildDate string) {
	l.set(func() {
		l.version = &versionLevel{version, gitCommit, buildDate}
		fireVersion(version, gitCommit, buildDate)
	})
}

// reannounce fires every remembered level again, in a stable order.
func (l *levelState) reannounce() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bandwidth != nil {
		fireBandwidth(l.bandwidth.used, l.bandwidth.available)
	}
	for _, k := range sortedKeys(l.baselines) {
		fireBaseline(k, l.baselines[k])
	}
	if l.dictionary != nil {
		fireDictionary(*l.dictionary)
	}
	for _, k := range sortedKeys(l.speedups) {
		fireSpeedup(k, l.speedups[k])
	}
	for _, k := range sortedKeys(l.health) {
		fireHealth(k, l.health[k])
	}
	for _, k := range sortedKeys(l.features) {
		fireFeature(k, l.features[k])
	}
	if l.version != nil {
		fireVersion(l.version.version, l.version.gitCommit, l.version.buildDate)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// levelSignature is the sum of the level semaphores: 0 while no tracer
// listens to any level probe, and it changes when one attaches or detaches.
func levelSignature() uint32 {
	var sum uint32
	for _, s := range levelSemaphores {
		sum += uint32(*s)
	}
	return sum
}

// reannounceDue is dwcp_reannounce_due(): whether to fire the levels now,
// given the signature seen and the time; it updates the state it keeps.
type reannounceDue struct {
	lastSignature uint32
	nextDue       time.Time
}

func (r *reannounceDue) due(signature uint32, now time.Time) bool {
	if signature == 0 {
		r.lastSignature = 0
		return false
	}
	if signature != r.lastSignature || !now.Before(r.nextDue) {
		r.lastSignature = signature
		r.nextDue = now.Add(reannouncePeriod)
		return true
	}
	return false
}

// reannouncer runs the watching goroutine: started by InitializeMetrics or
// by the first level a Collector sets, stopped by ShutdownMetrics.
type reannouncer struct {
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

var announcer reannouncer

// ensure starts the goroutine unless it runs.
func (a *reannouncer) ensure() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stop != nil {
		return
	}
	a.stop = make(chan struct{})
	a.done = make(chan struct{})
	go a.run(a.stop, a.done)
}

// shutdown stops the goroutine and waits for it.
func (a *reannouncer) shutdown() {
	a.mu.Lock()
	stop, done := a.stop, a.done
	a.stop, a.done = nil, nil
	a.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (a *reannouncer) run(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(reannounceCheck)
	defer ticker.Stop()
	var r reannounceDue
	for {
		if r.due(levelSignature(), time.Now()) {
			levels.reannounce()
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}
