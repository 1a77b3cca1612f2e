# Guest (4 vCPUs): a policy sends two CPU hogs to CPU 1 (ctx:cpu); a third hog is pinned to CPU 1
# with sched_setaffinity and left in DEFAULT. All three must share CPU 1: the pinned one gets at
# least 80% of a fair third, and the scheduler stays loaded.
. /opt/lsf/guest_lib.sh
SECS=${1:-20}
cat > /tmp/target.lua <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  local comm = ctx:task():comm()
  if comm == "targeted" then ctx:dsq(DEFAULT); ctx:cpu(1) else ctx:dsq(DEFAULT) end
end)
LUA
luasched-fast --cpu 0 --policy /tmp/target.lua --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
say "two targeted hogs and one pinned hog on CPU 1 for ${SECS}s"
lsf-probe "$SECS" --name targeted > /tmp/t1.json & a=$!
lsf-probe "$SECS" --name targeted > /tmp/t2.json & b=$!
lsf-probe "$SECS" --name pinned --pin 1 > /tmp/p.json & c=$!
wait $a $b $c
cat /tmp/t1.json /tmp/t2.json /tmp/p.json
t1=$(int "$(json_num cpu_ms /tmp/t1.json)"); t2=$(int "$(json_num cpu_ms /tmp/t2.json)")
p=$(int "$(json_num cpu_ms /tmp/p.json)")
total=$((t1 + t2 + p))
check_ge "the three hogs ran (total CPU ms)" "$total" $((SECS * 500))
check_ge "pinned hog got >= 80% of a fair third of CPU 1 (ms; fair=$((total / 3)))" "$p" $((total * 8 / 30))
check_ge "the targeted hogs got CPU too (ms)" "$((t1 < t2 ? t1 : t2))" $((total / 10))
check_eq "still enabled" "$(scx_state)" enabled
kill -INT $lp; wait $lp; rc=$?
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
grep -E '^(sched_ext exit|luasched-fast:)' /tmp/lsf.log
finish
