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
int mev_shm_unmap(void *mem, size_t bytes);
int mev_shm_unlink(const char *name);

#endif
