# exercises/tcp-client-count/tests.sh - the grader's tests for tcp-client-count.
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION (see exercises/lib/harness.bash).
# The server is the grader's peer: "tcp-serve BYTES CHUNK DELAY_MS" reads what
# the client sends (until EOF, or 1 s), then sends BYTES bytes in CHUNK-byte
# pieces DELAY_MS apart and closes; BYTES -1 never answers.
TESTS=(
    "test_sends_message 2 20 sends MESSAGE's exact bytes (and the greeting without MESSAGE)"
    "test_short_reply 2 20 prints 'received 10 bytes' for a 10-byte reply, exit 0"
    "test_reply_in_pieces 3 30 counts a 100000-byte reply that arrives in 1000-byte pieces"
    "test_empty_reply 1 20 prints 'received 0 bytes' when the server closes without a word"
    "test_silent_server 2 20 a server that never answers: exit 1 within 10 s, one line on stderr"
    "test_refused 1 20 no server on the port: exit 1 with one line on stderr"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts"
)

# start_peer BYTES CHUNK DELAY: the server; sets PORT and PEER_OUT.
start_peer() {
    PEER_OUT=$LOG_DIR/peer.$RANDOM.out
    "$PEER" tcp-serve "$@" >"$PEER_OUT" 2>&1 &
    local tries=100
    while ((tries-- > 0)); do
        PORT=$(sed -n 's/^port //p' "$PEER_OUT")
        [ -n "$PORT" ] && return 0
        nap 0.05
    done
    fail "the grader's peer did not start"
}

expect_success_with() { # STDOUT
    [ "$STATUS" = 0 ] || { fail "exit status $STATUS, expected 0"; show stderr "$ERR"; return 1; }
    [ "$(tr -d '\000' <"$OUT")" = "$1" ] && return 0
    fail "expected stdout to be exactly '$1', got:"
    show stdout "$OUT"
    return 1
}

expect_received() { # TEXT: the peer saw exactly these bytes from the last client
    local want
    want="received $(printf '%s' "$1" | hex)"
    [ "$(grep '^received ' "$PEER_OUT" | tail -n 1)" = "$want" ] && return 0
    fail "the server did not receive exactly '$1' (hex: ${want#received })"
    echo "it received (hex): $(grep '^received ' "$PEER_OUT" | tail -n 1 | cut -c10-200)"
    return 1
}

test_sends_message() {
    start_peer 10 0 0 || return 1
    run_student 15 127.0.0.1 "$PORT" 'hello 你好'
    expect_success_with "received 10 bytes" && expect_received 'hello 你好' || return 1
    run_student 15 127.0.0.1 "$PORT"
    expect_success_with "received 10 bytes" && expect_received '0你好 我是client,你收到了么?'
}

test_short_reply() {
    start_peer 10 0 0 || return 1
    run_student 15 127.0.0.1 "$PORT" hi
    expect_success_with "received 10 bytes"
}

test_reply_in_pieces() {
    start_peer 100000 1000 5 || return 1
    run_student 25 127.0.0.1 "$PORT" hi
    expect_success_with "received 100000 bytes"
}

test_empty_reply() {
    start_peer 0 0 0 || return 1
    run_student 15 127.0.0.1 "$PORT" hi
    expect_success_with "received 0 bytes"
}

test_silent_server() {
    start_peer -1 0 0 || return 1
    run_student 12 127.0.0.1 "$PORT" hi
    [ "$STATUS" = 124 ] && { fail "still waiting after 12 s: the client must give up by itself"; return 1; }
    [ "$STATUS" = 1 ] || { fail "exit status $STATUS, expected 1"; show stderr "$ERR"; return 1; }
    [ "$ELAPSED" -le 10 ] || { fail "gave up only after $ELAPSED s"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] || { fail "expected one line on stderr"; show stderr "$ERR"; return 1; }
    ! grep -q '^received' "$OUT" || { fail "printed a count although the server never answered"; show stdout "$OUT"; return 1; }
}

test_refused() {
    local port
    port=$("$PEER" port-free) || return 1
    run_student 10 127.0.0.1 "$port" hi
    [ "$STATUS" = 1 ] || { fail "exit status $STATUS, expected 1"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] || { fail "expected one line on stderr"; show stderr "$ERR"; return 1; }
}

test_memcheck() {
    use_valgrind
    start_peer 5000 100 2 || return 1
    SCENARIO_NOTES=$LOG_DIR/scenario.notes SCENARIO_FAILED=0
    run_student 40 127.0.0.1 "$PORT" hi
    [ "$STATUS" = 0 ] || [ "$STATUS" = 99 ] || { SCENARIO_FAILED=1; echo "exit status $STATUS, expected 0" >"$SCENARIO_NOTES"; }
    [ "$(tr -d '\000' <"$OUT")" = "received 5000 bytes" ] || { SCENARIO_FAILED=1; echo "stdout is not 'received 5000 bytes'" >>"$SCENARIO_NOTES"; }
    memcheck_verdict "$STATUS"
}
