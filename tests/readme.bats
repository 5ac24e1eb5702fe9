#!/usr/bin/env bats
# README.md: its quick start and its two-terminal example print what it says.
load helpers

@test "make demo's script prints exactly the README's sample and exits 0" {
    run timeout -k 2 60 "$SOCKSTEP_ROOT/tools/demo" "$SOCKSTEP_BUILD" 5
    expect_status 0
    expect_doc_sample readme-demo "$output"
}

@test "the demo fails loudly when the server cannot start" {
    mkdir "$BATS_TEST_TMPDIR/fake"
    printf '#!/bin/sh\necho "v04-tcp-server: bind: broken on purpose" >&2\nexit 1\n' >"$BATS_TEST_TMPDIR/fake/v04-tcp-server"
    chmod +x "$BATS_TEST_TMPDIR/fake/v04-tcp-server"
    run timeout -k 2 30 "$SOCKSTEP_ROOT/tools/demo" "$BATS_TEST_TMPDIR/fake" 5
    expect_status 1
    [[ "$output" == *"demo: the server did not start"*"broken on purpose"* ]]
}

@test "the README's two-terminal TCP example: the outputs shown are the real ones" {
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_doc_sample readme-pair-client "$output"
    wait_for_line "$SERVER_OUT" "^2你好" "$SERVER_PID"
    expect_doc_sample readme-pair-server "$(cat "$SERVER_OUT")"
}

@test "the README's exit-code examples are the programs' real messages" {
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v04-tcp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    grep -qF "$(sed "s/:$SERVER_PORT:/:1914:/" <<<"$stderr")" "$SOCKSTEP_ROOT/README.md"
    run_lesson v04-tcp-server 127.0.0.1 abc
    expect_status 2
    grep -qF "$stderr" "$SOCKSTEP_ROOT/README.md"
}

@test "the demo waits a bounded time for a server that ignores SIGTERM, kills it and fails" {
    mkdir "$BATS_TEST_TMPDIR/fake"
    # A "server" that prints its address line and ignores SIGTERM; the real v05.
    printf '#!/bin/sh\ntrap "" TERM\necho "v04-tcp-server: listening on 127.0.0.1:9"\nexec sleep 60\n' >"$BATS_TEST_TMPDIR/fake/v04-tcp-server"
    printf '#!/bin/sh\necho fake client\n' >"$BATS_TEST_TMPDIR/fake/v05-tcp-client"
    chmod +x "$BATS_TEST_TMPDIR/fake/v04-tcp-server" "$BATS_TEST_TMPDIR/fake/v05-tcp-client"
    SECONDS=0
    run timeout -k 2 30 "$SOCKSTEP_ROOT/tools/demo" "$BATS_TEST_TMPDIR/fake" 1
    expect_status 1
    [[ "$output" == *"demo: the server did not stop within 2 s of SIGTERM; killed it"* ]] || { echo "$output" >&2; false; }
    [ "$SECONDS" -lt 20 ]
}

@test "the README's Ctrl-C status: a one-shot client interrupted while it waits exits 130" {
    start_server wire-peer udp-silent
    lesson_command v02-udp-client 127.0.0.1 "$SERVER_PORT"
    # A background job of a script starts with SIGINT ignored; a program
    # run from a terminal does not: env gives it back its default action.
    env --default-signal=INT "${LESSON_COMMAND[@]}" >"$BATS_TEST_TMPDIR/client.out" 2>"$BATS_TEST_TMPDIR/client.err" 3>&- &
    local client_pid=$!
    STARTED_PIDS+=("$client_pid")
    wait_for_line "$SERVER_OUT" '^received ' "$SERVER_PID" # it sent, and now waits
    kill -INT "$client_pid"
    wait_for_exit "$client_pid" 5
    expect_equal 130 "$EXIT_STATUS" "exit status after Ctrl-C"
    expect_doc_sample readme-ctrl-c '$ build/v02-udp-client 127.0.0.1 1914    # Ctrl-C while it waits for a reply
^C
$ echo $?
'"$EXIT_STATUS"
}
