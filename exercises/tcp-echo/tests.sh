# exercises/tcp-echo/tests.sh - the grader's tests for tcp-echo.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. $PEER is the grader's own client (exercises/lib/peer.c). The tests it
# shares with the other echo servers come from lib/echo-tests.bash (the
# source line below); the functions after it are tcp-echo's own.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and accepts connections there (port 0)"
    "test_echo_short 2 20 echoes a short message byte for byte (UTF-8 too), then closes when the client does"
    "test_echo_interactive 2 20 echoes each piece at once, before the client closes (20 round trips)"
    "test_echo_1mib 2 30 echoes 1 MiB sent in one go (recv() returns it in many pieces)"
    "test_short_writes 2 20 short writes: 256 KiB echoed whole to a client that stalls, through 4 KiB socket send buffers"
    "test_echo_slow_pieces 1 20 echoes 3000 bytes that arrive in 100-byte pieces"
    "test_next_client 2 20 serves the next client after one closes (3 in a row, one waiting)"
    "test_stops_on_signals 1 20 one SIGINT alone, and one SIGTERM alone, stop it within 2 s with exit status 0 (waiting for a client, and while a client is connected)"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (echo, then SIGTERM)"
)

# shellcheck source=../lib/echo-tests.bash
source "${BASH_SOURCE[0]%/*}/../lib/echo-tests.bash" || return 1 # sourced by its path, always

# talk FILE [CHUNK DELAY]: sends FILE as one client, keeps the reply in $REPLY_FILE.
talk() {
    local input=$1
    shift
    REPLY_FILE=$LOG_DIR/reply.$RANDOM
    timeout -k 1 12 "$PEER" tcp-talk "$PORT" "$PEER_MS" "$@" <"$input" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err"
}

expect_same_bytes() { # SENT REPLY
    compare_bytes "$1" "$2" "the bytes that came back" sent "got back" && return 0
    show "peer" "$LOG_DIR/peer.err"
    return 1
}

test_echo_interactive() {
    start_student 127.0.0.1 0 || return 1
    timeout -k 1 20 "$PEER" tcp-pingpong "$PORT" 20 3000 >"$LOG_DIR/pp.out" 2>&1 ||
        { show "peer" "$LOG_DIR/pp.out"; return 1; }
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
    timeout -k 1 12 "$PEER" tcp-talk "$PORT" "$PEER_MS" 100 50 <"$LOG_DIR/c4" >"$LOG_DIR/r4" 2>&1 &
    local slow=$!
    sleep 0.1
    talk "$LOG_DIR/c3" || { fail "a client that waited while another was served got no echo"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/c3" "$REPLY_FILE" || return 1
    wait "$slow" || { fail "the slow client got no complete echo"; return 1; }
    expect_same_bytes "$LOG_DIR/c4" "$LOG_DIR/r4"
}

test_stops_on_signals() {
    local signal
    for signal in INT TERM; do
        start_student 127.0.0.1 0 || return 1
        expect_stops_on "$signal" "waiting for a client" || return 1
        # A fresh server, with a client that connected, was echoed, and now
        # sends nothing: the server waits for its next bytes.
        start_student 127.0.0.1 0 || return 1
        local fd got
        exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || { fail "cannot connect to 127.0.0.1:$PORT"; return 1; }
        printf 'ping\n' >&"$fd"
        IFS= read -r -t 3 got <&"$fd" || { fail "no echo of 'ping' within 3 s"; exec {fd}>&-; return 1; }
        expect_stops_on "$signal" "a client connected and silent" || { exec {fd}>&-; return 1; }
        exec {fd}>&-
    done
}

# Short writes, for sure: in the test's own network namespace every TCP
# send buffer is cut to 4 KiB (net.ipv4.tcp_wmem), so one send() of more
# than that takes only part; the client also stalls for 100 ms before it
# reads anything, so the server's buffer is full when it sends.
test_short_writes() {
    local forced=0
    if [ "${LOOPBACK_UP:-0}" = 1 ] && echo "4096 4096 4096" 2>/dev/null >/proc/sys/net/ipv4/tcp_wmem &&
        ip link set lo mtu 1280 2>/dev/null; then
        forced=1
    else
        echo "harness: tcp_wmem cannot be set here: short writes are likely but not forced" >&2
    fi
    start_student 127.0.0.1 0 || return 1
    head -c 262144 /dev/urandom >"$LOG_DIR/quarter"
    REPLY_FILE=$LOG_DIR/reply.quarter
    timeout -k 1 12 "$PEER" tcp-talk-slow "$PORT" "$PEER_MS" 4096 65536 100 <"$LOG_DIR/quarter" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err" ||
        { fail "256 KiB were not echoed completely (peer exit $?)"; [ "$forced" = 1 ] && echo "(the server's send buffer holds 4 KiB: each send() takes part of a bigger piece, and the rest must be sent too)"; compare_bytes "$LOG_DIR/quarter" "$REPLY_FILE" "the bytes that came back" sent "got back"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/quarter" "$REPLY_FILE" || { [ "$forced" = 1 ] && echo "(the server's send buffer holds 4 KiB: each send() takes part of a bigger piece, and the rest must be sent too)"; return 1; }
}

memcheck_echo() {
    printf 'hello\n' >"$LOG_DIR/short"
    head -c 100000 /dev/urandom >"$LOG_DIR/mid"
    talk "$LOG_DIR/short" || { fail "no echo of 'hello' (peer exit $?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/short" "$REPLY_FILE" || return 1
    talk "$LOG_DIR/mid" ||
        { fail "100000 bytes were not echoed completely (peer exit $?)"; compare_bytes "$LOG_DIR/mid" "$REPLY_FILE" "the bytes that came back" sent "got back"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_same_bytes "$LOG_DIR/mid" "$REPLY_FILE"
}

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_echo
    stop_student
    memcheck_verdict "$STOP_STATUS"
}
