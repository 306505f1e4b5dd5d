#!/bin/sh
# Runs fuzz targets on the stable toolchain, two at a time, each for SECONDS.
#   fuzz/run.sh 240                     every target
#   fuzz/run.sh 600 ledger config       just these
# Logs go to fuzz/logs/<target>.log; crashes to fuzz/artifacts/<target>/. Run from anywhere.
set -eu
cd "$(dirname "$0")/.."
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
[ $# -gt 0 ] || set -- front_matter document evidence catalog crosswalk config ledger markdown
mkdir -p fuzz/logs
# RUSTC_BOOTSTRAP=1 lets the stable compiler take the -Z flags cargo-fuzz passes. Build once,
# then run the binaries `cargo fuzz run` would: a rebuild mid-run (sources edited meanwhile)
# would swap the binary under a running fuzzer.
RUSTC_BOOTSTRAP=1 cargo fuzz build
bin=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release
for t in "$@"; do echo "$t"; done | xargs -P 2 -I{} sh -c '
  mkdir -p fuzz/corpus/{} fuzz/artifacts/{}
  '"$bin"'/{} -artifact_prefix=fuzz/artifacts/{}/ fuzz/corpus/{} fuzz/seeds/{} \
    -max_total_time='"$secs"' -timeout=10 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    > fuzz/logs/{}.log 2>&1
  echo "{}: $(grep -E "^#[0-9]+: cov:" fuzz/logs/{}.log | tail -n 1)"'
