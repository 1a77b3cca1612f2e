-- luasched's first dialect (its README): ctx:dsq and ctx:slice_ns, with REALTIME, BATCH, DEFAULT
-- and scx used as globals, without a require. Written for luasched-fast's conformance tests; runs
-- unmodified on luasched.
--   nginx*   -> REALTIME, 1 ms slices
--   firefox* -> BATCH, 10 ms slices
--   the rest -> DEFAULT, the default slice (scx.SLICE_DFL, 20 ms)
local sched = require("sched")

local rules = {
  { pattern = "^nginx", dsq = REALTIME, slice = 1000000 },
  { pattern = "^firefox", dsq = BATCH, slice = 10000000 },
}

sched.attach(function(ctx)
  local comm = ctx:task():comm()
  for _, rule in ipairs(rules) do
    if comm:match(rule.pattern) then
      ctx:dsq(rule.dsq)
      ctx:slice_ns(rule.slice)
      return
    end
  end
  ctx:dsq(DEFAULT)
  ctx:slice_ns(scx.SLICE_DFL)
end)
