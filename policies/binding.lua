-- Privileged binding: builds the policy API (sched, scx, linux, ctx, task) and the sandbox.
-- Runs once per engine with the full standard library; the policy itself never sees ffi, io, os,
-- debug or jit. Called as binding(frame_lightuserdata, log_cfunction, nr_cpus, slice_min_ns,
-- slice_max_ns) and returns (env, trampoline, has_attached, tick): `env` is the policy's global
-- table, `trampoline()` runs the attached function on the preallocated frame, `tick` is the loop
-- guard's budget check.
local frame_ud, log, nr_cpus, SLICE_MIN, SLICE_MAX = ...
local ffi = require("ffi")

ffi.cdef[[
/* Field names carry a leading underscore: on cdata, fields shadow methods of the same name. */
struct lsf_miss {
  uint64_t _seq, _enq_ns, _cgroup_id;
  uint64_t _cpus_allowed[4];
  int32_t _pid, _tgid, _ppid;
  uint32_t _uid, _gid;
  int32_t _prio, _nice, _prev_cpu;
  uint32_t _policy_gen, _flags, _nr_cpus_allowed, _pad;
  char _comm[16];
  char _pcomm[16];
};
struct lsf_frame {
  const struct lsf_miss *_miss;
  uint64_t _slice_ns;
  int32_t _cpu;
  uint32_t _dsq;
  uint32_t _invalid;
  uint32_t _clamped;
  void *_engine;
  const char *(*_cgroup_fn)(void *engine, int32_t pid);
  int32_t _budget;
  uint32_t _pad;
};
struct lsf_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct lsf_timespec *tp);
]]

local REALTIME, BATCH, DEFAULT = 1, 2, 3
local kBadDsq, kBadSlice, kBadCpu = 1, 2, 4

local frame = ffi.cast("struct lsf_frame *", frame_ud)
local ffi_string, band, rshift, tonumber, type = ffi.string, bit.band, bit.rshift, tonumber, type
local floor, huge = math.floor, math.huge

-- task: methods on the miss record (read-only view) ------------------------------------------------
local Task = {}
Task.__index = Task
function Task.comm(t) return ffi_string(t._comm) end
function Task.pcomm(t) return ffi_string(t._pcomm) end
function Task.pid(t) return t._pid end
function Task.tgid(t) return t._tgid end
function Task.ppid(t) return t._ppid end
function Task.uid(t) return t._uid end
function Task.gid(t) return t._gid end
function Task.prio(t) return t._prio end
function Task.nice(t) return t._nice end
function Task.cpu(t) return t._prev_cpu end
function Task.nr_cpus_allowed(t) return t._nr_cpus_allowed end
local function allowed(t, n)
  if type(n) ~= "number" or n ~= floor(n) or n < 0 or n >= 256 then return false end
  return band(rshift(t._cpus_allowed[floor(n / 64)], n % 64), 1ULL) ~= 0ULL
end
Task.cpu_allowed = allowed
function Task.cgroup(t)
  local s = frame._cgroup_fn(frame._engine, t._pid)
  return s ~= nil and ffi_string(s) or ""
end
Task.__metatable = false
ffi.metatype("struct lsf_miss", Task)

-- ctx: the call frame -----------------------------------------------------------------------------
local Ctx = {}
Ctx.__index = Ctx
function Ctx.task(c) return c._miss end
function Ctx.dsq(c, n)
  if n == nil then return c._dsq end
  if n == REALTIME or n == BATCH or n == DEFAULT then c._dsq = n
  else c._invalid = bit.bor(c._invalid, kBadDsq) end
end
local function slice(c, ns)
  if ns == nil then return tonumber(c._slice_ns) end
  if type(ns) ~= "number" or ns ~= ns or ns <= 0 or ns == huge then
    c._invalid = bit.bor(c._invalid, kBadSlice)
    return
  end
  if ns < SLICE_MIN then ns = SLICE_MIN; c._clamped = 1 end
  if ns > SLICE_MAX then ns = SLICE_MAX; c._clamped = 1 end
  c._slice_ns = floor(ns)
end
Ctx.slice = slice
Ctx.slice_ns = slice
function Ctx.cpu(c, n)
  if n == nil then return c._cpu end
  if type(n) == "number" and n == floor(n) and n >= 0 and n < nr_cpus and allowed(c._miss, n) then c._cpu = n
  else c._invalid = bit.bor(c._invalid, kBadCpu) end
end
Ctx.__metatable = false
ffi.metatype("struct lsf_frame", Ctx)

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
  local m = modules[name]
  if m == nil then
    error("module '" .. tostring(name) .. "' not available in the policy sandbox (only sched, scx, linux)", 2)
  end
  return m
end
function env.print(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  log(table.concat(parts, "\t"))
end

local function trampoline()
  return attached(frame)
end
local function has_attached() return attached ~= nil end
-- Paid by every loop iteration and function call of the policy (see loop_guard.h); the budget is
-- reset before every decision. Small enough to be inlined into JIT traces.
local function tick()
  local b = frame._budget - 1
  frame._budget = b
  if b < 0 then error("instruction limit exceeded (endless loop?)", 2) end
end
return env, trampoline, has_attached, tick
