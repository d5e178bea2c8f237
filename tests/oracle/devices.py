#!/usr/bin/python3
"""Prints the guest-visible device list of a QEMU command line (one word a
line on stdin, as `vm-start --print-argv` or `virsh domxml-to-native` give
it, shell quoting removed): for each -device, its driver and where it sits
(bus, PCI slot.function, multifunction, USB port, virtio-serial port, a
root port's chassis and port, usb ports, a USB companion's master bus and
first port, a SCSI disk's channel, scsi-id, lun and VPD device_id, boot
index), and -boot. QEMU ids are left out: vmkit
names devices itself and no guest sees an id. Used by tests/oracle.bats
and tests/oracle/record to compare vmkit's devices with libvirt's."""
import json
import shlex
import sys

KEYS = ("bus", "addr", "multifunction", "port", "nr", "chassis", "p2", "p3",
        "masterbus", "firstport", "channel", "scsi-id", "lun", "device_id", "max_ports",
        "bootindex")


def parse(opt):
    if opt.startswith("{"):
        return json.loads(opt)
    words = opt.split(",")
    d = {"driver": words[0]}
    for w in words[1:]:
        k, _, v = w.partition("=")
        d[k] = v
    return d


def norm(k, v):
    if k == "addr":
        slot, _, fn = str(v).partition(".")
        return "%d.%d" % (int(slot, 0), int(fn, 0) if fn else 0)
    if k == "multifunction":
        return "on" if v in (True, "on") else "off"
    # a port behind a usb-hub is a path: "1.2", port 2 of the hub on port 1
    if k == "port" and "." in str(v):
        return ".".join(str(int(p, 0)) for p in str(v).split("."))
    if k in ("port", "nr", "chassis", "p2", "p3", "firstport", "channel", "scsi-id", "lun",
             "max_ports", "bootindex"):
        return str(int(str(v), 0))
    return str(v)


words = shlex.split(sys.stdin.read())
for flag, opt in zip(words, words[1:]):
    # the firmware's boot options: strict, menu
    if flag == "-boot":
        print("-boot " + opt)
    if flag != "-device":
        continue
    d = parse(opt)
    print(" ".join([d["driver"]] + ["%s=%s" % (k, norm(k, d[k])) for k in KEYS if k in d]))
