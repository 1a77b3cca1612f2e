# Guest: an RT task (SCHED_FIFO, RT throttling off) takes CPU 1 for SECS. The sched_ext tasks it
# found there (the one it preempted, left at the head of CPU 1's local queue, and whatever select_cpu
# or dispatch had put on that queue) and the tasks targeted at CPU 1 must run on the other CPUs: every
# DEFAULT probe keeps running, never waits past the bound, and the scheduler is not ejected (on 6.12
# a task left on that local queue is a watchdog stall; 7.3's ext deadline server runs it 50 ms a
# second). Usage: rt_release.sh [SECS] [BOUND_MS]
. /opt/lsf/guest_lib.sh
SECS=${1:-8}
BOUND_MS=${2:-500}
echo -1 > /proc/sys/kernel/sched_rt_runtime_us  # no RT throttling: the RT task keeps CPU 1
cat > /tmp/rt.lua <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  ctx:dsq(DEFAULT)
  if ctx:task():comm() == "tprobe" then ctx:cpu(1) end
end)
LUA
start_lsf /tmp/rt.lua
n=$(nproc)
say "$((n + 1)) DEFAULT probes, a sleeping one, one targeted at CPU 1; then SCHED_FIFO on CPU 1 for ${SECS}s"
lsf-probe $((SECS + 3)) --name probe --procs $((n + 1)) > /tmp/p.json & a=$!
lsf-probe $((SECS + 3)) --name wprobe --sleep-us 500 > /tmp/w.json & b=$!
lsf-probe $((SECS + 3)) --name tprobe > /tmp/t.json & c=$!
sleep 2
lsf-probe "$SECS" --name rthog --fifo 50 --pin 1 > /tmp/rt.json & d=$!
wait $a $b $c $d
cat /tmp/p.json /tmp/w.json /tmp/t.json /tmp/rt.json
check_ge "the RT task held CPU 1 (cpu ms)" "$(int "$(json_num cpu_ms /tmp/rt.json)")" $((SECS * 800))
i=0
for f in /tmp/p.json /tmp/w.json /tmp/t.json; do
  while read -r line; do
    echo "$line" > /tmp/one.json
    name=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' /tmp/one.json)$i
    gap=$(int "$(json_num max_gap_ms /tmp/one.json)")
    check "$name: longest wait ${gap} ms <= ${BOUND_MS} ms" [ "$gap" -le "$BOUND_MS" ]
    i=$((i + 1))
  done < $f
done
check_eq "still enabled" "$(scx_state)" enabled
stop_lsf
finish
