# exercises/udp-reply/tests.sh - the grader's tests for udp-reply.
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION (see exercises/lib/harness.bash).
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first, on port 0"
    "test_reply_names_sender 3 20 replies 'received 5 bytes from 127.0.0.1:PORT' with the sender's real port"
    "test_counts_bytes 2 20 counts bytes, not characters: '你好' is 6 bytes"
    "test_prints_message 1 20 prints the datagram as its second stdout line"
    "test_exits_after_one 1 20 exits with status 0 after answering one datagram"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts"
)

# ask TEXT: sends TEXT as one datagram; sets REPLY (text) and FROM_PORT.
ask() {
    printf '%s' "$1" >"$LOG_DIR/in"
    timeout -k 1 10 "$PEER" udp-send "$PORT" 3000 <"$LOG_DIR/in" >"$LOG_DIR/reply" 2>"$LOG_DIR/peer.err" ||
        { fail "no reply within 3 s"; show "server stderr" "$ERR"; return 1; }
    REPLY=$(tr -d '\000' <"$LOG_DIR/reply")
    FROM_PORT=$(sed -n 's/^from port //p' "$LOG_DIR/peer.err")
}

expect_reply() { # EXPECTED
    [ "$REPLY" = "$1" ] && return 0
    fail "expected the reply '$1', got:"
    show reply "$LOG_DIR/reply"
    return 1
}

test_address_line() {
    start_student 127.0.0.1 0 || return 1
    head -n 1 "$OUT" | grep -qE '127\.0\.0\.1:[0-9]+$' ||
        { fail "the first line should end in 127.0.0.1:PORT"; show stdout "$OUT"; return 1; }
    ask x
}

test_reply_names_sender() {
    start_student 127.0.0.1 0 || return 1
    ask hello && expect_reply "received 5 bytes from 127.0.0.1:$FROM_PORT"
}

test_counts_bytes() {
    start_student 127.0.0.1 0 || return 1
    ask '你好' && expect_reply "received 6 bytes from 127.0.0.1:$FROM_PORT"
}

test_prints_message() {
    start_student 127.0.0.1 0 || return 1
    ask 'hello 你好' || return 1
    wait_or_kill "$STUDENT_PID" 5
    [ "$(sed -n 2p "$OUT")" = 'hello 你好' ] ||
        { fail "the second line of stdout should be the datagram, 'hello 你好'"; show stdout "$OUT"; return 1; }
}

test_exits_after_one() {
    start_student 127.0.0.1 0 || return 1
    ask hello || return 1
    local status=0
    wait_or_kill "$STUDENT_PID" 5 || status=$?
    [ "$status" = 0 ] && return 0
    [ "$status" = 124 ] && fail "the server was still running 5 s after it answered" ||
        fail "the server exited with status $status, expected 0"
    show stderr "$ERR"
    return 1
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

memcheck_one_datagram() {
    ask hello && expect_reply "received 5 bytes from 127.0.0.1:$FROM_PORT"
}

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_one_datagram
    local status=0
    wait_or_kill "$STUDENT_PID" 20 || status=$?
    memcheck_verdict "$status"
}
