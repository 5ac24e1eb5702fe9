#!/usr/bin/env bats
# Lesson v09-chat-room-epoll: the same room on Linux epoll.
# The room's behaviour is tested by tests/room_helpers.bash, shared with v08.
load helpers
load room_helpers

ROOM=v09-chat-room-epoll

@test "v09: three clients get their names, each other's lines and the joins and leaves; SIGTERM stops it" {
    room_test_conversation "$ROOM"
}

@test "v09: a 1024-byte line passes, a longer one gets its sender thrown out and reaches nobody" {
    room_test_line_limit "$ROOM"
}

@test "v09: NUL bytes and other binary junk pass through unchanged" {
    room_test_binary "$ROOM"
}

@test "v09: a client that resets mid-line leaves, and its half line reaches nobody" {
    room_test_reset "$ROOM"
}

@test "v09: a flooder, three v07 readers, a stalled reader, two chatters: the flooder is slowed, the stalled one sent away within 2 s with whole lines and a reason, the readers get every line, the chatters stay prompt" {
    room_test_flood "$ROOM"
}

@test "v09: an idle client holds nobody up" {
    room_test_idle_client "$ROOM"
}

@test "v09: SIGINT with clients connected: exit 0, every socket closed, valgrind clean" {
    room_test_sigint "$ROOM"
}

@test "v09: usage errors" {
    room_test_usage "$ROOM"
}

@test "v09: out of descriptors, it turns new connections away without spinning and goes on" {
    room_test_out_of_descriptors "$ROOM"
}

@test "v09 with v07-chat-client: a line typed in v07 reaches the room, the room's lines reach v07" {
    [ -x "$SOCKSTEP_BUILD/v07-chat-client" ] || skip "build/v07-chat-client is not built yet"
    start_server "$ROOM" 127.0.0.1 0
    local a keyboard
    room_connect a
    room_expect "$a" "* you are user1"
    mkfifo "$BATS_TEST_TMPDIR/keyboard"
    "$SOCKSTEP_BUILD/v07-chat-client" 127.0.0.1 "$SERVER_PORT" <"$BATS_TEST_TMPDIR/keyboard" \
        >"$BATS_TEST_TMPDIR/v07.out" 2>"$BATS_TEST_TMPDIR/v07.err" 3>&- &
    local client_pid=$!
    exec {keyboard}>"$BATS_TEST_TMPDIR/keyboard"
    room_expect "$a" "* user2 joined"
    wait_for_line "$BATS_TEST_TMPDIR/v07.out" '^server> \* you are user2$' "$client_pid"
    printf 'hi from v07 你好\n' >&"$keyboard"
    room_expect "$a" "user2: hi from v07 你好"
    room_send "$a" "hi v07"
    wait_for_line "$BATS_TEST_TMPDIR/v07.out" '^server> user1: hi v07$' "$client_pid"
    exec {keyboard}>&-
    wait_for_exit "$client_pid" 20
    expect_equal 0 "$EXIT_STATUS" "v07 exit status"
    room_expect "$a" "* user2 left"
    expect_equal "server> * you are user2
server> user1: hi v07" "$(grep '^server> ' "$BATS_TEST_TMPDIR/v07.out")" "v07 output"
    exec {a}>&-
    stop_server
    expect_equal 0 "$SERVER_STATUS" "exit status"
}

@test "v09 docs: the walkthrough's session; the clients see exactly what they saw with v08" {
    room_test_v07_session "$ROOM"
    expect_doc_sample v09-session-room "$(cat "$SERVER_OUT")"
    expect_doc_sample v08-session-user1 "$(cat "$BATS_TEST_TMPDIR/user1.out")"
    expect_doc_sample v08-session-user2 "$(cat "$BATS_TEST_TMPDIR/user2.out")"
}

@test "v09: a port another server holds: one line, exit status 1" {
    start_server "$ROOM" 127.0.0.1 0
    run_lesson "$ROOM" 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_equal "" "$output" "stdout"
    expect_doc_sample v09-in-use "$stderr"
    stop_server
    expect_equal 0 "$SERVER_STATUS" "the first room's exit status"
}

@test "v09: one SIGTERM stops it within a second while a client floods and stdout is a pipe nobody reads" {
    room_test_stop_while_busy "$ROOM"
}

@test "v09: with stdout stuck the room goes on serving; dropped log lines are counted and reported when it flows again" {
    room_test_log_stuck "$ROOM"
}

@test "v09: a last line without a newline reaches the others when its sender closes" {
    room_test_last_line "$ROOM"
}

@test "v09: pasting a file with v07-chat-client < notes.txt: 20,000 lines reach another client, none lost" {
    room_test_paste "$ROOM"
}

@test "v09: a reader far slower than a flood gets every line, whole and in order, and stays" {
    room_test_slow_reader "$ROOM"
}

@test "v09: without a spare descriptor at start it refuses to run (exit 1) instead of spinning later" {
    room_test_no_spare_descriptor "$ROOM"
}

@test "memcheck: v09 under valgrind: chat, last line, line too long, reset, flood with a stalled reader, SIGTERM; no leaks, no leaked descriptors" {
    room_test_memcheck "$ROOM"
}
