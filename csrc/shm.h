/* Shared-memory segments for rings: named (shm_open, attachable by name from any process) or
 * anonymous (MAP_SHARED|MAP_ANONYMOUS: shared with children forked after creation). */
#ifndef MEV_SHM_H
#define MEV_SHM_H

#include <stddef.h>

/* Creates a zero-filled segment of `bytes`. name NULL: anonymous. MEV_EEXIST if the name is taken. */
int mev_shm_create(const char *name, size_t bytes, void **mem);
/* Maps an existing named segment whole; *bytes receives its size. MEV_ENOENT if there is none.
 * Anyone who can write a segment can steer what the ring code reads, so the segment must belong
 * to the effective uid and be writable by nobody else (MEV_EPERM). allow_uid >= 0 trusts one
 * more owner and accepts group write (two users sharing a group); world-writable never. */
int mev_shm_attach(const char *name, long long allow_uid, void **mem, size_t *bytes);
/* An anonymous segment (shared with children forked after it is made) on huge pages if it can be:
 * hugetlb pages (MAP_HUGETLB) when some are reserved (vm.nr_hugepages), else ordinary pages with
 * MADV_HUGEPAGE asked, which the kernel honours for shared memory only if THP's shmem_enabled
 * allows. *mapped: the size to unmap (rounded up to the huge page size); *kind: one of below. */
enum mev_pages { MEV_PAGES_NORMAL = 0, MEV_PAGES_HUGETLB = 1, MEV_PAGES_THP_ADVISED = 2 };
int mev_shm_create_huge(size_t bytes, void **mem, size_t *mapped, int *kind);
int mev_shm_unmap(void *mem, size_t bytes);
int mev_shm_unlink(const char *name);

#endif
