# Guest: on a kernel with no DSQ insert kfunc, luasched-fast refuses to start instead of running a
# scheduler that queues nothing. The kernel is simulated by a build of the BPF object whose insert
# kfunc names (every generation) resolve to nothing (LSF_TEST_NO_INSERT_KFUNC), loaded in place of
# the built-in one (LUASCHED_FAULTS=bpf-object=PATH): ops.init must fail, naming the kfuncs, and the
# dispatcher must exit 3 ("cannot start") with the kernel back on its default scheduler.
. /opt/lsf/guest_lib.sh

OBJ=/opt/lsf/luasched_no_insert.bpf.o
[ -f $OBJ ] || { echo "missing $OBJ"; exit 1; }
say "luasched-fast with the object whose insert kfuncs do not resolve"
LUASCHED_FAULTS=bpf-object=$OBJ timeout 150 luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua \
  --stats 0 > /tmp/lsf.log 2>&1
rc=$?
cat /tmp/lsf.log
dmesg | grep -i sched_ext | tail -4
check_eq "refused to start (exit 3, not a watchdog ejection: 1)" "$rc" 3
check "the message names the missing insert kfunc" grep -q 'scx_bpf_dsq_insert' /tmp/lsf.log
check "no task stall reported" sh -c '! grep -q "runnable task stall" /tmp/lsf.log'
check_eq "sched_ext disabled afterwards" "$(scx_state)" disabled

say "the built-in object still loads (the refusal is the missing kfunc, nothing else)"
luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 > /tmp/ok.log 2>&1 &
lp=$!
check "scheduler enabled" wait_state enabled $LSF_START_S
kill -INT $lp; wait $lp; rc=$?
check_eq "clean stop (exit 0)" "$rc" 0
finish
