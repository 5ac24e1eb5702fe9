# exercises/pool-echo/tests.sh - the grader's tests for pool-echo.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. $PEER is the grader's own client (exercises/lib/peer.c). The program
# runs with a limit of about 32 processes (LIMIT_NPROC), threads included.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and accepts connections there (port 0)"
    "test_echo_short 2 20 echoes a short message byte for byte (UTF-8 too), then closes when the client does"
    "test_silent_client 2 20 with 4 workers, a client that says nothing blocks nobody: the next client is echoed meanwhile"
    "test_all_busy 3 30 with 2 workers, 2 silent clients make the next one wait; it is echoed when one of them leaves"
    "test_pool_size 3 40 40 slow clients at once, 4 workers: all echoed, and never more threads than the limit of 32"
    "test_many_clients 1 30 serves 60 clients in a row"
    "test_echo_1mib 2 30 echoes 1 MiB sent in one go (partial reads and writes)"
    "test_stops_on_signals 1 20 SIGTERM and SIGINT stop it with exit status 0"
    "test_bad_port 1 20 a bad PORT or WORKERS is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck: no memory errors and no leaks (after 5 clients at once)"
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
            { fail "client $n of 60 got no echo"; show stderr "$ERR"; return 1; }
        expect_same_bytes "$LOG_DIR/c" "$REPLY_FILE" || return 1
    done
}

# clients_at_once N BYTES [CHUNK DELAY_MS]: N clients talk at once, each with
# its own random bytes; every one must get exactly its own bytes back.
clients_at_once() {
    local n=$1 bytes=$2 i pids=() bad=0
    shift 2
    for i in $(seq 1 "$n"); do
        head -c "$bytes" /dev/urandom >"$LOG_DIR/in.$i"
        timeout -k 1 30 "$PEER" tcp-talk "$PORT" 25000 "$@" <"$LOG_DIR/in.$i" >"$LOG_DIR/out.$i" 2>"$LOG_DIR/err.$i" &
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

test_all_busy() {
    start_student 127.0.0.1 0 2 || return 1
    start_silent_client 20 || return 1
    local first=$SILENT_PID
    start_silent_client 20 || return 1
    printf 'waiting\n' >"$LOG_DIR/w"
    timeout -k 1 20 "$PEER" tcp-talk "$PORT" 15000 <"$LOG_DIR/w" >"$LOG_DIR/w.out" 2>"$LOG_DIR/w.err" &
    local waiting=$!
    # Both workers are busy: for a whole second, nobody may echo it.
    sleep 1
    kill -0 "$waiting" 2>/dev/null && [ ! -s "$LOG_DIR/w.out" ] ||
        { fail "with 2 workers both serving silent clients, a third client was echoed at once (more than 2 workers?)"; return 1; }
    kill "$first" # one silent client leaves: its worker is free again
    wait "$waiting" || { fail "the waiting client was not echoed after a worker became free"; show peer "$LOG_DIR/w.err"; return 1; }
    expect_same_bytes "$LOG_DIR/w" "$LOG_DIR/w.out"
}

test_pool_size() {
    start_student 127.0.0.1 0 4 || return 1
    # Each client sends 10 pieces, 40 ms apart: a thread per client would
    # need 40 threads at once, more than the process limit allows.
    clients_at_once 40 10000 1000 40 || { show stderr "$ERR"; return 1; }
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
    run_student 10 127.0.0.1 0 none
    [ "$STATUS" = 2 ] || { fail "WORKERS 'none': exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
}

# The exchanges valgrind watches; a wrong answer here is a note, not a memory
# verdict (the other tests judge the answers).
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
