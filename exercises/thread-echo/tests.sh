# exercises/thread-echo/tests.sh - the grader's tests for thread-echo.
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
    "test_silent_client 3 20 a client that connects and says nothing blocks nobody: the next client is echoed meanwhile"
    "test_clients_at_once 3 30 20 clients at once, 200 KiB each: every one gets exactly its own bytes back"
    "test_many_clients 1 30 serves 60 clients in a row"
    "test_echo_1mib 2 30 echoes 1 MiB sent in one go (partial reads and writes)"
    "test_stops_on_signals 1 20 SIGTERM and SIGINT stop it with exit status 0"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck: no memory errors and no leaks (after 5 clients at once)"
)

# The tests the TCP echo servers share: exercises/lib/echo-tests.bash.
# shellcheck source=../lib/echo-tests.bash
source "${BASH_SOURCE[0]%/*}/../lib/echo-tests.bash" || return 1 # sourced by its path, always
