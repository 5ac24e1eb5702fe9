# tests/helpers.bash - what every sockstep test file loads (`load helpers`).
#
# It runs the lessons the way a careful user would, and checks what a user
# would notice:
#   run_lesson NAME ARGS...     run a program to completion under valgrind and a
#                               timeout; fills $status, $output, $stderr, ${lines[@]}
#   start_server NAME ARGS...   start a server in the background, wait (with a
#                               deadline) for its "... HOST:PORT" line, and set
#                               SERVER_PID, SERVER_PORT, SERVER_OUT, SERVER_ERR
#   stop_server [PID [SIGNAL]]  ONE SIGTERM (or SIGNAL), a bounded wait, then
#                               SIGKILL; sets SERVER_STATUS and STOP_SECONDS
#   expect_quick_stop           that stop ended the server with exit 0 in under 1 s
#   wait_for_exit PID SECONDS   wait for a process that should end by itself
#   wait_for_line FILE REGEX    wait (with a deadline) until FILE has such a line
#
# valgrind memcheck: a test that sets MEMCHECK=1 before it starts a lesson runs
# that lesson under valgrind (--leak-check=full --track-fds=yes); MEMCHECK=NAME
# runs only lesson NAME under it, and its partners (v02 beside v01, v05 beside
# v04...) natively: each partner has a memcheck scenario in its own file, and a
# second valgrind run of it costs half a second of CPU and finds nothing new.
# Every lesson file has such a test, one scenario that walks the lesson's paths
# and its error paths. The other tests run the lessons natively, which is
# 20-50 times faster.
# SOCKSTEP_VALGRIND=1 runs every lesson under valgrind in every test (a slow,
# thorough run); SOCKSTEP_VALGRIND=0 runs none (the ASan build of make sanitize).
# valgrind's --error-exitcode turns a memory error or leak into exit status 99,
# and teardown fails the test if a valgrind log holds anything but descriptors
# inherited from the test itself, so a leaked socket fails it too.
#
# Servers are started directly in the background with fd 3 closed (bats 1.8.2
# waits for every holder of fd 3) and always listen on port 0.
#
# Failures are reported at the test's own line: bats runs a DEBUG trap before
# every command (bats_debug_trap, for the "in test file X, line N" of a
# failure), which costs about 0.3 ms of CPU a command; the polls and loops of
# these helpers ran it often enough to be a quarter of the suite's CPU. So the
# trap returns at once for a command of a helper file (tests/*.bash, and
# exercises/lib/alive.bash) called from a test: a failing helper is shown as
# the test line that called it, with the helper's own message below it. In
# setup and teardown (valgrind's logs are judged there) the helpers are
# traced as before. The trap also returns at once for bats's own files
# (BATS_ROOT/lib, libexec), which bats's trap skips anyway, only after a
# slower look.

bats_require_minimum_version 1.8.0

SOCKSTEP_HELPERS_DIR=$BATS_TEST_DIRNAME
# sockstep_trap_skips SOURCE: true when the trap has nothing to record for a
# command of SOURCE.
sockstep_trap_skips() {
    case $1 in
    "$BATS_ROOT"/lib/*/* | "$BATS_ROOT"/libexec/*/*) return 0 ;;
    "$SOCKSTEP_HELPERS_DIR"/*.bash | "$SOCKSTEP_ROOT"/exercises/lib/alive.bash)
        case " ${FUNCNAME[*]} " in
        *" setup "* | *" teardown "* | *" setup_file "* | *" teardown_file "*) return 1 ;;
        esac
        return 0
        ;;
    esac
    return 1
}
if declare -F bats_debug_trap >/dev/null && [ -z "${SOCKSTEP_LEAN_TRAP-}" ]; then
    SOCKSTEP_LEAN_TRAP=$(declare -f bats_debug_trap)
    # bats's own function with one line in front (a wrapper would add a stack
    # frame, and bats counts frames to find the test's line).
    eval "bats_debug_trap () { sockstep_trap_skips \"\${1-}\" && return 0; ${SOCKSTEP_LEAN_TRAP#*\{}"
fi

SOCKSTEP_BUILD=${SOCKSTEP_BUILD:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)/build}
SOCKSTEP_VALGRIND=${SOCKSTEP_VALGRIND:-some}
MEMCHECK=0
SOCKSTEP_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# Deadlines: they only matter when something is wrong, and valgrind on a
# loaded machine can take seconds to start a program.
if [ "$SOCKSTEP_VALGRIND" = 1 ]; then
    READY_SECONDS=30
    CLIENT_SECONDS=60
else
    READY_SECONDS=20
    CLIENT_SECONDS=30
fi

# The tutorial's reply and greeting, as the programs send them (UTF-8).
REPLY='我已经收到了'
GREETING='你好 我是client,你收到了么?'

# lesson_command NAME ARGS... : sets the array LESSON_COMMAND.
lesson_command() {
    local name=$1
    shift
    local program=$SOCKSTEP_BUILD/$name
    [ -x "$program" ] || program=$SOCKSTEP_BUILD/tests/$name
    if [ ! -x "$program" ]; then
        echo "no program $name in $SOCKSTEP_BUILD (run make first)" >&2
        return 1
    fi
    if uses_valgrind "$name" && [ "${program#"$SOCKSTEP_BUILD/tests/"}" = "$program" ]; then
        # --read-inline-info=no: about a tenth of valgrind's start-up (it reads
        # glibc's debug info); a finding still has its file:line, only the
        # names of inlined functions in its stack are left out.
        LESSON_COMMAND=(valgrind -q --read-inline-info=no --leak-check=full --track-fds=yes --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
            "--log-file=$BATS_TEST_TMPDIR/valgrind-$name.%p.log" "$program" "$@")
    else
        LESSON_COMMAND=("$program" "$@")
    fi
}

# uses_valgrind NAME: true when lesson NAME, about to start, runs under memcheck.
uses_valgrind() {
    case $SOCKSTEP_VALGRIND in
    1) return 0 ;;
    0) return 1 ;;
    *) [ "$MEMCHECK" = 1 ] || [ "$MEMCHECK" = "$1" ] ;;
    esac
}

# A program run to completion never runs for ever: coreutils timeout stops it
# (BATS_TEST_TIMEOUT does not stop `run` on bats 1.8.2).
timed_lesson() {
    lesson_command "$@" || return 127
    timeout -k 2 "$CLIENT_SECONDS" "${LESSON_COMMAND[@]}"
}

run_lesson() {
    run --separate-stderr timed_lesson "$@"
}

STARTED_PIDS=()

# nap SECONDS: a pause that starts no process (the polls below ran some 800
# sleep processes a run): read times out on a FIFO of this file's own, opened
# read-write so that the open does not wait for a writer, and never written.
# Nothing keeps it open between naps, so no program the test starts inherits it.
NAP_FIFO=$BATS_FILE_TMPDIR/nap.fifo
nap() {
    if [ -p "$NAP_FIFO" ] || mkfifo "$NAP_FIFO" 2>/dev/null || [ -p "$NAP_FIFO" ]; then
        read -r -t "$1" _ <>"$NAP_FIFO" || :
    else
        sleep "$1"
    fi
}

# alive PID (exercises/lib/alive.bash, shared with the grader's harness): does
# PID still run? A zombie has ended; kill -0 alone can be fooled.
# shellcheck source=../exercises/lib/alive.bash
source "$SOCKSTEP_ROOT/exercises/lib/alive.bash"

start_server() {
    local name=$1
    lesson_command "$@" || return 1
    SERVER_OUT=$BATS_TEST_TMPDIR/$name.${#STARTED_PIDS[@]}.out
    SERVER_ERR=$BATS_TEST_TMPDIR/$name.${#STARTED_PIDS[@]}.err
    "${LESSON_COMMAND[@]}" <"${SERVER_STDIN:-/dev/null}" >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
    SERVER_PID=$!
    STARTED_PIDS+=("$SERVER_PID")
    wait_for_line "$SERVER_OUT" ':[0-9]+$' "$SERVER_PID" || return 1
    # The port from the first line, read by the shell itself.
    local first=
    IFS= read -r first <"$SERVER_OUT"
    [[ $first =~ :([0-9]+)$ ]] || { echo "the first line does not end in :PORT: $first" >&2; return 1; }
    SERVER_PORT=${BASH_REMATCH[1]}
}

# wait_for_line FILE REGEX [PID]: polls FILE until a line matches (extended
# regex), failing after READY_SECONDS or at once if PID has died.
wait_for_line() {
    local file=$1 regex=$2 pid=${3:-}
    local tries=$((READY_SECONDS * 20))
    while ((tries-- > 0)); do
        if [ -f "$file" ] && grep -qE -- "$regex" "$file"; then
            return 0
        fi
        if [ -n "$pid" ] && ! alive "$pid"; then
            grep -qE -- "$regex" "$file" 2>/dev/null && return 0
            echo "process $pid ended before printing a line matching /$regex/ in $file" >&2
            show_server_logs >&2
            return 1
        fi
        nap 0.05
    done
    echo "no line matching /$regex/ in $file after $READY_SECONDS s" >&2
    show_server_logs >&2
    return 1
}

show_server_logs() {
    local f
    for f in "$BATS_TEST_TMPDIR"/*.out "$BATS_TEST_TMPDIR"/*.err; do
        [ -s "$f" ] && { echo "--- $f"; head -c 4000 "$f"; echo; }
    done
    return 0
}

# wait_for_exit PID SECONDS: waits for a process that should end by itself;
# sets EXIT_STATUS. Fails (and kills it) if it is still running at the deadline.
wait_for_exit() {
    local pid=$1 tries=$(($2 * 20))
    while alive "$pid" && ((tries-- > 0)); do
        nap 0.05
    done
    if alive "$pid"; then
        # What it and its children were doing (STAT, WCHAN), for the report.
        local state
        state=$(ps -o pid=,stat=,wchan:24=,args= -p "$pid" --ppid "$pid" 2>/dev/null | cut -c1-120)
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "process $pid did not exit within $2 s:" >&2
        sed 's/^/   /' <<<"$state" >&2
        return 1
    fi
    EXIT_STATUS=0
    wait "$pid" || EXIT_STATUS=$?
    return 0
}

# stop_server [PID] [SIGNAL]: sends ONE signal (a server must never miss it),
# waits a bounded time, then SIGKILL. Sets SERVER_STATUS, and STOP_SECONDS to
# how long the server took to exit (a test of "stops within a second" reads it).
stop_server() {
    local pid=${1:-$SERVER_PID} signal=${2:-TERM}
    local tries=$((READY_SECONDS * 50))
    SERVER_STATUS=
    local started=$EPOCHREALTIME
    kill -"$signal" "$pid" 2>/dev/null
    while alive "$pid" && ((tries-- > 0)); do
        nap 0.02
    done
    STOP_SECONDS=$(elapsed_since "$started")
    if alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        SERVER_STATUS=killed
        echo "server $pid ignored SIG$signal and was killed" >&2
        return 1
    fi
    SERVER_STATUS=0
    wait "$pid" 2>/dev/null || SERVER_STATUS=$?
}

# expect_quick_stop: the last stop_server (ONE signal) ended the server with
# exit status 0 in under a second.
expect_quick_stop() {
    expect_equal 0 "$SERVER_STATUS" "exit status after one signal"
    [ "${STOP_SECONDS%%.*}" = 0 ] ||
        { echo "the server took $STOP_SECONDS s to stop after one signal" >&2; return 1; }
}

# elapsed_since EPOCHREALTIME: seconds since then, with 3 decimals (in the
# shell: EPOCHREALTIME has 6 decimals, whatever the locale's decimal point).
elapsed_since() {
    local now=${EPOCHREALTIME//[!0-9]/} then=${1//[!0-9]/} ms
    ms=$(((10#$now - 10#$then) / 1000))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# valgrind_findings LOG: what valgrind found, less the descriptors the program
# inherited from the test (bats and the shell hold some open) and the summary
# line. Prints nothing when the program was clean.
valgrind_findings() {
    awk '
        /FILE DESCRIPTORS: [0-9]+ open/ { next }
        /^==[0-9]+== Open / { flush(); inblock = 1; block = $0 "\n"; inherited = 0; next }
        inblock && /^==[0-9]+== *$/ { flush(); next }
        inblock { block = block $0 "\n"; if (/<inherited from parent>/) inherited = 1; next }
        /^==[0-9]+== *$/ { next }
        { printf "%s\n", $0 }
        function flush() { if (inblock && !inherited) printf "%s", block; inblock = 0; block = "" }
        END { flush() }
    ' "$1"
}

# Fails if valgrind reported anything in this test.
check_valgrind_logs() {
    local log bad=0 findings
    for log in "$BATS_TEST_TMPDIR"/valgrind-*.log; do
        [ -e "$log" ] || continue
        findings=$(valgrind_findings "$log")
        if [ -n "$findings" ]; then
            echo "valgrind found problems ($log):" >&2
            head -n 60 <<<"$findings" >&2
            bad=1
        fi
    done
    return "$bad"
}

# is_our_child PID: PID is still a child of this shell, alive or not yet
# reaped. A child that was waited for is gone, and on a busy machine (the
# default pid_max is 32768) its number soon belongs to someone else: another
# test's program, or another user's. Signalling it would kill a stranger.
is_our_child() {
    local line ppid
    read -r line 2>/dev/null <"/proc/$1/stat" || return 1
    read -r _ ppid _ <<<"${line##*) }"
    [ "$ppid" = "$BASHPID" ]
}

# The teardown every file uses (a file with its own teardown calls this).
sockstep_teardown() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        if is_our_child "$pid"; then
            stop_server "$pid" >/dev/null 2>&1 || true
        fi
    done
    check_valgrind_logs
}

teardown() {
    sockstep_teardown
}

# Helpers for asserting, with a message that shows what was really there.
expect_equal() { # EXPECTED ACTUAL [WHAT]
    if [ "$1" != "$2" ]; then
        printf 'expected %s:\n%s\nbut got:\n%s\n' "${3:-}" "$1" "$2" >&2
        return 1
    fi
}

expect_status() { # EXPECTED (uses $status, $output, $stderr from run)
    if [ "$status" != "$1" ]; then
        printf 'expected exit status %s, got %s\nstdout:\n%s\nstderr:\n%s\n' \
            "$1" "$status" "$output" "${stderr:-}" >&2
        return 1
    fi
}

# hex FILE-or-stdin: the bytes as hex, for comparing exactly what was on the wire.
hex() { od -An -v -tx1 "$@" | tr -d ' \n'; }

# --- Output samples in docs/ (see docs/CONVENTIONS.md) -----------------------
# A doc shows real output in a block introduced by <!-- sample: ID -->.
# A test that produced that output calls  expect_doc_sample ID "$text"  and
# fails if the doc's block differs. Ports vary from run to run, so every
# ":<digits>" that ends an address is compared as ":PORT".

# doc_sample ID: prints the fenced block that follows <!-- sample: ID -->.
doc_sample() {
    local id=$1
    awk -v id="$id" '
        $0 == "<!-- sample: " id " -->" { want = 1; next }
        want && /^```/ { if (inside) exit; inside = 1; next }
        want && inside { print }
    ' "$SOCKSTEP_ROOT"/docs/*.md "$SOCKSTEP_ROOT"/README.md
}

# Also "127.0.0.1 1914" (HOST PORT as two arguments on a command line).
normalize_ports() {
    sed -E -e 's/((^|[^0-9A-Za-z.])([0-9]{1,3}\.){3}[0-9]{1,3}|\[[0-9a-fA-F:.]*\]):[0-9]+/\1:PORT/g' \
        -e 's/(([0-9]{1,3}\.){3}[0-9]{1,3}|::1) [0-9]+( |$)/\1 PORT\3/g'
}

expect_doc_sample() {
    local id=$1 actual=$2
    local expected
    expected=$(doc_sample "$id")
    if [ -z "$expected" ]; then
        echo "no sample '$id' in docs/ (expected <!-- sample: $id --> before a fenced block)" >&2
        return 1
    fi
    expect_equal "$(normalize_ports <<<"$expected")" "$(normalize_ports <<<"$actual")" "docs sample '$id'"
}

# --- Shared checks for the lessons' command lines ----------------------------

# expect_usage_error EXPECTED_STDERR_LINE NAME ARGS...: the program must print
# exactly that one line on stderr, nothing on stdout, and exit 2.
expect_usage_error() {
    local expected=$1
    shift
    run_lesson "$@"
    expect_status 2
    expect_equal "$expected" "$stderr" "stderr"
    expect_equal "" "$output" "stdout"
}

# wire-peer MODE ARGS...: the independent test peer (tests/peers/wire-peer.c).
WIRE_PEER=$SOCKSTEP_BUILD/tests/wire-peer

# The hex of a string's bytes, e.g. expected bytes on the wire.
hex_of() { printf '%s' "$1" | hex; }

# A local TCP/UDP port with nothing bound to it: bind port 0, note the port,
# close. (Another program could take it in between; on loopback in a test run
# that is vanishingly rare, and the test would then fail loudly, not pass.)
# Sets UNUSED_PORT.
find_unused_port() {
    local proto=${1:-tcp}
    start_server wire-peer "$proto-silent" || return 1
    UNUSED_PORT=$SERVER_PORT
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null || true
}

has_ipv6_loopback() {
    [ -e /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6
}
