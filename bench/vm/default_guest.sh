# Guest side of bench/vm/compare --suite default: what the tasks a policy leaves in DEFAULT feel, per variant.
# usage: default_guest.sh [warmup=V,...] ORDER...   (each ORDER is a comma list of variants: one rep)
# Variants: eevdf, eevdf2 (the same EEVDF under a second name: the noise floor of the comparison); lsf
# (bench/vm/bench_policy.lua with every verdict DEFAULT: nothing here gets a class's help, the case the
# DEFAULT class must serve at least as well as EEVDF); simple (the kernel tree's scx_simple, one shared
# vtime queue: the sched_ext floor of cost and the throughput goal's other yardstick). A variant ending in "@base" runs
# /opt/lsf/bin/luasched-fast-base (bench/vm/compare --base-bin) instead of the build.
# Workloads, every task SCHED_OTHER with no help:
#   wakeup   lsf-wakeup, schbench-style (2 message threads, N workers each, 200 µs of work per request):
#            wakeup_p50/p99_us, request_p50/p99_us, rounds_per_s
#   cyclictest (1013 µs interval, one thread per vCPU) on an idle guest (cyc_idle_p50/p99/max_us) and
#            under stress-ng CPU hogs on every vCPU (cyc_hogs_p50/p99_us)
#   hackbench -g 4 -l 100 (hackbench_s) and stress-ng --cpu N for 5 s (stressng_bogo_ops_per_s)
#   sched_ext variants, over the wakeup run: BPF run time of the scheduler's struct_ops programs per
#            ops.running call (kernel.bpf_stats_enabled; bpftool): bpf_ns_per_switch, and
#            bpf_dispatch/enqueue/running_ns (ns per call of each)
# Output: "R rep variant metric value" lines; "FAIL ..." for what could not be measured; per block a
# "J rep variant samples {json}" line (samples behind each latency row); luasched-fast's counters as one
# "J rep variant stats {json}" line.
. /opt/lsf/guest_lib.sh
. /opt/lsf/guest_bench.sh   # ct_quantiles, run_orders (fail() redefined below)
N=$(nproc)
QS="50 90 99"
CLOCK=$(sed -n 's/.*lsf\.clock=\([a-z]*\).*/\1/p' /proc/cmdline)
CT_I=1013 CT_H=100000 CT_S=10 WK_S=8
cp /usr/bin/cyclictest /tmp/cyclictest
sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' \
  /opt/lsf/bench_policy.lua > /tmp/def_policy.lua
echo "CLOCK ${CLOCK:-real} ct_s=$CT_S ct_interval_us=$CT_I wakeup_s=$WK_S"

fail() { echo "FAIL $r $s: $*"; }  # instead of guest_bench.sh's (this suite's block variables)
q() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2:\([0-9.]*\)$/\1/p"; }  # q LINE QUANTILE

cyclic() {  # cyclic KEY hogs|idle: cyclictest (SCHED_OTHER), its quantiles as KEY_p50_us, KEY_p99_us (KEY_max_us idle)
  key=$1 hp=
  if [ "$2" = hogs ]; then stress-ng --cpu "$N" --timeout $((CT_S + 5))s > /dev/null 2>&1 & hp=$!; sleep 1; fi
  timeout $((CT_S + 40)) /tmp/cyclictest -q -m -p 0 --policy=other -t "$N" -i $CT_I -D "$CT_S" -h $CT_H \
    > /tmp/out 2>&1 || fail "cyclictest ($2) exit $?"
  [ -z "$hp" ] || { kill $hp 2>/dev/null; wait $hp 2>/dev/null; }
  l=$(ct_quantiles /tmp/out)
  echo "R $r $s ${key}_p50_us $(q "$l" 50)"
  echo "R $r $s ${key}_p99_us $(q "$l" 99)"
  [ "$2" = hogs ] || echo "R $r $s ${key}_max_us $(q "$l" max)"
  SAMPLES="$SAMPLES, \"$key\": $(jn "$(q "$l" samples)")"
}

# bpf_costs: the block's scheduler's struct_ops programs' run time since bpf_stats was enabled (lsf_* or
# simple_*, the prefix dropped), as R lines; disables bpf_stats
bpf_costs() {
  if bpftool prog show > /tmp/bpf.txt 2>/tmp/bpf.err; then
    awk -v r="$r" -v s="$s" '
      $2 == "struct_ops" { name = ""; for (i = 3; i < NF; i++) if ($i == "name") name = $(i + 1)
        sub(/^[a-z]+_/, "", name)  # lsf_running, simple_running: running
        for (i = 3; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
        tot += t; ns[name] = t; cnt[name] = c; t = 0; c = 0 }
      END {
        if (cnt["running"] > 0) printf "R %s %s bpf_ns_per_switch %.0f\n", r, s, tot / cnt["running"]
        split("dispatch enqueue running", k, " ")
        for (j = 1; j <= 3; j++) if (cnt[k[j]] > 0) printf "R %s %s bpf_%s_ns %.0f\n", r, s, k[j], ns[k[j]] / cnt[k[j]]
      }' /tmp/bpf.txt
  else
    fail "bpftool prog show: $(head -1 /tmp/bpf.err)"
  fi
  echo 0 > /proc/sys/kernel/bpf_stats_enabled
}

block() {  # block REP VARIANT
  r=$1 s=$2 sp= bin=$(lsf_bin "$2") SAMPLES=
  case ${s%@base} in
    eevdf|eevdf2) ;;
    lsf)
      $bin --cpu 0 --policy /tmp/def_policy.lua --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
      wait_state enabled $LSF_START_S || { fail "luasched-fast did not load"; tail -5 /tmp/lsf.log; return; } ;;
    simple)
      $LSF_BIN/scx_simple > /tmp/simple.log 2>&1 & sp=$!
      wait_state enabled $LSF_START_S || { fail "scx_simple did not load"; tail -5 /tmp/simple.log; return; } ;;
    *) fail "unknown variant"; return ;;
  esac
  sleep 1
  [ -z "$sp" ] || echo 1 > /proc/sys/kernel/bpf_stats_enabled
  if timeout $((WK_S + 60)) lsf-wakeup --message-threads 2 --workers "$N" --runtime "$WK_S" --work-us 200 \
      > /tmp/out 2>&1; then
    for m in wakeup request; do
      l=$(sed -n "s/^LAT $m //p" /tmp/out)
      echo "R $r $s ${m}_p50_us $(q "$l" 50)"
      echo "R $r $s ${m}_p99_us $(q "$l" 99)"
      SAMPLES="$SAMPLES, \"$m\": $(jn "$(q "$l" samples)")"
    done
    echo "R $r $s rounds_per_s $(sed -n 's/^VAL rounds_per_s //p' /tmp/out)"
  else
    fail "lsf-wakeup exit $?"; tail -3 /tmp/out
  fi
  [ -z "$sp" ] || bpf_costs
  cyclic cyc_idle idle
  cyclic cyc_hogs hogs
  echo "J $r $s samples {${SAMPLES#, }}"
  block_throughput 4
  block_stop
}
run_orders "$@"
echo "DONE"
finish
