#!/usr/bin/env bats
# tests/suite.bats - the suite's own runner (tests/run): it reports every file
# as it finishes, ends with "N passed, N failed", and fails a run in which a
# test sent a packet off the machine (the network watch, root only); and the
# helper that every wait of tests/helpers.bash asks whether a process runs.
load helpers

run_runner() { # FIXTURE...: tests/run on fixture files, as a fresh run
    local fixtures=()
    for f in "$@"; do fixtures+=("tests/runner-fixtures/$f"); done
    # (TMPDIR: what a stopped bats leaves, its bats-run-* folder, goes with the test's)
    run --separate-stderr timeout -k 2 60 env -u SOCKSTEP_IN_WATCH TMPDIR="$BATS_TEST_TMPDIR" \
        SOCKSTEP_BUILD="$BATS_TEST_TMPDIR" "SOCKSTEP_FIXTURE_MARK=$BATS_TEST_TMPDIR" "$SOCKSTEP_ROOT/tests/run" "${fixtures[@]}"
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

# fixture_processes: the pids still running this test's runner and its
# fixture, known by the mark in their environment (SOCKSTEP_FIXTURE_MARK, this
# test's folder): a second copy of the suite, running at the same time, has
# runner fixtures of its own, with the same command lines.
fixture_processes() {
    grep -lsxz -- "SOCKSTEP_FIXTURE_MARK=$BATS_TEST_TMPDIR" /proc/[0-9]*/environ | cut -d/ -f3 || true
}

# wait_fixture_gone: up to 15 s for them to end.
wait_fixture_gone() {
    local tries=150 left
    while [ -n "$(fixture_processes)" ] && ((tries-- > 0)); do nap 0.1; done
    left=$(fixture_processes)
    [ -z "$left" ] || { echo "still running:" >&2; ps -o pid=,args= -p "${left//$'\n'/,}" >&2; return 1; }
}

@test "runner: a file that hangs is stopped after FILE_SECONDS, counted as failed, and none of its processes is left" {
    local start=$SECONDS
    SOCKSTEP_NETWORK_WATCH=0 FILE_SECONDS=3 run_runner hangs.bats
    expect_status 1
    [[ "$output" == *"   tests/runner-fixtures/hangs.bats did not finish within 3 s (FILE_SECONDS) and was stopped"* ]] ||
        { echo "no stop line in: $output" >&2; return 1; }
    expect_equal "0 passed, 1 failed" "${lines[-1]}" "last line"
    [ $((SECONDS - start)) -lt 20 ] || { echo "the runner took $((SECONDS - start)) s" >&2; return 1; }
    wait_fixture_gone
}

@test "runner: Ctrl-C (SIGINT to its process group) stops it and every file it runs" {
    # In a session of its own, as in a terminal: SIGINT goes to its process
    # group. (A background job starts with SIGINT ignored: env restores it.)
    # FILE_SECONDS=20: should this test fail, the fixture still ends soon.
    SOCKSTEP_NETWORK_WATCH=0 SOCKSTEP_BUILD="$BATS_TEST_TMPDIR" TMPDIR="$BATS_TEST_TMPDIR" FILE_SECONDS=20 env --default-signal=INT \
        "SOCKSTEP_FIXTURE_MARK=$BATS_TEST_TMPDIR" setsid "$SOCKSTEP_ROOT/tests/run" "tests/runner-fixtures/hangs.bats" >"$BATS_TEST_TMPDIR/run.out" 2>&1 3>&- &
    local runner=$!
    STARTED_PIDS+=("$runner")
    local tries=100
    # Started: the fixture's test has made its FIFO and waits on it.
    while ! compgen -G "$BATS_TEST_TMPDIR/bats-run-*/test/*/never" >/dev/null && ((tries-- > 0)); do nap 0.1; done
    compgen -G "$BATS_TEST_TMPDIR/bats-run-*/test/*/never" >/dev/null || { echo "the fixture never started: $(cat "$BATS_TEST_TMPDIR/run.out")" >&2; return 1; }
    kill -INT -- "-$runner"
    wait_for_exit "$runner" 15
    [ "$EXIT_STATUS" != 0 ] || { echo "the runner exited 0 after Ctrl-C" >&2; return 1; }
    wait_fixture_gone
}

@test "helpers: alive counts a zombie (ended, not reaped yet) as ended, where kill -0 still succeeds" {
    # The zombie: a child of `sleep 30`, which never reaps it.
    local pid_file=$BATS_TEST_TMPDIR/zombie.pid zombie= state= line tries=100
    (sleep 0.1 & echo "$!" >"$pid_file"; exec sleep 30) 3>&- &
    STARTED_PIDS+=("$!")
    while ((tries-- > 0)); do
        [ -n "$zombie" ] || read -r zombie 2>/dev/null <"$pid_file" || :
        if [ -n "$zombie" ] && read -r line 2>/dev/null <"/proc/$zombie/stat"; then
            line=${line##*) } state=${line%% *}
            [ "$state" = Z ] && break
        fi
        nap 0.05
    done
    expect_equal Z "$state" "the state of the parent's unreaped child"
    kill -0 "$zombie" || { echo "kill -0 fails on the zombie: nothing to prove" >&2; return 1; }
    ! alive "$zombie" || { echo "alive says the zombie $zombie is alive" >&2; return 1; }
    alive "$!" || { echo "alive says the running sleep 30 ($!) has ended" >&2; return 1; }
}

@test "helpers: alive counts a process whose main thread called pthread_exit() as running while another thread runs" {
    # /proc shows such a process as a zombie (state Z), with 2 threads.
    printf '%s\n' '#include <pthread.h>' '#include <unistd.h>' \
        'static void *wait_for_stdin(void *unused) { char c; ssize_t n = read(0, &c, 1); (void)unused; (void)n; return NULL; }' \
        'int main(void) { pthread_t t; if (pthread_create(&t, NULL, wait_for_stdin, NULL) != 0) return 1; pthread_exit(NULL); }' \
        >"$BATS_TEST_TMPDIR/main-exits-first.c"
    cc -std=c11 -Wall -Wextra -Werror -pthread -o "$BATS_TEST_TMPDIR/main-exits-first" "$BATS_TEST_TMPDIR/main-exits-first.c"
    local fifo=$BATS_TEST_TMPDIR/stdin line tries=100 fd
    mkfifo "$fifo"
    "$BATS_TEST_TMPDIR/main-exits-first" <"$fifo" 3>&- &
    local pid=$!
    STARTED_PIDS+=("$pid")
    exec {fd}>"$fifo"
    while ((tries-- > 0)); do
        read -r line <"/proc/$pid/stat"
        [[ ${line##*) } == Z* ]] && break
        nap 0.05
    done
    [[ ${line##*) } == Z* ]] || { echo "the main thread did not end: $line" >&2; exec {fd}>&-; return 1; }
    alive "$pid" || { echo "alive says it ended, while its second thread runs: $line" >&2; exec {fd}>&-; return 1; }
    exec {fd}>&- # the thread reads end of file, returns, and the process exits
    wait_for_exit "$pid" 5
    expect_equal 0 "$EXIT_STATUS" "its exit status"
}
