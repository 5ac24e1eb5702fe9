#!/usr/bin/env bats
# The output samples in docs/ (v01..v05 walkthroughs and the concept pages) are
# what the programs really print: each test runs the scenario a page describes,
# on port 0, and compares with the page's <!-- sample: ID --> block
# (tests/helpers.bash: expect_doc_sample; ports are compared as PORT).
load helpers
load netns

# --- Helpers for scenarios the docs show ---------------------------------------

# need_netns, NETNS, run_lesson_in_netns: tests/netns.bash. In a fresh
# network namespace only loopback exists, so binding 0.0.0.0 exposes nothing
# and a LAN address is certainly not ours.

# start_server_in_netns NAME ARGS...: like start_server, in its own namespace.
start_server_in_netns() {
    need_netns
    lesson_command "$@" || return 1
    SERVER_OUT=$BATS_TEST_TMPDIR/$1.netns.out
    SERVER_ERR=$BATS_TEST_TMPDIR/$1.netns.err
    "${NETNS[@]}" "${LESSON_COMMAND[@]}" </dev/null >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
    SERVER_PID=$!
    STARTED_PIDS+=("$SERVER_PID")
    wait_for_line "$SERVER_OUT" ':[0-9]+$' "$SERVER_PID"
}


# run_unprivileged_lesson NAME ARGS...: runs a lesson as a user who may not
# bind ports under 1024 (root: as nobody through setpriv), still under
# valgrind, with its log where teardown looks for it. Skips where that
# cannot be arranged.
run_unprivileged_lesson() {
    local start
    start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
    [ "$start" -gt 80 ] || skip "this system lets every user bind port 80"
    if [ "$(id -u)" != 0 ]; then
        run_lesson "$@"
        return
    fi
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    local as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    lesson_command "$@" || return 1
    local logs arg command=() program=$SOCKSTEP_BUILD/$1
    logs=$(mktemp -d "${TMPDIR:-/tmp}/sockstep-docs.XXXXXX")
    chmod 1777 "$logs"
    # In a clone inside a 0700 folder (/root, a home folder) nobody cannot
    # reach the build: it runs a copy of the program, from here.
    if ! "${as_nobody[@]}" test -x "$program" 2>/dev/null; then
        mkdir "$logs/bin" && cp "$program" "$logs/bin/" && chmod 755 "$logs/bin" "$logs/bin/$1"
        program=$logs/bin/$1
    fi
    "${as_nobody[@]}" test -x "$program" 2>/dev/null || { rm -rf "$logs"; skip "user nobody cannot run $program"; }
    for arg in "${LESSON_COMMAND[@]}"; do
        case $arg in
        --log-file=*) command+=("--log-file=$logs/valgrind-$1.%p.log") ;;
        "$SOCKSTEP_BUILD/$1") command+=("$program") ;;
        *) command+=("$arg") ;;
        esac
    done
    run --separate-stderr timeout -k 2 "$CLIENT_SECONDS" "${as_nobody[@]}" "${command[@]}"
    cp "$logs"/valgrind-*.log "$BATS_TEST_TMPDIR"/ 2>/dev/null || true
    rm -rf "$logs"
}

# The server's stderr, once it holds a line matching REGEX.
server_stderr_when() { # REGEX
    wait_for_line "$SERVER_ERR" "$1" "$SERVER_PID" && cat "$SERVER_ERR"
}

# --- v01-udp-server ----------------------------------------------------------

@test "docs v01: the two-terminal run prints what the walkthrough shows" {
    start_server v01-udp-server 127.0.0.1 0
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_doc_sample v01-client "$output"
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_equal 0 "$EXIT_STATUS" "server exit status"
    expect_doc_sample v01-server "$(cat "$SERVER_OUT")"
}

@test "docs v01: 'Address already in use', an unknown host and a bad port" {
    start_server v01-udp-server 127.0.0.1 0
    run_lesson v01-udp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_doc_sample v01-in-use "$stderr"

    run_lesson_in_netns v01-udp-server nosuch.invalid 1914
    expect_status 1
    expect_doc_sample v01-resolve "$stderr"

    run_lesson v01-udp-server 127.0.0.1 abc
    expect_status 2
    expect_doc_sample v01-usage "$stderr"
}

@test "docs v01: a port under 1024 gives 'Permission denied' to an ordinary user" {
    run_unprivileged_lesson v01-udp-server 127.0.0.1 80
    expect_status 1
    expect_doc_sample v01-permission "$stderr"
}

@test "docs v01: binding an address the machine does not have" {
    need_netns
    run --separate-stderr timed_netns_lesson v01-udp-server 192.168.200.2 1914
    expect_status 1
    expect_doc_sample v01-not-mine "$stderr"
}

@test "docs v01: a datagram over 500 bytes is announced as the walkthrough says" {
    start_server v01-udp-server 127.0.0.1 0
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "$(printf 'x%.0s' {1..600})"
    expect_status 0
    wait_for_exit "$SERVER_PID" "$READY_SECONDS"
    expect_doc_sample v01-too-long "$(cat "$SERVER_ERR")"
}

# --- v02-udp-client ----------------------------------------------------------

@test "docs v02: two clients against v03, the default greeting and a message of one's own" {
    start_server v03-udp-server-loop 127.0.0.1 0
    local replies
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    replies=$output
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "hello from v02"
    expect_status 0
    expect_doc_sample v02-client "$replies
$output"
    wait_for_line "$SERVER_OUT" '^hello from v02$' "$SERVER_PID"
    expect_doc_sample v02-server-side "$(cat "$SERVER_OUT")"
}

@test "docs v02: no server gives 'Connection refused', a silent one 'no reply ... within 3 seconds'; an unquoted message and port 0 are usage errors" {
    find_unused_port udp
    run_lesson v02-udp-client 127.0.0.1 "$UNUSED_PORT"
    expect_status 1
    expect_doc_sample v02-refused "$stderr"

    start_server wire-peer udp-silent
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_doc_sample v02-no-reply "$stderr"

    run_lesson v02-udp-client 127.0.0.1 0
    expect_status 2
    expect_doc_sample v02-port-zero "$stderr"

    run_lesson v02-udp-client 127.0.0.1 1914 hello there
    expect_status 2
    expect_doc_sample v02-usage "$stderr"
}

# --- v03-udp-server-loop -----------------------------------------------------

@test "docs v03: three clients, then Ctrl-C: what both terminals show" {
    start_server v03-udp-server-loop 127.0.0.1 0
    local all=() message
    for message in "" "second client" "third client"; do
        if [ -z "$message" ]; then
            run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT"
        else
            run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "$message"
        fi
        expect_status 0
        all+=("$output")
    done
    expect_doc_sample v03-clients "$(printf '%s\n' "${all[@]}")"
    wait_for_line "$SERVER_OUT" '^third client$' "$SERVER_PID"
    stop_server "$SERVER_PID" INT
    expect_equal 0 "$SERVER_STATUS" "exit status after Ctrl-C"
    expect_doc_sample v03-server "$(cat "$SERVER_OUT")"
}

@test "docs v03: bound to 0.0.0.0 (in a private network namespace), and its start-up errors" {
    start_server_in_netns v03-udp-server-loop 0.0.0.0 0
    expect_doc_sample v03-any-address "$(head -n 1 "$SERVER_OUT")"
    stop_server
    expect_equal 0 "$SERVER_STATUS"

    start_server v03-udp-server-loop 127.0.0.1 0
    run_lesson v03-udp-server-loop 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_doc_sample v03-in-use "$stderr"
    run_lesson v03-udp-server-loop 127.0.0.1 1914x
    expect_status 2
    expect_doc_sample v03-usage "$stderr"
}

# --- v04-tcp-server ----------------------------------------------------------

@test "docs v04: v05 three times, then Ctrl-C: what both terminals show" {
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 3
    expect_status 0
    expect_doc_sample v04-client "$output"
    stop_server "$SERVER_PID" INT
    expect_equal 0 "$SERVER_STATUS"
    expect_doc_sample v04-server "$(cat "$SERVER_OUT")"
}

@test "docs v04: bash's /dev/tcp as a client, and one that sends nothing" {
    start_server v04-tcp-server 127.0.0.1 0
    run timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf hi >&3; cat <&3; echo' _ "$SERVER_PORT"
    expect_status 0
    expect_doc_sample v04-bash-client "$output"

    timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$SERVER_PORT"
    expect_doc_sample v04-silent-client "$(server_stderr_when 'without sending anything')"
}

@test "docs v04: bound to 0.0.0.0 (in a private network namespace)" {
    start_server_in_netns v04-tcp-server 0.0.0.0 0
    expect_doc_sample v04-any-address "$(head -n 1 "$SERVER_OUT")"
    expect_doc_sample addresses-any "$(head -n 1 "$SERVER_OUT")"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
}

@test "docs v04: 'Address already in use', 'Permission denied' and a usage error" {
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v04-tcp-server 127.0.0.1 "$SERVER_PORT"
    expect_status 1
    expect_doc_sample v04-in-use "$stderr"
    run_lesson v04-tcp-server 127.0.0.1 1914 extra
    expect_status 2
    expect_doc_sample v04-usage "$stderr"
    run_unprivileged_lesson v04-tcp-server 127.0.0.1 80
    expect_status 1
    expect_doc_sample v04-permission "$stderr"
}

# --- v05-tcp-client ----------------------------------------------------------

@test "docs v05: two rounds against v04" {
    start_server v04-tcp-server 127.0.0.1 0
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 2
    expect_status 0
    expect_doc_sample v05-client "$output"
    wait_for_line "$SERVER_OUT" "^1你好" "$SERVER_PID"
    expect_doc_sample v05-server-side "$(cat "$SERVER_OUT")"
}

@test "docs v05: refused, unknown host and a bad COUNT fail at once" {
    find_unused_port tcp
    run_lesson v05-tcp-client 127.0.0.1 "$UNUSED_PORT" 1
    expect_status 1
    expect_doc_sample v05-refused "$stderr"
    run_lesson_in_netns v05-tcp-client nosuch.invalid 1914 1
    expect_status 1
    expect_doc_sample v05-resolve "$stderr"
    run_lesson v05-tcp-client 127.0.0.1 1914 ten
    expect_status 2
    expect_doc_sample v05-usage "$stderr"
}

@test "docs v05: a server that never replies, and one that closes without replying" {
    start_server wire-peer tcp-silent
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 1
    expect_doc_sample v05-no-reply "$stderr"

    start_server wire-peer tcp-close
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 1
    expect_doc_sample v05-closed "$stderr"
}

# --- Concept pages -----------------------------------------------------------

@test "docs bytes-text-utf8: 我 is e6 88 91" {
    run bash -c "printf '我' | od -An -tx1"
    expect_status 0
    expect_doc_sample utf8-one-character "$output"
}

@test "docs bytes-text-utf8: 170 我 sent to v03 are cut after 500 bytes, inside the 167th character" {
    start_server v03-udp-server-loop 127.0.0.1 0
    run_lesson v02-udp-client 127.0.0.1 "$SERVER_PORT" "$(printf '我%.0s' {1..170})"
    expect_status 0
    expect_doc_sample utf8-cut-warning "$(server_stderr_when 'longer than 500')"
    stop_server
    expect_equal 501 "$(sed -n 2p "$SERVER_OUT" | wc -c)" "500 bytes and a newline"
    expect_doc_sample utf8-cut-bytes "$(sed -n 2p "$SERVER_OUT" | tail -c 9 | od -An -tx1)"
}

@test "docs addresses-and-ports: port 0 and IPv6 in the address line" {
    start_server v04-tcp-server 127.0.0.1 0
    expect_doc_sample addresses-port-zero "$(head -n 1 "$SERVER_OUT")"
    stop_server
    has_ipv6_loopback || skip "no IPv6 loopback on this machine"
    start_server v04-tcp-server ::1 0
    expect_doc_sample addresses-ipv6 "$(head -n 1 "$SERVER_OUT")"
}
