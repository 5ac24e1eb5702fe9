#!/usr/bin/env bats
# Lesson v01-udp-server: one datagram in, one reply out, then exit 0.
load helpers
load netns

@test "v01 with v02: the server prints the greeting, the client prints the reply, both exit 0" {
    start_server v01-udp-server 127.0.0.1 0
    expect_equal "v01-udp-server: waiting for one datagram on 127.0.0.1:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"

    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "$REPLY" "$output" "client stdout"
    expect_equal "" "$stderr" "client stderr"

    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "server exit status"
    expect_equal "$GREETING" "$(sed -n 2p "$SERVER_OUT")" "server's second line"
    expect_equal 2 "$(wc -l <"$SERVER_OUT")" "server line count"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "v01 with bash's /dev/udp: the reply is exactly the 18 UTF-8 bytes of 我已经收到了" {
    start_server v01-udp-server 127.0.0.1 0
    # bash sends "hello" in one datagram; dd reads exactly one datagram back.
    run timeout 10 bash -c 'exec 5<>"/dev/udp/127.0.0.1/$1"; printf hello >&5; dd bs=1000 count=1 status=none <&5 | od -An -v -tx1 | tr -d " \n"' _ "$SERVER_PORT"
    expect_status 0
    expect_equal "$(hex_of "$REPLY")" "$output" "reply bytes"
    expect_equal e68891e5b7b2e7bb8fe694b6e588b0e4ba86 "$output" "reply bytes"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal hello "$(sed -n 2p "$SERVER_OUT")"
}

@test "v01: a datagram longer than 500 bytes is reported as truncated, and the first 500 are printed" {
    start_server v01-udp-server 127.0.0.1 0
    run timeout 10 "$WIRE_PEER" udp-send "$SERVER_PORT" x 600
    expect_status 0
    expect_equal "reply $(hex_of "$REPLY")" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "$(printf 'x%.0s' {1..500})" "$(sed -n 2p "$SERVER_OUT")" "the 500 bytes kept"
    expect_equal "v01-udp-server: datagram from 127.0.0.1:PORT is longer than 500 bytes: only the first 500 are kept" \
        "$(normalize_ports <"$SERVER_ERR")" "server stderr"
}

@test "v01 over IPv6: bound to ::1, the address line shows [::1]:PORT and v02 gets its reply" {
    has_ipv6_loopback || skip "no IPv6 loopback on this machine"
    start_server v01-udp-server ::1 0
    expect_equal "v01-udp-server: waiting for one datagram on [::1]:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"
    run_lesson v02-udp-client ::1 "$SERVER_PORT" "over IPv6"
    expect_status 0
    expect_equal "$REPLY" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "over IPv6" "$(sed -n 2p "$SERVER_OUT")"
}

@test "v01: a port already in use gives 'bind 127.0.0.1:PORT: Address already in use' and exit 1" {
    start_server v01-udp-server 127.0.0.1 0
    run_lesson v01-udp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "v01-udp-server: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
    expect_equal "" "$output"
}

@test "v01: a host that does not resolve gives getaddrinfo's message and exit 1, looked up in a private network namespace (no query leaves the machine)" {
    run_lesson_in_netns v01-udp-server nosuch.invalid 0
    expect_status 1
    [[ "$stderr" == "v01-udp-server: cannot resolve 'nosuch."*"' port 0: "?* ]] || { echo "stderr: $stderr" >&2; false; }
    expect_equal 1 "$(wc -l <<<"$stderr")"
}

@test "v01: bad command lines give one usage line and exit 2" {
    expect_usage_error "usage: v01-udp-server [HOST [PORT]] (port 'abc' is not a number from 0 to 65535)" v01-udp-server 127.0.0.1 abc
    expect_usage_error "usage: v01-udp-server [HOST [PORT]] (port '70000' is not a number from 0 to 65535)" v01-udp-server 127.0.0.1 70000
    expect_usage_error "usage: v01-udp-server [HOST [PORT]] (too many arguments)" v01-udp-server 127.0.0.1 0 extra
    expect_usage_error "usage: v01-udp-server [HOST [PORT]] (unknown option '-x')" v01-udp-server -x
}

@test "v01: --help prints the usage on stdout and exits 0" {
    run_lesson v01-udp-server --help
    expect_status 0
    expect_equal "usage: v01-udp-server [HOST [PORT]]" "${lines[0]}"
    expect_equal "" "$stderr"
}

@test "memcheck: v01 with v02, an oversized datagram, a port in use and a bad port: no leaks, no leaked descriptors" {
    MEMCHECK=v01-udp-server
    start_server v01-udp-server 127.0.0.1 0
    run_lesson v01-udp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "v01-udp-server: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "$REPLY" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"

    start_server v01-udp-server 127.0.0.1 0
    run timeout 20 "$WIRE_PEER" udp-send "$SERVER_PORT" x 600
    expect_equal "reply $(hex_of "$REPLY")" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"

    run_lesson v01-udp-server 127.0.0.1 abc
    expect_status 2
    # teardown fails the test on any valgrind finding
}
