#!/usr/bin/env bats
# Lesson v06-chat-server: one client, lines both ways, printed as "client> LINE".
# Its partner v07-chat-client, bash's /dev/tcp (a plain stream peer, as nc
# would be) and wire-peer play the client. Each side's stdin is a fifo the
# test holds open (see tests/chat_helpers.bash).
load helpers
load netns
load chat_helpers

# Connects the test itself to the server on fd 7 and waits for "connected".
connect_fd7() {
    exec 7<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"
}

@test "v06 with v07: lines both ways, in order, UTF-8 unchanged; the client's Ctrl-D ends the chat for both (exit 0)" {
    start_chat_server v06-chat-server 127.0.0.1 0
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"

    say_client $'hello, server\n'
    wait_for_line "$SERVER_OUT" '^client> hello, server$' "$SERVER_PID"
    say_server $'你好 client, I read you\n'
    wait_for_line "$CLIENT_OUT" '^server> 你好 client, I read you$' "$CLIENT_PID"
    say_client $'1你好 我是client,你收到了么?\n'
    wait_for_line "$SERVER_OUT" '^client> 1你好' "$SERVER_PID"
    say_server $'我已经收到了\n'
    wait_for_line "$CLIENT_OUT" '^server> 我已经收到了$' "$CLIENT_PID"
    say_client $'bye\n'
    wait_for_line "$SERVER_OUT" '^client> bye$' "$SERVER_PID"
    end_client_input

    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "client exit status"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "server exit status"
    expect_equal "v06-chat-server: listening on 127.0.0.1:PORT
v06-chat-server: 127.0.0.1:PORT connected
client> hello, server
client> 1你好 我是client,你收到了么?
client> bye
v06-chat-server: 127.0.0.1:PORT left" "$(transcript "$SERVER_OUT")" "server stdout"
    expect_equal "v07-chat-client: connected to 127.0.0.1:$SERVER_PORT
server> 你好 client, I read you
server> 我已经收到了" "$(cat "$CLIENT_OUT")" "client stdout"
    expect_equal "" "$(cat "$SERVER_ERR" "$CLIENT_ERR")" "stderr of both"
    expect_doc_sample v06-chat-session "$(cat "$SERVER_OUT")"
    expect_doc_sample v07-chat-session "$(cat "$CLIENT_OUT")"
}

@test "v06 with v07: the server's Ctrl-D ends the chat; its last line, without a newline, still arrives" {
    start_chat_server v06-chat-server 127.0.0.1 0
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"
    say_server $'one\ntwo\n'
    say_server 'three, with no newline'
    end_server_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "client exit status"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "server exit status"
    expect_equal "v07-chat-client: connected to 127.0.0.1:PORT
server> one
server> two
server> three, with no newline
v07-chat-client: 127.0.0.1:PORT left" "$(transcript "$CLIENT_OUT")" "client stdout"
    expect_doc_sample v07-server-left "$(cat "$CLIENT_OUT")"
    # The side that pressed Ctrl-D says nothing more: it knows it left.
    expect_equal "v06-chat-server: listening on 127.0.0.1:PORT
v06-chat-server: 127.0.0.1:PORT connected" "$(transcript "$SERVER_OUT")" "server stdout"
    expect_equal "" "$(cat "$SERVER_ERR" "$CLIENT_ERR")" "stderr of both"
}

@test "v06 with v07: a 10000-byte line each way arrives whole, on one line" {
    local from_client from_server
    from_client=$(long_text 10000)
    from_server=$(long_text 9000 | tr a-z A-Z)
    start_chat_server v06-chat-server 127.0.0.1 0
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"
    say_client "$from_client"$'\nshort\n'
    say_server "$from_server"$'\n'
    wait_for_line "$SERVER_OUT" '^client> short$' "$SERVER_PID"
    wait_for_line "$CLIENT_OUT" "${from_server: -20}\$" "$CLIENT_PID"
    end_client_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "client> $from_client" "$(sed -n 3p "$SERVER_OUT")" "the long line, as the server shows it"
    expect_equal "client> short" "$(sed -n 4p "$SERVER_OUT")"
    expect_equal "server> $from_server" "$(sed -n 2p "$CLIENT_OUT")" "the long line, as the client shows it"
    expect_equal 2 "$(wc -l <"$CLIENT_OUT")" "client stdout lines"
}

@test "v06 with bash's /dev/tcp: a line split over two writes prints once, three lines in one write print as three" {
    start_chat_server v06-chat-server 127.0.0.1 0
    connect_fd7
    printf 'hel' >&7
    wait_until_consumed "$SERVER_PORT" # the server has read "hel" on its own
    printf 'lo\n' >&7
    printf 'one\ntwo\nthree\n' >&7
    wait_for_line "$SERVER_OUT" '^client> three$' "$SERVER_PID"
    exec 7>&-
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "v06-chat-server: listening on 127.0.0.1:PORT
v06-chat-server: 127.0.0.1:PORT connected
client> hello
client> one
client> two
client> three
v06-chat-server: 127.0.0.1:PORT left" "$(transcript "$SERVER_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "v06 with bash's /dev/tcp: typed lines go out as exactly the bytes typed, UTF-8 and long lines included" {
    local long
    long=$(long_text 10000)
    start_chat_server v06-chat-server 127.0.0.1 0
    connect_fd7
    say_server $'你好\n'
    say_server "$long"$'\n'
    say_server $'end\n'
    local expected="你好"$'\n'"$long"$'\n'"end"$'\n'
    local size
    size=$(printf '%s' "$expected" | wc -c)
    expect_equal "$(hex_of "$expected")" "$(timeout 10 head -c "$size" <&7 | hex)" "bytes on the wire"
    exec 7>&-
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "v06-chat-server: 127.0.0.1:PORT left" "$(transcript "$SERVER_OUT" | tail -n 1)"
}

@test "v06 with bash's /dev/tcp: a received 10000-byte line and a last line without newline are printed whole" {
    local long
    long=$(long_text 10000)
    start_chat_server v06-chat-server 127.0.0.1 0
    connect_fd7
    printf '%s\n%s' "$long" "last words" >&7
    wait_until_consumed "$SERVER_PORT"
    exec 7>&-
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "client> $long" "$(sed -n 3p "$SERVER_OUT")"
    expect_equal "client> last words" "$(sed -n 4p "$SERVER_OUT")"
    expect_equal "v06-chat-server: 127.0.0.1:PORT left" "$(transcript "$SERVER_OUT" | sed -n 5p)"
}

@test "v06 with a file as the client's stdin: every line arrives, the last one without its newline too" {
    start_chat_server v06-chat-server 127.0.0.1 0
    printf 'line 1\nline 2\n第三行' >"$BATS_TEST_TMPDIR/lines.txt"
    run_lesson v07-chat-client 127.0.0.1 "$SERVER_PORT" <"$BATS_TEST_TMPDIR/lines.txt"
    expect_status 0
    expect_equal "v07-chat-client: connected to 127.0.0.1:$SERVER_PORT" "$output"
    expect_equal "" "$stderr"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "client> line 1
client> line 2
client> 第三行
v06-chat-server: 127.0.0.1:PORT left" "$(transcript "$SERVER_OUT" | tail -n +3)"
}

@test "v06 talks to one client only: a second one gets 'Connection refused' at once" {
    start_chat_server v06-chat-server 127.0.0.1 0
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"
    run_lesson v07-chat-client 127.0.0.1 "$SERVER_PORT" </dev/null
    expect_status 1
    expect_equal "v07-chat-client: connect 127.0.0.1:$SERVER_PORT: Connection refused" "$stderr"
    expect_doc_sample v06-second-client "$stderr"
    # The first chat goes on.
    say_client $'still here\n'
    wait_for_line "$SERVER_OUT" '^client> still here$' "$SERVER_PID"
}

@test "v06: SIGTERM during a chat prints 'stopped' and exits 0; the client says the server left, exit 0" {
    start_chat_server v06-chat-server 127.0.0.1 0
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"
    say_client $'are you there?\n'
    wait_for_line "$SERVER_OUT" '^client> are you there\?$' "$SERVER_PID"
    stop_server "$SERVER_PID" TERM
    expect_quick_stop
    expect_equal "v06-chat-server: stopped" "$(tail -n 1 "$SERVER_OUT")"
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "client exit status"
    expect_equal "v07-chat-client: 127.0.0.1:$SERVER_PORT left" "$(tail -n 1 "$CLIENT_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR" "$CLIENT_ERR")"
}

@test "v06: Ctrl-C (SIGINT) while it waits for a client prints 'stopped' and exits 0" {
    start_chat_server v06-chat-server 127.0.0.1 0
    stop_server "$SERVER_PID" INT
    expect_quick_stop
    expect_equal "v06-chat-server: listening on 127.0.0.1:PORT
v06-chat-server: stopped" "$(transcript "$SERVER_OUT")"
    expect_doc_sample v06-stopped "$(cat "$SERVER_OUT")"
}

@test "v06: a client that resets the connection: its last line is printed, then 'Connection reset by peer', exit 1" {
    start_chat_server v06-chat-server 127.0.0.1 0
    run timeout 10 "$WIRE_PEER" tcp-reset "$SERVER_PORT" $'last line\n'
    expect_equal "reset sent" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 1 "$EXIT_STATUS" "server exit status"
    expect_equal "client> last line" "$(sed -n 3p "$SERVER_OUT")"
    expect_equal "v06-chat-server: recv from 127.0.0.1:PORT: Connection reset by peer" "$(transcript "$SERVER_ERR")"
    expect_doc_sample v06-reset "$(cat "$SERVER_ERR")"
}

@test "v06 over IPv6 (::1) with v07" {
    has_ipv6_loopback || skip "no IPv6 loopback on this machine"
    start_chat_server v06-chat-server ::1 0
    expect_equal "v06-chat-server: listening on [::1]:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"
    start_chat_client v07-chat-client ::1 "$SERVER_PORT"
    say_client $'over v6\n'
    wait_for_line "$SERVER_OUT" '^client> over v6$' "$SERVER_PID"
    end_client_input
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "v06-chat-server: [::1]:PORT left" "$(transcript "$SERVER_OUT" | tail -n 1)"
}

@test "v06: a port already in use gives 'bind 127.0.0.1:PORT: Address already in use' and exit 1" {
    start_chat_server v06-chat-server 127.0.0.1 0
    run_lesson v06-chat-server 127.0.0.1 "$SERVER_PORT" </dev/null
    expect_status 1
    expect_equal "v06-chat-server: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
    expect_doc_sample v06-in-use "$stderr"
    expect_equal "" "$output"
}

@test "v06: a host that does not resolve gives getaddrinfo's message and exit 1, looked up in a private network namespace (no query leaves the machine)" {
    run_lesson_in_netns v06-chat-server nosuch.invalid 0 </dev/null
    expect_status 1
    [[ "$stderr" == "v06-chat-server: cannot resolve 'nosuch."*"' port 0: "?* ]] || { echo "stderr: $stderr" >&2; false; }
    expect_equal "" "$output"
}

@test "v06 with its stdin closed refuses to start (it would read its own socket as fd 0)" {
    # Run directly, not under valgrind (which takes fd 0 itself) nor under
    # `run` (which gives the command a pipe as stdin).
    status=0
    timeout 10 "$SOCKSTEP_BUILD/v06-chat-server" 127.0.0.1 0 <&- >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
    expect_equal 1 "$status" "exit status"
    expect_equal "v06-chat-server: standard input is closed: nothing to read the chat from" "$(cat "$BATS_TEST_TMPDIR/err")"
    expect_equal "" "$(cat "$BATS_TEST_TMPDIR/out")"
}

@test "v06: bad command lines give one usage line and exit 2; --help explains the chat" {
    expect_usage_error "usage: v06-chat-server [HOST [PORT]] (port 'abc' is not a number from 0 to 65535)" v06-chat-server 127.0.0.1 abc
    expect_doc_sample v06-usage "$stderr"
    expect_usage_error "usage: v06-chat-server [HOST [PORT]] (port '70000' is not a number from 0 to 65535)" v06-chat-server 127.0.0.1 70000
    expect_usage_error "usage: v06-chat-server [HOST [PORT]] (unknown option '-v')" v06-chat-server -v
    expect_usage_error "usage: v06-chat-server [HOST [PORT]] (too many arguments)" v06-chat-server 127.0.0.1 1914 x
    run_lesson v06-chat-server --help
    expect_status 0
    expect_equal "usage: v06-chat-server [HOST [PORT]]" "${lines[0]}"
    [[ "$output" == *'"client> LINE"'* ]] || { echo "help: $output" >&2; false; }
}

@test "v06: ONE signal stops it within 1 s, right after its address line or right after a received line (8 fresh servers)" {
    local i
    for i in 1 2 3 4; do
        start_chat_server v06-chat-server 127.0.0.1 0
        stop_server "$SERVER_PID" TERM
        expect_quick_stop
        start_chat_server v06-chat-server 127.0.0.1 0
        connect_fd7
        printf 'line %s\n' "$i" >&7
        wait_for_line "$SERVER_OUT" "^client> line $i\$" "$SERVER_PID"
        stop_server "$SERVER_PID" INT
        expect_quick_stop
        exec 7>&-
        expect_equal "client> line $i
v06-chat-server: stopped" "$(tail -n 2 "$SERVER_OUT")"
        exec 5>&-
    done
}

@test "v06 shows received control characters in caret notation too (the same loop as v07)" {
    start_chat_server v06-chat-server 127.0.0.1 0
    connect_fd7
    printf 'bell\007 esc\033]0;title\007 cr\r\n' >&7
    wait_for_line "$SERVER_OUT" '^client> bell' "$SERVER_PID"
    exec 7>&-
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "client> bell^G esc^[]0;title^G cr^M" "$(sed -n 3p "$SERVER_OUT")"
}

@test "memcheck: v06 with v07, lines both ways, a long line, control characters, Ctrl-D; a reset; a port in use; ONE SIGTERM: no leaks, no leaked descriptors" {
    MEMCHECK=v06-chat-server
    local long
    long=$(long_text 5000)
    start_chat_server v06-chat-server 127.0.0.1 0
    run_lesson v06-chat-server 127.0.0.1 "$SERVER_PORT" </dev/null
    expect_status 1
    start_chat_client v07-chat-client 127.0.0.1 "$SERVER_PORT"
    wait_for_line "$SERVER_OUT" ' connected$' "$SERVER_PID"
    say_client "$long"$'\n'$'esc \e\n'
    wait_for_line "$SERVER_OUT" '^client> esc \^\[$' "$SERVER_PID"
    say_server $'你好\n'
    wait_for_line "$CLIENT_OUT" '^server> 你好$' "$CLIENT_PID"
    say_client 'no newline'
    end_client_input
    wait_for_exit "$CLIENT_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "client exit status"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "server exit status"
    expect_equal "client> no newline" "$(sed -n 5p "$SERVER_OUT")"
    exec 5>&-

    start_chat_server v06-chat-server 127.0.0.1 0
    run timeout 20 "$WIRE_PEER" tcp-reset "$SERVER_PORT" $'last line\n'
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 1 "$EXIT_STATUS" "server exit status after a reset"
    exec 5>&-

    start_chat_server v06-chat-server 127.0.0.1 0
    stop_server "$SERVER_PID" TERM
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "v06-chat-server: stopped" "$(tail -n 1 "$SERVER_OUT")"
    # teardown fails the test on any valgrind finding
}
