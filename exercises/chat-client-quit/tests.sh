# exercises/chat-client-quit/tests.sh - the grader's tests for chat-client-quit.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only.
#
# The student writes a client, so the test needs a server that keeps the
# connection open, sends lines whenever the test says so and records every
# byte it receives: the grader's peer in its "relay" mode (exercises/lib/peer.c,
# trusted code, run as the grader, never as the student). The student's stdin
# and the relay's stdin are fifos the test holds open: writing to one is
# "typing", closing it is Ctrl-D.
TESTS=(
    "test_sends_lines 2 20 sends each typed line at once, bytes unchanged (UTF-8 too), while stdin stays open"
    "test_prints_at_once 2 20 prints each line from the server as server> LINE at once, while stdin is idle"
    "test_quit 2 20 the line /quit ends it: goodbye line, exit status 0, connection closed, /quit not sent"
    "test_end_of_input 1 20 end of stdin (Ctrl-D) ends it the same way: goodbye line, exit status 0"
    "test_server_closes 2 20 the server closing first ends it: its last line printed, exit status 0"
    "test_quit_whole_line 1 20 only the whole line /quit quits: /quitting and ' /quit' are sent as typed"
    "test_refused 1 20 no server: an error on stderr and exit status 1, within 5 s"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (lines both ways, then /quit)"
)

# wait_for FILE REGEX [SECONDS]: waits until a line of FILE matches.
wait_for() {
    local tries=$((${3:-3} * 20))
    while ((tries-- > 0)); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        nap 0.05
    done
    return 1
}

# start_relay: starts the relay; sets RELAY_PID, RELAY_PORT,
# RELAY_GOT (the bytes the client sent), RELAY_LOG; fd 7 is its stdin.
start_relay() {
    mkfifo "$LOG_DIR/relay.in" "$LOG_DIR/student.in"
    exec 7<>"$LOG_DIR/relay.in" 8<>"$LOG_DIR/student.in"
    RELAY_GOT=$LOG_DIR/relay.got
    RELAY_LOG=$LOG_DIR/relay.log
    "$PEER" relay <"$LOG_DIR/relay.in" >"$RELAY_GOT" 2>"$RELAY_LOG" 7>&- 8>&- &
    RELAY_PID=$!
    wait_for "$RELAY_LOG" '^port [0-9]+$' || { fail "the test relay did not start"; return 1; }
    RELAY_PORT=$(sed -n 's/^port //p' "$RELAY_LOG")
}

# start_client: the student's program, connected to the relay, its stdin the
# fifo on fd 8. Sets CLIENT_PID, OUT, ERR.
start_client() {
    student_command 127.0.0.1 "$RELAY_PORT"
    OUT=$LOG_DIR/client.out
    ERR=$LOG_DIR/client.err
    (exec 7>&- 8>&-; exec_student) <"$LOG_DIR/student.in" >"$OUT" 2>"$ERR" &
    CLIENT_PID=$!
    record "$CLIENT_PID"
    wait_for "$RELAY_LOG" '^connected$' $((READY_SECONDS)) ||
        { fail "the program did not connect to 127.0.0.1:$RELAY_PORT within $READY_SECONDS s"; show stdout "$OUT"; show stderr "$ERR"; return 1; }
}

type_line() { printf '%s' "$1" >&8; }
server_says() { printf '%s' "$1" >&7; }

# expect_got BYTES: the relay has received exactly BYTES (waits up to 3 s).
expect_got() {
    printf '%s' "$1" >"$LOG_DIR/want"
    local tries=60
    while ((tries-- > 0)); do
        cmp -s "$LOG_DIR/want" "$RELAY_GOT" && return 0
        nap 0.05
    done
    echo "the server did not receive the expected bytes:"
    show "expected" "$LOG_DIR/want"
    show "received" "$RELAY_GOT"
    show "stderr" "$ERR"
    return 1
}

# expect_exit STATUS: the client ends within 3 s with STATUS.
expect_exit() {
    local status=0
    wait_or_kill "$CLIENT_PID" 3 || status=$?
    [ "$status" = 124 ] && { fail "the program did not end within 3 s"; show stdout "$OUT"; return 1; }
    [ "$status" = "$1" ] && return 0
    fail "exit status $status, expected $1"
    show stdout "$OUT"
    show stderr "$ERR"
    return 1
}

# expect_relay_closed: the client closed the connection (the relay saw EOF).
expect_relay_closed() {
    wait_or_kill "$RELAY_PID" 3 >/dev/null
    grep -qx 'closed by the client' "$RELAY_LOG" && return 0
    fail "the program did not close the connection cleanly"
    show "server's view" "$RELAY_LOG"
    return 1
}

expect_goodbye() {
    [ "$(tail -n 1 "$OUT")" != "" ] && tail -n 1 "$OUT" | grep -q 'goodbye$' && return 0
    fail "the last line of stdout should end in 'goodbye'"
    show stdout "$OUT"
    return 1
}

test_sends_lines() {
    start_relay && start_client || return 1
    type_line $'hello\n'
    expect_got $'hello\n' || return 1
    type_line $'你好 我是client,你收到了么?\n'
    expect_got $'hello\n你好 我是client,你收到了么?\n' || return 1
    alive "$CLIENT_PID" || { fail "the program ended although stdin is still open"; show stdout "$OUT"; return 1; }
}

test_prints_at_once() {
    start_relay && start_client || return 1
    server_says $'one\n'
    wait_for "$OUT" '^server> one$' || { fail "'one' from the server was not printed as 'server> one' within 3 s (stdin stays idle)"; show stdout "$OUT"; return 1; }
    server_says $'二\nthree\n'
    wait_for "$OUT" '^server> three$' || { fail "'three' from the server was not printed as 'server> three' within 3 s"; show stdout "$OUT"; return 1; }
    grep -qx 'server> 二' "$OUT" || { fail "'二' was not printed as 'server> 二'"; show stdout "$OUT"; return 1; }
}

test_quit() {
    start_relay && start_client || return 1
    type_line $'bye for now\n/quit\n'
    expect_exit 0 || return 1
    expect_relay_closed || return 1
    expect_got $'bye for now\n' || return 1
    expect_goodbye
}

test_end_of_input() {
    start_relay && start_client || return 1
    type_line $'last line\n'
    exec 8>&-
    expect_exit 0 || return 1
    expect_relay_closed || return 1
    expect_got $'last line\n' || return 1
    expect_goodbye
}

test_server_closes() {
    start_relay && start_client || return 1
    server_says $'last words\n'
    wait_for "$OUT" '^server> last words$' || { fail "'last words' was not printed"; show stdout "$OUT"; return 1; }
    exec 7>&-
    expect_exit 0 || return 1
}

test_quit_whole_line() {
    start_relay && start_client || return 1
    type_line $'/quitting\n /quit\n/quit now\n'
    expect_got $'/quitting\n /quit\n/quit now\n' || return 1
    alive "$CLIENT_PID" || { fail "the program ended, but no line was exactly /quit"; show stdout "$OUT"; return 1; }
    type_line $'/quit\n'
    expect_exit 0
}

test_refused() {
    local port
    port=$("$PEER" port-free) || { echo "harness: no free port"; exit 125; }
    mkfifo "$LOG_DIR/student.in"
    exec 8<>"$LOG_DIR/student.in"
    student_command 127.0.0.1 "$port"
    OUT=$LOG_DIR/client.out
    ERR=$LOG_DIR/client.err
    (exec 8>&-; exec_student) <"$LOG_DIR/student.in" >"$OUT" 2>"$ERR" &
    CLIENT_PID=$!
    record "$CLIENT_PID"
    local status=0
    wait_or_kill "$CLIENT_PID" 5 || status=$?
    [ "$status" = 1 ] || { fail "exit status $status, expected 1 (124: it did not end)"; show stderr "$ERR"; return 1; }
    [ -s "$ERR" ] || { fail "nothing on stderr"; return 1; }
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

memcheck_chat() {
    type_line $'hello\n'
    expect_got $'hello\n' || return 1
    server_says $'hi there\n'
    wait_for "$OUT" '^server> hi there$' 10 || { fail "'hi there' was not printed"; show stdout "$OUT"; return 1; }
    type_line $'/quit\n'
}

test_memcheck() {
    use_valgrind
    start_relay && start_client || return 1
    memcheck_scenario memcheck_chat
    # A program that does not quit is still judged: valgrind checks for
    # leaks once it ends, so it gets the end of stdin, then one SIGTERM.
    local status=killed
    if wait_ended "$CLIENT_PID" 10; then
        status=$ENDED_STATUS
    else
        SCENARIO_FAILED=1
        echo "/quit did not end it: the test closed its stdin" >>"$SCENARIO_NOTES"
        exec 8>&-
        if wait_ended "$CLIENT_PID" 5; then
            status=$ENDED_STATUS
        else
            echo "the end of stdin did not end it either: the test sent SIGTERM" >>"$SCENARIO_NOTES"
            stop_student "$CLIENT_PID"
            status=$STOP_STATUS
        fi
    fi
    [ "$status" = 0 ] || [ "$status" = 99 ] || [ "$status" = killed ] ||
        { SCENARIO_FAILED=1; echo "exit status $status, expected 0" >>"$SCENARIO_NOTES"; }
    memcheck_verdict "$status" "$CLIENT_PID"
}
