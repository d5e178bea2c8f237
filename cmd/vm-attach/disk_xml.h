/*
 * vm-attach NAME DISK.xml. vm-attach itself does not link libxml2, whose
 * ICU and libstdc++ would add some 2 ms to every hotplug; for a <disk>
 * file it runs vm-attach-xml, the same command built with the XML reader.
 */
#ifndef VM_DISK_XML_H
#define VM_DISK_XML_H

#include "domain.h"
#include "error.h"

/* Reads the <disk> of FILE into DISK, or passes ARGV on to vm-attach-xml. */
int vm_disk_xml_read(char **argv, const char *file, struct vm_disk *disk, struct vm_error *err);

#endif
