# exercises/fork-echo/tests.sh - the grader's tests for fork-echo.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. Most tests are shared with the other echo servers (see the source
# line below). The program runs with a limit of about 32 processes
# (LIMIT_NPROC): zombies use it up.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and accepts connections there (port 0)"
    "test_echo_short 2 20 echoes a short message byte for byte (UTF-8 too), then closes when the client does"
    "test_silent_client 3 20 a client that connects and says nothing blocks nobody: the next client is echoed meanwhile"
    "test_many_clients 2 30 serves 60 clients in a row (zombies would use up the limit of 32 processes)"
    "test_echo_1mib 2 30 echoes 1 MiB sent in one go (partial reads and writes)"
    "test_stops_on_signals 1 20 SIGTERM and SIGINT stop it with exit status 0"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck, children included: no memory errors and no leaks"
)
MANY_CLIENTS_HINT="are dead children collected? fork() fails when zombies fill the process limit"

# The tests the TCP echo servers share: exercises/lib/echo-tests.bash.
# shellcheck source=../lib/echo-tests.bash
source "${BASH_SOURCE[0]%/*}/../lib/echo-tests.bash" || return 1 # sourced by its path, always

# valgrind follows fork() by itself: every child's report goes to the same log.
# The exchanges valgrind watches; a wrong answer here is a note, not a memory
# verdict (the other tests judge the answers).
memcheck_exchanges() {
    printf 'hello\n' >"$LOG_DIR/short"
    head -c 100000 /dev/urandom >"$LOG_DIR/mid"
    talk "$LOG_DIR/short" && expect_same_bytes "$LOG_DIR/short" "$REPLY_FILE" || return 1
    talk "$LOG_DIR/mid" && expect_same_bytes "$LOG_DIR/mid" "$REPLY_FILE"
}
