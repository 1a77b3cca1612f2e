#!/usr/bin/env bash
# Builds the Debian package (scripts/package, lintian included), unpacks it into a scratch root and
# checks its fields, conffiles, files, Depends, and that the unpacked binary, man page and bash
# completion work. usage: deb_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

deb=$("$src/scripts/package" --build-dir "$build" --no-build | tail -1) || { echo "not ok - scripts/package failed (build or lintian errors above)"; exit 1; }
ok "scripts/package built $deb with no lintian errors"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lsf-deb.XXXXXX"); trap 'rm -rf "$scratch"' EXIT
root=$scratch/root

# fields (dpkg-deb -f prints them in deb822; read one at a time)
check "Package is luasched-fast" [ "$(dpkg-deb -f "$deb" Package)" = luasched-fast ]
check "Architecture is amd64" [ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ]
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libluajit libhwloc libmimalloc libelf1 libstdc++6; do
  check "Depends (from dpkg-shlibdeps) names $lib" grep -q "$lib" <<<"$depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$scratch" ./conffiles ./postinst ./prerm ./postrm
check "conffiles lists /etc/luasched-fast/policy.lua" grep -qx /etc/luasched-fast/policy.lua "$scratch/conffiles"
for s in postinst prerm postrm; do check "$s is an executable sh script" sh -n "$scratch/$s"; done

# files, unpacked into the scratch root
dpkg -x "$deb" "$root"
unit_dir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
declare -A want=(
  [/usr/sbin/luasched-fast]=755 [/etc/luasched-fast/policy.lua]=644 [$unit_dir/luasched-fast.service]=644
  [/usr/share/man/man8/luasched-fast.8.gz]=644 [/usr/share/bash-completion/completions/luasched-fast]=644
  [/usr/share/luasched-fast/policies/workload.lua]=644 [/usr/share/luasched-fast/policies/web_server.lua]=644
  [/usr/share/doc/luasched-fast/copyright]=644 [/usr/share/doc/luasched-fast/changelog.gz]=644)
for f in "${!want[@]}"; do
  check "$f present, mode ${want[$f]}" [ "$(stat -c %a "$root$f" 2>/dev/null)" = "${want[$f]}" ]
done
check "nothing under /usr/local" [ ! -e "$root/usr/local" ]
check "unit runs /usr/sbin/luasched-fast" grep -q '^ExecStart=/usr/sbin/luasched-fast ' "$root$unit_dir/luasched-fast.service"

# the unpacked binary runs against the system's libraries; a dry run of the shipped policy gives JSON
check "luasched-fast --version" "$root/usr/sbin/luasched-fast" --version
n=$("$root/usr/sbin/luasched-fast" --dry-run --json --policy "$root/etc/luasched-fast/policy.lua" \
    | python3 -c "import json,sys; print(len(json.load(sys.stdin)))" 2>/dev/null || echo 0)
check "dry run of the shipped /etc policy classifies processes ($n)" [ "$n" -gt 0 ]

# man page renders without groff warnings and covers the policy API
warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$root/usr/share/man/man8/luasched-fast.8.gz" 2>&1 >/dev/null || echo "man failed")
check "man page renders without warnings${warn:+: $warn}" [ -z "$warn" ]
page=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$root/usr/share/man/man8/luasched-fast.8.gz" 2>/dev/null | col -b)
for w in sched.attach 'ctx:dsq' REALTIME 'EXIT STATUS' /etc/luasched-fast/policy.lua; do
  check "man page mentions $w" grep -qF "$w" <<<"$page"
done

# bash completion: loads, completes an option (from the installed binary's --help) and the transport values
comp=$root/usr/share/bash-completion/completions/luasched-fast
got=$(PATH="$root/usr/sbin:$PATH" bash -c '. "$1"; COMP_WORDS=(luasched-fast --trans); COMP_CWORD=1; _luasched_fast; echo "${COMPREPLY[*]}"' _ "$comp")
check "completion: --trans -> --transport ($got)" [ "$got" = --transport ]
got=$(bash -c '. "$1"; COMP_WORDS=(luasched-fast --transport ""); COMP_CWORD=2; _luasched_fast; echo "${COMPREPLY[*]}"' _ "$comp")
check "completion: --transport -> ringbuf arena ($got)" [ "$got" = "ringbuf arena" ]

echo "$fails failed"
[ $fails = 0 ]
