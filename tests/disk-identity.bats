#!/usr/bin/env bats
# What QEMU opens is exactly what vmkit leased and labelled: every file
# of a backing chain, each opened once by vmkit and passed to QEMU by fd,
# so that no name QEMU resolves on its own, and no path component a user
# swaps, can point it at another file.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# overlay PATH BACKING [FORMAT]: a qcow2 over BACKING (as written: a
# relative name stays relative) of format FORMAT (raw), QEMU_USER's.
overlay() {
	qemu-img create -q -f qcow2 -b "$2" -F "${3:-raw}" -u "$1" 16M
	chown "$QEMU_USER:" "$1"
}

@test "an overlay's backing file is leased shared while the domain runs" {
	make_disk "$TEST_DIR/base.img" raw
	mkdir "$TEST_DIR/elsewhere"
	overlay "$TEST_DIR/ov.qcow2" base.img
	cd "$TEST_DIR/elsewhere"
	run -0 vm-start "$(make_domain ov "$(disk_xml "$TEST_DIR/ov.qcow2" vda)")"
	run -1 vm-lock status "$TEST_DIR/base.img"
	assert_line -n 0 --regexp "^shared +ov +$TEST_DIR/base.img$"
	assert_line -n 1 --regexp "^shared +ov +inode:[0-9]+:[0-9]+:$(stat -c %i "$TEST_DIR/base.img")$"
	run -1 vm-lock run "$TEST_DIR/base.img" -- true
	assert_output "vm-lock: disk '$TEST_DIR/base.img' is in use by domain 'ov'"
	run -1 vm-lock run --shared "$TEST_DIR/ov.qcow2" -- true
	run -1 vm-lock status --domain ov
	assert_line --regexp "^shared +ov +$TEST_DIR/base.img$"
	assert_line --regexp "^shared +ov +inode:[0-9]+:[0-9]+:$(stat -c %i "$TEST_DIR/base.img")$"
	run -0 images ov
	assert_output "$TEST_DIR/base.img
$TEST_DIR/ov.qcow2"
	run -0 qmp ov query-named-block-nodes
	python3 -c '
import json, sys
n = {b["node-name"]: b for b in json.loads(sys.argv[1])}
assert n["drive-vda"]["backing_file"] and n["b1-vda"]["ro"] and not n["drive-vda"]["ro"], n.keys()
files = [b["file"] for b in n.values() if b["drv"] in ("file", "host_device")]
assert len(files) == 2 and all(f.startswith("/dev/fdset/") for f in files), files
' "$output"
	run -0 vm-stop --force ov
	run -0 vm-lock status "$TEST_DIR/base.img"
	run -0 vm-lock run "$TEST_DIR/base.img" -- true
}

@test "a root-owned 0600 backing file is labelled while the domain runs and given back after" {
	own_disk "$TEST_DIR/base.qcow2" root:root 600
	overlay "$TEST_DIR/ov.qcow2" "$TEST_DIR/base.qcow2" qcow2
	run -0 vm-start "$(make_domain rb "$(disk_xml "$TEST_DIR/ov.qcow2" vda)")"
	[ "$(stat -c %U "$TEST_DIR/base.qcow2")" = "$QEMU_USER" ]
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["disks"][0]
b = d["backing"]
assert [x["path"] for x in b] == [sys.argv[2]] and b[0]["lease"] == "shared" and b[0]["label"] == "applied", d
assert len(b[0]["file"]) == 2 and len(d["file"]) == 2, d
' "$VMKIT_RUNDIR/domains/rb/status.json" "$TEST_DIR/base.qcow2"
	run -0 vm-stop --force rb
	[ "$(stat -c %u:%g:%a "$TEST_DIR/base.qcow2")" = 0:0:600 ]
	[ -z "$(xattrs_left "$TEST_DIR/base.qcow2")" ]
	[ "$(stat -c %U "$TEST_DIR/ov.qcow2")" = "$QEMU_USER" ]
}

@test "a backing file whose format the overlay does not record is refused with exit 3, and nothing changes" {
	own_disk "$TEST_DIR/base.img" root:root 600 raw
	overlay "$TEST_DIR/ov.qcow2" base.img
	# turn the backing format extension into an unknown one
	python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read(65536))
i = b.index(bytes.fromhex("e2792aca"))
open(sys.argv[1], "r+b").write(b[:i] + bytes.fromhex("12345678") + b[i + 4:])
' "$TEST_DIR/ov.qcow2"
	run -3 vm-start "$(make_domain nf "$(disk_xml "$TEST_DIR/ov.qcow2" vda)")"
	assert_output "vm-start: disk '$TEST_DIR/ov.qcow2' names its backing file 'base.img' without a format, which would be probed; record it with 'qemu-img rebase -u -F FORMAT -b ...'"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/base.img")" = 0:0:600 ]
	[ "$(stat -c %U "$TEST_DIR/ov.qcow2")" = "$QEMU_USER" ]
	[ -z "$(xattrs_left "$TEST_DIR/base.img")$(xattrs_left "$TEST_DIR/ov.qcow2")" ]
	[ ! -e "$VMKIT_RUNDIR/domains/nf/status.json" ]
	run -0 vm-lock status "$TEST_DIR/ov.qcow2"
	run -3 vm-start --print-argv "$TEST_DIR/nf.xml"
}

@test "a qcow2 with an external data file is refused with exit 3; the data file another domain reads is untouched" {
	qemu-img create -q -f qcow2 -o data_file="$TEST_DIR/other.img",data_file_raw=on \
		"$TEST_DIR/df.qcow2" 16M
	chown "$QEMU_USER:" "$TEST_DIR/df.qcow2" "$TEST_DIR/other.img"
	sum=$(sha256sum < "$TEST_DIR/other.img")
	run -0 vm-start "$(make_domain reader "$(disk_xml "$TEST_DIR/other.img" vda "<readonly/>" raw)")"
	run -3 vm-start "$(make_domain writer "$(disk_xml "$TEST_DIR/df.qcow2" vda)")"
	assert_output "vm-start: disk '$TEST_DIR/df.qcow2' keeps its data in the external file '$TEST_DIR/other.img', which vmkit does not support"
	[ ! -e "$VMKIT_RUNDIR/domains/writer/status.json" ]
	run -1 vm-lock status "$TEST_DIR/other.img"
	assert_output --regexp "^shared +reader "
	[ "$(sha256sum < "$TEST_DIR/other.img")" = "$sum" ]
}

@test "protocol and json: backing names, loops and chains over 16 files are refused with exit 3" {
	overlay "$TEST_DIR/nbd.qcow2" "nbd:localhost:10809"
	run -3 vm-start "$(make_domain p "$(disk_xml "$TEST_DIR/nbd.qcow2" vda)")"
	assert_output "vm-start: disk '$TEST_DIR/nbd.qcow2' has the backing file 'nbd:localhost:10809', a protocol or json: name; only local files can be leased"
	overlay "$TEST_DIR/json.qcow2" 'json:{"driver":"file","filename":"/etc/shadow"}'
	run -3 vm-start "$(make_domain j "$(disk_xml "$TEST_DIR/json.qcow2" vda)")"
	assert_output --partial "a protocol or json: name"
	overlay "$TEST_DIR/loop.qcow2" loop.qcow2 qcow2
	run -3 vm-start "$(make_domain l "$(disk_xml "$TEST_DIR/loop.qcow2" vda)")"
	assert_output "vm-start: the backing chain of disk '$TEST_DIR/loop.qcow2' loops at '$TEST_DIR/loop.qcow2'"
	make_disk "$TEST_DIR/l0.qcow2"
	for i in $(seq 17); do overlay "$TEST_DIR/l$i.qcow2" "l$((i - 1)).qcow2" qcow2; done
	run -0 vm-start --print-argv "$(make_domain deep "$(disk_xml "$TEST_DIR/l16.qcow2" vda)")"
	assert_output --partial '"node-name":"b16-vda"'
	run -3 vm-start "$(make_domain deeper "$(disk_xml "$TEST_DIR/l17.qcow2" vda)")"
	assert_output "vm-start: the backing chain of disk '$TEST_DIR/l17.qcow2' is longer than 16 files"
	[ ! -e "$VMKIT_RUNDIR/domains/deeper/status.json" ]
}

@test "a disk path through another user's symlink is refused with exit 3" {
	victim_setup
	exchange "$TEST_DIR/u/d" "$TEST_DIR/u/x"
	run -3 vm-start "$(make_domain sw "$(disk_xml "$TEST_DIR/u/d/disk.qcow2" vda)")"
	assert_output "vm-start: refusing disk '$TEST_DIR/u/d/disk.qcow2': its path goes through the symlink '$TEST_DIR/u/d' of uid 4242, who could point it at any file"
	secret_untouched
	# root's own symlinks are followed
	ln -s "$TEST_DIR/u/x/disk.qcow2" "$TEST_DIR/root-link.qcow2"
	run -0 vm-start "$(make_domain rl "$(disk_xml "$TEST_DIR/root-link.qcow2" vda)")"
	run -0 images rl
	assert_output "$TEST_DIR/u/x/disk.qcow2"
}

@test "a user swapping a path component in a loop never gets an unrelated root file labelled or opened" {
	victim_setup
	xml=$(make_domain race "$(disk_xml "$TEST_DIR/u/d/disk.qcow2" vda)")
	setpriv --reuid 4242 --regid 4242 --clear-groups /usr/bin/python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
while True:
    libc.renameat2(-100, a, -100, b, 2)
' "$TEST_DIR/u/d" "$TEST_DIR/u/x" 3>&- &
	swapper=$!
	started=0
	for round in $(seq 12); do
		rc=0
		vm-start "$xml" > "$TEST_DIR/out" 2>&1 || rc=$?
		case $rc in
		0)
			started=$((started + 1))
			for f in /proc/"$(qemu_pid race)"/fd/*; do
				[ "$(stat -L -c %i "$f" 2>/dev/null)" != "$(stat -c %i "$TEST_DIR/secret/disk.qcow2")" ] ||
					{ kill "$swapper"; fail "round $round: qemu holds the secret file"; }
			done
			vm-stop --force race > "$TEST_DIR/out" 2>&1 || { kill "$swapper"; fail "round $round: vm-stop: $(cat "$TEST_DIR/out")"; }
			;;
		1 | 3) grep -q "^vm-start: refusing disk '$TEST_DIR/u/d/disk.qcow2': " "$TEST_DIR/out" ||
			{ kill "$swapper"; fail "round $round: $(cat "$TEST_DIR/out")"; } ;;
		*) kill "$swapper"; fail "round $round: exit $rc: $(cat "$TEST_DIR/out")" ;;
		esac
		secret_untouched || { kill "$swapper"; false; }
	done
	kill "$swapper"
	wait "$swapper" || true
	echo "# $started of 12 rounds started" >&3
}
