# tests/chat_helpers.bash - running the two-way chat (v06, v07) from a test.
# Load after helpers:   load helpers; load chat_helpers
#
# A chat program reads its stdin until the end, so a test must decide when
# that end comes. Each side's stdin is a fifo that the test itself holds open
# for writing on a fixed descriptor:
#   fd 5  the server's stdin  ($BATS_TEST_TMPDIR/server.in)   say_server TEXT
#   fd 6  the client's stdin  ($BATS_TEST_TMPDIR/client.in)   say_client TEXT
#   fd 7  a connection the test opens itself with bash's /dev/tcp
# Closing fd 5 or 6 is Ctrl-D for that side (end_server_input,
# end_client_input). Every program started in the background gets these
# descriptors closed, or it would hold a fifo open and no end would ever come.
# The teardown closes them all, then stops whatever still runs.
#
#   start_chat_server NAME ARGS...   like start_server, stdin from server.in
#   start_chat_client NAME ARGS...   client in the background, stdin from
#                                    client.in; waits for its first line; sets
#                                    CLIENT_PID, CLIENT_OUT, CLIENT_ERR
#   wait_until_consumed PORT         waits until every byte sent on the
#                                    connection(s) using PORT has been read
#   transcript FILE                  the file with ports written as PORT

# Opens fifo NAME.in on descriptor FD (read-write: opening never blocks, and
# the test keeps a writer until it closes FD).
open_input() { # NAME FD
    local fifo=$BATS_TEST_TMPDIR/$1.in
    [ -p "$fifo" ] || mkfifo "$fifo"
    eval "exec $2<>\"\$fifo\""
}

start_chat_server() {
    open_input server 5
    SERVER_STDIN=$BATS_TEST_TMPDIR/server.in start_server "$@" 5>&- 6>&- 7>&-
}

start_chat_client() {
    local name=$1
    open_input client 6
    lesson_command "$@" || return 1
    # A new pair of files for each client, made before it starts: a test that
    # starts clients in turn must never read the line of the one before (the
    # child truncates its file only once it runs, perhaps after the first poll).
    CLIENT_OUT=$BATS_TEST_TMPDIR/$name.${#STARTED_PIDS[@]}.client.out
    CLIENT_ERR=$BATS_TEST_TMPDIR/$name.${#STARTED_PIDS[@]}.client.err
    : >"$CLIENT_OUT"
    : >"$CLIENT_ERR"
    "${LESSON_COMMAND[@]}" <"$BATS_TEST_TMPDIR/client.in" >"$CLIENT_OUT" 2>"$CLIENT_ERR" 3>&- 5>&- 6>&- 7>&- &
    CLIENT_PID=$!
    STARTED_PIDS+=("$CLIENT_PID")
    wait_for_line "$CLIENT_OUT" '.' "$CLIENT_PID"
}

say_server() { printf '%s' "$1" >&5; }
say_client() { printf '%s' "$1" >&6; }
end_server_input() { exec 5>&-; }
end_client_input() { exec 6>&-; }

# wait_until_consumed PORT: polls /proc/net/tcp until the connections that use
# PORT (either end) are established and have nothing unacknowledged
# (tx_queue) and nothing unread (rx_queue): whatever was written to them has
# been read by the program at the other end. Lets a test split a line into
# two writes and be sure the program read the first part on its own.
wait_until_consumed() {
    local port_hex tries=$((READY_SECONDS * 20))
    port_hex=$(printf '%04X' "$1")
    while ((tries-- > 0)); do
        if awk -v port="$port_hex" '
            NR > 1 && $4 == "01" && (substr($2, length($2) - 3) == port || substr($3, length($3) - 3) == port) {
                found = 1
                split($5, queues, ":")
                if (queues[1] !~ /^0+$/ || queues[2] !~ /^0+$/) busy = 1
            }
            END { exit !(found && !busy) }' /proc/net/tcp; then
            return 0
        fi
        nap 0.05
    done
    echo "bytes on the connections of port $1 still unread after $READY_SECONDS s:" >&2
    cat /proc/net/tcp >&2
    return 1
}

# The output of a chat program, with every address's port written as PORT.
transcript() { normalize_ports <"$1"; }

# N bytes of a repeating pattern (a line for the long-line tests).
long_text() { # N
    local pattern=0123456789abcdefghijklmnopqrstuvwxyz text=
    while [ ${#text} -lt "$1" ]; do text+=$pattern; done
    printf '%s' "${text:0:$1}"
}

teardown() {
    exec 5>&- 6>&- 7>&-
    sockstep_teardown
}
