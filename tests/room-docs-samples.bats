#!/usr/bin/env bats
# Output samples of docs/v08-chat-room.md and docs/v09-chat-room-epoll.md that
# need more than the room tests (tests/v08-chat-room.bats and
# tests/v09-chat-room-epoll.bats check the others): the LAN set-up, listening
# on 0.0.0.0, done in a private network namespace so nothing is exposed.
load helpers

# In a fresh network namespace only loopback exists, so binding 0.0.0.0
# exposes nothing. Loopback is brought up first. Sets NETNS to the command
# prefix, or skips where namespaces cannot be made.
room_need_netns() {
    command -v ip >/dev/null || skip "ip (iproute2) is not installed"
    command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
    local up=(sh -c 'ip link set lo up && exec "$@"' sh)
    if unshare -n "${up[@]}" true 2>/dev/null; then
        NETNS=(unshare -n "${up[@]}")
    elif unshare -rn "${up[@]}" true 2>/dev/null; then
        NETNS=(unshare -rn "${up[@]}")
    else
        skip "cannot create a network namespace here (needs root or user namespaces)"
    fi
}

# room_start_in_netns NAME ARGS...: start_server, in a namespace of its own.
# unshare and sh exec the program, so SERVER_PID is the room itself.
room_start_in_netns() {
    room_need_netns
    lesson_command "$@" || return 1
    SERVER_OUT=$BATS_TEST_TMPDIR/$1.netns.out
    SERVER_ERR=$BATS_TEST_TMPDIR/$1.netns.err
    "${NETNS[@]}" "${LESSON_COMMAND[@]}" </dev/null >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
    SERVER_PID=$!
    STARTED_PIDS+=("$SERVER_PID")
    wait_for_line "$SERVER_OUT" ':[0-9]+$' "$SERVER_PID"
}

@test "docs v08: on a LAN the room listens on 0.0.0.0 (in a private network namespace)" {
    room_start_in_netns v08-chat-room 0.0.0.0 0
    expect_doc_sample v08-any-address "$(cat "$SERVER_OUT")"
    stop_server
    expect_equal 0 "$SERVER_STATUS" "exit status"
    expect_equal "v08-chat-room: stopped" "$(tail -n 1 "$SERVER_OUT")"
}

@test "docs v09: on a LAN the room listens on 0.0.0.0 (in a private network namespace)" {
    room_start_in_netns v09-chat-room-epoll 0.0.0.0 0
    expect_doc_sample v09-any-address "$(cat "$SERVER_OUT")"
    stop_server
    expect_equal 0 "$SERVER_STATUS" "exit status"
    expect_equal "v09-chat-room-epoll: stopped" "$(tail -n 1 "$SERVER_OUT")"
}
