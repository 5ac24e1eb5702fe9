# exercises/fork-echo/tests.sh - the grader's tests for fork-echo.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. $PEER is the grader's own client (exercises/lib/peer.c). The program
# runs with a limit of about 32 processes (LIMIT_NPROC): zombies use it up.
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

# talk FILE [CHUNK DELAY]: sends FILE as one client, keeps the reply in $REPLY_FILE.
talk() {
    local input=$1
    shift
    REPLY_FILE=$LOG_DIR/reply.$RANDOM
    timeout -k 1 12 "$PEER" tcp-talk "$PORT" 8000 "$@" <"$input" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err"
}

expect_same_bytes() { # SENT REPLY
    cmp -s "$1" "$2" && return 0
    echo "the bytes that came back differ from the bytes sent:"
    echo "  sent $(stat -c %s "$1") bytes, got back $(stat -c %s "$2") bytes"
    show "peer" "$LOG_DIR/peer.err"
    return 1
}

# A client that connects and sends nothing, for SECONDS (in the background).
# Returns once it is connected: its connection is queued before any later one.
start_silent_client() { # SECONDS
    local mark=$LOG_DIR/silent.$RANDOM
    timeout -k 1 "$1" bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1" && echo >"$3"; sleep "$2"' _ "$PORT" "$1" "$mark" 2>/dev/null &
    SILENT_PID=$!
    local tries=100
    while [ ! -e "$mark" ] && ((tries-- > 0)); do nap 0.05; done
    [ -e "$mark" ] || fail "the silent client could not connect"
}

test_address_line() {
    start_student 127.0.0.1 0 || return 1
    head -n 1 "$OUT" | grep -qE '^[^ ].*127\.0\.0\.1:[0-9]+$' ||
        { fail "the first line should end in 127.0.0.1:PORT"; show stdout "$OUT"; return 1; }
    printf 'x' >"$LOG_DIR/x"
    talk "$LOG_DIR/x" || { fail "no echo from 127.0.0.1:$PORT"; show peer "$LOG_DIR/peer.err"; return 1; }
    stop_student
}

test_echo_short() {
    start_student 127.0.0.1 0 || return 1
    printf 'hello\n你好 我是client,你收到了么?\n' >"$LOG_DIR/short"
    talk "$LOG_DIR/short" || { fail "the server did not echo and close (peer exit $?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/short" "$REPLY_FILE"
}

test_silent_client() {
    start_student 127.0.0.1 0 || return 1
    start_silent_client 15 || return 1
    printf 'not blocked\n' >"$LOG_DIR/next"
    talk "$LOG_DIR/next" ||
        { fail "while a silent client was connected, the next client got no echo within 8 s (one client at a time?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/next" "$REPLY_FILE"
}

test_many_clients() {
    start_student 127.0.0.1 0 || return 1
    local n
    for n in $(seq 1 60); do
        printf 'client %s\n' "$n" >"$LOG_DIR/c"
        talk "$LOG_DIR/c" ||
            { fail "client $n of 60 got no echo (are dead children collected? fork() fails when zombies fill the process limit)"; show stderr "$ERR"; return 1; }
        expect_same_bytes "$LOG_DIR/c" "$REPLY_FILE" || return 1
    done
}

test_echo_1mib() {
    start_student 127.0.0.1 0 || return 1
    head -c 1048576 /dev/urandom >"$LOG_DIR/big"
    talk "$LOG_DIR/big" || { fail "1 MiB was not echoed completely (peer exit $?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/big" "$REPLY_FILE"
}

test_stops_on_signals() {
    local signal
    for signal in TERM INT; do
        start_student 127.0.0.1 0 || return 1
        printf 'x' >"$LOG_DIR/x"
        talk "$LOG_DIR/x" || { fail "no echo"; return 1; }
        kill -"$signal" "$STUDENT_PID"
        local tries=60
        while kill -0 "$STUDENT_PID" 2>/dev/null && ((tries-- > 0)); do nap 0.05; done
        stop_student
        [ "$STOP_STATUS" = 0 ] ||
            { fail "after SIG$signal the server should exit with status 0 within 3 s (got: $STOP_STATUS)"; show stderr "$ERR"; return 1; }
    done
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

# valgrind follows fork() by itself: every child's report goes to the same log.
# The exchanges valgrind watches; a wrong answer here is a note, not a memory
# verdict (the other tests judge the answers).
memcheck_exchanges() {
    printf 'hello\n' >"$LOG_DIR/short"
    head -c 100000 /dev/urandom >"$LOG_DIR/mid"
    talk "$LOG_DIR/short" && expect_same_bytes "$LOG_DIR/short" "$REPLY_FILE" || return 1
    talk "$LOG_DIR/mid" && expect_same_bytes "$LOG_DIR/mid" "$REPLY_FILE"
}

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_exchanges
    stop_student
    memcheck_verdict "$STOP_STATUS"
}
