/* Unit tests for disk identities: one file, one name, whatever the path. */
#include "disk_identity.h"
#include "exitcodes.h"
#include "lock.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int
main(void)
{
	struct vm_error err = VM_ERROR_INIT;
	char dir[] = "/tmp/vmkit-test-identity.XXXXXX", a[64], b[64], want[96];
	char *ra = NULL, *rb = NULL, *rn = NULL;
	struct stat st;
	int fd, p[2];

	if (!mkdtemp(dir))
		return 1;
	snprintf(a, sizeof(a), "%s/a.img", dir);
	snprintf(b, sizeof(b), "%s/b.img", dir);
	fd = open(a, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || link(a, b) < 0 || fstat(fd, &st) < 0)
		return 1;
	snprintf(want, sizeof(want), "inode:%u:%u:%llu", major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino);

	ok(vm_disk_identity(fd, &ra, &err) == 0 && ra && strcmp(ra, want) == 0,
	   "a regular file is its st_dev and st_ino: %s", ra ? ra : err.msg);
	ok(vm_disk_identity_path(b, &rb, &err) == 0 && rb && strcmp(rb, want) == 0,
	   "a hard link is the same file");
	ok(vm_lease_local(want), "an inode means something on this host only");
	ok(!vm_lease_local("wwid:naa.5000c500a1b2c3d4") &&
		   !vm_lease_local("/var/lib/vmkit/inode:1:2:3"),
	   "a WWID and a path are not local identities");
	if (pipe(p) == 0) {
		ok(vm_disk_identity(p[0], &rn, &err) == 0 && !rn, "a pipe has no identity");
		close(p[0]);
		close(p[1]);
	}
	ok(vm_disk_identity_path("/dev/null", &rn, &err) == 0 && !rn,
	   "a character device has no identity");
	ok(vm_disk_identity_path("/nonexistent/disk", &rn, &err) < 0 &&
		   err.code == VM_EXIT_INVALID &&
		   strcmp(err.msg,
			  "cannot open disk '/nonexistent/disk': No such file or directory") == 0,
	   "a missing path is invalid input: %s", err.msg);
	close(fd);
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(ra);
	free(rb);
	return tap_done();
}
