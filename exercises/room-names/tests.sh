# exercises/room-names/tests.sh - the grader's tests for room-names.
#
# Each entry: FUNCTION POINTS SECONDS DESCRIPTION. exercises/grade runs each
# function alone in exercises/lib/harness.bash (its helpers: start_student,
# stop_student, run_student, fail, show) and scores it by its exit status
# only. The clients are connections the test opens itself with bash's
# /dev/tcp and keeps open; every line is awaited with a 3 s deadline. That
# a client gets NOTHING is checked by order: a later line must come next.
TESTS=(
    "test_address_line 1 20 prints its address (ending in 127.0.0.1:PORT) first and accepts clients there (port 0)"
    "test_join 2 20 a client gets '* you are userN'; the others get '* userN joined'"
    "test_line_to_others 2 20 a line reaches every other client as 'userN: line', not its sender"
    "test_nick 3 20 '/nick alice': the others get '* user1 is now alice', the sender '* you are now alice'; then 'alice: line'"
    "test_names_per_client 2 20 names belong to their client: three clients, renames, a leave ('* NAME left'), a newcomer is user4"
    "test_bad_nick 1 20 a bad name ('/nick ', two words, 17 letters, non-ASCII) gets '* bad name...' and changes nothing"
    "test_split_lines 1 20 a line split over two writes, and two lines in one write, are handled as lines"
    "test_stops_on_signals 1 20 one SIGINT alone, and one SIGTERM alone, stop it within 2 s with exit status 0 (no client yet; clients connected and idle)"
    "test_bad_port 1 20 a bad PORT is a usage error: one line on stderr, exit status 2"
    "test_memcheck 2 60 valgrind memcheck (memory only): no memory errors and no leaks, in it or in any program it starts (joins, renames, a leave, then SIGTERM)"
)

declare -a FD=()

# join K: client K connects; its descriptor is FD[K].
join() {
    local fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || { fail "client $1 cannot connect to 127.0.0.1:$PORT"; return 1; }
    FD[$1]=$fd
}

# say K TEXT: client K sends TEXT (no newline added).
say() { printf '%s' "$2" >&"${FD[$1]}"; }

# expect K LINE: the next line client K receives is exactly LINE (3 s at most).
expect() {
    local got=
    if ! IFS= read -r -t "${WAIT_SECONDS:-3}" got <&"${FD[$1]}"; then
        fail "client $1 expected the line '$2' but got ${got:+the start '$got' and then }nothing within ${WAIT_SECONDS:-3} s"
        return 1
    fi
    [ "$got" = "$2" ] && return 0
    fail "client $1 expected the line '$2' but got '$got'"
    return 1
}

# expect_prefix K TEXT: the next line client K receives starts with TEXT.
expect_prefix() {
    local got=
    IFS= read -r -t "${WAIT_SECONDS:-3}" got <&"${FD[$1]}" ||
        { fail "client $1 expected a line starting with '$2' but got nothing within ${WAIT_SECONDS:-3} s"; return 1; }
    [ "${got:0:${#2}}" = "$2" ] && return 0
    fail "client $1 expected a line starting with '$2' but got '$got'"
    return 1
}

# leave K: client K closes its connection.
leave() { exec {FD[$1]}>&-; }

# room N: clients 1..N join, in order, each greeted and announced.
room() {
    local k j
    for ((k = 1; k <= $1; k++)); do
        join "$k" && expect "$k" "* you are user$k" || return 1
        for ((j = 1; j < k; j++)); do
            expect "$j" "* user$k joined" || return 1
        done
    done
}

# wait_consumed: waits (3 s at most) until the server has read every byte
# sent to it: its ends of the connections (local port PORT) have nothing
# left in their receive queues (/proc/net/tcp).
wait_consumed() {
    local port_hex tries=60
    port_hex=$(printf '%04X' "$PORT")
    while ((tries-- > 0)); do
        awk -v port="$port_hex" 'NR > 1 && $4 == "01" && substr($2, length($2) - 3) == port {
                split($5, q, ":"); if (q[2] !~ /^0+$/) busy = 1 }
            END { exit busy }' /proc/net/tcp && return 0
        nap 0.05
    done
    return 0 # the server may be slow: the test goes on and judges the lines
}

test_address_line() {
    start_student 127.0.0.1 0 || return 1
    head -n 1 "$OUT" | grep -qE '^[^ ].*127\.0\.0\.1:[0-9]+$' ||
        { fail "the first line should end in 127.0.0.1:PORT"; show stdout "$OUT"; return 1; }
    join 1 && expect 1 "* you are user1"
}

test_join() {
    start_student 127.0.0.1 0 || return 1
    room 3
}

test_line_to_others() {
    start_student 127.0.0.1 0 || return 1
    room 3 || return 1
    say 1 $'hello, 你好\n'
    expect 2 "user1: hello, 你好" && expect 3 "user1: hello, 你好" || return 1
    # The sender's next line must be user2's answer, not its own line back.
    say 2 $'hi user1\n'
    expect 1 "user2: hi user1" && expect 3 "user2: hi user1"
}

test_nick() {
    start_student 127.0.0.1 0 || return 1
    room 2 || return 1
    say 1 $'/nick alice\n'
    expect 2 "* user1 is now alice" && expect 1 "* you are now alice" || return 1
    say 1 $'hi from alice\n'
    expect 2 "alice: hi from alice" || return 1
    say 1 $'/nick Al_2-x\n'
    expect 2 "* alice is now Al_2-x" && expect 1 "* you are now Al_2-x" || return 1
    say 2 $'hello Al\n'
    expect 1 "user2: hello Al" || return 1
    say 1 $'bye\n'
    expect 2 "Al_2-x: bye"
}

test_names_per_client() {
    start_student 127.0.0.1 0 || return 1
    room 3 || return 1
    say 2 $'/nick bob\n'
    expect 1 "* user2 is now bob" && expect 3 "* user2 is now bob" && expect 2 "* you are now bob" || return 1
    say 1 $'one\n'
    expect 2 "user1: one" && expect 3 "user1: one" || return 1
    say 3 $'three\n'
    expect 1 "user3: three" && expect 2 "user3: three" || return 1
    say 2 $'two\n'
    expect 1 "bob: two" && expect 3 "bob: two" || return 1
    leave 2
    expect 1 "* bob left" && expect 3 "* bob left" || return 1
    say 3 $'still user3\n'
    expect 1 "user3: still user3" || return 1
    join 4 && expect 4 "* you are user4" || return 1
    expect 1 "* user4 joined" && expect 3 "* user4 joined" || return 1
    say 4 $'new\n'
    expect 1 "user4: new" && expect 3 "user4: new"
}

test_bad_nick() {
    start_student 127.0.0.1 0 || return 1
    room 2 || return 1
    local bad
    for bad in '/nick ' '/nick two words' '/nick abcdefghijklmnopq' '/nick' '/nick é'; do
        say 1 "$bad"$'\n'
        if [ "$bad" = /nick ]; then
            # No space, no name: an ordinary line.
            expect 2 "user1: /nick" || return 1
        else
            expect_prefix 1 "* bad name" || { echo "(after '$bad')"; return 1; }
        fi
    done
    say 1 $'still user1\n'
    expect 2 "user1: still user1"
}

test_split_lines() {
    start_student 127.0.0.1 0 || return 1
    room 2 || return 1
    say 1 '/nick ca'
    wait_consumed # the server has read "/nick ca" on its own
    say 1 $'rol\nfirst\nsecond\n'
    expect 2 "* user1 is now carol" && expect 2 "carol: first" && expect 2 "carol: second"
}

# A moment for expect_signals_stop: two clients joined and idle.
clients_idle() {
    MOMENT_TEXT="two clients in the room, idle"
    room 2
}

test_stops_on_signals() {
    expect_signals_stop idle clients_idle
    local status=$?
    leave 1 2>/dev/null; leave 2 2>/dev/null
    return "$status"
}

test_bad_port() {
    run_student 10 127.0.0.1 notaport
    [ "$STATUS" = 2 ] || { fail "exit status $STATUS, expected 2"; show stderr "$ERR"; return 1; }
    [ "$(wc -l <"$ERR")" = 1 ] && grep -q '^usage: ' "$ERR" ||
        { fail "expected one line on stderr starting with 'usage: '"; show stderr "$ERR"; return 1; }
}

memcheck_room() {
    room 3 || return 1
    say 2 $'/nick bob\n'
    expect 1 "* user2 is now bob" && expect 3 "* user2 is now bob" && expect 2 "* you are now bob" || return 1
    say 2 $'hi\n'
    expect 1 "bob: hi" && expect 3 "bob: hi" || return 1
    leave 2
    expect 1 "* bob left" && expect 3 "* bob left" || return 1
}

test_memcheck() {
    use_valgrind
    WAIT_SECONDS=10
    start_student 127.0.0.1 0 || return 1
    memcheck_scenario memcheck_room
    stop_student
    memcheck_verdict "$STOP_STATUS"
}
