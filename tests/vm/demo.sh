# Guest: the README demo. luasched-fast with policies/workload.lua schedules a small mixed workload.
. /opt/lsf/guest_lib.sh

POLICY=/opt/lsf/policies/workload.lua
for n in nginx-worker firefox other; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
echo "=== policy: $POLICY"
grep -v '^\s*$' $POLICY
/tmp/nginx-worker 8 > /dev/null & /tmp/firefox 8 > /dev/null & /tmp/other 8 > /dev/null &
sleep 0.2
echo
echo "=== dry run: what the policy says about the running processes"
luasched-fast --dry-run --policy $POLICY
echo
echo "=== luasched-fast --cpu 0 --policy $POLICY (verdicts as they happen, stats every 2 s)"
luasched-fast --cpu 0 --policy $POLICY --log-verdicts --stats 2 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
echo "sched_ext: $(scx_state), ops=$(scx_ops)"
timeout 60 hackbench -g 2 -l 100 | grep Time
sleep 4
kill -INT $lp; wait $lp; rc=$?
# the hackbench workers are many: show a few verdicts of each kind, then the rest
grep '^verdict' /tmp/lsf.log | grep -E 'nginx|firefox|other' | head -12
echo "($(grep -c '^verdict' /tmp/lsf.log) verdicts in all)"
grep -v '^verdict' /tmp/lsf.log
wait
echo "luasched-fast exit status $rc; sched_ext now $(scx_state)"
[ $rc = 0 ]
