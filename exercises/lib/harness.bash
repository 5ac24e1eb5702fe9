# exercises/lib/harness.bash - runs ONE test of an exercise (trusted code).
#
#   bash harness.bash TESTS_FILE FUNCTION
#
# exercises/grade starts this once per test, under `timeout -k`, usually as
# process 1 of fresh network, PID and IPC namespaces (so when it ends, every
# process the student started ends with it). It sources the exercise's
# tests.sh and calls FUNCTION. The exit status is the verdict: 0 = passed.
# Everything printed is a diagnostic for the student's report; the grader
# never parses it.
#
# The student's program never runs as this shell's user when the grader is
# root: run_student/start_student wrap it in bubblewrap (when the grader
# isolates: the program sees only itself, a private /tmp and the system
# read-only, in its own PID and IPC namespaces, sharing only this test's
# loopback), setpriv (an unprivileged uid), prlimit (processes, memory, file
# size, CPU, open files) and its own session, and put it in the student's
# memory cgroup. The environment comes from exercises/grade:
#   PROGRAM  PEER  SANDBOX_DIR  LOG_DIR  STUDENT_UID  LIMIT_*  LOOPBACK_UP
#   BWRAP  SANDBOX_ARGS (bubblewrap's options, NUL-separated; empty: not
#   isolated)  CGROUP_PROCS  READY_SECONDS  QUICK (1: shorter waits)
set -u

READY_SECONDS=${READY_SECONDS:-5}
SHOW_BYTES=600           # at most this much of any student output is shown
STARTED=()               # process ids of students started in the background
VALGRIND=0               # a test sets VALGRIND=1 to run the program under memcheck
VALGRIND_LOG=
SANDBOX=()               # bubblewrap's options (isolated grading)
[ -z "${SANDBOX_ARGS:-}" ] || mapfile -d '' -t SANDBOX <"$SANDBOX_ARGS"

# The shell's own complaints (e.g. "File size limit exceeded" when it reaps
# a student killed by SIGXFSZ) are not diagnostics: keep them aside.
exec 2>>"$LOG_DIR/harness.err"

if [ "${LOOPBACK_UP:-0}" = 1 ]; then
    ip link set lo up || { echo "harness: cannot bring up loopback in the namespace"; exit 125; }
fi

# fail MESSAGE...: print why the test failed and return 1 (use: ... || fail "...").
fail() {
    printf '%s\n' "$*"
    return 1
}

# show LABEL FILE: a capped, printable view of what the student's program wrote.
show() {
    local label=$1 file=$2 size
    size=$(stat -c %s "$file" 2>/dev/null || echo 0)
    if [ "$size" -eq 0 ]; then
        printf '%s: (nothing)\n' "$label"
        return 0
    fi
    printf '%s (%s bytes%s):\n' "$label" "$size" "$([ "$size" -gt "$SHOW_BYTES" ] && echo ", first $SHOW_BYTES shown")"
    head -c "$SHOW_BYTES" "$file" | LC_ALL=C tr -d '\000' | sed 's/^/  | /'
    echo
}

# student_command ARGS...: sets STUDENT_COMMAND, the sandboxed command line.
student_command() {
    local -a limits=(prlimit "--nproc=$LIMIT_NPROC" "--fsize=$LIMIT_FSIZE" "--cpu=$LIMIT_CPU"
        "--nofile=$LIMIT_NOFILE" --core=0)
    local -a as=("--as=$LIMIT_AS")
    local -a user=()
    local -a memcheck=()
    if [ "$VALGRIND" = 1 ]; then
        as=("--as=$LIMIT_AS_VALGRIND")
        VALGRIND_LOG=$LOG_DIR/valgrind.$RANDOM.log
        # valgrind writes its report to fd 9, opened here by the grader: the
        # student's code cannot reach or truncate it.
        memcheck=(valgrind -q --log-fd=9 --leak-check=full --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
            --track-fds=no --vgdb=no)
    fi
    if [ -n "${STUDENT_UID:-}" ]; then
        user=(setpriv "--reuid=$STUDENT_UID" "--regid=$STUDENT_UID" --clear-groups --no-new-privs
            --inh-caps=-all --bounding-set=-all)
    fi
    # A clean environment: the grader's variables (paths of its files) stay out.
    # nice: a student spinning on the CPU must not starve the grader's checks.
    if [ ${#SANDBOX[@]} -gt 0 ]; then
        # Isolated: the program is /box/NAME, read-only, in a private folder
        # of its own; it is the first to go when the memory cgroup is full
        # (choom), and starts with SIGINT and SIGQUIT at their defaults
        # (a background job of a shell starts with them ignored).
        # bubblewrap reads its options from fd 3 (--args), so they do not
        # show in /proc/1/cmdline inside, where the program could read them.
        local name=${PROGRAM##*/}
        BWRAP_ARGS_FILE=$LOG_DIR/bwrap.$RANDOM.args
        printf '%s\0' "${SANDBOX[@]}" --perms 0777 --size 16777216 --tmpfs /box \
            --ro-bind "$PROGRAM" "/box/$name" --chdir /box >"$BWRAP_ARGS_FILE"
        # (env -i: bubblewrap's init, process 1 inside, keeps a clean environment)
        STUDENT_COMMAND=(env -i PATH=/usr/local/bin:/usr/bin:/bin "$BWRAP" --args 3 -- "${user[@]}" choom -n 1000 --
            "${limits[@]}" "${as[@]}" -- nice -n 10 env -i --default-signal=INT,QUIT
            PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C.UTF-8 TMPDIR=/tmp "${memcheck[@]}" "./$name" "$@")
        return 0
    fi
    STUDENT_COMMAND=(setsid -w nice -n 10 "${limits[@]}" "${as[@]}" -- "${user[@]}"
        env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C.UTF-8 TMPDIR="$SANDBOX_DIR" "${memcheck[@]}" "$PROGRAM" "$@")
}

# close_extra_fds: the student's process gets only fds 0-2 (and valgrind's 9).
close_extra_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && [ "$fd" != 9 ] && eval "exec $fd>&-"
    done
    return 0
}

# pid_children PID: the processes whose parent is PID.
pid_children() {
    local stat line
    local -a fields
    for stat in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$stat" || continue
        read -ra fields <<<"${line##*) }"
        [ "${fields[1]}" = "$1" ] && { stat=${stat%/stat}; echo "${stat#/proc/}"; }
    done
    return 0
}

# sandboxed_program PID: the program's pid as this shell sees it: among the
# descendants of PID (bubblewrap, its init, maybe a tracer in between), the
# one that is process 2 of a PID namespace below this shell's (the init's
# first child: the program).
sandboxed_program() {
    local -a level=("$1") next
    local depth pid child nspid
    for ((depth = 0; depth < 5; depth++)); do
        next=()
        for pid in "${level[@]}"; do
            for child in $(pid_children "$pid"); do
                nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' "/proc/$child/status" 2>/dev/null)
                [[ $nspid =~ [[:space:]]2$ ]] && { echo "$child"; return 0; }
                next+=("$child")
            done
        done
        [ ${#next[@]} -gt 0 ] || return 0
        level=("${next[@]}")
    done
    return 0
}

# relay_student: (isolated) runs STUDENT_COMMAND and stays its parent: a
# signal sent to this shell (the test's STUDENT_PID) goes on to the program
# itself, two levels down in bubblewrap, and this shell ends with the
# program's exit status, so the tests signal and wait as if it were direct.
# split_tracer: a test may put a tracer (strace) in front of STUDENT_COMMAND.
# Isolated, it is taken off (into TRACER) and attached to the program itself
# once it runs (-p PID), not to bubblewrap around it, whose own system calls
# are not the student's.
split_tracer() {
    TRACER=()
    [ "${STUDENT_COMMAND[0]}" != env ] || return 0
    local i
    for ((i = 1; i < ${#STUDENT_COMMAND[@]}; i++)); do
        if [ "${STUDENT_COMMAND[i]}" = env ] && [ "${STUDENT_COMMAND[i + 3]:-}" = "$BWRAP" ]; then
            TRACER=("${STUDENT_COMMAND[@]:0:i}")
            STUDENT_COMMAND=("${STUDENT_COMMAND[@]:i}")
            return 0
        fi
    done
}

# attach_tracer: starts TRACER on the program and, once it is attached,
# leaves the file $LOG_DIR/traced.PID (PID: this relay) for start_student.
attach_tracer() {
    local tries=$((READY_SECONDS * 50)) pid=
    while [ -z "$pid" ] && ((tries-- > 0)); do
        pid=$(sandboxed_program "$RELAY_CHILD")
        [ -n "$pid" ] || sleep 0.02
    done
    [ -n "$pid" ] || return 0
    "${TRACER[@]}" -p "$pid" </dev/null >/dev/null 2>>"$LOG_DIR/harness.err" &
    while ((tries-- > 0)) && [ "$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)" = 0 ]; do
        sleep 0.02
    done
    : >"$LOG_DIR/traced.$BASHPID"
}

relay_student() {
    split_tracer
    if [ "$VALGRIND" = 1 ]; then
        (close_extra_fds; exec "${STUDENT_COMMAND[@]}" 3<"$BWRAP_ARGS_FILE") 9>>"$VALGRIND_LOG" &
    else
        (close_extra_fds; exec "${STUDENT_COMMAND[@]}" 3<"$BWRAP_ARGS_FILE") &
    fi
    RELAY_CHILD=$!
    local signal status
    for signal in TERM INT HUP QUIT USR1 USR2; do
        # shellcheck disable=SC2064
        trap "forward_signal $signal" "$signal"
    done
    [ ${#TRACER[@]} -eq 0 ] || attach_tracer
    # wait returns early (above 128) when a trap ran; then wait again: bash
    # keeps the status of a child it reaped meanwhile.
    while :; do
        SIGNAL_FORWARDED=0
        wait "$RELAY_CHILD"
        status=$?
        [ "$SIGNAL_FORWARDED" = 1 ] || exit "$status"
    done
}

forward_signal() {
    SIGNAL_FORWARDED=1
    local target
    target=$(sandboxed_program "$RELAY_CHILD")
    if [ -n "$target" ]; then
        kill -"$1" "$target" 2>/dev/null
    else
        kill -KILL "$RELAY_CHILD" 2>/dev/null # not started, or gone: end it
    fi
}

# The student's processes join the student's memory cgroup, if any.
exec_student() {
    [ -z "${CGROUP_PROCS:-}" ] || echo "$BASHPID" >"$CGROUP_PROCS" || exit 126
    [ ${#SANDBOX[@]} -eq 0 ] || relay_student
    cd "$SANDBOX_DIR" || exit 126
    if [ "$VALGRIND" = 1 ]; then
        exec "${STUDENT_COMMAND[@]}" 9>>"$VALGRIND_LOG"
    fi
    exec "${STUDENT_COMMAND[@]}"
}

# record PID: remember a student's session, to kill it at the end. Without
# namespaces the grader kills these sessions too (when it is not root).
record() {
    STARTED+=("$1")
    [ -z "${PIDS_FILE:-}" ] || echo "$1" >>"$PIDS_FILE"
}

# run_student SECONDS ARGS...: runs the program to its end (at most SECONDS);
# sets STATUS, OUT and ERR (files), ELAPSED (whole seconds).
run_student() {
    local seconds=$1
    shift
    # The kit's own tests (QUICK=1) wait less for a program that never ends.
    [ "${QUICK:-0}" = 1 ] && [ "$seconds" -gt $((2 * READY_SECONDS)) ] && seconds=$((2 * READY_SECONDS))
    student_command "$@"
    OUT=$LOG_DIR/run.$RANDOM.out
    ERR=$LOG_DIR/run.$RANDOM.err
    local start=$SECONDS
    STATUS=0
    (exec_student) </dev/null >"$OUT" 2>"$ERR" &
    local pid=$!
    record "$pid"
    wait_or_kill "$pid" "$seconds" || STATUS=$?
    ELAPSED=$((SECONDS - start))
}

# wait_traced: (isolated, a tracer in front of the command) until the relay
# has attached it to the program, so the test's calls that follow are seen.
wait_traced() {
    [ ${#SANDBOX[@]} -gt 0 ] && [ "${STUDENT_COMMAND[0]}" != env ] || return 0
    local tries=$((READY_SECONDS * 50))
    while [ ! -e "$LOG_DIR/traced.$STUDENT_PID" ] && ((tries-- > 0)); do
        sleep 0.02
    done
    return 0
}

# start_student ARGS...: starts a server in the background and waits (with a
# deadline) for its first line, which must end in HOST:PORT.
# Sets STUDENT_PID, PORT, OUT, ERR.
start_student() {
    student_command "$@"
    OUT=$LOG_DIR/server.${#STARTED[@]}.out
    ERR=$LOG_DIR/server.${#STARTED[@]}.err
    (exec_student) </dev/null >"$OUT" 2>"$ERR" &
    STUDENT_PID=$!
    record "$STUDENT_PID"
    local tries=$((READY_SECONDS * 50)) first
    while ((tries-- > 0)); do
        first=$(head -n 1 "$OUT" 2>/dev/null)
        if [ -n "$first" ] && [ "$(head -c 4096 "$OUT" | wc -l)" -ge 1 ]; then
            PORT=$(printf '%s\n' "$first" | sed -nE 's/.*:([0-9]{1,5})$/\1/p')
            if [ -z "$PORT" ] || [ "$PORT" -eq 0 ] || [ "$PORT" -gt 65535 ]; then
                fail "the first line the server printed does not end in HOST:PORT:"
                show "stdout" "$OUT"
                return 1
            fi
            wait_traced
            return 0
        fi
        if ! kill -0 "$STUDENT_PID" 2>/dev/null; then
            wait "$STUDENT_PID"
            fail "the server ended (exit status $?) before printing its address line"
            show "stdout" "$OUT"
            show "stderr" "$ERR"
            [ "$VALGRIND" = 1 ] && show "valgrind" "$VALGRIND_LOG"
            return 1
        fi
        sleep 0.02
    done
    fail "the server printed no complete first line within $READY_SECONDS s"
    show "stdout" "$OUT"
    show "stderr" "$ERR"
    return 1
}

# wait_or_kill PID SECONDS: waits for PID; kills its session at the deadline.
# Returns the exit status, or 124 if it had to be killed.
wait_or_kill() {
    local pid=$1 tries=$(($2 * 20))
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    local status=0
    wait "$pid" || status=$?
    return "$status"
}

# stop_student [PID]: SIGTERM (repeated each second), then SIGKILL after
# READY_SECONDS. Sets STOP_STATUS (the exit status, or "killed").
stop_student() {
    local pid=${1:-$STUDENT_PID} tries=$((READY_SECONDS * 50))
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do
        sleep 0.02
        ((tries % 50 == 0)) && kill -TERM "$pid" 2>/dev/null
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        STOP_STATUS=killed
        return 0
    fi
    STOP_STATUS=0
    wait "$pid" 2>/dev/null || STOP_STATUS=$?
}

# expect_stopped_cleanly: after stop_student, the server must have exited 0.
expect_stopped_cleanly() {
    [ "$STOP_STATUS" = 0 ] && return 0
    if [ "$STOP_STATUS" = killed ]; then
        fail "the server did not stop within $READY_SECONDS s of SIGTERM (it was killed)"
    else
        fail "after SIGTERM the server exited with status $STOP_STATUS instead of 0"
    fi
    show "stderr" "$ERR"
    return 1
}

# expect_memcheck_clean: valgrind's report for the last valgrind run is empty.
expect_memcheck_clean() {
    if [ -s "$VALGRIND_LOG" ]; then
        echo "valgrind found memory errors or leaks:"
        head -c 3000 "$VALGRIND_LOG" | sed 's/^/  | /'
        return 1
    fi
    return 0
}

hex() { od -An -v -tx1 | tr -d ' \n'; }

# A test that runs the program under valgrind gives it longer to start.
use_valgrind() {
    VALGRIND=1
    READY_SECONDS=$((READY_SECONDS * 4))
}

cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
    done
    # The grader's own peers and helpers started in the background, too.
    for pid in $(jobs -p); do
        kill -KILL "$pid" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 124' TERM INT   # stopped by the grader's timeout: still clean up

# shellcheck source=/dev/null
source "$1" || exit 125
declare -F "$2" >/dev/null || { echo "harness: no test function $2"; exit 125; }
"$2"
