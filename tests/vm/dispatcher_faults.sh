# Guest: the dispatcher stopped (SIGSTOP) or killed (SIGKILL) under load never stalls the system.
. /opt/lsf/guest_lib.sh

POLICY=/opt/lsf/policies/workload.lua
for n in nginx-worker firefox; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done

luasched-fast --cpu 0 --policy $POLICY --log-verdicts --stats 1 --stats-json > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
hog_all 40

say "SIGSTOP the dispatcher for 10 s while new processes start"
kill -STOP $lp
stopped_at=$(date +%s)
i=0
while [ $(( $(date +%s) - stopped_at )) -lt 10 ]; do
  /tmp/firefox 0.05 > /dev/null   # each one is a miss nobody answers
  i=$((i + 1))
done
check_ge "processes kept starting and finishing while the dispatcher was stopped" "$i" 5
check_eq "still enabled while stopped" "$(scx_state)" enabled
kill -CONT $lp
sleep 2
/tmp/nginx-worker 0.5 > /dev/null & np=$!
wait $np
sleep 2
last_json /tmp/lsf.log /tmp/stats.json
cat /tmp/stats.json
fb_deadline=$(json_num fallback_deadline /tmp/stats.json)
fb_nouser=$(json_num fallback_no_user /tmp/stats.json)
check_ge "misses fell back to DEFAULT while stopped (deadline+no_user)" $((fb_deadline + fb_nouser)) 1
# --stats-json writes each --log-verdicts line as a JSON object
check "classifying again after SIGCONT" \
  grep -qE "^\{\"verdict_pid\": $np, .*\"comm\": \"nginx-worker\", \"class\": \"REALTIME\"" /tmp/lsf.log

say "SIGKILL the dispatcher under load"
start=$(date +%s)
kill -KILL $lp
wait $lp 2>/dev/null
wait_state disabled 10
check_eq "kernel back on its default scheduler after SIGKILL" "$(scx_state)" disabled
/tmp/nginx-worker 1 > /dev/null
check "tasks keep running after the kill" [ $(( $(date +%s) - start )) -lt 15 ]
dmesg | grep -i sched_ext | tail -3

say "refuse to start while another sched_ext scheduler is loaded"
lsf-smoke --seconds 60 > /dev/null 2>&1 & sm=$!
check "smoke scheduler loaded" wait_state enabled $LSF_START_S
timeout 30 luasched-fast --cpu 0 --policy $POLICY > /tmp/second.log 2>&1
rc=$?
cat /tmp/second.log
check_eq "second scheduler refused (exit 3)" "$rc" 3
check "the message names the loaded scheduler" grep -q "another sched_ext scheduler ('lsf_smoke') is already loaded" /tmp/second.log
kill -INT $sm; wait $sm
finish
