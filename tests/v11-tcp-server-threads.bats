#!/usr/bin/env bats
# Lesson v11-tcp-server-threads: v04's exchange, a detached thread per connection.
load helpers
load netns
load exchange_helpers

SERVER=v11-tcp-server-threads

@test "v11 with v05: all 100 messages printed in order by the server, all 100 replies by the client" {
    exchange_with_v05
}

@test "v11 with bash's /dev/tcp: the reply is the 18 bytes of 我已经收到了, then the connection closes" {
    exchange_with_dev_tcp
}

@test "v11: an idle client does not block anyone: v05 is served while it sits there, and a stop ends it within 1 s" {
    start_server $SERVER 127.0.0.1 0
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle.out"
    wait_until_accepted "$SERVER_PORT"
    wait_for_threads "$SERVER_PID" 2 # main and the idle client's thread

    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_equal "$REPLY
$REPLY
$REPLY" "$output" "v05's replies (v04 would give 'no reply ... within 3 seconds')"
    expect_doc_sample v11-client "$output"
    alive "$IDLE_PID" # the idle client is still connected

    stop_server
    expect_quick_stop
    wait_for_exit "$IDLE_PID" 5
    expect_equal closed "$(cat "$BATS_TEST_TMPDIR/idle.out")" "the idle client saw the connection close, and no reply"
    expect_equal "$(printf '%s\n' "0$GREETING" "1$GREETING" "2$GREETING" "$SERVER: stopped")" "$(sed -n '2,$p' "$SERVER_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

@test "v11: after 50 clients only the main thread is left (the detached threads ended by themselves)" {
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 50
    expect_status 0
    expect_equal 50 "${#lines[@]}"
    wait_for_threads "$SERVER_PID" 1
    stop_server
    expect_equal 0 "$SERVER_STATUS"
}

@test "v11: 40 clients at once, 450 bytes each: every line printed whole, none mixed with another" {
    exchange_lines_stay_whole
}

@test "v11: one SIGINT (Ctrl-C) stops it within 1 s with exit 0, during a run of clients" {
    exchange_sigint_during_clients
}

@test "v11 survives a client that sends nothing and clients that reset, and serves the next one" {
    exchange_survives_silent_and_reset
}

@test "v11: a port in use, an unknown host, bad command lines" {
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

@test "v11 doc sample: three v05 clients, then Ctrl-C" {
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    stop_server "$SERVER_PID" INT
    expect_doc_sample v11-server "$(cat "$SERVER_OUT")"
}

# allow_what_running_threads_hold: after stop_server of v11 under valgrind.
# What valgrind reports of a thread alive when the process ends is glibc's,
# not v11's: the thread's TLS block, made inside pthread_create
# (_dl_allocate_tls), as "possibly lost", and, if it had not closed its
# connection yet, that accept()ed socket. Two cases:
#   - v11 warned "N client threads still running at exit": N threads were
#     alive; N such blocks and N such sockets are allowed;
#   - always: main only pthread_exit()s, so the thread that ends last calls
#     exit() itself, still alive; one such block is allowed (seen once in
#     over 100 runs of a v11 that waits 0 s, never with v11 itself).
# A v11 whose threads are neither detached nor joined still fails: each
# ended thread leaves such a block (this scenario's five: "1,360 bytes in 5
# blocks"). Blocks are counted, not records: valgrind merges blocks of one
# stack. If nothing else is left in the logs, valgrind's exit status 99 is
# taken for the 0 it replaced.
allow_what_running_threads_hold() {
    local running log
    running=$(sed -nE "s/^$SERVER: ([0-9]+) client threads still running at exit\$/\1/p" "$SERVER_ERR")
    running=${running:-0}
    for log in "$BATS_TEST_TMPDIR/valgrind-$SERVER".*.log; do
        [ -e "$log" ] || continue
        awk -v tls="$((running + 1))" -v sockets="$running" '
            function count_blocks(line,  n) {
                if (!match(line, / in [0-9,]+ blocks are /))
                    return 0
                n = substr(line, RSTART, RLENGTH)
                gsub(/[^0-9]/, "", n)
                return n + 0
            }
            function flush() {
                # (valgrind merges blocks of one stack: "544 bytes in 2 blocks")
                if (block ~ /are possibly lost/ && block ~ /_dl_allocate_tls/ && block ~ /pthread_create/ && blocks <= tls)
                    tls -= blocks
                else if (block ~ /== Open AF_INET6? socket/ && block ~ /at 0x[0-9A-F]+: accept / && sockets > 0)
                    sockets--
                else
                    printf "%s", block
                block = ""
            }
            /^==[0-9]+== ([0-9,]+ bytes in [0-9,]+ blocks are |Open )/ { flush(); block = $0 "\n"; inrecord = 1; blocks = count_blocks($0); next }
            inrecord && /^==[0-9]+== *$/ { block = block $0 "\n"; flush(); inrecord = 0; next }
            inrecord { block = block $0 "\n"; next }
            { print }
            END { flush() }
        ' "$log" >"$log.kept" && mv "$log.kept" "$log"
    done
    if [ "$SERVER_STATUS" = 99 ] && check_valgrind_logs 2>/dev/null; then
        SERVER_STATUS=0
    fi
}

@test "memcheck: v11 and its threads (served, silent, reset, idle at the stop): no leaks, no leaked descriptors" {
    MEMCHECK=v11-tcp-server-threads
    start_server $SERVER 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 2
    expect_status 0
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; exec 5>&-' _ "$SERVER_PORT"
    wait_for_line "$SERVER_ERR" "without sending anything" "$SERVER_PID"
    run timeout 10 "$WIRE_PEER" tcp-reset "$SERVER_PORT" "reset"
    # Only main is left once the reset client's thread is done; then the idle
    # client's thread makes two (counting 2 earlier could catch the reset
    # thread still running and the idle one not yet started).
    wait_for_threads "$SERVER_PID" 1
    start_idle_client "$SERVER_PORT" "$BATS_TEST_TMPDIR/idle.out"
    wait_until_accepted "$SERVER_PORT"
    wait_for_threads "$SERVER_PID" 2
    stop_server
    # Under valgrind on a busy machine the idle client's thread can need more
    # than the half second v11 waits after a stop (seen once in about 40 runs
    # beside a second copy of the suite). v11 then says so and exits with the
    # thread alive. What valgrind reports of a live thread is glibc's, and is
    # allowed, in the measure the function gives.
    allow_what_running_threads_hold
    expect_equal 0 "$SERVER_STATUS"
    wait_for_exit "$IDLE_PID" 10
    expect_equal closed "$(cat "$BATS_TEST_TMPDIR/idle.out")"
    expect_equal "$SERVER: stopped" "$(tail -n 1 "$SERVER_OUT")"
}
