# Guest side of bench/vm/compare --suite server: what a latency-sensitive server feels, per variant, one boot.
# usage: server_guest.sh [warmup=V,...] ORDER...   (each ORDER is a comma list of variants: one rep)
# Variants: eevdf, eevdf2 (the same EEVDF under a second name: the noise floor of the comparison);
# EEVDF with the help a user would give the server (nginx) and the latency-critical cyclictest, through
# lsf-setsched: eevdf-nice (nice -20), eevdf-fifo (SCHED_FIFO 50; cyclictest by its own --policy=fifo),
# eevdf-slice (a 1 ms EEVDF custom slice, sched_setattr's sched_runtime; checked in /proc/PID/sched);
# lsf (bench/vm/bench_policy.lua: nginx and nginx-* REALTIME, the rest DEFAULT); lsf-def (the same policy
# with every task DEFAULT: the server left unclassified). A variant ending in "@base" runs
# /opt/lsf/bin/luasched-fast-base (bench/vm/compare --base-bin) instead of the build.
# Workloads, all under stress-ng CPU hogs on every vCPU:
#   nginx <- lsf-httpload as "httpload" (open loop, Poisson arrivals seeded by the rep, DEFAULT under lsf;
#     every request measured from its scheduled send time): http_p50/p99/p99.9_us, http_answers_per_s, timeouts. The primary p99.
#   nginx <- wrk (closed loop, "wrk": DEFAULT): wrk_req_per_s, wrk_corrected_p50/p99_us. wrk 4.1 corrects
#     its histogram for coordinated omission with synthetic samples: "corrected", not measured requests.
#   cyclictest (1013 µs interval) as "cyclictest" (DEFAULT under lsf, no help) and as "nginx-cyclictest" (REALTIME under lsf,
#     the variant's help under eevdf-*): p50/p99
# and, without hogs, the throughput that wakeup preemption and short slices could cost: hackbench -g 2
# -l 100 (seconds) and stress-ng --cpu N for 5 s (bogo ops/s).
# Sizes per clock (/proc/cmdline lsf.clock=): the virtual clock serialises the vCPUs, so the open loop
# runs at 50 requests/s for 20 s there (1,000 requests either way); the J samples line says how many
# samples each p99 rests on (measured in a 1-rep run: cyclictest 25,000-38,000 and wrk 25,000-71,000
# real requests in 20 s).
# Output: "R rep variant metric value" lines; "FAIL ..." for what could not be measured; per block a
# "J rep variant samples {json}" line (samples behind each latency row) and "J rep variant help {json}"
# (the server's policy, nice and slice as the kernel shows them); luasched-fast's counters as one
# "J rep variant stats {json}" line.
. /opt/lsf/guest_lib.sh
. /opt/lsf/guest_bench.sh   # nginx_start/nginx_stop, ct_quantiles, run_orders (fail() redefined below)
N=$(nproc)
QS="50 90 99 99.9"
CLOCK=$(sed -n 's/.*lsf\.clock=\([a-z]*\).*/\1/p' /proc/cmdline)
CT_I=1013 CT_H=100000 CT_S=10 WRK_S=10 WRK_C=2 HTTP_RATE=100 HTTP_S=10 SLICE_US=1000
# Against the tick (4 ms at HZ=250): a load whose period is a multiple of it sees one phase of it only, and
# the virtual clock keeps a run at the phase it happened to start at. So the open loop has Poisson
# arrivals, seeded by the rep (bench/workloads/arrivals.h), and cyclictest's interval is 1013 µs, not 1000
HTTP_ARRIVALS=poisson
if [ "$CLOCK" = virtual ]; then  # 1,000 open-loop requests at half the rate (cyclictest and wrk keep >10,000)
  HTTP_RATE=50 HTTP_S=20
fi
cp /usr/bin/cyclictest /tmp/cyclictest
cp /usr/bin/cyclictest /tmp/nginx-cyclictest
cp /usr/bin/wrk /tmp/wrk
cp "$LSF_BIN/lsf-httpload" /tmp/httpload
# lsf-def: the bench policy with every verdict DEFAULT (same code path, same cost per decision)
sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' \
  /opt/lsf/bench_policy.lua > /tmp/def_policy.lua
echo "CLOCK ${CLOCK:-real} ct_s=$CT_S ct_interval_us=$CT_I wrk_s=$WRK_S http_rate=$HTTP_RATE http_arrivals=$HTTP_ARRIVALS http_s=$HTTP_S slice_us=$SLICE_US"

fail() { echo "FAIL $r $s: $*"; }  # instead of guest_bench.sh's (this suite's block variables)
q() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2:\([0-9.]*\)$/\1/p"; }  # q LINE QUANTILE

cyclic() {  # cyclic NAME KEY [PREFIX...]: cyclictest copy NAME under hogs, its p50/p99 as KEY_p50_us/KEY_p99_us
  name=$1 key=$2; shift 2
  pol="-p 0 --policy=other"
  [ "$1" != fifo ] || { pol="-p 50 --policy=fifo"; shift; }
  stress-ng --cpu "$N" --timeout $((CT_S + 5))s > /dev/null 2>&1 & hp=$!; sleep 1
  timeout $((CT_S + 40)) "$@" /tmp/$name -q -m $pol -t "$N" -i $CT_I -D "$CT_S" -h $CT_H > /tmp/out 2>&1 \
    || fail "$name exit $?"
  kill $hp 2>/dev/null; wait $hp 2>/dev/null
  l=$(ct_quantiles /tmp/out)
  echo "R $r $s ${key}_p50_us $(q "$l" 50)"
  echo "R $r $s ${key}_p99_us $(q "$l" 99)"
  SAMPLES="$SAMPLES, \"$key\": $(jn "$(q "$l" samples)")"
}

# help_of PID: "policy nice slice_ns" of a task as the kernel shows them (stat fields 41 and 19, se.slice;
# -1 for what it does not show: a SCHED_FIFO task has no se.slice line), always three fields
help_of() {
  set -- $(awk '{print $41, $19}' /proc/$1/stat 2>/dev/null) $(awk '$1 == "se.slice" {print $3}' /proc/$1/sched 2>/dev/null)
  echo "${1:--1} ${2:--1} ${3:--1}"
}

block() {  # block REP VARIANT
  r=$1 s=$2 sp= bin=$(lsf_bin "$2") pol=/opt/lsf/bench_policy.lua help= cyc_help= SAMPLES=
  case ${s%@base} in
    eevdf|eevdf2) ;;
    eevdf-nice) help="lsf-setsched --nice -20 --" cyc_help=$help ;;
    eevdf-fifo) help="lsf-setsched --fifo 50 --" cyc_help=fifo ;;
    eevdf-slice) help="lsf-setsched --slice-us $SLICE_US --" cyc_help=$help ;;
    lsf|lsf-def)
      [ "${s%@base}" = lsf-def ] && pol=/tmp/def_policy.lua
      $bin --cpu 0 --policy $pol --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
      wait_state enabled $LSF_START_S || { fail "luasched-fast did not load"; tail -5 /tmp/lsf.log; return; } ;;
    *) fail "unknown variant"; return ;;
  esac
  sleep 1
  R=$r S=$s
  if nginx_start $help; then
    # the help as the kernel shows it, on the master and on a worker (forks inherit it)
    w=$(for p in $(grep -l '^nginx$' /proc/[0-9]*/comm 2>/dev/null); do p=${p#/proc/}; p=${p%/comm}; [ "$p" != "$NP" ] && echo "$p"; done | head -1)
    set -- $(help_of "$NP") $(help_of "${w:-$NP}")
    echo "J $r $s help {\"master_policy\": ${1:--1}, \"master_nice\": ${2:--1}, \"master_slice_ns\": ${3:--1}, \"worker_policy\": ${4:--1}, \"worker_nice\": ${5:--1}, \"worker_slice_ns\": ${6:--1}}"
    if [ "${s%@base}" = eevdf-slice ] && [ "${6:-0}" != $((SLICE_US * 1000)) ]; then
      fail "eevdf-slice: a worker's se.slice is ${6:-unknown} ns, not $((SLICE_US * 1000)) (custom slice not applied)"
    fi
    stress-ng --cpu "$N" --timeout $((HTTP_S + WRK_S + 20))s > /dev/null 2>&1 & hp=$!; sleep 1
    if timeout $((HTTP_S + 40)) /tmp/httpload --rate $HTTP_RATE --duration $HTTP_S --arrivals $HTTP_ARRIVALS --seed "$r" \
        --connections 32 --name http > /tmp/out 2>&1; then
      l=$(sed -n 's/^LAT http //p' /tmp/out)
      echo "R $r $s http_p50_us $(q "$l" 50)"
      echo "R $r $s http_p99_us $(q "$l" 99)"
      echo "R $r $s http_p99.9_us $(q "$l" 99.9)"
      echo "R $r $s http_answers_per_s $(sed -n 's/^VAL http_rate //p' /tmp/out)"
      echo "R $r $s http_timeouts $(sed -n 's/^VAL http_timeouts //p' /tmp/out)"
      SAMPLES="$SAMPLES, \"http\": $(jn "$(q "$l" samples)")"
    else
      fail "httpload exit $?"; tail -3 /tmp/out
    fi
    timeout $((WRK_S + 40)) /tmp/wrk -t1 -c$WRK_C -d${WRK_S}s --latency -s /opt/lsf/wrk_latency.lua \
      http://127.0.0.1:8080/index.html > /tmp/out 2>&1 || fail "wrk exit $?"
    kill $hp 2>/dev/null; wait $hp 2>/dev/null
    l=$(sed -n 's/^WRKQ//p' /tmp/out)
    echo "R $r $s wrk_req_per_s $(awk '/^Requests\/sec:/{print $2}' /tmp/out)"
    echo "R $r $s wrk_corrected_p50_us $(q "$l" 50)"
    echo "R $r $s wrk_corrected_p99_us $(q "$l" 99)"
    SAMPLES="$SAMPLES, \"wrk\": $(jn "$(q "$l" samples)")"
  fi
  nginx_stop
  cyclic cyclictest cyc_default
  cyclic nginx-cyclictest cyc_rt $cyc_help
  echo "J $r $s samples {${SAMPLES#, }}"
  block_throughput 2
  block_stop
}
run_orders "$@"
echo "DONE"
finish
