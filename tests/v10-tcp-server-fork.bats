#!/usr/bin/env bats
# Lesson v10-tcp-server-fork: v04's exchange, a child process per connection.
load helpers
load netns
load exchange_helpers

SERVER=v10-tcp-server-fork

# The server's children, one "PID STAT" line each (STAT Z: a zombie).
children_of() { ps -o pid=,stat= --ppid "$1" 2>/dev/null || true; }

# wait_for_children PID N: waits (with a deadline) until PID has N children.
wait_for_children() {
    local tries=$((READY_SECONDS * 20))
    while [ "$(children_of "$1" | grep -c .)" != "$2" ] && ((tries-- > 0)); do
        sleep 0.05
    done
    expect_equal "$2" "$(children_of "$1" | grep -c .)" "children of $1 ($(children_of "$1" | tr '\n' ' '))"
}

@test "v10 with v05: all 100 messages printed in order by the server, all 100 replies by the client" {
    exchange_with_v05
}

@test "v10 with bash's /dev/tcp: the reply is the 18 bytes of 我已经收到了, then the connection closes" {
    exchange_with_dev_tcp
}

@test "v10: an idle client does not block anyone: v05 is served while it sits there, and a stop ends it within 1 s" {
    start_server $SERVER 127.0.0.1 0
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle.out"
    wait_until_accepted "$SERVER_PORT"
    wait_for_children "$SERVER_PID" 1 # the idle client's child, waiting for its bytes

    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_equal "$REPLY
$REPLY
$REPLY" "$output" "v05's replies (v04 would give 'no reply ... within 3 seconds')"
    expect_doc_sample v10-client "$output"
    alive "$IDLE_PID" # the idle client is still connected

    stop_server
    expect_quick_stop
    wait_for_exit "$IDLE_PID" 5
    expect_equal closed "$(cat "$BATS_TEST_TMPDIR/idle.out")" "the idle client saw the connection close, and no reply"
    expect_equal "$(printf '%s\n' "0$GREETING" "1$GREETING" "2$GREETING" "$SERVER: stopped")" "$(sed -n '2,$p' "$SERVER_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "v10: no zombies: after 50 clients every child has been collected" {
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 50
    expect_status 0
    expect_equal 50 "${#lines[@]}"
    # Each child ends right after its reply; the SIGCHLD handler collects it.
    # Without the handler all 50 would stay, as <defunct> (STAT Z).
    wait_for_children "$SERVER_PID" 0
    stop_server
    expect_equal 0 "$SERVER_STATUS"
}

@test "v10: one SIGINT (Ctrl-C) stops it within 1 s with exit 0, during a run of clients" {
    exchange_sigint_during_clients
}

@test "v10 survives a client that sends nothing and clients that reset, and serves the next one" {
    exchange_survives_silent_and_reset
}

@test "v10: a port in use, an unknown host, bad command lines" {
    start_server $SERVER 127.0.0.1 0
    run_lesson $SERVER 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "$SERVER: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$stderr"
    expect_equal "" "$output"
    run_lesson_in_netns $SERVER nosuch.invalid 0
    expect_status 1
    [[ "$stderr" == "$SERVER: cannot resolve 'nosuch."*"' port 0: "?* ]] || { echo "stderr: $stderr" >&2; false; }
    expect_usage_error "usage: $SERVER [HOST [PORT]] (port 'abc' is not a number from 0 to 65535)" $SERVER 127.0.0.1 abc
    expect_usage_error "usage: $SERVER [HOST [PORT]] (too many arguments)" $SERVER 127.0.0.1 1914 x
}

@test "v10 doc sample: three v05 clients, then Ctrl-C" {
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    stop_server "$SERVER_PID" INT
    expect_doc_sample v10-server "$(cat "$SERVER_OUT")"
}

# valgrind follows fork() by itself (--trace-children is for exec): every
# child writes its own log, valgrind-v10-tcp-server-fork.PID.log, and teardown
# checks them all. Children used: served (v05), silent, reset, idle at stop.
@test "memcheck: v10 and its children (served, silent, reset, idle at the stop): no leaks, no leaked descriptors" {
    MEMCHECK=v10-tcp-server-fork
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 2
    expect_status 0
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; exec 5>&-' _ "$SERVER_PORT"
    wait_for_line "$SERVER_ERR" "without sending anything" "$SERVER_PID"
    run timeout 10 "$WIRE_PEER" tcp-reset "$SERVER_PORT" "reset"
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle.out"
    wait_until_accepted "$SERVER_PORT"
    wait_for_children "$SERVER_PID" 1
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    wait_for_exit "$IDLE_PID" 10
    expect_equal closed "$(cat "$BATS_TEST_TMPDIR/idle.out")"
    # One log per process: the parent's (checked by teardown) and one per
    # child, at least 4 (2 served, silent, idle; the reset one may be 5th).
    check_child_logs 4
}

# check_child_logs MIN: the children's valgrind logs (all but the parent's)
# must be clean, and there must be at least MIN of them. The checked child
# logs are renamed, so teardown checks only the parent's.
check_child_logs() {
    uses_valgrind "$SERVER" || return 0 # make sanitize: no valgrind, no logs
    local log count=0 findings bad=0
    for log in "$BATS_TEST_TMPDIR"/valgrind-$SERVER.*.log; do
        [ "$log" = "$BATS_TEST_TMPDIR/valgrind-$SERVER.$SERVER_PID.log" ] && continue
        count=$((count + 1))
        findings=$(valgrind_findings "$log")
        if [ -n "$findings" ]; then
            echo "valgrind found problems in a child ($log):" >&2
            head -n 40 <<<"$findings" >&2
            bad=1
        fi
        mv "$log" "${log%/*}/child-${log##*/}"
    done
    ((count >= $1)) || { echo "only $count child logs, expected at least $1" >&2; bad=1; }
    return "$bad"
}
