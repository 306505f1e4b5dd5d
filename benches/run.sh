#!/usr/bin/env bash
# Benchmark crosswalk (and, when installed, Hugo) on synthetic sites. See docs/benchmarks.md.
#
#   benches/run.sh              N = 1000 and 10000
#   benches/run.sh 1000         only N = 1000 (any list of sizes works)
#
# Environment:
#   BENCH_DIR     work folder (default: a new mktemp -d under /tmp; kept afterwards)
#   BENCH_REPS    repetitions of each timing; the median is reported (default 3)
#   BENCH_BUDGET  seconds one size may take; above it the size runs 1 repetition (default 720)
#   CROSSWALK     a crosswalk binary to use instead of building target/release/crosswalk
#   BENCH_SEED    generator seed (default 1)
#   BENCH_MAPPINGS  the mappings/frameworks/ folder the generator takes control ids from (default
#                 this checkout's; an older checkout's to time an older binary on the same site)
#   BENCH_NO_CACHE_DIR=1  generate the site without .crosswalk-cache/ (crosswalk then keeps no
#                 input fingerprint, so a no-change rebuild cannot stop early)
#   BENCH_NICE    run the timed commands under `nice -n BENCH_NICE` (e.g. -10 as root, to keep
#                 other work on a shared machine from inflating wall times; default: not set)
#   BENCH_SERVE_REPS      saves per variant in the `crosswalk serve` measurement (default 5; 1 when
#                 a size is over BENCH_BUDGET)
#   BENCH_SERVE_VARIANTS  which saves to time (default body-rename,body-inplace,front-matter,
#                 evidence-title; see
#                 benches/serve_latency.py); BENCH_NO_SERVE=1 skips the serve measurement
#
# After the builds of each size, benches/serve_latency.py times `crosswalk serve` on the same site:
# from saving a policy to the reload event, and to the reloaded page showing the edit.
#
# Needs: cargo (unless CROSSWALK is set), python3, GNU time (/usr/bin/time, Debian package `time`).
# Optional: hugo (Debian package `hugo`).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TODAY=2026-11-23
REPS=${BENCH_REPS:-3}
BUDGET=${BENCH_BUDGET:-720}
SEED=${BENCH_SEED:-1}
GNU_TIME=/usr/bin/time

if [[ $# -gt 0 ]]; then SIZES=("$@"); else SIZES=(1000 10000); fi
for n in "${SIZES[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: not a size: $n" >&2; exit 2; }
done
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: BENCH_REPS must be a positive integer" >&2; exit 2; }
SERVE_REPS=${BENCH_SERVE_REPS:-5}
[[ $SERVE_REPS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: BENCH_SERVE_REPS must be a positive integer" >&2; exit 2; }
SERVE_VARIANTS=${BENCH_SERVE_VARIANTS:-body-rename,body-inplace,front-matter,evidence-title}
NICE=()
if [[ -n ${BENCH_NICE:-} ]]; then
    [[ $BENCH_NICE =~ ^-?[0-9]+$ ]] || { echo "run.sh: BENCH_NICE must be an integer" >&2; exit 2; }
    NICE=(nice -n "$BENCH_NICE")
fi

if ! "$GNU_TIME" -v true >/dev/null 2>&1; then
    echo "run.sh: GNU time is missing: apt-get install time" >&2
    exit 2
fi

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

if [[ -n ${CROSSWALK:-} ]]; then
    BIN=$CROSSWALK
else
    log "cargo build --release"
    (cd "$REPO" && cargo build --release --quiet)
    BIN=$REPO/target/release/crosswalk
fi

# The commit the binary was built from (taken now: others may commit while the benchmark runs).
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n ${CROSSWALK:-} ]]; then
    commit="binary $CROSSWALK (not built by run.sh; repository HEAD is $commit)"
elif [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no -- src build.rs Cargo.toml 2>/dev/null) ]]; then
    commit="$commit with uncommitted changes to src/"
fi
HUGO=$(command -v hugo || true)

if [[ -n ${BENCH_DIR:-} ]]; then
    mkdir -p "$BENCH_DIR"
    WORK=$(cd "$BENCH_DIR" && pwd)
else
    WORK=$(mktemp -d /tmp/crosswalk-bench.XXXXXX)
fi
log "work folder: $WORK"
[[ -x $BIN ]] || { echo "run.sh: no crosswalk binary at $BIN" >&2; exit 2; }
# Run a private copy, so a concurrent `cargo build` cannot swap the binary between two timings.
cp "$BIN" "$WORK/crosswalk"
BIN=$WORK/crosswalk
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- helpers ---------------------------------------------------------------------------------

# timed LABEL CMD...: sync, run CMD under GNU time, set WALL_MS, CPU_MS and RSS_KB.
# Wall time comes from the nanosecond clock around the run (GNU time prints only 1/100 s);
# CPU time (user + system) and peak memory ("Maximum resident set size") come from GNU time.
timed() {
    local label=$1; shift
    local tfile="$WORK/time.$label.txt"
    sync
    local t0 t1
    t0=$(date +%s%N)
    if ! "$GNU_TIME" -v -o "$tfile" "${NICE[@]}" "$@"; then
        echo "run.sh: command failed ($label): $*" >&2
        cat "$tfile" >&2 || true
        exit 1
    fi
    t1=$(date +%s%N)
    WALL_MS=$(( (t1 - t0) / 1000000 ))
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
    CPU_MS=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%d", s * 1000}' "$tfile")
}

# set_aside PATH...: move old outputs out of the way instead of deleting them; the run deletes
# them all at its end. On ext4 without a journal (this benchmark's machine), the inode allocator
# skips every inode freed in the last 60 s (360 s while its inode-table block is unwritten), one
# block lookup each, so deleting a 41,000-file output just before a build made each file that
# build created scan past them: at N = 10,000 the full build took 6.1 s instead of 3.8 s, most of
# it kernel time. Hugo's runs paid the same way for its own deleted output.
DISCARD=$WORK/discard
set_aside() {
    local p
    for p in "$@"; do
        if [[ -e $p ]]; then
            mkdir -p "$DISCARD"
            mv "$p" "$DISCARD/$(date +%s%N)-$(basename "$p")"
        fi
    done
}
if [[ -e $DISCARD ]]; then
    log "removing $DISCARD (left by an earlier run), then waiting 61 s for its inodes to be reusable"
    rm -rf "$DISCARD"
    sync
    sleep 61
fi

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The output is a link to its published generation (docs/reliability.md): "$1/" follows it.
count_html() { find "$1/" -name '*.html' -type f | wc -l | tr -d ' '; }
count_newer() { find "$1/" -name '*.html' -type f -newer "$2" | wc -l | tr -d ' '; }

fmt_s() { awk -v ms="$1" 'BEGIN { if (ms < 1000) printf "%d ms", ms; else printf "%.2f s", ms / 1000 }'; }
fmt_cpu() { if (($1 < 10)); then echo "<10 ms"; else fmt_s "$1"; fi; }  # GNU time: 1/100 s
fmt_mib() { awk -v kb="$1" 'BEGIN { printf "%d MiB", kb / 1024 + 0.5 }'; }
fmt_rate() { fmt_int "$(awk -v p="$1" -v ms="$2" 'BEGIN { if (ms == 0) print "-"; else printf "%d", p * 1000 / ms }')"; }
fmt_int() { echo "$1" | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }

ROWS=()
row() { ROWS+=("| $(fmt_int "$1") | $2 | $3 | $4 | $5 | $6 | $7 | $8 |"); }
NOTES=()

# ---- the runs --------------------------------------------------------------------------------

for N in "${SIZES[@]}"; do
    DIR=$WORK/n$N
    SITE=$DIR/site
    OUT=$DIR/out
    HSITE=$DIR/hugo
    HOUT=$DIR/hugo-out
    set_aside "$DIR"
    log "N=$N: generating site"
    gen_args=("$DIR" "$N" --seed "$SEED")
    if [[ -n ${BENCH_MAPPINGS:-} ]]; then gen_args+=(--mappings "$BENCH_MAPPINGS"); fi
    if [[ -n ${BENCH_NO_CACHE_DIR:-} ]]; then gen_args+=(--no-cache-dir); fi
    python3 "$REPO/benches/gen_site.py" "${gen_args[@]}"
    build=("$BIN" build --root "$SITE" --output "$OUT" --today "$TODAY" --quiet)
    reps=$REPS
    note=""

    # (a) full build from scratch
    full_ms=(); full_kb=(); full_cpu=()
    for ((i = 1; i <= reps; i++)); do
        # From scratch: no output, and nothing left in any cache crosswalk keeps in the site (the
        # contents of every dot-folder at the site's top level; the folders themselves stay, as
        # crosswalk uses .crosswalk-cache/ only if it exists).
        # The output link and its hidden folder of generations.
        set_aside "$OUT" "$(dirname "$OUT")/.$(basename "$OUT").crosswalk"
        find "$SITE" -mindepth 2 -path "$SITE/.*" -delete
        timed "full" "${build[@]}"
        full_ms+=("$WALL_MS"); full_kb+=("$RSS_KB"); full_cpu+=("$CPU_MS")
        log "N=$N full build $i/$reps: $(fmt_s "$WALL_MS"), $(fmt_mib "$RSS_KB")"
        if ((i == 1 && reps > 1)); then
            # What one repetition costs: the build, plus flushing its output to disk (the next
            # timed run's sync would do it anyway), plus about as long again to delete it. Four
            # measurements (full, no-change, one edit, Hugo) each cost at most that per repetition
            # (an overestimate once rebuilds are incremental): drop to 1 repetition if over budget.
            t0=$(date +%s%N)
            sync
            cost_ms=$(( WALL_MS + 2 * ($(date +%s%N) - t0) / 1000000 ))
            est=$(( cost_ms * 4 * reps / 1000 ))
            if ((est > BUDGET)); then
                reps=1
                note=" (1 run)"
                log "N=$N: about ${est}s for $REPS repetitions exceeds BENCH_BUDGET=${BUDGET}s; 1 repetition"
            fi
        fi
    done
    pages=$(count_html "$OUT")

    # (b) no-change rebuild
    nc_ms=(); nc_kb=(); nc_pages=(); nc_cpu=()
    for ((i = 1; i <= reps; i++)); do
        touch "$DIR/.marker"; sleep 0.01
        timed "nochange" "${build[@]}"
        nc_ms+=("$WALL_MS"); nc_kb+=("$RSS_KB"); nc_cpu+=("$CPU_MS"); nc_pages+=("$(count_newer "$OUT" "$DIR/.marker")")
        log "N=$N no-change rebuild $i/$reps: $(fmt_s "$WALL_MS"), ${nc_pages[-1]} pages rewritten"
    done

    # (c) one-policy edit: append a sentence to one policy, then rebuild
    policy=$(find "$SITE/content/policies" -name '*.md' | sort | sed -n "$(( (N + 1) / 2 ))p")
    policy_id=$(awk -F': ' '/^id: / {print $2; exit}' "$policy")
    ed_ms=(); ed_kb=(); ed_pages=(); ed_cpu=()
    for ((i = 1; i <= reps; i++)); do
        sentence="Benchmark edit $i confirms that the rebuild picked up this change."
        printf '\n%s\n' "$sentence" >>"$policy"
        touch "$DIR/.marker"; sleep 0.01
        timed "edit" "${build[@]}"
        ed_ms+=("$WALL_MS"); ed_kb+=("$RSS_KB"); ed_cpu+=("$CPU_MS"); ed_pages+=("$(count_newer "$OUT" "$DIR/.marker")")
        # The policy's page is <id>.html today; search every page if that ever changes.
        if ! grep -rqF --include="$policy_id.html" "$sentence" "$OUT" &&
            ! grep -rqF --include='*.html' "$sentence" "$OUT"; then
            echo "run.sh: the edit to $policy_id is not in the rebuilt portal" >&2
            exit 1
        fi
        log "N=$N one-edit rebuild $i/$reps: $(fmt_s "$WALL_MS"), ${ed_pages[-1]} pages rewritten"
    done

    fm=$(median "${full_ms[@]}")
    row "$N" "crosswalk full build$note" "$(fmt_s "$fm")" "$(fmt_cpu "$(median "${full_cpu[@]}")")" "$(fmt_int "$pages")" \
        "$(fmt_rate "$pages" "$fm")" "$(fmt_mib "$(median "${full_kb[@]}")")" ""
    # A rebuild's pages/s is left blank: it keeps the whole portal current but may rewrite only
    # the pages that changed ("rewritten": HTML files newer than the run's start).
    m=$(median "${nc_ms[@]}"); p=$(median "${nc_pages[@]}")
    row "$N" "crosswalk no-change rebuild$note" "$(fmt_s "$m")" "$(fmt_cpu "$(median "${nc_cpu[@]}")")" \
        "$(fmt_int "$pages") ($(fmt_int "$p") rewritten)" "" "$(fmt_mib "$(median "${nc_kb[@]}")")" ""
    m=$(median "${ed_ms[@]}"); p=$(median "${ed_pages[@]}")
    row "$N" "crosswalk one-policy edit$note" "$(fmt_s "$m")" "$(fmt_cpu "$(median "${ed_cpu[@]}")")" \
        "$(fmt_int "$pages") ($(fmt_int "$p") rewritten)" "" "$(fmt_mib "$(median "${ed_kb[@]}")")" ""

    # Hugo on the same Markdown bodies
    if [[ -n $HUGO ]]; then
        h_ms=(); h_kb=(); h_cpu=()
        for ((i = 1; i <= reps; i++)); do
            set_aside "$HOUT" "$DIR/hugo-cache"
            timed "hugo" "$HUGO" --quiet -s "$HSITE" -d "$HOUT" --cacheDir "$DIR/hugo-cache"
            h_ms+=("$WALL_MS"); h_kb+=("$RSS_KB"); h_cpu+=("$CPU_MS")
            log "N=$N Hugo build $i/$reps: $(fmt_s "$WALL_MS"), $(fmt_mib "$RSS_KB")"
        done
        hm=$(median "${h_ms[@]}")
        hp=$(count_html "$HOUT")
        hc=$(median "${h_cpu[@]}")
        fc=$(median "${full_cpu[@]}")
        ratio=$(awk -v a="$fm" -v b="$hm" -v c="$fc" -v d="$hc" \
            'BEGIN { printf "%.2f× wall, %.2f× CPU", a / b, (d > 0 ? c / d : 0) }')
        row "$N" "Hugo full build$note" "$(fmt_s "$hm")" "$(fmt_cpu "$hc")" "$(fmt_int "$hp")" \
            "$(fmt_rate "$hp" "$hm")" "$(fmt_mib "$(median "${h_kb[@]}")")" "$ratio"
    else
        log "hugo is not on PATH: skipping the comparison (apt-get install hugo)"
    fi

    # crosswalk serve on the same site: save a policy or an evidence file, wait for the reload
    # event, fetch the page.
    # The server builds into a temporary folder of its own; TMPDIR puts it in the work folder,
    # and a folder left there afterwards means the server did not clean up when stopped.
    if [[ -z ${BENCH_NO_SERVE:-} ]]; then
        sreps=$SERVE_REPS
        if [[ -n $note ]]; then sreps=1; fi
        sjson=$DIR/serve.json
        sargs=("$SITE" --binary "$BIN" --reps "$sreps" --variants "$SERVE_VARIANTS" --json "$sjson"
            --server-log "$DIR/serve.log" --stop-timeout 1800)
        if [[ -n ${BENCH_NICE:-} ]]; then sargs+=(--nice "$BENCH_NICE"); fi
        log "N=$N: crosswalk serve, $sreps saves per variant ($SERVE_VARIANTS)"
        rm -f "$sjson"
        if TMPDIR=$DIR python3 "$REPO/benches/serve_latency.py" "${sargs[@]}" >"$DIR/serve.txt"; then
            ok=1
        else
            ok=""
            log "N=$N: serve_latency.py failed; see $DIR/serve.txt and $DIR/serve.log"
        fi
        # One line per variant: name, median save to page (ms), median save to reload event (ms),
        # repetitions, and the server's peak RSS over the session (KiB).
        if [[ -s $sjson ]]; then
            while IFS=$'\t' read -r variant page_ms event_ms nreps rss_kb; do
                case $variant in
                    body-rename) what="body edit, editor save" ;;
                    body-inplace) what="body edit, in-place write" ;;
                    front-matter) what="front-matter edit, editor save" ;;
                    evidence-title) what="evidence record's title, editor save" ;;
                    *) what=$variant ;;
                esac
                snote=""
                if [[ $nreps == 1 ]]; then snote=" (1 run)"; fi
                rss=""
                if [[ $rss_kb =~ ^[0-9]+$ ]]; then rss="$(fmt_mib "$rss_kb") (server)"; fi
                row "$N" "serve: save to reloaded page ($what; reload event at $(fmt_s "$event_ms"))$snote" \
                    "$(fmt_s "$page_ms")" "" "" "" "$rss" ""
            done < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rss = d.get("server_peak_rss_kib") or ""
for name, v in d["variants"].items():
    print(name, round(v["median_page_ms"]), round(v["median_event_ms"]), v["reps"], rss, sep="\t")
' "$sjson")
            NOTES+=("$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("N=%s serve: edits to %s (%s); first build %s s; stopping the server (SIGTERM, which removes"
      " its temporary folder) took %s s" % (sys.argv[2], d["edited"], ", ".join(d.get("pages", {}).values()) or "?",
      d.get("startup_s", "?"), d.get("stop", {}).get("seconds", "?")))
' "$sjson" "$N")")
        fi
        if [[ -z $ok ]]; then
            row "$N" "serve: save to reloaded page: FAILED (see $DIR/serve.txt)" "" "" "" "" "" ""
        fi
        leftover=$(find "$DIR" -maxdepth 1 \( -name 'crosswalk-serve-*' -o -name '.crosswalk-serve-*' \) | wc -l | tr -d ' ')
        if ((leftover > 0)); then
            log "N=$N: crosswalk serve left its temporary folder behind; removing it"
            NOTES+=("N=$N serve: the server left its temporary output folder behind")
            find "$DIR" -maxdepth 1 \( -name 'crosswalk-serve-*' -o -name '.crosswalk-serve-*' \) -exec rm -rf {} +
        fi
    fi
done

# ---- report ----------------------------------------------------------------------------------

{
    echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -h | awk '/^Mem:/ {print $2}') RAM, $(uname -sr)"
    echo "crosswalk: $commit, $("$BIN" --version)"
    if [[ -n $HUGO ]]; then echo "Hugo: $("$HUGO" version | awk '{print $1, $2}')"; fi
    echo "Load average: $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    if [[ -n ${BENCH_NICE:-} ]]; then echo "Timed commands ran under nice -n $BENCH_NICE"; fi
    if [[ -n ${BENCH_NO_CACHE_DIR:-} ]]; then echo "Sites generated without .crosswalk-cache/"; fi
    echo "Repetitions: median of $REPS unless marked (1 run); whole run $((SECONDS / 60)) min $((SECONDS % 60)) s; work folder $WORK"
    if [[ -z ${BENCH_NO_SERVE:-} ]]; then
        echo "Serve: median of $SERVE_REPS saves per variant unless marked (1 run), measured by benches/serve_latency.py; wall time is from the save to the reloaded page showing the edit"
    fi
    for n in "${NOTES[@]}"; do echo "$n"; done
    echo
    echo "| N | build | wall time | CPU time | pages | pages/s | peak RSS | crosswalk / Hugo (full build) |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$WORK/results.md"

# Only now, with every timing taken, delete the outputs set aside.
if [[ -e $DISCARD ]]; then
    log "removing the outputs set aside ($DISCARD)"
    rm -rf "$DISCARD"
fi
