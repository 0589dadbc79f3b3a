#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: dwcp-sim doing real work, instrumented by dwcp-bpf-exporter.
# Prints live AMST metrics, then serves them until Ctrl-C (or for
# DEMO_SECONDS when set, which is how it runs without a terminal).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${DEMO_PORT:-9477}
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the exporter loads BPF programs: run as root (sudo make demo)" >&2
	exit 1
fi

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

./build/dwcp-bpf-exporter --binary ./build/dwcp-sim --cluster demo --node "$(hostname)" \
	--web.listen-address "127.0.0.1:$PORT" &
pids+=($!)
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null || { echo "demo: exporter did not become ready" >&2; exit 1; }

./build/dwcp-sim --duration 0 --streams 4 --rate 50 --migrations 1000 --quiet &
pids+=($!)

for round in 1 2 3; do
	sleep 3
	echo "=== scrape $round: AMST metrics (per-stream series cut after the first 12) ==="
	curl -fs "http://127.0.0.1:$PORT/metrics" | grep '^dwcp_amst_' | grep -v '_bucket' |
		awk '/stream_id=/ { if (++n > 12) next } { print }'
done
echo
echo "dwcp-sim is running under dwcp-bpf-exporter:"
echo "  metrics: http://127.0.0.1:$PORT/metrics   (all families: curl -s http://127.0.0.1:$PORT/metrics | grep ^dwcp_)"
echo "  health:  http://127.0.0.1:$PORT/health   ready: http://127.0.0.1:$PORT/ready"
if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
elif [ -t 0 ]; then
	echo "Ctrl-C stops both."
	wait
fi
