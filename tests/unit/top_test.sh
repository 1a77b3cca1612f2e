#!/usr/bin/env bash
# `luasched-fast top` in a real terminal (tmux): against a stats file this test writes and updates,
# checks what a person sees (rates per class and per CPU, hit rate, fallbacks, round trips), that
# q and Ctrl-C quit with status 0 and give the terminal back, and that a vanished file is reported.
# usage: top_test.sh BINARY
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = --help ]; then echo "usage: $0 LUASCHED_FAST_BINARY"; exit 2; fi
bin=$1
command -v tmux > /dev/null || { echo "not ok - tmux is not installed (scripts/packages.txt)"; exit 1; }
tmp=$(mktemp -d)
tm() { tmux -S "$tmp/sock" -f /dev/null "$@"; }
trap 'tm kill-server 2> /dev/null || true; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

# write_stats UPTIME K: a stats file where every counter is K times a base rate (atomic, like the
# dispatcher: a temporary beside it, then rename).
write_stats() {
  local up=$1 k=$2
  printf '{"hits": %d, "misses": %d, "fallback_deadline": %d, "fallback_ringbuf_full": 0, "ins_realtime": %d, "ins_batch": %d, "ins_default": %d, "ins_cpu": 0, "disp_realtime": %d, "disp_batch": %d, "disp_default": %d, "disp_cpu": 0, "verdicts_sent": %d, "policy_decisions": %d, "policy_errors": 0, "uptime_s": %s, "hit_rate_pct": 98.0, "policy_generation": 2, "policy_reloads": 1, "round_trip_p50_us": 16, "round_trip_p99_us": 64, "miss_to_verdict_p50_us": 8, "miss_to_verdict_p99_us": 32, "miss_to_verdict_max_us": 900, "dispatcher_cpu_pct": 1.5, "page_faults": 0, "per_cpu": {"keys": ["hits", "misses", "disp_default"], "cpus": [[%d, %d, %d], [%d, %d, %d]]}}\n' \
    $((4900 * k)) $((100 * k)) $((3 * k)) $((250 * k)) $((60 * k)) $((1000 * k)) $((240 * k)) $((50 * k)) \
    $((990 * k)) $((100 * k)) $((100 * k)) "$up" $((4000 * k)) $((70 * k)) $((600 * k)) $((900 * k)) $((30 * k)) $((390 * k)) \
    > "$tmp/stats.json.new"
  mv "$tmp/stats.json.new" "$tmp/stats.json"
}
screen() { tm capture-pane -p -t "$1"; }
# wait_screen SESSION REGEX SECONDS: until the pane shows REGEX
wait_screen() {
  local n=0
  until screen "$1" | grep -qE -- "$2"; do
    n=$((n + 1)); [ $n -gt $(($3 * 10)) ] && return 1; sleep 0.1
  done
}
# start SESSION: top in a 100x40 terminal; its exit status and the terminal mode after it go to
# $tmp/SESSION.rc, then the shell waits so the pane stays to be looked at.
start() {
  tm new-session -d -s "$1" -x 100 -y 40 \
    "$bin top --stats-file $tmp/stats.json; echo \"rc=\$?\" > $tmp/$1.rc; echo \"top exited\"; stty -a | grep -o -- '-\\?icanon'; sleep 60"
}

write_stats 10 1
start view
if wait_screen view 'luasched-fast top' 5; then ok "top shows its screen"; else bad "top shows its screen: $(screen view)"; fi
# (a frame may be caught half drawn: wait for the line asked about rather than looking once)
wait_screen view '^REALTIME +- +- +250 +240' 3 && ok "first screen: totals, rates not known yet (-)" \
  || bad "first screen ($(screen view | grep REALTIME))"
write_stats 11 2   # one second later, every counter doubled: the rates are the base rates
if wait_screen view '^REALTIME +250 +240 ' 5; then ok "REALTIME: 250 inserts/s, 240 dispatches/s"; else bad "REALTIME rates: $(screen view)"; fi
wait_screen view '^ +1 +0 +390 ' 3 || true   # the last line of that frame
s=$(screen view)
echo "$s" | sed 's/^/  | /'
grep -qE '^BATCH +60 +50 ' <<< "$s" && ok "BATCH: 60 inserts/s, 50 dispatches/s" || bad "BATCH row"
grep -qE '^DEFAULT +1000 +990 ' <<< "$s" && ok "DEFAULT: 1000 inserts/s, 990 dispatches/s" || bad "DEFAULT row"
grep -qE 'hit rate 98\.0% \(last interval 98\.0%\) +hits/s 4900 +misses/s 100' <<< "$s" && ok "hit rate, hits/s, misses/s" || bad "cache line"
grep -qE '^fallbacks/s +3 = .*deadline 3' <<< "$s" && ok "fallbacks/s (deadline 3)" || bad "fallbacks line"
grep -qE 'round trip +p50 <= 16 us +p99 <= 64 us' <<< "$s" && ok "round-trip percentiles" || bad "round-trip line"
grep -qE 'dispatcher CPU 1\.5%' <<< "$s" && ok "dispatcher CPU" || bad "dispatcher CPU"
grep -qE '^ +0 +0 +600 +4000 +70 +0$' <<< "$s" && grep -qE '^ +1 +0 +390 +900 +30 +0$' <<< "$s" \
  && ok "per-CPU rows: dispatches/s, hits/s, misses/s" || bad "per-CPU rows"
tm send-keys -t view q
if wait_screen view 'top exited' 3; then ok "q quits"; else bad "q quits: $(screen view)"; fi
[ "$(cat "$tmp/view.rc" 2> /dev/null)" = rc=0 ] && ok "exit status 0 after q" || bad "exit status after q: $(cat "$tmp/view.rc" 2>&1)"
s=$(screen view)
grep -qE '^icanon' <<< "$s" && ok "terminal mode restored (icanon)" || bad "terminal mode after q: $s"
! grep -q 'REALTIME' <<< "$s" && ok "the normal screen is back (alternate screen left)" || bad "screen after q: $s"

start ctrlc
wait_screen ctrlc 'luasched-fast top' 5 || true
tm send-keys -t ctrlc C-c
if wait_screen ctrlc 'top exited' 3 && [ "$(cat "$tmp/ctrlc.rc")" = rc=0 ]; then ok "Ctrl-C quits with status 0"; else bad "Ctrl-C: $(screen ctrlc)"; fi

start gone
wait_screen gone 'luasched-fast top' 5 || true
rm "$tmp/stats.json"
if wait_screen gone 'cannot read the stats file: is luasched-fast still running' 4; then ok "a vanished stats file is reported"; else bad "vanished file: $(screen gone)"; fi
tm send-keys -t gone q

out=$("$bin" top --stats-file "$tmp/none.json" 2>&1) && rc=0 || rc=$?
[ "$rc" = 3 ] && grep -q 'no running luasched-fast found' <<< "$out" && ok "no running instance: exit 3" || bad "no instance: rc=$rc $out"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
