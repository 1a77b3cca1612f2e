# Assertion helpers for guest scripts (busybox sh): source /opt/lsf/guest_lib.sh.
# Each check prints "ok - what" or "not ok - what"; `finish` prints "N passed, N failed" and
# returns non-zero if anything failed.

LSF_PASS=0
LSF_FAIL=0
LSF_FAILED=   # the failed checks, repeated by finish (logs are often read from their tail)
# Seconds a scheduler may take to load and attach. The verifier is slow under software emulation:
# luasched-fast took 14 s on 7.3 and 90-95 s on 6.12 LTS (2026-12-07, 2 vCPUs; 6.12's verifier walks
# the dispatch path's queue loops far longer). wait_state returns as soon as the state is reached.
LSF_START_S=${LSF_START_S:-150}

up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "[$(up)] $*"; }

pass() { LSF_PASS=$((LSF_PASS + 1)); echo "ok - $*"; }
fail() {
  LSF_FAIL=$((LSF_FAIL + 1)); echo "not ok - $*"
  LSF_FAILED="$LSF_FAILED
  not ok - $*"
}

# check "what" CONDITION...   (CONDITION is a command, e.g. [ "$x" = y ])
check() {
  what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# check_ge "what" VALUE MIN
check_ge() {
  if [ "${2:-0}" -ge "$3" ] 2>/dev/null; then pass "$1 ($2 >= $3)"; else fail "$1 ($2, want >= $3)"; fi
}

# check_eq "what" VALUE EXPECTED
check_eq() {
  if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1 (got '$2', want '$3')"; fi
}

scx_state() { cat /sys/kernel/sched_ext/state 2>/dev/null || echo missing; }
scx_ops() { cat /sys/kernel/sched_ext/root/ops 2>/dev/null; }

# wait_state STATE SECONDS: poll sched_ext state until it is STATE
wait_state() {
  n=0
  while [ "$(scx_state)" != "$1" ] && [ $n -lt $(($2 * 10)) ]; do sleep 0.1; n=$((n + 1)); done
  [ "$(scx_state)" = "$1" ]
}

# scx_dump OUT: the sched_ext debug dump (sysrq-D), the scheduler's own lines included, into OUT.
# The dump goes to the sched_ext_dump trace event (what an error exit's dump also holds).
scx_dump() {
  T=/sys/kernel/tracing
  [ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
  echo 1 > $T/events/sched_ext/sched_ext_dump/enable 2>/dev/null
  echo > $T/trace
  echo D > /proc/sysrq-trigger; sleep 1
  cat $T/trace > "$1" 2>/dev/null
}

# hog_all SECONDS: one busy loop per vCPU, in the background
hog_all() {
  i=0
  while [ $i -lt "$(nproc)" ]; do
    timeout "$1" sh -c 'while :; do :; done' &
    i=$((i + 1))
  done
}

# start_lsf POLICY [OPTION...]: luasched-fast on CPU 0 with POLICY in the background ($lp, log in
# /tmp/lsf.log), and the check that it attached
start_lsf() {
  policy=$1; shift
  luasched-fast --cpu 0 --policy "$policy" --stats 0 "$@" > /tmp/lsf.log 2>&1 &
  lp=$!
  wait_state enabled "$LSF_START_S"
  check_eq "scheduler enabled" "$(scx_state)" enabled
}

# stop_lsf: stops the luasched-fast of start_lsf, prints its last counters and exit lines, and checks
# that the kernel never ejected it
stop_lsf() {
  kill -INT "$lp"; wait "$lp"; rc=$?
  grep -E '^(stats|sched_ext exit|luasched-fast:)' /tmp/lsf.log
  check_eq "no ejection (dispatcher exit 0)" "$rc" 0
}

finish() {
  [ "$LSF_FAIL" = 0 ] || echo "failed checks:$LSF_FAILED"
  echo "$LSF_PASS passed, $LSF_FAIL failed"
  [ "$LSF_FAIL" = 0 ]
}

# json_num KEY FILE: the number stored under "KEY" in a flat JSON object or JSON-lines file (last
# occurrence); empty if absent. Enough for the project's own flat records (stats file, lsf-probe).
json_num() { sed -n "s/.*\"$1\": *\(-\{0,1\}[0-9][0-9.]*\).*/\1/p" "$2" | tail -1; }

# int VALUE: the integer part of a decimal number ("12.5" -> 12)
int() { echo "${1%%.*}"; }

# lsf_stat KEY: a counter of the running luasched-fast, from its JSON stats file
lsf_stat() { json_num "$1" /run/luasched-fast.stats.json; }

# last_json LOG OUT: the last JSON line of a luasched-fast log (run with --stats-json: the periodic
# and final counters) into OUT, for json_num
last_json() { grep '^{' "$1" | tail -1 > "$2"; }
