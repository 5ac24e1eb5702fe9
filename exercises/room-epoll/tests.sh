# exercises/room-epoll/tests.sh - the grader's tests for room-epoll.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. Clients are bash's /dev/tcp connections (many kept open at once) and
# the grader's peer (exercises/lib/peer.c).
#
# The starter already behaves right (it is a working poll() server), so the
# behaviour tests guard the port; the points for the port itself come from
# the program's imports (nm -D: it links the epoll calls) and from a run
# under strace (it really waits in epoll_wait, never in poll or select).
# strace runs as the grader, outside the sandbox; without strace installed
# that test fails with a message saying so.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and echoes there (port 0)"
    "test_hundred_clients 3 30 100 clients connected at once: each gets its own lines back, in any order of sending"
    "test_big_with_idle 2 30 1 MiB echoed to one client while 50 others stay connected and idle"
    "test_not_reading 2 30 a client that sends 4 MiB and never reads does not stall the others"
    "test_come_and_go 1 30 clients come and go: 3 rounds of 30 connect, echo, close"
    "test_stops_on_signals 1 20 one SIGINT alone, and one SIGTERM alone, stop it within 2 s with exit status 0 (no client yet; clients connected and idle)"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_imports_epoll 2 20 the program calls epoll_create1 (or epoll_create), epoll_ctl and epoll_wait (its imports, nm -D)"
    "test_strace_epoll 3 30 at run time it waits in epoll_wait, never in poll or select (strace, while 20 clients are served)"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (20 clients, one leaves, then SIGTERM)"
)

declare -a FD=()

# open_clients FIRST LAST: clients FIRST..LAST connect (FD[K]).
open_clients() {
    local k fd
    for ((k = $1; k <= $2; k++)); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || { fail "client $k cannot connect to 127.0.0.1:$PORT"; return 1; }
        FD[$k]=$fd
    done
}

close_clients() { # FIRST LAST
    local k
    for ((k = $1; k <= $2; k++)); do
        [ -n "${FD[$k]:-}" ] && exec {FD[$k]}>&-
        FD[$k]=
    done
    return 0
}

# echo_check K TEXT: client K has sent TEXT\n; its next line must be TEXT.
echo_check() {
    local got=
    IFS= read -r -t "${WAIT_SECONDS:-3}" got <&"${FD[$1]}" ||
        { fail "client $1 did not get its line '$2' back within ${WAIT_SECONDS:-3} s${got:+ (got '$got')}"; return 1; }
    [ "$got" = "$2" ] || { fail "client $1 sent '$2' and got back '$got'"; return 1; }
}

# round FIRST LAST TAG: every client sends a line, then every client reads its echo.
round() {
    local k
    for ((k = $1; k <= $2; k++)); do printf '%s %s\n' "$3" "$k" >&"${FD[$k]}"; done
    for ((k = $1; k <= $2; k++)); do echo_check "$k" "$3 $k" || return 1; done
}

test_address_line() {
    start_student 127.0.0.1 0 || return 1
    head -n 1 "$OUT" | grep -qE '^[^ ].*127\.0\.0\.1:[0-9]+$' ||
        { fail "the first line should end in 127.0.0.1:PORT"; show stdout "$OUT"; return 1; }
    open_clients 1 1 && round 1 1 hello
}

test_hundred_clients() {
    start_student 127.0.0.1 0 || return 1
    open_clients 1 100 || return 1
    round 1 100 "first line from client" || return 1
    # Now backwards, and twice per client before any reading.
    local k
    for ((k = 100; k >= 1; k--)); do printf 'a %s\nb %s 你好\n' "$k" "$k" >&"${FD[$k]}"; done
    for ((k = 1; k <= 100; k++)); do
        echo_check "$k" "a $k" && echo_check "$k" "b $k 你好" || return 1
    done
    close_clients 1 100
}

test_big_with_idle() {
    start_student 127.0.0.1 0 || return 1
    open_clients 1 50 || return 1
    head -c 1048576 /dev/urandom >"$LOG_DIR/big"
    timeout -k 1 20 "$PEER" tcp-talk "$PORT" 15000 <"$LOG_DIR/big" >"$LOG_DIR/reply" 2>"$LOG_DIR/peer.err" ||
        { fail "1 MiB was not echoed completely (peer exit $?)"; show peer "$LOG_DIR/peer.err"; return 1; }
    cmp -s "$LOG_DIR/big" "$LOG_DIR/reply" ||
        { fail "the 1 MiB that came back differs (got $(stat -c %s "$LOG_DIR/reply") bytes)"; return 1; }
    round 1 50 "still here" || return 1
    close_clients 1 50
}

test_not_reading() {
    start_student 127.0.0.1 0 || return 1
    open_clients 1 1 || return 1
    # Client 1 pushes 4 MiB and reads nothing: far more than the socket
    # buffers hold, so the writer blocks until it is killed.
    head -c 4194304 /dev/zero >&"${FD[1]}" &
    local writer=$!
    # Wait (3 s at most) until the server has stopped reading it: bytes pile
    # up unread in the server's receive queue for that connection.
    local port_hex tries=60
    port_hex=$(printf '%04X' "$PORT")
    until awk -v port="$port_hex" 'NR > 1 && $4 == "01" && substr($2, length($2) - 3) == port {
            split($5, q, ":"); if (q[2] !~ /^0+$/) found = 1 } END { exit !found }' /proc/net/tcp; do
        ((tries-- > 0)) || break
        nap 0.05
    done
    timeout -k 1 15 "$PEER" tcp-pingpong "$PORT" 20 3000 {FD[1]}>&- >"$LOG_DIR/pp.out" 2>&1
    local status=$?
    kill "$writer" 2>/dev/null
    wait "$writer" 2>/dev/null
    [ "$status" = 0 ] || { fail "another client got no echo while client 1 was not reading (peer exit $status)"; show peer "$LOG_DIR/pp.out"; return 1; }
    close_clients 1 1
}

test_come_and_go() {
    start_student 127.0.0.1 0 || return 1
    local r
    for r in 1 2 3; do
        open_clients 1 30 && round 1 30 "round $r" || return 1
        close_clients 1 30
    done
    open_clients 1 1 && round 1 1 "after all that"
}

# A moment for expect_signals_stop: three clients connected, echoed, idle.
clients_idle() {
    MOMENT_TEXT="three clients connected and idle"
    open_clients 1 3 && round 1 3 x
}

test_stops_on_signals() {
    expect_signals_stop idle clients_idle
    local status=$?
    close_clients 1 3
    return "$status"
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

test_imports_epoll() {
    command -v nm >/dev/null || { echo "harness: nm (binutils) is not installed"; exit 125; }
    nm -D --undefined-only "$PROGRAM" 2>"$LOG_DIR/nm.err" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$LOG_DIR/imports" ||
        { fail "nm cannot read the program"; show nm "$LOG_DIR/nm.err"; return 1; }
    local missing=()
    grep -qxE 'epoll_create1?' "$LOG_DIR/imports" || missing+=(epoll_create1)
    grep -qx epoll_ctl "$LOG_DIR/imports" || missing+=(epoll_ctl)
    grep -qxE 'epoll_(p)?wait' "$LOG_DIR/imports" || missing+=(epoll_wait)
    [ ${#missing[@]} -eq 0 ] || { fail "the program never calls: ${missing[*]}"; return 1; }
}

test_strace_epoll() {
    command -v strace >/dev/null ||
        { fail "strace is not installed where the grader runs, so this cannot be checked (Debian/Ubuntu: apt-get install strace)"; return 1; }
    # The program starts under strace, which runs as the grader (outside the
    # sandbox) and follows it through setsid, prlimit and setpriv: the student's
    # code cannot touch the trace. Only the waiting calls are recorded.
    eval "sandboxed_$(declare -f student_command)"
    student_command() {
        sandboxed_student_command "$@"
        STUDENT_COMMAND=(strace -f -qq -o "$LOG_DIR/strace"
            -e trace=poll,ppoll,select,pselect6,epoll_wait,epoll_pwait,epoll_pwait2 "${STUDENT_COMMAND[@]}")
    }
    start_student 127.0.0.1 0 || return 1
    open_clients 1 20 && round 1 20 traced && round 1 20 "traced again" || return 1
    close_clients 1 20
    local waits
    waits=$(grep -E '^[0-9]+ +[a-z_0-9]+\(' "$LOG_DIR/strace" | sed -E 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/' | sort | uniq -c | tr -s ' ' | tr '\n' ',')
    if grep -qE '^[0-9]+ +(poll|ppoll|select|pselect6)\(' "$LOG_DIR/strace"; then
        fail "the program waited in poll or select (calls seen: ${waits%,})"
        return 1
    fi
    grep -qE '^[0-9]+ +epoll_(p)?wait2?\(' "$LOG_DIR/strace" && return 0
    fail "strace saw no epoll_wait call while 20 clients were served (calls seen: ${waits%,})"
    return 1
}

memcheck_clients() {
    open_clients 1 20 && round 1 20 one || return 1
    close_clients 5 5
    open_clients 21 21 || return 1
    round 1 4 two && round 6 21 two
}

test_memcheck() {
    use_valgrind
    WAIT_SECONDS=10
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_clients
    stop_student
    close_clients 1 21
    memcheck_verdict "$STOP_STATUS"
}
