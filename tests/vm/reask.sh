# Guest: a verdict lost on its way (the verdict queue was full; injected for one task with
# LUASCHED_FAULTS) must not leave the task unclassified for good: after its deadline it runs as
# DEFAULT and its verdict is asked for again; the second answer (REALTIME) takes effect.
. /opt/lsf/guest_lib.sh
cp "$LSF_BIN/lsf-spin" /tmp/nginx-worker
LUASCHED_FAULTS=drop-verdicts=1,drop-comm=nginx-worker \
  luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --log-verdicts --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
sleep 1
say "nginx-worker (REALTIME by policy) whose first verdict is dropped, 4 s"
/tmp/nginx-worker 4 > /dev/null & w=$!
wait $w
sleep 1.5  # the stats file is rewritten every second
cat /run/luasched-fast.stats.json; echo
check_ge "a verdict was dropped (verdicts_queue_full)" "$(lsf_stat verdicts_queue_full)" 1
check_ge "the lost verdict was asked for again (reask)" "$(lsf_stat reask)" 1
kill -INT $lp; wait $lp; rc=$?   # the verdict log is complete once the dispatcher stopped
grep "^verdict pid=$w " /tmp/lsf.log
n=$(grep -c "^verdict pid=$w .*-> REALTIME" /tmp/lsf.log)
check_ge "two REALTIME verdicts for it: the dropped one and the re-asked one" "$n" 2
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
