#!/usr/bin/env bats
# The load generator behind `make bench` (bench/loadgen.c), on tiny loads with
# exact counts. This is a functional check, not a timing test: `make bench`
# never runs in `make test`.
load helpers

LOADGEN=$SOCKSTEP_BUILD/bench/loadgen

# result_field NAME: the value of NAME= on the loadgen's result: line.
result_field() {
    sed -nE "s/^result: .*\\b$1=([^ ]*).*/\\1/p" <<<"$output"
}

# wait_for_count N REGEX FILE: waits (with a deadline) until N lines match.
wait_for_count() {
    local tries=$((READY_SECONDS * 20))
    while [ "$(grep -cE -- "$2" "$3")" != "$1" ] && ((tries-- > 0)); do
        sleep 0.05
    done
    expect_equal "$1" "$(grep -cE -- "$2" "$3")" "lines matching /$2/ in $3"
}

@test "loadgen room: 3 clients, 2 senders x 2 lines: all 8 deliveries, nothing lost, against v08 and v09" {
    local room
    for room in v08-chat-room v09-chat-room-epoll; do
        start_server "$room" 127.0.0.1 0
        run --separate-stderr timeout 60 "$LOADGEN" room 127.0.0.1 "$SERVER_PORT" 3 2 2 1 30
        wait_for_count 3 ' left( \(.*\))?$' "$SERVER_OUT"
        expect_status 0
        expect_equal "loadgen: room 127.0.0.1:$SERVER_PORT: 3 clients, 2 of them send 2 lines each (at most 1 in flight), each line goes to the 2 others" "$(grep '^loadgen: room ' <<<"$output")"
        expect_equal "3 4 3 0 0 8 8 0 0 0 ok" "$(result_field clients) $(result_field lines) $(result_field connected) $(result_field failed) $(result_field dropped) $(result_field expected) $(result_field delivered) $(result_field lost) $(result_field disorder) $(result_field junk) $(result_field status)" "clients lines connected failed dropped expected delivered lost disorder junk status"
        expect_equal "" "$stderr"
        stop_server
        expect_equal 0 "$SERVER_STATUS"
        # The room saw three joins (and three leaves, above).
        expect_equal 3 "$(grep -c ' joined from ' "$SERVER_OUT")"
    done
}

@test "loadgen room against a server that is no room (v04): it reports the failure and stops by itself" {
    start_server v04-tcp-server 127.0.0.1 0
    run --separate-stderr timeout 30 "$LOADGEN" room 127.0.0.1 "$SERVER_PORT" 2 1 1 1 3
    expect_status 1
    expect_equal failed "$(result_field status)"
    expect_equal 0 "$(result_field delivered)"
    expect_equal 1 "$(result_field lost)"
    grep -q '^loadgen: FAILED: ' <<<"$output"
}

@test "loadgen exchange: 5 one-shot exchanges with v04, 3 at a time, all with the tutorial's reply" {
    start_server v04-tcp-server 127.0.0.1 0
    run --separate-stderr timeout 60 "$LOADGEN" exchange 127.0.0.1 "$SERVER_PORT" 3 5 30
    expect_status 0
    expect_equal "5 5 0 0 ok" "$(result_field total) $(result_field succeeded) $(result_field failed) $(result_field missing) $(result_field status)"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    # v04 printed the five greetings, 0 to 4, in some order.
    expect_equal "$(printf "%s$GREETING\n" 0 1 2 3 4)" "$(sed -n 2,6p "$SERVER_OUT" | sort -n)"
}

@test "loadgen exchange with nobody listening: every exchange fails, exit 1" {
    start_server v04-tcp-server 127.0.0.1 0
    local port=$SERVER_PORT
    stop_server
    run --separate-stderr timeout 30 "$LOADGEN" exchange 127.0.0.1 "$port" 2 4 5
    expect_status 1
    expect_equal "0 4 failed" "$(result_field succeeded) $(result_field failed) $(result_field status)"
}

@test "loadgen: usage errors exit 2 with one line" {
    run --separate-stderr timeout 10 "$LOADGEN" room 127.0.0.1 0 1 1 1
    expect_status 2
    expect_equal 1 "${#stderr_lines[@]}"
    expect_equal "usage: loadgen room HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]] | exchange HOST PORT CLIENTS TOTAL [SECONDS] | redis HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]] | idle HOST PORT CLIENTS SECONDS (a room needs at least 2 clients)" "$stderr"
    run --separate-stderr timeout 10 "$LOADGEN" idle 127.0.0.1 0 1
    expect_status 2
    expect_equal "usage: loadgen room HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]] | exchange HOST PORT CLIENTS TOTAL [SECONDS] | redis HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]] | idle HOST PORT CLIENTS SECONDS (wrong number of arguments for idle)" "$stderr"
    run --separate-stderr timeout 10 "$LOADGEN" dance
    expect_status 2
}

@test "loadgen idle: 3 connections that send nothing, held 1 s; v10 keeps a child waiting for each" {
    start_server v10-tcp-server-fork 127.0.0.1 0
    "$LOADGEN" idle 127.0.0.1 "$SERVER_PORT" 3 1 >"$BATS_TEST_TMPDIR/idle.out" 2>&1 3>&- &
    local idle=$!
    wait_for_line "$BATS_TEST_TMPDIR/idle.out" '^loadgen: idle: 3 connections open$' "$idle"
    local tries=100
    while [ "$(ps -o pid= --ppid "$SERVER_PID" | grep -c .)" != 3 ] && ((tries-- > 0)); do sleep 0.05; done
    expect_equal 3 "$(ps -o pid= --ppid "$SERVER_PID" | grep -c .)" "v10's children"
    wait_for_exit "$idle" 10
    expect_equal 0 "$EXIT_STATUS"
    output=$(cat "$BATS_TEST_TMPDIR/idle.out")
    expect_equal "3 0 0 ok" "$(result_field connected) $(result_field failed) $(result_field dropped) $(result_field status)"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
}

@test "loadgen idle: a server that closes the idle connections is reported (dropped), exit 1" {
    start_server v10-tcp-server-fork 127.0.0.1 0
    "$LOADGEN" idle 127.0.0.1 "$SERVER_PORT" 2 3 >"$BATS_TEST_TMPDIR/idle.out" 2>&1 3>&- &
    local idle=$!
    wait_for_line "$BATS_TEST_TMPDIR/idle.out" 'connections open$' "$idle"
    stop_server # its children close the idle connections at the stop
    wait_for_exit "$idle" 10
    expect_equal 1 "$EXIT_STATUS"
    output=$(cat "$BATS_TEST_TMPDIR/idle.out")
    expect_equal "0 2 failed" "$(result_field connected) $(result_field dropped) $(result_field status)"
}

@test "loadgen redis: 3 subscribers, 2 publishers x 2 lines on Redis pub/sub: all 8 deliveries, nothing lost" {
    command -v redis-server >/dev/null || skip "redis-server is not installed (apt-get install redis-server)"
    find_unused_port
    local port=$UNUSED_PORT
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --protected-mode no \
        --dir "$BATS_TEST_TMPDIR" --logfile "$BATS_TEST_TMPDIR/redis.log" </dev/null >/dev/null 2>&1 3>&- &
    local redis=$!
    STARTED_PIDS+=("$redis")
    local tries=$((READY_SECONDS * 20))
    while [ -z "$(ss -Hltn "sport = :$port")" ] && alive "$redis" && ((tries-- > 0)); do sleep 0.05; done
    run --separate-stderr timeout 60 "$LOADGEN" redis 127.0.0.1 "$port" 3 2 2 1 30
    expect_status 0
    expect_equal "loadgen: redis 127.0.0.1:$port: 3 clients, 2 of them send 2 lines each (at most 1 in flight), each line goes to the 2 others" "$(grep '^loadgen: redis ' <<<"$output")"
    expect_equal "redis 3 3 0 0 8 8 0 0 0 ok" "$(result_field mode) $(result_field clients) $(result_field connected) $(result_field failed) $(result_field dropped) $(result_field expected) $(result_field delivered) $(result_field lost) $(result_field disorder) $(result_field junk) $(result_field status)" "mode clients connected failed dropped expected delivered lost disorder junk status"
    stop_server "$redis"
    expect_equal 0 "$SERVER_STATUS"
}
