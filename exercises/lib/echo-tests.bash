# exercises/lib/echo-tests.bash - the tests the TCP echo servers share:
# tcp-echo (one client at a time, lesson v04) and fork-echo, thread-echo and
# pool-echo (many at once, each its own way: a process, a thread, a worker
# of a pool per client; lessons v10-v12).
#
# Their tests.sh sources this file, then adds or replaces what is its own (a
# function defined after the source line wins). Set before the source line,
# or keep the defaults:
#   MANY_CLIENTS_HINT   added to test_many_clients' failure message
#   CLIENTS_SECONDS     clients_at_once: each client's time limit (20)
#   CLIENTS_MS          clients_at_once: the peer's wait for an answer (15000)
# Helpers from exercises/lib/harness.bash: start_student, stop_student,
# run_student, use_valgrind, memcheck_scenario, memcheck_verdict, fail, show,
# nap, alive. $PEER is the grader's own client (exercises/lib/peer.c).

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
            { fail "client $n of 60 got no echo${MANY_CLIENTS_HINT:+ ($MANY_CLIENTS_HINT)}"; show stderr "$ERR"; return 1; }
        expect_same_bytes "$LOG_DIR/c" "$REPLY_FILE" || return 1
    done
}

# clients_at_once N BYTES [CHUNK DELAY_MS]: N clients talk at once, each with
# its own random bytes (sent in CHUNK-byte pieces DELAY_MS apart, if given);
# every one must get exactly its own bytes back.
clients_at_once() {
    local n=$1 bytes=$2 i pids=() bad=0
    shift 2
    for i in $(seq 1 "$n"); do
        head -c "$bytes" /dev/urandom >"$LOG_DIR/in.$i"
        timeout -k 1 "${CLIENTS_SECONDS:-20}" "$PEER" tcp-talk "$PORT" "${CLIENTS_MS:-15000}" "$@" \
            <"$LOG_DIR/in.$i" >"$LOG_DIR/out.$i" 2>"$LOG_DIR/err.$i" &
        pids+=($!)
    done
    for i in $(seq 1 "$n"); do
        wait "${pids[$((i - 1))]}" || { echo "client $i of $n: no complete echo"; show peer "$LOG_DIR/err.$i"; bad=1; }
    done
    ((bad == 0)) || return 1
    for i in $(seq 1 "$n"); do
        cmp -s "$LOG_DIR/in.$i" "$LOG_DIR/out.$i" ||
            { fail "client $i of $n got back other bytes than it sent (does every thread get its own connection?)"; return 1; }
    done
}

test_clients_at_once() {
    start_student 127.0.0.1 0 || return 1
    clients_at_once 20 204800
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
        while alive "$STUDENT_PID" && ((tries-- > 0)); do nap 0.05; done
        stop_student
        [ "$STOP_STATUS" = 0 ] ||
            { fail "after SIG$signal the server should exit with status 0 within 3 s (got: $STOP_STATUS)"; show stderr "$ERR"; return 1; }
    done
}

# A bad PORT: exit status 2 and one usage line on stderr.
bad_port_is_usage_error() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

test_bad_port() { bad_port_is_usage_error; }

# The exchanges valgrind watches (fork-echo has its own); a wrong answer here
# is a note, not a memory verdict (the other tests judge the answers).
memcheck_exchanges() {
    printf 'hello\n' >"$LOG_DIR/short"
    talk "$LOG_DIR/short" && expect_same_bytes "$LOG_DIR/short" "$REPLY_FILE" || return 1
    clients_at_once 5 20000
}

test_memcheck() {
    use_valgrind
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_exchanges
    stop_student
    memcheck_verdict "$STOP_STATUS"
}
