// Publication of a READY verdict across threads (bpf/verdict.h), checked by ThreadSanitizer.
//
// lsf_vs_apply runs on the CPU that applies a verdict while lsf_vs_inherit reads the same state on
// the CPU where the task forks. The verdict's fields must be visible before READY is: a release
// store of READY and an acquire load of it. A plain store behind a compiler barrier is enough on
// x86 only, and it is a data race in the C++ memory model, which TSan reports (this program then
// exits 66). Built with -fsanitize=thread; no gtest (it is not built with TSan).
#include <atomic>
#include <cstdio>
#include <thread>

#include "bpf/verdict.h"

int main() {
  constexpr int kRounds = 2000;
  constexpr __u32 kGen = 1, kFp = 0x1234;
  int bad = 0;
  for (int round = 0; round < kRounds; ++round) {
    lsf_vstate parent{}, child{};
    lsf_vs_begin_miss(&parent, /*seq=*/round + 1, /*now=*/0, /*wait_ns=*/1000, /*nowait=*/1, kGen, LSF_SLICE_DFL_NS);
    parent.fp = kFp;
    lsf_verdict v{};
    v.seq = round + 1;
    v.dsq = round % 2 ? LSF_CLASS_REALTIME : LSF_CLASS_BATCH;
    v.slice_ns = 1'000'000 + round;
    v.cpu = LSF_CPU_ANY;
    v.policy_gen = kGen;
    v.flags = LSF_VERDICT_FORKS;
    std::atomic<bool> go{false};
    std::thread applier([&] {
      while (!go.load(std::memory_order_relaxed)) {
      }
      lsf_vs_apply(&parent, &v, 4, LSF_SLICE_DFL_NS);
    });
    go.store(true, std::memory_order_relaxed);
    while (!lsf_vs_inherit(&child, &parent, kGen, kFp, /*same_comm=*/1)) {
    }
    if (child.cls != v.dsq || child.slice_ns != v.slice_ns) ++bad;
    applier.join();
  }
  std::printf("%d rounds, %d inherited a half-published verdict\n", kRounds, bad);
  return bad ? 1 : 0;
}
