#!/usr/bin/env bats
# exercises/grade for one submission: exit statuses, the report's lines,
# compiler and valgrind messages shown to the student, Gradescope's JSON, and
# grading as an ordinary user. GitHub Classroom and the Gradescope zip:
# tests/grader-platforms.bats.

load helpers
load grader_helpers

setup_file() { grader_prebuild; }
setup() { grader_setup "$(test_uid_base 2)"; }
teardown() { grader_teardown; sockstep_teardown; }

SOLUTION=$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c

@test "grade: bad arguments, an unknown exercise or a missing file exit 2 with one line on stderr" {
    grade
    expect_status 2
    [[ $stderr == "usage: grade NAME SUBMISSION.c "*"(expected an exercise NAME and a SUBMISSION.c)" ]]
    grade tcp-echo "$SOLUTION" --frobnicate
    expect_status 2
    [[ $stderr == *"(unknown option '--frobnicate')" ]]
    grade no-such-exercise "$SOLUTION"
    expect_status 2
    local known
    known=$(cd "$SOCKSTEP_ROOT/exercises" && for t in */tests.sh; do printf '%s ' "${t%/tests.sh}"; done)
    expect_equal "grade: unknown exercise 'no-such-exercise' (known: $known)" "$stderr"
    grade tcp-echo "$BATS_TEST_TMPDIR/missing.c"
    expect_status 2
    expect_equal "grade: no readable file '$BATS_TEST_TMPDIR/missing.c'" "$stderr"
    grade tcp-echo "$SOLUTION" --json /no/such/dir/results.json
    expect_status 2
    grade tcp-echo "$SOLUTION" --tests no_such_test
    expect_status 2
    expect_equal "" "$output" "stdout"
}

@test "grade: full marks exit 0; one line per test with its points; the last line is the score" {
    grade tcp-echo "$SOLUTION" --tests warnings,echo_short,bad_port
    expect_status 0
    expect_equal "exercise: tcp-echo   submission: $SOLUTION" "${lines[0]}"
    [[ ${lines[1]} == "sandbox: "* ]]
    [[ ${lines[2]} == "memory: "* ]]
    [[ ${lines[3]} == "cpu: "* ]]
    expect_equal "compile: ok" "${lines[4]}"
    expect_equal "PASS  1/1  compiles without warnings (flags: -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes -D_POSIX_C_SOURCE=200809L)" "${lines[5]}"
    expect_equal "PASS  2/2  echoes a short message byte for byte (UTF-8 too), then closes when the client does" "${lines[6]}"
    expect_equal "PASS  1/1  a bad PORT is a usage error: one line on stderr, exit status 2" "${lines[7]}"
    expect_equal "score: 4/4" "${lines[8]}"
    expect_equal 9 "${#lines[@]}"
}

@test "grade without bubblewrap: still graded for a learner, and the report says plainly it was not isolated" {
    SOCKSTEP_GRADER_BWRAP=none grade udp-upper "$SOCKSTEP_ROOT/exercises/udp-upper/solution.c" --tests warnings,upper_ascii,memcheck
    expect_status 0
    expect_line "^sandbox: NOT ISOLATED: bubblewrap \(bwrap\) is not installed, so the program could read and change what $(id -un) can; "
    expect_equal "score: 5/5" "$(last_line)"
}

@test "grade: less than full marks exits 1 and says what went wrong under the failed test" {
    grade tcp-echo "$SOCKSTEP_ROOT/lessons/v04-tcp-server/v04-tcp-server.c" --tests echo_short,bad_port
    expect_status 1
    expect_line '^FAIL  0/2  echoes a short message byte for byte'
    expect_line '^      \| the bytes that came back differ from the bytes sent:$'
    expect_line '^      \|   sent 43 bytes, got back 18 bytes$'
    expect_line '^PASS  1/1  a bad PORT is a usage error'
    expect_equal "score: 1/3" "$(last_line)"
}

@test "grade: a compile error scores 0 and shows the compiler's message" {
    printf 'int main(void)\n{\n    return missing_variable;\n}\n' >"$BATS_TEST_TMPDIR/broken.c"
    grade tcp-echo "$BATS_TEST_TMPDIR/broken.c"
    expect_status 1
    expect_line '^compile: FAILED \(cc .* broken\.c common/\*\.c -o tcp-echo\), score 0:$'
    expect_line "^  broken\.c:3:12: error: 'missing_variable' undeclared"
    expect_line '^FAIL  0/2  echoes 1 MiB sent in one go'
    expect_line '^      \| not run: the program does not compile$'
    expect_equal "score: 0/17" "$(last_line)"
    [ "$(grep -c '^PASS' <<<"$output")" = 0 ]
}

# The tcp-echo solution with two bugs the grader must report: an unused
# variable (a warning) and a per-client buffer that is never freed (a leak).
make_leaky_echo() { # FILE
    sed -e 's|^#include <string.h>$|#include <stdlib.h>\n#include <string.h>|' \
        -e 's|^    char buffer\[16384\];$|    int unused_counter = 0;\n    char *buffer = malloc(16384);\n    if (buffer == NULL)\n        return;|' \
        -e 's|recv(connection_fd, buffer, sizeof buffer, 0)|recv(connection_fd, buffer, 16384, 0)|' \
        "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" >"$1"
    grep -q 'malloc(16384)' "$1" # the solution changed: update the sed above
}

@test "grade: a warning costs the warnings point, a leak the valgrind points, and both are shown with file:line" {
    local leaky=$BATS_TEST_TMPDIR/leaky-warning-echo.c
    make_leaky_echo "$leaky"
    local warning_line
    warning_line=$(grep -n 'int unused_counter' "$leaky" | cut -d: -f1)
    grade tcp-echo "$leaky" --tests warnings,echo_1mib,memcheck
    expect_status 1
    expect_line '^compile: built, with warnings:$'
    expect_line "^  leaky-warning-echo\.c:$warning_line:9: warning: unused variable 'unused_counter' \[-Wunused-variable\]$"
    expect_line '^FAIL  0/1  compiles without warnings'
    expect_line '^FAIL  0/2  valgrind memcheck'
    # How the blocks are classed (definitely or possibly lost) depends on what
    # the stack still holds at exit; either way the leak is named.
    expect_line '^      \|   \| ==[0-9]+== [0-9,]+ bytes in [0-9]+ blocks are (definitely|possibly) lost'
    expect_line '^      \|   \| ==[0-9]+==    by 0x[0-9A-F]+: serve \(leaky-warning-echo\.c:'"$((warning_line + 1))"'\)$'
    expect_line '^PASS  2/2  echoes 1 MiB sent in one go'
    expect_equal "score: 2/5" "$(last_line)"
}

@test "grade --json: Gradescope's results.json, valid and complete" {
    grade tcp-echo "$SOCKSTEP_ROOT/lessons/v04-tcp-server/v04-tcp-server.c" --json "$BATS_TEST_TMPDIR/results.json" \
        --tests warnings,address_line,echo_short
    expect_status 1
    local json=$BATS_TEST_TMPDIR/results.json
    json_flatten "$json" >"$BATS_TEST_TMPDIR/flat"
    expect_equal 2 "$(json_get "$json" score)"
    expect_equal 4 "$(json_get "$json" max_score)"
    expect_equal "compiles without warnings (flags: -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes -D_POSIX_C_SOURCE=200809L)" "$(json_get "$json" 'tests[0].name')"
    expect_equal passed "$(json_get "$json" 'tests[1].status')"
    expect_equal 1 "$(json_get "$json" 'tests[1].max_score')"
    expect_equal failed "$(json_get "$json" 'tests[2].status')"
    expect_equal 0 "$(json_get "$json" 'tests[2].score')"
    expect_equal 2 "$(json_get "$json" 'tests[2].max_score')"
    [[ $(json_get "$json" 'tests[2].output') == "the bytes that came back differ from the bytes sent:\n"* ]]
    ! json_get "$json" 'tests[3].name' >/dev/null
}

@test "grade --json: student output with invalid UTF-8, quotes, control characters and NULs stays valid JSON, capped" {
    grade tcp-echo "$FIXTURES/nasty-output.c" --json "$BATS_TEST_TMPDIR/results.json" --classroom "$BATS_TEST_TMPDIR/classroom.json" \
        --tests warnings,address_line
    expect_status 1
    local f
    for f in results classroom; do
        json_flatten "$BATS_TEST_TMPDIR/$f.json" >"$BATS_TEST_TMPDIR/$f.flat"
        is_utf8 "$BATS_TEST_TMPDIR/$f.json"
        [ "$(stat -c %s "$BATS_TEST_TMPDIR/$f.json")" -lt 100000 ]
    done
    local out
    out=$(json_get "$BATS_TEST_TMPDIR/results.json" 'tests[1].output')
    [[ $out == *'bad ??? utf-8, "quotes", back\slash, tab\t, bell?, esc ?[31m red, cr?, nul  after nul\n'* ]] ||
        { echo "output was: ${out:0:400}" >&2; return 1; }
    grep -qF 'bad ??? utf-8, \"quotes\", back\\slash, tab\t,' "$BATS_TEST_TMPDIR/results.json"
    [[ $out == *'(172000 bytes, first 600 shown)'* ]]
    # The report on the terminal: no raw escape, carriage return or NUL.
    ! grep -q $'[\x1b\r]' <<<"$output"
}

# user_clone: the kit's exercises/ and common/ copied into a 0700 folder
# that an ordinary user owns (like a home folder): USER_CLONE is the copy,
# AS_USER the command prefix that runs as that user (uid 65534 when the test
# is root, which also needs USER_COPY removed afterwards; else empty).
user_clone() {
    AS_USER=()
    if is_root; then
        USER_COPY=$(mktemp -d /tmp/sockstep-userkit.XXXXXX)
        chmod 755 "$USER_COPY"
        AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$USER_COPY/home")
    else
        USER_COPY=$BATS_TEST_TMPDIR/user
    fi
    USER_CLONE=$USER_COPY/home/clone
    mkdir -p "$USER_CLONE"
    cp -r "$SOCKSTEP_ROOT/exercises" "$SOCKSTEP_ROOT/common" "$USER_CLONE/"
    ! is_root || chown -R 65534:65534 "$USER_COPY/home"
    chmod 700 "$USER_COPY/home"
}

@test "grade as an ordinary user, from a clone in a folder others cannot enter: isolated, and on plain loopback" {
    user_clone
    local clone=$USER_CLONE user=("${AS_USER[@]}") mode
    for mode in 1 0; do
        run timeout -k 5 120 "${user[@]}" env -u SOCKSTEP_GRADER_TMPDIR -u SOCKSTEP_GRADER_PREBUILT \
            SOCKSTEP_GRADER_NAMESPACES=$mode "$clone/exercises/grade" udp-upper "$clone/exercises/udp-upper/solution.c" \
            --tests upper_ascii,bad_port
        expect_status 0
        expect_line '^sandbox: .*; program runs as [a-z0-9_-]+ \(not root: no separate uid\)$'
        expect_equal "score: 3/3" "$(last_line)"
        if [ "$mode" = 1 ] && bwrap_works; then
            expect_line '^sandbox: isolated by bubblewrap'
            expect_line '^memory: per process only \(no writable memory cgroup: the grader is not root\)'
        fi
    done
    ! is_root || rm -rf "$USER_COPY"
}

@test "grade as an ordinary user counts the user's threads for the process limit: beside a 400-thread program of the same user, a submission compiles and starts its 20 client threads" {
    # RLIMIT_NPROC counts every thread of the user. A grader that counted
    # only processes gave a limit the user's threads had already used up
    # ("timeout: fork system call failed", pthread_create failing), and the
    # student 0 points. 400: more threads than the grader's headroom
    # (USER_NPROC_HEADROOM, 256), so that counting processes alone still
    # fails here. thread-echo's solution starts a thread for each of 20
    # clients at once.
    user_clone
    local kit=$USER_CLONE user=("${AS_USER[@]}")
    cc -std=c11 -pthread -o "$kit/many-threads" "$FIXTURES/many-threads.c"
    ! is_root || chown 65534:65534 "$kit/many-threads"
    "${user[@]}" "$kit/many-threads" 400 >"$BATS_TEST_TMPDIR/threads.out" 2>&1 3>&- &
    local holder=$!
    STARTED_PIDS+=("$holder")
    wait_for_line "$BATS_TEST_TMPDIR/threads.out" '^400 threads$' "$holder"
    # Without bubblewrap or namespaces: the program runs right under the
    # grader's prlimit, in the user's own user namespace, where RLIMIT_NPROC
    # counts all of the user's threads (in a user namespace of its own, as
    # under bubblewrap, the kernel counts only that namespace's).
    # The grader's own limits (not QUICK's 6 s): the compile of the solution
    # and common/ once took longer than 6 s beside a second copy of the suite.
    run timeout -k 5 120 "${user[@]}" env -u SOCKSTEP_GRADER_TMPDIR -u SOCKSTEP_GRADER_PREBUILT -u SOCKSTEP_GRADER_QUICK SOCKSTEP_GRADER_BWRAP=none SOCKSTEP_GRADER_NAMESPACES=0 \
        "$kit/exercises/grade" thread-echo "$kit/exercises/thread-echo/solution.c" --tests warnings,clients_at_once
    stop_server "$holder"
    ! is_root || rm -rf "$USER_COPY"
    expect_line '^compile: ok$'
    expect_equal "score: 4/4" "$(last_line)"
}

@test "grade after a grader killed by SIGKILL mid-test: the next grade of that uid removes its work folder (a classmate's submission), outlives nothing of it, and replaces its memory and cpu cgroups (root only)" {
    is_root || skip "needs root: only root grades as a separate uid, with a lock file per uid"
    local uid=$SOCKSTEP_GRADER_UID_BASE cgroup= cpu_cgroup= dir deadline=$((SECONDS + 30)) work= copies=()
    # A program that never prints its address line: the memcheck test waits
    # for it, under valgrind, for up to 12 s (SOCKSTEP_GRADER_QUICK).
    printf '%s\n' '#include <unistd.h>' 'int main(void)' '{' '    for (;;)' '        pause();' '}' >"$BATS_TEST_TMPDIR/never-ready.c"
    # A grade that is killed, with its whole process group, as a CI's
    # timeout kills a job, while its harness runs a test.
    setsid "$GRADER" tcp-echo "$BATS_TEST_TMPDIR/never-ready.c" --tests memcheck >"$BATS_TEST_TMPDIR/killed.out" 2>&1 3>&- &
    local killed=$!
    while [ -z "$work" ] && ((SECONDS < deadline)) && alive "$killed"; do
        work=$(pgrep -af -- "$GRADER_TMP/sockstep-grade\\.[^/ ]*/kit/lib/harness\\.bash" | grep -o -- "$GRADER_TMP/sockstep-grade\\.[^/ ]*" | head -n 1 || true)
        [ -n "$work" ] || nap 0.02
    done
    for dir in /sys/fs/cgroup/memory/sockstep-grade.$uid /sys/fs/cgroup/sockstep-grader/grade.$uid; do
        [ -d "$dir" ] && cgroup=$dir
    done
    # (cgroup v1: the cpu controller has a folder of its own; v2 uses the one above)
    [ -d "/sys/fs/cgroup/cpu/sockstep-grade.$uid" ] && cpu_cgroup=/sys/fs/cgroup/cpu/sockstep-grade.$uid
    kill -KILL -- "-$killed" 2>/dev/null || true
    wait "$killed" || true
    [ -n "$work" ] || { echo "the grade's harness did not start within 30 s:" >&2; cat "$BATS_TEST_TMPDIR/killed.out" >&2; return 1; }
    # What SIGKILL left: the work folder with the submission, owned by the
    # uid the next grade gets, and the harness, in a session of its own (it
    # ends once its program and its folder are gone).
    copies=("$work"/sandbox/*.c)
    [ -e "${copies[0]}" ] || { echo "SIGKILL left no submission in $work: nothing to prove" >&2; return 1; }
    expect_equal "$uid" "$(stat -c %u "${copies[0]}")" "owner of the left copy (the next grade's uid can read it)"
    pgrep -f -- "$work/" >/dev/null || { echo "the killed grade's harness ended with it: nothing to prove" >&2; return 1; }

    grade tcp-echo "$SOLUTION" --tests warnings,address_line
    local left
    left=$(pgrep -af -- "$work/" || true)
    [ -z "$left" ] || { pkill -KILL -f -- "$work/" || true; echo "still running after the next grade: $left" >&2; return 1; }
    expect_status 0
    expect_line "program runs as uid $uid\$"
    expect_equal "score: 2/2" "$(last_line)"
    [ ! -e "$work" ] || { echo "the killed grade's work folder $work is still there" >&2; return 1; }
    expect_uid_gone "$uid"
    if [ -z "$cgroup" ]; then
        grep -q '^memory: per process only' <<<"$output" ||
            { echo "the killed grade made no cgroup, but the next one did" >&2; return 1; }
        skip "its work folder and harness were checked; not its cgroup: no writable memory cgroup on this machine"
    fi
    expect_line "^memory: all of the program.s processes together at most 1024 MiB \\(cgroup ${cgroup#/sys/fs/cgroup/}\\)\$"
    [ ! -d "$cgroup" ] || { echo "$cgroup is still there after the grade" >&2; return 1; }
    if [ -n "$cpu_cgroup" ]; then
        expect_line "^cpu: all of the program.s processes together at most one core \\(cgroup ${cpu_cgroup#/sys/fs/cgroup/}\\)\$"
        [ ! -d "$cpu_cgroup" ] || { echo "$cpu_cgroup is still there after the grade" >&2; return 1; }
    fi
}

# harness_run NAME FUNCTION VAR=VALUE...: the grader's harness, run directly
# on the tests.sh in $BATS_TEST_TMPDIR with READY_SECONDS=1, in the background;
# its output and status go to $BATS_TEST_TMPDIR/NAME.out and NAME.status.
harness_run() {
    local name=$1 func=$2 dir=$BATS_TEST_TMPDIR
    shift 2
    mkdir -p "$dir/$name.box" "$dir/$name.logs"
    (st=0; timeout -k 2 15 env PROGRAM="$dir/starved-start" SANDBOX_DIR="$dir/$name.box" LOG_DIR="$dir/$name.logs" \
        READY_SECONDS=1 LIMIT_NPROC=64 LIMIT_FSIZE=1000000 LIMIT_CPU=20 LIMIT_NOFILE=64 LIMIT_AS=500000000 "$@" \
        bash "$SOCKSTEP_ROOT/exercises/lib/harness.bash" "$dir/tests.sh" "$func" >"$dir/$name.out" 2>&1 || st=$?
    echo "$st" >"$dir/$name.status") 3>&- &
}

# write_sandbox_args FILE: bubblewrap's options for harness_run (SANDBOX_ARGS),
# a smaller sandbox than the grader's: its own PID namespace and session, the
# system read-only, nothing else of the host.
write_sandbox_args() {
    local -a own=() system=(--tmpfs / --ro-bind /usr /usr)
    is_root || own=(--unshare-user --disable-userns)
    local d
    for d in /bin /sbin /lib /lib64; do
        if [ -L "$d" ]; then system+=(--symlink "$(readlink "$d")" "$d"); elif [ -d "$d" ]; then system+=(--ro-bind "$d" "$d"); fi
    done
    printf '%s\0' --unshare-pid --die-with-parent --new-session "${own[@]}" "${system[@]}" --proc /proc --dev /dev >"$1"
}

@test "harness: one SIGTERM that reaches the relay before it has had the CPU since starting the program still stops the program, exit status 0 (isolated)" {
    bwrap_works || skip "bubblewrap cannot isolate here: the relay runs only for isolated grading"
    local dir=$BATS_TEST_TMPDIR
    # RELAY_PAUSE_UNTIL: the relay pauses right after it starts the program,
    # as a busy machine may make it, until the test has sent its one SIGTERM
    # (then the test lets it go on); the program must get that signal.
    cat >"$dir/tests.sh" <<'TESTS'
test_stop_in_pause() {
    start_student 127.0.0.1 0 || return 1
    kill -TERM "$STUDENT_PID"
    : >"$RELAY_PAUSE_UNTIL"
    wait_ended "$STUDENT_PID" 5 || { echo "still running 5 s after one SIGTERM"; return 1; }
    echo "exit status $ENDED_STATUS after one SIGTERM in the relay's pause"
    [ "$ENDED_STATUS" = 0 ]
}
TESTS
    write_sandbox_args "$dir/sandbox.args"
    harness_run pause test_stop_in_pause PROGRAM="$SOCKSTEP_BUILD/v04-tcp-server" READY_SECONDS=5 \
        RELAY_PAUSE_UNTIL="$dir/signal-sent" SANDBOX_ARGS="$dir/sandbox.args" BWRAP="$(command -v bwrap)"
    wait $!
    output=$(cat "$dir/pause.out")
    expect_equal "exit status 0 after one SIGTERM in the relay's pause" "$output" "the harness's output"
    expect_equal 0 "$(cat "$dir/pause.status")" "the harness's status"
}

@test "harness: a server whose sandbox takes 3 s to start (bubblewrap blocked, not waiting for a CPU) still gets its 2 s, from its own start, to print its address (isolated)" {
    bwrap_works || skip "bubblewrap cannot isolate here: only an isolated program has a sandbox to wait for"
    local dir=$BATS_TEST_TMPDIR
    # The slow start: bubblewrap behind a 3 s sleep, as when many sandboxes
    # start at once and each waits on the kernel's namespace and mount locks.
    # Asleep, it waits for no CPU, so only "not started yet" can explain it.
    printf '#!/bin/sh\nsleep 3\nexec %s "$@"\n' "$(command -v bwrap)" >"$dir/slow-bwrap"
    # The server takes 0.5 s of its 2 s (READY_SECONDS) to print its address:
    # it passes only if they count from its own start, 3 s late. (Without
    # that, the harness looks again 0.2 s at a time until bubblewrap has
    # started it, then gives up.) Its 1.5 s to spare are for a busy machine.
    printf '#!/bin/sh\nsleep 0.5\necho "slow-server: listening on 127.0.0.1:9"\nexec sleep 10\n' >"$dir/slow-server"
    chmod +x "$dir/slow-bwrap" "$dir/slow-server"
    printf '%s\n' 'test_slow_sandbox() { start_student && echo "address line read, port $PORT"; }' >"$dir/tests.sh"
    write_sandbox_args "$dir/sandbox.args"
    harness_run slow test_slow_sandbox PROGRAM="$dir/slow-server" READY_SECONDS=2 READY_EXTRA_SECONDS=5 \
        SANDBOX_ARGS="$dir/sandbox.args" BWRAP="$dir/slow-bwrap"
    wait $!
    output=$(cat "$dir/slow.out")
    expect_equal "address line read, port 9" "$output" "the harness's output"
    expect_equal 0 "$(cat "$dir/slow.status")" "the harness's status"
}

@test "harness: a server that stops at once on its one SIGTERM keeps its point, even when bash 5.2's read -t has stopped the harness from reaping it" {
    local dir=$BATS_TEST_TMPDIR
    # bash 5.2's `read -t` sets the shell's signal mask from an uninitialised
    # variable when its deadline has passed before it starts to read, as on a
    # busy machine; a 1 µs nap nearly always has. What the mask becomes
    # depends on the process (in about half of them it blocks SIGCHLD): up to
    # 50 naps, then status 3, and the test tries a new harness, up to 10 of
    # them, each with a log folder of its own (a server.0.out left by the one
    # before would pass for the new server's address line).
    cat >"$dir/tests.sh" <<'TESTS'
sigchld_blocked() {
    local key value
    while read -r key value; do
        [ "$key" = SigBlk: ] && { ((0x$value & 0x10000)); return; }
    done <"/proc/$BASHPID/status"
    return 1
}
test_stop_unreaped() {
    start_student 127.0.0.1 0 || return 1
    local n
    for ((n = 0; n < 50; n++)); do
        nap 0.000001
        sigchld_blocked && break
    done
    sigchld_blocked || return 3
    expect_stops_on TERM "waiting for a client"
}
TESTS
    local attempt name
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        name=unreaped.$attempt
        harness_run "$name" test_stop_unreaped PROGRAM="$SOCKSTEP_BUILD/v04-tcp-server" READY_SECONDS=5
        wait $!
        [ "$(cat "$dir/$name.status")" = 3 ] || break
    done
    [ "$(cat "$dir/$name.status")" != 3 ] ||
        skip "this bash ($BASH_VERSION) never blocked SIGCHLD after a nap that timed out at once (10 harnesses)"
    expect_equal "" "$(cat "$dir/$name.out")" "the harness's output"
    expect_equal 0 "$(cat "$dir/$name.status")" "the harness's status"
}

@test "harness: a server kept from the CPU by a busy core gets the time it waited, and no more; an asleep one only what its start waited" {
    [ -r /proc/self/schedstat ] || skip "no /proc/PID/schedstat here: the kernel does not count how long a process waits for a CPU"
    local dir=$BATS_TEST_TMPDIR cpu
    cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$dir/starved-start" "$FIXTURES/starved-start.c"
    printf '%s\n' 'test_starved() { start_student spin "$CPU"; }' 'test_asleep() { start_student sleep; }' >"$dir/tests.sh"
    cpu=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
    # The busy core: a loop in a session (an autogroup) of its own, beside
    # which the fixture, at nice 19, hardly ever runs. (setsid does not fork
    # here, so $! is the loop's timeout, which the test stops when the
    # harness runs are done, or teardown. Its 120 s are only a last resort:
    # beside a second copy of the suite those runs took more than 10 s.)
    taskset -c "$cpu" setsid timeout 120 sh -c 'while :; do :; done' 3>&- &
    local busy=$! jobs=()
    STARTED_PIDS+=("$busy")
    harness_run starved test_starved CPU="$cpu"
    jobs+=($!)
    harness_run asleep test_asleep
    jobs+=($!)
    if bwrap_works; then
        # Isolated: bubblewrap and its init stand between the harness and the program.
        write_sandbox_args "$dir/sandbox.args"
        harness_run isolated test_starved CPU="$cpu" SANDBOX_ARGS="$dir/sandbox.args" BWRAP="$(command -v bwrap)"
        jobs+=($!)
    fi
    wait "${jobs[@]}"
    stop_server "$busy"
    local name starved=(starved)
    bwrap_works && starved+=(isolated)
    for name in "${starved[@]}" asleep; do
        expect_equal 1 "$(cat "$dir/$name.status")" "the harness's status ($name)"
        output=$(cat "$dir/$name.out")
        expect_equal "the server printed no complete first line within 1 s" "$(head -n 1 <<<"$output")" "the first line ($name)"
    done
    # Starved, it got nearly all of the extra second (READY_EXTRA_SECONDS
    # defaults to READY_SECONDS). Asleep, it never asks for a CPU: it gets
    # nothing, or on a busy machine the little its start (the exec of setsid,
    # nice, prlimit and env before it) waited for one, never the whole second.
    for name in "${starved[@]}"; do
        output=$(cat "$dir/$name.out")
        expect_line '^\(and none in the (0\.[5-9]|1\.0) s more it was given: the time it waited for a CPU or for its sandbox on this busy machine\)$'
    done
    output=$(cat "$dir/asleep.out")
    [[ $output != *"more it was given"* ]] || [[ $output =~ \(and\ none\ in\ the\ 0\.[1-9]\ s\ more\ it\ was\ given ]] ||
        { echo "the asleep server was given as much time as a starved one: $output" >&2; return 1; }
}
