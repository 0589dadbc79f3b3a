#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# rootfs.sh OUT.tar: a Debian 12 root filesystem whose PID 1 is systemd, for
# the systemd guest of tests/systemd/run.py, made once with debootstrap
# (minbase, plus systemd and what the exporter's package depends on, so the
# guest installs the .deb offline) and kept as a tarball; a second run with
# OUT.tar present does nothing. Needs root and Debian's mirror.
set -euo pipefail

out=$1
[ -s "$out" ] && exit 0
mirror=${DWCP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# systemd as PID 1 and what the checks use; the .deb's runtime Depends
include=systemd,systemd-sysv,dbus,udev,kmod,procps,curl,util-linux,libcap2-bin
include+=,libbpf1,libmicrohttpd12,libgnutls30,libyaml-0-2,libelf1,libcap2,libcrypt1,libsystemd0,zlib1g,init-system-helpers
work=$(mktemp -d /var/tmp/dwcp-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase --include="$include" bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
	{ tail -30 "$work/debootstrap.log" >&2; exit 1; }
# the root is the virtio disk; no password for the console, nothing else
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$work/root/etc/fstab"
echo dwcp-guest >"$work/root/etc/hostname"
chroot "$work/root" passwd -d root >/dev/null
rm -f "$work/root"/var/cache/apt/archives/*.deb "$work/root"/var/lib/apt/lists/*_Packages
mkdir -p "$(dirname "$out")"
tar -C "$work/root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
