-- Policy of luasched-fast in bench/vm: policies/workload.lua, plus compile jobs in BATCH (so BATCH is exercised).
--   comm containing "nginx"           -> REALTIME, 1 ms slices (nginx, and the benchmark's renamed probes)
--   firefox, compilers (tcc, cc1, ld) -> BATCH, 10 ms slices
--   everything else                   -> DEFAULT, the default slice
local sched = require("sched")
local scx = require("scx")

local batch = { firefox = true, tcc = true, cc1 = true, cc1plus = true, ld = true, as = true }

sched.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  if comm:find("nginx") then
    ctx:dsq(REALTIME)
    ctx:slice(1000000)
  elseif batch[comm] or comm:find("firefox") then
    ctx:dsq(BATCH)
    ctx:slice(10000000)
  else
    ctx:dsq(DEFAULT)
    ctx:slice(scx.SLICE_DFL)
  end
end)
