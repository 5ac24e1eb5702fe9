# exercises/chat-lines/tests.sh - the grader's tests for chat-lines.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. $PEER is the grader's own client (exercises/lib/peer.c); bash's
# /dev/tcp is a second one, for a connection the test keeps open.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and answers there (port 0)"
    "test_lines_in_one_write 2 20 three lines sent in one write get three answers, numbered 1 to 3, UTF-8 unchanged"
    "test_byte_by_byte 2 20 lines that arrive one byte at a time get one answer each"
    "test_long_line 2 20 a 10000-byte line comes back whole, on one line"
    "test_last_line 1 20 a last line without a newline is answered when the client closes"
    "test_answers_at_once 2 20 each line is answered at once, while the connection stays open"
    "test_next_client 1 20 the next client is served after the first closes, its lines numbered from 1"
    "test_limit 2 20 the limit, 65536 bytes with the '\n': lines of 65535 and 65536 bytes come back whole, one of 65537 is (line too long)"
    "test_too_long 1 20 a 200000-byte line is answered with (line too long) and the next line still works"
    "test_stops_on_signals 1 20 one SIGINT alone, and one SIGTERM alone, stop it within 2 s with exit status 0 (waiting for a client; a client connected mid-line)"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (lines, a long line, then SIGTERM)"
)

# talk INPUT [CHUNK DELAY_MS]: one client sends the file INPUT (in CHUNK-byte
# pieces if given), closes its side, and keeps the answer in $REPLY_FILE.
talk() {
    local input=$1
    shift
    REPLY_FILE=$LOG_DIR/reply.$RANDOM
    timeout -k 1 15 "$PEER" tcp-talk "$PORT" 10000 "$@" <"$input" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err"
}

# expect_answer EXPECTED_FILE: the answer is exactly those bytes.
expect_answer() {
    compare_bytes "$1" "$REPLY_FILE" "the answer's bytes" && return 0
    show "peer" "$LOG_DIR/peer.err"
    return 1
}

# exchange INPUT EXPECTED [CHUNK DELAY_MS]: talk, then expect_answer.
exchange() {
    local input=$1 expected=$2
    shift 2
    talk "$input" "$@" || { fail "the server did not answer and close (peer exit $?)"; show "got" "$REPLY_FILE"; show peer "$LOG_DIR/peer.err"; return 1; }
    expect_answer "$expected"
}

# connections_to PORT: how many TCP connections (the server's
# ends, accepted or still in the listen queue; ESTABLISHED, or CLOSE_WAIT
# once the client has shut down its side) have local port PORT.
connections_to() {
    local port_hex
    port_hex=$(printf '%04X' "$1")
    awk -v port="$port_hex" 'NR > 1 && ($4 == "01" || $4 == "08") && substr($2, length($2) - 3) == port { n++ } END { print n + 0 }' /proc/net/tcp
}

# letters N: N bytes of a repeating a..z pattern, no newline.
letters() {
    yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1"
}

test_address_line() {
    start_student 127.0.0.1 0 || return 1
    head -n 1 "$OUT" | grep -qE '^[^ ].*127\.0\.0\.1:[0-9]+$' ||
        { fail "the first line should end in 127.0.0.1:PORT"; show stdout "$OUT"; return 1; }
    printf 'hi\n' >"$LOG_DIR/in"
    printf '1: hi\n' >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want"
}

test_lines_in_one_write() {
    start_student 127.0.0.1 0 || return 1
    printf 'one\n你好 我是client,你收到了么?\nthree\n' >"$LOG_DIR/in"
    printf '1: one\n2: 你好 我是client,你收到了么?\n3: three\n' >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want"
}

test_byte_by_byte() {
    start_student 127.0.0.1 0 || return 1
    printf 'hello\n\nworld\n' >"$LOG_DIR/in"
    printf '1: hello\n2: \n3: world\n' >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want" 1 15
}

test_long_line() {
    start_student 127.0.0.1 0 || return 1
    { letters 10000; printf '\nshort\n'; } >"$LOG_DIR/in"
    { printf '1: '; letters 10000; printf '\n2: short\n'; } >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want"
}

test_last_line() {
    start_student 127.0.0.1 0 || return 1
    printf 'first\nno newline at the end' >"$LOG_DIR/in"
    printf '1: first\n2: no newline at the end\n' >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want"
}

# One connection the test keeps open (bash's /dev/tcp): each line must be
# answered before the next is sent, with the client's side still open.
test_answers_at_once() {
    start_student 127.0.0.1 0 || return 1
    local fd i got
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || { fail "cannot connect to 127.0.0.1:$PORT"; return 1; }
    for i in 1 2 3 4 5; do
        printf 'line %s\n' "$i" >&"$fd"
        got=
        IFS= read -r -t 3 got <&"$fd" ||
            { fail "no answer to line $i within 3 s (the client had not closed: answer each line as soon as its '\\n' arrives)"; exec {fd}>&-; return 1; }
        [ "$got" = "$i: line $i" ] ||
            { fail "answer to 'line $i': expected '$i: line $i', got '$got'"; exec {fd}>&-; return 1; }
    done
    exec {fd}>&-
}

test_next_client() {
    start_student 127.0.0.1 0 || return 1
    local fd got
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || { fail "cannot connect"; return 1; }
    printf 'first client\n' >&"$fd"
    IFS= read -r -t 3 got <&"$fd" || { fail "the first client got no answer"; exec {fd}>&-; return 1; }
    # A second client connects while the first is served: it waits, and is
    # served (numbered from 1 again) once the first closes.
    printf 'second client\nits second line\n' >"$LOG_DIR/in"
    printf '1: second client\n2: its second line\n' >"$LOG_DIR/want"
    REPLY_FILE=$LOG_DIR/reply.second
    timeout -k 1 15 "$PEER" tcp-talk "$PORT" 10000 <"$LOG_DIR/in" >"$REPLY_FILE" 2>"$LOG_DIR/peer.err" {fd}>&- &
    local second=$!
    local tries=100
    while [ "$(connections_to "$PORT")" -lt 2 ] && ((tries-- > 0)); do nap 0.05; done
    exec {fd}>&-
    wait "$second" || { fail "the second client was not served once the first closed (peer exit $?)"; show "got" "$REPLY_FILE"; return 1; }
    expect_answer "$LOG_DIR/want"
}

# The documented limit: a line of up to 65536 bytes, its '\n' included, comes
# back whole; a longer one is "(line too long)".
test_limit() {
    start_student 127.0.0.1 0 || return 1
    { letters 65534; printf '\n'; letters 65535; printf '\n'; letters 65536; printf '\nafter\n'; } >"$LOG_DIR/in"
    { printf '1: '; letters 65534; printf '\n2: '; letters 65535; printf '\n3: (line too long)\n4: after\n'; } >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want" || { echo "(sent: a line of 65534 bytes + '\\n', one of 65535 + '\\n' (65536 in all: at the limit), one of 65536 + '\\n' (over it), then 'after')"; return 1; }
}

test_too_long() {
    start_student 127.0.0.1 0 || return 1
    { printf 'before\n'; letters 200000; printf '\nafter\n'; } >"$LOG_DIR/in"
    printf '1: before\n2: (line too long)\n3: after\n' >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want"
}

# A moment for expect_signals_stop: a client sent one line (answered)
# and half of the next, and waits.
mid_line() {
    MOMENT_TEXT="a client connected, half a line sent"
    exec {MOMENT_FD}<>"/dev/tcp/127.0.0.1/$PORT" || { fail "cannot connect to 127.0.0.1:$PORT"; return 1; }
    local got
    printf 'one\ntw' >&"$MOMENT_FD"
    IFS= read -r -t 3 got <&"$MOMENT_FD" || { fail "no answer to 'one' within 3 s"; return 1; }
}

test_stops_on_signals() {
    expect_signals_stop idle mid_line
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

memcheck_lines() {
    printf 'one\ntwo\nthree' >"$LOG_DIR/in"
    printf '1: one\n2: two\n3: three\n' >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want" 2 5 || return 1
    { letters 10000; printf '\n'; } >"$LOG_DIR/in"
    { printf '1: '; letters 10000; printf '\n'; } >"$LOG_DIR/want"
    exchange "$LOG_DIR/in" "$LOG_DIR/want"
}

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_lines
    stop_student
    memcheck_verdict "$STOP_STATUS"
}
