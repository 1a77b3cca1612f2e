# idle_t.sh REPS BIN...: idle cyclictest with 1 and 2 threads (10 s) per binary, rotated
. /opt/lsf/guest_lib.sh
reps=$1; shift
sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' /opt/lsf/policies/workload.lua > /tmp/def.lua
ct() {  # ct LABEL THREADS: average, max, and the share of samples at or below 50..80 us
  cyclictest -q -m -p 0 --policy=other -t "$2" -i 1013 -D 10 -h 100000 > /tmp/ct.out 2>&1
  echo "CT $1 t=$2 $(grep -E '^# (Avg|Max) Lat' /tmp/ct.out | tr '\n' ' ') $(awk '/^[0-9]/ {s = 0; for (i = 2; i <= NF; i++) s += $i; h[$1 + 0] = s; tot += s}
    END {c = 0; for (b = 0; b <= 80; b++) {c += h[b]; if (b % 5 == 0 && b >= 50) printf "le%d=%.1f%% ", b, 100 * c / tot}}' /tmp/ct.out)"
}
r=0
while [ $r -lt $reps ]; do
  r=$((r + 1))
  for v in "$@"; do
    $LSF_BIN/$v --cpu 0 --policy /tmp/def.lua --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
    wait_state enabled 30 || { echo "FAIL load $v"; cat /tmp/lsf.log; continue; }
    sleep 1
    ct $v 1
    ct $v 2
    kill -INT $sp; wait $sp; wait_state disabled 20
  done
done
finish
