# Guest: hot reload. A changed policy file (inotify) or SIGHUP loads the new policy atomically and
# reclassifies running tasks; a broken policy is reported and the running one stays.
. /opt/lsf/guest_lib.sh

mkdir -p /tmp/pol && chmod 755 /tmp/pol
policy() {  # policy FILE CLASS: firefox -> CLASS, everything else DEFAULT
  printf 'local sched = require("sched")\nsched.attach(function(ctx)\n  if ctx:task():comm() == "firefox" then ctx:dsq(%s) else ctx:dsq(DEFAULT) end\nend)\n' "$2" > "$1.new"
  chmod 644 "$1.new"; mv "$1.new" "$1"
}
cp "$LSF_BIN/lsf-spin" /tmp/firefox
wait_for() {  # wait_for PATTERN SECONDS
  n=0; while ! grep -qE "$1" /tmp/lsf.log && [ $n -lt $(($2 * 10)) ]; do sleep 0.1; n=$((n + 1)); done
  grep -qE "$1" /tmp/lsf.log
}

say "phase 1: reload on file change (inotify)"
policy /tmp/pol/p.lua BATCH
luasched-fast --cpu 0 --policy /tmp/pol/p.lua --log-verdicts --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
/tmp/firefox 30 > /dev/null & ff=$!
check "firefox starts in BATCH" wait_for "^verdict pid=$ff .*comm=firefox -> BATCH" 5
policy /tmp/pol/p.lua REALTIME
check "file change reloaded the policy (generation 2)" wait_for "reloaded /tmp/pol/p.lua: policy generation 2" 5
check "running firefox reclassified REALTIME without a restart" wait_for "^verdict pid=$ff .*comm=firefox -> REALTIME" 5
ff_before=$(grep -cE "^verdict pid=$ff " /tmp/lsf.log)
gen_lines=$(grep -c 'policy generation' /tmp/lsf.log)
printf 'sched.attach(function(ctx) ctx:dsq( end)\n' > /tmp/pol/p.lua.new; chmod 644 /tmp/pol/p.lua.new; mv /tmp/pol/p.lua.new /tmp/pol/p.lua
check "a broken policy is reported" wait_for "reload failed, keeping the running policy: syntax error" 5
sleep 1
check_eq "the failed reload bumped no generation" "$(grep -c 'policy generation' /tmp/lsf.log)" "$gen_lines"
check_eq "no reclassification of firefox after the failed reload" "$(grep -cE "^verdict pid=$ff " /tmp/lsf.log)" "$ff_before"
check "firefox's last verdict is still REALTIME" sh -c "grep -E '^verdict pid=$ff ' /tmp/lsf.log | tail -1 | grep -q REALTIME"
check "scheduler still enabled" [ "$(scx_state)" = enabled ]
kill -INT $lp; wait $lp; rc=$?
check_eq "dispatcher exit status" "$rc" 0
kill $ff 2>/dev/null; wait $ff 2>/dev/null

say "phase 2: reload on SIGHUP only (--no-watch)"
policy /tmp/pol/q.lua BATCH
luasched-fast --cpu 0 --policy /tmp/pol/q.lua --log-verdicts --stats 0 --no-watch > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
/tmp/firefox 30 > /dev/null & ff=$!
check "firefox starts in BATCH" wait_for "^verdict pid=$ff .*comm=firefox -> BATCH" 5
policy /tmp/pol/q.lua REALTIME
sleep 1
check_eq "--no-watch: a file change alone does not reload" "$(grep -c reloaded /tmp/lsf.log)" 0
kill -HUP $lp
check "SIGHUP reloaded the policy" wait_for "reloaded /tmp/pol/q.lua: policy generation 2" 5
check "firefox reclassified REALTIME after SIGHUP" wait_for "^verdict pid=$ff .*comm=firefox -> REALTIME" 5
kill -INT $lp; wait $lp; rc=$?
check_eq "dispatcher exit status" "$rc" 0
grep -v '^verdict' /tmp/lsf.log | tail -3
kill $ff 2>/dev/null
finish
