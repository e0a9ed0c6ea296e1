#!/bin/sh
# Writes a dated, gzipped, sorted permsnap baseline of a tree and keeps the newest KEEP.
# Run by permsnap-baseline.service (daily, from permsnap-baseline.timer), or by hand.
#   PERMSNAP_TARGET   tree to snapshot (default /)
#   PERMSNAP_DIR      where baselines go (default /var/lib/permsnap/baselines)
#   PERMSNAP_KEEP     how many to keep (default 14)
#   PERMSNAP_EXCLUDE  space-separated globs to leave out (default: /home /tmp /var/tmp /var/cache)
#   PERMSNAP          the permsnap command (default: permsnap on PATH)
set -eu
target=${PERMSNAP_TARGET:-/}
dir=${PERMSNAP_DIR:-/var/lib/permsnap/baselines}
keep=${PERMSNAP_KEEP:-14}
excludes=${PERMSNAP_EXCLUDE-/home /tmp /var/tmp /var/cache}
permsnap=${PERMSNAP:-permsnap}

case $keep in ''|*[!0-9]*|0) echo "permsnap-baseline: PERMSNAP_KEEP must be a whole number >= 1, got '$keep'" >&2; exit 2 ;; esac
mkdir -p "$dir"
chmod 0700 "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
set --
for glob in $excludes; do set -- "$@" --exclude "$glob"; done
# -o writes atomically: a baseline is either complete or absent. Exit 1 (some paths
# unreadable) still leaves a usable baseline; anything else is a failure.
status=0
$permsnap snapshot "$target" --sort --quiet "$@" -o "$dir/$stamp.facl.gz" || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi
# Newest first by name (the names are UTC times); remove all but the newest $keep.
ls -1 "$dir" | grep -E '^[0-9]{8}T[0-9]{6}Z\.facl\.gz$' | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  rm -f -- "$dir/$old"
done
exit "$status"
