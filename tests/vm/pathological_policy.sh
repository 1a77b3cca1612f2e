# Guest: a policy whose pattern call never ends on an unbounded matcher (the issue's
# string.rep("a", 20000):find(string.rep("a-", 12) .. "b")) for every task named patho-*: each
# such decision stops at its budget (DEFAULT, counted), the dispatcher keeps answering, and tasks
# started meanwhile are classified without waiting for the 20 ms miss deadline.
. /opt/lsf/guest_lib.sh

mkdir -p /tmp/pol && chmod 755 /tmp/pol
POLICY=/tmp/pol/patho.lua
cat > $POLICY <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  local comm = ctx:task():comm()
  if comm:find("^patho") then
    string.rep("a", 20000):find(string.rep("a-", 12) .. "b")
  end
  if comm:find("^nginx") then return REALTIME, 1000000 end
  return DEFAULT
end)
LUA
chmod 644 $POLICY
for n in patho-a nginx-worker; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
STATS=/tmp/lsf.stats.json
jfield() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" $STATS; }

luasched-fast --cpu 0 --policy $POLICY --log-verdicts --stats 1 --stats-file $STATS > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
sleep 2
d0=$(jfield fallback_deadline); m0=$(jfield misses)

say "5 pathological tasks, each followed by 10 ordinary ones and an nginx-worker"
start=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt 5 ]; do
  /tmp/patho-a 0.05 > /dev/null & eval "pa$i=$!"
  sleep 0.3
  j=0; while [ $j -lt 10 ]; do /bin/true; j=$((j + 1)); done
  /tmp/nginx-worker 0.05 > /dev/null & eval "ng$i=$!"
  sleep 0.3
  i=$((i + 1))
done
i=0; while [ $i -lt 5 ]; do eval "wait \$pa$i \$ng$i"; i=$((i + 1)); done
took=$(awk -v s="$start" '{ printf "%d", ($1 - s) * 1000 }' /proc/uptime)
sleep 2  # one more stats file
d1=$(jfield fallback_deadline); m1=$(jfield misses)
errors=$(jfield policy_errors)
check "the dispatcher is alive" kill -0 $lp
check "phase took bounded time (${took} ms)" [ "$took" -lt 20000 ]
check_ge "pathological decisions stopped and counted as policy errors" "${errors:-0}" 5
# An unbounded matcher leaves the dispatcher stuck: every miss after the first pathological one
# waits for its deadline. Bounded, only misses queued behind a pathological decision (10 ms, plus
# building a fresh Lua state for the next one, slow under TCG) can: well under a quarter.
check "misses that waited for the 20 ms deadline: $((d1 - d0)) of $((m1 - m0)) (< 1/4)" \
  [ $(((d1 - d0) * 4)) -lt $((m1 - m0)) ]
check "each patho-a -> DEFAULT" [ "$(grep -cE '^verdict .*comm=patho-a -> DEFAULT' /tmp/lsf.log)" -ge 5 ]
i=0
while [ $i -lt 5 ]; do
  eval "pid=\$ng$i"
  check "nginx-worker #$i after a pathological one -> REALTIME 1 ms" \
    grep -qE "^verdict pid=$pid .*comm=nginx-worker -> REALTIME slice_us=1000 " /tmp/lsf.log
  i=$((i + 1))
done
check "the budget is named in the log" grep -qE 'budget|too complex' /tmp/lsf.log

kill -INT $lp
wait $lp; rc=$?
grep -v '^verdict' /tmp/lsf.log | cut -c1-300
check_eq "dispatcher exit status (0 = no ejection)" "$rc" 0
finish
