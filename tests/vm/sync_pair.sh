# Guest: a client/server pair left in DEFAULT next to DEFAULT CPU hogs takes turns on the CPU it
# hands over (each hop a sync wakeup: the waker is about to sleep), as EEVDF's wake_affine does,
# instead of preempting a hog on another CPU at every hop. Checks what the scheduler did, not timing:
# the pair's sync wakeups were left for the waker's CPU (wake_sync), and the hogs were switched out
# involuntarily for few of its round trips (their nonvoluntary_ctxt_switches: 56 per 100 round trips on the build before, 4.6 after).
# args: [SECONDS] [MAX_PREEMPTS_PER_100_ROUND_TRIPS]
. /opt/lsf/guest_lib.sh
SECS=${1:-8}
MAX_P100=${2:-20}
luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
n=$(nproc)
hogs=
i=0
while [ $i -lt "$n" ]; do
  sh -c 'while :; do :; done' &
  hogs="$hogs $!"
  i=$((i + 1))
done
# HOGS_NVCSW: involuntary context switches of the hogs so far (preemptions, slice ends)
hogs_nvcsw() { t=0; for h in $hogs; do t=$((t + $(sed -n 's/^nonvoluntary_ctxt_switches:[^0-9]*//p' /proc/$h/status))); done; echo $t; }
sleep 2  # the stats file is rewritten every second: counters before the pair starts
wp0=$(lsf_stat wake_preempt) ws0=$(lsf_stat wake_sync) hs0=$(hogs_nvcsw)
say "lsf-pingpong (DEFAULT: workload.lua) over two pipes for ${SECS}s next to $n DEFAULT hogs"
lsf-pingpong "$SECS" > /tmp/pp.json
check_eq "lsf-pingpong ran" "$?" 0
cat /tmp/pp.json
hs=$(( $(hogs_nvcsw) - hs0 ))
sleep 1.5
wp1=$(lsf_stat wake_preempt) ws1=$(lsf_stat wake_sync)
kill $hogs
rt=$(json_num round_trips /tmp/pp.json)
wp=$(( ${wp1:-0} - ${wp0:-0} )) ws=$(( ${ws1:-0} - ${ws0:-0} ))
say "round trips $rt, hogs switched out involuntarily $hs times, wake_sync +$ws, wake_preempt +$wp"
check_ge "round trips made" "${rt:-0}" 1000
# two wakeups per round trip, each a sync wakeup by a DEFAULT task: most are left for the waker's CPU
check_ge "sync wakeups left for the waker's CPU (wake_sync) >= round trips" "$ws" "${rt:-0}"
check "hogs switched out $hs times for $rt round trips (<= $MAX_P100 per 100)" [ $((hs * 100)) -le $((${rt:-0} * MAX_P100)) ]
kill -INT $lp; wait $lp; rc=$?
grep -E '^(stats|sched_ext exit|luasched-fast:)' /tmp/lsf.log
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
