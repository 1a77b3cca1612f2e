-- Example policy for a web server box: request workers first, background work never in their way.
--   nginx / envoy / haproxy workers  -> REALTIME, 1 ms slices (short bursts, latency-sensitive)
--   databases and caches              -> REALTIME, 2 ms slices
--   backups, log shippers, cron jobs  -> BATCH, 20 ms slices (throughput, yield to requests)
--   everything else                   -> DEFAULT, 4 ms slices
local sched = require("sched")

local frontends = { nginx = true, envoy = true, haproxy = true, caddy = true }
local stores = { postgres = true, mysqld = true, ["redis-server"] = true, memcached = true }
local background = { rsync = true, tar = true, gzip = true, zstd = true, logrotate = true,
                     ["filebeat"] = true, ["fluent-bit"] = true, cron = true }

local MS = 1000000

sched.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  local name = comm:match("^[%w%-]+") or comm     -- "nginx: worker" style titles -> "nginx"
  if frontends[name] or frontends[task:pcomm()] then
    ctx:dsq(REALTIME); ctx:slice(1 * MS)
  elseif stores[name] then
    ctx:dsq(REALTIME); ctx:slice(2 * MS)
  elseif background[name] or task:nice() > 0 or task:cgroup():find("backup", 1, true) then
    ctx:dsq(BATCH); ctx:slice(20 * MS)
  else
    ctx:dsq(DEFAULT); ctx:slice(4 * MS)
  end
end)
