# Shell library (sourced by scripts/setup and scripts/setup-compat): the Debian mirror and a private apt tree.
# shellcheck shell=bash
#
# Nothing here installs into the system: the private tree has its own sources list, lists, cache and an
# empty dpkg status, so trixie/sid packages are only ever downloaded and unpacked into the cache.
# Callers define log() and die() and set CACHE before sourcing.

# debian_mirror -> prints the Debian archive URI this machine's apt already uses.
# LUASCHED_DEBIAN_MIRROR overrides it. Reads deb822 /etc/apt/sources.list.d/*.sources and the one-line
# /etc/apt/sources.list (+ .list files); takes the first "deb" entry of a Debian release suite that is
# not a security archive. Fails when none is found (then set LUASCHED_DEBIAN_MIRROR).
debian_mirror() {
  if [ -n "${LUASCHED_DEBIAN_MIRROR:-}" ]; then echo "${LUASCHED_DEBIAN_MIRROR%/}"; return; fi
  local etc=${LSF_APT_ETC:-/etc/apt} uri
  uri=$(
    {
      # deb822: one stanza per paragraph; print "TYPES|URIS|SUITES" for each
      for f in "$etc"/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN{IGNORECASE=1}
             /^[ \t]*#/ {next}
             /^[ \t]*$/ {if (u!="") print t "|" u "|" s "|" e; t=u=s=e=""; next}
             /^Types:/ {sub(/^[^:]*:[ \t]*/,""); t=$0}
             /^URIs:/ {sub(/^[^:]*:[ \t]*/,""); u=$0}
             /^Suites:/ {sub(/^[^:]*:[ \t]*/,""); s=$0}
             /^Enabled:/ {sub(/^[^:]*:[ \t]*/,""); e=$0}
             END{if (u!="") print t "|" u "|" s "|" e}' "$f"
      done
      # one-line format: deb [options] URI SUITE COMPONENTS...
      for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1=="deb" && NF>=3 {print "deb|" $2 "|" $3 "|"}'
      done
    } | awk -F'|' '$1 ~ /(^| )deb( |$)/ && tolower($4) != "no" {
          n = split($2, us, " "); split($3, ss, " ")
          if (ss[1] ~ /security/ || !(ss[1] ~ /^[a-z]+(-updates|-backports|-proposed-updates)?$/)) next
          for (i = 1; i <= n; i++) if (us[i] !~ /security/) { print us[i]; exit }
        }'
  )
  [ -n "$uri" ] || die "found no Debian mirror in $etc/sources.list{,.d/}: set LUASCHED_DEBIAN_MIRROR (e.g. the URI your apt uses for bookworm)"
  echo "${uri%/}"
}

# papt_init DIR SUITE_LINES: a private apt tree in DIR whose sources.list holds SUITE_LINES (lines of
# "deb|deb-src SUITE COMPONENT"), all from debian_mirror. Sets the global array papt (apt options).
papt_init() {
  local dir=$1 lines=$2 mirror kr=/usr/share/keyrings/debian-archive-keyring.gpg
  mirror=$(debian_mirror)
  [ -f "$kr" ] || die "$kr missing: apt-get install debian-archive-keyring"
  mkdir -p "$dir"/{lists/partial,cache/archives/partial}
  local new; new=$(echo "$lines" | awk -v m="$mirror" -v k="$kr" 'NF{print $1 " [signed-by=" k "] " m " " $2 " " $3}')
  # a changed mirror or suite set invalidates the lists
  if [ "$(cat "$dir/sources.list" 2>/dev/null)" != "$new" ]; then
    echo "$new" > "$dir/sources.list"; rm -f "$dir"/lists/*_* 2>/dev/null || true
  fi
  papt=(-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
        -o Dir::State::Status=/dev/null -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  PAPT_DIR=$dir
}

# papt_update [force]: refresh the private lists when older than a day (or when forced).
papt_update() {
  if [ "${1:-}" != force ] && [ -n "$(find "$PAPT_DIR/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    return 0
  fi
  log "apt (private): updating lists ($(awk '{print $4}' "$PAPT_DIR/sources.list" | sort -u | xargs))"
  apt-get "${papt[@]}" update -qq || die "private apt update failed (mirror $(debian_mirror); override with LUASCHED_DEBIAN_MIRROR)"
}

# papt_has NAME VERSION [src]: is that exact version in the private lists?
papt_has() {
  if [ "${3:-}" = src ]; then
    apt-cache "${papt[@]}" showsrc "$1" 2>/dev/null | awk '/^Version:/{print $2}' | grep -qxF "$2"
  else
    apt-cache "${papt[@]}" madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$2"
  fi
}

# papt_versions NAME [src]: the versions the private lists offer, newest first (for error messages).
papt_versions() {
  if [ "${2:-}" = src ]; then
    apt-cache "${papt[@]}" showsrc "$1" 2>/dev/null | awk '/^Version:/{print $2}' | sort -rV | uniq | xargs
  else
    apt-cache "${papt[@]}" madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -rV | uniq | xargs
  fi
}

# fetch_deb DEBDIR NAME VERSION -> prints the path of the cached NAME_VERSION .deb (downloads it once).
# Call as `deb=$(fetch_deb ...) || exit 1`: die() inside $(...) ends only the subshell.
fetch_deb() {
  local dir=$1 name=$2 ver=$3 f
  f=$(ls "$dir/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    mkdir -p "$dir"
    papt_update
    papt_has "$name" "$ver" || { papt_update force; papt_has "$name" "$ver"; } \
      || die "$name $ver is not in the archive (it offers: $(papt_versions "$name" | head -c 200)); pin one it has in scripts/versions: see 'Moving to newer versions' in docs/operations.md"
    log "download $name $ver ($(apt-cache "${papt[@]}" show "$name=$ver" 2>/dev/null | awk '/^Size:/{printf "%d MB", $2/1e6; exit}'))"
    (cd "$dir" && apt-get "${papt[@]}" download -qq "$name=$ver") >&2 || die "could not download $name $ver"
    f=$(ls "$dir/${name}_${ver//:/%3a}_"*.deb | head -1)
  fi
  echo "$f"
}
