// FakeKernel: a KernelPort that models the BPF scheduler's verdict cache for simulation tests.
#include "tests/sim/fake_kernel.h"

#include <algorithm>

namespace lsf::sim {
namespace {

void CopyComm(char (&dst)[LSF_COMM_LEN], const std::string& s) {
  std::memset(dst, 0, sizeof dst);
  std::memcpy(dst, s.data(), std::min(s.size(), sizeof dst - 1));
}

}  // namespace

void FakeKernel::Miss(const Task& t, Entry* old) {
  uint32_t flags = old ? old->e.flags : 0;
  if (old && old->e.state == LSF_ENTRY_READY && old->e.policy_gen != policy_gen_) flags |= LSF_MISS_REGEN;
  Entry& ent = cache_[t.pid];
  ent.task = t;
  ent.e = lsf_cache_entry{};
  ent.e.seq = ++seq_;
  ent.e.deadline_ns = now_ns_ + LSF_MISS_DEADLINE_NS;
  ent.e.state = LSF_ENTRY_PENDING;
  ent.e.cpu = LSF_CPU_ANY;
  ent.e.dsq = LSF_CLASS_DEFAULT;
  ent.parked = true;
  lsf_miss m{};
  m.seq = ent.e.seq;
  m.enq_ns = now_ns_;
  m.pid = t.pid;
  m.tgid = t.tgid ? t.tgid : t.pid;
  m.ppid = 1;
  m.uid = t.uid;
  m.gid = t.gid;
  m.nice = t.nice;
  m.prio = 120 + t.nice;
  m.prev_cpu = t.cpu;
  m.policy_gen = policy_gen_;
  m.flags = flags;
  m.nr_cpus_allowed = static_cast<uint32_t>(nr_cpus_);
  for (int c = 0; c < nr_cpus_; ++c) m.cpus_allowed[c / 64] |= 1ull << (c % 64);
  CopyComm(m.comm, t.comm);
  CopyComm(m.pcomm, t.pcomm);
  misses_.push_back(m);
  ++stats_.v[LSF_ST_MISS];
}

FakeKernel::Placement FakeKernel::Enqueue(const Task& t) {
  auto it = cache_.find(t.pid);
  Entry* e = it == cache_.end() ? nullptr : &it->second;
  if (e && e->e.state == LSF_ENTRY_READY && !e->e.stale && e->e.policy_gen == policy_gen_) {
    ++stats_.v[LSF_ST_HIT];
    ++stats_.v[e->e.cpu != LSF_CPU_ANY ? LSF_ST_INS_CPU
               : e->e.dsq == LSF_CLASS_REALTIME ? LSF_ST_INS_REALTIME
               : e->e.dsq == LSF_CLASS_BATCH ? LSF_ST_INS_BATCH
                                              : LSF_ST_INS_DEFAULT];
    return Placement::kHit;
  }
  if (e && e->e.state == LSF_ENTRY_PENDING && !e->e.stale) {
    if (now_ns_ < e->e.deadline_ns) {
      e->parked = true;
      return Placement::kParked;
    }
    ++stats_.v[LSF_ST_FALLBACK_DEADLINE];
    ++stats_.v[LSF_ST_INS_DEFAULT];
    return Placement::kFallback;
  }
  Miss(t, e);
  return Placement::kParked;
}

void FakeKernel::Invalidate(int32_t pid, const std::string& comm, uint32_t why, lsf_stat stat) {
  auto it = cache_.find(pid);
  if (it == cache_.end()) return;
  ++stats_.v[stat];
  it->second.task.comm = comm;
  it->second.e.flags |= why;
  if (it->second.e.state == LSF_ENTRY_PENDING) it->second.e.stale = 1;
  else it->second.e.state = 0;
}

void FakeKernel::Exec(int32_t pid, const std::string& comm) { Invalidate(pid, comm, LSF_MISS_EXEC, LSF_ST_EXEC); }

void FakeKernel::Rename(int32_t pid, const std::string& comm) {
  Invalidate(pid, comm, LSF_MISS_RENAME, LSF_ST_RENAME);
}

void FakeKernel::Exit(int32_t pid) {
  if (cache_.erase(pid)) ++stats_.v[LSF_ST_EXIT];
}

void FakeKernel::ApplyVerdicts() {
  while (!verdicts_.empty()) {
    lsf_verdict v = verdicts_.front();
    verdicts_.pop_front();
    ++stats_.v[LSF_ST_VERDICT];
    auto it = cache_.find(v.pid);
    if (it == cache_.end() || it->second.e.state != LSF_ENTRY_PENDING || it->second.e.seq != v.seq) {
      ++stats_.v[LSF_ST_VERDICT_STALE];
      continue;
    }
    lsf_cache_entry& e = it->second.e;
    if (v.dsq < LSF_CLASS_REALTIME || v.dsq > LSF_CLASS_DEFAULT ||
        (v.cpu != LSF_CPU_ANY && (v.cpu < 0 || v.cpu >= nr_cpus_))) {
      ++stats_.v[LSF_ST_VERDICT_BAD];
      v.dsq = LSF_CLASS_DEFAULT;
      v.cpu = LSF_CPU_ANY;
    }
    e.dsq = v.dsq;
    e.slice_ns = std::clamp<uint64_t>(v.slice_ns ? v.slice_ns : LSF_SLICE_DFL_NS, LSF_SLICE_MIN_NS, LSF_SLICE_MAX_NS);
    e.cpu = v.cpu;
    e.policy_gen = v.policy_gen;
    e.flags = 0;
    e.state = LSF_ENTRY_READY;
  }
  // release parked tasks: verdict -> its DSQ; deadline passed -> DEFAULT
  for (auto& [pid, ent] : cache_) {
    if (!ent.parked) continue;
    if (ent.e.state == LSF_ENTRY_READY) {
      ent.parked = false;
      if (ent.e.stale) { ent.e.state = 0; ent.e.stale = 0; }
    } else if (now_ns_ >= ent.e.deadline_ns) {
      ent.parked = false;
      ++stats_.v[LSF_ST_FALLBACK_DEADLINE];
    }
  }
}

uint32_t FakeKernel::CachedClass(int32_t pid) const {
  auto it = cache_.find(pid);
  return it != cache_.end() && it->second.e.state == LSF_ENTRY_READY ? it->second.e.dsq
                                                                     : static_cast<uint32_t>(LSF_CLASS_NONE);
}

uint64_t FakeKernel::CachedSlice(int32_t pid) const {
  auto it = cache_.find(pid);
  return it != cache_.end() ? it->second.e.slice_ns : 0;
}

int32_t FakeKernel::CachedCpu(int32_t pid) const {
  auto it = cache_.find(pid);
  return it != cache_.end() ? it->second.e.cpu : LSF_CPU_ANY;
}

size_t FakeKernel::parked() const {
  return static_cast<size_t>(std::count_if(cache_.begin(), cache_.end(), [](const auto& kv) { return kv.second.parked; }));
}

int FakeKernel::PollMisses(int, const std::function<void(const lsf_miss&)>& on_miss) {
  int n = 0;
  while (!misses_.empty()) {  // one pass over the batch, like ring_buffer__poll
    lsf_miss m = misses_.front();
    misses_.pop_front();
    on_miss(m);
    ++n;
  }
  return n;
}

bool FakeKernel::SendVerdict(const lsf_verdict& v) {
  if (verdicts_.size() >= verdict_capacity_) return false;
  verdicts_.push_back(v);
  return true;
}

}  // namespace lsf::sim
