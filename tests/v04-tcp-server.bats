#!/usr/bin/env bats
# Lesson v04-tcp-server: one client at a time, recv(500), reply, close; for ever.
load helpers
load netns

# Sends TEXT over bash's /dev/tcp, then prints the reply's bytes in hex
# (the server closes the connection after replying, so cat ends).
tcp_exchange() { # PORT TEXT
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "%s" "$2" >&5; cat <&5 | od -An -v -tx1 | tr -d " \n"' _ "$1" "$2"
}

@test "v04 with v05: all 100 messages printed in order by the server, all 100 replies by the client" {
    start_server v04-tcp-server 127.0.0.1 0
    expect_equal "v04-tcp-server: listening on 127.0.0.1:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"

    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "" "$stderr" "client stderr"
    expect_equal "$(for a in {0..99}; do echo "$REPLY"; done)" "$output" "client stdout"

    stop_server
    expect_equal 0 "$SERVER_STATUS" "server exit status"
    expect_equal "$(for a in {0..99}; do echo "$a$GREETING"; done)" "$(sed -n '2,101p' "$SERVER_OUT")" "server stdout"
    expect_equal "v04-tcp-server: stopped" "$(sed -n '102,$p' "$SERVER_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "v04 with bash's /dev/tcp: the reply is the 18 bytes of 我已经收到了, then the server closes" {
    start_server v04-tcp-server 127.0.0.1 0
    run tcp_exchange "$SERVER_PORT" "hello from bash"
    expect_status 0
    expect_equal e68891e5b7b2e7bb8fe694b6e588b0e4ba86 "$output" "reply bytes"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "hello from bash" "$(sed -n 2p "$SERVER_OUT")"
}

@test "v04 survives a client that connects and sends nothing, and serves the next one" {
    start_server v04-tcp-server 127.0.0.1 0
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; exec 5>&-' _ "$SERVER_PORT"
    wait_for_line "$SERVER_ERR" "without sending anything" "$SERVER_PID"
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 0
    expect_equal "$REPLY" "$output"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "v04-tcp-server: 127.0.0.1:PORT closed the connection without sending anything" "$(normalize_ports <"$SERVER_ERR")"
    expect_equal "0$GREETING" "$(sed -n 2p "$SERVER_OUT")"
}

@test "v04 reads only the first 500 bytes of a longer message, as the tutorial does, and keeps serving" {
    start_server v04-tcp-server 127.0.0.1 0
    local long
    long=$(printf '%.0s0123456789' {1..100}) # 1000 bytes
    # The reply may be lost here: closing a socket with unread data sends RST.
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "%s" "$2" >&5; cat <&5 >/dev/null 2>&1; true' _ "$SERVER_PORT" "$long"
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 0
    expect_equal "$REPLY" "$output"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "${long:0:500}" "$(sed -n 2p "$SERVER_OUT")" "the first 500 bytes"
    expect_equal "0$GREETING" "$(sed -n 3p "$SERVER_OUT")"
}

@test "v04 survives clients that reset the connection (no SIGPIPE death), and serves the next one" {
    start_server v04-tcp-server 127.0.0.1 0
    local i
    for i in 1 2 3 4 5; do
        run timeout 10 "$WIRE_PEER" tcp-reset "$SERVER_PORT" "reset $i"
        expect_equal "reset sent" "$output"
    done
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 2
    expect_status 0
    expect_equal "$REPLY
$REPLY" "$output"
    stop_server
    expect_equal 0 "$SERVER_STATUS" "server exit status (not killed by SIGPIPE)"
    expect_equal "0$GREETING" "$(tail -n 3 "$SERVER_OUT" | head -n 1)"
}

@test "v04: Ctrl-C (SIGINT) stops it with exit 0" {
    start_server v04-tcp-server 127.0.0.1 0
    stop_server "$SERVER_PID" INT
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "v04-tcp-server: stopped" "$(tail -n 1 "$SERVER_OUT")"
}

@test "v04 over IPv6 (::1) with v05" {
    has_ipv6_loopback || skip "no IPv6 loopback on this machine"
    start_server v04-tcp-server ::1 0
    expect_equal "v04-tcp-server: listening on [::1]:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"
    run_lesson v05-tcp-client ::1 "$SERVER_PORT" 2
    expect_status 0
    expect_equal "$REPLY
$REPLY" "$output"
}

@test "v04: a port already in use gives 'bind 127.0.0.1:PORT: Address already in use' and exit 1" {
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v04-tcp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "v04-tcp-server: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
    expect_equal "" "$output"
}

@test "v04: a host that does not resolve gives getaddrinfo's message and exit 1, looked up in a private network namespace (no query leaves the machine)" {
    run_lesson_in_netns v04-tcp-server nosuch.invalid 0
    expect_status 1
    [[ "$stderr" == "v04-tcp-server: cannot resolve 'nosuch."*"' port 0: "?* ]] || { echo "stderr: $stderr" >&2; false; }
}

@test "v04: bad command lines give one usage line and exit 2" {
    expect_usage_error "usage: v04-tcp-server [HOST [PORT]] (port 'abc' is not a number from 0 to 65535)" v04-tcp-server 127.0.0.1 abc
    expect_usage_error "usage: v04-tcp-server [HOST [PORT]] (port '70000' is not a number from 0 to 65535)" v04-tcp-server 127.0.0.1 70000
    expect_usage_error "usage: v04-tcp-server [HOST [PORT]] (too many arguments)" v04-tcp-server 127.0.0.1 1914 x
}

@test "v04: ONE signal stops it within 1 s, also right after its address line or right after a reply (10 fresh servers)" {
    local i
    for i in 1 2 3 4 5; do
        start_server v04-tcp-server 127.0.0.1 0
        stop_server "$SERVER_PID" TERM
        expect_quick_stop
        start_server v04-tcp-server 127.0.0.1 0
        run tcp_exchange "$SERVER_PORT" "ping $i"
        expect_equal "$(hex_of "$REPLY")" "$output" "reply $i"
        stop_server "$SERVER_PID" INT
        expect_quick_stop
        expect_equal "ping $i
v04-tcp-server: stopped" "$(tail -n +2 "$SERVER_OUT")"
    done
}

@test "v04: ONE signal stops it within 1 s while a connected client sends nothing (it is not stuck in recv)" {
    start_server v04-tcp-server 127.0.0.1 0
    exec 7<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    # Wait until the server has accepted it: its listening socket's accept
    # queue (Recv-Q in ss) is empty again. It now waits for our first byte.
    local tries=$((READY_SECONDS * 20))
    until [ "$(ss -Hltn "( sport = :$SERVER_PORT )" | awk '{ print $2 }')" = 0 ]; do
        ((tries-- > 0)) || { echo "the server never accepted the connection" >&2; return 1; }
        sleep 0.05
    done
    stop_server "$SERVER_PID" TERM
    exec 7>&-
    expect_quick_stop
    expect_equal "v04-tcp-server: stopped" "$(tail -n 1 "$SERVER_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "memcheck: v04 with v05, a silent client, a reset, a port in use, then ONE SIGTERM: no leaks, no leaked descriptors" {
    MEMCHECK=v04-tcp-server
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_equal "$REPLY
$REPLY
$REPLY" "$output"
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; exec 5>&-' _ "$SERVER_PORT"
    wait_for_line "$SERVER_ERR" "without sending anything" "$SERVER_PID"
    run timeout 20 "$WIRE_PEER" tcp-reset "$SERVER_PORT" "reset"
    expect_equal "reset sent" "$output"
    run_lesson v04-tcp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 0
    stop_server "$SERVER_PID" TERM
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "v04-tcp-server: stopped" "$(tail -n 1 "$SERVER_OUT")"
    # teardown fails the test on any valgrind finding
}
