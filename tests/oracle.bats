#!/usr/bin/env bats
# vmkit's devices against libvirt's for the same domain XML: for each
# fixture of tests/fixtures/oracle that vmkit matches, the device list
# (tests/oracle/devices.py) of vm-start --print-argv equals the one
# tests/oracle/record took from libvirt 9.0 (FIXTURE.devices). No libvirt
# is needed here.

load helpers

# Every fixture: vmkit assigns the addresses a file leaves out as libvirt does.
MATCHING="pc-addressed pc-boot pc-controller-order pc-controller-types pc-ehci pc-ehci-nomaster pc-implicit pc-implicit-controllers pc-linux pc-none pc-scsi pc-spice pc-two-controllers pc-usb-hub pc-usb-redir pc-usb2 pc-usb2-addressed pc-usb2-implicit pc-usb2-unindexed pc-virtio-scsi-luns pc-xhci-usb2 q35-addressed q35-bare q35-bootorder q35-bridge q35-bridge-shared q35-controller-order q35-ehci q35-ehci-addressed q35-ehci-alone q35-ich9-taken q35-implicit q35-nec-xhci q35-none q35-onboard q35-scsi q35-sounds q35-two-controllers q35-two-ich9 q35-usb-hub q35-usb-redir q35-usb2 q35-usb2-addressed q35-usb2-unindexed q35-virt-install q35-virtio-scsi-many q35-virtio-serial-address q35-win11 q35-xhci-usb2"

@test "vm-start gives QEMU the devices libvirt gives for the same XML: drivers, buses, slots, ports" {
	local name xml
	make_disk "$TEST_DIR/debian12.qcow2"
	make_disk "$TEST_DIR/netinst.iso" raw 1M
	# libvirt's "default" network, as a vmkit host maps it
	export VMKIT_CONF="$TEST_DIR/vmkit.conf"
	printf 'network.default = "virbr0"\n' > "$VMKIT_CONF"
	for name in $MATCHING; do
		xml="$TEST_DIR/$name.xml"
		sed -e "s|/var/lib/libvirt/images/debian12.qcow2|$TEST_DIR/debian12.qcow2|" \
			-e "s|/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso|$TEST_DIR/netinst.iso|" \
			"$VMKIT_SRCDIR/tests/fixtures/oracle/$name.xml" > "$xml"
		run -0 vm-start --print-argv "$xml"
		printf '%s\n' "$output" | "$VMKIT_SRCDIR/tests/oracle/devices.py" | sort > "$TEST_DIR/$name.devices"
		diff -u "$VMKIT_SRCDIR/tests/fixtures/oracle/$name.devices" "$TEST_DIR/$name.devices"
	done
}
