#!/bin/sh
# Writes a dated, gzipped, sorted permsnap baseline of a tree and keeps the newest KEEP;
# DIR/latest.facl.gz always names the newest (for checks that cannot run a shell).
# Run by permsnap-baseline.service (daily, from permsnap-baseline.timer), or by hand.
#   PERMSNAP_TARGET   tree to snapshot (default /)
#   PERMSNAP_DIR      where baselines go (default /var/lib/permsnap/baselines)
#   PERMSNAP_KEEP     how many to keep (default 14)
#   PERMSNAP_EXCLUDE  space-separated globs to leave out; when unset, the globs of the
#                     file PERMSNAP_EXCLUDE_FROM, else (no such file) the same as
#                     contrib/permsnap.excludes: /home /tmp /var/tmp /var/cache /var/log
#                     /var/lib/permsnap
#   PERMSNAP_EXCLUDE_FROM  default /etc/permsnap/excludes; a file named here must exist
# Keep PERMSNAP_DIR outside the target or among the excludes: older baselines there
# would show up as drift.
#   PERMSNAP          the permsnap command (default: permsnap on PATH)
set -eu
target=${PERMSNAP_TARGET:-/}
dir=${PERMSNAP_DIR:-/var/lib/permsnap/baselines}
keep=${PERMSNAP_KEEP:-14}
exclude_file=${PERMSNAP_EXCLUDE_FROM:-/etc/permsnap/excludes}
if [ -n "${PERMSNAP_EXCLUDE_FROM:-}" ] && [ ! -f "$exclude_file" ]; then
  echo "permsnap-baseline: PERMSNAP_EXCLUDE_FROM: no such file: $exclude_file" >&2
  exit 2
fi
permsnap=${PERMSNAP:-permsnap}

case $keep in ''|*[!0-9]*|0) echo "permsnap-baseline: PERMSNAP_KEEP must be a whole number >= 1, got '$keep'" >&2; exit 2 ;; esac
mkdir -p "$dir"
chmod 0700 "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
set --
if [ "${PERMSNAP_EXCLUDE+set}" = set ]; then
  for glob in $PERMSNAP_EXCLUDE; do set -- "$@" --exclude "$glob"; done
elif [ -f "$exclude_file" ]; then
  set -- --exclude-from "$exclude_file"
else
  # The baselines' own directory too: a new baseline there is not drift.
  for glob in /home /tmp /var/tmp /var/cache /var/log /var/lib/permsnap; do set -- "$@" --exclude "$glob"; done
fi
# -o writes atomically: a baseline is either complete or absent. Exit 1 (some paths
# unreadable) still leaves a usable baseline; anything else is a failure.
status=0
# A run in the same second replaces that baseline (a new file, renamed over it).
before=$(stat -c %i "$dir/$stamp.facl.gz" 2>/dev/null || true)
$permsnap snapshot "$target" --sort --quiet "$@" -o "$dir/$stamp.facl.gz" || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi
# Exit 1 and no new file: not one path could be read (a wrong PERMSNAP_TARGET). That is a
# failure, and latest.facl.gz keeps naming the last good baseline.
after=$(stat -c %i "$dir/$stamp.facl.gz" 2>/dev/null || true)
if [ -z "$after" ] || [ "$after" = "$before" ]; then exit 2; fi
# latest.facl.gz -> the new baseline, replaced atomically (rename over the old link).
ln -sfn "$stamp.facl.gz" "$dir/.latest.facl.gz.tmp"
mv -f "$dir/.latest.facl.gz.tmp" "$dir/latest.facl.gz"
# Newest first by name (the names are UTC times); remove all but the newest $keep.
ls -1 "$dir" | grep -E '^[0-9]{8}T[0-9]{6}Z\.facl\.gz$' | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  rm -f -- "$dir/$old"
done
exit "$status"
