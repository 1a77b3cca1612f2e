-- luasched's second dialect: require("linux.scx") for the constants, the DSQ ids as local numbers
-- (REALTIME 0, BATCH 1, DEFAULT 2: the queues its BPF side creates), ctx:dsq and ctx:slice, Lua 5.4
-- <const> locals. Written for luasched-fast's conformance tests; runs unmodified on luasched.
local sched = require("sched")
local scx = require("linux.scx")

local REALTIME <const> = 0
local BATCH <const> = 1
local DEFAULT <const> = 2

local classes = {
  nginx = { dsq = REALTIME, slice = 1000000 },   -- 1 ms
  firefox = { dsq = BATCH, slice = 10000000 },   -- 10 ms
}

local function classify(ctx)
  local task = ctx:task()
  local name = task:comm():match("^(%a+)")
  local class = name and classes[name]
  if class then
    ctx:dsq(class.dsq)
    ctx:slice(class.slice)
  else
    ctx:dsq(DEFAULT)
    ctx:slice(scx.SLICE_DFL)
  end
end

sched.attach(classify)
