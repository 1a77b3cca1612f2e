# Guest side of bench/vm/miss_modes: fork-to-first-run, exec-then-wakeup and fork-heavy throughput under EEVDF and
# luasched-fast with --miss run and --miss wait, blocks in the order given, one boot.
# usage: miss_modes_guest.sh [warmup=V,...] ORDER...   (each ORDER is a comma list of variants: one rep)
# Variants: eevdf (no sched_ext), eevdf2 (the same EEVDF under a second name: the noise floor), or
# luasched-fast with flags: run (--miss run), wait (--miss wait), run-nospin (--miss run --spin-us 0: the dispatcher sleeps at once after a batch). A variant ending in
# "@base" runs /opt/lsf/bin/luasched-fast-base (bench/vm/compare --base-bin) instead of the build.
# Output: "R rep sched metric value" lines; "FAIL ..." for a block that could not be measured; luasched-fast's
# counters after each block as one "J rep sched stats {json}" line; the samples behind each latency row
# as one "J rep sched samples {json}" line.
. /opt/lsf/guest_lib.sh
. /opt/lsf/guest_bench.sh   # run_orders
POLICY=/opt/lsf/policies/workload.lua
N=$(nproc)
# lat LINE Q: the value of quantile Q ("0.99") in a LAT line of bench/workloads/report.h
lat() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2:\([0-9.]*\)$/\1/p"; }
block() {  # block REP SCHED
  r=$1 s=$2 sp= bin=$(lsf_bin "$2") SAMPLES=
  case ${s%@base} in
    eevdf|eevdf2) ;;
    run|wait|run-nospin)
      case ${s%@base} in run-nospin) flags="--miss run --spin-us 0" ;; *) flags="--miss ${s%@base}" ;; esac
      $bin --cpu 0 --policy $POLICY $flags --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
      wait_state enabled $LSF_START_S || { echo "FAIL $r $s: luasched-fast did not load"; cat /tmp/lsf.log; return; } ;;
    *) echo "FAIL $r $s: unknown variant"; return ;;
  esac
  sleep 1
  for load in idle hogs; do
    hp=
    if [ $load = hogs ]; then stress-ng --cpu "$N" --timeout 60s > /dev/null 2>&1 & hp=$!; sleep 1; fi
    lsf-spawn --count 300 --parallel 4 --name fork > /tmp/out 2>&1 || echo "FAIL $r $s: lsf-spawn ($load)"
    l=$(grep '^LAT fork_run' /tmp/out)
    echo "R $r $s fork_p50_us_$load $(lat "$l" 50)"
    echo "R $r $s fork_p99_us_$load $(lat "$l" 99)"
    echo "R $r $s fork_s_$load $(sed -n 's/^VAL fork_s //p' /tmp/out)"
    SAMPLES="$SAMPLES, \"fork_$load\": $(jn "$(lat "$l" samples)")"
    # an exec'd program's first wakeup (1 ms sleep): where a scheduler that reclassifies on exec
    # places it again
    lsf-spawn --count 200 --parallel 4 --name exec --exec-sleep-us 1000 > /tmp/out 2>&1 || echo "FAIL $r $s: lsf-spawn exec ($load)"
    l=$(grep '^LAT exec_exec_wakeup' /tmp/out)
    echo "R $r $s exec_wakeup_p50_us_$load $(lat "$l" 50)"
    echo "R $r $s exec_wakeup_p99_us_$load $(lat "$l" 99)"
    SAMPLES="$SAMPLES, \"exec_wakeup_$load\": $(jn "$(lat "$l" samples)")"
    if [ -n "$hp" ]; then kill $hp 2>/dev/null; wait $hp 2>/dev/null; fi
  done
  echo "J $r $s samples {${SAMPLES#, }}"
  lsf-spawn --count 200 --parallel 8 --name exec -- /bin/true > /tmp/out 2>&1 || echo "FAIL $r $s: lsf-spawn exec"
  echo "R $r $s forkexec_procs_per_s $(sed -n 's/^VAL exec_procs_per_s //p' /tmp/out)"
  timeout 120 hackbench -g 2 -l 100 > /tmp/out 2>&1 || echo "FAIL $r $s: hackbench"
  echo "R $r $s hackbench_s $(awk '/^Time:/{print $2}' /tmp/out)"
  if [ -n "$sp" ]; then
    sleep 1.5  # the stats file is rewritten every second
    lsf_counters "$r" "$s"
    kill -INT $sp; wait $sp
    wait_state disabled 20 || echo "FAIL $r $s: sched_ext still $(scx_state) after stop"
  fi
}
run_orders "$@"
echo "DONE"
finish
