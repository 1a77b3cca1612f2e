# Guest side of bench/vm/compare --suite server: what a latency-sensitive server feels, per variant, one boot.
# usage: server_guest.sh ORDER...   (each ORDER is a comma list of variants: one rep)
# Variants: eevdf (no sched_ext); lsf (bench/vm/bench_policy.lua: nginx and nginx-* REALTIME, the rest
# DEFAULT); lsf-def (the same policy with every task DEFAULT: the server left unclassified). A variant
# ending in "@base" runs /opt/lsf/bin/luasched-fast-base (bench/vm/compare --base-bin) instead of the build.
# Workloads, all under stress-ng CPU hogs on every vCPU:
#   nginx <- wrk (comm "wrk": DEFAULT; nginx REALTIME under lsf): requests/s, latency p50/p99
#   cyclictest as "cyclictest" (DEFAULT under lsf) and as "nginx-cyclictest" (REALTIME under lsf): p50/p99
# and, without hogs, the throughput that wakeup preemption and short slices could cost: hackbench -g 2
# -l 100 (seconds) and stress-ng --cpu N for 5 s (bogo ops/s).
# Output: "R rep variant metric value" lines; "FAIL ..." for what could not be measured; luasched-fast's
# counters after each block as one "J rep variant stats {json}" line.
. /opt/lsf/guest_lib.sh
. /opt/lsf/guest_bench.sh   # nginx_start/nginx_stop, ct_quantiles, run_orders (fail() redefined below)
N=$(nproc)
QS="50 90 99 99.9"
CT_I=1000 CT_H=100000 CT_S=10 WRK_S=10 WRK_C=2
cp /usr/bin/cyclictest /tmp/cyclictest
cp /usr/bin/cyclictest /tmp/nginx-cyclictest
cp /usr/bin/wrk /tmp/wrk
# lsf-def: the bench policy with every verdict DEFAULT (same code path, same cost per decision)
sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' \
  /opt/lsf/bench_policy.lua > /tmp/def_policy.lua

fail() { echo "FAIL $r $s: $*"; }  # instead of guest_bench.sh's (this suite's block variables)
q() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2:\([0-9.]*\)$/\1/p"; }  # q LINE QUANTILE

cyclic() {  # cyclic NAME KEY: cyclictest copy NAME under hogs, its p50/p99 as KEY_p50_us/KEY_p99_us
  stress-ng --cpu "$N" --timeout $((CT_S + 5))s > /dev/null 2>&1 & hp=$!; sleep 1
  timeout $((CT_S + 40)) /tmp/$1 -q -m -p 0 --policy=other -t "$N" -i $CT_I -D "$CT_S" -h $CT_H > /tmp/out 2>&1 \
    || fail "$1 exit $?"
  kill $hp 2>/dev/null; wait $hp 2>/dev/null
  l=$(ct_quantiles /tmp/out)
  echo "R $r $s ${2}_p50_us $(q "$l" 50)"
  echo "R $r $s ${2}_p99_us $(q "$l" 99)"
}

block() {  # block REP VARIANT
  r=$1 s=$2 sp= bin=$(lsf_bin "$2") pol=/opt/lsf/bench_policy.lua
  case ${s%@base} in
    eevdf) ;;
    lsf|lsf-def)
      [ "${s%@base}" = lsf-def ] && pol=/tmp/def_policy.lua
      $bin --cpu 0 --policy $pol --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
      wait_state enabled $LSF_START_S || { fail "luasched-fast did not load"; tail -5 /tmp/lsf.log; return; } ;;
    *) fail "unknown variant"; return ;;
  esac
  sleep 1
  R=$r S=$s
  if nginx_start; then
    stress-ng --cpu "$N" --timeout $((WRK_S + 5))s > /dev/null 2>&1 & hp=$!; sleep 1
    timeout $((WRK_S + 40)) /tmp/wrk -t1 -c$WRK_C -d${WRK_S}s --latency -s /opt/lsf/wrk_latency.lua \
      http://127.0.0.1:8080/index.html > /tmp/out 2>&1 || fail "wrk exit $?"
    kill $hp 2>/dev/null; wait $hp 2>/dev/null
    l=$(sed -n 's/^WRKQ//p' /tmp/out)
    echo "R $r $s nginx_req_per_s $(awk '/^Requests\/sec:/{print $2}' /tmp/out)"
    echo "R $r $s nginx_p50_us $(q "$l" 50)"
    echo "R $r $s nginx_p99_us $(q "$l" 99)"
  fi
  nginx_stop
  cyclic cyclictest cyc_default
  cyclic nginx-cyclictest cyc_rt
  timeout 120 hackbench -g 2 -l 100 > /tmp/out 2>&1 || fail "hackbench exit $?"
  echo "R $r $s hackbench_s $(awk '/^Time:/{print $2}' /tmp/out)"
  timeout 60 stress-ng --cpu "$N" --timeout 5s --metrics-brief > /tmp/out 2>&1 || fail "stress-ng exit $?"
  echo "R $r $s stressng_bogo_ops_per_s $(awk '$4 == "cpu" {print $9}' /tmp/out | tail -1)"
  if [ -n "$sp" ]; then
    sleep 1.5  # the stats file is rewritten every second
    lsf_counters "$r" "$s"
    kill -INT $sp; wait $sp
    wait_state disabled 20 || fail "sched_ext still $(scx_state) after stop"
  fi
}
run_orders "$@"
echo "DONE"
finish
