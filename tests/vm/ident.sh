# Guest: a verdict is for the identity the policy saw. A task classified by its uid that changes uid
# without exec (setresuid), a task classified by its cgroup that is moved to another cgroup (cgroup v2,
# no controller enabled: no cgroup callback of sched_ext fires), and a fork started straight into
# another cgroup (clone3 CLONE_INTO_CGROUP) of a task whose verdict forks inherit: each gets the
# policy's verdict for its new identity (read from the JSON verdict log).
. /opt/lsf/guest_lib.sh
CG=/sys/fs/cgroup
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG
mkdir -p $CG/rt $CG/other
for n in ident-cred ident-cg; do cp "$LSF_BIN/lsf-ident" /tmp/$n; done
cat > /tmp/ident.lua <<'EOF'
-- REALTIME for ident-cred while it runs as root, and for ident-cg while it is in the cgroup /rt
local sched = require("sched")
sched.attach(function(ctx)
  local t = ctx:task()
  local comm = t:comm()
  if (comm == "ident-cred" and t:uid() == 0) or (comm == "ident-cg" and t:cgroup():find("/rt", 1, true)) then
    ctx:dsq(REALTIME); ctx:slice(1000000)
  else
    ctx:dsq(DEFAULT)
  end
end)
EOF
luasched-fast --cpu 0 --policy /tmp/ident.lua --log-verdicts --stats-json --stats 0 > /tmp/lsf.log 2> /tmp/lsf.err &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
sleep 1

say "ident-cred: 1 s as root, setresuid(1000) without exec, 1 s more, then a fork"
/tmp/ident-cred setuid 1000 1 > /tmp/cred.json
cat /tmp/cred.json
say "ident-cg: 1.5 s in $CG/rt, then moved to $CG/other for 1.5 s"
sh -c "echo \$\$ > $CG/rt/cgroup.procs; exec /tmp/ident-cg run 3" & mv=$!
sleep 1.5
echo $mv > $CG/other/cgroup.procs
wait $mv
say "ident-cg in $CG/rt starts a child straight into $CG/other"
sh -c "echo \$\$ > $CG/rt/cgroup.procs; exec /tmp/ident-cg clone-into $CG/other 1" > /tmp/clone.json
cat /tmp/clone.json
sleep 0.5
kill -INT $lp; wait $lp; rc=$?   # the verdict log is complete once the dispatcher stopped

# verdicts PID: the classes sent for PID, in order ("REALTIME DEFAULT ...")
verdicts() { grep "\"verdict_pid\": $1," /tmp/lsf.log | sed -n 's/.*"class": "\([A-Z]*\)".*/\1/p' | tr '\n' ' '; }
cred=$(json_num pid /tmp/cred.json); cred_child=$(json_num child /tmp/cred.json)
say "ident-cred $cred: $(verdicts "$cred")| its fork $cred_child: $(verdicts "$cred_child")| ident-cg $mv: $(verdicts $mv)"
check "ident-cred was REALTIME as root" grep -q "\"verdict_pid\": $cred, .*\"uid\": 0, .*REALTIME" /tmp/lsf.log
cred_u1000="\"verdict_pid\": $cred, .*\"uid\": 1000, .*DEFAULT"  # its verdict as uid 1000
check "ident-cred got DEFAULT once it ran as uid 1000" grep -q "$cred_u1000" /tmp/lsf.log
# The fork runs DEFAULT either by its own verdict or, with --fork inherit (the default), by taking its
# parent's: right only if the parent's verdict at the fork was the uid-1000 one (sent before the fork;
# a fork of the root-era REALTIME verdict is what this guards against).
fork_ns=$(json_num fork_ns /tmp/cred.json)
p1000_ns=$(grep "$cred_u1000" /tmp/lsf.log |
  sed -n 's/.*"sent_ns": *\([0-9]*\).*/\1/p' | head -1)
fork_default() {
  grep -q "\"verdict_pid\": $cred_child, .*\"uid\": 1000, .*DEFAULT" /tmp/lsf.log && return 0
  [ -n "$p1000_ns" ] && [ -n "$fork_ns" ] && [ "$p1000_ns" -lt "$fork_ns" ]
}
no_realtime() { ! grep -q "\"verdict_pid\": $1, .*REALTIME" /tmp/lsf.log; }
say "its fork: parent's uid-1000 verdict sent at $p1000_ns, fork at $fork_ns"
check "its fork (uid 1000) never got REALTIME" no_realtime "$cred_child"
check "its fork (uid 1000) runs DEFAULT: asked, or inherited the parent's uid-1000 verdict" fork_default
check "ident-cg was REALTIME in /rt" grep -q "\"verdict_pid\": $mv, .*REALTIME" /tmp/lsf.log
check_eq "ident-cg got DEFAULT once moved to /other (its last verdict)" "$(verdicts $mv | awk '{print $NF}')" DEFAULT
parent=$(json_num pid /tmp/clone.json); child=$(json_num child /tmp/clone.json)
say "clone-into: parent $parent: $(verdicts "$parent")| child $child: $(verdicts "$child")"
check "the parent in /rt was REALTIME" grep -q "\"verdict_pid\": $parent, .*REALTIME" /tmp/lsf.log
check "its child started in /other was asked for and got DEFAULT" \
  grep -q "\"verdict_pid\": $child, .*DEFAULT" /tmp/lsf.log
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
