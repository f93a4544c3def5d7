// epoll, eventfd and accept4, which Swift's Glibc module does not carry (sys/epoll.h,
// sys/eventfd.h, and accept4 only under _GNU_SOURCE). The wrappers keep `struct epoll_event`
// (packed, with a union) on the C side.
#ifndef QCREDIT_CEPOLL_SHIM_H
#define QCREDIT_CEPOLL_SHIM_H

#include <stdint.h>
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

// Declared here rather than through sys/socket.h, which would then belong to this module and
// hide its names from code that imports only Glibc. The flags are SOCK_NONBLOCK and SOCK_CLOEXEC.
struct sockaddr;
extern int accept4(int fd, struct sockaddr *address, unsigned int *length, int flags);
static const int qcredit_accept_flags = 04000 | 02000000;

/// Readiness to read, and the peer hanging up.
static const uint32_t qcredit_epoll_readable = EPOLLIN | EPOLLRDHUP;

static inline int qcredit_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/// Watches `fd` (level-triggered) for `events`; its events report `fd` itself.
static inline int qcredit_epoll_add(int epoll, int fd, uint32_t events) {
    struct epoll_event event = {.events = events, .data = {.fd = fd}};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

static inline int qcredit_epoll_remove(int epoll, int fd) { return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, 0); }

/// `epoll_wait`, the ready descriptors and their events written to two plain arrays
/// (at most 256 a call).
static inline int qcredit_epoll_wait(int epoll, int32_t *fds, uint32_t *events, int capacity, int timeoutMilliseconds) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll, ready, capacity, timeoutMilliseconds);
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return count;
}

static inline int qcredit_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/// A new connection, non-blocking and close-on-exec from the start.
static inline int qcredit_accept(int listener) { return accept4(listener, 0, 0, qcredit_accept_flags); }

/// Names the calling thread (as `top -H` and `perf` show it); at most 15 bytes are kept.
static inline void qcredit_name_this_thread(const char *name) { (void)prctl(PR_SET_NAME, name, 0, 0, 0); }
#endif

#endif
