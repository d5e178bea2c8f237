# Two simulated hosts that share storage, each with a sanlock daemon of
# its own: started by the suite (setup_file), by pid, with its own
# SANLOCK_RUN_DIR and host name, unprivileged (SANLOCK_PRIVILEGED=0: no
# CAP_SYS_RESOURCE needed), without a watchdog (-w 0) and with io_timeout
# 1, and stopped at the end even when a test failed (teardown_file).
# Both join lockspace __VMKIT__ in a lease directory on a file system
# with O_DIRECT, as host ids 1 and 2. Each host has its own vmkit.conf
# and run directory: `host N COMMAND...` runs COMMAND as host N.

# The suite's directory: daemons, their logs and the shared lease
# directory, on a file system with O_DIRECT (sanlock_setup_file).
sanlock_dir() {
	echo "$SANLOCK_TEST_DIR"
}

# odirect DIR: whether DIR takes O_DIRECT writes (tmpfs did not before
# Linux 6.6).
odirect() {
	dd if=/dev/zero of="$1/.odirect" bs=4096 count=1 oflag=direct status=none 2>/dev/null
	local rc=$?
	rm -f "$1/.odirect"
	return $rc
}

# sanlock_start N: starts daemon N and waits until it answers.
sanlock_start() {
	local d i
	d=$(sanlock_dir)
	mkdir -p "$d/run$1"
	SANLOCK_RUN_DIR=$d/run$1 SANLOCK_PRIVILEGED=0 setsid sanlock daemon -D -w 0 -l 0 -L -1 \
		-S -1 -e "vmkit-test-host-$1" </dev/null >>"$d/daemon$1.log" 2>&1 3>&- &
	echo $! >"$d/daemon$1.pid"
	for i in $(seq 100); do
		SANLOCK_RUN_DIR=$d/run$1 sanlock client status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "sanlock daemon $1 did not start:" >&2
	cat "$d/daemon$1.log" >&2
	return 1
}

# sanlock_running N: whether daemon N, started by sanlock_start, is alive.
sanlock_running() {
	local f
	f=$(sanlock_dir)/daemon$1.pid
	[ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# sanlock_stop N: asks daemon N to shut down, then kills it; waits for its exit.
sanlock_stop() {
	local d pid
	d=$(sanlock_dir)
	[ -e "$d/daemon$1.pid" ] || return 0
	pid=$(cat "$d/daemon$1.pid")
	# -f 1: it drops its lockspaces (SIGTERM is ignored while it has one)
	SANLOCK_RUN_DIR=$d/run$1 timeout 10 sanlock client shutdown -f 1 -w 1 >/dev/null 2>&1
	wait_gone "$pid" || { kill -9 "$pid" 2>/dev/null; wait_gone "$pid"; }
	rm -f "$d/daemon$1.pid"
}

# host_conf N [EXTRA-LINE...]: writes the vmkit.conf of host N, with
# $LEASE_DIR as its lease directory when set.
host_conf() {
	local n=$1 d
	d=$(sanlock_dir)
	shift
	{
		printf 'user = "%s"\n' "$QEMU_USER"
		printf 'lock_manager = "sanlock"\nsanlock_host_id = %s\n' "$n"
		printf 'sanlock_lease_dir = "%s"\nsanlock_io_timeout = 1\n' "${LEASE_DIR:-$d/leases}"
		printf 'sanlock_run_dir = "%s"\n' "$d/run$n"
		printf '%s\n' "$@"
	} >"$(sanlock_dir)/host$n.conf"
}

# host N COMMAND...: COMMAND as simulated host N.
host() {
	local n=$1
	shift
	VMKIT_CONF=$(sanlock_dir)/host$n.conf VMKIT_RUNDIR=$TEST_DIR/run$n "$@"
}

sanlock_setup_file() {
	local d
	command -v sanlock >/dev/null || skip "sanlock is not installed (apt-get install sanlock)"
	export SANLOCK_TEST_DIR=$BATS_FILE_TMPDIR/sanlock
	mkdir -p "$SANLOCK_TEST_DIR"
	if ! odirect "$SANLOCK_TEST_DIR"; then
		SANLOCK_TEST_DIR=$(mktemp -d /var/tmp/vmkit-sanlock.XXXXXX) || return 1
		odirect "$SANLOCK_TEST_DIR" || {
			echo "neither $BATS_FILE_TMPDIR nor /var/tmp takes O_DIRECT, which sanlock needs" >&2
			return 1
		}
	fi
	d=$(sanlock_dir)
	mkdir -p "$d/leases" "$d/vmkit"
	chmod 0700 "$d/leases"
	sanlock_start 1 && sanlock_start 2 || return 1
	host_conf 1
	host_conf 2
	# joining takes 3 io timeouts: both hosts at once
	TEST_DIR=$d/vmkit host 1 vm-lock join &
	TEST_DIR=$d/vmkit host 2 vm-lock join || return 1
	wait $! || return 1
}

sanlock_teardown_file() {
	[ -n "${SANLOCK_TEST_DIR:-}" ] || return 0
	sanlock_stop 1
	sanlock_stop 2
	case $SANLOCK_TEST_DIR in /var/tmp/vmkit-sanlock.*) rm -rf "$SANLOCK_TEST_DIR" ;; esac
}

# The sanlock variant of a suite of the file driver's (races.bats,
# killsweep.bats): with VMKIT_TEST_LOCK=sanlock (run-bats sets it for
# tests/NAME-sanlock.bats, a link to NAME.bats, and runs only its tests
# tagged "sanlock") it runs as host 1, with the daemons of
# sanlock_setup_file; otherwise these do nothing.
lock_variant() {
	[ "${VMKIT_TEST_LOCK:-file}" = sanlock ]
}

lock_variant_setup_file() {
	! lock_variant || sanlock_setup_file
}

lock_variant_teardown_file() {
	! lock_variant || sanlock_teardown_file
}

# After common_setup: host 1's vmkit.conf as $VMKIT_CONF.
lock_variant_conf() {
	lock_variant || return 0
	host_conf 1
	cp "$(sanlock_dir)/host1.conf" "$VMKIT_CONF"
}

sanlock_setup() {
	common_setup
	host_conf 1
	host_conf 2
}

# Stops the domains of both hosts, then removes TEST_DIR.
sanlock_teardown() {
	local n d
	for n in 1 2; do
		for d in "$TEST_DIR/run$n"/domains/*/; do
			[ -e "$d/status.json" ] && host "$n" vm-stop --force "$(basename "$d")" >/dev/null 2>&1
		done
	done
	common_teardown
}
