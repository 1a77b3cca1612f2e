# Guest: `why PID --json` names a task's class, source and policy line, live and after it exited;
# `record` for 3 s writes a recording that `replay` reads with the same policy and no changes.
. /opt/lsf/guest_lib.sh

POLICY=/opt/lsf/policies/workload.lua  # line 13: ctx:dsq(REALTIME) for comms with "nginx"
for n in nginx-why other-why; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
start_lsf $POLICY
check "the decision ring exists" [ -e /run/luasched-fast.decisions ]

say "why of a live task"
/tmp/nginx-why 4 > /dev/null & np=$!
sleep 1
luasched-fast why $np --json > /tmp/why.json 2> /tmp/why.err; rc=$?
cat /tmp/why.json /tmp/why.err
check_eq "why of a live task: found (exit 0)" "$rc" 0
check "why names its class (REALTIME)" grep -q '"class": "REALTIME"' /tmp/why.json
check "why names its source (the policy's decision)" grep -q '"source": "policy"' /tmp/why.json
check "why names the policy line of ctx:dsq (13)" grep -q '"line": 13, "line_kind": "ctx:dsq"' /tmp/why.json
check "why shows the comm the policy read" grep -q '"reads": {"comm": "nginx-why"}' /tmp/why.json
luasched-fast why $np > /tmp/why.txt; cat /tmp/why.txt
check "why for people names the line" grep -q 'workload.lua, line 13 (ctx:dsq)' /tmp/why.txt

say "why of a task that exited"
wait $np
luasched-fast why $np --json > /tmp/why_exited.json; rc=$?
check_eq "why of an exited task: still in the ring (exit 0)" "$rc" 0
check "the exited task's class (REALTIME)" grep -q '"class": "REALTIME"' /tmp/why_exited.json
luasched-fast why 4000000 > /dev/null 2> /tmp/why_none.err; rc=$?
cat /tmp/why_none.err
check_eq "why of a pid not in the ring: exit 1" "$rc" 1
check "it says how many decisions the ring holds" grep -q 'decisions the ring holds' /tmp/why_none.err

say "record for 3 s under 100 execs, then replay with the same policy"
luasched-fast record -o /tmp/3s.rec --duration 3 > /tmp/record.out 2>&1 & rp=$!
sleep 0.3
i=0
while [ $i -lt 50 ]; do /tmp/nginx-why 0.001 > /dev/null; /tmp/other-why 0.001 > /dev/null; i=$((i + 1)); done
wait $rp; rc=$?
cat /tmp/record.out
check_eq "record --duration 3: exit 0" "$rc" 0
recorded=$(sed -n 's/^recorded \([0-9]*\) decisions.*/\1/p' /tmp/record.out)
check_ge "record wrote the execs' decisions" "${recorded:-0}" 100
check "record ended by its duration" grep -q 'duration reached' /tmp/record.out
luasched-fast replay /tmp/3s.rec --policy $POLICY --expect nginx-why=REALTIME --expect other-why=DEFAULT > /tmp/replay.txt; rc=$?
cat /tmp/replay.txt
check_eq "replay of the recording with the same policy: exit 0" "$rc" 0
check "replay: no decision changed class" grep -q ' 0 changed class' /tmp/replay.txt
check "replay: both expectations held" sh -c '[ "$(grep -c "^  expect .*: ok" /tmp/replay.txt)" = 2 ]'
luasched-fast replay /tmp/3s.rec --policy $POLICY --json > /tmp/replay.json; rc=$?
check_eq "replay --json: exit 0" "$rc" 0
check_ge "replay --json: the decisions" "$(json_num decisions /tmp/replay.json)" "$recorded"

stop_lsf
check "the ring is removed when the scheduler stops" [ ! -e /run/luasched-fast.decisions ]
finish
