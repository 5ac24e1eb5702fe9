#!/usr/bin/env bats
# Lesson v12-tcp-server-pool: v04's exchange, served by a fixed pool of worker threads.
load helpers
load netns
load exchange_helpers

SERVER=v12-tcp-server-pool

@test "v12 with v05: all 100 messages printed in order by the server, all 100 replies by the client" {
    exchange_with_v05
}

@test "v12 with bash's /dev/tcp: the reply is the 18 bytes of 我已经收到了, then the connection closes" {
    exchange_with_dev_tcp
}

@test "v12 with 2 workers: 1 idle client blocks nobody; 2 block the next client, who is served when one leaves" {
    start_server $SERVER 127.0.0.1 0 2
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle1.out"
    local idle1=$IDLE_PID
    wait_until_accepted "$SERVER_PORT"

    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_equal "$REPLY
$REPLY
$REPLY" "$output" "v05's replies, with one of two workers tied up"
    expect_doc_sample v12-client "$output"

    # A second idle client takes the other worker: now all are busy.
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle2.out"
    wait_until_accepted "$SERVER_PORT" 2
    timeout 20 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf waiting >&5; cat <&5' _ "$SERVER_PORT" \
        >"$BATS_TEST_TMPDIR/waiting.out" 2>&1 3>&- &
    local waiting=$!
    # Nobody accepts it: it stays in the listen queue (ss shows it as Recv-Q 1).
    local tries=$((READY_SECONDS * 20))
    while [ "$(accept_queue "$SERVER_PORT")" != 1 ] && ((tries-- > 0)); do sleep 0.05; done
    expect_equal 1 "$(accept_queue "$SERVER_PORT")" "connections waiting in the accept queue"
    expect_equal "" "$(cat "$BATS_TEST_TMPDIR/waiting.out")" "no reply while both workers are busy"

    # The first idle client leaves: its worker is free and takes the next one.
    kill "$idle1"
    wait_for_exit "$waiting" 10
    expect_equal 0 "$EXIT_STATUS"
    expect_equal "$REPLY" "$(cat "$BATS_TEST_TMPDIR/waiting.out")" "the waiting client's reply"
    stop_server
    expect_quick_stop
    wait_for_exit "$IDLE_PID" 5
    expect_equal closed "$(cat "$BATS_TEST_TMPDIR/idle2.out")" "the second idle client saw the connection close at the stop"
    expect_equal waiting "$(sed -n '$!p' "$SERVER_OUT" | tail -n 1)"
}

@test "v12: the pool does not grow: 3 workers and main are 4 threads, before and after 50 clients" {
    start_server $SERVER 127.0.0.1 0 3
    expect_equal 4 "$(threads_of "$SERVER_PID")" "threads at the start"
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 50
    expect_status 0
    expect_equal 50 "${#lines[@]}"
    expect_equal 4 "$(threads_of "$SERVER_PID")" "threads after 50 clients"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
}

@test "v12: 40 clients at once, 450 bytes each: every line printed whole, none mixed with another" {
    exchange_lines_stay_whole
}

@test "v12: one SIGINT (Ctrl-C) stops it within 1 s with exit 0, during a run of clients" {
    exchange_sigint_during_clients
}

@test "v12 survives a client that sends nothing and clients that reset, and serves the next one" {
    exchange_survives_silent_and_reset
}

@test "v12: a port in use, an unknown host, bad command lines" {
    start_server $SERVER 127.0.0.1 0
    run_lesson $SERVER 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "$SERVER: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
    expect_equal "" "$output"
    run_lesson_in_netns $SERVER nosuch.invalid 0
    expect_status 1
    [[ "$stderr" == "$SERVER: cannot resolve 'nosuch."*"' port 0: "?* ]] || { echo "stderr: $stderr" >&2; false; }
    expect_usage_error "usage: $SERVER [HOST [PORT [WORKERS]]] (port 'abc' is not a number from 0 to 65535)" $SERVER 127.0.0.1 abc
    expect_usage_error "usage: $SERVER [HOST [PORT [WORKERS]]] (workers '0' is not a number from 1 to 1000)" $SERVER 127.0.0.1 0 0
    expect_usage_error "usage: $SERVER [HOST [PORT [WORKERS]]] (too many arguments)" $SERVER 127.0.0.1 1914 4 x
}

@test "v12 doc sample: three v05 clients, then Ctrl-C" {
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    stop_server "$SERVER_PID" INT
    expect_doc_sample v12-server "$(cat "$SERVER_OUT")"
}

@test "memcheck: v12 and its workers (served, silent, reset, idle at the stop): no leaks, no leaked descriptors" {
    MEMCHECK=v12-tcp-server-pool
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 2
    expect_status 0
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; exec 5>&-' _ "$SERVER_PORT"
    wait_for_line "$SERVER_ERR" "without sending anything" "$SERVER_PID"
    run timeout 10 "$WIRE_PEER" tcp-reset "$SERVER_PORT" "reset"
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle.out"
    wait_until_accepted "$SERVER_PORT"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    wait_for_exit "$IDLE_PID" 10
    expect_equal closed "$(cat "$BATS_TEST_TMPDIR/idle.out")"
    expect_equal "$SERVER: stopped" "$(tail -n 1 "$SERVER_OUT")"
}
