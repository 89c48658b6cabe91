#!/usr/bin/env bash
# Edit-to-reload latency of `secsite serve` (docs/serve.md): on a scratch copy of a generated
# corpus, the time from saving a notice to the `reload` event reaching a live-reload client,
# for body edits and for title edits. See examples/serve_latency.rs for what is timed.
#
#   bench/serve_latency.sh                      # 10,000 notices, 30 edits of each kind
#   NOTICES=1000 RUNS=10 bench/serve_latency.sh
#
# Environment:
#   NOTICES=10000   corpus size           SEED=1         corpus seed
#   RUNS=30         edits of each kind    AS_OF=2026-11-29   the build date given to serve
#   SAVE=atomic     atomic (temporary file renamed over) or inplace (truncate and write)
#   PAUSE_MS=300    pause between edits, so that each one is its own build
#   CORPUS=DIR      an existing corpus to copy (never edited); default: generated (and cached)
#                   in $LATENCY_DIR/corpus-$NOTICES-$SEED
#   LATENCY_DIR=/dev/shm/secsite-latency   where corpora and the scratch copy go
#   NO_BUILD=1      use target/release/{secsite,examples/serve_latency} as they are
#   IDLE_WAIT=120   first wait up to this many seconds for the machine to be idle (other
#                   processes under 10% of the CPUs over half a second); 0 disables
#
# The report ends with the CPU time other processes used during each phase ("other processes
# used N cores"): when it is not near 0, the run competed for the CPUs and its figures are high.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTICES=${NOTICES:-10000}
SEED=${SEED:-1}
RUNS=${RUNS:-30}
AS_OF=${AS_OF:-2026-11-29}
SAVE=${SAVE:-atomic}
PAUSE_MS=${PAUSE_MS:-300}
LATENCY_DIR=${LATENCY_DIR:-/dev/shm/secsite-latency}

if [[ "${NO_BUILD:-0}" != 1 ]]; then
    cargo build --release --quiet --bin secsite --example serve_latency --example gen_corpus
fi
mkdir -p "$LATENCY_DIR"
if [[ -z "${CORPUS:-}" ]]; then
    CORPUS="$LATENCY_DIR/corpus-$NOTICES-$SEED"
    want=$(target/release/examples/gen_corpus --notices "$NOTICES" --seed "$SEED" --out "$CORPUS" --marker)
    if [[ ! -f "$CORPUS/.gen_corpus" || "$(cat "$CORPUS/.gen_corpus")" != "$want" ]]; then
        target/release/examples/gen_corpus --notices "$NOTICES" --seed "$SEED" --out "$CORPUS" >&2
    fi
fi
[[ -f "$CORPUS/secsite.yaml" ]] || { echo "serve_latency: no site at $CORPUS" >&2; exit 2; }

IDLE_WAIT=${IDLE_WAIT:-120}
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
if ((IDLE_WAIT > 0)); then
    waited=0
    while ((waited < IDLE_WAIT * 2)); do
        before=$(busy_ticks); sleep 0.5; after=$(busy_ticks)
        if (((after - before) * 10 < $(getconf CLK_TCK) * $(nproc) / 2)); then break; fi
        waited=$((waited + 1))
    done
    echo "serve_latency: waited $((waited / 2)) s for an idle machine" >&2
fi

WORK=$(mktemp -d "$LATENCY_DIR/run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp -r "$CORPUS" "$WORK/site"
# A copy of the binary: a rebuild of target/ during the run cannot change what is measured.
cp -p target/release/secsite "$WORK/secsite"
changes=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | wc -l)
echo "serve_latency: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), commit $(git rev-parse --short HEAD 2>/dev/null)$( ((changes)) && echo " with $changes changed file(s) in src/"), binary $(date -u -r "$WORK/secsite" +%H:%M:%SZ), corpus $CORPUS" >&2
target/release/examples/serve_latency --bin "$WORK/secsite" --site "$WORK/site" \
    --runs "$RUNS" --as-of "$AS_OF" --save "$SAVE" --pause-ms "$PAUSE_MS"
