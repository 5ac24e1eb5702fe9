#!/usr/bin/env bats
# Student code is untrusted: every hostile submission in
# exercises/tests-fixtures/hostile/ is contained by the isolated grader
# (bubblewrap): bounded time, no process, file, IPC object or cgroup left, no
# change to the kit, the class folder or a decoy "other student" in /tmp,
# classmates keep full marks, and no score beyond what the behaviour earns.
# setup_file grades them all as ONE class (with two classmates who hand in
# the reference solution) under the grader's short limits; each test then
# reads that class's gradebook and reports. tests/grader-safety-fallback.bats
# covers grading without isolation.

load helpers
load grader_helpers

HOSTILE=$SOCKSTEP_ROOT/exercises/tests-fixtures/hostile
# The fixtures graded in the class (every .c of $HOSTILE but those graded alone).
ALONE="alloc-across alloc-forever spin-cores"
# Fixtures that attack one test of the exercise, proven in the file named.
# tests/exercises.bats: a leaky program that hides from valgrind.
ELSEWHERE="reexec-leak reexec-leak-hidden"

setup_file() {
    bwrap_works || return 0 # each test skips with the reason
    export SOCKSTEP_GRADER_UID_BASE=$(test_uid_base 4)
    grader_prebuild
    local dir=$BATS_FILE_TMPDIR
    GRADER_TMP=$(mktemp -d /tmp/sockstep-gradertest.XXXXXX)
    chmod 711 "$GRADER_TMP"
    echo "$GRADER_TMP" >"$dir/grader_tmp"
    export SOCKSTEP_GRADER_TMPDIR=$GRADER_TMP SOCKSTEP_GRADER_QUICK=1

    # The class: two honest classmates, every hostile fixture, and links.
    local class=$dir/class f name
    mkdir -p "$class/bob" "$class/link-shadow" "$class/link-environ"
    cp "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" "$class/alice.c"
    cp "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" "$class/bob/echo.c"
    for f in "$HOSTILE"/*.c; do
        name=$(basename "$f" .c)
        [[ " $ALONE $ELSEWHERE " == *" $name "* ]] || cp "$f" "$class/$name.c"
    done
    sed "s|@KIT@|$SOCKSTEP_ROOT|" "$HOSTILE/include-solution.c" >"$class/include-solution.c"
    ln -s alice.c "$class/link-alice.c"
    ln -s bob "$class/link-folder"
    ln -s /etc/shadow "$class/link-shadow/echo.c"
    ln -s /proc/self/environ "$class/link-environ/echo.c"
    chmod -R a+rX "$class"
    (cd "$class" && find . -type f -exec md5sum {} + | sort) >"$dir/class.md5"
    kit_fingerprint >"$dir/kit.before"

    # A decoy "other student" in /tmp, and a Unix socket of the host.
    DECOY=$(mktemp -d /tmp/sockstep-decoy.XXXXXX)
    echo "$DECOY" >"$dir/decoy"
    chmod 755 "$DECOY"
    mkdir -p "$DECOY/bob"
    cp "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" "$DECOY/bob/echo.c"
    printf 'TESTS=()\n' >"$DECOY/tests.sh"
    chmod -R a+rX "$DECOY"
    (cd "$DECOY" && md5sum bob/echo.c tests.sh) >"$dir/decoy.md5"
    cc -o "$dir/unix-listen" "$HOSTILE/unix-reach.c"
    "$dir/unix-listen" listen >"$dir/unix-listen.out" 2>&1 3>&- &
    echo $! >"$dir/unix-listen.pid"
    wait_for_line "$dir/unix-listen.out" '^listening /tmp/sockstep-hostile-host\.[0-9]+\.sock$' "$(cat "$dir/unix-listen.pid")"

    # Two graded alone, at the same time: valgrind and memory across processes.
    (st=0; GRADE_SECONDS=60 timed_grade tcp-echo "$HOSTILE/alloc-forever.c" --tests warnings,memcheck \
        >"$dir/alloc-forever.txt" 2>&1 || st=$?; echo "$st" >"$dir/alloc-forever.status") 3>&- &
    local alone=($!)
    if is_root; then
        (st=0; SOCKSTEP_GRADER_QUICK=0 GRADE_SECONDS=60 timed_grade tcp-echo "$HOSTILE/alloc-across.c" --tests address_line \
            >"$dir/alloc-across.txt" 2>&1 || st=$?; echo "$st" >"$dir/alloc-across.status") 3>&- &
        alone+=($!)
    fi
    local start=$SECONDS class_status=0
    SOCKSTEP_GRADER_JOBS=10 ONLY_TESTS=warnings,address_line GRADE_SECONDS=120 timed_grade \
        --class "$class" tcp-echo --csv "$dir/grades.csv" --reports "$dir/reports" \
        >"$dir/class.out" 2>"$dir/class.err" || class_status=$?
    echo "$class_status" >"$dir/class.status"
    echo $((SECONDS - start)) >"$dir/class.seconds"
    wait "${alone[@]}" || true
    kill "$(cat "$dir/unix-listen.pid")" 2>/dev/null || true
    kit_fingerprint >"$dir/kit.after"
}

teardown_file() {
    [ -f "$BATS_FILE_TMPDIR/unix-listen.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/unix-listen.pid")" 2>/dev/null
    [ -f "$BATS_FILE_TMPDIR/decoy" ] && rm -rf "$(cat "$BATS_FILE_TMPDIR/decoy")"
    [ -f "$BATS_FILE_TMPDIR/grader_tmp" ] && rm -rf "$(cat "$BATS_FILE_TMPDIR/grader_tmp")"
    [ -f "$BATS_FILE_TMPDIR/unix-listen.out" ] && rm -f "$(sed -n 's/^listening //p' "$BATS_FILE_TMPDIR/unix-listen.out")"
    return 0
}

setup() {
    bwrap_works || skip "bubblewrap (bwrap) is missing or cannot create namespaces here"
    GRADER_TMP=$(cat "$BATS_FILE_TMPDIR/grader_tmp")
    REPORTS=$BATS_FILE_TMPDIR/reports
}
teardown() { sockstep_teardown; }

# report NAME: the student's report in $output, for expect_line.
report() {
    output=$(cat "$REPORTS/$1.txt")
}

# row NAME: the student's gradebook row.
row() {
    grep -E "^$1," "$BATS_FILE_TMPDIR/grades.csv"
}

# contained NAME SCORE: the row says SCORE/2, isolated; every line of the
# report is the grader's; the score line agrees.
contained() {
    expect_equal "$1,$2,2,partial,isolated" "$(row "$1")" "the row of $1"
    report "$1"
    local bad
    bad=$(grep -vE '^(exercise: |sandbox: |memory: |cpu: |compile: |  |PASS  |FAIL  |      \| |score: [0-9]+/[0-9]+$)' <<<"$output" || true)
    [ -z "$bad" ] || { echo "lines the grader did not write: $bad" >&2; return 1; }
    expect_equal "score: $2/2" "$(last_line)"
    expect_line '^sandbox: isolated by bubblewrap'
}

@test "hostile class: graded in bounded time, one row per student, honest classmates keep full marks" {
    echo "# the hostile class took $(cat "$BATS_FILE_TMPDIR/class.seconds") s" >&3
    expect_equal 1 "$(cat "$BATS_FILE_TMPDIR/class.status")" "the grader's exit status"
    [ "$(cat "$BATS_FILE_TMPDIR/class.seconds")" -le 90 ]
    local csv=$BATS_FILE_TMPDIR/grades.csv
    csv_check "$csv" 5
    expect_equal "student,score,max,status,sandbox" "$(head -n 1 "$csv")"
    local honest
    for honest in alice bob; do
        [ "$(row "$honest")" = "$honest,2,2,full,isolated" ] || {
            printf 'expected the row %s, got %s; the report:\n' "$honest,2,2,full,isolated" "$(row "$honest")" >&2
            cat "$REPORTS/$honest.txt" >&2
            return 1
        }
    done
    # Every fixture of the folder is in the class (a new one cannot be forgotten).
    local f name
    for f in "$HOSTILE"/*.c; do
        name=$(basename "$f" .c)
        [[ " $ALONE $ELSEWHERE " == *" $name "* ]] && continue
        row "$name" >/dev/null || { echo "no row for the fixture $name" >&2; return 1; }
    done
    # Nobody scored more than the warnings point, except by failing to compile.
    ! grep -vE '^(student,|alice,|bob,)' "$csv" | grep -vE ',[01],2,(partial|compile-error|error),isolated$'
}

@test "hostile class: nothing is left behind, and the kit, the class folder and the decoy are unchanged" {
    local uids=() f uid
    for f in "$REPORTS"/*.txt; do
        uid=$(report_uid "$f")
        [ -z "$uid" ] || uids+=("$uid")
    done
    ! is_root || [ ${#uids[@]} -ge 15 ]
    expect_no_leftovers "${uids[@]}"
    diff "$BATS_FILE_TMPDIR/kit.before" "$BATS_FILE_TMPDIR/kit.after"
    (cd "$BATS_FILE_TMPDIR/class" && find . -type f -exec md5sum {} + | sort) | diff "$BATS_FILE_TMPDIR/class.md5" -
    (cd "$(cat "$BATS_FILE_TMPDIR/decoy")" && md5sum -c --quiet "$BATS_FILE_TMPDIR/decoy.md5")
    [ -S "$(sed -n 's/^listening //p' "$BATS_FILE_TMPDIR/unix-listen.out")" ] # the host's socket, untouched
    # No hostile file in the host's /tmp. As root, those of this class's uids
    # (another copy of the suite may be grading its own class right now);
    # otherwise any but the listeners' sockets.
    local -a whose=(! -name 'sockstep-hostile-host.*.sock')
    if is_root; then
        whose=(-false)
        for uid in "${uids[@]}"; do whose+=(-o -uid "$uid"); done
    fi
    ! find /tmp -maxdepth 1 -name 'sockstep-hostile-*' \( "${whose[@]}" \) | grep -q .
}

@test "hostile: #include of the kit's solution.c by its absolute path does not compile" {
    expect_equal "include-solution,0,2,compile-error,isolated" "$(row include-solution)"
    report include-solution
    expect_line "^  include-solution\.c:[0-9]+:10: fatal error: $SOCKSTEP_ROOT/exercises/tcp-echo/solution\.c: No such file or directory$"
}

@test "hostile: a program that searches the disk for a solution to compile and run finds none" {
    contained run-found-solution 1
    expect_line '^      \|   \| run-found-solution: nothing to run among [0-9]+ files$'
}

@test "hostile: reading classmates' paths from /proc/*/cmdline and /tmp, or process 1's environment, finds nothing" {
    contained spy-classmates 1
    expect_line '^      \|   \| spy: [1-3] processes seen, 0 paths tried, 0 readable$'
    # Process 1 inside holds none of the grader's variables.
    expect_line "^      \|   \| spy: process 1's environment: (\(unreadable\)|PATH=/usr/local/bin:/usr/bin:/bin )$"
}

@test "hostile: no other listening socket is visible in /proc/net/tcp to claim as its own" {
    contained port-thief 1
    expect_line '^      \|   \| port-thief: no listening socket to steal$'
}

@test "hostile: filling /tmp, /dev/shm and its folder stops at the sandbox's small limits" {
    contained tmp-filler 1
    expect_line '^      \|   \| tmp-filler: wrote (6[0-4]|[0-5]?[0-9]) MB in /tmp, 1?[0-9] MB in /dev/shm, 1?[0-9] MB here$'
}

@test "hostile: System V and POSIX IPC objects end with the grade" {
    contained ipc-keeper 1
    expect_line '^      \|   \| ipc-keeper: shm made, sem made, msg made, posix shm made, mqueue made$'
    ! ipcs | grep -qi '0x50c5e70'
    [ ! -e /dev/shm/sockstep-hostile-shm ]
    [ ! -e /dev/mqueue/sockstep-hostile-mq ]
}

@test "hostile: the host's Unix sockets (path and abstract) are out of reach" {
    contained unix-reach 1
    expect_line '^      \|   \| unix /tmp/sockstep-hostile-host\.sock: No such file or directory$'
    expect_line '^      \|   \| unix @sockstep-hostile-host: Connection refused$'
    ! expect_line 'connected$' 2>/dev/null
}

@test "hostile: symbolic links (to a classmate, a folder, /etc/shadow, /proc/self/environ) are refused" {
    expect_equal "link-alice,0,2,error,isolated" "$(row link-alice)"
    expect_equal "error: 'link-alice' is a symbolic link; a submission must be a regular file or folder" "$(cat "$REPORTS/link-alice.txt")"
    expect_equal "link-folder,0,2,error,isolated" "$(row link-folder)"
    local name
    for name in link-shadow link-environ; do
        expect_equal "$name,0,2,error,isolated" "$(row "$name")"
        expect_equal "error: the folder '$name' holds a symbolic link; submissions must be regular files" "$(cat "$REPORTS/$name.txt")"
    done
}

@test "hostile: a compile that takes too long is stopped, and the report says so" {
    expect_equal "slow-compile,0,2,compile-error,isolated" "$(row slow-compile)"
    report slow-compile
    # 3 s of CPU time (QUICK), or on a machine too busy to give it that, 30 s of the clock
    expect_line '^compile: STOPPED after (3 s of CPU time|30 s), too long \(cc .*\), score 0:$'
    expect_line '^  the compiler was stopped: (a compiler process used more than 3 s of CPU time|it took longer than 30 s)$'
}

@test "hostile: an endless loop before bind" {
    contained loop-before-bind 1
    expect_line '^      \| the server printed no complete first line within 3 s$'
}

@test "hostile: an endless loop after bind, ignoring SIGTERM" {
    contained loop-after-bind 1
}

@test "hostile: forks hundreds of children that leave the session" {
    contained fork-hundreds 1
}

@test "hostile: a fork bomb" {
    contained fork-bomb 1
}

@test "hostile: writes a huge file, here and in /tmp" {
    contained huge-file 1
    expect_line 'exit status 153'
}

@test "hostile: prints fake PASS lines and a fake score" {
    contained fake-output 1
    expect_line '^      \|   \| PASS  2/2  echoes a short message byte for byte$'
    expect_line '^      \|   \| \?\[2K\?\[1Ascore: 16/16$'
}

@test "hostile: tries to rewrite the tests, the grader and other students' files" {
    contained tamper 1
    expect_line '^      \|   \| tamper: [0-9]+ attempts, 0 succeeded$'
}

@test "hostile: output that is not UTF-8 is shown escaped" {
    contained bad-utf8 1
}

@test "hostile: allocates memory without end, also under valgrind (1 GiB for all its processes)" {
    expect_equal 1 "$(cat "$BATS_FILE_TMPDIR/alloc-forever.status")"
    output=$(cat "$BATS_FILE_TMPDIR/alloc-forever.txt")
    expect_equal "score: 1/3" "$(last_line)"
    expect_line '^FAIL  0/2  valgrind memcheck'
    expect_no_leftovers $(report_uid "$BATS_FILE_TMPDIR/alloc-forever.txt")
}

@test "hostile: 2.4 GB across six processes is held to 1 GiB together (memory cgroup, root only)" {
    is_root || skip "needs root: only root can make the memory cgroup (without it, the report says memory is capped per process only)"
    output=$(cat "$BATS_FILE_TMPDIR/alloc-across.txt")
    grep -q '^memory: all of the program.s processes together at most 1024 MiB' <<<"$output" ||
        skip "no writable memory cgroup on this machine: $(grep '^memory: ' <<<"$output")"
    expect_equal "score: 0/1" "$(last_line)"
    local held
    held=$(grep -c 'alloc-across: child [0-9] holds 400 MB' <<<"$output" || true)
    echo "# $held of 6 children got their 400 MB" >&3
    [ "$held" -le 2 ]
    expect_no_leftovers $(report_uid "$BATS_FILE_TMPDIR/alloc-across.txt")
}

@test "hostile: 24 spinners in sessions of their own get one core together, not a share each (cpu cgroup, root only)" {
    is_root || skip "needs root: only root can make the cpu cgroup (without it, the report says cpu: per process only)"
    [ "$(nproc)" -ge 2 ] || skip "one core here: a cap of one core changes nothing to measure"
    grade tcp-echo "$HOSTILE/spin-cores.c" --tests address_line
    grep -q "^cpu: all of the program's processes together at most one core" <<<"$output" ||
        skip "no writable cpu cgroup on this machine: $(grep '^cpu: ' <<<"$output")"
    expect_equal "score: 0/1" "$(last_line)"
    # What the spinners measured. Without the cap: 1.99 s on a quiet 2-core
    # machine, and 1.62 s beside six busy sessions (24 shares of 30), as when
    # the suite runs three files per core.
    local got
    got=$(sed -nE 's/.*spin-cores: 24 spinners got ([0-9]+\.[0-9]+) s of CPU in 1 s$/\1/p' <<<"$output")
    [ -n "$got" ] || { echo "the report does not show what the spinners got:" >&2; printf '%s\n' "$output" >&2; return 1; }
    echo "# 24 spinners got $got s of CPU in 1 s" >&3
    awk -v got="$got" 'BEGIN { exit !(got <= 1.25) }' ||
        { echo "24 spinners got $got s of CPU in 1 s: more than one core" >&2; return 1; }
    expect_no_leftovers "$(grader_uid)"
}

@test "grade refuses a submission that is a symbolic link (to a root-only file, say)" {
    ln -s /etc/shadow "$BATS_TEST_TMPDIR/echo.c"
    grade tcp-echo "$BATS_TEST_TMPDIR/echo.c"
    expect_status 2
    expect_equal "grade: '$BATS_TEST_TMPDIR/echo.c' is a symbolic link: a submission must be a regular file" "$stderr"
    expect_equal "" "$output"
}

@test "grade --class and --require-isolation refuse to grade without bubblewrap" {
    mkdir -p "$BATS_TEST_TMPDIR/c"
    cp "$HOSTILE/port-thief.c" "$BATS_TEST_TMPDIR/c/"
    SOCKSTEP_GRADER_BWRAP=none grade --class "$BATS_TEST_TMPDIR/c" tcp-echo --csv "$BATS_TEST_TMPDIR/g.csv"
    expect_status 2
    expect_equal "grade: cannot isolate student code: bubblewrap (bwrap) is not installed. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or pass --unisolated to grade without isolation (the report and the gradebook then say so)" "$stderr"
    [ ! -e "$BATS_TEST_TMPDIR/g.csv" ]
    SOCKSTEP_GRADER_BWRAP=none grade tcp-echo "$HOSTILE/port-thief.c" --require-isolation
    expect_status 2
    [[ $stderr == "grade: cannot isolate student code: bubblewrap (bwrap) is not installed."* ]]
}
