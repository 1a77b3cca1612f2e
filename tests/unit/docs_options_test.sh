#!/usr/bin/env bash
# Every option of `luasched-fast --help` (generated from the option table) is documented in the man
# page, and the bash completion offers it (it reads --help itself). Prints "N passed, N failed".
set -u
bin=$1 man=$2 completion=$3
pass=0 fail=0
mapfile -t opts < <("$bin" --help | grep -oE '(^|[ ,])--[a-z][a-z-]*' | sed 's/^[ ,]*//' | sort -u)
[ ${#opts[@]} -ge 10 ] || { echo "too few options parsed from --help (${#opts[@]})"; echo "0 passed, 1 failed"; exit 1; }
for o in "${opts[@]}"; do
  esc=${o//-/\\\\-}   # man pages write --opt as \-\-opt
  if grep -qE -- "$esc([^a-z-]|$)" "$man"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "not ok - man page lacks $o"; fi
done
# the completion derives its words from --help: check it does, and that a shell gets them
if grep -q -- '--help' "$completion" && PATH="$(dirname "$bin"):$PATH" bash -c ". '$completion'; compopt() { :; }
    COMP_WORDS=(luasched-fast --met); COMP_CWORD=1; _luasched_fast luasched-fast
    [[ \" \${COMPREPLY[*]} \" == *' --metrics-file '* ]]" 2>/dev/null; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "not ok - bash completion does not offer --metrics-file from --help"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
