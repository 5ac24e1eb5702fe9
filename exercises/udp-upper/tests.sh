# exercises/udp-upper/tests.sh - the grader's tests for udp-upper.
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION (see exercises/lib/harness.bash).
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first, on port 0"
    "test_upper_ascii 2 20 answers 'hello, World 123' with 'HELLO, WORLD 123'"
    "test_utf8_survives 2 20 leaves UTF-8 text alone: 'abc你好xyz é' comes back as 'ABC你好XYZ é'"
    "test_every_byte 2 20 a datagram of all 256 byte values: only a-z change"
    "test_long_datagram 1 20 a 4000-byte datagram comes back whole"
    "test_many_datagrams 1 20 answers 20 datagrams in a row"
    "test_stops_on_signals 1 20 one SIGINT alone, and one SIGTERM alone, stop it within 2 s with exit status 0 (before and after a datagram)"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (datagrams, then SIGTERM)"
)

# ask FILE: sends FILE as one datagram; the reply goes to $REPLY_FILE.
ask() {
    REPLY_FILE=$LOG_DIR/reply.$RANDOM
    timeout -k 1 10 "$PEER" udp-send "$PORT" 3000 <"$1" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err" ||
        { fail "no reply to a datagram of $(stat -c %s "$1") bytes within 3 s"; show "server stderr" "$ERR"; return 1; }
}

expect_reply() { # EXPECTED-FILE
    compare_bytes "$1" "$REPLY_FILE" "the bytes of the reply"
}

test_address_line() {
    start_student 127.0.0.1 0 || return 1
    head -n 1 "$OUT" | grep -qE '127\.0\.0\.1:[0-9]+$' ||
        { fail "the first line should end in 127.0.0.1:PORT"; show stdout "$OUT"; return 1; }
    printf 'x' >"$LOG_DIR/x"
    ask "$LOG_DIR/x"
}

test_upper_ascii() {
    start_student 127.0.0.1 0 || return 1
    printf 'hello, World 123' >"$LOG_DIR/in"
    printf 'HELLO, WORLD 123' >"$LOG_DIR/want"
    ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want"
}

test_utf8_survives() {
    start_student 127.0.0.1 0 || return 1
    printf 'abc你好xyz é' >"$LOG_DIR/in"
    printf 'ABC你好XYZ é' >"$LOG_DIR/want"
    ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want"
}

test_every_byte() {
    start_student 127.0.0.1 0 || return 1
    local i
    for ((i = 0; i < 256; i++)); do printf "\\$(printf '%03o' "$i")"; done >"$LOG_DIR/in"
    LC_ALL=C tr 'a-z' 'A-Z' <"$LOG_DIR/in" >"$LOG_DIR/want"
    ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want"
}

test_long_datagram() {
    start_student 127.0.0.1 0 || return 1
    head -c 4000 /dev/zero | tr '\0' 'q' >"$LOG_DIR/in"
    head -c 4000 /dev/zero | tr '\0' 'Q' >"$LOG_DIR/want"
    ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want"
}

test_many_datagrams() {
    start_student 127.0.0.1 0 || return 1
    local n
    for n in $(seq 1 20); do
        printf 'datagram %s' "$n" >"$LOG_DIR/in"
        printf 'DATAGRAM %s' "$n" >"$LOG_DIR/want"
        ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want" || { echo "(datagram $n of 20)"; return 1; }
    done
}

# A moment for expect_signals_stop: one datagram answered, the server waits for the next.
after_a_datagram() {
    MOMENT_TEXT="after answering one datagram"
    printf 'x' >"$LOG_DIR/x"
    ask "$LOG_DIR/x"
}

test_stops_on_signals() {
    expect_signals_stop idle after_a_datagram
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

memcheck_datagrams() {
    printf 'hello 你好' >"$LOG_DIR/in"
    printf 'HELLO 你好' >"$LOG_DIR/want"
    ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want" || return 1
    head -c 4000 /dev/zero | tr '\0' 'q' >"$LOG_DIR/in"
    head -c 4000 /dev/zero | tr '\0' 'Q' >"$LOG_DIR/want"
    ask "$LOG_DIR/in" && expect_reply "$LOG_DIR/want"
}

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_datagrams
    stop_student
    memcheck_verdict "$STOP_STATUS"
}
