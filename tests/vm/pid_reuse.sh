# Guest: a reused pid never inherits the verdict of the task that had it before.
. /opt/lsf/guest_lib.sh

POLICY=/opt/lsf/policies/workload.lua
for n in nginx-worker firefox; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
echo 400 > /proc/sys/kernel/pid_max   # wrap pids quickly
luasched-fast --cpu 0 --policy $POLICY --log-verdicts --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S

# after a wrap the kernel hands out pids from 300 up: move past 300 first
while :; do /bin/true & p=$!; wait $p; [ "$p" -gt 310 ] && break; done
/tmp/firefox 0.2 > /dev/null & old=$!
wait $old
say "firefox had pid $old; starting nginx-worker until one gets pid $old"
tries=0 reused=
while [ $tries -lt 600 ]; do
  /tmp/nginx-worker 0.01 > /dev/null & p=$!
  wait $p
  if [ "$p" = "$old" ]; then reused=$p; break; fi
  tries=$((tries + 1))
done
check_eq "pid $old was reused (after $tries processes)" "$reused" "$old"
sleep 0.5
kill -INT $lp; wait $lp; rc=$?
grep -E "^verdict pid=$old " /tmp/lsf.log
check "first owner classified BATCH" grep -qE "^verdict pid=$old .*comm=firefox -> BATCH" /tmp/lsf.log
check "new owner classified REALTIME, not the stale BATCH" grep -qE "^verdict pid=$old .*comm=nginx-worker -> REALTIME" /tmp/lsf.log
check_eq "dispatcher exit status" "$rc" 0
finish
