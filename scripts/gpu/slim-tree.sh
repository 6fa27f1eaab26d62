#!/usr/bin/env bash
# Makes the working tree small enough to travel to a borrowed GPU machine, and back again.
# The device tool copies the tracked files and the untracked ones git does not ignore, 64 MiB in all
# with what is carried (.gpu/ from prepare.py is about 49 MiB), while models/ holds every stored
# version (over 150 MB). "on" leaves only the weights the run starts from tracked under models/ and
# hides the rest from git; nothing is deleted from disk. "off" puts the index back as HEAD has it.
#
#   bash scripts/gpu/slim-tree.sh on models/versions/recognizer/v2-20261206-points.pt   # before the device run
#   bash scripts/gpu/slim-tree.sh off                                        # right after it
#
# Between the two, git status shows models/ as deleted: do not commit then.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
exclude=$(git rev-parse --git-path info/exclude)
pattern="/models/"   # hides models/ from git; written and removed only by this script (git exclude files take no comments)

case "${1:-}" in
  on)
    init=${2:?name the weights the run starts from}
    git ls-files --error-unmatch "$init" >/dev/null
    git rm -r -q --cached models
    git reset -q -- "$init"
    mkdir -p "$(dirname "$exclude")"
    grep -qxF "$pattern" "$exclude" 2>/dev/null || echo "$pattern" >> "$exclude"
    travels=$( { git ls-files; git ls-files --others --exclude-standard; } | while read -r f; do
                 [ -f "$f" ] && stat -c %s "$f"; done | awk '{s += $1} END {print s}')
    echo "slim-tree: the working tree now travels as $((travels >> 20)) MiB (plus what is carried)"
    ;;
  off)
    git reset -q -- models
    if [ -f "$exclude" ]; then
      grep -vxF "$pattern" "$exclude" > "$exclude.tmp" || true
      mv "$exclude.tmp" "$exclude"
    fi
    echo "slim-tree: models/ is tracked again"
    ;;
  *)
    echo "usage: $0 on WEIGHTS | off" >&2
    exit 2
    ;;
esac
