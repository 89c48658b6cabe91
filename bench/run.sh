#!/usr/bin/env bash
# Benchmark: secsite against the floor (examples/floor.rs) on synthetic corpora
# (examples/gen_corpus.rs) of 1,000, 10,000 and 100,000 notices. See docs/benchmarks.md.
#
#   bench/run.sh                 # full run: 1k and 10k x5, 100k x3
#   QUICK=1 bench/run.sh         # 1k and 10k x3, for fast iteration
#
# Environment:
#   SIZES="1000 10000"   notice counts to run (default: 1000 10000 100000; QUICK: 1000 10000)
#   RUNS=N               runs per tool for every size (overrides the two below)
#   RUNS_SMALL=5         runs per tool below 100,000 notices (QUICK: 3)
#   RUNS_LARGE=3         runs per tool at 100,000 notices and more
#   SEED=1               corpus seed
#   AS_OF=2026-11-29     build date given to secsite
#   BENCH_DIR=/dev/shm/secsite-bench   corpora (cached by size and seed), outputs, logs
#   TIMEOUT=1800         seconds before one build is killed and reported as `timeout`
#   NO_BUILD=1           use the binaries already in BENCH_DIR/bin (skip cargo build)
#   TABLE_FROM=FILE      only print the table of the raw data file of an earlier run, then exit
#   REBUILD_RUNS=21      incremental rebuilds measured on a copy of the 10,000-notice corpus (each
#                        kind of edit); 0 skips them
#   IDLE_WAIT=120        before each run, wait up to this many seconds for the machine to be idle
#                        (other processes under 10% of the CPUs over half a second); 0 disables
#
# Wall time, user+sys CPU time and peak RSS come from /usr/bin/time; pages are the index.html
# files in the output. Outputs are removed between runs, outside the timed region. The two tools
# alternate which goes first from one run to the next. "other CPU" is the CPU time that the rest of
# the machine used while a run was timed (from /proc/stat): when it is not near zero, the run
# competed for the cores and its wall time is inflated.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

QUICK=${QUICK:-0}
if [[ "$QUICK" == 1 ]]; then
    SIZES=${SIZES:-"1000 10000"}
    RUNS_SMALL=${RUNS_SMALL:-3}
else
    SIZES=${SIZES:-"1000 10000 100000"}
    RUNS_SMALL=${RUNS_SMALL:-5}
fi
RUNS_LARGE=${RUNS_LARGE:-3}
SEED=${SEED:-1}
AS_OF=${AS_OF:-2026-11-29}
BENCH_DIR=${BENCH_DIR:-/dev/shm/secsite-bench}
TIMEOUT=${TIMEOUT:-1800}
TOOLS="secsite floor"
IDLE_WAIT=${IDLE_WAIT:-120}
CLK_TCK=$(getconf CLK_TCK)
NPROC=$(nproc)

# The table of a raw data file: medians over the successful runs, the fastest run, the peak RSS over
# all runs, "other CPU" as a median. `TABLE_FROM=raw.tsv bench/run.sh` prints it again, running
# nothing.
table() {
    awk -F'\t' -v tools="$TOOLS" '
function median(list,    a, k, m) {
    k = split(list, a, " ")
    if (k == 0) return ""
    asort_numeric(a, k)
    m = int((k + 1) / 2)
    return (k % 2) ? a[m] : (a[m] + a[m + 1]) / 2
}
function asort_numeric(a, k,    i, j, t) {
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
NR == 1 { next }
{
    if (!($1 in seen)) { seen[$1] = 1; sizes = sizes (sizes == "" ? "" : " ") $1 }
    key = $1 SUBSEP $2
    runs[key]++
    if ($9 == "ok" || $9 == "warnings") {
        ok[key]++
        wall[key] = wall[key] " " $4
        cpu[key] = cpu[key] " " $5
        other[key] = other[key] " " $10
        if ($6 > rss[key]) rss[key] = $6
        if (!(key in best) || $4 + 0 < best[key] + 0) best[key] = $4
        pages[key] = $7
        bytes[key] = $8
    }
    if ($9 != "ok") bad[key] = bad[key] " " $9
}
END {
    print "| notices | tool | median wall (s) | min wall (s) | median CPU (s) | peak RSS (MB) | pages | output (MB) | runs | other CPU (s) | secsite/floor (median wall) |"
    print "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    nt = split(tools, t, " ")
    ns = split(sizes, s, " ")
    for (i = 1; i <= ns; i++) {
        n = s[i]
        for (j = 1; j <= nt; j++) {
            key = n SUBSEP t[j]
            w[j] = median(wall[key])
            c = median(cpu[key])
            o = median(other[key])
            ratio = ""
            if (j == 1 && ok[n SUBSEP "floor"] > 0 && w[1] != "") {
                fw = median(wall[n SUBSEP "floor"])
                if (fw > 0) ratio = sprintf("%.1f×", w[1] / fw)
            }
            runinfo = (ok[key] + 0) "/" (runs[key] + 0)
            if (bad[key] != "") runinfo = runinfo " (" substr(bad[key], 2) ")"
            if (w[j] == "") {
                printf "| %s | %s | – | – | – | – | – | – | %s | | |\n", n, t[j], runinfo
            } else {
                printf "| %s | %s | %.2f | %.2f | %.2f | %.0f | %d | %.0f | %s | %.2f | %s |\n", n, t[j], w[j], best[key], c, rss[key] / 1024, pages[key], bytes[key] / 1048576, runinfo, o, ratio
            }
        }
        sw[n] = median(wall[n SUBSEP "secsite"])
        fl[n] = median(wall[n SUBSEP "floor"])
        sc[n] = median(cpu[n SUBSEP "secsite"])
        fc[n] = median(cpu[n SUBSEP "floor"])
    }
    print ""
    for (i = 2; i <= ns; i++) {
        a = s[i - 1]; b = s[i]
        if (sw[a] > 0 && sw[b] != "")
            printf "secsite %s/%s notices: %.1f× the wall time (%.1f× the CPU time) for %.0f× the notices", b, a, sw[b] / sw[a], (sc[a] > 0 ? sc[b] / sc[a] : 0), b / a
        if (fl[a] > 0 && fl[b] != "")
            printf " (floor: %.1f×, %.1f×)", fl[b] / fl[a], (fc[a] > 0 ? fc[b] / fc[a] : 0)
        # The speed of the machine drifts between the sizes, which are minutes apart; the floor
        # drifts with it, so the growth of secsite divided by that of the floor is steadier.
        if (sw[a] > 0 && sw[b] != "" && fl[a] > 0 && fl[b] != "")
            printf "; secsite grew %.2f times as much as the floor", (sw[b] / sw[a]) / (fl[b] / fl[a])
        if (sw[a] > 0 && sw[b] != "") print ""
    }
}' "$1"
}

if [[ -n "${TABLE_FROM:-}" ]]; then
    table "$TABLE_FROM"
    exit 0
fi

if [[ ! -x /usr/bin/time ]]; then
    echo "bench: /usr/bin/time is missing; installing the Debian package \`time\`" >&2
    apt-get install -y time >&2 || { echo "bench: run: apt-get install -y time" >&2; exit 2; }
fi

mkdir -p "$BENCH_DIR/bin" "$BENCH_DIR/logs"
BIN="$BENCH_DIR/bin"
if [[ "${NO_BUILD:-0}" != 1 ]]; then
    cargo build --release --examples --bins >&2
    # Copies, so that a rebuild in the working tree during the run cannot change what is measured.
    cp target/release/secsite target/release/examples/floor target/release/examples/gen_corpus \
        target/release/examples/rebuild_bench "$BIN/"
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW="$BENCH_DIR/logs/raw-$STAMP.tsv"
printf 'size\ttool\trun\twall_s\tcpu_s\tmaxrss_kb\tpages\tbytes\tstatus\tother_cpu_s\twaited_s\n' >"$RAW"

echo "# secsite benchmark $STAMP" >&2
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)" >&2
echo "# git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/'); seed $SEED; as-of $AS_OF; raw data: $RAW" >&2

# Busy CPU time of the whole machine so far, in clock ticks.
busy_ticks() {
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Waits until other processes use under 10% of the CPUs, for at most IDLE_WAIT seconds; prints
# how long it waited.
wait_idle() {
    local waited=0 before after
    while ((waited < IDLE_WAIT * 2)); do
        before=$(busy_ticks)
        sleep 0.5
        after=$(busy_ticks)
        # Busy ticks in 0.5 s, against 10% of NPROC cores.
        if (((after - before) * 10 < CLK_TCK * NPROC / 2)); then
            break
        fi
        waited=$((waited + 1))
    done
    echo $((waited / 2))
}

# Generates the corpus of $1 notices unless a copy from the same generator and seed is there.
corpus() {
    local n=$1 dir="$BENCH_DIR/corpus-$1"
    local want
    want=$("$BIN/gen_corpus" --notices "$n" --seed "$SEED" --out "$dir" --marker)
    if [[ -f "$dir/.gen_corpus" && "$(cat "$dir/.gen_corpus")" == "$want" ]]; then
        echo "corpus $n: cached in $dir" >&2
    else
        "$BIN/gen_corpus" --notices "$n" --seed "$SEED" --out "$dir" >&2
    fi
}

# Runs tool $2 on size $1, run number $3; appends one line to $RAW.
measure() {
    local n=$1 tool=$2 run=$3
    local root="$BENCH_DIR/corpus-$n" out="$BENCH_DIR/out-$tool"
    local timing="$BENCH_DIR/logs/time.txt" log="$BENCH_DIR/logs/$tool-$n-$run.log"
    rm -rf "$out" "$BENCH_DIR"/.out-"$tool".secsite-* "$timing"
    sync
    local waited=0
    if ((IDLE_WAIT > 0)); then waited=$(wait_idle); fi
    local cmd
    case $tool in
        secsite) cmd=("$BIN/secsite" build --root "$root" --output "$out" --as-of "$AS_OF" --quiet) ;;
        floor) cmd=("$BIN/floor" --root "$root" --output "$out") ;;
    esac
    local status=ok busy_before busy_after
    busy_before=$(busy_ticks)
    # timeout inside time, so that the build itself receives the signal; time reports the
    # resources of timeout and of the build it waited for.
    local rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$timing" timeout "$TIMEOUT" "${cmd[@]}" >"$log" 2>&1 || rc=$?
    if ((rc == 124)); then
        status=timeout
        echo "(killed after TIMEOUT=$TIMEOUT s)" >>"$log"
    elif ((rc != 0)); then
        status="exit-$rc"
    fi
    busy_after=$(busy_ticks)
    if [[ "$tool" == secsite && -s "$log" && "$status" == ok ]]; then
        status=warnings # the build succeeded, but --quiet prints only errors and warnings
    fi
    local wall user sys cpu rss
    read -r wall user sys rss < <(tail -n 1 "$timing" 2>/dev/null || echo "0 0 0 0")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    local other
    other=$(awk -v b="$((busy_after - busy_before))" -v t="$CLK_TCK" -v c="$cpu" \
        'BEGIN { o = b / t - c; if (o < 0) o = 0; printf "%.2f", o }')
    local pages=0 bytes=0
    if [[ -d "$out" ]]; then
        pages=$(find "$out" -name index.html -type f | wc -l)
        bytes=$(du -sb "$out" | cut -f1)
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$run" "$wall" \
        "$cpu" "$rss" "$pages" "$bytes" "$status" "$other" "$waited" >>"$RAW"
    printf '%7s %-8s run %s: %6ss wall %6ss cpu %6d MB %7d pages  other CPU %5ss  waited %3ss  %s\n' \
        "$n" "$tool" "$run" "$wall" "$cpu" $((rss / 1024)) "$pages" "$other" "$waited" "$status" >&2
    if [[ "$status" != ok ]]; then
        echo "  ---- $tool printed ($log), first lines:" >&2
        head -n 20 "$log" | sed 's/^/  /' >&2
    fi
    rm -rf "$out" "$BENCH_DIR"/.out-"$tool".secsite-*
}

for n in $SIZES; do
    corpus "$n"
done

# The sizes take turns as the tools do: the runs of each size are spread over as many rounds as
# the size with the most runs has (with RUNS_SMALL=9 and RUNS_LARGE=3, a 100,000-notice pair in
# rounds 3, 6 and 9), so that a spell of a busy host slows every size alike and the 100k/10k
# ratio compares builds made under the same conditions.
declare -A runs_of done_of
rounds=0
for n in $SIZES; do
    if [[ -n "${RUNS:-}" ]]; then
        runs_of[$n]=$RUNS
    elif ((n >= 100000)); then
        runs_of[$n]=$RUNS_LARGE
    else
        runs_of[$n]=$RUNS_SMALL
    fi
    done_of[$n]=0
    if ((runs_of[$n] > rounds)); then rounds=${runs_of[$n]}; fi
done
for ((round = 1; round <= rounds; round++)); do
    for n in $SIZES; do
        due=$((round * runs_of[$n] / rounds))
        while ((done_of[$n] < due)); do
            run=$((done_of[$n] + 1))
            if ((run % 2)); then order="secsite floor"; else order="floor secsite"; fi
            for tool in $order; do
                measure "$n" "$tool" "$run"
            done
            done_of[$n]=$run
        done
    done
done

table "$RAW" | tee "$BENCH_DIR/logs/table-$STAMP.md"

# Incremental rebuilds (what `secsite serve` does after a save), in process, on a copy of the
# 10,000-notice corpus: examples/rebuild_bench.rs edits one notice per run.
REBUILD_RUNS=${REBUILD_RUNS:-21}
if ((REBUILD_RUNS > 0)) && [[ " $SIZES " == *" 10000 "* ]]; then
    edit_copy="$BENCH_DIR/rebuild-10000"
    rm -rf "$edit_copy"
    cp -r "$BENCH_DIR/corpus-10000" "$edit_copy"
    if ((IDLE_WAIT > 0)); then wait_idle >/dev/null; fi
    echo
    echo "Incremental rebuild, 10,000 notices ($REBUILD_RUNS runs per kind of edit):"
    "$BIN/rebuild_bench" --root "$edit_copy" --runs "$REBUILD_RUNS" --out "$BENCH_DIR/rebuild-out" \
        2>&1 | tee "$BENCH_DIR/logs/rebuild-$STAMP.txt"
    rm -rf "$edit_copy" "$BENCH_DIR/rebuild-out"
fi
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
