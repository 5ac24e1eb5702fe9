#!/usr/bin/env bats
# Lesson v07-chat-client, against tests/peers/chat-peer: a plain TCP stream
# peer that relays raw bytes (as `nc -l` would), so every byte the client
# sends is checked and the peer decides exactly how its bytes are split.
# Each side's stdin is a fifo the test holds open (see tests/chat_helpers.bash).
load helpers
load netns
load chat_helpers

# What the peer received, byte for byte (its first stdout line is its address).
peer_received() { tail -n +2 "$SERVER_OUT"; }

start_peer_and_client() {
    start_chat_server chat-peer relay
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
}

@test "v07 with a plain stream peer: typed lines go out as exactly the bytes typed, the last one without its newline too" {
    start_peer_and_client
    say_client $'hello\n'
    say_client $'0你好 我是client,你收到了么?\n'
    say_client 'no newline at the end'
    end_client_input
    wait_for_line "$SERVER_ERR" '^chat-peer: peer closed$' "$SERVER_PID"
    expect_equal "$(hex_of $'hello\n0你好 我是client,你收到了么?\nno newline at the end')" "$(peer_received | hex)" "bytes on the wire"
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "client exit status"
    expect_equal "v07-chat-client: connected to 127.0.0.1:$SERVER_PORT" "$(cat "$CLIENT_OUT")" "client stdout"
    expect_equal "" "$(cat "$CLIENT_ERR")" "client stderr"
}

@test "v07 with a plain stream peer: received lines are printed as 'server> LINE', UTF-8 unchanged; the peer's end of stream is 'left', exit 0" {
    start_peer_and_client
    say_server $'hi client\n我已经收到了\n'
    wait_for_line "$CLIENT_OUT" '^server> 我已经收到了$' "$CLIENT_PID"
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "client exit status"
    expect_equal "v07-chat-client: connected to 127.0.0.1:$SERVER_PORT
server> hi client
server> 我已经收到了
v07-chat-client: 127.0.0.1:$SERVER_PORT left" "$(cat "$CLIENT_OUT")"
    expect_equal "" "$(cat "$CLIENT_ERR")" "client stderr"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "" "$(peer_received)" "nothing was sent"
}

@test "v07: a line split over two sends prints once; three lines in one send print as three" {
    start_peer_and_client
    say_server 'hel'
    wait_for_line "$SERVER_ERR" '^chat-peer: sent 3 bytes$' "$SERVER_PID"
    wait_until_consumed "$SERVER_PORT" # the client has read "hel" on its own
    say_server $'lo\n'
    wait_for_line "$CLIENT_OUT" '^server> hello$' "$CLIENT_PID"
    say_server $'one\ntwo\nthree\n'
    wait_for_line "$CLIENT_OUT" '^server> three$' "$CLIENT_PID"
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "v07-chat-client: connected to 127.0.0.1:PORT
server> hello
server> one
server> two
server> three
v07-chat-client: 127.0.0.1:PORT left" "$(transcript "$CLIENT_OUT")"
}

@test "v07: 10000-byte lines pass whole both ways (longer than its 4096-byte line buffer)" {
    local long
    long=$(long_text 10000)
    start_peer_and_client
    say_client "$long"$'\n'
    say_server "$long"$'\n'
    wait_for_line "$CLIENT_OUT" "${long: -20}\$" "$CLIENT_PID"
    end_client_input
    wait_for_line "$SERVER_ERR" '^chat-peer: peer closed$' "$SERVER_PID"
    expect_equal "$(hex_of "$long"$'\n')" "$(peer_received | hex)" "bytes on the wire"
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "server> $long" "$(sed -n 2p "$CLIENT_OUT")"
    expect_equal 2 "$(wc -l <"$CLIENT_OUT")" "client stdout lines"
}

@test "v07 after its Ctrl-D still prints what the peer sends, until the peer closes (a half-close)" {
    # The peer answers the client's end of stream at once with a late line.
    start_chat_server chat-peer relay $'a late reply\n'
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    end_client_input
    wait_for_line "$SERVER_ERR" '^chat-peer: peer closed$' "$SERVER_PID"
    wait_for_line "$CLIENT_OUT" '^server> a late reply$' "$CLIENT_PID"
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "v07-chat-client: connected to 127.0.0.1:PORT
server> a late reply" "$(transcript "$CLIENT_OUT")"
    expect_equal "" "$(cat "$CLIENT_ERR")"
}


# The three time limits take 3 s each, so one test waits for all three side
# by side; each part asserts what its own test would.
@test "v07 never waits for ever: after its Ctrl-D at most 3 s for a peer that never closes (exit 0); a peer that stops reading: gives up after 3 s without progress; a host that never answers: 'Connection timed out' after 3 s" {
    # Part 1, in the background: a peer that never reads, 8 MB with no
    # newline (far more than the socket buffers hold).
    start_server chat-peer noread
    local noread_pid=$SERVER_PID noread_port=$SERVER_PORT
    head -c 8000000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/flood"
    lesson_command v07-chat-client 127.0.0.1 "$noread_port"
    "${LESSON_COMMAND[@]}" <"$BATS_TEST_TMPDIR/flood" >"$BATS_TEST_TMPDIR/stalled.out" 2>"$BATS_TEST_TMPDIR/stalled.err" 3>&- 5>&- 6>&- 7>&- &
    local stalled_pid=$!
    STARTED_PIDS+=("$stalled_pid")

    # Part 2, in the background: in a private network namespace, with a
    # link whose other end is down, the SYN to 192.0.2.2 goes nowhere, as
    # with a firewall that drops packets. The kernel alone would retry for
    # about 2 minutes.
    local timeout_pid=
    local private=()
    if unshare -n true 2>/dev/null; then
        private=(unshare -n)
    elif unshare -rn true 2>/dev/null; then
        private=(unshare -rn) # an ordinary user: a user namespace too
    fi
    if [ ${#private[@]} -gt 0 ]; then
        lesson_command v07-chat-client 192.0.2.2 1914
        "${private[@]}" bash -c '
            ip link set lo up && ip link add v0 type veth peer name v1 &&
            ip addr add 192.0.2.1/24 dev v0 && ip link set v0 up || exit 97
            exec "$@" </dev/null' _ "${LESSON_COMMAND[@]}" >"$BATS_TEST_TMPDIR/timeout.out" 2>"$BATS_TEST_TMPDIR/timeout.err" 3>&- 5>&- 6>&- 7>&- &
        timeout_pid=$!
        STARTED_PIDS+=("$timeout_pid")
    fi

    # Part 3, here: Ctrl-D to a peer that never closes.
    SECONDS=0
    start_peer_and_client
    end_client_input
    wait_for_exit "$CLIENT_PID" 20
    expect_equal 0 "$EXIT_STATUS" "Ctrl-D: client exit status"
    [ "$SECONDS" -ge 2 ] || { echo "left after $SECONDS s, before the 3 s" >&2; false; }
    wait_for_line "$SERVER_ERR" '^chat-peer: peer closed$' "$SERVER_PID"

    wait_for_exit "$stalled_pid" 30
    expect_equal 1 "$EXIT_STATUS" "stalled peer: client exit status"
    expect_equal "v07-chat-client: 127.0.0.1:$noread_port has read nothing for 3 seconds" "$(cat "$BATS_TEST_TMPDIR/stalled.err")"
    expect_doc_sample v07-stalled "$(cat "$BATS_TEST_TMPDIR/stalled.err")"
    [ "$SECONDS" -ge 2 ]

    [ -n "$timeout_pid" ] || skip "cannot create a network namespace here (unshare -n and unshare -rn refused), so the connect time-out part cannot run"
    wait_for_exit "$timeout_pid" 30
    [ "$EXIT_STATUS" -ne 97 ] || skip "no veth links in network namespaces here"
    expect_equal 1 "$EXIT_STATUS" "silent host: client exit status"
    expect_equal "v07-chat-client: connect 192.0.2.2:1914: Connection timed out" "$(cat "$BATS_TEST_TMPDIR/timeout.err")"
    expect_equal "" "$(cat "$BATS_TEST_TMPDIR/timeout.out")"
}

@test "v07: SIGTERM during a chat prints 'stopped', exits 0 and closes the connection" {
    start_peer_and_client
    say_server $'anyone?\n'
    wait_for_line "$CLIENT_OUT" '^server> anyone\?$' "$CLIENT_PID"
    stop_server "$CLIENT_PID" TERM
    expect_quick_stop
    expect_equal "v07-chat-client: stopped" "$(tail -n 1 "$CLIENT_OUT")"
    wait_for_line "$SERVER_ERR" '^chat-peer: peer closed$' "$SERVER_PID"
}

@test "v07: Ctrl-C (SIGINT) during a chat prints 'stopped' and exits 0" {
    start_peer_and_client
    stop_server "$CLIENT_PID" INT
    expect_quick_stop
    expect_equal "v07-chat-client: connected to 127.0.0.1:PORT
v07-chat-client: stopped" "$(transcript "$CLIENT_OUT")"
}

@test "v07: a peer that resets the connection gives 'Connection reset by peer' and exit 1" {
    start_chat_server chat-peer reset
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 1 "$EXIT_STATUS" "client exit status"
    expect_equal "v07-chat-client: recv from 127.0.0.1:$SERVER_PORT: Connection reset by peer" "$(cat "$CLIENT_ERR")"
    expect_doc_sample v07-reset "$(cat "$CLIENT_ERR")"
}


@test "v07: no server gives 'connect 127.0.0.1:PORT: Connection refused' and exit 1" {
    find_unused_port tcp
    run_lesson v07-chat-client 127.0.0.1 "$UNUSED_PORT" </dev/null
    expect_status 1
    expect_equal "v07-chat-client: connect 127.0.0.1:$UNUSED_PORT: Connection refused" "$stderr"
    expect_equal "" "$output"
    expect_doc_sample v07-refused "$stderr"
}


@test "v07: a host that does not resolve gives getaddrinfo's message and exit 1, looked up in a private network namespace (no query leaves the machine)" {
    run_lesson_in_netns v07-chat-client nosuch.invalid </dev/null
    expect_status 1
    [[ "$stderr" == "v07-chat-client: cannot resolve 'nosuch."*"' port 1914: "?* ]] || { echo "stderr: $stderr" >&2; false; }
    expect_equal "" "$output"
}

@test "v07 with its stdin closed refuses to start (its socket would get fd 0)" {
    # Run directly, not under valgrind (which takes fd 0 itself) nor under
    # `run` (which gives the command a pipe as stdin).
    status=0
    timeout 10 "$SOCKSTEP_BUILD/v07-chat-client" 127.0.0.1 1 <&- >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
    expect_equal 1 "$status" "exit status"
    expect_equal "v07-chat-client: standard input is closed: nothing to read the chat from" "$(cat "$BATS_TEST_TMPDIR/err")"
    expect_equal "" "$(cat "$BATS_TEST_TMPDIR/out")"
}

@test "v07: bad command lines give one usage line and exit 2" {
    expect_usage_error "usage: v07-chat-client [HOST [PORT]] (port 'abc' is not a number from 0 to 65535)" v07-chat-client 127.0.0.1 abc
    expect_usage_error "usage: v07-chat-client [HOST [PORT]] (unknown option '-1')" v07-chat-client 127.0.0.1 -1
    expect_usage_error "usage: v07-chat-client [HOST [PORT]] (too many arguments)" v07-chat-client 127.0.0.1 1914 x
}

@test "v07: ONE signal stops it within 1 s, right after it connected or right after a received line (8 fresh clients)" {
    local i
    for i in 1 2 3 4; do
        start_peer_and_client
        stop_server "$CLIENT_PID" TERM
        expect_quick_stop
        stop_server "$SERVER_PID" TERM # the peer
        exec 5>&- 6>&-

        start_peer_and_client
        say_server "news $i"$'\n'
        wait_for_line "$CLIENT_OUT" "^server> news $i\$" "$CLIENT_PID"
        stop_server "$CLIENT_PID" INT
        expect_quick_stop
        expect_equal "server> news $i
v07-chat-client: stopped" "$(tail -n 2 "$CLIENT_OUT")"
        stop_server "$SERVER_PID" TERM
        exec 5>&- 6>&-
    done
}

@test "v07 shows received control characters in caret notation (ESC as ^[, DEL as ^?, NUL as ^@), keeps tab and UTF-8" {
    start_peer_and_client
    # Bytes on the wire: a screen clear, a carriage return that would
    # overwrite the line, DEL, a tab, NUL, ^A, UTF-8; then a last line
    # without newline that ends in ESC.
    printf '\033[2Jhi\rthere\177\tTab\000\001 你好\nlast\033' >&5
    wait_for_line "$CLIENT_OUT" '^server> \^\[\[2Jhi' "$CLIENT_PID"
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "v07-chat-client: connected to 127.0.0.1:PORT
server> ^[[2Jhi^Mthere^?	Tab^@^A 你好
server> last^[
v07-chat-client: 127.0.0.1:PORT left" "$(transcript "$CLIENT_OUT")"
    # Nothing but printable text, tabs and newlines reached the terminal.
    expect_equal "" "$(LC_ALL=C tr -d '\t\n -~\200-\377' <"$CLIENT_OUT" | hex)" "control bytes in the client's stdout"
}

@test "memcheck: v07 with a stream peer, lines both ways, a long line, control characters, ONE SIGTERM; a reset; no server: no leaks, no leaked descriptors" {
    MEMCHECK=1
    local long
    long=$(long_text 5000)
    start_peer_and_client
    say_client "$long"$'\n'
    say_server "$long"$'\n'$'\e[2J\n'
    wait_for_line "$CLIENT_OUT" '^server> \^\[\[2J$' "$CLIENT_PID"
    stop_server "$CLIENT_PID" TERM
    expect_equal 0 "$SERVER_STATUS" "client exit status"
    expect_equal "v07-chat-client: stopped" "$(tail -n 1 "$CLIENT_OUT")"
    stop_server "$SERVER_PID" TERM
    exec 5>&- 6>&-

    start_chat_server chat-peer reset
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 1 "$EXIT_STATUS" "client exit status after a reset"
    exec 5>&- 6>&-

    find_unused_port tcp
    run_lesson v07-chat-client 127.0.0.1 "$UNUSED_PORT" </dev/null
    expect_status 1
    # teardown fails the test on any valgrind finding
}

@test "v07: ONE signal stops it within 1 s even while it waits to send to a peer that stopped reading" {
    start_chat_server chat-peer noread
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    # Type far more than the socket buffers hold (no newline: one long line).
    head -c 8000000 /dev/zero | tr '\0' x >&6 &
    local typist=$!
    STARTED_PIDS+=("$typist")
    # Wait until the client's send queue holds a lot: it now waits for room.
    local tries=$((READY_SECONDS * 20)) queued=0
    while ((tries-- > 0)); do
        queued=$(ss -Htn state established "( dport = :$SERVER_PORT )" | awk '{ print $2; exit }')
        [ "${queued:-0}" -gt 100000 ] && break
        sleep 0.05
    done
    [ "${queued:-0}" -gt 100000 ] || { echo "the client's send queue never filled ($queued bytes)" >&2; false; }
    stop_server "$CLIENT_PID" TERM
    expect_quick_stop
    expect_equal "v07-chat-client: stopped" "$(tail -n 1 "$CLIENT_OUT")"
    expect_equal "" "$(cat "$CLIENT_ERR")" "client stderr"
    kill "$typist" 2>/dev/null || true
}
