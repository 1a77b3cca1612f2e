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
# dump_online DUMP: the online CPU count in the scheduler's line of a sysrq-D dump
dump_online() { sed -n 's/.*luasched-fast: policy_gen=.* online=\([0-9]*\) .*/\1/p' "$1" | tail -1; }
online=/sys/devices/system/cpu/cpu1/online
[ -w $online ] || { echo "no CPU hotplug in this kernel"; exit 1; }

# The scheduler's view of the online CPUs is what the kernel's is at attach: CPU 1 goes offline
# after the BPF object is loaded and before it is attached (the window widened by a fault), then a
# task targeted at CPU 1 must still run (not wait on CPU 1's queue until the watchdog ejects).
say "CPU 1 offline between load and attach"
LUASCHED_FAULTS=attach-delay-ms=3000 luasched-fast --cpu 0 --policy /tmp/target.lua --stats 0 > /tmp/lsf0.log 2>&1 &
lp=$!
i=0; while ! grep -q 'attaching in' /tmp/lsf0.log && [ $i -lt $((LSF_START_S * 10)) ]; do sleep 0.1; i=$((i + 1)); done
echo 0 > $online
check "loaded, CPU 1 offline before the attach" grep -q 'attaching in' /tmp/lsf0.log
wait_state enabled 10
lsf-probe 3 --name targeted --sleep-us 1000 > /tmp/w.json
cat /tmp/w.json
check_ge "a task targeted at the offline CPU ran (cpu ms)" "$(int "$(json_num cpu_ms /tmp/w.json)")" 100
gap=$(int "$(json_num max_gap_ms /tmp/w.json)")
check "it never waited 1 s (longest ${gap} ms)" [ "${gap:-99999}" -lt 1000 ]
check_eq "still enabled (no watchdog ejection)" "$(scx_state)" enabled
scx_dump /tmp/d1.txt
check_eq "the scheduler counts 3 online CPUs (sysrq-D dump)" "$(dump_online /tmp/d1.txt)" 3
echo 1 > $online
sleep 1
scx_dump /tmp/d2.txt
check_eq "and 4 once CPU 1 is back" "$(dump_online /tmp/d2.txt)" 4
kill -INT $lp; wait $lp
grep -E '^(sched_ext exit|luasched-fast)' /tmp/lsf0.log

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
