#!/usr/bin/env bash
# Checks the systemd unit: `systemd-analyze verify` is clean, `systemd-analyze security` exposure is
# at most 4.5, the sandbox items that matter are set (read from its JSON), restart and start-limit
# settings are where they work, and nothing dumps the process list at start.
# usage: unit_test.sh UNIT_IN BINARY MAN_PAGE   (UNIT_IN: the .service.in, @CMAKE_INSTALL_FULL_SBINDIR@ unexpanded)
set -euo pipefail
unit_in=$1 binary=$2 man_page=$3
kMaxExposure=4.5
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
command -v systemd-analyze >/dev/null || { echo "not ok - systemd-analyze missing (package systemd)"; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lsf-unit.XXXXXX"); trap 'rm -rf "$scratch"' EXIT
unit=$scratch/luasched-fast.service
sed "s|@CMAKE_INSTALL_FULL_SBINDIR@/luasched-fast|$binary|" "$unit_in" > "$unit"
mkdir -p "$scratch/man/man8"; cp "$man_page" "$scratch/man/man8/luasched-fast.8"

# verify: Documentation=man: is checked with man(1), so point MANPATH at the page
out=$(MANPATH=$scratch/man SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$unit" 2>&1) && rc=0 || rc=$?
verify_clean() { [ "$rc" = 0 ] && [ -z "$out" ]; }
check "systemd-analyze verify: rc 0, no output${out:+ (got: $out)}" verify_clean

# security: the overall score, and the threshold check systemd does itself (scale x10)
text=$(systemd-analyze security --offline=true "$unit" 2>&1 || true)
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$text")
echo "# systemd-analyze security: overall exposure $score (limit $kMaxExposure)"
check "exposure $score <= $kMaxExposure" awk -v s="${score:-99}" -v m="$kMaxExposure" 'BEGIN{exit !(s <= m)}'
below_threshold() { systemd-analyze security --offline=true --threshold=45 "$unit" >/dev/null 2>&1; }
check "systemd-analyze security --threshold=45 passes" below_threshold
json=$(systemd-analyze security --offline=true --json=short "$unit")
item() {  # item NAME -> "true"/"false": whether the hardening item is set
  python3 -c 'import json,sys; d={i["name"]: i["set"] for i in json.loads(sys.argv[1])}; print(str(d[sys.argv[2]]).lower())' "$json" "$1"
}
for name in PrivateNetwork= 'RestrictAddressFamilies=~AF_(INET|INET6)' 'RestrictAddressFamilies=~AF_NETLINK' \
            ProtectSystem= ProtectHome= PrivateTmp= PrivateDevices= NoNewPrivileges= ProtectKernelModules= \
            ProtectKernelTunables= ProtectControlGroups= 'CapabilityBoundingSet=~CAP_SYS_PTRACE' \
            'CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)' 'CapabilityBoundingSet=~CAP_NET_ADMIN' \
            'SystemCallFilter=~@mount' 'SystemCallFilter=~@module' SystemCallArchitectures= \
            'RestrictNamespaces=~user' RestrictSUIDSGID= LockPersonality=; do
  check "sandbox: $name" [ "$(item "$name")" = true ]
done
# LuaJIT writes machine code at run time: W^X must stay allowed, on purpose
check "MemoryDenyWriteExecute stays off (LuaJIT's JIT)" [ "$(item MemoryDenyWriteExecute=)" = false ]

# unit file layout (systemd-analyze cat-config would need it installed; read the sections directly)
section_of() {  # section_of KEY -> the section(s) the key appears in
  awk -v k="$1" '/^\[/{s=$0} $0 ~ "^"k"=" {print s}' "$unit" | sort -u | paste -sd' '
}
check "StartLimitIntervalSec in [Unit] ($(section_of StartLimitIntervalSec))" [ "$(section_of StartLimitIntervalSec)" = "[Unit]" ]
check "StartLimitBurst in [Unit] ($(section_of StartLimitBurst))" [ "$(section_of StartLimitBurst)" = "[Unit]" ]
check "Restart=on-failure (covers exit 1: ejected, restart after hotplug)" grep -qx 'Restart=on-failure' "$unit"
check "exit status 1 is not excluded from restarts" \
  bash -c '! grep -qE "^RestartPreventExitStatus=.*(^|[ =])1( |$)" "$1"' _ "$unit"
check "no process dump at start (no --dry-run in any Exec line)" bash -c '! grep -qE "^Exec.*--dry-run" "$1"' _ "$unit"
check "capabilities limited to CAP_BPF CAP_PERFMON" grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON' "$unit"
check "sandbox: CapabilityBoundingSet=~CAP_SYS_ADMIN" [ "$(item 'CapabilityBoundingSet=~CAP_SYS_ADMIN')" = true ]

echo "$fails failed"
[ $fails = 0 ]
