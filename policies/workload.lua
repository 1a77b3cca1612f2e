-- Example policy from luasched: web workers first, the browser in the background, the rest as usual.
--   nginx workers -> REALTIME with 1 ms slices
--   firefox       -> BATCH with 10 ms slices
--   everything else -> DEFAULT with the default slice
-- Runs unmodified on luasched (Lunatik) and on luasched-fast.
local sched = require("sched")
local scx = require("scx")

sched.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  if comm:find("nginx") then
    ctx:dsq(REALTIME)
    ctx:slice(1000000)
  elseif comm:find("firefox") then
    ctx:dsq(BATCH)
    ctx:slice(10000000)
  else
    ctx:dsq(DEFAULT)
    ctx:slice(scx.SLICE_DFL)
  end
end)
