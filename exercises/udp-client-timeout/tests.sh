# exercises/udp-client-timeout/tests.sh - the grader's tests for udp-client-timeout.
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION (see exercises/lib/harness.bash).
# The server is the grader's peer: "udp-serve DROP" ignores the first DROP
# datagrams (-1: all) and answers the others with "reply:" + the datagram.
TESTS=(
    "test_reply_at_once 2 20 prints the server's reply and exits 0; sends exactly one datagram"
    "test_default_message 1 20 without MESSAGE sends the tutorial's greeting"
    "test_retries_once 3 20 when the first datagram is lost, sends again after ~1 s and prints the reply"
    "test_gives_up 2 20 a silent server: exactly 3 datagrams, ~1 s apart, then exit 1 with one line on stderr"
    "test_one_try 1 20 TRIES 1: one datagram, gives up after ~1 s"
    "test_bad_tries 1 20 TRIES 0 or 'x' is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (a lost datagram, then a reply)"
)

# start_peer DROP: the server; sets PORT and PEER_OUT.
start_peer() {
    PEER_OUT=$LOG_DIR/peer.$RANDOM.out
    "$PEER" udp-serve "$1" >"$PEER_OUT" 2>&1 &
    local tries=100
    while ((tries-- > 0)); do
        PORT=$(sed -n 's/^port //p' "$PEER_OUT")
        [ -n "$PORT" ] && return 0
        nap 0.05
    done
    fail "the grader's peer did not start"
}

datagrams() { grep -c '^datagram ' "$PEER_OUT"; }

expect_datagrams() { # COUNT TEXT
    local count
    count=$(datagrams)
    [ "$count" = "$1" ] || { fail "the server received $count datagrams, expected $1"; return 1; }
    local want
    want="datagram $(printf '%s' "$2" | hex)"
    [ "$(grep -v -c -x -F "$want" <(grep '^datagram ' "$PEER_OUT"))" = 0 ] ||
        { fail "a datagram was not exactly '$2'"; return 1; }
}

expect_stdout() { # TEXT
    [ "$(tr -d '\000' <"$OUT")" = "$1" ] && return 0
    fail "expected stdout to be exactly '$1', got:"
    show stdout "$OUT"
    return 1
}

test_reply_at_once() {
    start_peer 0 || return 1
    run_student 15 127.0.0.1 "$PORT" hello
    [ "$STATUS" = 0 ] || { fail "exit status $STATUS, expected 0"; show stderr "$ERR"; return 1; }
    expect_stdout "reply:hello" && expect_datagrams 1 hello
}

test_default_message() {
    start_peer 0 || return 1
    run_student 15 127.0.0.1 "$PORT"
    [ "$STATUS" = 0 ] || { fail "exit status $STATUS, expected 0"; show stderr "$ERR"; return 1; }
    expect_datagrams 1 '你好 我是client,你收到了么?'
}

test_retries_once() {
    start_peer 1 || return 1
    run_student 6 127.0.0.1 "$PORT" again
    [ "$STATUS" = 124 ] && { fail "still running after 6 s, so it was stopped: after about 1 s without a reply it must send again, or give up after TRIES tries"; show stderr "$ERR"; return 1; }
    [ "$STATUS" = 0 ] || { fail "exit status $STATUS, expected 0 (the second datagram was answered)"; show stderr "$ERR"; return 1; }
    expect_stdout "reply:again" && expect_datagrams 2 again || return 1
    [ "$ELAPSED" -le 4 ] || { fail "took $ELAPSED s; the retry should come after about 1 s"; return 1; }
}

test_gives_up() {
    start_peer -1 || return 1
    run_student 8 127.0.0.1 "$PORT" anyone
    [ "$STATUS" = 124 ] && { fail "still running after 8 s, so it was stopped: after about 1 s without a reply it must send again, or give up after TRIES tries"; show stderr "$ERR"; return 1; }
    [ "$STATUS" = 1 ] || { fail "exit status $STATUS, expected 1"; show stderr "$ERR"; return 1; }
    expect_datagrams 3 anyone || return 1
    [ "$ELAPSED" -ge 2 ] && [ "$ELAPSED" -le 6 ] || { fail "gave up after $ELAPSED s, expected about 3 s"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] || { fail "expected one line on stderr"; show stderr "$ERR"; return 1; }
    [ ! -s "$OUT" ] || { fail "expected nothing on stdout"; show stdout "$OUT"; return 1; }
}

test_one_try() {
    start_peer -1 || return 1
    run_student 5 127.0.0.1 "$PORT" once 1
    [ "$STATUS" = 124 ] && { fail "still running after 5 s, so it was stopped: after about 1 s without a reply it must send again, or give up after TRIES tries"; show stderr "$ERR"; return 1; }
    [ "$STATUS" = 1 ] || { fail "exit status $STATUS, expected 1"; show stderr "$ERR"; return 1; }
    expect_datagrams 1 once || return 1
    [ "$ELAPSED" -le 3 ] || { fail "gave up after $ELAPSED s, expected about 1 s"; return 1; }
}

test_bad_tries() {
    local tries
    for tries in 0 x; do
        run_student 10 127.0.0.1 1914 hello "$tries"
        [ "$STATUS" = 2 ] || { fail "TRIES '$tries': exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
        [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
            { fail "TRIES '$tries': expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
    done
}

test_memcheck() {
    use_valgrind
    start_peer 1 || return 1
    SCENARIO_NOTES=$LOG_DIR/scenario.notes SCENARIO_FAILED=0
    run_student 40 127.0.0.1 "$PORT" again
    [ "$STATUS" = 0 ] || [ "$STATUS" = 99 ] || { SCENARIO_FAILED=1; echo "exit status $STATUS, expected 0 (the second datagram was answered)" >"$SCENARIO_NOTES"; }
    memcheck_verdict "$STATUS"
}
