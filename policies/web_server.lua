-- Example policy for a web server box: request workers first, background work never in their way.
--   nginx / envoy / haproxy workers  -> REALTIME, 1 ms slices (short bursts, latency-sensitive)
--   databases and caches              -> REALTIME, 2 ms slices
--   backups, log shippers, cron jobs  -> BATCH, 20 ms slices (throughput, yield to requests)
--   everything else                   -> DEFAULT, 4 ms slices
-- A process name proves nothing: any user can start a program called "nginx", or rename a process
-- (prctl PR_SET_NAME) in a loop. So promotion also needs the process to run as a system account
-- (uid < 1000 on Debian: root, www-data, postgres, ...), never as a login user.
local sched = require("sched")

local frontends = { nginx = true, envoy = true, haproxy = true, caddy = true }
local stores = { postgres = true, mysqld = true, ["redis-server"] = true, memcached = true }
local background = { rsync = true, tar = true, gzip = true, zstd = true, logrotate = true,
                     ["filebeat"] = true, ["fluent-bit"] = true, cron = true }

local MS = 1000000
local function system_user(task) return task:uid() < 1000 end

sched.attach(function(ctx)
  local task = ctx:task()
  local comm = task:comm()
  local name = comm:match("^[%w%-]+") or comm     -- "nginx: worker" style titles -> "nginx"
  if (frontends[name] or frontends[task:pcomm()]) and system_user(task) then
    ctx:dsq(REALTIME); ctx:slice(1 * MS)
  elseif stores[name] and system_user(task) then
    ctx:dsq(REALTIME); ctx:slice(2 * MS)
  elseif background[name] or task:nice() > 0 or task:cgroup():find("backup", 1, true) then
    ctx:dsq(BATCH); ctx:slice(20 * MS)
  else
    ctx:dsq(DEFAULT); ctx:slice(4 * MS)
  end
end)
