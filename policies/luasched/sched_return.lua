-- luasched's current dialect with the sched module: sched.attach, a callback that returns
-- `dsq, slice`, nothing for a task it has no opinion on (the scheduler then decides: DEFAULT).
-- Written for luasched-fast's conformance tests; runs unmodified on luasched.
local sched = require("sched")
local scx = require("linux.scx")

local function policy(ctx)
  local comm = ctx:task():comm()
  if string.find(comm, "nginx", 1, true) == 1 then
    return REALTIME, 1000000
  end
  if string.find(comm, "firefox", 1, true) == 1 then
    return BATCH, 10000000
  end
  return nil, scx.SLICE_DFL   -- nil dsq: the global queue, DEFAULT here
end

sched.attach(policy)
