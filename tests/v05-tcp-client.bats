#!/usr/bin/env bats
# Lesson v05-tcp-client: against an independent peer that behaves like the
# tutorial's Python server (one recv(500), reply, close), so every byte the
# client sends is checked.
load helpers
load netns

@test "v05 sends '<a>你好 我是client,你收到了么?' for a = 0, 1, 2 on three connections and prints each reply" {
    start_server wire-peer tcp-server 3 "$REPLY"
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_equal "$REPLY
$REPLY
$REPLY" "$output"
    expect_equal "" "$stderr"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "received $(hex_of "0$GREETING")
received $(hex_of "1$GREETING")
received $(hex_of "2$GREETING")" "$(tail -n +2 "$SERVER_OUT")" "bytes on the wire"
}

@test "v05 without COUNT makes the tutorial's 100 exchanges, the last one a = 99" {
    start_server wire-peer tcp-server 100 "ok"
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal 100 "${#lines[@]}"
    expect_equal "$(for a in {0..99}; do echo ok; done)" "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "received $(hex_of "99$GREETING")" "$(tail -n 1 "$SERVER_OUT")"
}

@test "v05 with COUNT 0 connects to nobody and exits 0" {
    run_lesson v05-tcp-client 127.0.0.1 1914 0
    expect_status 0
    expect_equal "" "$output$stderr"
}

@test "v05: no server gives 'connect 127.0.0.1:PORT: Connection refused' and exit 1" {
    find_unused_port tcp
    run_lesson v05-tcp-client 127.0.0.1 "$UNUSED_PORT" 1
    expect_status 1
    expect_equal "v05-tcp-client: connect 127.0.0.1:$UNUSED_PORT: Connection refused" "$stderr"
}

# Both time limits take 3 s, so one test waits for both side by side.
@test "v05 never waits for ever: a server that never replies gives a timeout error after 3 s; a host that never answers gives 'Connection timed out' after 3 s" {
    # In the background: a private network namespace with a link whose other
    # end is down: the SYN to 192.0.2.2 goes nowhere, as with a firewall
    # that drops packets.
    local timeout_pid=
    local private=()
    if unshare -n true 2>/dev/null; then
        private=(unshare -n)
    elif unshare -rn true 2>/dev/null; then
        private=(unshare -rn) # an ordinary user: a user namespace too
    fi
    if [ ${#private[@]} -gt 0 ]; then
        lesson_command v05-tcp-client 192.0.2.2 1914 1
        "${private[@]}" bash -c '
            ip link set lo up && ip link add v0 type veth peer name v1 &&
            ip addr add 192.0.2.1/24 dev v0 && ip link set v0 up || exit 97
            exec "$@"' _ "${LESSON_COMMAND[@]}" </dev/null >"$BATS_TEST_TMPDIR/timeout.out" 2>"$BATS_TEST_TMPDIR/timeout.err" 3>&- &
        timeout_pid=$!
        STARTED_PIDS+=("$timeout_pid")
    fi

    start_server wire-peer tcp-silent
    SECONDS=0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 1
    expect_equal "v05-tcp-client: no reply from 127.0.0.1:$SERVER_PORT within 3 seconds" "$stderr"
    [ "$SECONDS" -ge 2 ]
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal "client closed" "$(tail -n 1 "$SERVER_OUT")"

    [ -n "$timeout_pid" ] || skip "cannot create a network namespace here (unshare -n and unshare -rn refused), so the connect time-out part cannot run"
    wait_for_exit "$timeout_pid" 30
    [ "$EXIT_STATUS" -ne 97 ] || skip "no veth links in network namespaces here"
    expect_equal 1 "$EXIT_STATUS" "silent host: exit status"
    expect_equal "v05-tcp-client: connect 192.0.2.2:1914: Connection timed out" "$(cat "$BATS_TEST_TMPDIR/timeout.err")"
    [ "$SECONDS" -ge 2 ]
}



@test "v05: a server that closes without replying gives a clear error and exit 1" {
    start_server wire-peer tcp-close
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 1
    expect_equal "v05-tcp-client: 127.0.0.1:$SERVER_PORT closed the connection without replying" "$stderr"
}

@test "v05: a host that does not resolve gives getaddrinfo's message and exit 1, looked up in a private network namespace (no query leaves the machine)" {
    run_lesson_in_netns v05-tcp-client nosuch.invalid
    expect_status 1
    [[ "$stderr" == "v05-tcp-client: cannot resolve 'nosuch."*"' port 1914: "?* ]] || { echo "stderr: $stderr" >&2; false; }
}

@test "v05: bad command lines give one usage line and exit 2" {
    expect_usage_error "usage: v05-tcp-client [HOST [PORT [COUNT]]] (port 'abc' is not a number from 0 to 65535)" v05-tcp-client 127.0.0.1 abc
    expect_usage_error "usage: v05-tcp-client [HOST [PORT [COUNT]]] (count 'many' is not a number from 0 to 1000000)" v05-tcp-client 127.0.0.1 1914 many
    expect_usage_error "usage: v05-tcp-client [HOST [PORT [COUNT]]] (unknown option '-1')" v05-tcp-client 127.0.0.1 1914 -1
    expect_usage_error "usage: v05-tcp-client [HOST [PORT [COUNT]]] (too many arguments)" v05-tcp-client 127.0.0.1 1914 1 x
}

@test "memcheck: v05 with two exchanges, a server that closes without replying, no server and a bad COUNT: no leaks, no leaked descriptors" {
    MEMCHECK=1
    start_server wire-peer tcp-server 2 "$REPLY"
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 2
    expect_status 0
    expect_equal "$REPLY
$REPLY" "$output"
    start_server wire-peer tcp-close
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 1
    expect_equal "v05-tcp-client: 127.0.0.1:$SERVER_PORT closed the connection without replying" "$stderr"
    find_unused_port tcp
    run_lesson v05-tcp-client 127.0.0.1 "$UNUSED_PORT" 1
    expect_status 1
    run_lesson v05-tcp-client 127.0.0.1 1914 many
    expect_status 2
    # teardown fails the test on any valgrind finding
}
