# Benchmarks of one scheduler block for bench/vm/guest.sh (busybox sh, sourced): throughput, latency, workloads, costs.
# Uses R (rep), S (scheduler id), SP (scheduler pid), OPS, N (vCPUs), the sizes set by guest.sh, and writes
# the M / Q / J / FAIL / LOG lines of the protocol (see guest.sh).

# run_orders [warmup=V,...] [REP:]ORDER...: the focused suites of bench/vm/compare; each ORDER (a comma
# list of variants) is one rep, numbered REP or else the next number, and `block REP VARIANT` (the suite's
# own) runs each variant of it in turn; "REPDONE REP" marks a rep whose blocks all ran (a boot that crashes
# later keeps it: compare re-runs only the reps not done). warmup=V,...: first one unrecorded block (rep 0)
# of each variant listed, so that no variant's first recorded block pays for cold caches or a first load.
# (crash=REP, a harness test: crash the kernel when rep REP starts)
run_orders() {
  rep=0 crash_rep=
  for order in "$@"; do
    case $order in
      crash=*) crash_rep=${order#crash=}; continue ;;
      warmup=*)
        for v in $(echo "${order#warmup=}" | tr ',' ' '); do say "warm-up: $v (not recorded)"; block 0 $v; done
        echo "WARMUPDONE"; continue ;;
      *:*) rep=${order%%:*} order=${order#*:} ;;
      *) rep=$((rep + 1)) ;;
    esac
    [ "$rep" != "$crash_rep" ] || { say "crashing the kernel at rep $rep (harness test)"; echo c > /proc/sysrq-trigger; }
    for v in $(echo "$order" | tr ',' ' '); do say "rep $rep: $v"; block $rep $v; done
    echo "REPDONE $rep"
  done
}

# The focused suites' end of a block ($r, $s, $sp, $N: the block's rep, variant, scheduler pid, vCPUs).
# block_throughput GROUPS: hackbench -g GROUPS -l 100 (hackbench_s) and stress-ng CPU for 5 s
# (stressng_bogo_ops_per_s) as R lines
block_throughput() {
  timeout 120 hackbench -g "$1" -l 100 > /tmp/out 2>&1 || fail "hackbench exit $?"
  echo "R $r $s hackbench_s $(awk '/^Time:/{print $2}' /tmp/out)"
  timeout 60 stress-ng --cpu "$N" --timeout 5s --metrics-brief > /tmp/out 2>&1 || fail "stress-ng exit $?"
  echo "R $r $s stressng_bogo_ops_per_s $(awk '$4 == "cpu" {print $9}' /tmp/out | tail -1)"
}
# block_stop: luasched-fast's counters (variants lsf*), then the block's sched_ext scheduler stopped
block_stop() {
  [ -n "$sp" ] || return 0
  case ${s%@base} in
    lsf*) sleep 1.5; lsf_counters "$r" "$s" ;;  # the stats file is rewritten every second
  esac
  kill -INT $sp; wait $sp
  wait_state disabled 20 || fail "sched_ext still $(scx_state) after stop"
}

M() {  # M metric value: print a measurement, or a failure if the value is not a number
  case $2 in
    ''|*[!0-9.e+-]*) echo "FAIL $R $S $1: could not parse a value from the output"; sed 's/^/    /' /tmp/out | tail -5 ;;
    *) echo "M $R $S $1 $2" ;;
  esac
}
fail() { echo "FAIL $R $S $*"; }
jn() { echo "${1:-null}"; }  # jn VALUE: VALUE as a JSON number, null when it is empty
sched_ok() {  # the scheduler of this block is still the one in charge
  if [ -z "$SP" ]; then [ "$(scx_state)" = disabled ]; else [ "$(scx_state)" = enabled ] && [ "$(scx_ops)" = "$OPS" ]; fi
}
reap() {  # kill what a timed-out benchmark left behind
  killall -q -9 hackbench perf stress-ng nginx-cyclictest nginx-cyclictes wrk nginx-wrk nginx-httpload \
    lsf-wakeup lsf-spawn tcc 2>/dev/null
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
# emit: the LAT/VAL lines of a bench/ workload in /tmp/out as Q/M lines
emit() {
  awk -v r="$R" -v s="$S" '
    $1 == "LAT" { name = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "Q %s %s %s %s\n", r, s, name, $0 }
    $1 == "VAL" { printf "M %s %s %s %s\n", r, s, $2, $3 }' /tmp/out
}
hogs() {  # hogs SECONDS: stress-ng CPU hogs on every vCPU, in the background; sets HP
  stress-ng --cpu "$N" --timeout "${1}s" > /tmp/hogs.log 2>&1 &
  HP=$!
  sleep 1
}
unhog() { kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
# helped: the latency-critical processes get help under the baselines too (nice -20); luasched-fast's
# help is its policy (REALTIME by name), so its blocks run only the plain variant. EEVDF's blocks also run
# them with the other help a user would give under EEVDF: SCHED_FIFO 50 and a custom slice of SLICE_US
# (sched_setattr), through lsf-setsched (bench/workloads/set_sched.cc)
variants() {
  case $S in lsf) echo plain ;; eevdf|eevdf2) echo "plain nice fifo slice" ;; *) echo "plain nice" ;; esac
}
pre() {  # busybox has no nice applet: guest.sh writes /tmp/nice20
  case $1 in nice) echo /tmp/nice20 ;; fifo) echo "lsf-setsched --fifo 50 --" ;; slice) echo "lsf-setsched --slice-us $SLICE_US --" ;; esac
}
sfx() { [ "$1" = plain ] || echo "_$1"; }
# lsf_bin VARIANT: the luasched-fast of a bench/vm/compare variant ("X@base": the --base-bin build)
lsf_bin() { case $1 in *@base) echo luasched-fast-base ;; *) echo luasched-fast ;; esac; }
# stats_line REP SCHED NAME: every counter of the running luasched-fast (its stats file, rewritten
# every second) as one "J REP SCHED NAME {json}" line
stats_line() { echo "J $1 $2 $3 $(tr -d '\n' < /run/luasched-fast.stats.json)"; }
# lsf_counters REP VARIANT: the J line of bench/vm/compare's block (named "stats"; compare needs no
# list of the counters)
lsf_counters() {
  if [ -f /run/luasched-fast.stats.json ]; then stats_line "$1" "$2" stats
  else echo "FAIL $1 $2: no stats file"; fi
}
lsf_stats() {  # lsf_stats NAME: luasched-fast's counters as a J line of this block (bench/vm/run)
  [ "$S" = lsf ] && [ -f /run/luasched-fast.stats.json ] || return 0
  stats_line "$R" "$S" "$1"
}

# quantiles FILE: cyclictest histogram (-h) -> "q:us ... max:us ... cap:CT_H" (a quantile in the overflow is CT_H)
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
      printf "%s max:%d samples:%d overflows:%d cap:%d\n", out, mx, tot, ov, lim
    }' "$1"
}

bench_throughput() {
  run 180 hackbench hackbench -g $HB_G -l $HB_L && M hackbench_s "$(awk '/^Time:/{print $2}' /tmp/out)"
  run 180 messaging perf bench sched messaging -g $MSG_G -l $MSG_L \
    && M messaging_s "$(awk '/Total time/{print $3}' /tmp/out)"
  run 180 pipe perf bench sched pipe -l $PIPE_L && M pipe_us_per_op "$(awk '/usecs\/op/{print $1}' /tmp/out)"
  run $((SNG_S + 60)) stress-ng stress-ng --cpu "$N" --timeout "${SNG_S}s" --metrics-brief \
    && M stressng_bogo_ops_s "$(awk '$4 == "cpu" {print $9}' /tmp/out | tail -1)"
}

bench_cyclictest() {  # cyclictest (SCHED_OTHER; REALTIME by name under luasched-fast) while stress-ng hogs every vCPU
  for v in $(variants); do
    key=cyclictest$(sfx $v)
    hogs $((CT_S + 8))
    # which scheduling policy the measuring threads have (0 = SCHED_OTHER; 1/2 would bypass sched_ext)
    : > /tmp/ctpol
    ( n=0; while [ $n -lt 20 ]; do
        sleep 0.5; n=$((n + 1))
        cat /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null | awk '$2 == "(nginx-cyclictes)" {printf "%s/%s ", $41, $19}' > /tmp/ctpol.new
        [ "$(wc -w < /tmp/ctpol.new)" -gt "$(wc -w < /tmp/ctpol)" ] && mv /tmp/ctpol.new /tmp/ctpol
        [ "$(wc -w < /tmp/ctpol)" -gt "$N" ] && break
      done ) &
    pp=$!
    # cyclictest sets its threads' policy itself: SCHED_OTHER keeps the nice and the custom slice it
    # inherits, so only the FIFO variant needs cyclictest's own option
    if [ $v = fifo ]; then ctpol="-p 50 --policy=fifo" ctpre=; else ctpol="-p 0 --policy=other" ctpre=$(pre $v); fi
    run $((CT_S + 60)) $key $ctpre /tmp/nginx-cyclictest -q -m $ctpol -t "$N" -i $CT_I -D "$CT_S" -h $CT_H
    ok=$?
    kill $pp 2>/dev/null; wait $pp 2>/dev/null; unhog
    pol=$(cat /tmp/ctpol)
    case " $v $pol" in
      " fifo"*) ;;
      *" 1/"*|*" 2/"*) fail "$key: measuring threads run SCHED_FIFO/RR (policy/nice: $pol), bypassing sched_ext"; continue ;;
    esac
    [ $ok = 0 ] || continue
    echo "Q $R $S $key $(ct_quantiles /tmp/out)"
    echo "LOG $R $S $key thread policy/nice: $pol"
  done
}

nginx_start() {  # nginx_start [PREFIX...]: nginx (comm "nginx": REALTIME under the bench policy); sets NP
  rm -rf /tmp/nginx; mkdir -p /tmp/nginx/www /var/log/nginx /var/lib/nginx /var/lock
  i=0; while [ $i -lt 9 ]; do echo "luasched-fast benchmark page, line $i: 0123456789abcdefghijklmnopqrstuvwxyz"; i=$((i + 1)); done \
    | head -c 612 > /tmp/nginx/www/index.html
  "$@" nginx -c /opt/lsf/nginx/nginx.conf -g 'daemon off;' > /tmp/nginx/stdout 2>&1 &
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

# nginx under CPU hogs: wrk (closed loop; plain name: DEFAULT, nginx-wrk: REALTIME under luasched-fast; its
# quantiles are wrk 4.1's coordinated-omission-corrected histogram) and the open-loop lsf-httpload (as
# nginx-httpload, every request measured: the primary p99) at HTTP_RATE requests/s on average (Poisson
# arrivals, seeded by the rep); plain, then (baselines)
# with help (see variants); a custom slice that did not take (se.slice of a worker) fails the variant
bench_nginx() {
  for v in $(variants); do
    p=$(pre $v) x=$(sfx $v)
    nginx_start $p || { nginx_stop; continue; }
    w=$(for c in $(grep -l '^nginx$' /proc/[0-9]*/comm 2>/dev/null); do c=${c#/proc/}; c=${c%/comm}; [ "$c" != "$NP" ] && echo "$c"; done | head -1)
    slice=$(awk '$1 == "se.slice" {print $3}' /proc/${w:-$NP}/sched 2>/dev/null)
    echo "LOG $R $S nginx$x processes: $(grep -l '^nginx$' /proc/[0-9]*/comm 2>/dev/null | wc -l) (master + workers), master nice $(awk '{print $19}' /proc/$NP/stat), a worker's policy/nice $(awk '{print $41 "/" $19}' /proc/${w:-$NP}/stat) se.slice ${slice:-?} ns"
    if [ $v = slice ] && [ "$slice" != $((SLICE_US * 1000)) ]; then
      fail "nginx$x: a worker's se.slice is ${slice:-unknown} ns, not $((SLICE_US * 1000)): the custom slice did not take"
      nginx_stop; continue
    fi
    hogs $((2 * WRK_S + HTTP_S + 30))
    for client in wrk nginx-wrk; do
      key=nginx; cp=; [ $client = wrk ] || { key=nginx_rtclient; cp=$p; }
      key=$key$x
      if run $((WRK_S + 60)) "$key" $cp /tmp/$client -t1 -c$WRK_C -d"${WRK_S}s" --latency -s /opt/lsf/wrk_latency.lua \
          http://127.0.0.1:8080/index.html; then
        M ${key}_req_s "$(awk '/^Requests\/sec:/{print $2}' /tmp/out)"
        M ${key}_errors "$(sed -n 's/^WRKS .*errors=\([0-9]*\).*/\1/p' /tmp/out)"
        q=$(sed -n 's/^WRKQ//p' /tmp/out)
        [ -n "$q" ] && echo "Q $R $S $key$q" || fail "$key: no WRKQ line (wrk script)"
      fi
    done
    run $((HTTP_S + 40)) http$x $p /tmp/nginx-httpload --rate $HTTP_RATE --duration $HTTP_S --arrivals $HTTP_ARRIVALS \
      --seed "$R" --connections 32 --name http$x && emit
    unhog; nginx_stop
  done
}

bench_wakeup() {  # schbench-style: 2 message threads, N workers each, 200 µs of work per request; no help for anyone
  run $((WK_S + 60)) wakeup lsf-wakeup --message-threads 2 --workers "$N" --runtime "$WK_S" --work-us 200 && emit
}

bench_spawn() {  # fork/exec storm (/bin/true) and a build-like job (tcc -c, 2N at a time), with luasched-fast's counters
  lsf_stats forkstorm_before
  run 300 forkstorm lsf-spawn --count "$FS_N" --parallel 64 --name forkstorm -- /bin/true && emit
  sleep 1.2; lsf_stats forkstorm_after
  lsf_stats build_before
  run 300 build lsf-spawn --count "$BUILD_N" --parallel $((2 * N)) --name build -- tcc -c /tmp/build/unit.c -o /tmp/build/o{}.o \
    && emit
  sleep 1.2; lsf_stats build_after
  rm -f /tmp/build/o*.o
}

# costs: per-program BPF run time (kernel.bpf_stats_enabled, bpftool) over a short hackbench and fork
# storm, and the scheduler process's memory
bench_costs() {
  [ -n "$SP" ] || return 0
  echo 1 > /proc/sys/kernel/bpf_stats_enabled || { fail "costs: cannot enable kernel.bpf_stats_enabled"; return; }
  run 120 costs_hackbench hackbench -g 2 -l 20
  run 120 costs_forkstorm lsf-spawn --count 200 --parallel 32 --name costs -- /bin/true
  if bpftool prog show -j > /tmp/bpf.json 2>/tmp/bpf.err; then
    echo "J $R $S bpf_progs $(tr -d '\n' < /tmp/bpf.json)"
  else
    fail "costs: bpftool prog show: $(head -1 /tmp/bpf.err)"
  fi
  echo 0 > /proc/sys/kernel/bpf_stats_enabled
  for k in VmRSS VmHWM VmLck; do
    v=$(awk -v k="$k:" '$1 == k {print $2}' /proc/$SP/status)
    M sched_$(echo $k | tr 'A-Z' 'a-z')_kb "$v"
  done
}
