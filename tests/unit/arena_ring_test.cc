// Unit tests of the arena rings (bpf/arena_ring.h): the BPF-side producer compiled as C++ against the dispatcher side.
#include "bpf/arena_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace {

// Zeroed like fresh arena pages.
template <typename T>
std::unique_ptr<T> ZeroedRing() {
  auto r = std::make_unique<T>();
  std::memset(static_cast<void*>(r.get()), 0, sizeof(T));
  return r;
}

bool PushMiss(lsf_miss_ring* r, uint64_t seq) {
  lsf_miss* slot = lsf_miss_ring_slot(r);
  if (!slot) return false;
  std::memset(slot, 0, sizeof(*slot));
  slot->seq = seq;
  slot->pid = static_cast<__s32>(seq * 7 % 100000);
  slot->comm[0] = static_cast<char>('a' + seq % 26);
  lsf_miss_ring_commit(r);
  return true;
}

TEST(ArenaRing, LayoutKeepsHeadAndTailOnSeparateCacheLines) {
  EXPECT_EQ(offsetof(lsf_ring_ctl, tail) - offsetof(lsf_ring_ctl, head), 64u);
  EXPECT_EQ(sizeof(lsf_ring_ctl), 128u);
  EXPECT_EQ(lsf_arena_size(4), sizeof(lsf_arena) + 4 * sizeof(lsf_miss_ring));
  EXPECT_LE((lsf_arena_size(LSF_MAX_CPUS) + 4095) / 4096, static_cast<uint64_t>(LSF_ARENA_MAX_PAGES));
}

TEST(ArenaRing, MissRingFillsUpThenFreesSlotsAsTheConsumerPops) {
  auto r = ZeroedRing<lsf_miss_ring>();
  EXPECT_TRUE(lsf_miss_ring_empty(r.get()));
  for (uint64_t i = 0; i < LSF_ARENA_MISS_SLOTS; ++i) ASSERT_TRUE(PushMiss(r.get(), i)) << i;
  EXPECT_FALSE(PushMiss(r.get(), 999)) << "a full ring must refuse, not overwrite";
  EXPECT_FALSE(lsf_miss_ring_empty(r.get()));

  lsf_miss out[32];
  ASSERT_EQ(lsf_miss_ring_pop(r.get(), out, 32), 32u);
  for (uint64_t i = 0; i < 32; ++i) EXPECT_EQ(out[i].seq, i);
  for (uint64_t i = 0; i < 32; ++i) ASSERT_TRUE(PushMiss(r.get(), 1000 + i));
  EXPECT_FALSE(PushMiss(r.get(), 999));

  uint64_t expect = 32;
  for (__u32 n; (n = lsf_miss_ring_pop(r.get(), out, 32)) > 0;) {
    for (__u32 i = 0; i < n; ++i, ++expect) EXPECT_EQ(out[i].seq, expect < 256 ? expect : 1000 + expect - 256);
  }
  EXPECT_EQ(expect, 256u + 32u);
  EXPECT_TRUE(lsf_miss_ring_empty(r.get()));
}

TEST(ArenaRing, MissRingCrossThreadLosesAndReordersNothing) {
  auto r = ZeroedRing<lsf_miss_ring>();
  constexpr uint64_t kCount = 300000;
  uint64_t full = 0;
  std::thread producer([&] {
    for (uint64_t seq = 0; seq < kCount;) {
      if (PushMiss(r.get(), seq)) ++seq;
      else ++full;
    }
  });
  uint64_t next = 0, bad = 0;
  lsf_miss out[32];
  while (next < kCount) {
    __u32 n = lsf_miss_ring_pop(r.get(), out, 32);
    for (__u32 i = 0; i < n; ++i, ++next) {
      const lsf_miss& m = out[i];
      if (m.seq != next || m.pid != static_cast<__s32>(next * 7 % 100000) || m.comm[0] != static_cast<char>('a' + next % 26)) ++bad;
    }
  }
  producer.join();
  EXPECT_EQ(next, kCount);
  EXPECT_EQ(bad, 0u);
  EXPECT_TRUE(lsf_miss_ring_empty(r.get()));
}

TEST(ArenaRing, VerdictRingRefusesWhenFullAndKeepsOrder) {
  auto r = ZeroedRing<lsf_verdict_ring>();
  lsf_verdict v{};
  for (uint64_t i = 0; i < LSF_ARENA_VERDICT_SLOTS; ++i) {
    v.seq = i;
    ASSERT_EQ(lsf_verdict_ring_push(r.get(), &v), 1) << i;
  }
  v.seq = 12345;
  EXPECT_EQ(lsf_verdict_ring_push(r.get(), &v), 0);
  EXPECT_EQ(r->ctl.head, static_cast<__u64>(LSF_ARENA_VERDICT_SLOTS));
  // The BPF consumer advances tail after reading; emulate it for 10 slots.
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(r->slot[i].seq, i);
  __atomic_store_n(&r->ctl.tail, 10, __ATOMIC_RELEASE);
  EXPECT_EQ(lsf_verdict_ring_push(r.get(), &v), 1);
  EXPECT_EQ(r->slot[0].seq, 12345u) << "slot reused after the consumer freed it";
}

// One CPU's ring kept full (a flood on that CPU) must not hold back another CPU's miss: a drain pass
// takes a bounded share from each ring, so the other ring's record comes within the first batches.
TEST(ArenaRing, DrainServesEveryRingInOnePass) {
  auto rings = std::make_unique<lsf_miss_ring[]>(2);
  std::memset(static_cast<void*>(rings.get()), 0, 2 * sizeof(lsf_miss_ring));
  for (uint64_t i = 0; i < LSF_ARENA_MISS_SLOTS; ++i) ASSERT_TRUE(PushMiss(&rings[0], i));
  ASSERT_TRUE(PushMiss(&rings[1], 1'000'000));
  struct Seen {
    lsf_miss_ring* flooded;
    uint64_t next = LSF_ARENA_MISS_SLOTS;
    std::vector<uint64_t> seqs;
  } seen{&rings[0]};
  auto fn = [](void* ctx, const lsf_miss* m) {
    auto* s = static_cast<Seen*>(ctx);
    s->seqs.push_back(m->seq);
    if (s->next < 20'000) PushMiss(s->flooded, s->next++);  // the flood refills its ring as it is drained
  };
  uint32_t n = lsf_miss_rings_drain(rings.get(), 2, fn, &seen);
  size_t at = std::find(seen.seqs.begin(), seen.seqs.end(), 1'000'000u) - seen.seqs.begin();
  ASSERT_LT(at, seen.seqs.size()) << "the other ring's miss was never delivered (" << n << " records)";
  EXPECT_LE(at, static_cast<size_t>(LSF_MISS_DRAIN_BATCH)) << "behind " << at << " records of the flooded ring";
  EXPECT_LE(n, 2u * LSF_MISS_DRAIN_BATCH) << "one pass must be bounded while a ring is refilled";
}

}  // namespace
