#!/usr/bin/env bats
# Lesson v02-udp-client: against an independent peer (tests/peers/wire-peer.c),
# so what the client puts on the wire is checked byte for byte.
load helpers
load netns

@test "v02 sends the tutorial's greeting as UTF-8 bytes and prints the reply" {
    start_server wire-peer udp-server "$REPLY"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "$REPLY" "$output" "client stdout"
    expect_equal "" "$stderr" "client stderr"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "received $(hex_of "$GREETING")" "$(sed -n 2p "$SERVER_OUT")" "bytes on the wire"
}

@test "v02 sends MESSAGE exactly as given, UTF-8 included, and prints any reply text" {
    start_server wire-peer udp-server "pong ✓"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "ping 你好 ✓"
    expect_status 0
    expect_equal "pong ✓" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "received $(hex_of "ping 你好 ✓")" "$(sed -n 2p "$SERVER_OUT")"
}

@test "v02 with an empty MESSAGE sends an empty datagram (UDP allows it)" {
    start_server wire-peer udp-server ok
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" ""
    expect_status 0
    expect_equal ok "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "received " "$(sed -n 2p "$SERVER_OUT")"
}

@test "v02 gives up after 3 seconds when no reply comes, with a clear message and exit 1" {
    start_server wire-peer udp-silent
    SECONDS=0
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "v02-udp-client: no reply from 127.0.0.1:$SERVER_PORT within 3 seconds (is the server running?)" "$stderr"
    expect_equal "" "$output"
    [ "$SECONDS" -ge 2 ] && [ "$SECONDS" -le 20 ]
}

@test "v02: a reply longer than 500 bytes is reported as truncated, and 500 bytes are printed" {
    start_server wire-peer udp-server-size 700
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "$(printf 'r%.0s' {1..500})" "$output"
    expect_equal "v02-udp-client: reply is longer than 500 bytes: only the first 500 are kept" "$stderr"
}

@test "v02: a MESSAGE too big for one datagram gives 'send to ...: Message too long' and exit 1" {
    start_server wire-peer udp-silent
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "$(head -c 70000 /dev/zero | tr '\0' m)"
    expect_status 1
    expect_equal "v02-udp-client: send to 127.0.0.1:$SERVER_PORT: Message too long" "$stderr"
}

@test "v02: a host that does not resolve gives getaddrinfo's message and exit 1, looked up in a private network namespace (no query leaves the machine)" {
    run_lesson_in_netns v02-udp-client nosuch.invalid 1914
    expect_status 1
    [[ "$stderr" == "v02-udp-client: cannot resolve 'nosuch."*"' port 1914: "?* ]] || { echo "stderr: $stderr" >&2; false; }
}

@test "v02: bad command lines give one usage line and exit 2" {
    expect_usage_error "usage: v02-udp-client [HOST [PORT [MESSAGE]]] (port 'abc' is not a number from 1 to 65535)" v02-udp-client 127.0.0.1 abc
    expect_usage_error "usage: v02-udp-client [HOST [PORT [MESSAGE]]] (port '65536' is not a number from 1 to 65535)" v02-udp-client 127.0.0.1 65536
    # Port 0 is "any port" for a server's bind(); no server can be sent to there.
    expect_usage_error "usage: v02-udp-client [HOST [PORT [MESSAGE]]] (port '0' is not a number from 1 to 65535)" v02-udp-client 127.0.0.1 0
    expect_usage_error "usage: v02-udp-client [HOST [PORT [MESSAGE]]] (too many arguments)" v02-udp-client 127.0.0.1 1914 hi extra
}

@test "v02: -h prints the usage on stdout and exits 0" {
    run_lesson v02-udp-client -h
    expect_status 0
    expect_equal "usage: v02-udp-client [HOST [PORT [MESSAGE]]]" "${lines[0]}"
}

@test "v02 accepts a reply only from the server it sent to: a datagram from another port is ignored" {
    start_server wire-peer udp-stranger "$REPLY"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "$REPLY" "$output" "client stdout (the server's reply, not the stranger's)"
    expect_equal "" "$stderr" "client stderr"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "stranger sent" "$(sed -n 3p "$SERVER_OUT")" "the stranger's datagram was sent"
}

@test "v02 with no server on the port: 'recv from 127.0.0.1:PORT: Connection refused' at once, exit 1" {
    find_unused_port udp
    SECONDS=0
    run_lesson v02-udp-client 127.0.0.1 "$UNUSED_PORT"
    expect_status 1
    expect_equal "v02-udp-client: recv from 127.0.0.1:$UNUSED_PORT: Connection refused" "$stderr"
    expect_equal "" "$output"
    [ "$SECONDS" -lt 2 ] || { echo "took $SECONDS s: not at once" >&2; false; }
}

@test "memcheck: v02 with a reply, a stranger's datagram, no server and a bad port: no leaks, no leaked descriptors" {
    MEMCHECK=1
    start_server wire-peer udp-stranger "$REPLY"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "你好"
    expect_status 0
    expect_equal "$REPLY" "$output"
    find_unused_port udp
    run_lesson v02-udp-client 127.0.0.1 "$UNUSED_PORT"
    expect_status 1
    expect_equal "v02-udp-client: recv from 127.0.0.1:$UNUSED_PORT: Connection refused" "$stderr"
    run_lesson v02-udp-client 127.0.0.1 0
    expect_status 2
    # teardown fails the test on any valgrind finding
}
