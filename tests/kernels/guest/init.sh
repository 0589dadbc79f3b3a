#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# PID 1 of a kernel-matrix guest (qemu.py boots it as dwcp.run=): mount what
# the exporter, bpftrace and the checks need, run check.sh under a time
# limit, keep its output and exit code in /results, power off.
PATH=/dwcp/bin:/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up
limit=$(sed -n 's/.*dwcp.limit=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "dwcp-guest: $(uname -r): check.sh (limit ${limit:-240} s)"
timeout "${limit:-240}" sh /dwcp/check.sh >/results/check.log 2>&1
echo $? >/results/exit-code
echo "dwcp-guest: check.sh exited $(cat /results/exit-code)"
tail -n 5 /results/check.log
sync
mount -o remount,ro / 2>/dev/null
sync
poweroff -f
