#!/usr/bin/env bats
# The exercises themselves: every reference solution earns full marks, the
# README of each exercise matches its tests, and the learner's make targets
# (check, hint, progress) work. Starters: tests/exercises-starters.bats.

load helpers
load grader_helpers

setup() { grader_setup; }
teardown() { grader_teardown; sockstep_teardown; }

mapfile -t ORDER <"$SOCKSTEP_ROOT/exercises/ORDER"

expect_full_marks() { # NAME
    grade "$1" "$SOCKSTEP_ROOT/exercises/$1/solution.c"
    expect_status 0
    local max
    max=$(grep -c '^PASS' <<<"$output")
    [ "$(grep -c '^FAIL' <<<"$output")" = 0 ] || { echo "$output" >&2; return 1; }
    [[ $(last_line) =~ ^score:\ ([0-9]+)/([0-9]+)$ ]] || { echo "last line: $(last_line)" >&2; return 1; }
    expect_equal "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "full marks"
    [ "$max" -ge 8 ]
}

@test "udp-reply: the reference solution scores full marks" { expect_full_marks udp-reply; }
@test "udp-client-timeout: the reference solution scores full marks" { expect_full_marks udp-client-timeout; }
@test "udp-upper: the reference solution scores full marks" { expect_full_marks udp-upper; }
@test "tcp-echo: the reference solution scores full marks" { expect_full_marks tcp-echo; }
@test "tcp-client-count: the reference solution scores full marks" { expect_full_marks tcp-client-count; }

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

@test "make exercises-solutions builds every solution with clang without a warning" {
    command -v clang >/dev/null || skip "clang is not installed"
    local build=$BATS_TEST_TMPDIR/clang
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory CC=clang BUILD="$build" exercises-solutions
    expect_status 0
    ! grep -q 'warning:' <<<"$output" || { echo "$output" >&2; return 1; }
    local name
    for name in "${ORDER[@]}"; do [ -x "$build/exercises/$name" ]; done
}

@test "make progress lists the exercises in order and names the next one" {
    local work=$BATS_TEST_TMPDIR/work
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory progress EXERCISE_WORK="$work"
    expect_status 0
    expect_equal "[ ] 1. udp-reply            <- next" "${lines[0]}"
    expect_equal "[ ] 5. tcp-client-count     " "${lines[4]}"
    expect_equal "[ ] 9. room-epoll           " "${lines[8]}"
    expect_equal "0 of 9 done." "${lines[9]}"
    mkdir -p "$work/.state"
    date >"$work/.state/udp-reply.done"
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory progress EXERCISE_WORK="$work"
    [[ ${lines[0]} == "[x] 1. udp-reply            done "* ]]
    expect_equal "[ ] 2. udp-client-timeout   <- next" "${lines[1]}"
    expect_equal "Next: make check EX=udp-client-timeout   (task: exercises/udp-client-timeout/README.md)" "${lines[10]}"
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

@test "make check: copies the starter, grades it, and records the exercise once it is done" {
    local work=$BATS_TEST_TMPDIR/work
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory check EX=udp-reply EXERCISE_WORK="$work"
    [ "$status" -ne 0 ]
    expect_equal "Created $work/udp-reply.c from the starter: edit it (look for TODO), then run make check EX=udp-reply again." "${lines[0]}"
    cmp "$SOCKSTEP_ROOT/exercises/udp-reply/starter.c" "$work/udp-reply.c"
    expect_line '^score: [0-9]+/12$'
    expect_line '^Not there yet. Stuck\? make hint EX=udp-reply$'
    [ ! -e "$work/.state/udp-reply.done" ]

    cp "$SOCKSTEP_ROOT/exercises/udp-reply/solution.c" "$work/udp-reply.c"
    run timeout -k 5 300 make -C "$SOCKSTEP_ROOT" --no-print-directory check EXERCISE_WORK="$work"
    expect_status 0
    expect_line '^score: 12/12$'
    expect_equal "Done! Next: make check EX=udp-client-timeout  (task: exercises/udp-client-timeout/README.md)" "$(last_line)"
    [ -s "$work/.state/udp-reply.done" ]
}

@test "make check with an unknown exercise: usage error, exit status 2" {
    run "$SOCKSTEP_ROOT/exercises/learn" check nope
    expect_status 2
    [[ $output == "usage: exercises/learn check|hint [NAME] | progress (unknown exercise 'nope'; "* ]]
}
