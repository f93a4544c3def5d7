// glibc's malloc extensions, which Swift's Glibc module does not carry (malloc.h).
#ifndef QCREDIT_CMALLOC_SHIM_H
#define QCREDIT_CMALLOC_SHIM_H

#if defined(__linux__)
#include <malloc.h> /* defines __GLIBC__ on glibc, which only then has malloc_trim */
#endif

/// Hands the pages malloc holds free back to the system (glibc keeps them in per-thread
/// arenas otherwise); nothing elsewhere.
static inline void qcredit_release_free_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

#endif
