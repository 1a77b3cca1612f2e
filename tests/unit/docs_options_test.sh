#!/usr/bin/env bash
# Every option of `luasched-fast --help` (generated from the option table) is documented in the man
# page, and the generated bash completion offers it (and a choice option's values). Prints "N passed, N failed".
set -u
bin=$1 man=$2 completion=$3
pass=0 fail=0
mapfile -t opts < <("$bin" --help | grep -oE '(^|[ ,])--[a-z][a-z-]*' | sed 's/^[ ,]*//' | sort -u)
[ ${#opts[@]} -ge 10 ] || { echo "too few options parsed from --help (${#opts[@]})"; echo "0 passed, 1 failed"; exit 1; }
for o in "${opts[@]}"; do
  esc=${o//-/\\\\-}   # man pages write --opt as \-\-opt
  if grep -qE -- "$esc([^a-z-]|$)" "$man"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "not ok - man page lacks $o"; fi
done
# the completion (generated from the option table) offers every option of --help, after the
# command that takes it, and for a choice option exactly the values the binary accepts (read from
# the error a bad value gets: "--fork takes inherit or ask")
complete_words() {  # complete_words WORD... : the completions of the last word
  bash -c '. "$1"; shift; compopt() { :; }; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _luasched_fast
           echo "${COMPREPLY[*]}"' _ "$completion" luasched-fast "$@"
}
ok() { pass=$((pass + 1)); }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
for o in "${opts[@]}"; do
  got=
  for cmd in "" stats top check why record replay; do
    # shellcheck disable=SC2086
    [[ " $(complete_words $cmd "${o:0:4}") " == *" $o "* ]] && got="$got${cmd:-run} "
  done
  if [ -n "$got" ]; then ok; else nok "completion does not offer $o after any command"; fi
  err=$("$bin" --policy /nonexistent "$o" __bad__ 2>&1 >/dev/null)
  if [[ $err =~ takes\ (.*)$ ]]; then   # a choice option
    want=$(sed 's/,//g; s/ or / /' <<<"${BASH_REMATCH[1]}")
    vals=$(complete_words "$o" "")
    if [ "$vals" = "$want" ]; then ok; else nok "completion of $o values: '$vals', the binary takes '$want'"; fi
  fi
done
# the stats command's options are offered there, and the scheduler's are not
[[ " $(complete_words stats --) " == *" --watch "* ]] && ok || nok "stats --watch not offered"
[[ " $(complete_words stats --) " != *" --policy "* ]] && ok || nok "stats offers --policy"
[[ " $(complete_words check --) " == *" --no-proc "* ]] && ok || nok "check --no-proc not offered"
[[ " $(complete_words "") " == *" check "* ]] && ok || nok "the check command not offered"
[[ " $(complete_words "") " == *" why "* ]] && ok || nok "the why command not offered"
[[ " $(complete_words why --) " == *" --decisions-file "* ]] && ok || nok "why --decisions-file not offered"
[[ " $(complete_words record --) " == *" --max-mb "* ]] && ok || nok "record --max-mb not offered"
[[ " $(complete_words replay --) " == *" --expect "* ]] && ok || nok "replay --expect not offered"
[[ " $(complete_words "") " == *" replay "* ]] && ok || nok "the replay command not offered"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
