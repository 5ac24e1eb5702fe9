#!/usr/bin/env bats
# The exercises after lessons v01-v05: every reference solution earns full
# marks (its whole test set, once), the points mean what their tests say
# (programs built to fail exactly one promise lose exactly those points), the
# README of each exercise matches its tests, and the learner's make targets
# (check, hint, progress) work. Starters: tests/exercises-starters.bats; the
# chat exercises (v06-v09): tests/exercises-chat.bats.
#
# The grades are slow mostly because they wait (time-outs, a retry after 1 s),
# so setup_file starts them all at once in the background; each test then
# judges one finished report. "# NAME: N s" lines (fd 3) give their times.

load helpers
load grader_helpers

mapfile -t ORDER <"$SOCKSTEP_ROOT/exercises/ORDER"
BASIC_EXERCISES=(udp-reply udp-client-timeout udp-upper tcp-echo tcp-client-count)

teardown_file() { grading_teardown_file; }

setup_file() {
    start_grading || return 1
    local dir=$BATS_FILE_TMPDIR/grades variants=$BATS_FILE_TMPDIR/variants
    mkdir -p "$dir" "$variants"
    local ex=$SOCKSTEP_ROOT/exercises
    # Programs that break exactly one promise of tcp-echo:
    # the solution with only its short-write loop undone (as the starter has it);
    "$ex/make-starters" --only send-all tcp-echo >"$variants/no-short-writes.c"
    # the solution, but it ignores SIGINT (SIGTERM still stops it);
    sed 's/^    stop_on_signals();$/    stop_on_signals();\n    signal(SIGINT, SIG_IGN);/' "$ex/tcp-echo/solution.c" >"$variants/ignores-sigint.c"

    local name
    for name in "${BASIC_EXERCISES[@]}"; do
        grade_in_background "$name" "$name" "$ex/$name/solution.c"
    done
    grade_in_background no-short-writes tcp-echo "$variants/no-short-writes.c" --tests short_writes,echo_1mib
    grade_in_background ignores-sigint tcp-echo "$variants/ignores-sigint.c" --tests stops_on_signals
    grade_in_background reexec-leak tcp-echo "$FIXTURES/hostile/reexec-leak.c" --tests memcheck
    grade_in_background reexec-leak-hidden tcp-echo "$FIXTURES/hostile/reexec-leak-hidden.c" --tests memcheck
    # The starter echoes only a first piece (a functional bug) but leaks
    # nothing: the memcheck test gives its points and notes the bug.
    grade_in_background starter-memcheck tcp-echo "$ex/tcp-echo/starter.c" --tests memcheck \
        --json "$dir/starter-memcheck.json"
    wait
}

teardown() { sockstep_teardown; }

expect_full_marks() { # ID
    graded "$1"
    expect_status 0
    expect_line '^compile: ok$'
    [ "$(grep -c '^FAIL' <<<"$output")" = 0 ] || { echo "$output" >&2; return 1; }
    [[ $(last_line) =~ ^score:\ ([0-9]+)/([0-9]+)$ ]] || { echo "last line: $(last_line)" >&2; return 1; }
    expect_equal "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "full marks"
    [ "${BASH_REMATCH[2]}" -ge 8 ]
    expect_line '^PASS  [0-9]+/[0-9]+  valgrind memcheck'
}

@test "udp-reply: the reference solution scores full marks" { expect_full_marks udp-reply; }
@test "udp-client-timeout: the reference solution scores full marks" { expect_full_marks udp-client-timeout; }
@test "udp-upper: the reference solution scores full marks" { expect_full_marks udp-upper; }
# tcp-echo's full grade is also the suite's proof of the isolated report's
# header lines and of the clean-up after a whole grade.
@test "tcp-echo: the reference solution scores full marks, isolated by bubblewrap when it works, and leaves nothing behind" {
    expect_full_marks tcp-echo
    expect_equal "score: 17/17" "$(last_line)"
    if bwrap_works; then
        expect_line '^sandbox: isolated by bubblewrap \(sees only its own files, common/ and the system read-only; own /tmp, network, PID and IPC namespaces\); program runs as '
    fi
    if is_root; then
        expect_line '^memory: all of the program.s processes together at most 1024 MiB \(cgroup .*grade\.[0-9]+\)$|^memory: per process only \(no writable memory cgroup\)'
        expect_line "^cpu: all of the program's processes together at most one core \\(cgroup .*grade\.[0-9]+\\)\$|^cpu: per process only \\(no writable cpu cgroup\\)"
        expect_uid_gone "$(grader_uid)"
    else
        expect_line '^memory: per process only \(no writable memory cgroup: the grader is not root\)'
        expect_line '^cpu: per process only \(no writable cpu cgroup: the grader is not root\)'
    fi
}
@test "tcp-client-count: the reference solution scores full marks" { expect_full_marks tcp-client-count; }

@test "tcp-echo: with only its short-write TODO undone, it fails the short-writes test (and passes 1 MiB)" {
    [ "$(id -u)" = 0 ] || skip "short writes are forced only as root: the test cuts the kernel's TCP send buffers (tcp_wmem) in the grading namespace, which an ordinary user's sandbox cannot; CI runs this as root"
    graded no-short-writes
    expect_status 1
    expect_line '^FAIL  0/2  short writes: '
    expect_line '^PASS  2/2  echoes 1 MiB sent in one go'
    # The feedback: lengths, where the bytes stop or differ, both sides.
    expect_line '^      \|   sent 262144 bytes, got back [0-9]+ bytes$'
    expect_line '^      \|   (first difference at byte offset [0-9]+|what came is right, but it stops after [0-9]+ bytes)'
    expect_line '^      \|   expected  "'
    expect_line '^      \|   got       "'
    expect_line '^      \| +\^\^ offset [0-9]+$'
    expect_equal "score: 2/4" "$(last_line)"
}

@test "tcp-echo: a server that ignores SIGINT fails the stop test (SIGTERM alone would stop it)" {
    graded ignores-sigint
    expect_status 1
    expect_line '^FAIL  0/1  one SIGINT alone, and one SIGTERM alone, stop it'
    expect_line '^      \| one SIGINT did not stop the server within 2 s \(waiting for a client\); it was killed$'
    expect_equal "score: 0/1" "$(last_line)"
}

@test "tcp-echo: a leaky program that re-executes itself at start fails the valgrind test" {
    graded reexec-leak
    expect_status 1
    expect_line '^FAIL  0/2  valgrind memcheck'
    expect_line '^      \| valgrind found memory errors or leaks:$'
    expect_line 'definitely lost'
    expect_line 'main \(reexec-leak\.c:[0-9]+\)'
    expect_equal "score: 0/2" "$(last_line)"
}

@test "tcp-echo: a leaky re-executing program that hides valgrind's report (closes its descriptor, stderr) fails the valgrind test" {
    graded reexec-leak-hidden
    expect_status 1
    expect_line '^FAIL  0/2  valgrind memcheck'
    expect_line "^      \\| valgrind's report is incomplete: it watched process [0-9]+ but never gave its summary"
    expect_equal "score: 0/2" "$(last_line)"
}

@test "tcp-echo: the valgrind test judges memory only: a functional bug keeps its points and is noted" {
    graded starter-memcheck
    expect_status 0
    expect_line '^PASS  2/2  valgrind memcheck'
    expect_equal "score: 2/2" "$(last_line)"
    local json=$BATS_FILE_TMPDIR/grades/starter-memcheck.json note
    note=$(json_get "$json" 'tests[0].output')
    [[ $note == "note: the program did not do what this run asked"* ]] || { echo "output: $note" >&2; return 1; }
    [[ $note == *"sent 100000 bytes, got back "* ]] || { echo "output: $note" >&2; return 1; }
}

@test "each exercise has README, starter, three hints, tests and a solution" {
    local name
    for name in "${ORDER[@]}"; do
        for f in README.md starter.c solution.c tests.sh hints/1.md hints/2.md hints/3.md; do
            [ -s "$SOCKSTEP_ROOT/exercises/$name/$f" ] || { echo "missing exercises/$name/$f" >&2; return 1; }
        done
        grep -q TODO "$SOCKSTEP_ROOT/exercises/$name/starter.c" || { echo "$name/starter.c has no TODO" >&2; return 1; }
    done
}

@test "each README lists every test with its points, and the total" {
    local name line func points seconds description total
    for name in "${ORDER[@]}"; do
        local readme=$SOCKSTEP_ROOT/exercises/$name/README.md
        total=1
        grep -qF '| 1 | compiles without warnings' "$readme" || { echo "$name: no warnings row" >&2; return 1; }
        while IFS= read -r line; do
            read -r func points seconds description <<<"$line"
            total=$((total + points))
            grep -qF "| $points | $description |" "$readme" ||
                { echo "$name/README.md lacks the row: | $points | $description |" >&2; return 1; }
        done < <(bash -c 'source "$1"; printf "%s\n" "${TESTS[@]}"' _ "$SOCKSTEP_ROOT/exercises/$name/tests.sh")
        grep -qF "($total points)" "$readme" || { echo "$name/README.md does not say ($total points)" >&2; return 1; }
    done
}

@test "each exercise's README links its lesson's walkthrough (docs/vNN-*.md) and that file exists" {
    local name link
    for name in "${ORDER[@]}"; do
        link=$(sed -nE 's/^After lesson \[[^]]+\]\(\.\.\/\.\.\/(docs\/v[0-9]{2}-[a-z0-9-]+\.md)\).*/\1/p' \
            "$SOCKSTEP_ROOT/exercises/$name/README.md")
        [ -n "$link" ] || { echo "$name/README.md: no 'After lesson [..](../../docs/vNN-...md)' line" >&2; return 1; }
        [ -f "$SOCKSTEP_ROOT/$link" ] || { echo "$name/README.md links $link, which does not exist" >&2; return 1; }
    done
}

# Building them is proven by the grades (gcc) and tests/exercises-starters.bats
# (clang); here: the target exists and builds every exercise of ORDER.
@test "make exercises-solutions builds each solution into build/exercises/NAME (dry run)" {
    run make -C "$SOCKSTEP_ROOT" --no-print-directory -n BUILD=/nonexistent/b exercises-solutions
    expect_status 0
    local name
    for name in "${ORDER[@]}"; do
        expect_line "exercises/$name/solution\.c .* -o /nonexistent/b/exercises/$name\$"
    done
}

@test "make progress lists the exercises in order and names the next one" {
    local work=$BATS_TEST_TMPDIR/work
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory progress EXERCISE_WORK="$work"
    expect_status 0
    expect_equal "[ ] 1. udp-reply            <- next" "${lines[0]}"
    expect_equal "[ ] 5. tcp-client-count     " "${lines[4]}"
    expect_equal "[ ] 9. room-epoll           " "${lines[8]}"
    expect_equal "[ ] 12. pool-echo            " "${lines[11]}"
    expect_equal "0 of 12 done." "${lines[12]}"
    mkdir -p "$work/.state"
    date >"$work/.state/udp-reply.done"
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory progress EXERCISE_WORK="$work"
    [[ ${lines[0]} == "[x] 1. udp-reply            done "* ]]
    expect_equal "[ ] 2. udp-client-timeout   <- next" "${lines[1]}"
    expect_equal "Next: make check EX=udp-client-timeout   (task: exercises/udp-client-timeout/README.md)" "${lines[13]}"
}

@test "make hint shows the hints one at a time, then starts again" {
    local work=$BATS_TEST_TMPDIR/work n
    for n in 1 2 3; do
        run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory hint EX=tcp-echo EXERCISE_WORK="$work"
        expect_status 0
        expect_equal "Hint $n of 3 for tcp-echo:" "${lines[0]}"
        expect_equal "$(head -n 1 "$SOCKSTEP_ROOT/exercises/tcp-echo/hints/$n.md")" "${lines[1]}"
    done
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory hint EX=tcp-echo EXERCISE_WORK="$work"
    expect_equal "No more hints for tcp-echo (all 3 shown). Here they are again:" "${lines[0]}"
    expect_equal "Hint 1 of 3 for tcp-echo:" "${lines[1]}"
}

# The learner's path, not the grading (the solutions' full grades above prove
# that): ONLY_TESTS keeps each grade to a test or two.
@test "make check: copies the starter, grades it, says 'Not there yet' (exit 0, no make error), records the exercise once done" {
    local work=$BATS_TEST_TMPDIR/work
    ONLY_TESTS=warnings,reply_names_sender \
        run timeout -k 5 120 make -C "$SOCKSTEP_ROOT" --no-print-directory check EX=udp-reply EXERCISE_WORK="$work"
    expect_status 0
    expect_equal "Created $work/udp-reply.c from the starter: edit it (look for TODO), then run make check EX=udp-reply again." "${lines[0]}"
    cmp "$SOCKSTEP_ROOT/exercises/udp-reply/starter.c" "$work/udp-reply.c"
    expect_line '^FAIL  0/3  replies '
    expect_line '^score: 1/4$'
    expect_equal "Not there yet. Stuck? make hint EX=udp-reply" "$(last_line)"
    ! grep -q 'make: \*\*\*' <<<"$output" || { echo "$output" >&2; return 1; }
    [ ! -e "$work/.state/udp-reply.done" ]

    cp "$SOCKSTEP_ROOT/exercises/udp-reply/solution.c" "$work/udp-reply.c"
    ONLY_TESTS=warnings,reply_names_sender \
        run timeout -k 5 120 make -C "$SOCKSTEP_ROOT" --no-print-directory check EXERCISE_WORK="$work"
    expect_status 0
    expect_line '^score: 4/4$'
    expect_equal "Done! Next: make check EX=udp-client-timeout  (task: exercises/udp-client-timeout/README.md)" "$(last_line)"
    [ -s "$work/.state/udp-reply.done" ]
}

@test "make check with an unknown exercise: usage error, exit status 2" {
    run "$SOCKSTEP_ROOT/exercises/learn" check nope
    expect_status 2
    [[ $output == "usage: exercises/learn check|hint [NAME] | progress (unknown exercise 'nope'; "* ]]
}
