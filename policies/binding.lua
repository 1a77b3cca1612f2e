-- Privileged binding: builds the policy API (sched, scx, linux, ctx, task) and the sandbox.
-- Runs once per engine with the full standard library; the policy itself never sees ffi, io, os,
-- debug or jit. Called as binding(frame_lightuserdata, log_cfunction, nr_cpus, slice_min_ns,
-- slice_max_ns, cpu_llc, patterns, memory_limit, note_caller_line) (cpu_llc: table CPU -> LLC index, from the topology;
-- patterns: the bounded find/match/gmatch/gsub, policies/bounded_pattern.h; memory_limit: the
-- state's allocation cap, bytes; note_caller_line: sets frame.class_line to the line of its
-- caller's caller) and returns
-- (env, trampoline, has_attached, tick): `env` is the policy's global table, `trampoline()` runs
-- the attached function on the preallocated frame, `tick` is the loop guard's budget check.
--
-- Class ids: the policy sees luasched's DSQ ids (REALTIME 0, BATCH 1, DEFAULT 2); the frame holds
-- the BPF contract's enum lsf_class (LSF_CLASS_*; LSF_CLASS_NONE = not set). Only this file maps
-- between them.
local frame_ud, log, nr_cpus, SLICE_MIN, SLICE_MAX, cpu_llc, patterns, memory_limit, note_caller_line = ...
local nr_llcs = 1
for _, l in pairs(cpu_llc) do if l + 1 > nr_llcs then nr_llcs = l + 1 end end
local ffi = require("ffi")

ffi.cdef[[
/* struct lsf_miss (bpf/intf.h) and struct lsf_frame (policies/frame.h: the frame policy_engine.cc
   shares with this chunk), generated at build time (policies/ffi_cdef.cmake) and spliced in here by
   policies/embed.cmake; their layout is checked against the C++ compiler's at build time
   (policies/ffi_layout_check.cc). Only this chunk ever holds these cdata: the policy gets opaque
   proxies (raw cdata would allow pointer arithmetic and field writes, i.e. arbitrary memory access
   in a root process). */
/* @LSF_FFI_CDEF@ */
struct lsf_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct lsf_timespec *tp);
]]

-- The constants of enum lsf_class (bpf/intf.h) and enum lsf_frame_bad (policies/frame.h, the bits
-- of frame.invalid), generated the same way.
-- @LSF_FFI_CONSTANTS@

-- luasched's ids, as the policy sees them.
local REALTIME, BATCH, DEFAULT = 0, 1, 2
local SLICE_DFL = 20000000  -- SCX_SLICE_DFL
-- sched_ext's built-in DSQs (the kernel's ids, 2^63 + 1 and + 2, are not exact in a Lua number):
-- the global FIFO is DEFAULT here, a CPU's local queue (served before anything else) REALTIME.
local DSQ_GLOBAL, DSQ_LOCAL = 0x1000000000001, 0x1000000000002
local to_class = { [REALTIME] = LSF_CLASS_REALTIME, [BATCH] = LSF_CLASS_BATCH,
                   [DEFAULT] = LSF_CLASS_DEFAULT, [DSQ_GLOBAL] = LSF_CLASS_DEFAULT,
                   [DSQ_LOCAL] = LSF_CLASS_REALTIME }
local from_class = { [LSF_CLASS_REALTIME] = REALTIME, [LSF_CLASS_BATCH] = BATCH, [LSF_CLASS_DEFAULT] = DEFAULT }

local frame = ffi.cast("struct lsf_frame *", frame_ud)
local m = frame.miss  -- reference to the embedded record: fixed address, refilled by every Decide
local ffi_string, band, bor, bnot, rshift, tonumber, type = ffi.string, bit.band, bit.bor, bit.bnot, bit.rshift,
  tonumber, type
local floor, huge = math.floor, math.huge
local getinfo = debug.getinfo  -- the binding's own: the policy never sees `debug`

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
  if type(n) ~= "number" or n ~= floor(n) or n < 0 or n >= nr_cpus then return false end
  return band(rshift(m.cpus_allowed[floor(n / 64)], n % 64), 1ULL) ~= 0ULL
end
-- Every getter marks the field it read (frame.reads, enum lsf_task_read: `luasched-fast why` shows
-- them). Fields a fork does not share with its parent also mark the decision (frame.varies): only a
-- decision that read none of them may be a fork's own verdict too (bpf/verdict.h, --fork inherit).
local function read(b) frame.reads = bor(frame.reads, b) end
local function varies(b) frame.reads = bor(frame.reads, b); frame.varies = 1 end
local task = proxy("task", {
  comm = function() read(LSF_READ_COMM); return ffi_string(m.comm) end,
  pcomm = function() varies(LSF_READ_PCOMM); return ffi_string(m.pcomm) end,
  pid = function() varies(LSF_READ_PID); return m.pid end,
  tgid = function() varies(LSF_READ_TGID); return m.tgid end,
  ppid = function() varies(LSF_READ_PPID); return m.ppid end,
  uid = function() read(LSF_READ_UID); return m.uid end,
  gid = function() read(LSF_READ_GID); return m.gid end,
  prio = function() read(LSF_READ_PRIO); return m.prio end,
  nice = function() read(LSF_READ_NICE); return m.nice end,
  -- luasched: 1 if the task is running on a CPU, else 0. A task being classified here is parked
  -- waiting for its verdict, never running.
  cpu = function() read(LSF_READ_CPU); return 0 end,
  -- luasched: CPU time the task has run, ns. Read by the engine only when asked (/proc).
  runtime = function() varies(LSF_READ_RUNTIME); return frame.runtime_fn(frame.engine, m.pid) end,
  prev_cpu = function() varies(LSF_READ_PREV_CPU); return m.prev_cpu end,
  nr_cpus_allowed = function() read(LSF_READ_NR_CPUS_ALLOWED); return m.nr_cpus_allowed end,
  llc = function() varies(LSF_READ_LLC); return cpu_llc[m.prev_cpu] or 0 end,
  cpu_allowed = function(_, n) read(LSF_READ_CPU_ALLOWED); return allowed(n) end,
  -- Computed by the engine only when asked (it may read /proc).
  cgroup = function()
    read(LSF_READ_CGROUP)
    local s = frame.cgroup_fn(frame.engine, m.pid)
    return s ~= nil and ffi_string(s) or ""
  end,
})

-- ctx: the verdict being built; setters validate, getters (no argument) return the value so far
local function slice(_, ns)
  if ns == nil then return tonumber(frame.slice_ns) end
  if type(ns) ~= "number" or ns ~= ns or ns <= 0 or ns == huge then
    frame.invalid = bor(frame.invalid, LSF_BAD_SLICE)
    return
  end
  if ns < SLICE_MIN then ns = SLICE_MIN; frame.clamped = 1 end
  if ns > SLICE_MAX then ns = SLICE_MAX; frame.clamped = 1 end
  frame.slice_ns = floor(ns)
end
local function set_dsq(n)
  local c = to_class[n]
  if c then frame.dsq = c else frame.invalid = bor(frame.invalid, LSF_BAD_DSQ) end
end
local ctx = proxy("ctx", {
  task = function() return task end,
  dsq = function(_, n)
    if n == nil then return from_class[frame.dsq] end
    set_dsq(n)
    -- frame.class_line = the policy's line that called this (a C function of the engine: the JIT
    -- stitches around it, where debug.getinfo would stop compiling the policy)
    note_caller_line()
  end,
  slice = slice,
  slice_ns = slice,
  cpu = function(_, n)
    if n == nil then return frame.cpu end
    if type(n) == "number" and n < nr_cpus and allowed(n) then frame.cpu = n
    else frame.invalid = bor(frame.invalid, LSF_BAD_CPU) end
  end,
  -- run on an idle CPU of LLC n (chosen by the dispatcher, SMT-aware, within the allowed CPUs)
  llc = function(_, n)
    if n == nil then return frame.llc end
    if type(n) == "number" and n == floor(n) and n >= 0 and n < nr_llcs then frame.llc = n
    else frame.invalid = bor(frame.invalid, LSF_BAD_LLC) end
  end,
})

-- modules -----------------------------------------------------------------------------------------
local attached, ever_attached = nil, false
-- The first line of each attached function: where a returned class came from (the line of the
-- `return` itself is not known without a per-return hook).
local linedefined = setmetatable({}, { __mode = "k" })
local function attach(fn)
  if type(fn) ~= "function" then error("attach expects a function, got " .. type(fn), 2) end
  attached, ever_attached = fn, true
  linedefined[fn] = getinfo(fn, "S").linedefined
end
local function detach() attached = nil end
local sched = { REALTIME = REALTIME, BATCH = BATCH, DEFAULT = DEFAULT, attach = attach, detach = detach }
-- One table for the global `scx`, require("scx") (attach/detach) and require("linux.scx") (constants).
local scx = { SLICE_DFL = SLICE_DFL, SLICE_MIN = SLICE_MIN, SLICE_MAX = SLICE_MAX, DSQ_GLOBAL = DSQ_GLOBAL,
              DSQ_LOCAL = DSQ_LOCAL, REALTIME = REALTIME, BATCH = BATCH, DEFAULT = DEFAULT,
              attach = attach, detach = detach }
local ts = ffi.new("struct lsf_timespec")
local linux = {}
function linux.nr_cpus() return nr_cpus end
function linux.nr_llcs() return nr_llcs end
function linux.llc_of(cpu) return cpu_llc[cpu] end
function linux.time()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e9 + tonumber(ts.tv_nsec)
end
local modules = { sched = sched, scx = scx, ["linux.scx"] = scx, linux = linux }

-- sandbox -----------------------------------------------------------------------------------------
local function copy(t, skip)
  local c = {}
  for k, v in pairs(t) do if not (skip and skip[k]) then c[k] = v end end
  return c
end
string.dump = nil  -- also unreachable through ("").dump: the string metatable indexes this table
-- Every library call must end within the decision budget. Pattern functions run on a matcher that
-- pays each step into it; calls whose cost grows with a table's size pay for it up front. Large
-- results (string.rep, table.concat, string.format, ..) need large allocations, which the engine's
-- allocator refuses past the deadline, and which the memory cap bounds.
local plain_find = string.find  -- LuaJIT's: compiled by the JIT for a pattern without specials
for k, f in pairs(patterns) do string[k] = f end
do
  -- Fast path, kept for the JIT: a pattern without special characters on a short subject is a
  -- plain search (bounded by #s * #p). Whether a pattern is plain is remembered (at most 512).
  local bounded_find, is_plain, nplain = patterns.find, {}, 0
  function string.find(s, p, init, plain)
    if type(s) == "string" and type(p) == "string" and #s <= 4096 and #p <= 64 then
      local ok = plain or is_plain[p]
      if ok == nil then
        ok = not bounded_find(p, "[%^%$%*%+%?%.%(%[%%%-]")
        if nplain < 512 then is_plain[p] = ok; nplain = nplain + 1 end
      end
      if ok then return plain_find(s, p, init, true) end
    end
    return bounded_find(s, p, init, plain)
  end
end
local function charge(n)
  local b = frame.budget - n
  frame.budget = b
  if b < 0 then error("instruction limit exceeded (a library call on a large table)", 3) end
end
do
  local sort, insert, remove, concat, floor_ = table.sort, table.insert, table.remove, table.concat, math.floor
  local function size(t) return type(t) == "table" and #t or 0 end
  function table.sort(t, ...)
    local n = size(t)
    if n > 1 then charge(floor_(n * (math.log(n) / math.log(2)) / 4)) end
    return sort(t, ...)
  end
  function table.insert(t, ...)
    if select("#", ...) >= 2 then charge(floor_(size(t) / 16)) end
    return insert(t, ...)
  end
  function table.remove(t, ...)
    charge(floor_(size(t) / 16))
    return remove(t, ...)
  end
  local rep, tostring_ = string.rep, tostring
  -- Its size is known up front: past the memory cap it is the allocation error at once, otherwise
  -- it pays for its bytes. Many small repetitions are copied as large blocks (LuaJIT copies one
  -- repetition at a time, which for 10^7 of them is far past the budget).
  function string.rep(s, n, sep)
    if type(n) ~= "number" or n < 1 then return rep(s, n, sep) end
    n = floor_(n)
    local unit = sep ~= nil and tostring_(s) .. tostring_(sep) or tostring_(s)
    local size = #unit * n
    if size > memory_limit then error("not enough memory (string.rep of " .. size .. " bytes)", 2) end
    charge(floor_(size / 256))
    local last = ""
    if sep ~= nil then n, last = n - 1, tostring_(s) end  -- s sep s sep ... s
    if n <= 4096 or #unit == 1 then return rep(unit, n) .. last end
    local block = rep(unit, 4096)
    return rep(block, floor_(n / 4096)) .. rep(unit, n % 4096) .. last
  end
  function table.concat(t, sep, i, j)
    charge(floor_(((j or size(t)) - (i or 1)) / 16))
    return concat(t, sep, i, j)
  end
end
local env = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  xpcall = xpcall, select = select, tonumber = tonumber, tostring = tostring, type = type,
  unpack = unpack, rawequal = rawequal, rawget = rawget, rawset = rawset, rawlen = rawlen,
  setmetatable = setmetatable, getmetatable = getmetatable,
  string = copy(string), table = copy(table), math = copy(math), bit = copy(bit),
  coroutine = copy(coroutine),
  REALTIME = REALTIME, BATCH = BATCH, DEFAULT = DEFAULT, scx = scx,
}
env._G = env
function env.require(name)
  local mod = modules[name]
  if mod == nil then
    error("module '" .. tostring(name) .. "' not available in the policy sandbox (only sched, scx, linux.scx, linux)", 2)
  end
  return mod
end
function env.print(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  log(table.concat(parts, "\t"))
end

-- Runs the attached function. Two contracts, as in luasched: the function sets the decision with
-- ctx:dsq/ctx:slice, or returns it (`return dsq, slice`). A returned decision wins over the ctx
-- calls: a nil dsq is the global queue (DEFAULT), a nil slice SLICE_DFL. Returning nothing (or
-- nil, nil) keeps what ctx got, possibly nothing: no verdict. Detached: no verdict.
local function trampoline()
  local fn = attached
  if fn == nil then return end
  local d, s = fn(ctx)
  if d == nil and s == nil then return end
  frame.invalid = band(frame.invalid, bnot(LSF_BAD_DSQ + LSF_BAD_SLICE))
  frame.clamped = 0
  frame.slice_ns = 0
  frame.dsq = LSF_CLASS_DEFAULT
  frame.return_line = linedefined[fn] or 0
  if d ~= nil then set_dsq(d) end
  slice(nil, s == nil and SLICE_DFL or s)
end
local function has_attached() return ever_attached end
-- Paid by every loop iteration and function call of the policy (see loop_guard.h); the budget is
-- reset before every decision. Every 64 ticks it also asks the engine whether the decision is past
-- its deadline. Small enough to be inlined into JIT traces.
local function tick()
  local b = frame.budget - 1
  frame.budget = b
  if b < 0 then error("instruction limit exceeded (endless loop?)", 2) end
  if band(b, 63) == 0 and frame.expired_fn(frame.engine) ~= 0 then
    error("decision budget exceeded (deadline)", 2)
  end
end
return env, trampoline, has_attached, tick
