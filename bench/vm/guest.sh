# Guest side of bench/vm/run (busybox sh): EEVDF, scx_simple and luasched-fast measured in one boot, rotating order.
#
# args: reps=N scheds=eevdf,simple,lsf quick=0|1 [skip=REP:SCHED,...] (blocks done in an earlier boot)
#       [crash=REP:SCHED] (harness test: crash the kernel with sysrq-c when that block starts)
# Output protocol (parsed by bench/vm/report.py; everything else is commentary):
#   META key value...                      run facts
#   M rep sched metric value               one measurement (emitted only if the scheduler stayed in charge)
#   Q rep sched bench q:us q:us ... max:us latency quantiles in microseconds
#   FAIL rep sched what: reason            a measurement or a scheduler that failed
#   LOG rep sched text                     scheduler exit reason, final stats line, kernel sched_ext messages
#   BLOCK rep sched start|end              a scheduler block; a block without "end" was cut short (crash)
. /opt/lsf/guest_lib.sh

REPS=3 SCHEDS="eevdf simple lsf" QUICK=0 SKIP= CRASH=
for a in "$@"; do
  case $a in
    reps=*) REPS=${a#reps=} ;;
    scheds=*) SCHEDS=$(echo "${a#scheds=}" | tr , ' ') ;;
    quick=*) QUICK=${a#quick=} ;;
    skip=*) SKIP=",${a#skip=}," ;;
    crash=*) CRASH=${a#crash=} ;;
  esac
done
POLICY=/opt/lsf/policies/workload.lua
N=$(nproc)
QS="1 5 10 20 30 40 50 60 70 80 90 95 98 99 99.5 99.9 99.99"

# Workload sizes: chosen so one scheduler block takes about a minute under TCG with 2 vCPUs.
if [ "$QUICK" = 1 ]; then
  HB_G=2 HB_L=50 MSG_G=2 MSG_L=20 PIPE_L=2000 SNG_S=2 CT_S=3 WRK_S=3
else
  HB_G=4 HB_L=60 MSG_G=4 MSG_L=30 PIPE_L=3000 SNG_S=5 CT_S=12 WRK_S=8
fi
CT_I=1000 CT_H=100000 WRK_C=2
BLOCK_LIMIT=$((4 * (SNG_S + CT_S + 2 * WRK_S) + 120))

echo "META kernel $(uname -r)"
echo "META nproc $N"
echo "META loops hackbench=-g${HB_G}-l${HB_L} messaging=-g${MSG_G}-l${MSG_L} pipe=-l${PIPE_L} stressng_s=$SNG_S cyclictest_s=$CT_S cyclictest_interval_us=$CT_I cyclictest_hist_us=$CT_H wrk_s=$WRK_S wrk_connections=$WRK_C"
echo "META quantiles $QS"

# The policy classifies by comm: copies whose name contains "nginx" are REALTIME under workload.lua.
cp /usr/bin/cyclictest /tmp/nginx-cyclictest
cp /usr/bin/wrk /tmp/wrk
cp /usr/bin/wrk /tmp/nginx-wrk

# ---- helpers ----------------------------------------------------------------------------------------
R= S= SP= OPS=
M() {  # M metric value: print a measurement, or a failure if the value is not a number
  case $2 in
    ''|*[!0-9.]*) echo "FAIL $R $S $1: could not parse a value from the output"; sed 's/^/    /' /tmp/out | tail -5 ;;
    *) echo "M $R $S $1 $2" ;;
  esac
}
fail() { echo "FAIL $R $S $*"; }
sched_ok() {  # the scheduler of this block is still the one in charge
  if [ -z "$SP" ]; then [ "$(scx_state)" = disabled ]; else [ "$(scx_state)" = enabled ] && [ "$(scx_ops)" = "$OPS" ]; fi
}
reap() {  # kill what a timed-out benchmark left behind
  killall -q -9 hackbench perf stress-ng nginx-cyclictest nginx-cyclictes wrk nginx-wrk 2>/dev/null
}
# run LIMIT WHAT CMD...: CMD under `timeout`, output in /tmp/out; fails when it errs, times out, or
# the scheduler changed under it
run() {
  lim=$1 what=$2; shift 2
  sched_ok || { fail "$what: scheduler not in charge before the run (state $(scx_state) ops $(scx_ops))"; return 1; }
  timeout -k 5 "$lim" "$@" > /tmp/out 2>&1
  rc=$?
  if [ $rc != 0 ]; then
    why="exit status $rc"; case $rc in 124|137|143) why="$why (timed out after ${lim}s?)" ;; esac
    fail "$what: $why"; tail -3 /tmp/out | sed 's/^/    /'; reap; return 1
  fi
  sched_ok || { fail "$what: scheduler left during the run (state $(scx_state) ops $(scx_ops))"; return 1; }
}
hogs() {  # hogs SECONDS: stress-ng CPU hogs on every vCPU, in the background; sets HP
  stress-ng --cpu "$N" --timeout "${1}s" > /tmp/hogs.log 2>&1 &
  HP=$!
  sleep 1
}
unhog() { kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }

# quantiles FILE: cyclictest histogram (-h) -> "q:us ... max:us" (a quantile in the overflow is CT_H)
ct_quantiles() {
  awk -v qs="$QS" -v lim="$CT_H" '
    /^# Max Latencies:/ { for (i = 4; i <= NF; i++) if ($i + 0 > mx) mx = $i + 0 }
    /^# Histogram Overflows:/ { for (i = 4; i <= NF; i++) ov += $i }
    /^[0-9]/ { for (i = 2; i <= NF; i++) { c[$1 + 0] += $i; tot += $i }; if ($1 + 0 > nb) nb = $1 + 0 }
    END {
      tot += ov; n = split(qs, q, " "); k = 1; cum = 0
      for (b = 0; b <= nb && k <= n; b++) {
        cum += c[b]
        while (k <= n && cum >= q[k] / 100 * tot) { v[k] = b; k++ }
      }
      out = ""
      for (j = 1; j <= n; j++) out = out " " q[j] ":" (j < k ? v[j] : lim)
      printf "%s max:%d samples:%d overflows:%d\n", out, mx, tot, ov
    }' "$1"
}

# ---- benchmarks -------------------------------------------------------------------------------------
bench_throughput() {
  run 180 hackbench hackbench -g $HB_G -l $HB_L && M hackbench_s "$(awk '/^Time:/{print $2}' /tmp/out)"
  run 180 messaging perf bench sched messaging -g $MSG_G -l $MSG_L \
    && M messaging_s "$(awk '/Total time/{print $3}' /tmp/out)"
  run 180 pipe perf bench sched pipe -l $PIPE_L && M pipe_us_per_op "$(awk '/usecs\/op/{print $1}' /tmp/out)"
  run $((SNG_S + 60)) stress-ng stress-ng --cpu "$N" --timeout "${SNG_S}s" --metrics-brief \
    && M stressng_bogo_ops_s "$(awk '$4 == "cpu" {print $9}' /tmp/out | tail -1)"
}

bench_cyclictest() {  # REALTIME-classified cyclictest (SCHED_OTHER) while stress-ng saturates every vCPU
  hogs $((CT_S + 8))
  # which scheduling policy the measuring threads have (0 = SCHED_OTHER; 1/2 would bypass sched_ext)
  : > /tmp/ctpol
  ( n=0; while [ $n -lt 20 ]; do
      sleep 0.5; n=$((n + 1))
      cat /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null | awk '$2 == "(nginx-cyclictes)" {printf "%s ", $41}' > /tmp/ctpol.new
      [ "$(wc -w < /tmp/ctpol.new)" -gt "$(wc -w < /tmp/ctpol)" ] && mv /tmp/ctpol.new /tmp/ctpol
      [ "$(wc -w < /tmp/ctpol)" -gt "$N" ] && break
    done ) &
  pp=$!
  run $((CT_S + 60)) cyclictest /tmp/nginx-cyclictest -q -m -p 0 --policy=other -t "$N" -i $CT_I -D "$CT_S" -h $CT_H
  ok=$?
  kill $pp 2>/dev/null; wait $pp 2>/dev/null; unhog
  pol=$(cat /tmp/ctpol)
  case " $pol" in
    *" 1"*|*" 2"*) fail "cyclictest: measuring threads run SCHED_FIFO/RR (policies: $pol), bypassing sched_ext"; return ;;
  esac
  [ $ok = 0 ] || return
  q=$(ct_quantiles /tmp/out)
  echo "Q $R $S cyclictest $q"
  echo "LOG $R $S cyclictest thread policies: $pol"
}

nginx_start() {  # nginx (comm "nginx": REALTIME under workload.lua) serving a 612-byte file; sets NP
  rm -rf /tmp/nginx; mkdir -p /tmp/nginx/www /var/log/nginx /var/lib/nginx /var/lock
  i=0; while [ $i -lt 9 ]; do echo "luasched-fast benchmark page, line $i: 0123456789abcdefghijklmnopqrstuvwxyz"; i=$((i + 1)); done \
    | head -c 612 > /tmp/nginx/www/index.html
  nginx -c /opt/lsf/nginx/nginx.conf -g 'daemon off;' > /tmp/nginx/stdout 2>&1 &
  NP=$!
  n=0
  while [ $n -lt 50 ]; do
    timeout 5 wget -q -O /tmp/nginx/got http://127.0.0.1:8080/index.html 2>/dev/null && cmp -s /tmp/nginx/got /tmp/nginx/www/index.html \
      && return 0
    sleep 0.2; n=$((n + 1))
  done
  fail "nginx: does not serve the test page after 10 s"; cat /tmp/nginx/stdout /tmp/nginx/error.log 2>/dev/null | tail -5
  return 1
}
nginx_stop() { kill "$NP" 2>/dev/null; wait "$NP" 2>/dev/null; }

bench_nginx() {  # wrk on 127.0.0.1 against nginx while stress-ng hogs every vCPU; client plain, then REALTIME
  nginx_start || { nginx_stop; return; }
  echo "LOG $R $S nginx processes: $(grep -l '^nginx$' /proc/[0-9]*/comm 2>/dev/null | wc -l) (master + workers)"
  hogs $((2 * WRK_S + 20))
  for client in wrk nginx-wrk; do
    key=nginx; [ $client = wrk ] || key=nginx_rtclient
    if run $((WRK_S + 60)) "$key" /tmp/$client -t1 -c$WRK_C -d"${WRK_S}s" --latency -s /opt/lsf/wrk_latency.lua \
        http://127.0.0.1:8080/index.html; then
      M ${key}_req_s "$(awk '/^Requests\/sec:/{print $2}' /tmp/out)"
      M ${key}_errors "$(sed -n 's/^WRKS .*errors=\([0-9]*\).*/\1/p' /tmp/out)"
      q=$(sed -n 's/^WRKQ//p' /tmp/out)
      [ -n "$q" ] && echo "Q $R $S $key$q" || fail "$key: no WRKQ line (wrk script)"
    fi
  done
  unhog; nginx_stop
}

# ---- schedulers -------------------------------------------------------------------------------------
start_sched() {  # start_sched ID: load the scheduler, set SP and OPS; fail if it does not come up
  SP= OPS=
  case $1 in
    eevdf) [ "$(scx_state)" = disabled ] || { fail "eevdf: sched_ext still $(scx_state) ($(scx_ops))"; return 1; }; return 0 ;;
    simple) scx_simple > /tmp/sched.log 2>&1 & SP=$! ;;
    lsf) luasched-fast --cpu 0 --policy $POLICY --stats 0 > /tmp/sched.log 2>&1 & SP=$! ;;
    *) fail "unknown scheduler '$1'"; return 1 ;;
  esac
  if wait_state enabled 20; then
    OPS=$(scx_ops); echo "LOG $R $S sched_ext enabled, ops $OPS"; return 0
  fi
  fail "start: sched_ext state $(scx_state) 20 s after starting it"
  sed 's/^/    /' /tmp/sched.log | tail -8
  return 1
}

stop_sched() {  # SIGINT, wait (10 s guard), record exit status, final lines and the kernel's sched_ext lines
  if [ -n "$SP" ]; then
    kill -INT "$SP" 2>/dev/null
    ( sleep 10; kill -9 "$SP" 2>/dev/null ) & k=$!
    wait "$SP"; rc=$?
    kill $k 2>/dev/null
    echo "LOG $R $S exit status $rc"
    grep -E '^(stats:|sched_ext exit|luasched-fast|EXIT|local=)' /tmp/sched.log | tail -3 | sed "s/^/LOG $R $S /"
    [ $rc = 0 ] || fail "exit: status $rc"
    wait_state disabled 10 || { fail "exit: sched_ext still $(scx_state) 10 s after stop; forcing sysrq-S"; echo S > /proc/sysrq-trigger; wait_state disabled 10; }
  fi
  dmesg | grep -i sched_ext > /tmp/dmesg.now
  tail -n +$((DMESG_SEEN + 1)) /tmp/dmesg.now | sed "s/^/LOG $R $S kernel: /"
  DMESG_SEEN=$(wc -l < /tmp/dmesg.now)
}
DMESG_SEEN=0

block() {  # block ID: one scheduler, every benchmark
  S=$1
  case $SKIP in *",$R:$S,"*) say "rep $R: $S done in an earlier boot"; return ;; esac
  say "rep $R: $S"
  echo "BLOCK $R $S start"
  [ "$CRASH" != "$R:$S" ] || { say "harness test: crashing the kernel (sysrq-c)"; echo c > /proc/sysrq-trigger; }
  # guard: a block that hangs (seen once under TCG) is cut short: dump, force sched_ext off (sysrq-S)
  ( sleep $BLOCK_LIMIT; echo "FAIL $R $S guard: block exceeded ${BLOCK_LIMIT}s; sysrq-D dump, sysrq-S"
    echo D > /proc/sysrq-trigger; sleep 1; echo S > /proc/sysrq-trigger; reap ) &
  g=$!
  if start_sched "$1"; then
    t0=$(up); c0=${SP:+$(ticks "$SP")}
    bench_throughput
    bench_cyclictest
    bench_nginx
    if [ -n "$SP" ]; then
      c1=$(ticks "$SP"); t1=$(up)
      [ -n "$c0" ] && [ -n "$c1" ] && M sched_cpu_pct "$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" \
        'BEGIN{printf "%.2f", (b - a) / (t1 - t0)}')"   # ticks are 1/100 s: ticks per second = percent
    fi
  fi
  stop_sched
  kill $g 2>/dev/null
  echo "BLOCK $R $S end"
  sleep 1
}

say "benchmark: reps=$REPS schedulers=$SCHEDS nproc=$N quick=$QUICK block limit ${BLOCK_LIMIT}s"
set -- $SCHEDS
cnt=$#
R=1
while [ $R -le "$REPS" ]; do
  # rotate the order each repetition: ABC, BCA, CAB, ...
  i=0; order=
  while [ $i -lt $cnt ]; do
    j=$(( (i + R - 1) % cnt + 1 )); eval "order=\"\$order \${$j}\""; i=$((i + 1))
  done
  echo "META order $R$order"
  for s in $order; do block "$s"; done
  R=$((R + 1))
done
say "benchmark done"
