// PolicyEngine: runs one user Lua policy (luasched-compatible API) in a sandboxed LuaJIT state.
#include "policies/policy_engine.h"

#include <lua.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "policies/binding_lua.h"  // kBindingLua: generated from binding.lua
#include "policies/bounded_pattern.h"
#include "policies/frame.h"  // struct lsf_frame, shared with binding.lua
#include "policies/loop_guard.h"

namespace lsf {

namespace {

constexpr size_t kCheckedAlloc = 64u << 10;  // allocations this large check the deadline

// The deadline clock: coarse (a few ns to read, resolution of a jiffy, <= 4 ms), which is enough
// for a budget of 10 ms and cheap enough to read at every decision.
uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}
// A decision's duration (DecisionTrace::duration_ns): the precise clock (vDSO, some 20 ns).
uint64_t PreciseNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}
constexpr int kTracebackIdx = 1;   // stack slot of the traceback handler
constexpr int kTrampolineIdx = 2;  // stack slot of the trampoline

void DefaultLog(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

int Traceback(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (!msg) msg = "(error object is not a string)";
  luaL_traceback(L, L, msg, 1);
  return 1;
}

}  // namespace

struct PolicyEngine::Impl {
  Options opts;
  std::string name;
  lua_State* L = nullptr;
  lsf_frame frame{};  // the one preallocated call frame shared with the binding
  std::string cgroup;           // storage for the last cgroup() answer
  double runtime = -1;          // the last runtime() answer
  size_t mem_used = 0;
  size_t mem_limit = 0;  // from opts
  PatternBudget pattern_budget{&frame.budget, &Impl::Expired, this};
  bool logged_error = false, logged_no_verdict = false, logged_invalid = false, logged_rate = false;

  ~Impl() {
    if (L) lua_close(L);
  }

  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
    auto* self = static_cast<Impl*>(ud);
    if (nsize == 0) {
      std::free(ptr);
      self->mem_used -= ptr ? osize : 0;
      return nullptr;
    }
    size_t old = ptr ? osize : 0;
    if (nsize > old && self->mem_used + (nsize - old) > self->mem_limit) return nullptr;  // -> Lua OOM error
    // Work that grows with its data (string.rep, .., table.concat, format, upper, ...) first
    // allocates its result: past the deadline, large allocations fail, which stops it.
    if (nsize >= old + kCheckedAlloc && Expired(self)) return nullptr;
    void* p = std::realloc(ptr, nsize);
    if (p) self->mem_used = self->mem_used - old + nsize;
    return p;
  }

  // Called from Lua (FFI) by the loop guard's tick, and by the pattern matcher and the allocator:
  // nonzero (and frame.overrun set) once the running decision is past its deadline.
  static int Expired(void* engine) {
    auto* self = static_cast<Impl*>(engine);
    if (self->frame.overrun) return 1;
    if (self->frame.deadline_ns == 0 || NowNs() < self->frame.deadline_ns) return 0;
    self->frame.overrun = 1;
    return 1;
  }

  // Called from Lua (FFI) by task:runtime(). Nothing may unwind through Lua frames.
  static double RuntimeFn(void* engine, int32_t pid) {
    auto* self = static_cast<Impl*>(engine);
    try {
      self->runtime = self->opts.task_runtime(pid);
    } catch (...) {
      self->runtime = -1;
    }
    return self->runtime;
  }

  // Called from Lua (FFI) by task:cgroup(). Nothing may unwind through Lua frames: an exception
  // from the injected function yields "".
  static const char* CgroupFn(void* engine, int32_t pid) {
    auto* self = static_cast<Impl*>(engine);
    try {
      self->cgroup = self->opts.cgroup_path(pid);
    } catch (...) {
      self->cgroup.clear();
    }
    return self->cgroup.c_str();
  }

  // Called from binding.lua's ctx:dsq: frame.class_line = the line of the policy code that called
  // ctx:dsq (stack level 0 is this function, 1 ctx:dsq, 2 its caller).
  static int NoteCallerLine(lua_State* L) {
    auto* self = static_cast<Impl*>(lua_touserdata(L, lua_upvalueindex(1)));
    lua_Debug ar;
    self->frame.class_line = lua_getstack(L, 2, &ar) && lua_getinfo(L, "l", &ar) ? ar.currentline : 0;
    return 0;
  }

  // print() of the policy: one log line, prefixed with the policy name. Exceptions are dropped.
  static int Log(lua_State* L) {
    auto* self = static_cast<Impl*>(lua_touserdata(L, lua_upvalueindex(1)));
    const char* s = lua_tostring(L, 1);
    try {
      self->opts.log(self->name + ": " + (s ? s : ""));
    } catch (...) {
    }
    return 0;
  }

  void LogOnce(bool* flag, const std::string& what) {
    if (*flag) return;
    *flag = true;
    opts.log(name + ": " + what + " (logged once; further ones are only counted)");
  }
};

PolicyEngine::PolicyEngine(std::unique_ptr<Impl> impl, std::string name, std::string source)
    : impl_(std::move(impl)), name_(std::move(name)), source_(std::move(source)) {}

PolicyEngine::~PolicyEngine() = default;

Result<std::unique_ptr<PolicyEngine>> PolicyEngine::LoadFile(const std::string& path, Options opts) {
  std::ifstream in(path);
  if (!in) return MakeError("cannot read policy " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadString(ss.str(), path, std::move(opts));
}

Result<std::unique_ptr<PolicyEngine>> PolicyEngine::LoadString(const std::string& source,
                                                              const std::string& chunk_name, Options opts) {
  auto impl = Build(source, chunk_name, opts);
  if (!impl) return MakeError(impl.error());
  return std::unique_ptr<PolicyEngine>(new PolicyEngine(std::move(*impl), chunk_name, source));
}

Result<std::unique_ptr<PolicyEngine::Impl>> PolicyEngine::Build(const std::string& source,
                                                              const std::string& chunk_name, const Options& options) {
  Options opts = options;
  auto impl = std::make_unique<Impl>();
  if (!opts.cgroup_path) opts.cgroup_path = ProcCgroupPath;
  if (!opts.task_runtime) opts.task_runtime = ProcTaskRuntime;
  if (opts.decision_budget_ns == 0) opts.decision_budget_ns = 10'000'000;
  if (!opts.log) opts.log = DefaultLog;
  if (opts.nr_cpus < 1) opts.nr_cpus = 1;
  if (opts.nr_cpus > LSF_MAX_CPUS) opts.nr_cpus = LSF_MAX_CPUS;
  // The fallback slice is part of every Decision: keep it within the limits too.
  if (opts.default_slice_ns == 0) opts.default_slice_ns = LSF_SLICE_DFL_NS;
  opts.default_slice_ns = std::clamp<uint64_t>(opts.default_slice_ns, LSF_SLICE_MIN_NS, LSF_SLICE_MAX_NS);
  impl->opts = std::move(opts);
  impl->mem_limit = impl->opts.memory_limit;
  impl->name = chunk_name;
  impl->frame.engine = impl.get();
  impl->frame.cgroup_fn = &Impl::CgroupFn;
  impl->frame.expired_fn = &Impl::Expired;
  impl->frame.runtime_fn = &Impl::RuntimeFn;
  impl->frame.cpu = LSF_CPU_ANY;

  lua_State* L = lua_newstate(&Impl::Alloc, impl.get());  // bounded memory (GC64 builds)
  if (!L) L = luaL_newstate();                             // builds without custom allocators
  if (!L) return MakeError("cannot create a Lua state");
  impl->L = L;
  luaL_openlibs(L);

  // [1] traceback handler, [2] trampoline: fixed slots for every Decide.
  lua_pushcfunction(L, Traceback);
  if (luaL_loadbuffer(L, kBindingLua, std::strlen(kBindingLua), "=binding") != 0)
    return MakeError(std::string("internal: binding: ") + lua_tostring(L, -1));
  lua_pushlightuserdata(L, &impl->frame);
  lua_pushlightuserdata(L, impl.get());
  lua_pushcclosure(L, &Impl::Log, 1);
  lua_pushinteger(L, impl->opts.nr_cpus);
  lua_pushnumber(L, static_cast<lua_Number>(LSF_SLICE_MIN_NS));
  lua_pushnumber(L, static_cast<lua_Number>(LSF_SLICE_MAX_NS));
  lua_createtable(L, 0, static_cast<int>(impl->opts.cpu_llc.size()));
  for (size_t c = 0; c < impl->opts.cpu_llc.size(); ++c) {
    lua_pushinteger(L, impl->opts.cpu_llc[c]);
    lua_rawseti(L, -2, static_cast<int>(c));
  }
  PushBoundedPatternLib(L, &impl->pattern_budget);
  lua_pushnumber(L, static_cast<lua_Number>(impl->mem_limit));
  lua_pushlightuserdata(L, impl.get());
  lua_pushcclosure(L, &Impl::NoteCallerLine, 1);
  if (lua_pcall(L, 9, 4, kTracebackIdx) != 0)
    return MakeError(std::string("internal: binding: ") + lua_tostring(L, -1));
  // stack: [1] traceback [2] env [3] trampoline [4] has_attached [5] tick
  int tick_ref = luaL_ref(L, LUA_REGISTRYINDEX);          // pops [5]
  int has_attached_ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops [4]

  auto guarded = InstrumentPolicySource(source);
  if (!guarded) return MakeError("policy " + chunk_name + ": " + guarded.error());
  if (luaL_loadbuffer(L, guarded->data(), guarded->size(), ("@" + chunk_name).c_str()) != 0)
    return MakeError(std::string("syntax error in policy: ") + lua_tostring(L, -1));  // names file:line
  lua_pushvalue(L, 2);
  lua_setfenv(L, -2);  // the chunk (and every function it defines) sees only the sandbox
  lua_rawgeti(L, LUA_REGISTRYINDEX, tick_ref);  // the chunk's vararg: `local __lsf_tick = ...`
  luaL_unref(L, LUA_REGISTRYINDEX, tick_ref);
  impl->frame.budget = impl->opts.instruction_limit;
  if (lua_pcall(L, 1, 0, kTracebackIdx) != 0) {
    const char* msg = lua_tostring(L, -1);
    return MakeError("error while loading policy " + chunk_name + ": " + (msg ? msg : "(no message)"));
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, has_attached_ref);
  lua_call(L, 0, 1);
  bool attached = lua_toboolean(L, -1);
  lua_pop(L, 1);
  luaL_unref(L, LUA_REGISTRYINDEX, has_attached_ref);
  if (!attached) return MakeError("policy " + chunk_name + " never calls sched.attach(fn) or scx.attach(fn)");

  lua_replace(L, kTrampolineIdx);  // [1] traceback [2] trampoline
  lua_settop(L, kTrampolineIdx);
  return impl;
}

bool PolicyEngine::OverRate(const lsf_miss& m) {
  const uint32_t limit = impl_->opts.max_misses_per_task_per_s;
  // Only misses a task causes itself (exec, rename) count: a first miss has no flag, and the
  // reclassification after a reload (LSF_MISS_REGEN) is ours.
  if (limit == 0 || !(m.flags & (LSF_MISS_EXEC | LSF_MISS_RENAME))) return false;
  RateSlot& s = rate_[static_cast<uint32_t>(m.pid) % rate_.size()];
  if (s.pid != m.pid || m.enq_ns < s.window_start_ns || m.enq_ns - s.window_start_ns >= 1'000'000'000ull) {
    s = RateSlot{m.pid, 1, m.enq_ns};
    return false;
  }
  return ++s.misses > limit;
}

void PolicyEngine::ReplaceState() {
  needs_fresh_state_ = false;
  auto fresh = Build(source_, name_, impl_->opts);
  if (!fresh) {  // it loaded before: only memory could make it fail now; keep the old state
    impl_->opts.log(name_ + ": cannot build a fresh Lua state: " + fresh.error());
    return;
  }
  Impl& n = **fresh;
  n.logged_error = impl_->logged_error;
  n.logged_no_verdict = impl_->logged_no_verdict;
  n.logged_invalid = impl_->logged_invalid;
  n.logged_rate = impl_->logged_rate;
  impl_ = std::move(*fresh);
  ++counters_.fresh_states;
}

const char* DecisionSourceName(uint32_t source) {
  static constexpr const char* kNames[kNrDecisionSources] = {"policy",  "error",      "overrun",
                                                             "invalid", "no_verdict", "deferred"};
  return source < kNrDecisionSources ? kNames[source] : "?";
}

// What the frame says of how `d` was reached (after the policy ran, or did not).
void PolicyEngine::Trace(Decision* d, DecisionSource source, uint64_t start_ns) const {
  const Impl& im = *impl_;
  const lsf_frame& f = im.frame;
  DecisionTrace& t = d->trace;
  t.source = source;
  t.reads = f.reads;
  t.returned = f.return_line != 0;
  t.line = t.returned ? f.return_line : f.class_line;
  t.duration_ns = PreciseNs() - start_ns;
  if (f.reads & LSF_READ_RUNTIME) t.runtime_ns = im.runtime;
  if (f.reads & LSF_READ_CGROUP) {
    const size_t n = std::min(im.cgroup.size(), sizeof t.cgroup - 1);
    std::memcpy(t.cgroup, im.cgroup.data(), n);
    t.cgroup[n] = '\0';
  }
}

Decision PolicyEngine::Decide(const lsf_miss& miss) {
  const uint64_t start_ns = PreciseNs();
  if (needs_fresh_state_) ReplaceState();
  Impl& im = *impl_;
  lsf_frame& f = im.frame;
  std::memcpy(&f.miss, &miss, sizeof miss);
  f.miss.comm[LSF_COMM_LEN - 1] = '\0';
  f.miss.pcomm[LSF_COMM_LEN - 1] = '\0';
  f.slice_ns = 0;
  f.cpu = LSF_CPU_ANY;
  f.llc = -1;
  f.dsq = 0;
  f.invalid = 0;
  f.clamped = 0;
  f.varies = 0;
  f.reads = 0;
  f.class_line = 0;
  f.return_line = 0;
  ++counters_.decisions;
  Decision d;
  d.slice_ns = im.opts.default_slice_ns;
  if (OverRate(miss)) {  // no verdict at all, rather than a DEFAULT the task would keep for good
    ++counters_.rate_limited;
    im.LogOnce(&im.logged_rate, "task " + std::to_string(miss.pid) + " missed more than " +
                                    std::to_string(im.opts.max_misses_per_task_per_s) +
                                    " times in a second (renames?): not decided, it asks again later");
    d.deferred = true;
    Trace(&d, DecisionSource::kDeferred, start_ns);
    return d;
  }
  f.budget = im.opts.instruction_limit;
  f.overrun = 0;
  f.deadline_ns = NowNs() + im.opts.decision_budget_ns;
  lua_State* L = im.L;
  lua_pushvalue(L, kTrampolineIdx);
  int rc = lua_pcall(L, 0, 0, kTracebackIdx);
  f.deadline_ns = 0;
  if (rc != 0) {
    ++counters_.errors;
    const char* msg = lua_tostring(L, -1);
    if (f.overrun) {
      ++counters_.overruns;
      // Whatever it was doing may have left the policy's own state inconsistent (or full): the
      // next decision gets a fresh state, at most once a second (a policy that overruns every
      // time would otherwise pay a reload per decision).
      uint64_t now = NowNs();
      if (now - last_fresh_state_ns_ >= 1'000'000'000ull || last_fresh_state_ns_ == 0) {
        needs_fresh_state_ = true;
        last_fresh_state_ns_ = now;
      }
      im.LogOnce(&im.logged_error, "a decision ran past its " + std::to_string(im.opts.decision_budget_ns / 1000000) +
                                         " ms budget: DEFAULT, and a fresh Lua state for the next one (" +
                                         (msg ? msg : "?") + ")");
    } else {
      im.LogOnce(&im.logged_error, std::string("policy error: ") + (msg ? msg : "?"));
    }
    lua_settop(L, kTrampolineIdx);
    ++counters_.per_class[LSF_CLASS_DEFAULT];
    Trace(&d, f.overrun ? DecisionSource::kOverrun : DecisionSource::kError, start_ns);
    return d;
  }
  if (f.invalid & (LSF_BAD_DSQ | LSF_BAD_SLICE)) {
    ++counters_.invalid;
    im.LogOnce(&im.logged_invalid, (f.invalid & LSF_BAD_DSQ)
                                       ? "invalid class (use REALTIME 0, BATCH 1, DEFAULT 2, scx.DSQ_GLOBAL or scx.DSQ_LOCAL)"
                                       : "invalid slice (a positive number of ns)");
    ++counters_.per_class[LSF_CLASS_DEFAULT];
    Trace(&d, DecisionSource::kInvalid, start_ns);
    return d;
  }
  if (f.invalid & (LSF_BAD_CPU | LSF_BAD_LLC)) {
    ++counters_.invalid;
    im.LogOnce(&im.logged_invalid, (f.invalid & LSF_BAD_CPU)
                                       ? "ctx:cpu() got a CPU that does not exist or is not allowed for the task (ignored)"
                                       : "ctx:llc() got an LLC that does not exist (ignored)");
  }
  if (f.dsq == LSF_CLASS_NONE) {
    ++counters_.no_verdict;
    im.LogOnce(&im.logged_no_verdict, "the policy made no decision (no ctx:dsq(), no returned dsq; DEFAULT used)");
    ++counters_.per_class[LSF_CLASS_DEFAULT];
    Trace(&d, DecisionSource::kNoVerdict, start_ns);
    return d;
  }
  if (f.clamped) ++counters_.clamped_slices;
  // The binding validated every value; re-check the Decision contract anyway (cheap).
  d.dsq = f.dsq <= LSF_CLASS_DEFAULT ? f.dsq : static_cast<uint32_t>(LSF_CLASS_DEFAULT);
  if (f.slice_ns) d.slice_ns = std::clamp<uint64_t>(f.slice_ns, LSF_SLICE_MIN_NS, LSF_SLICE_MAX_NS);
  if (f.cpu >= 0 && f.cpu < im.opts.nr_cpus && (f.miss.cpus_allowed[f.cpu / 64] >> (f.cpu % 64) & 1)) d.cpu = f.cpu;
  if (f.llc >= 0) d.llc = f.llc;
  d.fork_shared = !f.varies && d.cpu == LSF_CPU_ANY && d.llc < 0;
  ++counters_.per_class[d.dsq];
  Trace(&d, DecisionSource::kPolicy, start_ns);
  return d;
}

}  // namespace lsf
