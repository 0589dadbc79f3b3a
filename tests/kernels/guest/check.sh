#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The kernel-matrix check, run inside each guest (busybox sh) by init.sh. It
# only acts and records: every scrape, ledger, log and /proc reading goes to
# /results, and tests/kernels/verify.py judges them on the host after the
# guest powered off, with the integration tests' own parsers.
#
# Steps, each in its own /results folder:
#   kernel/     what the kernel offers (preemption, JIT private stack, BPF
#               cookies, nop5 uprobe optimization)
#   prog-NAME/  one line of programs.list: the program under a fresh
#               exporter, in the line's order, its ledger, a scrape, the
#               exporter's threads' capabilities; for the first line also a
#               scrape after an exporter restart on the same pinned maps
#   argkinds/   dwcp_sdt_argkinds (every kind of USDT argument of this
#               architecture) under the exporter: its ledger, a scrape
#   bpftrace/   bpftrace -l of the probes; bpftrace summing stream_data of
#               the threads client (what an operator's bpftrace sees)
#   sites-*/    the probe-site programs (dwcp_probes.h's site, a bare nop5,
#               a bare nop10; x86-64 only): red zone, trampoline, counts;
#               untraced, traced, detached
R=/results
B=/dwcp/bin
PORT=9477
URL=http://127.0.0.1:$PORT

log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*"; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 on timeout
wait_for() {
	limit=$(($1 * 10))
	shift
	n=0
	until "$@" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -ge $limit ] && return 1
		sleep 0.1
	done
	return 0
}

ready() { wget -q -O /dev/null "$URL/ready"; }
scrape() { wget -q -O "$1" "$URL/metrics"; }

# start_exporter DIR PINS FLAGS...: sets EXPORTER; 0 once /ready, else 1
# with the exit code in DIR/exporter.exit
start_exporter() {
	dir=$1
	pins=$2
	shift 2
	# --stream.grace: an ended stream keeps its series past the restart,
	# however slowly a loaded host runs the guest (30 s by default)
	dwcp-bpf-exporter --bpf.pin-path "$pins" --web.listen-address 127.0.0.1:$PORT --cluster c1 --node n1 \
		--stream.grace 600s "$@" >>"$dir/exporter.log" 2>&1 &
	EXPORTER=$!
	started=$(cut -d' ' -f1 /proc/uptime)
	until ready; do
		if ! kill -0 $EXPORTER 2>/dev/null; then
			wait $EXPORTER
			echo $? >"$dir/exporter.exit"
			log "exporter exited $(cat "$dir/exporter.exit") before /ready"
			return 1
		fi
		sleep 0.1
	done
	log "exporter ready (started at $started)"
	return 0
}

stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

capabilities() {
	for s in /proc/$EXPORTER/task/*/status; do
		# a thread may end between the glob and the read
		sets=$(grep -E '^(Cap|NoNewPrivs)' "$s" 2>/dev/null) && printf '== %s\n%s\n' "$s" "$sets"
	done >"$1/capabilities.txt"
}

kernel_facts() {
	d=$R/kernel
	mkdir -p $d
	{
		echo "release=$(uname -r)"
		echo "cmdline=$(cat /proc/cmdline)"
		echo "preempt=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null)"
		echo "jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)"
		echo "machine=$(uname -m)"
		# the BTF the kernel serves (the arm64 vmlinux.h is made from the package's)
		echo "btf_sha256=$(sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1)"
		# simulate_nop: arm64 steps over a uprobe on a nop without a single-step (6.13+)
		# one pass over /proc/kallsyms: each pass takes seconds under TCG
		awk 'BEGIN { n = split("arch_uprobe_optimize bpf_jit_supports_private_stack bpf_get_attach_cookie_trace simulate_nop", s)
		             for (i = 1; i <= n; i++) want[s[i]] = "" }
		     ($3 in want) && ($2 == "T" || $2 == "t") && want[$3] == "" { want[$3] = $2 }
		     END { for (i = 1; i <= n; i++) print "sym_" s[i] "=" want[s[i]] }' /proc/kallsyms
		echo "cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'user_shstk|shstk|ibt|smap|smep' | tr '\n' ' ')"
	} >$d/facts.txt
	cat $d/facts.txt
}

# one line of programs.list: NAME | ORDER | EXPORTER FLAGS | PROGRAM ARGS
run_program() {
	name=$1 order=$2 flags=$3 command=$4
	d=$R/prog-$name
	mkdir -p $d
	pins=/sys/fs/bpf/$name
	ledger=$d/ledger.prom
	command=$(echo "$command" | sed "s|LEDGER|$ledger|g")
	binary=$B/${command%% *}
	log "== $name ($order): $command"
	P=
	if [ "$order" = late ]; then
		# shellcheck disable=SC2086 # the program's words
		$B/$command >$d/program.log 2>&1 &
		P=$!
		sleep 1
	fi
	flags=$(echo "$flags" | sed "s|PID|$P|g")
	# shellcheck disable=SC2086
	if ! start_exporter $d $pins --binary $binary $flags; then
		[ -n "$P" ] && stop $P
		return
	fi
	capabilities $d
	if [ "$order" = first ]; then
		# shellcheck disable=SC2086
		$B/$command >$d/program.log 2>&1 &
		P=$!
	fi
	if wait_for 150 test -e $ledger; then
		# every probe fired before the ledger was written has been counted:
		# a BPF program runs to its end before the probing thread goes on
		log "ledger written"
		scrape $d/scrape.prom
	else
		log "no ledger"
	fi
	stop $EXPORTER
	echo $? >$d/exporter.exit
	# pinned maps: a new exporter on the same pins serves the same counters
	# (the first program only: a restart costs seconds under TCG)
	if [ "$name" = "$FIRST" ] && start_exporter $d $pins --binary $binary $flags; then
		scrape $d/scrape-restarted.prom
		stop $EXPORTER
	fi
	stop $P
	echo $? >$d/program.exit
	rm -rf $pins
}

run_programs() {
	FIRST=$(grep -v -E '^[[:space:]]*(#|$)' /dwcp/programs.list | head -n 1 | cut -d'|' -f1 | tr -d ' ')
	grep -v -E '^[[:space:]]*(#|$)' /dwcp/programs.list | while IFS='|' read -r name order flags command; do
		# shellcheck disable=SC2086 # trim
		run_program $(echo $name) $(echo $order) "$(echo $flags)" "$(echo $command)"
	done
}

# dwcp_sdt_argkinds: waits for SIGUSR1, fires every site, prints its ledger
# ("bytes ID SENT RECEIVED", "out_of_range N", "done"), waits for SIGTERM
run_argkinds() {
	d=$R/argkinds
	mkdir -p $d
	log "== argument kinds"
	# --pid: the PIE program is traced on kernels without BPF cookies too
	$B/dwcp_sdt_argkinds >$d/program.out 2>&1 &
	A=$!
	if ! start_exporter $d /sys/fs/bpf/argkinds --binary $B/dwcp_sdt_argkinds --pid $A; then
		stop $A
		return
	fi
	if wait_for 30 grep -q waiting $d/program.out; then
		kill -USR1 $A
		wait_for 60 grep -q '^done' $d/program.out && scrape $d/scrape.prom
	fi
	stop $EXPORTER
	stop $A
	rm -rf /sys/fs/bpf/argkinds
}

run_bpftrace() {
	d=$R/bpftrace
	mkdir -p $d
	if ! [ -x $B/bpftrace ]; then
		echo "no bpftrace in the image" >$d/absent
		return
	fi
	log "== bpftrace"
	bpftrace -l "usdt:$B/dwcp-sim:dwcp:*" >$d/list.txt 2>&1
	# -c runs the client once every probe is attached and prints the maps
	# when it exits (6 to 12 s here); bounded, because on 7.2 bpftrace 0.17
	# grows until the OOM killer takes it (an unfinished run is not judged)
	timeout -s KILL 30 bpftrace -e "usdt:$B/dwcp_sdt_threads:dwcp:stream_data { @sent[str(arg0)] = sum(arg1); @received[str(arg0)] = sum(arg2); }" \
		-c "$B/dwcp_sdt_threads --threads 4 --streams 8 --rounds 1500 --ledger $d/ledger.prom" >$d/sums.txt 2>&1
	echo $? >$d/bpftrace.exit
	log "bpftrace done"
}

# the probe-site program: "fire" runs the site 2000 times and prints
# clobbered=K trampoline=T; untraced, traced, and after detach
run_sites() {
	variant=$1
	d=$R/sites-$variant
	mkdir -p $d
	[ -x $B/$variant ] || return
	log "== probe sites: $variant"
	rm -f /tmp/site.in
	mkfifo /tmp/site.in
	$B/$variant </tmp/site.in >$d/site.out 2>&1 &
	S=$!
	exec 3>/tmp/site.in
	answers() { [ "$(grep -c clobbered= $d/site.out)" -ge "$1" ]; }
	fire() {
		lines=$(($(grep -c clobbered= $d/site.out) + 1))
		echo "$1" >>$d/phases.txt
		echo fire >&3
		wait_for 60 answers $lines
	}
	wait_for 30 grep -q ready $d/site.out
	fire untraced
	# --pid: a PIE binary can be traced on kernels without BPF cookies too
	if start_exporter $d /sys/fs/bpf/sites --binary $B/$variant --pid $S --no-stream.id-label; then
		fire traced
		fire traced-again
		scrape $d/scrape.prom
		stop $EXPORTER
	fi
	fire detached
	echo quit >&3
	exec 3>&-
	wait $S
	rm -rf /sys/fs/bpf/sites
}

log "check.sh on $(uname -r)"
kernel_facts
run_programs
run_argkinds
run_bpftrace
run_sites site_prog
run_sites site_prog_bare_nop5
run_sites site_prog_bare_nop10
log "check.sh done"
