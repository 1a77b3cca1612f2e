// BpfKernelPort: KernelPort over the luasched BPF scheduler (libbpf skeleton; arena rings or ringbuf transport).
#include "port/bpf_kernel_port.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "bpf/arena_ring.h"
#include "bpf/miss_budget.h"
#include "port/scx_host.h"
#include "luasched.skel.h"

namespace lsf {
namespace {

std::string Errno(int err) { return std::strerror(err < 0 ? -err : err); }

// The skeleton over the built-in object, or (tests) over the bytes of another build of the same
// program (bpf/CMakeLists.txt): libbpf refuses an object that lacks a map or program the skeleton
// names. `bytes` must outlive the skeleton's load.
luasched_bpf* OpenSkeleton(const std::vector<char>& bytes) {
  if (bytes.empty()) return luasched_bpf__open();
  auto* skel = static_cast<luasched_bpf*>(std::calloc(1, sizeof(luasched_bpf)));
  if (!skel) return nullptr;
  int err = luasched_bpf__create_skeleton(skel);
  if (!err) {
    skel->skeleton->data = bytes.data();
    skel->skeleton->data_sz = bytes.size();
    err = bpf_object__open_skeleton(skel->skeleton, nullptr);
  }
  if (err) {
    luasched_bpf__destroy(skel);
    errno = -err;
    return nullptr;
  }
  skel->struct_ops.luasched_ops = static_cast<decltype(skel->struct_ops.luasched_ops)>(
      bpf_map__initial_value(skel->maps.luasched_ops, nullptr));
  return skel;
}

}  // namespace

Result<std::unique_ptr<BpfKernelPort>> BpfKernelPort::Load(const Options& opts) {
  scx::SetupLibbpfLogging(opts.verbose);
  std::unique_ptr<BpfKernelPort> port(new BpfKernelPort());
  int ncpu = libbpf_num_possible_cpus();
  if (Status st = scx::CheckPossibleCpus(ncpu); !st) return MakeError(st.error());
  port->nr_cpus_ = ncpu;
  std::vector<char> object;
  if (!opts.object_path.empty()) {
    std::ifstream in(opts.object_path, std::ios::binary);
    object.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (object.empty()) return MakeError("cannot read the BPF object " + opts.object_path);
  }

  // Feature probe: the kick program needs sched_ext kfuncs in syscall programs. Try with it, and
  // without it if the verifier refuses (verdicts are then applied at the next BPF timer tick).
  for (bool with_kick : {!opts.no_kick, false}) {
    luasched_bpf* skel = OpenSkeleton(object);
    if (!skel) return MakeError("cannot open the BPF object: " + Errno(errno));
    skel->rodata->nr_cpus = static_cast<uint32_t>(ncpu);
    skel->rodata->self_tgid = getpid();
    skel->rodata->default_slice_ns = opts.default_slice_ns;
    skel->rodata->use_arena = opts.transport == Transport::kArena;
    skel->rodata->miss_wait = opts.miss_wait;
    skel->rodata->miss_interval_ns = lsf_budget_interval(opts.miss_rate);
    bpf_program__set_autoload(skel->progs.lsf_arena_setup, opts.transport == Transport::kArena);
    // The arena is mapped (and locked by mlockall) whole: size it to the layout. The ringbuf
    // transport does not create it at all (its code paths are dead for the verifier), so it also
    // runs on kernels without BPF arenas.
    if (opts.transport == Transport::kArena)
      bpf_map__set_max_entries(skel->maps.arena, lsf_arena_pages(static_cast<__u32>(ncpu)));
    else
      bpf_map__set_autocreate(skel->maps.arena, false);
    bpf_program__set_autoload(skel->progs.lsf_kick, with_kick);
    int err = luasched_bpf__load(skel);
    if (err == 0) {
      port->skel_ = skel;
      break;
    }
    luasched_bpf__destroy(skel);
    if (!with_kick) {
      std::string hint = scx::MissingKernelFeatures(opts.transport == Transport::kArena);
      return MakeError("loading the BPF scheduler failed: " + Errno(err) +
                       (hint.empty() ? " (run with --verbose for the verifier log)" : "; " + hint));
    }
  }
  if (bpf_program__fd(port->skel_->progs.lsf_kick) >= 0 &&
      bpf_program__autoload(port->skel_->progs.lsf_kick))
    port->kick_fd_ = bpf_program__fd(port->skel_->progs.lsf_kick);

  if (opts.transport == Transport::kArena) {
    if (Status st = port->SetUpArena(); !st) return MakeError(st.error());
    port->misses_ = ring_buffer__new(bpf_map__fd(port->skel_->maps.doorbell),
                                     [](void*, void*, size_t) { return 0; }, nullptr, nullptr);
    if (!port->misses_) return MakeError("cannot map the doorbell ring buffer: " + Errno(errno));
    return port;
  }
  port->misses_ = ring_buffer__new(bpf_map__fd(port->skel_->maps.misses), &BpfKernelPort::OnSample,
                                   port.get(), nullptr);
  if (!port->misses_) return MakeError("cannot map the miss ring buffer: " + Errno(errno));
  port->verdicts_ = user_ring_buffer__new(bpf_map__fd(port->skel_->maps.verdicts), nullptr);
  if (!port->verdicts_) return MakeError("cannot map the verdict ring buffer: " + Errno(errno));
  return port;
}

Status BpfKernelPort::SetUpArena() {
  LIBBPF_OPTS(bpf_test_run_opts, run);
  int err = bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.lsf_arena_setup), &run);
  if (err) return MakeError("cannot run the arena setup program: " + Errno(err));
  if (run.retval != 0)
    return MakeError("allocating the arena rings failed: " + Errno(static_cast<int>(run.retval)) +
                     " (try --transport ringbuf)");
  // libbpf maps the whole arena (max_entries pages) at load; the initial-value size only counts
  // arena globals, of which there are none.
  size_t unused = 0;
  auto* base = static_cast<char*>(bpf_map__initial_value(skel_->maps.arena, &unused));
  size_t map_size = static_cast<size_t>(bpf_map__max_entries(skel_->maps.arena)) * LSF_ARENA_PAGE_SIZE;
  auto addr = reinterpret_cast<uintptr_t>(skel_->bss->shared);
  uint64_t want = lsf_arena_size(static_cast<__u32>(nr_cpus_));
  // BPF arena pointers are user addresses of this mapping; accept the offset form as well.
  uintptr_t lo = reinterpret_cast<uintptr_t>(base);
  auto inside = [&](uintptr_t a) { return base && a >= lo && a - lo + want <= map_size; };
  if (!inside(addr)) addr = lo + (addr & 0xffffffffu);
  if (!inside(addr)) {
    char detail[160];
    std::snprintf(detail, sizeof(detail), " (rings at %#lx, arena mapped at %p, %zu bytes)",
                  static_cast<unsigned long>(reinterpret_cast<uintptr_t>(skel_->bss->shared)),
                  static_cast<void*>(base), map_size);
    return MakeError(std::string("the arena rings are outside the mapped arena") + detail);
  }
  arena_ = reinterpret_cast<lsf_arena*>(addr);
  if (__atomic_load_n(&arena_->hdr.magic, __ATOMIC_ACQUIRE) != LSF_ARENA_MAGIC ||
      arena_->hdr.nr_cpus != static_cast<__u32>(nr_cpus_))
    return MakeError("the arena layout is not initialised (BPF/libbpf mismatch)");
  // Fault every page in now: the dispatcher must take no page faults once running.
  for (uint64_t off = 0; off < want; off += LSF_ARENA_PAGE_SIZE)
    (void)*reinterpret_cast<volatile char*>(addr + off);
  return {};
}

BpfKernelPort::~BpfKernelPort() {
  Detach();
  if (verdicts_) user_ring_buffer__free(verdicts_);
  if (misses_) ring_buffer__free(misses_);
  if (skel_) luasched_bpf__destroy(skel_);
}

Status BpfKernelPort::Attach() {
  if (std::string ops = scx::LoadedOps(); !ops.empty())
    return MakeError("another sched_ext scheduler ('" + ops + "') is already loaded; stop it first");
  exec_link_ = bpf_program__attach(skel_->progs.lsf_on_exec);
  if (!exec_link_) return MakeError("cannot attach the exec tracepoint: " + Errno(errno));
  rename_link_ = bpf_program__attach(skel_->progs.lsf_on_rename);
  if (!rename_link_) return MakeError("cannot attach the rename tracepoint: " + Errno(errno));
  ops_link_ = bpf_map__attach_struct_ops(skel_->maps.luasched_ops);
  if (!ops_link_) {
    int err = errno;
    if (err == EBUSY || err == EEXIST)
      return MakeError("another sched_ext scheduler is already loaded; stop it first");
    return MakeError("registering the sched_ext scheduler failed: " + Errno(err));
  }
  // When ops.init fails (e.g. a kfunc the scheduler needs is missing) the kernel still returns
  // success from the attach and reports the error through ops.exit, which has run by now: that is
  // a refusal to start, not an ejection of a running scheduler.
  if (auto ei = ExitInfo(); ei && scx::ExitIsError(ei->kind)) {
    Detach();
    return MakeError("the kernel refused the scheduler: " + scx::FormatExit(*ei));
  }
  return {};
}

void BpfKernelPort::Detach() {
  if (ops_link_) bpf_link__destroy(ops_link_);
  if (rename_link_) bpf_link__destroy(rename_link_);
  if (exec_link_) bpf_link__destroy(exec_link_);
  ops_link_ = rename_link_ = exec_link_ = nullptr;
}

int BpfKernelPort::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<BpfKernelPort*>(ctx);
  if (size < sizeof(lsf_miss) || !self->on_miss_) return 0;
  (*self->on_miss_)(*static_cast<const lsf_miss*>(data));
  return 0;
}

int BpfKernelPort::DrainArena() {
  auto deliver = [](void* ctx, const lsf_miss* m) { (*static_cast<BpfKernelPort*>(ctx)->on_miss_)(*m); };
  return static_cast<int>(lsf_miss_rings_drain(arena_->misses, static_cast<__u32>(nr_cpus_), deliver, this));
}

int BpfKernelPort::PollMisses(int timeout_ms, const std::function<void(const lsf_miss&)>& on_miss) {
  on_miss_ = &on_miss;
  if (arena_) {
    int n = DrainArena();
    if (n == 0 && timeout_ms != 0) {
      // Announce the sleep, then look again: a miss pushed before BPF saw the flag is found here,
      // one pushed after rings the doorbell (both sides order flag and ring head with a full barrier).
      __atomic_store_n(&skel_->bss->user_sleeping, 1, __ATOMIC_SEQ_CST);
      n = DrainArena();
      int r = n == 0 ? ring_buffer__poll(misses_, timeout_ms) : 0;
      __atomic_store_n(&skel_->bss->user_sleeping, 0, __ATOMIC_SEQ_CST);
      if (n == 0) n = DrainArena();
      if (n == 0 && r == -EINTR) n = -1;
    }
    on_miss_ = nullptr;
    return n;
  }
  // One bounded pass, read from the mmapped ring without a syscall: a flood refilling the ring as
  // fast as it is read cannot keep the dispatcher here, past its heartbeat. Sleep only when empty.
  constexpr size_t kRingbufPass = LSF_ARENA_MISS_SLOTS;
  int n = ring_buffer__consume_n(misses_, kRingbufPass);
  if (n == 0 && timeout_ms != 0) {
    epoll_event ev;
    if (epoll_wait(ring_buffer__epoll_fd(misses_), &ev, 1, timeout_ms) < 0 && errno == EINTR) {
      on_miss_ = nullptr;
      return -1;
    }
    n = ring_buffer__consume_n(misses_, kRingbufPass);
  }
  on_miss_ = nullptr;
  return n < 0 ? 0 : n;
}

bool BpfKernelPort::SendVerdict(const lsf_verdict& v) {
  if (arena_) {
    if (!lsf_verdict_ring_push(&arena_->verdicts, &v)) return false;
    ++pending_verdicts_;
    return true;
  }
  void* slot = user_ring_buffer__reserve(verdicts_, sizeof(v));
  if (!slot) return false;
  std::memcpy(slot, &v, sizeof(v));
  user_ring_buffer__submit(verdicts_, slot);
  ++pending_verdicts_;
  return true;
}

void BpfKernelPort::FlushVerdicts() {
  if (pending_verdicts_ == 0) return;
  pending_verdicts_ = 0;
  if (kick_fd_ < 0) return;
  LIBBPF_OPTS(bpf_test_run_opts, run);
  bpf_prog_test_run_opts(kick_fd_, &run);
}

void BpfKernelPort::Heartbeat(uint64_t now_ns) {
  __atomic_store_n(&skel_->bss->user_alive_ns, now_ns, __ATOMIC_RELAXED);
}

void BpfKernelPort::SetPolicyGeneration(uint32_t gen) {
  __atomic_store_n(&skel_->data->policy_gen, gen, __ATOMIC_RELAXED);
}

KernelStats BpfKernelPort::ReadStats() const {
  KernelStats out;
  std::vector<lsf_stats> per_cpu(static_cast<size_t>(nr_cpus_));
  uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.stats), &key, per_cpu.data()) != 0) return out;
  for (const lsf_stats& s : per_cpu)
    for (int i = 0; i < LSF_NR_STATS; ++i) out.v[i] += s.v[i];
  return out;
}

std::vector<KernelStats> BpfKernelPort::ReadStatsPerCpu() const {
  std::vector<lsf_stats> per_cpu(static_cast<size_t>(nr_cpus_));
  uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.stats), &key, per_cpu.data()) != 0) return {};
  std::vector<KernelStats> out(per_cpu.size());
  for (size_t c = 0; c < per_cpu.size(); ++c)
    for (int i = 0; i < LSF_NR_STATS; ++i) out[c].v[i] = per_cpu[c].v[i];
  return out;
}

void BpfKernelPort::ReadHistogram(lsf_hist h, uint64_t (&buckets)[LSF_HIST_BUCKETS]) const {
  for (int i = 0; i < LSF_HIST_BUCKETS; ++i)
    buckets[i] = h < LSF_NR_HISTS ? __atomic_load_n(&skel_->bss->hists[h][i], __ATOMIC_RELAXED) : 0;
}

void BpfKernelPort::ReadIdleCpus(__u64 (&mask)[LSF_CPU_WORDS]) const {
  for (int i = 0; i < LSF_CPU_WORDS; ++i) mask[i] = __atomic_load_n(&skel_->bss->idle_mask[i], __ATOMIC_RELAXED);
}

std::string BpfKernelPort::ExitDump() const {
  const char* d = skel_->bss->exit_dump;
  return std::string(d, strnlen(d, sizeof skel_->bss->exit_dump));
}

std::optional<lsf_exit_info> BpfKernelPort::ExitInfo() const {
  if (__atomic_load_n(&skel_->bss->exit_info.kind, __ATOMIC_ACQUIRE) == 0) return std::nullopt;
  return skel_->bss->exit_info;
}

}  // namespace lsf
