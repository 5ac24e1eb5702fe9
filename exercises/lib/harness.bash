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
# memory and cpu cgroups. The environment comes from exercises/grade:
#   PROGRAM  PEER  SANDBOX_DIR  LOG_DIR  STUDENT_UID  LIMIT_*  LOOPBACK_UP
#   BWRAP  SANDBOX_ARGS (bubblewrap's options, NUL-separated; empty: not
#   isolated)  CGROUP_PROCS (cgroup.procs files, space-separated)
#   READY_SECONDS  READY_EXTRA_SECONDS  QUICK (1: shorter waits)
# and, for the kit's own tests only, RELAY_PAUSE_UNTIL (relay_student).
set -u

READY_SECONDS=${READY_SECONDS:-5}
# At most this much longer when the program waited for a CPU (cpu_wait).
READY_EXTRA_SECONDS=${READY_EXTRA_SECONDS:-$READY_SECONDS}
# How long the test peer waits for an answer (tests.sh passes it on).
PEER_MS=10000
[ "${QUICK:-0}" = 1 ] && PEER_MS=4000
SHOW_BYTES=600           # at most this much of any student output is shown
STARTED=()               # process ids of students started in the background
VALGRIND=0               # a test sets VALGRIND=1 to run the program under memcheck
VALGRIND_LOG=
SANDBOX=()               # bubblewrap's options (isolated grading)
[ -z "${SANDBOX_ARGS:-}" ] || mapfile -d '' -t SANDBOX <"$SANDBOX_ARGS"

# The shell's own complaints (e.g. "File size limit exceeded" when it reaps
# a student killed by SIGXFSZ) are not diagnostics: keep them aside.
exec 2>>"$LOG_DIR/harness.err"

# nap SECONDS: a pause that starts no process: read times out on a pipe that
# never gets data. The harness polls (for an address line, for a program to
# end) often enough that a `sleep` process for each poll was a good part of
# a grade's CPU time. Student programs never get this descriptor.
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _ || :; }

# alive PID (exercises/lib/alive.bash): does PID still run? A zombie has ended.
# shellcheck source=alive.bash
[[ ${BASH_SOURCE[0]} == */* ]] && HARNESS_DIR=${BASH_SOURCE[0]%/*} || HARNESS_DIR=.
source "$HARNESS_DIR/alive.bash" || exit 125

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
        memcheck=(valgrind --log-fd=9 --leak-check=full --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --trace-children=yes
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

# pid_children PID: the processes whose parent is PID. The kernel lists
# them in /proc/PID/task/*/children where it can (CONFIG_PROC_CHILDREN,
# Debian's default); else every process's stat is read, which is slow on a
# busy machine when this harness has no PID namespace and sees them all.
[ -r "/proc/$BASHPID/task/$BASHPID/children" ] && CHILDREN_LISTED=1 || CHILDREN_LISTED=0
pid_children() {
    local stat line
    local -a fields
    if [ "$CHILDREN_LISTED" = 1 ]; then
        [ -d "/proc/$1/task" ] || return 0
        for stat in /proc/"$1"/task/*/children; do
            fields=()
            read -ra fields 2>/dev/null <"$stat"
            [ ${#fields[@]} -eq 0 ] || printf '%s\n' "${fields[@]}"
        done
        return 0
    fi
    for stat in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$stat" || continue
        read -ra fields <<<"${line##*) }"
        [ "${fields[1]}" = "$1" ] && { stat=${stat%/stat}; echo "${stat#/proc/}"; }
    done
    return 0
}

# is_sandboxed_program PID: PID is process 2 of a PID namespace below this
# shell's: bubblewrap's init's first child, the program.
is_sandboxed_program() {
    local nspid
    nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
    [[ $nspid =~ [[:space:]]2$ ]]
}

# cpu_wait PID: how long the processes that start the student's program
# have waited for a CPU while ready to run: PID itself and, isolated,
# bubblewrap and its init down to the program. On a busy machine (a class
# graded ten at a time on two cores, or the kit's suite beside another copy)
# a program can get its first milliseconds of CPU seconds after it was
# started; that time was not the program's to use. Sets CPU_WAIT_MS (the
# kernel's run delay, /proc/PID/schedstat, summed), CPU_RUN (the program's,
# or else the last starter's, CPU time and time slices), CPU_READY (1 if
# that process is ready to run now), CPU_STARTED (0 while, isolated,
# bubblewrap has not started the program yet), PROGRAM_AGE_MS (isolated:
# how long ago bubblewrap started it) and PROGRAM_WAIT_MS (isolated: the
# program's own part of CPU_WAIT_MS). Once the program has started
# processes of its own, CPU_WAIT_MS is 0 and CPU_READY 0: it may have
# waited behind them.
cpu_wait() {
    local -a level=("$1") next children fields
    local depth pid run wait slices line last=
    CPU_WAIT_MS=0 CPU_RUN= CPU_READY=0 CPU_STARTED=1 PROGRAM_AGE_MS= PROGRAM_WAIT_MS=0
    [ ${#SANDBOX[@]} -eq 0 ] || CPU_STARTED=0
    for ((depth = 0; depth < 5 && ${#level[@]} > 0; depth++)); do
        next=()
        for pid in "${level[@]}"; do
            # (No schedstat, no count; the search goes on, for CPU_STARTED.)
            wait=0
            if read -r run wait slices 2>/dev/null <"/proc/$pid/schedstat"; then
                CPU_WAIT_MS=$((CPU_WAIT_MS + wait / 1000000)) CPU_RUN=$run:$slices last=$pid
            elif [ ! -e "/proc/$pid" ]; then
                continue
            fi
            mapfile -t children < <(pid_children "$pid")
            if [ ${#SANDBOX[@]} -eq 0 ] || is_sandboxed_program "$pid"; then
                CPU_STARTED=1
                [ ${#SANDBOX[@]} -eq 0 ] || program_age "$pid"
                [ ${#children[@]} -eq 0 ] || { CPU_WAIT_MS=0; return 0; } # processes of its own
                PROGRAM_WAIT_MS=$((wait / 1000000))
                break 2
            fi
            next+=("${children[@]}")
        done
        level=("${next[@]}")
    done
    [ -n "$last" ] && read -r line 2>/dev/null <"/proc/$last/stat" || return 0
    read -ra fields <<<"${line##*) }"
    [ "${fields[0]}" = R ] && CPU_READY=1
    return 0
}

# program_age PID: sets PROGRAM_AGE_MS, the time since PID started (its
# start time in /proc/PID/stat, field 22, against /proc/uptime). Only a
# slow start needs it, so the clock's ticks per second are asked then.
CLOCK_TICKS=
program_age() {
    local line up fields
    PROGRAM_AGE_MS=
    [ -n "$CLOCK_TICKS" ] || CLOCK_TICKS=$(getconf CLK_TCK 2>/dev/null)
    [[ $CLOCK_TICKS =~ ^[1-9][0-9]*$ ]] || CLOCK_TICKS=100
    # (read -d '': the whole file, though a command name may hold a newline)
    read -r -d '' line 2>/dev/null <"/proc/$1/stat"
    [ -n "$line" ] && read -r up _ </proc/uptime || return 0
    read -ra fields <<<"${line##*) }"
    up=${up/./} # hundredths of a second
    PROGRAM_AGE_MS=$((10#$up * 10 - fields[19] * 1000 / CLOCK_TICKS))
}

# sandboxed_program PID: the program's pid as this shell sees it: among the
# descendants of PID (bubblewrap, its init, maybe a tracer in between), the
# one for which is_sandboxed_program holds.
sandboxed_program() {
    local -a level=("$1") next
    local depth pid child
    for ((depth = 0; depth < 5; depth++)); do
        next=()
        for pid in "${level[@]}"; do
            for child in $(pid_children "$pid"); do
                is_sandboxed_program "$child" && { echo "$child"; return 0; }
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
# The relay pauses with `sleep`, never `nap`: bash 5.2's read -t can leave
# the shell's signal mask garbage (see alive.bash), and a mask that blocks
# SIGTERM here would keep the stop signal from the program.
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
    # The traps come first: on a busy machine this shell may get no CPU for a
    # while after it starts the program, long enough for the program to print
    # its address line and the test to send its signal. Set only then, the
    # signal would end this shell itself (status 143), never reaching the
    # program. One that comes before RELAY_CHILD is known waits in
    # PENDING_SIGNAL. (A subshell starts with the traps reset.)
    local signal status
    RELAY_CHILD= PENDING_SIGNAL=
    for signal in TERM INT HUP QUIT USR1 USR2; do
        # shellcheck disable=SC2064
        trap "forward_signal $signal" "$signal"
    done
    if [ "$VALGRIND" = 1 ]; then
        (close_extra_fds; exec "${STUDENT_COMMAND[@]}" 3<"$BWRAP_ARGS_FILE") 9>>"$VALGRIND_LOG" &
    else
        (close_extra_fds; exec "${STUDENT_COMMAND[@]}" 3<"$BWRAP_ARGS_FILE") &
    fi
    # RELAY_PAUSE_UNTIL=FILE (the kit's own tests): that busy machine's pause,
    # on purpose, until FILE exists (at most 10 s).
    if [ -n "${RELAY_PAUSE_UNTIL:-}" ]; then
        local tries=500
        while [ ! -e "$RELAY_PAUSE_UNTIL" ] && ((tries-- > 0)); do sleep 0.02; done
    fi
    RELAY_CHILD=$!
    [ -z "$PENDING_SIGNAL" ] || forward_signal "$PENDING_SIGNAL"
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
    [ -n "$RELAY_CHILD" ] || { PENDING_SIGNAL=$1; return 0; }
    local target
    target=$(sandboxed_program "$RELAY_CHILD")
    if [ -n "$target" ]; then
        kill -"$1" "$target" 2>/dev/null
    else
        kill -KILL "$RELAY_CHILD" 2>/dev/null # not started, or gone: end it
    fi
}

# The student's processes join the student's cgroups (memory, cpu), if any.
exec_student() {
    local procs
    for procs in ${CGROUP_PROCS:-}; do echo "$BASHPID" >"$procs" || exit 126; done
    [ ${#SANDBOX[@]} -eq 0 ] || relay_student
    cd "$SANDBOX_DIR" || exit 126
    exec {NAP_FD}>&-
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
        nap 0.02
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
    # READY_SECONDS in 20 ms steps; when they run out, the time the program
    # spent waiting for a CPU or, isolated, for bubblewrap to start it is
    # added (cpu_wait), up to READY_EXTRA_SECONDS.
    local tries=$((READY_SECONDS * 50)) granted=0 most=$((READY_EXTRA_SECONDS * 50)) more first last_run=
    local CPU_WAIT_MS CPU_RUN CPU_READY CPU_STARTED PROGRAM_AGE_MS PROGRAM_WAIT_MS young
    while :; do
        while ((tries-- > 0)); do
            # A complete first line (a newline within its first 4096 bytes), read
            # by the shell itself: this loop runs every 20 ms.
            first= PORT=
            if IFS= read -r -n 4096 first <"$OUT" 2>/dev/null && [ ${#first} -lt 4096 ]; then
                [[ $first =~ :([0-9]{1,5})$ ]] && PORT=${BASH_REMATCH[1]}
                if [ -z "$PORT" ] || [ "$PORT" -eq 0 ] || [ "$PORT" -gt 65535 ]; then
                    fail "the first line the server printed does not end in HOST:PORT:"
                    show "stdout" "$OUT"
                    return 1
                fi
                wait_traced
                return 0
            fi
            if ! alive "$STUDENT_PID"; then
                wait "$STUDENT_PID"
                fail "the server ended (exit status $?) before printing its address line"
                show "stdout" "$OUT"
                show "stderr" "$ERR"
                [ "$VALGRIND" = 1 ] && show "valgrind" "$VALGRIND_LOG"
                return 1
            fi
            # A first look 0.2 s before the end: did it run since?
            [ "$tries" = 10 ] && [ "$granted" = 0 ] && { cpu_wait "$STUDENT_PID"; last_run=$CPU_RUN; }
            nap 0.02
        done
        cpu_wait "$STUDENT_PID"
        more=$((CPU_WAIT_MS / 20 - granted))
        # The kernel adds a wait to the count when it ends: a program ready
        # to run that has not run since the last look may be waiting now.
        # It gets another 0.2 s, and the next look sees.
        if [ "$more" -le 5 ] && [ "$CPU_READY" = 1 ] && [ "$CPU_RUN" = "$last_run" ]; then
            more=10
        fi
        # Nor was the time before the program existed: bubblewrap making its
        # sandbox can wait seconds on the kernel's locks (namespaces, mounts)
        # when many start at once, without waiting for a CPU. Not started
        # yet, it gets another 0.2 s; started, READY_SECONDS from its start,
        # and its own wait for a CPU since.
        if [ "$CPU_STARTED" = 0 ]; then
            [ "$more" -gt 5 ] || more=10
        elif [ -n "$PROGRAM_AGE_MS" ]; then
            young=$(((READY_SECONDS * 1000 + PROGRAM_WAIT_MS - PROGRAM_AGE_MS) / 20))
            [ "$young" -le "$more" ] || more=$young
        fi
        last_run=$CPU_RUN
        [ $((granted + more)) -le "$most" ] || more=$((most - granted))
        [ "$more" -gt 5 ] || break
        granted=$((granted + more)) tries=$more
    done
    fail "the server printed no complete first line within $READY_SECONDS s"
    [ "$granted" = 0 ] ||
        printf '(and none in the %d.%d s more it was given: the time it waited for a CPU or for its sandbox on this busy machine)\n' \
            $((granted / 50)) $((granted % 50 / 5))
    show "stdout" "$OUT"
    show "stderr" "$ERR"
    return 1
}

# wait_or_kill PID SECONDS: waits for PID; kills its session at the deadline.
# Returns the exit status, or 124 if it had to be killed.
wait_or_kill() {
    local pid=$1 tries=$(($2 * 20))
    while alive "$pid" && ((tries-- > 0)); do
        nap 0.05
    done
    if alive "$pid"; then
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    local status=0
    wait "$pid" || status=$?
    return "$status"
}

# --- Test-level helpers: stopping, signals, memcheck, comparing bytes --------

STOP_SECONDS=${STOP_SECONDS:-2}   # one stop signal must end a server this fast

# alive_in_group PGID: true while a process of that process group (the
# student's session: start_student/run_student make the program its leader)
# is alive. Zombies are dead already and do not count.
alive_in_group() {
    local stat line state ppid pgrp
    for stat in /proc/[0-9]*/stat; do
        # After the command name (which may hold spaces): state ppid pgrp.
        read -r line 2>/dev/null <"$stat" || continue
        read -r state ppid pgrp _ <<<"${line##*) }"
        [ "$pgrp" = "$1" ] && [ "$state" != Z ] && return 0
    done
    return 1
}

# end_group PGID SECONDS: what is left of the program's process group (children
# it forked) gets ONE SIGTERM, then SIGKILL after SECONDS. Returns 1 if
# something had to be killed.
end_group() {
    alive_in_group "$1" || return 0
    kill -TERM -- "-$1" 2>/dev/null
    local tries=$(($2 * 20))
    while alive_in_group "$1" && ((tries-- > 0)); do nap 0.05; done
    alive_in_group "$1" || return 0
    kill -KILL -- "-$1" 2>/dev/null
    return 1
}

# stop_student [PID [SIGNAL]]: sends ONE stop signal (default SIGTERM) and
# waits up to STOP_SECONDS (READY_SECONDS under valgrind, which is slow to
# exit); then SIGKILL. Sets STOP_STATUS: the exit status, or "killed".
stop_student() {
    local pid=${1:-$STUDENT_PID} signal=${2:-TERM} seconds=$STOP_SECONDS
    [ "$VALGRIND" = 1 ] && seconds=$READY_SECONDS
    local tries=$((seconds * 50))
    kill -"$signal" "$pid" 2>/dev/null
    while alive "$pid" && ((tries-- > 0)); do
        nap 0.02
    done
    if alive "$pid"; then
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        STOP_STATUS=killed
        return 0
    fi
    STOP_STATUS=0
    wait "$pid" 2>/dev/null || STOP_STATUS=$?
}

# expect_stops_on SIGNAL [WHEN]: ONE SIGNAL must make the running server exit
# with status 0 within STOP_SECONDS. WHEN says what the server was doing.
expect_stops_on() {
    local signal=$1 when=${2:-}
    stop_student "$STUDENT_PID" "$signal"
    [ "$STOP_STATUS" = 0 ] && return 0
    if [ "$STOP_STATUS" = killed ]; then
        fail "one SIG$signal did not stop the server within $STOP_SECONDS s${when:+ ($when)}; it was killed"
    else
        fail "after one SIG$signal${when:+ ($when)} the server exited with status $STOP_STATUS instead of 0"
    fi
    show "stderr" "$ERR"
    return 1
}


# expect_signals_stop MOMENT...: for ONE SIGINT, then ONE SIGTERM (never
# both to one program), and for each MOMENT: starts a fresh server, brings it
# to that moment and sends the one signal; the server must exit 0 within
# STOP_SECONDS. A MOMENT is "idle" (nothing but the server running) or a
# function of tests.sh that sets MOMENT_TEXT (what the server is doing) and
# may keep a connection open in MOMENT_FD, which is closed afterwards.
expect_signals_stop() {
    local signal moment
    for signal in INT TERM; do
        for moment in "$@"; do
            MOMENT_TEXT="waiting, nothing else happening" MOMENT_FD=
            start_student 127.0.0.1 0 || return 1
            if [ "$moment" != idle ]; then
                "$moment" || return 1
            fi
            expect_stops_on "$signal" "$MOMENT_TEXT" || return 1
            [ -z "$MOMENT_FD" ] || exec {MOMENT_FD}>&-
        done
    done
}

# wait_ended PID SECONDS: waits up to SECONDS for PID to end, without killing
# it. Returns 0 and sets ENDED_STATUS if it ended, 1 if it still runs.
wait_ended() {
    local tries=$(($2 * 20))
    while alive "$1" && ((tries-- > 0)); do nap 0.05; done
    alive "$1" && return 1
    ENDED_STATUS=0
    wait "$1" 2>/dev/null || ENDED_STATUS=$?
    return 0
}
# expect_stopped_cleanly: after stop_student, the server must have exited 0.
expect_stopped_cleanly() {
    [ "$STOP_STATUS" = 0 ] && return 0
    if [ "$STOP_STATUS" = killed ]; then
        fail "the server did not stop within $STOP_SECONDS s of SIGTERM (it was killed)"
    else
        fail "after SIGTERM the server exited with status $STOP_STATUS instead of 0"
    fi
    show "stderr" "$ERR"
    return 1
}

hex() { od -An -v -tx1 | tr -d ' \n'; }

# A test that runs the program under valgrind gives it longer to start.
use_valgrind() {
    VALGRIND=1
    READY_SECONDS=$((READY_SECONDS * 4))
}

# The valgrind test judges memory only. Its rule:
#   - it gives its points when the program ran the test's scenario under
#     valgrind (a server must print its address line first, so the scenario
#     can talk to it), ended so that valgrind could do its leak check (by
#     itself or on the test's one SIGTERM, whatever its exit status, but not
#     killed), with every process it started ended too, and valgrind
#     reported nothing: no memory error, no leak, in it or in any program it
#     started or re-executed (valgrind follows children);
#   - what the program answered does not count here: a wrong or missing
#     answer is shown as a note and costs points in the other tests only.
# memcheck_scenario FUNCTION: runs the scenario; its failure is kept as a note.
memcheck_scenario() {
    SCENARIO_NOTES=$LOG_DIR/scenario.notes
    SCENARIO_FAILED=0
    "$1" >"$SCENARIO_NOTES" 2>&1 || SCENARIO_FAILED=1
}

# memcheck_verdict STATUS [PGID]: the verdict on the last valgrind run, whose
# exit status (or "killed") is STATUS; PGID is its process group.
memcheck_verdict() {
    local status=$1 pgid=${2:-${STARTED[${#STARTED[@]} - 1]}} lingering=0
    end_group "$pgid" "$READY_SECONDS" || lingering=1
    # valgrind writes to fd 9; a program that closes it before it re-executes
    # itself makes the new valgrind write to stderr instead ("==PID== ...").
    # Each process valgrind watched must end its report with "ERROR SUMMARY:
    # 0 errors" (leaks count as errors here): the verdict rests on what
    # valgrind said, not on silence.
    local report=$LOG_DIR/valgrind.report findings=$LOG_DIR/valgrind.findings
    { cat "$VALGRIND_LOG" 2>/dev/null; grep -aE '^==[0-9]+== ' "$ERR" 2>/dev/null; } >"$report"
    local errors watched summed missing
    errors=$(sed -nE 's/^==[0-9]+== ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$report" | awk '{ n += $1 } END { print n + 0 }')
    watched=$(sed -nE 's/^==([0-9]+)== Memcheck, a memory error detector$/\1/p' "$report" | sort -u)
    summed=$(sed -nE 's/^==([0-9]+)== ERROR SUMMARY: .*/\1/p' "$report" | sort -u)
    missing=$(comm -23 <(printf '%s\n' $watched) <(printf '%s\n' $summed) | tr '\n' ' ')
    missing=${missing% }
    # What is worth showing: everything but valgrind's banner and totals.
    grep -avE '== (Memcheck, a memory|Copyright \(C\)|Using Valgrind|Command: |HEAP SUMMARY:| +in use at exit:| +total heap usage:|All heap blocks were freed|LEAK SUMMARY:| +(definitely|indirectly|possibly) lost: 0 bytes| +still reachable:| +suppressed:|For lists of detected|For counts of detected|ERROR SUMMARY: 0 errors|Reachable blocks|To see them, rerun)|^==[0-9]+== $' "$report" >"$findings"
    if [ "$errors" -gt 0 ] || [ "$status" = 99 ]; then
        echo "valgrind found memory errors or leaks:"
        if [ -s "$findings" ]; then
            head -c 3000 "$findings" | sed 's/^/  | /'
        else
            echo "  (its exit status 99 says so; its report was lost: the program closed descriptor 9 or its stderr)"
        fi
        memcheck_notes
        return 1
    fi
    if [ -n "$missing" ] && [ "$status" != killed ] && [ "$status" != 124 ] && [ "$status" != 137 ]; then
        fail "valgrind's report is incomplete: it watched process $missing but never gave its summary (a program that closes descriptor 9, or its stderr, hides valgrind's report)"
        memcheck_notes
        return 1
    fi
    if [ -z "$watched" ]; then
        fail "valgrind's report is missing: no process was watched (the program closed descriptor 9, or valgrind did not start)"
        memcheck_notes
        return 1
    fi
    if [ "$status" = killed ] || [ "$status" = 124 ] || [ "$status" = 137 ]; then
        fail "valgrind could not finish: the program was killed (it did not end within $READY_SECONDS s), and valgrind checks for leaks only when a program ends"
        memcheck_notes
        return 1
    fi
    if [ "$lingering" = 1 ]; then
        fail "valgrind could not finish: a process the program started was still running after SIGTERM and had to be killed, so its leaks were never checked"
        memcheck_notes
        return 1
    fi
    memcheck_notes
    return 0
}

memcheck_notes() {
    [ "${SCENARIO_FAILED:-0}" = 1 ] || return 0
    echo "note: the program did not do what this run asked (valgrind judges memory only: this costs no points here, the other tests judge it):"
    head -c 1500 "$SCENARIO_NOTES" | sed 's/^/  /'
}

# show_window LABEL FILE OFFSET LENGTH: LENGTH bytes of FILE from OFFSET (0-based),
# as text (printable ASCII as is, the rest as \n \t \r \xNN) and as hex.
show_window() {
    local label=$1 file=$2 offset=$3 length=$4
    local bytes
    bytes=$(tail -c +$((offset + 1)) "$file" | head -c "$length" | od -An -v -tu1 | tr -s ' \n' ' ')
    printf '  %-9s "%s"\n' "$label" "$(awk -v b="$bytes" 'BEGIN {
        n = split(b, v, " "); out = ""
        for (i = 1; i <= n; i++) { c = v[i] + 0
            if (c == 10) out = out "\\n"; else if (c == 9) out = out "\\t"; else if (c == 13) out = out "\\r"
            else if (c == 92) out = out "\\\\"; else if (c == 34) out = out "\\\""
            else if (c >= 32 && c < 127) out = out sprintf("%c", c)
            else out = out sprintf("\\x%02x", c) }
        printf "%s", out }')"
    printf '  %-9s %s\n' "" "$(awk -v b="$bytes" 'BEGIN { n = split(b, v, " "); for (i = 1; i <= n; i++) printf "%02x ", v[i] }')"
}

# compare_bytes EXPECTED GOT [WHAT [EXPECTED_WORD GOT_WORD]]: the file GOT holds
# exactly the bytes of EXPECTED; if not, says where the first difference is,
# shows both sides around it (text and hex) and both lengths. The words name
# the two sides in the first lines (default: "expected", "got").
compare_bytes() {
    local expected=$1 got=$2 what=${3:-the bytes that came back} ew=${4:-expected} gw=${5:-got}
    cmp -s "$expected" "$got" && return 0
    local want_size got_size offset
    want_size=$(stat -c %s "$expected" 2>/dev/null || echo 0)
    got_size=$(stat -c %s "$got" 2>/dev/null || echo 0)
    # cmp: "differ: byte N" (1-based) or "EOF on FILE after byte N" (a prefix).
    offset=$(LC_ALL=C cmp "$expected" "$got" 2>&1 | sed -nE 's/.* differ: (byte|char) ([0-9]+).*/\2/p; s/.*EOF on .* after (byte|char) ([0-9]+).*/\2/p; s/.*EOF on .* which is empty.*/0/p' | head -n 1)
    offset=${offset:-1}
    echo "$what differ from the bytes $ew:"
    echo "  $ew $want_size bytes, $gw $got_size bytes"
    if [ "$got_size" = 0 ]; then
        echo "  nothing came"
        offset=1
    elif cmp -s <(head -c "$got_size" "$expected") "$got" 2>/dev/null && [ "$got_size" -lt "$want_size" ]; then
        echo "  what came is right, but it stops after $got_size bytes ($((want_size - got_size)) missing)"
        offset=$((got_size + 1))
    elif [ "$got_size" -gt "$want_size" ] && cmp -s "$expected" <(head -c "$want_size" "$got"); then
        echo "  all $want_size expected bytes came, then $((got_size - want_size)) more"
        offset=$((want_size + 1))
    else
        echo "  first difference at byte offset $((offset - 1)) (counting from 0)"
    fi
    local start=$((offset - 1 - 16))
    [ "$start" -ge 0 ] || start=0
    echo "  from offset $start:"
    show_window "expected" "$expected" "$start" 32
    show_window "got" "$got" "$start" 32
    printf "  %-9s %*s^^ offset %s\n" "" $((3 * (offset - 1 - start))) "" $((offset - 1))
    return 1
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
