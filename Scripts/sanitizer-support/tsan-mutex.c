// Makes Swift's Synchronization.Mutex visible to ThreadSanitizer on Linux. Preloaded
// (LD_PRELOAD) by Scripts/sanitize thread only; nothing ships with it.
//
// Why: Mutex's fast paths (one compare-exchange to lock, one to unlock) are inlined into our
// instrumented code, so TSan sees them. Under contention, though, the lock is taken in
// `_MutexHandle._lockSlow` (a spin loop, then FUTEX_LOCK_PI) and released in `_unlockSlow`
// (FUTEX_UNLOCK_PI): both live in the uninstrumented libswiftSynchronization.so, and TSan has
// no interceptor for futexes. It then misses the happens-before edge and reports every contended
// critical section as a race (tsan-mutex-check.swift shows it with four threads and one Mutex).
// These wrappers tell TSan what the slow paths did: an acquire after `_lockSlow` (and a
// successful `_tryLockSlow`), a release before `_unlockSlow`, on the same address the inlined
// atomics use. TSan then treats Mutex as it treats a pthread mutex: no more, no fewer reports.
//
// The wrapped functions are Swift methods of a ~Copyable struct: `self` (the address of the
// Atomic<UInt32> futex word) is passed in the swiftself register, which clang's swiftcall
// convention reaches through a swift_context parameter. Symbol names as in Swift 6.x's
// libswiftSynchronization.so; if they change the wrappers are simply never called, and the
// check in Scripts/sanitize notices that the false reports are back.
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>

#define SWIFTCALL __attribute__((swiftcall))
#define SWIFT_SELF __attribute__((swift_context))
#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

// Weak: processes without TSan (python, go, openssl…) inherit LD_PRELOAD too.
__attribute__((weak)) void __tsan_acquire(void *address);
__attribute__((weak)) void __tsan_release(void *address);

typedef SWIFTCALL void (*LockSlow)(uint32_t, void *SWIFT_SELF);
typedef SWIFTCALL bool (*TryLockSlow)(void *SWIFT_SELF);
typedef SWIFTCALL void (*UnlockSlow)(void *SWIFT_SELF);

SWIFTCALL void qcredit_lockSlow(uint32_t threadID, void *SWIFT_SELF handle) __asm__(LOCK_SLOW);
SWIFTCALL bool qcredit_tryLockSlow(void *SWIFT_SELF handle) __asm__(TRY_LOCK_SLOW);
SWIFTCALL void qcredit_unlockSlow(void *SWIFT_SELF handle) __asm__(UNLOCK_SLOW);

SWIFTCALL void qcredit_lockSlow(uint32_t threadID, void *SWIFT_SELF handle) {
    ((LockSlow)dlsym(RTLD_NEXT, LOCK_SLOW))(threadID, handle);
    if (__tsan_acquire) __tsan_acquire(handle);
}

SWIFTCALL bool qcredit_tryLockSlow(void *SWIFT_SELF handle) {
    bool locked = ((TryLockSlow)dlsym(RTLD_NEXT, TRY_LOCK_SLOW))(handle);
    if (locked && __tsan_acquire) __tsan_acquire(handle);
    return locked;
}

SWIFTCALL void qcredit_unlockSlow(void *SWIFT_SELF handle) {
    if (__tsan_release) __tsan_release(handle);
    ((UnlockSlow)dlsym(RTLD_NEXT, UNLOCK_SLOW))(handle);
}
