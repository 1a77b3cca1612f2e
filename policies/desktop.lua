-- Example policy for a desktop: the compositor and input stay smooth, builds and indexers wait.
--   compositor, X server, audio         -> REALTIME, 2 ms slices
--   interactive apps (browser, editor)  -> DEFAULT, 4 ms slices
--   compilers, indexers, updaters       -> BATCH, 20 ms slices
local sched = require("sched")

local smooth = { ["gnome-shell"] = true, kwin_wayland = true, kwin_x11 = true, Xorg = true, Xwayland = true,
                 sway = true, pipewire = true, ["pipewire-pulse"] = true, wireplumber = true, pulseaudio = true }
local heavy = { cc1 = true, cc1plus = true, rustc = true, ld = true, ["ld.lld"] = true, make = true, ninja = true,
                tracker = true, ["tracker-miner-f"] = true, baloo_file = true, packagekitd = true, apt = true }

local MS = 1000000

sched.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  if smooth[comm] then
    ctx:dsq(REALTIME); ctx:slice(2 * MS)
  elseif heavy[comm] or task:nice() >= 10 then
    ctx:dsq(BATCH); ctx:slice(20 * MS)
  else
    ctx:dsq(DEFAULT); ctx:slice(4 * MS)
  end
end)
