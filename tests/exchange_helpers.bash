# tests/exchange_helpers.bash - what the tests of v10, v11 and v12 share (load
# after helpers and netns). The three servers serve the tutorial's exchange
# exactly like v04, so the same checks hold for each: every function here is
# one check, run against the lesson named by $SERVER.

# Sends TEXT over bash's /dev/tcp, then prints the reply's bytes in hex.
tcp_exchange() { # PORT TEXT
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "%s" "$2" >&5; cat <&5 | od -An -v -tx1 | tr -d " \n"' _ "$1" "$2"
}

# How many threads the process PID has (the main thread counts).
threads_of() { sed -nE 's/^Threads:[[:space:]]+//p' "/proc/$1/status"; }

# wait_for_threads PID N: waits (with a deadline) until PID has N threads.
wait_for_threads() {
    local tries=$((READY_SECONDS * 20))
    while [ "$(threads_of "$1")" != "$2" ] && ((tries-- > 0)); do
        nap 0.05
    done
    expect_equal "$2" "$(threads_of "$1")" "threads of $1"
}

# The listening socket's accept queue (ss shows it as Recv-Q): 0 once the
# server has accepted every connection that came.
accept_queue() { ss -Hltn "sport = :$1" | awk '{ print $2 }'; }
# Clients' connections to PORT that are established (the handshake is done,
# whether or not the server has accepted them yet).
clients_connected() { ss -Htn state established "dport = :$1" | wc -l; }

# wait_until_accepted PORT [N]: waits (with a deadline) until N clients
# (default 1) are connected to PORT and the server has accepted them all. A
# client started in the background may not have connected yet: an empty
# queue before that proves nothing.
wait_until_accepted() {
    local tries=$((READY_SECONDS * 20)) queue=
    while ((tries-- > 0)); do
        if [ "$(clients_connected "$1")" -ge "${2:-1}" ]; then
            queue=$(accept_queue "$1")
            [ "$queue" = 0 ] && return 0
        fi
        nap 0.05
    done
    echo "$(clients_connected "$1") of ${2:-1} clients connected to port $1" >&2
    expect_equal 0 "$queue" "connections waiting in the accept queue"
}

# An idle client: connects, sends nothing, prints whatever comes back and
# "closed" when the server closes the connection (or it gives up after 20 s).
start_idle_client() { # PORT OUTFILE
    timeout 20 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; cat <&5; echo closed' _ "$1" >"$2" 2>&1 3>&- &
    IDLE_PID=$!
}

# Check: "with v05: all 100 ..." (each file's test of that name).
exchange_with_v05() {
    start_server $SERVER 127.0.0.1 0
    expect_equal "$SERVER: listening on 127.0.0.1:$SERVER_PORT" "$(head -n 1 "$SERVER_OUT")"

    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT"
    expect_status 0
    expect_equal "" "$stderr" "client stderr"
    expect_equal "$(for a in {0..99}; do echo "$REPLY"; done)" "$output" "client stdout"

    stop_server
    expect_equal 0 "$SERVER_STATUS" "server exit status"
    expect_equal "$(for a in {0..99}; do echo "$a$GREETING"; done)" "$(sed -n '2,101p' "$SERVER_OUT")" "server stdout"
    expect_equal "$SERVER: stopped" "$(sed -n '102,$p' "$SERVER_OUT")"
    expect_equal "" "$(cat "$SERVER_ERR")" "server stderr"
}

# Check: "with bash's /dev/tcp ..." (each file's test of that name).
exchange_with_dev_tcp() {
    start_server $SERVER 127.0.0.1 0
    run tcp_exchange "$SERVER_PORT" "hello from bash"
    expect_status 0
    expect_equal e68891e5b7b2e7bb8fe694b6e588b0e4ba86 "$output" "reply bytes"
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    expect_equal "hello from bash" "$(sed -n 2p "$SERVER_OUT")"
}

# Check: "one SIGINT (Ctrl-C) ..." (each file's test of that name).
exchange_sigint_during_clients() {
    start_server $SERVER 127.0.0.1 0
    timeout 20 "$SOCKSTEP_BUILD/v05-tcp-client" 127.0.0.1 "$SERVER_PORT" 1000000 >/dev/null 2>&1 3>&- &
    local client=$!
    wait_for_line "$SERVER_OUT" "^200$GREETING" "$SERVER_PID"
    stop_server "$SERVER_PID" INT
    expect_quick_stop
    expect_equal "$SERVER: stopped" "$(tail -n 1 "$SERVER_OUT")"
    wait_for_exit "$client" 10
    # The client noticed that the server went away (refused, or no reply).
    [ "$EXIT_STATUS" = 1 ] || { echo "client exit status $EXIT_STATUS" >&2; false; }
}

# Check: "survives a client that sends nothing ..." (each file's test of that name).
exchange_survives_silent_and_reset() {
    start_server $SERVER 127.0.0.1 0
    timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; exec 5>&-' _ "$SERVER_PORT"
    wait_for_line "$SERVER_ERR" "without sending anything" "$SERVER_PID"
    local i
    for i in 1 2 3; do
        run timeout 10 "$WIRE_PEER" tcp-reset "$SERVER_PORT" "reset $i"
        expect_equal "reset sent" "$output"
    done
    run_lesson v05-tcp-client 127.0.0.1 "$SERVER_PORT" 1
    expect_status 0
    expect_equal "$REPLY" "$output"
    stop_server
    expect_equal 0 "$SERVER_STATUS" "server exit status (not killed by SIGPIPE)"
    expect_equal "$SERVER: 127.0.0.1:PORT closed the connection without sending anything" "$(normalize_ports <"$SERVER_ERR" | grep 'without sending')"
    expect_equal "0$GREETING" "$(tail -n 2 "$SERVER_OUT" | head -n 1)"
}

# Check: "40 clients at once ..." (each file's test of that name).
exchange_lines_stay_whole() {
    start_server $SERVER 127.0.0.1 0
    local i letters=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn pids=()
    for i in $(seq 0 39); do
        timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1"; printf "%s" "$2" >&5; cat <&5 >/dev/null' _ \
            "$SERVER_PORT" "$(printf "%0450d" 0 | tr 0 "${letters:i:1}")" 3>&- &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait_for_exit "$i" 10; done
    stop_server
    expect_equal 0 "$SERVER_STATUS"
    # 40 lines between the first and the last, each one letter 450 times.
    expect_equal 42 "$(wc -l <"$SERVER_OUT")" "lines"
    expect_equal "" "$(sed -n '2,41p' "$SERVER_OUT" | grep -vE '^(.)\1{449}$' | head -c 300)" "lines that are not one letter x 450"
    expect_equal 40 "$(sed -n '2,41p' "$SERVER_OUT" | cut -c1 | sort -u | wc -l)" "different letters"
}
