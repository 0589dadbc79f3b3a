// SPDX-License-Identifier: Apache-2.0

package main

// ledger.go: what the node reported through the metrics package, as the
// samples an exporter attached since its first event must serve (without
// cluster and node labels), in the format of dwcp-sim's ledger
// (usdt/sim/ledger.c): "# fired <probe> <count>" lines, then sorted
// samples. Workers fill a tally each; the node merges them. Levels are set
// by one goroutine only, so their last value here is the last one fired.

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

type histogram struct {
	buckets    []uint64 // per bucket, the last one above every bound
	sum, count uint64
}

func newHistogram(bounds []uint64) *histogram {
	return &histogram{buckets: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(bounds []uint64, v uint64) {
	h.buckets[bucketOf(bounds, v)]++
	h.sum += v
	h.count++
}

func (h *histogram) add(o *histogram) {
	for i := range h.buckets {
		h.buckets[i] += o.buckets[i]
	}
	h.sum += o.sum
	h.count += o.count
}

type hdeType struct {
	original, compressed uint64
	ratio                *histogram // x 1000
}

type migrationKey struct {
	dest string
	dwcp bool
}

type syncKey struct{ remote, syncType string }

// tally is one worker's share of the events; merged, the node's.
type tally struct {
	fired          map[string]uint64
	results        map[string]uint64 // streams ended by result
	errors         map[string]uint64
	sent, received map[string]uint64 // by stream id
	kernelTimed    map[string]uint64 // operation -> observations timed in BPF
	selfTimed      map[string]*histogram
	hde            map[string]*hdeType
	encodes        uint64
	deltaHits      uint64
	decodes        map[bool]uint64
	migrations     map[migrationKey]map[bool]uint64 // success -> count
	syncs          map[syncKey]*histogram
	saved          map[string]uint64
}

func newTally() *tally {
	return &tally{
		fired: map[string]uint64{}, results: map[string]uint64{}, errors: map[string]uint64{},
		sent: map[string]uint64{}, received: map[string]uint64{}, kernelTimed: map[string]uint64{},
		selfTimed: map[string]*histogram{}, hde: map[string]*hdeType{}, decodes: map[bool]uint64{},
		migrations: map[migrationKey]map[bool]uint64{}, syncs: map[syncKey]*histogram{},
		saved: map[string]uint64{},
	}
}

func (t *tally) streamStart(id string) {
	t.fired["stream_start"]++
	t.sent[id] += 0
	t.received[id] += 0
}

func (t *tally) streamData(id string, sent, received int64) {
	t.fired["stream_data"]++
	t.sent[id] += uint64(sent)
	t.received[id] += uint64(received)
}

func (t *tally) streamError(errorType string) {
	t.fired["stream_error"]++
	t.errors[errorType]++
}

// streamEnd: the exporter also observes the lifetime of every stream whose
// start it saw as operation "stream_duration".
func (t *tally) streamEnd(result string) {
	t.fired["stream_end"]++
	t.results[result]++
	t.kernelTimed["stream_duration"]++
}

func (t *tally) kernelTimedOp(operation string) {
	t.fired["op_start"]++
	t.fired["op_end"]++
	t.kernelTimed[operation]++
}

func (t *tally) selfTimedOp(operation string, durationNs int64) {
	t.fired["op_duration"]++
	h := t.selfTimed[operation]
	if h == nil {
		h = newHistogram(opLatencyBoundsNs)
		t.selfTimed[operation] = h
	}
	h.observe(opLatencyBoundsNs, uint64(durationNs))
}

func (t *tally) compress(dataType string, original, compressed int64, deltaHit bool) {
	t.fired["compress"]++
	h := t.hde[dataType]
	if h == nil {
		h = &hdeType{ratio: newHistogram(compressionBoundsMilli)}
		t.hde[dataType] = h
	}
	h.original += uint64(original)
	h.compressed += uint64(compressed)
	h.ratio.observe(compressionBoundsMilli, ratioMilli(uint64(original), uint64(compressed)))
	t.encodes++
	if deltaHit {
		t.deltaHits++
	}
}

func (t *tally) decompress(success bool) {
	t.fired["decompress"]++
	t.decodes[success]++
}

// migration: probes is how it was reported (migration_start plus
// migration_done or migration_end).
func (t *tally) migration(dest string, dwcp, success bool, probes ...string) {
	for _, p := range probes {
		t.fired[p]++
	}
	k := migrationKey{dest, dwcp}
	if t.migrations[k] == nil {
		t.migrations[k] = map[bool]uint64{}
	}
	t.migrations[k][success]++
}

func (t *tally) federationSync(remote, syncType string, durationNs, saved int64) {
	t.fired["federation_sync"]++
	t.fired["bandwidth_saved"]++
	k := syncKey{remote, syncType}
	if t.syncs[k] == nil {
		t.syncs[k] = newHistogram(federationBoundsNs)
	}
	t.syncs[k].observe(federationBoundsNs, uint64(durationNs))
	t.saved[remote] += uint64(saved)
}

func addCounts[K comparable](into, from map[K]uint64) {
	for k, v := range from {
		into[k] += v
	}
}

func (t *tally) merge(o *tally) {
	for _, m := range [][2]map[string]uint64{{t.fired, o.fired}, {t.results, o.results}, {t.errors, o.errors},
		{t.sent, o.sent}, {t.received, o.received}, {t.kernelTimed, o.kernelTimed}, {t.saved, o.saved}} {
		addCounts(m[0], m[1])
	}
	for k, h := range o.selfTimed {
		if t.selfTimed[k] == nil {
			t.selfTimed[k] = newHistogram(opLatencyBoundsNs)
		}
		t.selfTimed[k].add(h)
	}
	for k, h := range o.hde {
		if t.hde[k] == nil {
			t.hde[k] = &hdeType{ratio: newHistogram(compressionBoundsMilli)}
		}
		t.hde[k].original += h.original
		t.hde[k].compressed += h.compressed
		t.hde[k].ratio.add(h.ratio)
	}
	t.encodes += o.encodes
	t.deltaHits += o.deltaHits
	addCounts(t.decodes, o.decodes)
	for k, m := range o.migrations {
		if t.migrations[k] == nil {
			t.migrations[k] = map[bool]uint64{}
		}
		addCounts(t.migrations[k], m)
	}
	for k, h := range o.syncs {
		if t.syncs[k] == nil {
			t.syncs[k] = newHistogram(federationBoundsNs)
		}
		t.syncs[k].add(h)
	}
}

// levels: the last value of every level the node set.
type levels struct {
	health         map[string]uint64
	features       map[string]bool
	baselines      map[string]int64
	speedupsX1000  map[string]uint64
	dictionaryX100 *uint64
	bandwidth      *[2]int64
	version        *[3]string
}

func newLevels() *levels {
	return &levels{health: map[string]uint64{}, features: map[string]bool{}, baselines: map[string]int64{},
		speedupsX1000: map[string]uint64{}}
}

// The contract's fixed point (dwcp.d), as the metrics package rounds it.
func fixedPoint(v, scale float64) uint64 { return uint64(math.Round(v * scale)) }

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func quote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

type lines []string

func (l *lines) add(format string, args ...interface{}) {
	*l = append(*l, fmt.Sprintf(format, args...))
}

func (l *lines) histogram(metric, labels string, bounds []uint64, scale float64, h *histogram) {
	var cumulative uint64
	for i, n := range h.buckets {
		cumulative += n
		le := "+Inf"
		if i < len(bounds) {
			le = num(float64(bounds[i]) / scale)
		}
		l.add("%s_bucket{%s,le=%s} %d", metric, labels, quote(le), cumulative)
	}
	l.add("%s_count{%s} %d", metric, labels, h.count)
	l.add("%s_sum{%s} %s", metric, labels, num(float64(h.sum)/scale))
}

// render returns the ledger's text.
func render(pid int, t *tally, lv *levels) string {
	var out lines
	for id := range t.sent {
		out.add("dwcp_amst_bytes_sent_total{stream_id=%s} %d", quote(id), t.sent[id])
		out.add("dwcp_amst_bytes_received_total{stream_id=%s} %d", quote(id), t.received[id])
	}
	for r, n := range t.results {
		out.add("dwcp_amst_streams_total{result=%s} %d", quote(r), n)
	}
	for e, n := range t.errors {
		out.add("dwcp_amst_errors_total{error_type=%s} %d", quote(e), n)
	}
	for op, n := range t.kernelTimed {
		out.add("dwcp_amst_latency_seconds_count{operation=%s} %d", quote(op), n)
	}
	for op, h := range t.selfTimed {
		out.histogram("dwcp_amst_latency_seconds", "operation="+quote(op), opLatencyBoundsNs, 1e9, h)
	}
	out.add("dwcp_amst_streams_active %d", t.fired["stream_start"]-t.fired["stream_end"])
	if lv.bandwidth != nil && lv.bandwidth[1] > 0 {
		out.add("dwcp_amst_bandwidth_utilization_percent %s",
			num(float64(lv.bandwidth[0])/float64(lv.bandwidth[1])*100))
	}

	if t.encodes > 0 {
		out.add(`dwcp_hde_operations_total{operation="encode",result="success"} %d`, t.encodes)
		out.add("dwcp_hde_delta_hit_rate_percent %s", num(float64(t.deltaHits)/float64(t.encodes)*100))
	}
	if n := t.decodes[true]; n > 0 {
		out.add(`dwcp_hde_operations_total{operation="decode",result="success"} %d`, n)
	}
	if n := t.decodes[false]; n > 0 {
		out.add(`dwcp_hde_operations_total{operation="decode",result="failure"} %d`, n)
	}
	for dt, h := range t.hde {
		out.add("dwcp_hde_bytes_original_total{data_type=%s} %d", quote(dt), h.original)
		out.add("dwcp_hde_bytes_compressed_total{data_type=%s} %d", quote(dt), h.compressed)
		out.histogram("dwcp_hde_compression_ratio", "data_type="+quote(dt), compressionBoundsMilli, 1000, h.ratio)
	}
	for bt, n := range lv.baselines {
		out.add("dwcp_hde_baseline_count{baseline_type=%s} %d", quote(bt), n)
	}
	if lv.dictionaryX100 != nil {
		out.add("dwcp_hde_dictionary_efficiency_percent %s", num(float64(*lv.dictionaryX100)/100))
	}

	for k, outcomes := range t.migrations {
		labels := fmt.Sprintf("dest_node=%s,dwcp_enabled=%s", quote(k.dest), quote(strconv.FormatBool(k.dwcp)))
		if n := outcomes[true]; n > 0 {
			out.add("dwcp_migration_duration_seconds_count{%s} %d", labels, n)
		}
		if n := outcomes[false]; n > 0 {
			out.add("dwcp_migration_failures_total{%s} %d", labels, n)
		}
	}
	for vm, f := range lv.speedupsX1000 {
		out.add("dwcp_migration_speedup_factor{vm_type=%s} %s", quote(vm), num(float64(f)/1000))
	}

	for k, h := range t.syncs {
		out.histogram("dwcp_federation_sync_duration_seconds",
			"remote_cluster="+quote(k.remote)+",sync_type="+quote(k.syncType), federationBoundsNs, 1e9, h)
	}
	for r, n := range t.saved {
		out.add("dwcp_federation_bandwidth_saved_bytes_total{remote_cluster=%s} %d", quote(r), n)
	}

	for c, s := range lv.health {
		out.add("dwcp_system_component_health{component=%s} %d", quote(c), s)
	}
	for f, on := range lv.features {
		v := 0
		if on {
			v = 1
		}
		out.add("dwcp_system_config_enabled{feature=%s} %d", quote(f), v)
	}
	if v := lv.version; v != nil {
		out.add("dwcp_system_version_info{version=%s,git_commit=%s,build_date=%s} 1",
			quote(v[0]), quote(v[1]), quote(v[2]))
	}
	sort.Strings(out)

	var head lines
	head.add("# dwcp-go-node ledger v1 pid=%d", pid)
	head.add("# levels are re-announced by the metrics package; only event probes are counted")
	probes := make([]string, 0, len(t.fired))
	for p := range t.fired {
		probes = append(probes, p)
	}
	sort.Strings(probes)
	for _, p := range probes {
		head.add("# fired %s %d", p, t.fired[p])
	}
	return strings.Join(append(head, out...), "\n") + "\n"
}

// writeAtomic writes text to path through a temporary file and a rename,
// so a reader never sees half a ledger.
func writeAtomic(path, text string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
