#!/usr/bin/env bash
# libFuzzer targets of TailKit's file readers (see Fuzz/README.md).
#   Fuzz/fuzz.sh build [READER...]     build fuzz-<reader> with libFuzzer + AddressSanitizer into .build-fuzz
#   Fuzz/fuzz.sh run READER SECONDS    fuzz one reader, its seeds in Fuzz/corpus/<reader>, new inputs in .build-fuzz/corpus
#   Fuzz/fuzz.sh smoke [SECONDS]       every reader for SECONDS (default 3) on its corpus, seed FUZZ_SEED (1); fails on any finding
#   Fuzz/fuzz.sh readers               the reader names
set -euo pipefail
cd "$(dirname "$0")/.."

READERS="pickle torchfile idx gzip tar mat svhn cifar-binary cifar-pickle stl10 imagelist jpeg png pseudolabel unlabeledpool yaml"
SCRATCH=.build-fuzz
# Debug only: a release build (-c release) instruments just the target file for coverage (118 counters
# for fuzz-pickle against 2,699 in debug), so libFuzzer runs it fast but blind.
CONFIG=debug
# Inputs up to this size; STL-10's images are 27,648 bytes each, so one seed image needs more.
max_len() { case "$1" in stl10) echo 32768 ;; *) echo 8192 ;; esac; }
dict_flag() {
    case "$1" in
        pickle|cifar-pickle|pseudolabel|unlabeledpool) echo "-dict=Fuzz/dict/pickle.dict" ;;
        torchfile) echo "-dict=Fuzz/dict/torchfile.dict" ;;
        yaml) echo "-dict=Fuzz/dict/yaml.dict" ;;
    esac
}

build() {
    local readers=("$@")
    [ ${#readers[@]} -gt 0 ] || readers=($READERS)
    for r in "${readers[@]}"; do
        # --manifest-cache none: the fuzz variant of Package.swift must never be cached for plain builds.
        TAILKIT_FUZZ=1 swift build ${SWIFT_FLAGS:-} -c "$CONFIG" --manifest-cache none --scratch-path "$SCRATCH" \
            --sanitize fuzzer --sanitize address --product "fuzz-$r" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" || true
        [ -x "$SCRATCH/$CONFIG/fuzz-$r" ] || { echo "fuzz: building fuzz-$r failed" >&2; exit 1; }
    done
}

# Runs one target: `fuzz READER SECONDS [libFuzzer flags...]`; crashes go to .build-fuzz/findings/READER/.
fuzz() {
    local r=$1 seconds=$2
    shift 2
    local work="$SCRATCH/corpus/$r" findings="$SCRATCH/findings/$r"
    mkdir -p "$work" "$findings"
    # No Swift backtracer: libFuzzer and ASan report the crash, and the backtracer is slow.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
        nice -n 19 "$SCRATCH/$CONFIG/fuzz-$r" -max_total_time="$seconds" -max_len="$(max_len "$r")" \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 $(dict_flag "$r") ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
        -artifact_prefix="$findings/" "$@" "$work" "Fuzz/corpus/$r"
}

case "${1:-}" in
    build) shift; build "$@" ;;
    run)
        [ $# -eq 3 ] || { echo "usage: Fuzz/fuzz.sh run READER SECONDS" >&2; exit 2; }
        [[ " $READERS " == *" $2 "* ]] || { echo "fuzz: unknown reader '$2' (one of: $READERS)" >&2; exit 2; }
        build "$2"
        fuzz "$2" "$3"
        ;;
    smoke)
        seconds=${2:-3}
        # A fixed libFuzzer seed: the smoke in `make test` must fail the same way on every machine,
        # so a finding can be reproduced; `run` keeps a random seed to explore.
        export FUZZ_SEED=${FUZZ_SEED:-1}
        build
        for r in $READERS; do
            log="$SCRATCH/smoke-$r.log"
            if ! fuzz "$r" "$seconds" >"$log" 2>&1; then
                cat "$log" >&2
                echo "fuzz smoke: fuzz-$r found a problem (input saved under $SCRATCH/findings/$r)" >&2
                exit 1
            fi
            echo "fuzz smoke: $r $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${seconds}s, ok"
        done
        ;;
    readers) echo "$READERS" ;;
    *) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
