// resp-bench: a closed-loop Redis load generator that measures latency the way vlbench does, so
// that Redis's and qcreditd's tails can be compared under one clock (BENCHMARKS.md, "p99 under
// one clock").
//
// redis-benchmark starts a request's clock when it writes the request and writes the next one
// only on a later turn of its event loop, so part of each cycle is never measured; vlbench sends
// the next call as soon as it has read a reply and its latency runs from the request's send() to
// the read() that completes the reply. This program does the same for Redis: N connections over
// a Unix socket, one thread, epoll, each connection keeping one `HGET e:<random> grade` in flight,
// for a fixed time after a warm-up.
//
// usage: resp-bench -s SOCKET [-c CLIENTS] [-t SECONDS] [-w WARMUP] [-r KEYS] [--seed N]
// prints one JSON line: ops_per_s, p50_us, p90_us, p99_us, p999_us, max_us, errors, replies,
// total_replies, client_cpu_us_per_reply.

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { MAX_LATENCY_US = 1000000, BUFFER = 4096 };

struct connection {
    int fd;
    uint64_t sent_ns;
    size_t filled;
    char buffer[BUFFER];
};

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// xorshift64*: the key picked for each request, uniform over [0, keys).
static uint64_t random_state;
static uint64_t next_random(void) {
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 2685821657736338717u;
}

_Noreturn static void fail(const char *what) {
    fprintf(stderr, "resp-bench: %s: %s\n", what, strerror(errno));
    exit(3);
}

static void send_request(struct connection *c, uint64_t keys) {
    char key[32], request[128];
    int key_length = snprintf(key, sizeof key, "e:%llu", (unsigned long long)(next_random() % keys));
    int length = snprintf(request, sizeof request, "*3\r\n$4\r\nHGET\r\n$%d\r\n%s\r\n$5\r\ngrade\r\n", key_length, key);
    c->sent_ns = now_ns();
    // A request of 40 bytes fits the socket's buffer whole; anything less is a broken run.
    if (send(c->fd, request, (size_t)length, MSG_NOSIGNAL) != length) fail("send");
}

// The length of the first complete reply in the buffer, 0 when it is not complete yet, -1 when
// the bytes are not a reply HGET can give. Sets *is_error for an error reply.
static long complete_reply(const char *b, size_t n, int *is_error) {
    const char *end = memmem(b, n, "\r\n", 2);
    if (!end) return 0;
    long head = end - b + 2;
    *is_error = b[0] == '-';
    if (b[0] == '-' || b[0] == '+' || b[0] == ':') return head;
    if (b[0] != '$') return -1;
    long length = strtol(b + 1, NULL, 10);
    if (length < 0) return head;  // $-1: no such key
    return (size_t)(head + length + 2) <= n ? head + length + 2 : 0;
}

static int connect_to(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "resp-bench: socket path too long\n");
        exit(2);
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
    return fd;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static uint64_t percentile(const uint64_t *histogram, uint64_t count, double fraction) {
    uint64_t rank = (uint64_t)(fraction * (double)count), seen = 0;
    for (uint64_t us = 0; us <= MAX_LATENCY_US; us++) {
        seen += histogram[us];
        if (seen > rank) return us;
    }
    return MAX_LATENCY_US;
}

_Noreturn static void usage(void) {
    fprintf(stderr, "usage: resp-bench -s SOCKET [-c CLIENTS] [-t SECONDS] [-w WARMUP] [-r KEYS] [--seed N]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    long clients = 50, seconds = 10, warmup = 1;
    uint64_t keys = 1000000;
    random_state = now_ns() | 1;
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        if (i + 1 >= argc) usage();
        const char *value = argv[++i];
        if (!strcmp(option, "-s")) path = value;
        else if (!strcmp(option, "-c")) clients = atol(value);
        else if (!strcmp(option, "-t")) seconds = atol(value);
        else if (!strcmp(option, "-w")) warmup = atol(value);
        else if (!strcmp(option, "-r")) keys = strtoull(value, NULL, 10);
        else if (!strcmp(option, "--seed")) random_state = strtoull(value, NULL, 10) | 1;
        else usage();
    }
    if (!path || clients < 1 || seconds < 1 || warmup < 0 || keys < 1) usage();

    uint64_t *histogram = calloc(MAX_LATENCY_US + 1, sizeof *histogram);
    struct connection *connections = calloc((size_t)clients, sizeof *connections);
    int poll = epoll_create1(EPOLL_CLOEXEC);
    if (!histogram || !connections || poll < 0) fail("setup");
    for (long i = 0; i < clients; i++) {
        connections[i].fd = connect_to(path);
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = &connections[i]};
        if (epoll_ctl(poll, EPOLL_CTL_ADD, connections[i].fd, &event) != 0) fail("epoll_ctl");
    }

    double cpu_before = cpu_seconds();
    uint64_t start = now_ns(), measure_from = start + (uint64_t)warmup * 1000000000u;
    uint64_t stop = measure_from + (uint64_t)seconds * 1000000000u;
    uint64_t replies = 0, total_replies = 0, errors = 0, max_us = 0;
    for (long i = 0; i < clients; i++) send_request(&connections[i], keys);
    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(poll, events, 256, 1000);
        if (ready < 0 && errno != EINTR) fail("epoll_wait");
        uint64_t now = now_ns();
        if (now >= stop) break;
        for (int e = 0; e < ready; e++) {
            struct connection *c = events[e].data.ptr;
            ssize_t got = read(c->fd, c->buffer + c->filled, BUFFER - c->filled);
            if (got <= 0) {
                fprintf(stderr, "resp-bench: the server closed a connection\n");
                return 3;
            }
            c->filled += (size_t)got;
            int is_error = 0;
            long length = complete_reply(c->buffer, c->filled, &is_error);
            if (length < 0) {
                fprintf(stderr, "resp-bench: an unexpected reply\n");
                return 3;
            }
            if (length == 0) continue;
            // One request in flight: the buffer holds this reply and nothing after it.
            c->filled = 0;
            uint64_t done = now_ns();
            total_replies++;
            if (c->sent_ns >= measure_from) {
                uint64_t us = (done - c->sent_ns) / 1000;
                if (us > MAX_LATENCY_US) us = MAX_LATENCY_US;
                if (us > max_us) max_us = us;
                histogram[us]++;
                replies++;
                errors += (uint64_t)is_error;
            }
            send_request(c, keys);
        }
    }
    double cpu = cpu_seconds() - cpu_before;
    if (replies == 0) {
        fprintf(stderr, "resp-bench: no reply in the measured window\n");
        return 3;
    }
    printf("{\"ok\":%s,\"ops_per_s\":%.1f,\"p50_us\":%llu,\"p90_us\":%llu,\"p99_us\":%llu,\"p999_us\":%llu,"
           "\"max_us\":%llu,\"errors\":%llu,\"replies\":%llu,\"total_replies\":%llu,\"client_cpu_us_per_reply\":%.2f}\n",
           errors ? "false" : "true", (double)replies / (double)seconds,
           (unsigned long long)percentile(histogram, replies, 0.50), (unsigned long long)percentile(histogram, replies, 0.90),
           (unsigned long long)percentile(histogram, replies, 0.99), (unsigned long long)percentile(histogram, replies, 0.999),
           (unsigned long long)max_us, (unsigned long long)errors, (unsigned long long)replies,
           (unsigned long long)total_replies, cpu / (double)total_replies * 1e6);
    return errors ? 3 : 0;
}
