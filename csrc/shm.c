#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mev_error.h"

static int from_errno(int e)
{
    switch (e) {
    case EEXIST: return MEV_EEXIST;
    case ENOENT: return MEV_ENOENT;
    case EINVAL:
    case ENAMETOOLONG: return MEV_EINVAL;
    case ENOMEM: return MEV_ENOMEM;
    default: return MEV_EOS;
    }
}

/* POSIX names: a leading '/', no other '/', at most NAME_MAX. */
static int valid_name(const char *name)
{
    size_t n = strlen(name);
    return n >= 2 && n <= 255 && name[0] == '/' && strchr(name + 1, '/') == NULL;
}

int mev_shm_create(const char *name, size_t bytes, void **mem)
{
    int fd, e;
    void *p;

    *mem = NULL;
    if (bytes == 0)
        return MEV_EINVAL;
    if (name == NULL) {
        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return from_errno(errno);
        *mem = p;
        return MEV_OK;
    }
    if (!valid_name(name))
        return MEV_EINVAL;
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return from_errno(errno);
    if (ftruncate(fd, (off_t)bytes) != 0)
        goto fail;
    p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    close(fd);
    *mem = p;
    return MEV_OK;
fail:
    e = errno;
    close(fd);
    shm_unlink(name);
    return from_errno(e);
}

static size_t huge_page_bytes(void)
{
    size_t kib = 2048; /* x86-64's default */
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Hugepagesize: %zu kB", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib * 1024;
}

int mev_shm_create_huge(size_t bytes, void **mem, size_t *mapped, int *kind)
{
    *mem = NULL;
    if (bytes == 0)
        return MEV_EINVAL;
    size_t page = huge_page_bytes();
    size_t rounded = (bytes + page - 1) / page * page;
    void *p = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (p != MAP_FAILED) {
        *mem = p, *mapped = rounded, *kind = MEV_PAGES_HUGETLB;
        return MEV_OK;
    }
    p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return from_errno(errno);
    *kind = madvise(p, bytes, MADV_HUGEPAGE) == 0 ? MEV_PAGES_THP_ADVISED : MEV_PAGES_NORMAL;
    *mem = p, *mapped = bytes;
    return MEV_OK;
}

int mev_shm_attach(const char *name, long long allow_uid, void **mem, size_t *bytes)
{
    struct stat st;
    int fd, e;
    void *p;

    *mem = NULL;
    *bytes = 0;
    if (name == NULL || !valid_name(name))
        return MEV_EINVAL;
    fd = shm_open(name, O_RDWR, 0);
    if (fd < 0)
        return from_errno(errno);
    if (fstat(fd, &st) != 0)
        goto fail;
    int owner_ok = st.st_uid == geteuid() || (allow_uid >= 0 && (long long)st.st_uid == allow_uid);
    mode_t foreign_write = allow_uid >= 0 ? S_IWOTH : (S_IWGRP | S_IWOTH);
    if (!owner_ok || (st.st_mode & foreign_write) != 0) {
        close(fd);
        return MEV_EPERM;
    }
    if (st.st_size <= 0) {
        close(fd);
        return MEV_ECORRUPT; /* created but never sized: not a ring */
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    close(fd);
    *mem = p;
    *bytes = (size_t)st.st_size;
    return MEV_OK;
fail:
    e = errno;
    close(fd);
    return from_errno(e);
}

int mev_shm_unmap(void *mem, size_t bytes)
{
    if (mem != NULL && munmap(mem, bytes) != 0)
        return from_errno(errno);
    return MEV_OK;
}

int mev_shm_unlink(const char *name)
{
    if (name == NULL || !valid_name(name))
        return MEV_EINVAL;
    return shm_unlink(name) == 0 ? MEV_OK : from_errno(errno);
}
