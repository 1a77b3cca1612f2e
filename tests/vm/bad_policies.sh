# Guest: policies that fail in every way yield DEFAULT, are counted and logged once, never crash
# the dispatcher or stall the system.
. /opt/lsf/guest_lib.sh

mkdir -p /tmp/pol && chmod 755 /tmp/pol
# run_bad NAME COUNTER BODY: the classifier body runs with locals ctx and task
run_bad() {
  name=$1 counter=$2 body=$3
  f=/tmp/pol/$name.lua
  printf 'local sched = require("sched")\nsched.attach(function(ctx)\n  local task = ctx:task()\n  %s\nend)\n' "$body" > $f
  chmod 644 $f
  luasched-fast --cpu 0 --policy $f --stats 0 --stats-json > /tmp/$name.log 2>&1 &
  lp=$!
  if ! wait_state enabled $LSF_START_S; then fail "$name: scheduler did not start"; cat /tmp/$name.log; return; fi
  i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i + 1)); done   # 20 new processes = 20+ misses
  timeout 30 hackbench -g 1 -l 20 > /dev/null 2>&1
  hb=$?
  kill -INT $lp; wait $lp; rc=$?
  last_json /tmp/$name.log /tmp/$name.json
  n=$(json_num "policy_$counter" /tmp/$name.json)
  check_eq "$name: dispatcher survived and exited cleanly" "$rc" 0
  check_eq "$name: system stayed responsive (hackbench)" "$hb" 0
  check_ge "$name: counted as policy $counter" "${n:-0}" 10
  check_eq "$name: logged once" "$(grep -c 'logged once' /tmp/$name.log)" 1
  check_eq "$name: every decision fell back to DEFAULT" "$(json_num ins_realtime /tmp/$name.json)$(json_num ins_batch /tmp/$name.json)" "00"
  grep 'logged once' /tmp/$name.log | head -2 | cut -c1-200
}

run_bad error errors 'error("policy bug")'
run_bad no_verdict no_verdict 'local x = task:pid()'
run_bad endless_loop errors 'while true do end'
run_bad tail_recursion errors 'local function f() return f() end return f()'
run_bad unbounded_alloc errors 'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 4096) .. i end'
run_bad invalid_dsq invalid 'ctx:dsq(42)'
run_bad invalid_slice invalid 'ctx:dsq(REALTIME) ctx:slice(-1)'
finish
