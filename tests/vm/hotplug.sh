# Guest (4 vCPUs): CPU 1 goes offline and back while tasks run, with a policy that targets CPU 1.
# The scheduler stays loaded (hotplug callbacks), nothing waits on the offline CPU's queue, and the
# dispatcher never exits 0 while the machine silently falls back to the default scheduler.
. /opt/lsf/guest_lib.sh
cat > /tmp/target.lua <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  if ctx:task():comm() == "targeted" then ctx:dsq(DEFAULT); ctx:cpu(1) else ctx:dsq(DEFAULT) end
end)
LUA
online=/sys/devices/system/cpu/cpu1/online
[ -w $online ] || { echo "no CPU hotplug in this kernel"; exit 1; }
luasched-fast --cpu 0 --policy /tmp/target.lua --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
say "targeted and plain probes for 12 s; CPU 1 offline at +2 s, online at +7 s"
lsf-probe 12 --name targeted --sleep-us 1000 > /tmp/t1.json & a=$!
lsf-probe 12 --name targeted > /tmp/t2.json & b=$!
lsf-probe 12 --name plain --sleep-us 1000 > /tmp/p1.json & c=$!
sleep 2
echo 0 > $online
check_eq "CPU 1 is offline" "$(cat $online)" 0
sleep 1
check_eq "still enabled with CPU 1 offline" "$(scx_state)" enabled
lsf-probe 2 --name targeted > /tmp/t3.json   # classified while CPU 1 is offline
sleep 2
echo 1 > $online
check_eq "CPU 1 is back" "$(cat $online)" 1
sleep 1
check_eq "still enabled after CPU 1 came back" "$(scx_state)" enabled
wait $a $b $c
for f in t1 t2 t3 p1; do
  cat /tmp/$f.json
  check_ge "$f ran (cpu ms)" "$(int "$(json_num cpu_ms /tmp/$f.json)")" 100
  gap=$(int "$(json_num max_gap_ms /tmp/$f.json)")
  check "$f: longest wait ${gap} ms < 1000 ms (not stranded on the offline CPU)" [ "$gap" -lt 1000 ]
done
sleep 1.5
check_ge "hotplug events seen by the scheduler" "$(lsf_stat hotplug)" 2
check "dispatcher still running" kill -0 $lp
kill -INT $lp; wait $lp; rc=$?
grep -E '^(sched_ext exit|luasched-fast)' /tmp/lsf.log
check_eq "clean stop at the end (exit 0)" "$rc" 0
finish
