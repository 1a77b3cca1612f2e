// FakeKernel: a KernelPort that models the BPF scheduler's verdict cache for simulation tests.
#include "tests/sim/fake_kernel.h"

#include <algorithm>

namespace lsf::sim {
namespace {

void CopyComm(char (&dst)[LSF_COMM_LEN], const std::string& s) {
  std::memset(dst, 0, sizeof dst);
  std::memcpy(dst, s.data(), std::min(s.size(), sizeof dst - 1));
}

// What BPF takes from a task for lsf_vs_fingerprint, as Miss fills the record: every fake task may
// run on every CPU.
uint32_t Fingerprint(const FakeKernel::Task& t, int nr_cpus) {
  uint64_t mask0 = nr_cpus >= 64 ? ~0ull : (1ull << nr_cpus) - 1;
  return lsf_vs_fingerprint(t.uid, t.gid, 120 + t.nice, static_cast<uint32_t>(nr_cpus), mask0);
}

}  // namespace

FakeKernel::FakeKernel(int nr_cpus, size_t verdict_capacity)
    : nr_cpus_(nr_cpus), verdict_capacity_(verdict_capacity),
      rings_(std::make_unique<lsf_miss_ring[]>(static_cast<size_t>(nr_cpus))) {
  std::memset(static_cast<void*>(rings_.get()), 0, static_cast<size_t>(nr_cpus) * sizeof(lsf_miss_ring));
}

FakeKernel::Placement FakeKernel::Miss(const Task& t, Entry& ent, int action) {
  bool park = miss_wait_ && alive_ && action == LSF_VS_ASK;
  uint64_t wait = alive_ ? LSF_MISS_DEADLINE_NS : 100'000'000;
  ent.task = t;
  __u64& tat = budget_[t.uid];  // the user's budget first, as BPF does: a miss over it takes no slot
  if (!lsf_budget_take(tat, now_ns_, miss_interval_ns_, LSF_MISS_BURST, &tat)) return Unsent(t, ent, LSF_ST_MISS_BUDGET);
  lsf_miss_ring* ring = &rings_[static_cast<size_t>(t.cpu >= 0 && t.cpu < nr_cpus_ ? t.cpu : 0)];
  lsf_miss* slot = lsf_miss_ring_slot(ring);
  if (!slot) return Unsent(t, ent, LSF_ST_MISS_RB_FULL);
  uint32_t flags = lsf_vs_begin_miss(&ent.e, ++seq_, now_ns_, wait, park ? 0 : 1, policy_gen_, LSF_SLICE_DFL_NS);
  ent.e.ident = lsf_ident{t.uid, t.gid, t.cgroup};
  ent.parked = park;
  lsf_miss m{};
  m.seq = ent.e.seq;
  m.enq_ns = now_ns_;
  m.pid = t.pid;
  m.tgid = t.tgid ? t.tgid : t.pid;
  m.ppid = 1;
  m.cgroup_id = t.cgroup;
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
  ent.e.fp = Fingerprint(t, nr_cpus_);
  *slot = m;
  lsf_miss_ring_commit(ring);
  ++stats_.v[LSF_ST_MISS];
  if (action == LSF_VS_REASK) ++stats_.v[LSF_ST_REASK];
  if (park) return Placement::kParked;
  return Queue(ent);
}

FakeKernel::Placement FakeKernel::Unsent(const Task& t, Entry& ent, lsf_stat why) {
  lsf_vs_begin_miss(&ent.e, ++seq_, now_ns_, LSF_MISS_DEADLINE_NS, 1, policy_gen_, LSF_SLICE_DFL_NS);
  ent.e.fp = Fingerprint(t, nr_cpus_);
  ent.e.ident = lsf_ident{t.uid, t.gid, t.cgroup};
  ent.parked = false;
  ++stats_.v[why];
  return Queue(ent);
}

FakeKernel::Placement FakeKernel::Queue(Entry& ent) {
  ent.queued_cls = ent.e.cls;
  ++stats_.v[ent.e.cpu != LSF_CPU_ANY ? LSF_ST_INS_CPU
             : ent.e.cls == LSF_CLASS_REALTIME ? LSF_ST_INS_REALTIME
             : ent.e.cls == LSF_CLASS_BATCH ? LSF_ST_INS_BATCH
                                            : LSF_ST_INS_DEFAULT];
  return ent.e.state == LSF_VS_READY ? Placement::kHit : Placement::kProvisional;
}

void FakeKernel::Fork(int32_t parent_pid, int32_t child_pid) {
  auto it = cache_.find(parent_pid);
  Task t = it != cache_.end() ? it->second.task : Task{};
  t.pid = child_pid;
  Fork(parent_pid, t);
}

void FakeKernel::Fork(int32_t parent_pid, const Task& t) {
  auto it = cache_.find(parent_pid);
  Entry& child = cache_[t.pid];
  child = Entry{};
  if (it == cache_.end()) return;
  if (lsf_vs_inherit(&child.e, &it->second.e, policy_gen_, Fingerprint(t, nr_cpus_), t.comm == it->second.task.comm))
    ++stats_.v[LSF_ST_FORK_HIT];
}

uint32_t FakeKernel::QueuedClass(int32_t pid) const {
  auto it = cache_.find(pid);
  return it != cache_.end() ? it->second.queued_cls : static_cast<uint32_t>(LSF_CLASS_NONE);
}

FakeKernel::Placement FakeKernel::Enqueue(const Task& t) {
  Entry& ent = cache_[t.pid];  // task-local storage: created with the task
  const lsf_ident cur{t.uid, t.gid, t.cgroup};  // ops.enqueue checks the identity first
  uint32_t why = lsf_vs_check_ident(&ent.e, &cur);
  if (why & LSF_MISS_CRED) ++stats_.v[LSF_ST_CRED];
  if (why & LSF_MISS_CGROUP) ++stats_.v[LSF_ST_CGROUP];
  switch (int action = lsf_vs_on_enqueue(&ent.e, policy_gen_, now_ns_)) {
    case LSF_VS_HIT:
      ++stats_.v[LSF_ST_HIT];
      return Queue(ent);
    case LSF_VS_WAIT:
      ent.parked = true;
      return Placement::kParked;
    case LSF_VS_RUN_PROVISIONAL:
      lsf_vs_provisional(&ent.e, policy_gen_, LSF_SLICE_DFL_NS);
      return Queue(ent);
    default:
      return Miss(t, ent, action);
  }
}

void FakeKernel::Invalidate(int32_t pid, const std::string& comm, uint32_t why, lsf_stat stat) {
  auto it = cache_.find(pid);
  if (it == cache_.end()) return;
  ++stats_.v[stat];
  it->second.task.comm = comm;
  lsf_vs_invalidate(&it->second.e, why);
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
    auto it = cache_.find(v.pid);  // bpf_task_from_pid
    int r = it == cache_.end() ? LSF_VS_STALE
                               : lsf_vs_apply(&it->second.e, &v, static_cast<uint32_t>(nr_cpus_), LSF_SLICE_DFL_NS);
    if (r == LSF_VS_STALE) ++stats_.v[LSF_ST_VERDICT_STALE];
    if (r == LSF_VS_BAD) ++stats_.v[LSF_ST_VERDICT_BAD];
  }
  // release parked tasks: verdict -> its DSQ; deadline passed -> DEFAULT
  for (auto& [pid, ent] : cache_) {
    if (!ent.parked) continue;
    int r = lsf_vs_release(&ent.e, now_ns_);
    if (r == LSF_VS_KEEP) continue;
    ent.parked = false;
    if (r == LSF_VS_TIMEOUT) ++stats_.v[LSF_ST_FALLBACK_DEADLINE];
  }
}

uint32_t FakeKernel::CachedClass(int32_t pid) const {
  auto it = cache_.find(pid);
  return it != cache_.end() && it->second.e.state == LSF_VS_READY ? it->second.e.cls
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
  // BpfKernelPort's drain passes, until the rings are empty: nothing refills them meanwhile here
  auto deliver = [](void* ctx, const lsf_miss* m) { (*static_cast<const std::function<void(const lsf_miss&)>*>(ctx))(*m); };
  auto* ctx = const_cast<std::function<void(const lsf_miss&)>*>(&on_miss);
  int total = 0;
  for (__u32 n; (n = lsf_miss_rings_drain(rings_.get(), static_cast<__u32>(nr_cpus_), deliver, ctx)) > 0;)
    total += static_cast<int>(n);
  return total;
}

bool FakeKernel::SendVerdict(const lsf_verdict& v) {
  if (verdicts_.size() >= verdict_capacity_) return false;
  verdicts_.push_back(v);
  return true;
}

}  // namespace lsf::sim
