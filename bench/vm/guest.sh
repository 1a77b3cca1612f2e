# Guest side of bench/vm/run (busybox sh): a pre-flight load check, warm-up blocks, then every scheduler once per rep in the given order.
#
# args: orders=A,B,C/B,C,A/... (the block order of each rep, from bench/vm/stats.py) quick=0|1 warmup=0|1
#       preflight=0|1 [skip=REP:SCHED,...] (blocks done in an earlier boot) [crash=REP:SCHED] (harness test: sysrq-c)
# Schedulers: eevdf (no sched_ext), eevdf2 (the same EEVDF under a second name: the noise floor), simple,
# userland, central, qmap (kernel tree examples), lsf.
# Pre-flight (preflight=1): every sched_ext scheduler of the orders is loaded once and stopped before
# anything is measured ("PREFLIGHT sched ok|fail: reason"). If one does not load, the guest stops at once
# ("PREFLIGHT-FAILED sched...") and bench/vm/run boots again with a balanced order of the ones that load,
# so a scheduler that cannot run never unbalances the order of the others.
# Warm-up (warmup=1): one unrecorded block with short loops of every scheduler, in the order of rep 1.
# Sizes per clock (/proc/cmdline lsf.clock=): under the virtual clock the vCPUs are serialised, so the
# timed runs are longer and the open-loop rate lower, to keep enough samples for every p99.
# Output protocol (parsed by bench/vm/results.py; everything else is commentary):
#   META key value...                      run facts
#   M rep sched metric value               one measurement (emitted only if the scheduler stayed in charge)
#   Q rep sched bench q:us q:us ... max:us latency quantiles in microseconds
#   J rep sched name {json}                raw JSON: bpftool prog show (costs), luasched-fast's counters
#   FAIL rep sched what: reason            a measurement or a scheduler that failed
#   LOG rep sched text                     scheduler exit reason, final stats line, kernel sched_ext messages
#   BLOCK rep sched start|end              a scheduler block; a block without "end" was cut short (crash)
#   PREFLIGHT sched ok|fail: reason        the pre-flight load check
# Rep 0 is the warm-up (short loops): its lines are not recorded.
. /opt/lsf/guest_lib.sh
. /opt/lsf/guest_bench.sh

ORDERS= QUICK=0 WARMUP=1 PREFLIGHT=0 SKIP= CRASH=
for a in "$@"; do
  case $a in
    orders=*) ORDERS=${a#orders=} ;;
    quick=*) QUICK=${a#quick=} ;;
    warmup=*) WARMUP=${a#warmup=} ;;
    preflight=*) PREFLIGHT=${a#preflight=} ;;
    skip=*) SKIP=",${a#skip=}," ;;
    crash=*) CRASH=${a#crash=} ;;
  esac
done
POLICY=/opt/lsf/bench_policy.lua
N=$(nproc)
QS="1 5 10 20 30 40 50 60 70 80 90 95 98 99 99.5 99.9 99.99"

CLOCK=$(sed -n 's/.*lsf\.clock=\([a-z]*\).*/\1/p' /proc/cmdline)
sizes() {  # sizes 0|1 [SCHED]: workload sizes (full: one block takes about 2-3 minutes under TCG with 2 vCPUs)
  if [ "$1" = 1 ]; then
    HB_G=2 HB_L=50 MSG_G=2 MSG_L=20 PIPE_L=2000 SNG_S=2 CT_S=3 WRK_S=3 HTTP_S=3 WK_S=3 FS_N=300 BUILD_N=8
  else
    HB_G=4 HB_L=60 MSG_G=4 MSG_L=30 PIPE_L=3000 SNG_S=5 CT_S=12 WRK_S=8 HTTP_S=10 WK_S=8 FS_N=2000 BUILD_N=100
  fi
  # cyclictest histogram: 1 µs buckets up to 100 ms, 50 ms per vCPU above 2 vCPUs (TCG latencies grow with them)
  # cyclictest's interval: 1013 µs (prime), not 1000, which is a quarter of the 4 ms tick (HZ=250) and
  # so wakes at the same four phases of it all run long (see HTTP_ARRIVALS)
  CT_I=1013 CT_H=$((N > 2 ? 50000 * N : 100000)) WRK_C=2 HTTP_RATE=100 SLICE_US=1000
  # open loop: Poisson arrivals, the rep number as the seed (every scheduler of a rep gets the same
  # arrivals); a fixed rate that is a multiple of the tick period sees one phase of the tick only, and the
  # virtual clock keeps each run at the phase it happened to start at (bench/workloads/arrivals.h)
  HTTP_ARRIVALS=poisson
  # Under the virtual clock (a 1-rep run, 2 vCPUs, 2026-12-07): with cyclictest for 20 s and wrk for 16 s
  # the slowest scheduler measured (scx_qmap) still gave 1,361-1,642 cyclictest samples and 1,267-1,612
  # real wrk requests per run (EEVDF 20,000-59,000); the schbench-style rounds gave 93,000-131,000
  # wakeups in 20 s, so 8 s is plenty; the open loop runs at half the rate for twice as long (1,000
  # requests, none late or timed out at 50/s), as the serialised vCPUs answer more slowly
  if [ "$CLOCK" = virtual ] && [ "$1" != 1 ]; then
    CT_S=20 WRK_S=16 HTTP_S=20 HTTP_RATE=50
  fi
  BLOCK_LIMIT=$((8 * (SNG_S + CT_S + 2 * WRK_S + HTTP_S + WK_S) + FS_N / 10 + 10 * BUILD_N + 300))
  # EEVDF's blocks also run the latency rows with SCHED_FIFO and a short slice (guest_bench.sh: variants)
  [ "$2" != eevdf ] && [ "$2" != eevdf2 ] || BLOCK_LIMIT=$((BLOCK_LIMIT + 8 * (2 * CT_S + 4 * WRK_S + 2 * HTTP_S)))
}
sizes "$QUICK"

echo "META kernel $(uname -r)"
echo "META nproc $N"
echo "META clock ${CLOCK:-real}"
echo "META loops hackbench=-g${HB_G}-l${HB_L} messaging=-g${MSG_G}-l${MSG_L} pipe=-l${PIPE_L} stressng_s=$SNG_S cyclictest_s=$CT_S cyclictest_interval_us=$CT_I cyclictest_hist_us=$CT_H wrk_s=$WRK_S wrk_connections=$WRK_C http_rate=$HTTP_RATE http_s=$HTTP_S http_arrivals=$HTTP_ARRIVALS wakeup_s=$WK_S forkstorm_n=$FS_N build_n=$BUILD_N eevdf_slice_us=$SLICE_US"
echo "META quantiles $QS"

# Copies whose comm contains "nginx" are REALTIME under the bench policy; tcc is BATCH.
cp /usr/bin/cyclictest /tmp/nginx-cyclictest
cp /usr/bin/wrk /tmp/wrk
cp /usr/bin/wrk /tmp/nginx-wrk
cp "$LSF_BIN/lsf-httpload" /tmp/nginx-httpload
# /tmp/nice20 CMD...: CMD at nice -20 (busybox has renice but no nice)
printf '#!/bin/sh\nrenice -20 -p $$ > /dev/null || exit 126\nexec "$@"\n' > /tmp/nice20
chmod +x /tmp/nice20
# one compile unit for the build job: 1000 small functions, no #include (tcc needs no headers for it)
mkdir -p /tmp/build
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d ^ (s >> 3); return s; }\n", i, i }' \
  > /tmp/build/unit.c

# ---- schedulers -------------------------------------------------------------------------------------
R= S= SP= OPS=
start_sched() {  # start_sched ID: load the scheduler, set SP and OPS; fail if it does not come up
  SP= OPS=
  case $1 in
    eevdf|eevdf2) [ "$(scx_state)" = disabled ] || { fail "eevdf: sched_ext still $(scx_state) ($(scx_ops))"; return 1; }; return 0 ;;
    simple|userland|central|qmap)
      command -v scx_$1 > /dev/null || { fail "start: scx_$1 is not in the guest (did it build?)"; return 1; }
      scx_$1 > /tmp/sched.log 2>&1 & SP=$! ;;
    lsf) luasched-fast --cpu 0 --policy $POLICY --stats 0 > /tmp/sched.log 2>&1 & SP=$! ;;
    *) fail "unknown scheduler '$1'"; return 1 ;;
  esac
  if wait_state enabled 20; then
    OPS=$(scx_ops); echo "LOG $R $S sched_ext enabled, ops $OPS"; return 0
  fi
  why=$(grep -iE 'failed to load:|invalid|not allowed|unknown func|unsupported|error' /tmp/sched.log | head -3 | tr -s ' \n' ' ')
  fail "start: sched_ext state $(scx_state) 20 s after starting it${why:+; scheduler output: $why}"
  sed 's/^/    /' /tmp/sched.log | tail -30
  return 1
}

stop_sched() {  # SIGINT, wait (10 s guard), record exit status, final lines and the kernel's sched_ext lines
  if [ -n "$SP" ]; then
    kill -INT "$SP" 2>/dev/null
    ( sleep 10; kill -9 "$SP" 2>/dev/null ) & k=$!
    wait "$SP"; rc=$?
    kill $k 2>/dev/null
    echo "LOG $R $S exit status $rc"
    grep -E '^(stats:|sched_ext exit|luasched-fast|EXIT|local=|.*[Ee]xit)' /tmp/sched.log | tail -3 | sed "s/^/LOG $R $S /"
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
    bench_wakeup
    bench_spawn
    if [ -n "$SP" ]; then
      c1=$(ticks "$SP"); t1=$(up)
      [ -n "$c0" ] && [ -n "$c1" ] && M sched_cpu_pct "$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" \
        'BEGIN{printf "%.2f", (b - a) / (t1 - t0)}')"   # ticks are 1/100 s: ticks per second = percent
    fi
    bench_costs
  fi
  stop_sched
  kill $g 2>/dev/null
  echo "BLOCK $R $S end"
  sleep 1
}

scheds=$(echo "$ORDERS" | tr '/,' '\n\n' | awk 'NF && !seen[$0]++')
if [ "$PREFLIGHT" = 1 ]; then
  say "pre-flight: loading each sched_ext scheduler once"
  R=0 failed=
  for S in $scheds; do
    case $S in eevdf|eevdf2) continue ;; esac
    if start_sched "$S" > /tmp/preflight.out 2>&1; then echo "PREFLIGHT $S ok"
    else echo "PREFLIGHT $S fail: $(sed -n 's/^FAIL 0 [^ ]* //p' /tmp/preflight.out | head -1)"; failed="$failed $S"; fi
    stop_sched > /dev/null 2>&1
  done
  if [ -n "$failed" ]; then
    echo "PREFLIGHT-FAILED$failed"
    say "stopping before any measurement: pre-flight failed; the host plans a balanced order without$failed"
    exit 0
  fi
fi
if [ "$WARMUP" = 1 ]; then
  say "warm-up: one block per scheduler, short loops, not recorded"
  R=0
  for S in $(echo "$ORDERS" | cut -d/ -f1 | tr , ' '); do sizes 1 "$S"; block "$S"; done
fi
sizes "$QUICK"
reps=$(echo "$ORDERS" | tr / '\n' | grep -c .)
say "benchmark: $reps reps, orders $ORDERS, nproc=$N quick=$QUICK clock=${CLOCK:-real} block limit ${BLOCK_LIMIT}s"
R=1
for order in $(echo "$ORDERS" | tr / ' '); do
  echo "META order $R $(echo "$order" | tr , ' ')"
  for s in $(echo "$order" | tr , ' '); do sizes "$QUICK" "$s"; block "$s"; done
  R=$((R + 1))
done
say "benchmark done"
