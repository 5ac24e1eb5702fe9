# exercises/tcp-echo/tests.sh - the grader's tests for tcp-echo.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. $PEER is the grader's own client (exercises/lib/peer.c).
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and accepts connections there (port 0)"
    "test_echo_short 2 20 echoes a short message byte for byte (UTF-8 too), then closes when the client does"
    "test_echo_interactive 2 20 echoes each piece at once, before the client closes (20 round trips)"
    "test_echo_1mib 3 30 echoes 1 MiB sent in one go (partial reads and writes)"
    "test_echo_slow_pieces 1 20 echoes 3000 bytes that arrive in 100-byte pieces"
    "test_next_client 2 20 serves the next client after one closes (3 in a row, one waiting)"
    "test_stops_on_signals 1 20 SIGTERM and SIGINT stop it with exit status 0"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck: no memory errors and no leaks (echo, then SIGTERM)"
)

# talk FILE [CHUNK DELAY]: sends FILE as one client, keeps the reply in $LOG_DIR/reply.
talk() {
    local input=$1
    shift
    REPLY_FILE=$LOG_DIR/reply.$RANDOM
    timeout -k 1 12 "$PEER" tcp-talk "$PORT" 10000 "$@" <"$input" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err"
}

expect_same_bytes() { # SENT REPLY
    cmp -s "$1" "$2" && return 0
    echo "the bytes that came back differ from the bytes sent:"
    echo "  sent $(stat -c %s "$1") bytes, got back $(stat -c %s "$2") bytes"
    cmp "$1" "$2" 2>&1 | head -n 1 | sed -E 's/^.* differ: (char|byte) ([0-9]+), line ([0-9]+)$/  first difference at byte \2 (line \3)/; s/^.*EOF on [^ ]* (.*)$/  the reply is a prefix of what was sent \1/'
    show "peer" "$LOG_DIR/peer.err"
    return 1
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

test_echo_interactive() {
    start_student 127.0.0.1 0 || return 1
    timeout -k 1 20 "$PEER" tcp-pingpong "$PORT" 20 3000 >"$LOG_DIR/pp.out" 2>&1 ||
        { show "peer" "$LOG_DIR/pp.out"; return 1; }
}

test_echo_1mib() {
    start_student 127.0.0.1 0 || return 1
    head -c 1048576 /dev/urandom >"$LOG_DIR/big"
    talk "$LOG_DIR/big" || { fail "1 MiB was not echoed completely (peer exit $?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/big" "$REPLY_FILE"
}

test_echo_slow_pieces() {
    start_student 127.0.0.1 0 || return 1
    head -c 3000 /dev/urandom >"$LOG_DIR/pieces"
    talk "$LOG_DIR/pieces" 100 10 || { fail "the pieces were not echoed (peer exit $?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/pieces" "$REPLY_FILE"
}

test_next_client() {
    start_student 127.0.0.1 0 || return 1
    local n
    for n in 1 2; do
        printf 'client %s\n' "$n" >"$LOG_DIR/c$n"
        talk "$LOG_DIR/c$n" || { fail "client $n got no complete echo"; show peer "$LOG_DIR/peer.err"; return 1; }
        expect_same_bytes "$LOG_DIR/c$n" "$REPLY_FILE" || return 1
    done
    # Client 3 connects while a slow client 4 is being served: it must be
    # served once client 4 closes.
    head -c 1000 /dev/urandom >"$LOG_DIR/c4"
    printf 'client 3\n' >"$LOG_DIR/c3"
    timeout -k 1 12 "$PEER" tcp-talk "$PORT" 10000 100 50 <"$LOG_DIR/c4" >"$LOG_DIR/r4" 2>&1 &
    local slow=$!
    sleep 0.1
    talk "$LOG_DIR/c3" || { fail "a client that waited while another was served got no echo"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/c3" "$REPLY_FILE" || return 1
    wait "$slow" || { fail "the slow client got no complete echo"; return 1; }
    expect_same_bytes "$LOG_DIR/c4" "$LOG_DIR/r4"
}

test_stops_on_signals() {
    local signal
    for signal in TERM INT; do
        start_student 127.0.0.1 0 || return 1
        printf 'x' >"$LOG_DIR/x"
        talk "$LOG_DIR/x" || { fail "no echo"; return 1; }
        kill -"$signal" "$STUDENT_PID"
        local tries=60
        while kill -0 "$STUDENT_PID" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
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

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    printf 'hello\n' >"$LOG_DIR/short"
    head -c 100000 /dev/urandom >"$LOG_DIR/mid"
    talk "$LOG_DIR/short" && expect_same_bytes "$LOG_DIR/short" "$REPLY_FILE" || return 1
    talk "$LOG_DIR/mid" && expect_same_bytes "$LOG_DIR/mid" "$REPLY_FILE" || return 1
    stop_student
    expect_memcheck_clean || return 1
    expect_stopped_cleanly
}
