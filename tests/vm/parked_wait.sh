# Guest (idle VM): with the kick program off and the dispatcher stopped (SIGSTOP: alive a moment
# ago, so new tasks still park for a verdict that will not come), every new task is released by
# the BPF timer alone, within the deadline plus the timer's idle period (bpf/transport.bpf.h).
. /opt/lsf/guest_lib.sh
N=${1:-300}
BOUND_MS=${2:-300}  # 20 ms deadline + 50 ms idle timer period; the rest is slack for emulation
LUASCHED_FAULTS=no-kick luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
check "the kick program is off" grep -q "no syscall kick" /tmp/lsf.log
sleep 1
worst=0; total=0; i=0
# Each round: stop the dispatcher, start one new process at once (it parks: the dispatcher was
# alive < 500 ms ago), time it, resume the dispatcher so its heartbeat is fresh for the next round.
while [ $i -lt "$N" ]; do
  kill -STOP $lp
  read -r u0 _ < /proc/uptime   # builtins only: no process of its own that would park too
  /bin/true
  read -r u1 _ < /proc/uptime
  kill -CONT $lp
  ms=$(( (${u1%.*}${u1#*.} - ${u0%.*}${u0#*.}) * 10 ))  # centiseconds -> ms
  [ $ms -gt $worst ] && worst=$ms
  total=$((total + ms))
  i=$((i + 1))
  sleep 0.05
done
say "$N parked starts: worst ${worst} ms, mean $((total / N)) ms"
sleep 1.5
check_ge "tasks did wait for verdicts that never came (fallback_deadline)" "$(lsf_stat fallback_deadline)" 1
check "every parked start finished within ${BOUND_MS} ms (worst ${worst} ms)" [ "$worst" -le "$BOUND_MS" ]
check_eq "still enabled" "$(scx_state)" enabled
kill -INT $lp; wait $lp; rc=$?
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
