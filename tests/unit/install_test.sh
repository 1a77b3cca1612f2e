#!/usr/bin/env bash
# Installs the build into a scratch DESTDIR and checks what a user gets: binary, policies, unit, /etc.
# usage: install_test.sh BUILD_DIR
set -uo pipefail
build=$1
dest=$(mktemp -d); trap 'rm -rf "$dest"' EXIT
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok - $what"; else fail=$((fail + 1)); echo "not ok - $what"; fi; }
DESTDIR=$dest cmake --install "$build" --prefix /usr/local > "$dest.log" 2>&1
check "cmake --install succeeds" [ $? = 0 ]
check "binary in sbin" [ -x "$dest/usr/local/sbin/luasched-fast" ]
for p in workload web_server desktop build_box; do
  check "example policy $p.lua" [ -f "$dest/usr/local/share/luasched-fast/policies/$p.lua" ]
done
unit=$dest/usr/local/lib/systemd/system/luasched-fast.service
check "systemd unit" [ -f "$unit" ]
check "unit runs the installed binary with /etc policy" grep -q '^ExecStart=/usr/local/sbin/luasched-fast --cpu 0 --policy /etc/luasched-fast/policy.lua' "$unit"
check "unit reloads with SIGHUP and restarts on failure" grep -q 'ExecReload=/bin/kill -HUP' "$unit"
check "default policy in /etc" [ -f "$dest/etc/luasched-fast/policy.lua" ]
check "default policy is not group/other writable" [ "$(stat -c %a "$dest/etc/luasched-fast/policy.lua")" = 644 ]
echo "-- my policy" > "$dest/etc/luasched-fast/policy.lua"
DESTDIR=$dest cmake --install "$build" --prefix /usr/local > "$dest.log" 2>&1
check "reinstall keeps an edited /etc policy" grep -q '^-- my policy' "$dest/etc/luasched-fast/policy.lua"
dry() { "$dest/usr/local/sbin/luasched-fast" --dry-run --json --policy "$dest/usr/local/share/luasched-fast/policies/web_server.lua" > /dev/null; }
check "installed binary runs a dry run of the installed policy" dry
rm -f "$dest.log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
