-- Privileged binding: builds the policy API (sched, scx, linux, ctx, task) and the sandbox.
-- Runs once per engine with the full standard library; the policy itself never sees ffi, io, os,
-- debug or jit. Called as binding(frame_lightuserdata, log_cfunction, nr_cpus, slice_min_ns,
-- slice_max_ns, cpu_llc) (cpu_llc: table CPU -> LLC index, from the topology) and returns
-- slice_max_ns) and returns (env, trampoline, has_attached, tick): `env` is the policy's global
-- table, `trampoline()` runs the attached function on the preallocated frame, `tick` is the loop
-- guard's budget check.
local frame_ud, log, nr_cpus, SLICE_MIN, SLICE_MAX, cpu_llc = ...
local nr_llcs = 1
for _, l in pairs(cpu_llc) do if l + 1 > nr_llcs then nr_llcs = l + 1 end end
local ffi = require("ffi")

ffi.cdef[[
/* Mirrors `struct LsfFrame` in policy_engine.cc. Only this chunk ever holds these cdata: the policy
   gets opaque proxies (raw cdata would allow pointer arithmetic and field writes, i.e. arbitrary
   memory access in a root process). */
struct lsf_miss {
  uint64_t seq, enq_ns, cgroup_id;
  uint64_t cpus_allowed[4];
  int32_t pid, tgid, ppid;
  uint32_t uid, gid;
  int32_t prio, nice, prev_cpu;
  uint32_t policy_gen, flags, nr_cpus_allowed, pad;
  char comm[16];
  char pcomm[16];
};
struct lsf_frame {
  struct lsf_miss miss;  /* copy of the record being classified; comm/pcomm NUL terminated */
  uint64_t slice_ns;
  int32_t cpu;
  uint32_t dsq;
  uint32_t invalid;
  uint32_t clamped;
  void *engine;
  const char *(*cgroup_fn)(void *engine, int32_t pid);
  int32_t budget;
  int32_t llc;
};
struct lsf_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct lsf_timespec *tp);
]]

local REALTIME, BATCH, DEFAULT = 1, 2, 3
local kBadDsq, kBadSlice, kBadCpu, kBadLlc = 1, 2, 4, 8

local frame = ffi.cast("struct lsf_frame *", frame_ud)
local m = frame.miss  -- reference to the embedded record: fixed address, refilled by every Decide
local ffi_string, band, bor, rshift, tonumber, type = ffi.string, bit.band, bit.bor, bit.rshift, tonumber, type
local floor, huge = math.floor, math.huge

-- An opaque handle for the policy: a userdata whose only behaviour is `methods` (calls ignore
-- self and read the frame). getmetatable() answers false, rawset/setmetatable/arithmetic fail.
local function proxy(name, methods)
  local p = newproxy(true)
  local mt = getmetatable(p)
  mt.__index = methods
  mt.__metatable = false
  mt.__tostring = function() return name end
  return p
end

-- task: read-only view of the miss record -------------------------------------------------------
local function allowed(n)
  if type(n) ~= "number" or n ~= floor(n) or n < 0 or n >= 256 then return false end
  return band(rshift(m.cpus_allowed[floor(n / 64)], n % 64), 1ULL) ~= 0ULL
end
local task = proxy("task", {
  comm = function() return ffi_string(m.comm) end,
  pcomm = function() return ffi_string(m.pcomm) end,
  pid = function() return m.pid end,
  tgid = function() return m.tgid end,
  ppid = function() return m.ppid end,
  uid = function() return m.uid end,
  gid = function() return m.gid end,
  prio = function() return m.prio end,
  nice = function() return m.nice end,
  cpu = function() return m.prev_cpu end,
  nr_cpus_allowed = function() return m.nr_cpus_allowed end,
  llc = function() return cpu_llc[m.prev_cpu] or 0 end,
  cpu_allowed = function(_, n) return allowed(n) end,
  -- Computed by the engine only when asked (it may read /proc).
  cgroup = function()
    local s = frame.cgroup_fn(frame.engine, m.pid)
    return s ~= nil and ffi_string(s) or ""
  end,
})

-- ctx: the verdict being built; setters validate, getters (no argument) return the value so far
local function slice(_, ns)
  if ns == nil then return tonumber(frame.slice_ns) end
  if type(ns) ~= "number" or ns ~= ns or ns <= 0 or ns == huge then
    frame.invalid = bor(frame.invalid, kBadSlice)
    return
  end
  if ns < SLICE_MIN then ns = SLICE_MIN; frame.clamped = 1 end
  if ns > SLICE_MAX then ns = SLICE_MAX; frame.clamped = 1 end
  frame.slice_ns = floor(ns)
end
local ctx = proxy("ctx", {
  task = function() return task end,
  dsq = function(_, n)
    if n == nil then return frame.dsq end
    if n == REALTIME or n == BATCH or n == DEFAULT then frame.dsq = n
    else frame.invalid = bor(frame.invalid, kBadDsq) end
  end,
  slice = slice,
  slice_ns = slice,
  cpu = function(_, n)
    if n == nil then return frame.cpu end
    if type(n) == "number" and n < nr_cpus and allowed(n) then frame.cpu = n
    else frame.invalid = bor(frame.invalid, kBadCpu) end
  end,
  -- run on an idle CPU of LLC n (chosen by the dispatcher, SMT-aware, within the allowed CPUs)
  llc = function(_, n)
    if n == nil then return frame.llc end
    if type(n) == "number" and n == floor(n) and n >= 0 and n < nr_llcs then frame.llc = n
    else frame.invalid = bor(frame.invalid, kBadLlc) end
  end,
})

-- modules -----------------------------------------------------------------------------------------
local attached = nil
local sched = { REALTIME = REALTIME, BATCH = BATCH, DEFAULT = DEFAULT }
function sched.attach(fn)
  if type(fn) ~= "function" then error("sched.attach expects a function, got " .. type(fn), 2) end
  attached = fn
end
local scx = { SLICE_DFL = 20000000, SLICE_MIN = SLICE_MIN, SLICE_MAX = SLICE_MAX }
local ts = ffi.new("struct lsf_timespec")
local linux = {}
function linux.nr_cpus() return nr_cpus end
function linux.nr_llcs() return nr_llcs end
function linux.llc_of(cpu) return cpu_llc[cpu] end
function linux.time()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e9 + tonumber(ts.tv_nsec)
end
local modules = { sched = sched, scx = scx, linux = linux }

-- sandbox -----------------------------------------------------------------------------------------
local function copy(t, skip)
  local c = {}
  for k, v in pairs(t) do if not (skip and skip[k]) then c[k] = v end end
  return c
end
string.dump = nil  -- also unreachable through ("").dump: the string metatable indexes this table
local env = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  xpcall = xpcall, select = select, tonumber = tonumber, tostring = tostring, type = type,
  unpack = unpack, rawequal = rawequal, rawget = rawget, rawset = rawset, rawlen = rawlen,
  setmetatable = setmetatable, getmetatable = getmetatable,
  string = copy(string), table = copy(table), math = copy(math), bit = copy(bit),
  coroutine = copy(coroutine),
  REALTIME = REALTIME, BATCH = BATCH, DEFAULT = DEFAULT,
}
env._G = env
function env.require(name)
  local mod = modules[name]
  if mod == nil then
    error("module '" .. tostring(name) .. "' not available in the policy sandbox (only sched, scx, linux)", 2)
  end
  return mod
end
function env.print(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  log(table.concat(parts, "\t"))
end

local function trampoline()
  return attached(ctx)
end
local function has_attached() return attached ~= nil end
-- Paid by every loop iteration and function call of the policy (see loop_guard.h); the budget is
-- reset before every decision. Small enough to be inlined into JIT traces.
local function tick()
  local b = frame.budget - 1
  frame.budget = b
  if b < 0 then error("instruction limit exceeded (endless loop?)", 2) end
end
return env, trampoline, has_attached, tick
