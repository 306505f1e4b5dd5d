#!/usr/bin/env bash
# Same-session A/B comparison of two crosswalk binaries on one synthetic site: full builds from
# scratch, the binaries alternated, REPS runs each. See docs/benchmarks.md ("A/B runs").
#
#   benches/ab.sh OLD_BINARY NEW_BINARY [N] [REPS]      (N default 10000, REPS default 5)
#
# Environment: BENCH_DIR (work folder; default a new mktemp -d under /tmp), BENCH_SEED (default 1),
# BENCH_MAPPINGS (the mappings/frameworks/ folder the generator picks control ids from; default this checkout's:
# give the OLD checkout's when the new catalogs add ids the old binary does not know).
# Prints every run's wall time and peak RSS, then the median of each binary and their ratio.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 2 ]] || { echo "usage: ab.sh OLD NEW [N] [REPS]" >&2; exit 2; }
OLD=$(realpath "$1"); NEW=$(realpath "$2"); N=${3:-10000}; REPS=${4:-5}
[[ $N =~ ^[1-9][0-9]*$ && $REPS =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: N and REPS are positive integers" >&2; exit 2; }
for b in "$OLD" "$NEW"; do [[ -x $b ]] || { echo "ab.sh: not an executable: $b" >&2; exit 2; }; done
/usr/bin/time -v true >/dev/null 2>&1 || { echo "ab.sh: GNU time is missing: apt-get install time" >&2; exit 2; }
WORK=${BENCH_DIR:-$(mktemp -d /tmp/crosswalk-ab.XXXXXX)}
TODAY=2026-11-23
SITE=$WORK/site
DISCARD=$WORK/discard

log() { printf '[ab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Old outputs are moved aside, not deleted, before a timed build (see run.sh: deleting 40,000
# files just before a build bills the file system's work to the build), and deleted at the end.
set_aside() { if [[ -e $1 ]]; then mkdir -p "$DISCARD"; mv "$1" "$DISCARD/$(date +%s%N)"; fi; }

if [[ ! -d $SITE ]]; then
    log "generating N=$N in $WORK"
    python3 "$REPO/benches/gen_site.py" "$WORK" "$N" --seed "${BENCH_SEED:-1}" \
        --mappings "${BENCH_MAPPINGS:-$REPO/mappings/frameworks}" >/dev/null
fi
declare -A WALL RSS
for ((i = 1; i <= REPS; i++)); do
    for which in old new; do
        bin=$OLD; [[ $which == new ]] && bin=$NEW
        out=$WORK/out-$which
        set_aside "$out"
        set_aside "$WORK/.out-$which.crosswalk"
        find "$SITE" -mindepth 2 -path "$SITE/.*" -delete
        sync
        t0=$(date +%s%N)
        /usr/bin/time -v -o "$WORK/time.txt" "$bin" build --root "$SITE" --output "$out" --today "$TODAY" --quiet
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
        WALL[$which]+="$ms "; RSS[$which]+="$kb "
        log "run $i/$REPS $which: $ms ms, $((kb / 1024)) MiB"
    done
done
mo=$(median ${WALL[old]}); mn=$(median ${WALL[new]})
echo "old $OLD: ${WALL[old]}(ms) median $mo ms, peak RSS median $(( $(median ${RSS[old]}) / 1024 )) MiB"
echo "new $NEW: ${WALL[new]}(ms) median $mn ms, peak RSS median $(( $(median ${RSS[new]}) / 1024 )) MiB"
awk -v o="$mo" -v n="$mn" 'BEGIN { printf "new / old: %.3f\n", n / o }'
rm -rf "$DISCARD"
