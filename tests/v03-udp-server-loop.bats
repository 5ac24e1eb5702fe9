#!/usr/bin/env bats
# Lesson v03-udp-server-loop: serves datagram after datagram until a signal.
load helpers

@test "v03 answers several v02 clients in turn, then SIGTERM stops it with exit 0" {
    start_server v03-udp-server-loop 127.0.0.1 0
    expect_equal "v03-udp-server-loop: waiting for datagrams on 127.0.0.1:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"
    local message
    for message in "$GREETING" "second 第二" "third"; do
        run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "$message"
        expect_status 0
        expect_equal "$REPLY" "$output" "reply to '$message'"
    done
    stop_server
    expect_equal 0 "$SERVER_STATUS" "server exit status"
    expect_equal "v03-udp-server-loop: waiting for datagrams on 127.0.0.1:$SERVER_PORT
$GREETING
second 第二
third
v03-udp-server-loop: stopped" "$(cat "$SERVER_OUT")" "server stdout"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "v03: Ctrl-C (SIGINT) stops it cleanly too" {
    start_server v03-udp-server-loop 127.0.0.1 0
    stop_server "$SERVER_PID" INT
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "v03-udp-server-loop: stopped" "$(tail -n 1 "$SERVER_OUT")"
}

@test "v03 with bash's /dev/udp: two datagrams from one socket get two replies, and an empty one is printed as an empty line" {
    start_server v03-udp-server-loop 127.0.0.1 0
    run timeout 10 bash -c '
        exec 5<>"/dev/udp/127.0.0.1/$1"
        printf one >&5;  dd bs=1000 count=1 status=none <&5 | od -An -v -tx1 | tr -d " \n"; echo
        printf two >&5;  dd bs=1000 count=1 status=none <&5 | od -An -v -tx1 | tr -d " \n"; echo' _ "$SERVER_PORT"
    expect_status 0
    expect_equal "$(hex_of "$REPLY")
$(hex_of "$REPLY")" "$output"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" ""
    expect_status 0
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "one
two

v03-udp-server-loop: stopped" "$(tail -n +2 "$SERVER_OUT")"
}

@test "v03: an oversized datagram is reported and the server keeps serving" {
    start_server v03-udp-server-loop 127.0.0.1 0
    run timeout 10 "$WIRE_PEER" udp-send "$SERVER_PORT" ab 400
    expect_equal "reply $(hex_of "$REPLY")" "$output"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" after
    expect_status 0
    expect_equal "$REPLY" "$output"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "$(printf 'ab%.0s' {1..250})" "$(sed -n 2p "$SERVER_OUT")"
    expect_equal after "$(sed -n 3p "$SERVER_OUT")"
    expect_equal "v03-udp-server-loop: datagram from 127.0.0.1:PORT is longer than 500 bytes: only the first 500 are kept" \
        "$(normalize_ports <"$SERVER_ERR")"
}

@test "v03: a port already in use gives 'bind ...: Address already in use' and exit 1" {
    start_server v03-udp-server-loop 127.0.0.1 0
    run_lesson v03-udp-server-loop 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "v03-udp-server-loop: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
}

@test "v03: bad command lines give one usage line and exit 2" {
    expect_usage_error "usage: v03-udp-server-loop [HOST [PORT]] (port '' is not a number from 0 to 65535)" v03-udp-server-loop 127.0.0.1 ""
    expect_usage_error "usage: v03-udp-server-loop [HOST [PORT]] (port '1e3' is not a number from 0 to 65535)" v03-udp-server-loop 127.0.0.1 1e3
    expect_usage_error "usage: v03-udp-server-loop [HOST [PORT]] (too many arguments)" v03-udp-server-loop a 1 2
}

@test "v03: ONE signal stops it within 1 s, also sent right after its address line or right after a reply (12 fresh servers)" {
    # Each moment is one where a server that checks a flag and then blocks in
    # recvfrom() can miss the signal: it was about to start waiting.
    local i
    for i in 1 2 3 4 5 6; do
        start_server v03-udp-server-loop 127.0.0.1 0
        stop_server "$SERVER_PID" TERM
        expect_quick_stop
        start_server v03-udp-server-loop 127.0.0.1 0
        run timeout 10 "$WIRE_PEER" udp-send "$SERVER_PORT" "ping $i"
        expect_equal "reply $(hex_of "$REPLY")" "$output" "reply $i"
        stop_server "$SERVER_PID" INT
        expect_quick_stop
        expect_equal "ping $i
v03-udp-server-loop: stopped" "$(tail -n +2 "$SERVER_OUT")"
    done
}

@test "memcheck: v03 serving two clients and an oversized datagram, a port in use, then ONE SIGTERM: no leaks, no leaked descriptors" {
    MEMCHECK=v03-udp-server-loop
    start_server v03-udp-server-loop 127.0.0.1 0
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" one
    expect_status 0
    run timeout 20 "$WIRE_PEER" udp-send "$SERVER_PORT" ab 400
    expect_equal "reply $(hex_of "$REPLY")" "$output"
    run_lesson v03-udp-server-loop 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    stop_server "$SERVER_PID" TERM
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "v03-udp-server-loop: stopped" "$(tail -n 1 "$SERVER_OUT")"
    # teardown fails the test on any valgrind finding
}
