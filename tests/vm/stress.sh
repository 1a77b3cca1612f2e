# Guest: 45 s of stress-ng CPU/fork/affinity churn plus an exec storm under luasched-fast: no
# ejection, every worker finishes, every short process ran.
. /opt/lsf/guest_lib.sh

POLICY=/opt/lsf/policies/workload.lua
SECS=${1:-45}
EXECS=${2:-3000}
GAP_MS=${3:-1000}   # longest wait allowed to a DEFAULT probe: the ~160 ms bound plus emulation slack
luasched-fast --cpu 0 --policy $POLICY --stats 10 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled

n=$(nproc)
say "stress-ng --aggressive: $n cpu, $n fork, $n affinity workers for ${SECS}s; exec storm of $EXECS processes"
timeout $((SECS + 60)) stress-ng --aggressive --cpu "$n" --fork "$n" --affinity "$n" --timeout "${SECS}s" \
  --metrics-brief > /tmp/stress.log 2>&1 &
sp=$!
lsf-probe "$SECS" --name probe --sleep-us 1000 > /tmp/probe.json & pp=$!
# exec storm: each /bin/echo is a fresh process (busybox applet via exec); count completions
( i=0; while [ $i -lt "$EXECS" ]; do /bin/echo $i > /dev/null || break; i=$((i + 1)); done; echo "$i" > /tmp/execs ) &
ep=$!
wait $ep
wait $sp; src=$?
wait $pp
cat /tmp/probe.json
cat /tmp/stress.log | grep -E 'stress-ng: (info|fail|error)' | head -20

check_eq "exec storm completed every process" "$(cat /tmp/execs)" "$EXECS"
check_eq "stress-ng exit status" "$src" 0
check "stress-ng reports a successful run" grep -q 'successful run completed' /tmp/stress.log
check_eq "still enabled after the load" "$(scx_state)" enabled
gap=$(int "$(json_num max_gap_ms /tmp/probe.json)")
check "a DEFAULT probe never waited past ${GAP_MS} ms (longest ${gap} ms)" [ "${gap:-99999}" -le "$GAP_MS" ]
sleep 1.5
cat /run/luasched-fast.stats.json; echo
kill -INT $lp; wait $lp; rc=$?
grep -E '^(stats|sched_ext exit|luasched-fast)' /tmp/lsf.log | tail -3
check_eq "no watchdog ejection (dispatcher exit 0)" "$rc" 0
check "clean unregister" grep -q 'sched_ext exit: kind=64' /tmp/lsf.log
finish
