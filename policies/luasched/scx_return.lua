-- luasched's current dialect: the callback registered with scx.attach RETURNS the decision,
-- `return dsq, slice` (a nil slice is SLICE_DFL); ctx only gives the task. Also reads
-- task:runtime() and task:cpu(). Written for luasched-fast's conformance tests; runs unmodified on
-- luasched.
local scx = require("scx")
local ext = require("linux.scx")

local DSQ_REALTIME, DSQ_BATCH, DSQ_DEFAULT = 0, 1, 2
local HOUR = 3600 * 1000000000

scx.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  if comm:find("^nginx") then
    return DSQ_REALTIME, 1000000
  elseif comm:find("^firefox") then
    return DSQ_BATCH, 10000000
  elseif task:cpu() == 0 and task:runtime() > HOUR then
    return DSQ_BATCH   -- an hour of CPU already: a batch job (SLICE_DFL)
  end
  return DSQ_DEFAULT, ext.SLICE_DFL
end)
