/*
 * Who holds a lease, as far as this host can tell: the local domains'
 * status files. Only messages and listings use it; the locks decide.
 */
#include "holders.h"
#include "cleanup.h"
#include "rundir.h"
#include "status.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
holders_free(struct holders *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].resource);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static void
holders_add(struct holders *h, const char *name, const char *resource, int rank)
{
	struct holder *v = realloc(h->v, (h->n + 1) * sizeof(*v));
	struct holder *e;

	if (!v)
		return;
	h->v = v;
	e = &v[h->n];
	e->name = strdup(name);
	e->resource = strdup(resource);
	e->rank = rank;
	if (!e->name || !e->resource) {
		free(e->name);
		free(e->resource);
		return;
	}
	h->n++;
}

/*
 * Best effort: the holder only makes a message more helpful, so a
 * status file that cannot be read names nobody. A domain whose QEMU is
 * dead and that no command is working on holds nothing, whatever its
 * stale status file says.
 */
void
holders_load(struct vm_lockmgr *lm, struct holders *h)
{
	int dfd = vm_rundir_open_all(&lm->paths, NULL);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		cleanup_close int dirfd = -1;
		struct vm_status *st = NULL;
		char uuid[sizeof(VM_LEASE_UUID_PREFIX) + sizeof(st->uuid)];
		int rank;

		if (de->d_name[0] == '.' ||
		    (lm->owner_name && strcmp(de->d_name, lm->owner_name) == 0))
			continue;
		dirfd = vm_paths_subdir(dfd, de->d_name, false, NULL);
		if (dirfd < 0 || vm_status_read(dirfd, &st, NULL) < 0)
			continue;
		rank = vm_rundir_alive(dirfd) ? 2 :
		       st->state != VM_RUN_RUNNING && vm_rundir_busy(dirfd) ? 1 : 0;
		if (rank > 0) {
			if (st->uuid[0]) {
				snprintf(uuid, sizeof(uuid), VM_LEASE_UUID_PREFIX "%s", st->uuid);
				holders_add(h, de->d_name, uuid, rank);
			}
			for (size_t i = 0; i < st->ndisks; i++) {
				const struct vm_status_disk *d = &st->disks[i];

				for (size_t k = 0; k <= d->nbacking; k++) {
					const struct vm_status_disk *r = k ? &d->backing[k - 1] : d;

					if (!r->lease || !r->path)
						continue;
					holders_add(h, de->d_name, r->path, rank);
					if (r->identity)
						holders_add(h, de->d_name, r->identity, rank);
				}
			}
		}
		vm_status_free(st);
	}
	closedir(d);
}

/* The names of the best-ranked domains that list RESOURCE; strdup'ed. */
int
holders_find(const struct holders *h, const char *resource, char ***names, size_t *n)
{
	int best = 0;
	char **v;

	*names = NULL;
	*n = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].rank > best && strcmp(h->v[i].resource, resource) == 0)
			best = h->v[i].rank;
	if (!best)
		return 0;
	v = calloc(h->n, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		bool dup = false;

		if (h->v[i].rank != best || strcmp(h->v[i].resource, resource) != 0)
			continue;
		for (size_t j = 0; j < *n; j++)
			dup = dup || strcmp(v[j], h->v[i].name) == 0;
		if (dup)
			continue;
		v[*n] = strdup(h->v[i].name);
		if (!v[*n])
			break;
		(*n)++;
	}
	*names = v;
	return 0;
}
