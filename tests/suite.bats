#!/usr/bin/env bats
# tests/suite.bats - the suite's own runner (tests/run): it reports every file
# as it finishes, ends with "N passed, N failed", and fails a run in which a
# test sent a packet off the machine (the network watch, root only).
load helpers

run_runner() { # FIXTURE...: tests/run on fixture files, as a fresh run
    local fixtures=()
    for f in "$@"; do fixtures+=("tests/runner-fixtures/$f"); done
    run --separate-stderr timeout -k 2 60 env -u SOCKSTEP_IN_WATCH \
        SOCKSTEP_BUILD="$BATS_TEST_TMPDIR" "$SOCKSTEP_ROOT/tests/run" "${fixtures[@]}"
}

watch_available() {
    [ "$(id -u)" = 0 ] || skip "the network watch needs root (CI runs this as root)"
    unshare -n true 2>/dev/null || skip "unshare -n is not allowed here"
}

@test "runner: each file's result as it finishes, skips with reasons, the closing count" {
    SOCKSTEP_NETWORK_WATCH=0 run_runner stays-inside.bats
    expect_status 0
    [[ "$output" == *"[1/1] tests/runner-fixtures/stays-inside.bats: 1 passed, 0 failed, 1 skipped ("* ]] ||
        { echo "no progress line in: $output" >&2; return 1; }
    [[ "$output" == *"# skip shown with its reason"* ]] || { echo "skip reason missing: $output" >&2; return 1; }
    expect_equal "1 passed, 0 failed, 1 skipped" "${lines[-1]}" "last line"
}

@test "network watch: a datagram to an outside address fails the run" {
    watch_available
    run_runner leaves-loopback.bats
    expect_status 1
    [[ "$output" == *"packets tried to leave loopback while tests/leaves-loopback.bats ran"* ]] ||
        { echo "the watch did not name the file: $output" >&2; return 1; }
    expect_equal "1 passed, 1 failed" "${lines[-1]}" "last line"
}

@test "network watch: loopback and a test's own namespace pass" {
    watch_available
    run_runner stays-inside.bats
    expect_status 0
    [[ "$output" == *"network watch: no packet tried to leave loopback"* ]] ||
        { echo "no watch verdict: $output" >&2; return 1; }
}
