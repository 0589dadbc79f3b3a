// SPDX-License-Identifier: Apache-2.0

package main

// work.go: what the node does, on the seed's wrappers as its Quick Start
// uses them: streams that carry HDE-compressed pages (compress/flate, with
// a baseline page as the preset dictionary for delta hits), decompressed
// and checked; migrations; federation syncs. Every call is also put in the
// caller's tally.

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand"
	"time"

	"novacron/backend/core/network/dwcp/metrics"
)

const (
	pageBytes = 4096
	ackBytes  = 64
)

// page returns a page of VM memory: runs of repeated bytes and some noise,
// so that it compresses like memory does (2x to 20x).
func page(rng *rand.Rand) []byte {
	p := make([]byte, pageBytes)
	for i := 0; i < len(p); {
		run := 16 + rng.Intn(200)
		b := byte(rng.Intn(8))
		for j := 0; j < run && i < len(p); j++ {
			p[i] = b
			i++
		}
		if rng.Intn(3) == 0 && i < len(p) {
			p[i] = byte(rng.Intn(256))
			i++
		}
	}
	return p
}

// codec is one worker's HDE: deflate, against a baseline page when delta.
type codec struct {
	baseline []byte
	buf      bytes.Buffer
}

func (c *codec) compress(p []byte, delta bool) []byte {
	c.buf.Reset()
	var w *flate.Writer
	var err error
	if delta {
		w, err = flate.NewWriterDict(&c.buf, flate.BestSpeed, c.baseline)
	} else {
		w, err = flate.NewWriter(&c.buf, flate.BestSpeed)
	}
	if err == nil {
		_, err = w.Write(p)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		panic(err) // writing to a bytes.Buffer cannot fail
	}
	return append([]byte(nil), c.buf.Bytes()...)
}

// roundTrip decompresses z and reports whether it gives back p.
func (c *codec) roundTrip(z []byte, delta bool, p []byte) bool {
	var r io.ReadCloser
	if delta {
		r = flate.NewReaderDict(bytes.NewReader(z), c.baseline)
	} else {
		r = flate.NewReader(bytes.NewReader(z))
	}
	got, err := io.ReadAll(r)
	return err == nil && bytes.Equal(got, p)
}

type worker struct {
	id        int
	cfg       *config
	collector *metrics.Collector
	amst      *metrics.AMSTMetricsWrapper
	hde       *metrics.HDEMetricsWrapper
	rng       *rand.Rand
	codec     codec
	t         *tally
}

func newWorker(id int, cfg *config) *worker {
	w := &worker{id: id, cfg: cfg, collector: metrics.GetCollector(), amst: metrics.NewAMSTMetricsWrapper(),
		hde: metrics.NewHDEMetricsWrapper(), rng: rand.New(rand.NewSource(cfg.seed + int64(id))), t: newTally()}
	w.codec.baseline = page(w.rng)
	return w
}

// viaHelpers: odd workers use the package-level Record* helpers instead of
// the wrappers, so both paths carry the same counts.
func (w *worker) viaHelpers() bool { return w.id%2 == 1 }

func (w *worker) run() {
	for s := 0; s < w.cfg.streams; s++ {
		w.stream(fmt.Sprintf("go-%d-%d-%d", w.cfg.pid, w.id, s))
	}
}

func (w *worker) stream(id string) {
	w.amst.OnStreamStart(id)
	w.t.streamStart(id)
	op := w.collector.StartOperation("handshake")
	time.Sleep(time.Duration(w.rng.Intn(200)) * time.Microsecond)
	op.End()
	w.t.kernelTimedOp("handshake")

	result := "success"
	for k := 0; k < w.cfg.chunks; k++ {
		failed := false
		if w.cfg.stress.stack {
			deep((w.id*13+k*7)%97, func() { failed = w.chunk(id, k) })
		} else {
			failed = w.chunk(id, k)
		}
		if failed {
			result = "error"
		}
	}
	w.amst.OnStreamEnd(id)
	w.t.streamEnd(result)
}

// chunk sends one page on stream id; it reports whether the chunk failed.
func (w *worker) chunk(id string, k int) bool {
	start := time.Now()
	p := page(w.rng)
	delta := k%2 == 1
	z := w.codec.compress(p, delta)
	if w.viaHelpers() {
		metrics.RecordCompressionMetrics("vm_memory", int64(len(p)), int64(len(z)), delta)
	} else {
		w.hde.OnCompressionComplete("vm_memory", int64(len(p)), int64(len(z)), delta)
	}
	w.t.compress("vm_memory", int64(len(p)), int64(len(z)), delta)

	// now and then the far end gets a damaged frame
	damaged := w.rng.Intn(w.cfg.errorEvery) == 0
	wire := z
	if damaged {
		wire = append([]byte(nil), z...)
		wire[len(wire)/2] ^= 0x5a
	}
	ok := w.codec.roundTrip(wire, delta, p)
	w.hde.OnDecompressionComplete(ok)
	w.t.decompress(ok)

	if w.viaHelpers() {
		metrics.RecordStreamMetrics(id, int64(len(z)), ackBytes, "")
	} else {
		w.amst.OnStreamData(id, int64(len(z)), ackBytes)
	}
	w.t.streamData(id, int64(len(z)), ackBytes)
	for i := 0; i < w.cfg.stress.hammer; i++ {
		w.amst.OnStreamData(id, 1, 0)
		w.t.streamData(id, 1, 0)
	}
	if !ok {
		if w.viaHelpers() {
			metrics.RecordStreamMetrics(id, 0, 0, "checksum_mismatch")
		} else {
			w.amst.OnStreamError(id, "checksum_mismatch")
		}
		w.t.streamError("checksum_mismatch")
	}
	d := time.Since(start)
	w.collector.RecordOperationLatency("chunk_send", d)
	w.t.selfTimedOp("chunk_send", int64(d))
	return !ok
}

// migrate runs migrations the seed's way (destination at completion), one
// that fails the other way (StartMigrationTo/FinishMigration), and returns
// the last duration of each transport for the speedup.
func migrate(cfg *config, t *tally) (standard, dwcp time.Duration) {
	m := metrics.NewMigrationMetricsWrapper()
	c := metrics.GetCollector()
	rng := rand.New(rand.NewSource(cfg.seed - 1))
	var cd codec
	cd.baseline = page(rng)
	dests := []string{"node-02", "node-03"}
	for k := 0; k < cfg.migrations; k++ {
		id := fmt.Sprintf("go-mig-%d-%d", cfg.pid, k)
		withDWCP := k%2 == 1
		start := time.Now()
		m.OnMigrationStart(id)
		pages := 64
		if withDWCP {
			pages = 16 // delta against the baseline sends less
		}
		for i := 0; i < pages; i++ {
			cd.compress(page(rng), withDWCP)
		}
		m.OnMigrationComplete(id, dests[k%2], withDWCP)
		t.migration(dests[k%2], withDWCP, true, "migration_start", "migration_done")
		if withDWCP {
			dwcp = time.Since(start)
		} else {
			standard = time.Since(start)
		}
	}
	id := fmt.Sprintf("go-mig-%d-failed", cfg.pid)
	c.StartMigrationTo(id, "node-03", false)
	c.FinishMigration(id, false)
	t.migration("node-03", false, false, "migration_start", "migration_end")
	return standard, dwcp
}

// federate runs a few syncs with a remote cluster: a batch of pages
// compressed against a baseline, the bytes saved being what delta spared.
func federate(cfg *config, t *tally) {
	c := metrics.GetCollector()
	rng := rand.New(rand.NewSource(cfg.seed - 2))
	var cd codec
	cd.baseline = page(rng)
	for i := 0; i < cfg.syncs; i++ {
		start := time.Now()
		var original, sent int
		for j := 0; j < 32; j++ {
			p := page(rng)
			original += len(p)
			sent += len(cd.compress(p, true))
		}
		d := time.Since(start)
		c.RecordFederationSync("cluster-2", "incremental", d, int64(original-sent))
		t.federationSync("cluster-2", "incremental", int64(d), int64(original-sent))
	}
}
