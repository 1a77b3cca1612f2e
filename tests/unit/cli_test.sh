#!/usr/bin/env bash
# CLI tests of luasched-fast that need no root and no sched_ext: help, errors, dry run on this /proc.
# usage: cli_test.sh BINARY POLICIES_DIR DECISIONS_HELPER
set -uo pipefail
bin=$1 policies=$2 helper=$3
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
# expect RC REGEX DESCRIPTION -- CMD...
expect() {
  local rc=$1 re=$2 what=$3; shift 4
  local out got
  out=$("$@" 2>&1); got=$?
  if [ "$got" = "$rc" ] && grep -qE -- "$re" <<< "$out"; then ok "$what"; else bad "$what (rc=$got, output: $(head -c 300 <<< "$out"))"; fi
}
sp= hp=
tmp=$(mktemp -d); trap 'kill $sp $hp 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cp "$policies/workload.lua" "$tmp/p.lua"; chmod 644 "$tmp/p.lua"

expect 0 'usage: luasched-fast' "--help prints usage" -- "$bin" --help
expect 0 '^luasched-fast [0-9]+\.[0-9]+' "--version" -- "$bin" --version
expect 2 "unknown option '--bogus'" "unknown flag is named, exit 2" -- "$bin" --bogus --policy x
expect 2 'not a CPU of this machine' "--cpu out of range, exit 2" -- "$bin" --cpu 100000 --policy "$tmp/p.lua"
expect 2 '--policy FILE is required' "missing --policy, exit 2" -- "$bin" --cpu 0
expect 3 'cannot read policy' "missing policy file, exit 3" -- "$bin" --dry-run --policy "$tmp/none.lua"
printf 'sched.attach(function(ctx) ctx:dsq( end)\n' > "$tmp/syntax.lua"; chmod 644 "$tmp/syntax.lua"
expect 3 'syntax error in policy: .*syntax.lua:1' "syntax error names file and line, exit 3" -- "$bin" --dry-run --policy "$tmp/syntax.lua"
cp "$tmp/p.lua" "$tmp/open.lua"; chmod 666 "$tmp/open.lua"
expect 3 'writable by group or others.*chmod go-w' "world-writable policy refused" -- "$bin" --dry-run --policy "$tmp/open.lua"
if [ ! -e /sys/kernel/sched_ext/state ]; then
  expect 3 'this kernel has no sched_ext.*scripts/demo' "no sched_ext: says what to do" -- "$bin" --cpu 0 --policy "$tmp/p.lua"
fi
expect 3 'no running luasched-fast found' "stats without a running instance" -- "$bin" stats --stats-file "$tmp/none.json"

# dry run on this machine's /proc: a process named nginx-* is REALTIME, the table and JSON agree
cp "$(command -v sleep)" "$tmp/nginx-dryrun"
"$tmp/nginx-dryrun" 30 & sp=$!
sleep 0.2
expect 0 "^ *$sp +$sp nginx-dryrun +REALTIME +1000 +any$" "dry run table classifies nginx-dryrun REALTIME 1 ms" -- "$bin" --dry-run --policy "$tmp/p.lua"
expect 0 'kernel threads not shown' "dry run summary line" -- "$bin" --dry-run --policy "$tmp/p.lua"
json=$("$bin" --dry-run --json --policy "$tmp/p.lua")
if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert any(t["comm"]=="nginx-dryrun" and t["class"]=="REALTIME" and t["slice_ns"]==1000000 for t in d)' "$json" 2>/dev/null; then
  ok "dry run --json is valid JSON with the nginx-dryrun verdict"
else
  bad "dry run --json ($(head -c 200 <<< "$json"))"
fi
expect 0 " $sp " "--threads lists threads too" -- "$bin" --dry-run --threads --policy "$tmp/p.lua"
# every luasched dialect's example classifies nginx* REALTIME 1 ms in the dry run
for d in "$policies"/luasched/*.lua; do
  cp "$d" "$tmp/dialect.lua"; chmod 644 "$tmp/dialect.lua"
  expect 0 "^ *$sp +$sp nginx-dryrun +REALTIME +1000 +any$" "dry run, $(basename "$d"): nginx-dryrun REALTIME 1 ms" \
    -- "$bin" --dry-run --policy "$tmp/dialect.lua"
done
# check FILE: exit 0 for the shipped policy, 1 when a decision fails, 3 when the file does not load;
# --json is one JSON object that names the failing task and its kind, with the /proc task seen
expect 0 '^ok$' "check: the shipped workload policy passes, exit 0" -- "$bin" check "$tmp/p.lua"
expect 3 'does not load: syntax error in policy' "check: a syntax error, exit 3" -- "$bin" check "$tmp/syntax.lua"
expect 2 'check needs a policy FILE' "check without FILE, exit 2" -- "$bin" check
expect 2 'check takes one policy FILE' "check with two files, exit 2" -- "$bin" check "$tmp/p.lua" "$tmp/p.lua"
expect 2 '--no-proc does not go with' "--no-proc only with check, exit 2" -- "$bin" --dry-run --no-proc --policy "$tmp/p.lua"
cat > "$tmp/fails.lua" <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  local t = ctx:task()
  if t:comm() == "cc1" then error("no compilers here") end
  if t:comm() == "nginx-dryrun" then ctx:dsq(REALTIME); ctx:slice(1000000); return end
  if t:pid() % 2 == 0 then ctx:dsq(BATCH) else ctx:dsq(DEFAULT) end
end)
LUA
chmod 644 "$tmp/fails.lua"
expect 1 'error: built-in task [0-9]+ \(cc1\): .*no compilers here' "check: a failing decision is named, exit 1" \
  -- "$bin" check "$tmp/fails.lua"
json=$("$bin" check --json "$tmp/fails.lua"); rc=$?
if [ $rc = 1 ] && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["loaded"] and d["exit_code"] == 1 and d["tasks"]["built_in"] >= 20 and d["tasks"]["proc"] >= 1
assert [(p["kind"], p["comm"]) for p in d["problems"]] == [("error", "cc1")], d["problems"]
assert "no compilers here" in d["problems"][0]["message"]
assert d["classes"]["REALTIME"] == 1 and d["inheritable"] == 1  # nginx-dryrun: decided from its comm alone
assert d["not_inheritable"][0]["why"].startswith("read a field a fork does not share")
' "$json"; then ok "check --json: valid JSON naming the failing task (exit 1)"; else bad "check --json (rc=$rc, $(head -c 300 <<< "$json"))"; fi
json=$("$bin" check --json --no-proc "$tmp/p.lua")
if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["exit_code"] == 0 and d["tasks"]["proc"] == 0 and d["problems"] == []' "$json"; then
  ok "check --no-proc: built-in tasks only"
else
  bad "check --no-proc ($(head -c 200 <<< "$json"))"
fi
# why PID: no instance (3), usage (2); against a ring of made-up decisions (the helper keeps it
# until killed): found (0, text and JSON), not found (1, naming how many decisions the ring holds)
expect 3 'no running luasched-fast found: .*does not exist' "why without a running instance, exit 3" \
  -- "$bin" why 1 --decisions-file "$tmp/none.decisions"
expect 2 'why needs a PID' "why without PID, exit 2" -- "$bin" why
expect 2 "'nginx' is not a process id" "why with a name, exit 2" -- "$bin" why nginx
"$helper" ring "$tmp/decisions" > "$tmp/helper.out" & hp=$!
for _ in $(seq 50); do grep -q ready "$tmp/helper.out" 2>/dev/null && break; sleep 0.1; done
expect 0 'pid 4242 \(nginx-test.*REALTIME' "why: the verdict of a task in the ring, exit 0" \
  -- "$bin" why 4242 --decisions-file "$tmp/decisions"
expect 0 "line 5 \(ctx:dsq\)" "why: the policy line that set the class" -- "$bin" why 4242 --decisions-file "$tmp/decisions"
expect 0 "read: +comm=nginx-test, cgroup=/system.slice/nginx.service" "why: the fields read, with their values" \
  -- "$bin" why 4242 --decisions-file "$tmp/decisions"
expect 0 "fallback: the policy raised an error" "why: a fallback's source" -- "$bin" why 4243 --decisions-file "$tmp/decisions"
json=$("$bin" why 4244 --json --decisions-file "$tmp/decisions")
if python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["pid"] == 4244 and d["class"] == "BATCH" and d["source"] == "policy", d
assert d["line"] == 2 and d["line_kind"] == "return" and d["reads"] == {"uid": 1000}, d
' "$json"; then ok "why --json: class, source, line and the fields read"; else bad "why --json ($(head -c 300 <<< "$json"))"; fi
expect 1 'pid 999: no decision for it among the 3 decisions the ring holds' "why of a pid not in the ring, exit 1" \
  -- "$bin" why 999 --decisions-file "$tmp/decisions"
kill $hp; wait $hp 2>/dev/null; hp=
# record -o FILE: no instance (3), usage (2); following a ring the helper keeps writing to
expect 3 'no running luasched-fast found' "record without a running instance, exit 3" \
  -- "$bin" record -o "$tmp/none.rec" --decisions-file "$tmp/none.decisions"
expect 2 'record needs an output file' "record without -o, exit 2" -- "$bin" record
"$helper" trickle "$tmp/decisions" > "$tmp/helper.out" & hp=$!
for _ in $(seq 50); do grep -q ready "$tmp/helper.out" 2>/dev/null && break; sleep 0.1; done
expect 0 'recorded [1-9][0-9]* decisions to .*, 0 lost .*: duration reached' "record --duration 1 writes decisions, exit 0" \
  -- "$bin" record -o "$tmp/rec" --duration 1 --decisions-file "$tmp/decisions"
expect 0 'recorded [1-9][0-9]* decisions .*: size limit reached' "record stops at --max-mb" \
  -- "$bin" record -o "$tmp/rec.small" --max-mb 1 --duration 60 --decisions-file "$tmp/decisions"
[ "$(stat -c %s "$tmp/rec.small")" -le 1048576 ] && ok "record --max-mb 1: at most 1 MiB" || bad "record --max-mb 1: $(stat -c %s "$tmp/rec.small") bytes"
"$bin" record -o "$tmp/rec.int" --decisions-file "$tmp/decisions" > "$tmp/record.out" 2>&1 & rp=$!
sleep 0.5; kill -INT $rp; wait $rp; rc=$?
if [ $rc = 0 ] && grep -qE 'recorded [1-9][0-9]* decisions.*: interrupted' "$tmp/record.out"; then ok "record ends cleanly at Ctrl-C"
else bad "record at Ctrl-C (rc=$rc, $(cat "$tmp/record.out"))"; fi
kill $hp; wait $hp 2>/dev/null; hp=
# replay FILE --policy NEW.lua over that recording (nginx-test REALTIME, cc1 DEFAULT, make BATCH as
# recorded): the workload policy makes make DEFAULT; --expect; the same output every time (but the
# timing line); unreadable recordings and policies exit 3
expect 0 'BATCH +-> DEFAULT +[0-9]+  changed' "replay: the class changes, exit 0" -- "$bin" replay "$tmp/rec" --policy "$tmp/p.lua"
expect 0 'make +[0-9]+ of [0-9]+ +BATCH -> DEFAULT' "replay: the changes per comm" -- "$bin" replay "$tmp/rec" --policy "$tmp/p.lua"
expect 0 'expect nginx-test=REALTIME: ok' "replay --expect that holds, exit 0" \
  -- "$bin" replay "$tmp/rec" --policy "$tmp/p.lua" --expect nginx-test=REALTIME
expect 1 'expect make=BATCH: FAILED' "replay --expect that fails, exit 1" \
  -- "$bin" replay "$tmp/rec" --policy "$tmp/p.lua" --expect nginx-test=REALTIME --expect make=BATCH
expect 1 'policy errors [1-9]' "replay: policy errors, exit 1" -- "$bin" replay "$tmp/rec" --policy "$tmp/fails.lua"
a=$("$bin" replay "$tmp/rec" --policy "$tmp/fails.lua" | grep -v '^timing:'); b=$("$bin" replay "$tmp/rec" --policy "$tmp/fails.lua" | grep -v '^timing:')
[ -n "$a" ] && [ "$a" = "$b" ] && ok "replay: the same output for the same file and policy" || bad "replay is not deterministic"
json=$("$bin" replay "$tmp/rec" --policy "$tmp/p.lua" --json --expect make=DEFAULT)
if python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["exit_code"] == 0 and d["decisions"] > 0 and d["errors"] == 0, d
assert {"from": "BATCH", "to": "DEFAULT", "count": d["decisions"] // 3} in d["transitions"], d["transitions"]
assert d["expect"][0]["ok"] and d["timing"]["decisions_per_s"] > 0
' "$json"; then ok "replay --json: the transitions and the expectation"; else bad "replay --json ($(head -c 300 <<< "$json"))"; fi
expect 2 'replay needs a recording and a policy' "replay without --policy, exit 2" -- "$bin" replay "$tmp/rec"
expect 2 'want COMM=CLASS' "replay with a malformed --expect, exit 2" -- "$bin" replay "$tmp/rec" --policy "$tmp/p.lua" --expect nginx
expect 3 'cannot read .*none.rec' "replay of a missing file, exit 3" -- "$bin" replay "$tmp/none.rec" --policy "$tmp/p.lua"
expect 3 'cannot read policy' "replay with a missing policy, exit 3" -- "$bin" replay "$tmp/rec" --policy "$tmp/none.lua"
expect 3 'syntax error in policy' "replay with a policy that does not load, exit 3" -- "$bin" replay "$tmp/rec" --policy "$tmp/syntax.lua"
head -c 1000 "$tmp/rec" > "$tmp/cut.rec"
expect 3 'truncated in record [0-9]+' "replay of a truncated recording names the record, exit 3" \
  -- "$bin" replay "$tmp/cut.rec" --policy "$tmp/p.lua"
printf 'LSFRECD\0\4\3\2\1\77\0\0\0' > "$tmp/newer.rec"
expect 3 'format version 63; this luasched-fast reads format version 1' "replay refuses a newer format, exit 3" \
  -- "$bin" replay "$tmp/newer.rec" --policy "$tmp/p.lua"
ln -s "$tmp/p.lua" "$tmp/link.lua"
expect 3 'is a symbolic link' "a symlinked policy file is refused, exit 3" -- "$bin" --dry-run --policy "$tmp/link.lua"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
