#!/usr/bin/env bats
# bash completion: options, and the names of domains that run, that are
# defined, their disk targets and the leased paths, from the commands.

load helpers

setup() {
	common_setup
	source "$VMKIT_SRCDIR/contrib/bash-completion/vmkit"
}
teardown() { common_teardown; }

# complete_words WORD...: COMPREPLY for the command line WORD... with the
# cursor on the last word, one candidate a line, sorted.
complete_words() {
	local fn
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	fn=$(complete -p "$1" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

@test "sourcing the script registers a completion function for every command" {
	run -0 complete -p vm-stop
	assert_output "complete -F _vmkit_vm_stop vm-stop"
	for c in vm-start vm-status vm-lock vm-attach vm-console; do
		run -0 complete -p "$c"
	done
}

@test "vm-stop completes its options and the names of running domains only" {
	run -0 vm-start "$(make_domain web1)"
	run -0 vm-start "$(make_domain web2)"
	run -0 vm-start "$(make_domain db)"
	make_domain idle >/dev/null
	run -0 complete_words vm-stop ""
	assert_output "$(printf 'db\nweb1\nweb2')"
	run -0 complete_words vm-stop --force we
	assert_output "$(printf 'web1\nweb2')"
	run -0 complete_words vm-stop --timeout 5 d
	assert_output "db"
	run -0 complete_words vm-stop --timeout ""
	assert_output ""
	run -0 complete_words vm-stop --a
	assert_output "--all"
	run -0 complete_words vm-attach ""
	assert_output "$(printf 'db\nweb1\nweb2')"
}

@test "vm-start completes the domains defined in domains/ beside vmkit.conf" {
	mkdir "$TEST_DIR/domains"
	mv "$(make_domain alpha)" "$TEST_DIR/domains/alpha.xml"
	mv "$(make_domain beta)" "$TEST_DIR/domains/beta.xml"
	run -0 complete_words vm-start ""
	assert_output "$(printf 'alpha\nbeta')"
	run -0 complete_words vm-start --paused a
	assert_output "alpha"
	run -0 complete_words vm-start --p
	assert_output "$(printf -- '--paused\n--print-argv')"
}

@test "vm-attach --detach completes the disk targets of the named domain" {
	make_disk "$TEST_DIR/a.qcow2"
	make_disk "$TEST_DIR/b.qcow2"
	run -0 vm-start "$(make_domain t "$(disk_xml "$TEST_DIR/a.qcow2" vda)" "$(disk_xml "$TEST_DIR/b.qcow2" vdb)")"
	run -0 complete_words vm-attach t --detach ""
	assert_output "$(printf 'vda\nvdb')"
	run -0 complete_words vm-attach t -D vdb
	assert_output "vdb"
}

@test "vm-lock status completes subcommands, leased paths and --domain names" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain l "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	run -0 complete_words vm-lock s
	assert_output "status"
	run -0 complete_words vm-lock status "$TEST_DIR/a"
	assert_line "$TEST_DIR/a.qcow2"
	run -0 complete_words vm-lock status --domain ""
	assert_output "l"
}

@test "vm-console completes its options, serial port numbers and running domains" {
	run -0 vm-start "$(make_domain web1)"
	run -0 vm-start "$(make_domain db)"
	run -0 complete_words vm-console ""
	assert_output "$(printf 'db\nweb1')"
	run -0 complete_words vm-console --serial 1 w
	assert_output "web1"
	run -0 complete_words vm-console --serial ""
	assert_output "$(printf '0\n1\n2\n3')"
	run -0 complete_words vm-console -e ""
	assert_output ""
	run -0 complete_words vm-console web1 ""
	assert_output ""
	run -0 complete_words vm-console --f
	assert_output "--force"
}
