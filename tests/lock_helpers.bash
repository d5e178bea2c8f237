# Helpers for the lease tests: holders that live in other processes, so
# that every check sees the locks as another program would.

HOLD_PIDS=()

# wait_file FILE: waits up to 10 s for FILE to appear.
wait_file() {
	local i
	for i in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for '$1'" >&2
	return 1
}

# hold [vm-lock run options] PATH...: holds the leases from a background
# `vm-lock run` until release_all (or the test's teardown). Returns once
# they are held; fails when vm-lock run does not get them.
hold() {
	local ready
	ready=$(mktemp -u "$TEST_DIR/ready.XXXXXX")
	vm-lock run "$@" -- sh -c ': > "$1"; exec sleep 600' sh "$ready" 3>&- &
	HOLD_PIDS+=("$!")
	wait_file "$ready"
}

# hold_byte FILE BYTE [r|w]: an OFD lock on one byte of FILE (created if
# missing) from a python3 process, for locks that vm-lock itself does not
# take alone, such as a bare metadata lock.
hold_byte() {
	local ready
	ready=$(mktemp -u "$TEST_DIR/ready.XXXXXX")
	python3 -c '
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
kind = fcntl.F_RDLCK if sys.argv[3] == "r" else fcntl.F_WRLCK
F_OFD_SETLK = 37
fcntl.fcntl(fd, F_OFD_SETLK, struct.pack("hhqqi4x", kind, 0, int(sys.argv[2]), 1, 0))
open(sys.argv[4], "w").close()
time.sleep(600)
' "$1" "$2" "${3:-w}" "$ready" 3>&- &
	HOLD_PIDS+=("$!")
	wait_file "$ready"
}

# release_all: ends every holder and waits until its locks are gone.
release_all() {
	local pid
	for pid in "${HOLD_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	HOLD_PIDS=()
}

# lease_file PATH: the lease file of a disk in the default lockspace.
lease_file() {
	local hash
	hash=$(printf '%s' "$(realpath "$1")" | sha256sum | cut -c1-64)
	echo "$VMKIT_RUNDIR/leases/$hash"
}

# inode PATH: the identity lease's resource of a regular file.
inode() {
	stat -c 'inode:%Hd:%Ld:%i' "$1"
}

# now_ms: a monotonic-enough clock for elapsed-time checks.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
