// glibc's malloc extensions, which Swift's Glibc module does not carry (malloc.h), and the
// kernel's advice for large tables (sys/mman.h).
#ifndef QCREDIT_CMALLOC_SHIM_H
#define QCREDIT_CMALLOC_SHIM_H

#include <stddef.h>
#include <stdint.h>
#if defined(__linux__)
#include <malloc.h> /* defines __GLIBC__ on glibc, which only then has malloc_trim */
#include <sys/mman.h>
#endif

/// Hands the pages malloc holds free back to the system (glibc keeps them in per-thread
/// arenas otherwise); nothing elsewhere.
static inline void qcredit_release_free_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

/// Asks the kernel to back the 2 MiB-aligned part of [start, start + length) with huge pages
/// (transparent huge pages in `madvise` mode, Debian's default): a table read at random then
/// costs one TLB entry per 2 MiB instead of per 4 KiB. Advice only: nothing happens where the
/// kernel has no huge pages to give.
static inline void qcredit_advise_huge_pages(const void *start, size_t length) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t from = ((uintptr_t)start + huge - 1) & ~(huge - 1);
    uintptr_t to = ((uintptr_t)start + length) & ~(huge - 1);
    if (to > from) (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)start;
    (void)length;
#endif
}

#endif
