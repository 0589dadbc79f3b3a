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
step install dpkg -i /dwcp/dwcp-bpf-exporter.deb
systemctl show -p ActiveState --value dwcp-bpf-exporter.service >$R/active-after-install
# the package starts the service with its default config: /usr/bin/dwcp-node
# does not exist, so it waits
curl -s -o $R/ready-waiting.txt -w '%{http_code}\n' http://127.0.0.1:9477/ready >$R/ready-waiting.code

# this node's config: the guest's dwcp-sim, then a restart
cat >/etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml <<YML
binary:
  - /dwcp/bin/dwcp-sim
cluster: guest
node: guest
web.listen-address:
  - "127.0.0.1:9477"
YML
step restart systemctl restart dwcp-bpf-exporter.service
step ready wait_ready http://127.0.0.1:9477/ready
/dwcp/bin/dwcp-sim --quiet --duration 3 --streams 4 --rate 0 --stream-bytes 200000 --migrations 3 \
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
sed -i 's/^cluster: guest$/cluster: guest-reloaded/' /etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml
step reload systemctl reload dwcp-bpf-exporter.service
sleep 1
systemctl show -p MainPID --value dwcp-bpf-exporter.service >$R/mainpid-after-reload
journalctl -u dwcp-bpf-exporter.service --no-pager -o cat >$R/journal-after-reload.txt

# stop: clean exit, port closed
step stop systemctl stop dwcp-bpf-exporter.service
systemctl show -p ActiveState -p Result -p ExecMainStatus dwcp-bpf-exporter.service >$R/after-stop
curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9477/ready >$R/ready-after-stop.code

# socket activation: systemd holds the port, the first scrape starts it
echo 'ARGS="--web.systemd-socket"' >/etc/default/dwcp-bpf-exporter
sed -i 's/^  - "127.0.0.1:9477"$/  - ":9477"/' /etc/dwcp-bpf-exporter/dwcp-bpf-exporter.yml
step socket-start systemctl start dwcp-bpf-exporter.socket
systemctl show -p ActiveState --value dwcp-bpf-exporter.service >$R/service-before-connect
curl -s --max-time 60 -o $R/metrics-activated.txt -w '%{http_code}\n' http://127.0.0.1:9477/metrics >$R/activated.code
systemctl show -p ActiveState --value dwcp-bpf-exporter.service >$R/service-after-connect
step socket-stop systemctl stop dwcp-bpf-exporter.socket dwcp-bpf-exporter.service

journalctl -u dwcp-bpf-exporter.service -u dwcp-bpf-exporter.socket --no-pager -o short-monotonic >$R/journal.txt
echo done >$R/done
sync
