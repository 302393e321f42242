# Shared by the benchmark scripts that time uctriage binaries side by side
# (dense.sh, many_files.sh); sourced after `cd "$ROOT"` and the build.

# BINS: "label=path" of each binary to time: BENCH_BEFORE (an older build) as
# "before" first when set, then the one just built as "after".
bench_binaries() {
    BINS=("after=$ROOT/target/release/uctriage")
    if [ -n "${BENCH_BEFORE:-}" ]; then
        BINS=("before=$BENCH_BEFORE" "${BINS[@]}")
    fi
}

# WORK: where the inputs go: BENCH_DIR (kept) when set, else a new temporary
# folder named after $1, removed when the script exits.
bench_work() {
    if [ -n "${BENCH_DIR:-}" ]; then
        WORK="$BENCH_DIR"; mkdir -p "$WORK"
    else
        WORK="$(mktemp -d "${TMPDIR:-/tmp}/uctriage-$1.XXXXXX")"
        trap 'rm -rf "$WORK"' EXIT
    fi
}
