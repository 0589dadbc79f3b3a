#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check.sh: inside a Debian 12 guest whose PID 1 is systemd, installs the
# exporter's .deb and exercises its units the way an operator does. Writes
# what it saw to /results for tests/systemd/run.py, which judges it on the
# host (the exact counts against dwcp-sim's ledger, the capability sets,
# the exposure score); this script only records, and records every step's
# exit status in /results/steps.
R=/results
mkdir -p $R
exec >$R/check.log 2>&1
set -x
step() { name=$1; shift; "$@"; echo "$name $?" >>$R/steps; }
wait_ready() { # wait_ready URL: until it answers 200 (30 s)
	for _ in $(seq 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# this unit runs after multi-user.target: the system is up
systemctl is-system-running >$R/system-state
# the operator quick start of README.md, as written: the install block
# (from the folder that holds the .deb)
cd /dwcp
step install sh -ex /dwcp/operator-install.sh
systemctl show -p ActiveState --value dwcp-bpf-exporter.service >$R/active-after-install
# the package starts the service with its default config: /usr/bin/dwcp-node
# does not exist, so it waits
for _ in $(seq 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9477/ready)" != 000 ] && break
	sleep 0.1
done
curl -s -o $R/ready-waiting.txt -w '%{http_code}\n' http://127.0.0.1:9477/ready >$R/ready-waiting.code

# DWCP is installed: dwcp-sim as /usr/bin/dwcp-node; then the quick start's
# configure block (config, --config.check, restart, /ready)
install -m 0755 /dwcp/bin/dwcp-sim /usr/bin/dwcp-node
step restart sh -ex /dwcp/operator-configure.sh
step ready wait_ready http://127.0.0.1:9477/ready
/usr/bin/dwcp-node --quiet --duration 3 --streams 4 --rate 0 --stream-bytes 200000 --migrations 3 \
	--federation-interval-ms 100 --wait-for-tracer 30 --ledger $R/ledger.prom --linger &
sim=$!
for _ in $(seq 600); do [ -s $R/ledger.prom ] && break; sleep 0.1; done
curl -s -o $R/metrics.txt http://127.0.0.1:9477/metrics
kill $sim; wait $sim

# hardening as it holds: the main process's and every thread's sets,
# seccomp, no_new_privs, mounts as the service sees them
pid=$(systemctl show -p MainPID --value dwcp-bpf-exporter.service)
echo "$pid" >$R/mainpid
cat /proc/$pid/status >$R/status
for t in /proc/$pid/task/*; do grep -E '^(Cap|NoNewPrivs|Seccomp)' $t/status | tr '\n' ' '; echo; done >$R/threads
cat /proc/$pid/mountinfo >$R/mountinfo
nsenter -t $pid -m sh -c 'touch /usr/dwcp-write-test; echo "usr $?"; mkdir /sys/fs/bpf/dwcp-write-test && rmdir /sys/fs/bpf/dwcp-write-test; echo "bpffs $?"; ls /tmp | wc -l' >$R/writes 2>&1
systemd-analyze security --no-pager dwcp-bpf-exporter.service >$R/security.txt 2>&1

# reload: SIGHUP re-reads the config; the process stays
sed -i 's/^cluster: prod-eu$/cluster: prod-eu-reloaded/' /etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml
step reload systemctl reload dwcp-bpf-exporter.service
sleep 1
systemctl show -p MainPID --value dwcp-bpf-exporter.service >$R/mainpid-after-reload
journalctl -u dwcp-bpf-exporter.service --no-pager -o cat >$R/journal-after-reload.txt

# stop: clean exit, port closed
step stop systemctl stop dwcp-bpf-exporter.service
systemctl show -p ActiveState -p Result -p ExecMainStatus dwcp-bpf-exporter.service >$R/after-stop
curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9477/ready >$R/ready-after-stop.code

# socket activation as configs/README.md gives it: systemd holds the port,
# the first scrape starts the service
step socket-start sh -ex /dwcp/socket-activation.sh
systemctl show -p ActiveState --value dwcp-bpf-exporter.service >$R/service-before-connect
curl -s --max-time 60 -o $R/metrics-activated.txt -w '%{http_code}\n' http://127.0.0.1:9477/metrics >$R/activated.code
systemctl show -p ActiveState --value dwcp-bpf-exporter.service >$R/service-after-connect
step socket-stop systemctl stop dwcp-bpf-exporter.socket dwcp-bpf-exporter.service

journalctl -u dwcp-bpf-exporter.service -u dwcp-bpf-exporter.socket --no-pager -o short-monotonic >$R/journal.txt
echo done >$R/done
sync
