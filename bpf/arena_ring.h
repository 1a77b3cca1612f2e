/* SPDX-License-Identifier: GPL-2.0-only */
/* Arena transport: the shared-memory layout and the SPSC ring operations, compiled by BPF and C++. */
#ifndef LSF_BPF_ARENA_RING_H
#define LSF_BPF_ARENA_RING_H

/*
 * The BPF scheduler allocates one block of BPF arena memory (lsf_arena_setup) and lays it out as a
 * struct lsf_arena: a header, one verdict ring (dispatcher -> BPF) and one miss ring per CPU
 * (BPF -> dispatcher). The same bytes are mapped into the dispatcher, so neither direction needs a
 * syscall. Every ring has exactly one producer and one consumer at a time:
 *  - miss ring i: produced by BPF code running on CPU i inside ops.enqueue (rq lock held, IRQs off,
 *    so nothing else on CPU i produces concurrently); consumed by the dispatcher thread only.
 *  - verdict ring: produced by the dispatcher thread only; consumed by BPF (dispatch, timer, kick
 *    program) under a lock in BPF memory, taken with a compare-and-swap and never waited for.
 * head counts slots ever pushed, tail slots ever popped (u64: they never wrap); the producer owns
 * head (and tail_seen, its cached view of tail), the consumer owns tail, each on its own cache line.
 *
 * Memory order: the producer fills a slot, then stores head with release; the consumer loads head
 * with acquire, reads the slots, then stores tail with release, and the producer reads tail with
 * acquire before reusing a slot. BPF has no acquire/release instructions before cpu v4, so on the
 * BPF side these are plain volatile accesses plus compiler barriers, which is enough on x86-64
 * (TSO: loads are not reordered with older loads, stores not with older stores). The BPF objects
 * are built for the host's architecture (bpf/bpf_arch.cmake), so the guard below stops a build for
 * any other (tests/unit/bpf_arch_test.sh).
 */
#include "intf.h"

/* The BPF side orders ring accesses with compiler barriers only, which is correct on x86-64 (TSO)
 * and wrong on weakly ordered CPUs (arm64 would read half-written records): refuse other targets
 * until the BPF side uses load-acquire/store-release instructions (BPF cpu v4, Linux 6.15+). */
#if defined(__bpf__) && !defined(__TARGET_ARCH_x86)
#error "arena rings: BPF side supports x86-64 only (see the memory-order comment)"
#endif
#if !defined(__bpf__) && !defined(__x86_64__)
#error "arena rings: the dispatcher side is only paired with an x86-64 BPF side"
#endif

#define LSF_ARENA_MISS_SLOTS    256   /* per CPU; power of two */
#define LSF_ARENA_VERDICT_SLOTS 4096  /* power of two */
#define LSF_ARENA_MAGIC         0x4c53464152454e41ULL /* "LSFARENA" */
#define LSF_ARENA_MAX_PAGES     16384 /* arena map size (pages); the layout for LSF_MAX_CPUS fits */
#define LSF_ARENA_PAGE_SIZE     4096  /* x86-64 */

#ifdef __bpf__
#define LSF_ARENA __attribute__((address_space(1)))
#define lsf_compiler_barrier() asm volatile("" ::: "memory")
#define LSF_LOAD_ACQUIRE(p) \
	({ __u64 v_ = *(volatile __u64 LSF_ARENA *)(p); lsf_compiler_barrier(); v_; })
#define LSF_STORE_RELEASE(p, v) \
	do { lsf_compiler_barrier(); *(volatile __u64 LSF_ARENA *)(p) = (v); } while (0)
#else
#define LSF_ARENA
#define LSF_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LSF_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

struct lsf_ring_ctl {
	__u64 head;      /* slots ever pushed; written by the producer only */
	__u64 tail_seen; /* producer's last view of tail: re-read only when the ring looks full */
	__u64 _pad0[6];
	__u64 tail;      /* slots ever popped; written by the consumer only */
	__u64 _pad1[7];
};

struct lsf_miss_ring {
	struct lsf_ring_ctl ctl;
	struct lsf_miss slot[LSF_ARENA_MISS_SLOTS];
};

struct lsf_verdict_ring {
	struct lsf_ring_ctl ctl;
	struct lsf_verdict slot[LSF_ARENA_VERDICT_SLOTS];
};

struct lsf_arena_hdr {
	__u64 magic;     /* LSF_ARENA_MAGIC once the layout is ready */
	__u32 nr_cpus;   /* miss rings that follow */
	__u32 _pad0;
	__u64 size;      /* bytes of the whole layout */
	__u64 _pad1[5];
};

struct lsf_arena {
	struct lsf_arena_hdr hdr;
	struct lsf_verdict_ring verdicts;
	struct lsf_miss_ring misses[]; /* hdr.nr_cpus of them */
};

LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_ring_ctl, tail) == 64, "head and tail share a cache line");
LSF_STATIC_ASSERT(sizeof(struct lsf_ring_ctl) == 128, "lsf_ring_ctl layout changed");
LSF_STATIC_ASSERT(sizeof(struct lsf_arena_hdr) == 64, "lsf_arena_hdr layout changed");
LSF_STATIC_ASSERT((LSF_ARENA_MISS_SLOTS & (LSF_ARENA_MISS_SLOTS - 1)) == 0, "miss slots: power of two");
LSF_STATIC_ASSERT((LSF_ARENA_VERDICT_SLOTS & (LSF_ARENA_VERDICT_SLOTS - 1)) == 0, "verdict slots: power of two");

static inline __u64 lsf_arena_size(__u32 nr_cpus)
{
	return sizeof(struct lsf_arena) + (__u64)nr_cpus * sizeof(struct lsf_miss_ring);
}

/* Pages the layout takes: what BPF allocates and the arena map is sized to. */
static inline __u32 lsf_arena_pages(__u32 nr_cpus)
{
	return (__u32)((lsf_arena_size(nr_cpus) + LSF_ARENA_PAGE_SIZE - 1) / LSF_ARENA_PAGE_SIZE);
}

/* ---- miss ring: producer side (BPF). REQUIRES: the only producer of this ring right now. ---- */

/* The next free slot, or 0 if the ring is full. Fill it, then lsf_miss_ring_commit(). */
static inline struct lsf_miss LSF_ARENA *lsf_miss_ring_slot(struct lsf_miss_ring LSF_ARENA *r)
{
	__u64 head = r->ctl.head;

	if (head - r->ctl.tail_seen >= LSF_ARENA_MISS_SLOTS) {
		r->ctl.tail_seen = LSF_LOAD_ACQUIRE(&r->ctl.tail);
		if (head - r->ctl.tail_seen >= LSF_ARENA_MISS_SLOTS)
			return 0;
	}
	return &r->slot[head & (LSF_ARENA_MISS_SLOTS - 1)];
}

static inline void lsf_miss_ring_commit(struct lsf_miss_ring LSF_ARENA *r)
{
	LSF_STORE_RELEASE(&r->ctl.head, r->ctl.head + 1);
}

/* ---- verdict ring: producer side (dispatcher). REQUIRES: the dispatcher thread. ------------ */

/* Copies v into the ring and publishes it. Returns 0 if the ring is full. */
static inline int lsf_verdict_ring_push(struct lsf_verdict_ring LSF_ARENA *r, const struct lsf_verdict *v)
{
	__u64 head = r->ctl.head;

	if (head - r->ctl.tail_seen >= LSF_ARENA_VERDICT_SLOTS) {
		r->ctl.tail_seen = LSF_LOAD_ACQUIRE(&r->ctl.tail);
		if (head - r->ctl.tail_seen >= LSF_ARENA_VERDICT_SLOTS)
			return 0;
	}
	r->slot[head & (LSF_ARENA_VERDICT_SLOTS - 1)] = *v;
	LSF_STORE_RELEASE(&r->ctl.head, head + 1);
	return 1;
}

#ifndef __bpf__
/* ---- miss ring: consumer side (dispatcher). REQUIRES: the dispatcher thread. --------------- */

/* Copies up to `max` records, oldest first, into out[] and frees their slots. Returns the count. */
static inline __u32 lsf_miss_ring_pop(struct lsf_miss_ring *r, struct lsf_miss *out, __u32 max)
{
	__u64 tail = r->ctl.tail, head = LSF_LOAD_ACQUIRE(&r->ctl.head);
	__u32 n = 0;

	for (; tail != head && n < max; tail++)
		out[n++] = r->slot[tail & (LSF_ARENA_MISS_SLOTS - 1)];
	if (n)
		LSF_STORE_RELEASE(&r->ctl.tail, tail);
	return n;
}

static inline int lsf_miss_ring_empty(struct lsf_miss_ring *r)
{
	return LSF_LOAD_ACQUIRE(&r->ctl.head) == r->ctl.tail;
}

#define LSF_MISS_DRAIN_BATCH 32  /* records taken from one ring per drain pass */

typedef void (*lsf_miss_fn)(void *ctx, const struct lsf_miss *m);

/* One drain pass: delivers to fn at most LSF_MISS_DRAIN_BATCH records of each of rings[0..nr), each
 * ring's oldest first, and returns the count. Fair and bounded: a ring refilled as fast as it is
 * drained (one CPU's flood) delays another ring's record by at most one batch, and the pass ends
 * (the caller's next pass takes the rest, after its heartbeat and housekeeping). */
static inline __u32 lsf_miss_rings_drain(struct lsf_miss_ring *rings, __u32 nr, lsf_miss_fn fn, void *ctx)
{
	struct lsf_miss batch[LSF_MISS_DRAIN_BATCH];
	__u32 total = 0;

	for (__u32 i = 0; i < nr; i++) {
		__u32 n = lsf_miss_ring_pop(&rings[i], batch, LSF_MISS_DRAIN_BATCH);

		for (__u32 k = 0; k < n; k++)
			fn(ctx, &batch[k]);
		total += n;
	}
	return total;
}
#endif

#endif /* LSF_BPF_ARENA_RING_H */
