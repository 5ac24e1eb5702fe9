# exercises/pool-echo/tests.sh - the grader's tests for pool-echo.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. Most tests are shared with the other echo servers (see the source
# line below). The program runs with a limit of about 32 processes
# (LIMIT_NPROC), threads included.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and accepts connections there (port 0)"
    "test_echo_short 2 20 echoes a short message byte for byte (UTF-8 too), then closes when the client does"
    "test_silent_client 2 20 with 4 workers, a client that says nothing blocks nobody: the next client is echoed meanwhile"
    "test_all_busy 3 30 with 2 workers, 2 silent clients make the next one wait; it is echoed when one of them leaves"
    "test_pool_size 3 40 40 slow clients at once, 4 workers: all echoed, and never more threads than the limit of 32"
    "test_many_clients 1 30 serves 60 clients in a row"
    "test_echo_1mib 2 30 echoes 1 MiB sent in one go (partial reads and writes)"
    "test_stops_on_signals 1 20 SIGTERM and SIGINT stop it with exit status 0"
    "test_bad_port 1 20 a bad PORT or WORKERS is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck: no memory errors and no leaks (after 5 clients at once)"
)
CLIENTS_SECONDS=30 CLIENTS_MS=25000 # 40 slow clients share 4 workers

# The tests the TCP echo servers share: exercises/lib/echo-tests.bash.
# shellcheck source=../lib/echo-tests.bash
source "${BASH_SOURCE[0]%/*}/../lib/echo-tests.bash" || return 1 # sourced by its path, always

test_all_busy() {
    start_student 127.0.0.1 0 2 || return 1
    start_silent_client 20 || return 1
    local first=$SILENT_PID
    start_silent_client 20 || return 1
    printf 'waiting\n' >"$LOG_DIR/w"
    timeout -k 1 20 "$PEER" tcp-talk "$PORT" 15000 <"$LOG_DIR/w" >"$LOG_DIR/w.out" 2>"$LOG_DIR/w.err" &
    local waiting=$!
    # Both workers are busy: for a whole second, nobody may echo it.
    sleep 1
    alive "$waiting" && [ ! -s "$LOG_DIR/w.out" ] ||
        { fail "with 2 workers both serving silent clients, a third client was echoed at once (more than 2 workers?)"; return 1; }
    kill "$first" # one silent client leaves: its worker is free again
    wait "$waiting" || { fail "the waiting client was not echoed after a worker became free"; show peer "$LOG_DIR/w.err"; return 1; }
    expect_same_bytes "$LOG_DIR/w" "$LOG_DIR/w.out"
}

test_pool_size() {
    start_student 127.0.0.1 0 4 || return 1
    # Each client sends 10 pieces, 40 ms apart: a thread per client would
    # need 40 threads at once, more than the process limit allows.
    clients_at_once 40 10000 1000 40 || { show stderr "$ERR"; return 1; }
}

test_bad_port() {
    bad_port_is_usage_error || return 1
    run_student 10 127.0.0.1 0 none
    [ "$STATUS" = 2 ] || { fail "WORKERS 'none': exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
}
