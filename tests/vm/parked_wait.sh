# Guest (idle VM): new tasks whose verdict never comes (the kick program off and the dispatcher
# stopped with SIGSTOP: alive a moment ago, so it counts as present).
#   MODE wait (--miss wait): each new task parks for its verdict and is released by the BPF timer
#     alone, within the deadline plus the timer's idle period (bpf/transport.bpf.h).
#   MODE run (the default): no task waits at all: each runs by its provisional verdict at once, and
#     no deadline fallback happens.
# usage: parked_wait.sh N BOUND_MS MODE
. /opt/lsf/guest_lib.sh
N=${1:-300}
BOUND_MS=${2:-300}  # wait: 20 ms deadline + 50 ms idle timer period; the rest is slack for emulation
MODE=${3:-wait}
set --
[ "$MODE" = run ] || set -- --miss "$MODE"
LUASCHED_FAULTS=no-kick luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 "$@" > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
check "the kick program is off" grep -q "no syscall kick" /tmp/lsf.log
sleep 1
worst=0; total=0; i=0
# Each round: stop the dispatcher, start one new process at once (a miss the dispatcher was alive
# for < 500 ms ago), time it, resume the dispatcher so its heartbeat is fresh for the next round.
while [ $i -lt "$N" ]; do
  kill -STOP $lp
  read -r u0 _ < /proc/uptime   # builtins only: no process of its own that would miss too
  /bin/true
  read -r u1 _ < /proc/uptime
  kill -CONT $lp
  ms=$(( (${u1%.*}${u1#*.} - ${u0%.*}${u0#*.}) * 10 ))  # centiseconds -> ms
  [ $ms -gt $worst ] && worst=$ms
  total=$((total + ms))
  i=$((i + 1))
  sleep 0.05
done
say "$N starts without a verdict ($MODE): worst ${worst} ms, mean $((total / N)) ms"
echo "{\"mode\": \"$MODE\", \"starts\": $N, \"worst_ms\": $worst, \"mean_ms\": $((total / N))}"
sleep 1.5
fb=$(lsf_stat fallback_deadline)
if [ "$MODE" = wait ]; then
  check_ge "tasks did wait for verdicts that never came (fallback_deadline)" "$fb" 1
else
  check_eq "no task waited for a verdict (fallback_deadline)" "$fb" 0
fi
check "every start finished within ${BOUND_MS} ms (worst ${worst} ms)" [ "$worst" -le "$BOUND_MS" ]
check_eq "still enabled" "$(scx_state)" enabled
kill -INT $lp; wait $lp; rc=$?
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
