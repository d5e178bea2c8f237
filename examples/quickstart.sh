#!/bin/sh
# From a fresh Debian 12 machine, as root: install what is missing, build
# vmkit, start the example domain, show it running with its leases, stop it.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps
scripts/setup-host
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure -q
make -s -j2
mkdir -p /var/lib/vmkit/images
img=/var/lib/vmkit/images/demo.qcow2
[ -e "$img" ] || qemu-img create -q -f qcow2 "$img" 64M
chmod 0600 "$img"
# QEMU writes the serial log there as the unprivileged user; the image
# itself stays root's and is lent to QEMU only while the VM runs.
chown vmkit-qemu: /var/lib/vmkit/images
export VMKIT_CONF="$PWD/examples/vmkit.conf"
set -x
stat -c '%U:%G %a %n' "$img"
./vm-start examples/demo.xml
./vm-status demo
./vm-lock list
stat -c '%U:%G %a %n' "$img"
# The firmware-only guest ignores ACPI, so stop it with --force.
./vm-stop --force demo
./vm-lock status "$img"
stat -c '%U:%G %a %n' "$img"
