-- Example policy for a build machine: compile jobs get long slices; the shell and sshd stay snappy.
--   sshd, shells, tmux                 -> REALTIME, 1 ms slices (you can still type during -j64)
--   compilers and linkers              -> BATCH, 50 ms slices (fewer switches, warmer caches)
--   build drivers (make, ninja, cargo) -> DEFAULT, 5 ms slices
local sched = require("sched")

local interactive = { sshd = true, bash = true, zsh = true, fish = true, tmux = true, screen = true }
local compilers = { cc1 = true, cc1plus = true, rustc = true, ld = true, ["ld.gold"] = true, ["ld.lld"] = true,
                    as = true, clang = true, ["clang++"] = true, javac = true, go = true, ["lto1"] = true }

local MS = 1000000

sched.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  if interactive[comm] then
    ctx:dsq(REALTIME); ctx:slice(1 * MS)
  elseif compilers[comm] or compilers[task:pcomm()] then
    ctx:dsq(BATCH); ctx:slice(50 * MS)
  else
    ctx:dsq(DEFAULT); ctx:slice(5 * MS)
  end
end)
