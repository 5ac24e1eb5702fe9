#!/usr/bin/env bats
# The chat exercises (after lessons v06..v09): each reference solution earns
# full marks, each starter compiles without a warning (gcc, and clang if
# present) and scores less, and each README lists its tests and points.
# The time each grading takes is printed (fd 3) as "# NAME solution: N s".

load helpers
load grader_helpers

setup() { grader_setup; }
teardown() { grader_teardown; sockstep_teardown; }

CHAT_EXERCISES=(chat-lines chat-client-quit room-names room-epoll)

expect_full_marks() { # NAME
    local start=$SECONDS
    grade "$1" "$SOCKSTEP_ROOT/exercises/$1/solution.c"
    echo "# $1 solution: graded in $((SECONDS - start)) s" >&3
    expect_status 0
    expect_line '^compile: ok$'
    [ "$(grep -c '^FAIL' <<<"$output")" = 0 ] || { echo "$output" >&2; return 1; }
    [[ $(last_line) =~ ^score:\ ([0-9]+)/([0-9]+)$ ]] || { echo "last line: $(last_line)" >&2; return 1; }
    expect_equal "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "full marks"
    [ "${BASH_REMATCH[2]}" -ge 8 ]
    # The memcheck test is there, and passed.
    expect_line '^PASS  [0-9]+/[0-9]+  valgrind memcheck'
}

expect_starter() { # NAME
    grade "$1" "$SOCKSTEP_ROOT/exercises/$1/starter.c"
    expect_status 1
    expect_line '^compile: ok$'
    expect_line '^PASS  1/1  compiles without warnings'
    [[ $(last_line) =~ ^score:\ ([0-9]+)/([0-9]+)$ ]] || { echo "last line: $(last_line)" >&2; return 1; }
    [ "${BASH_REMATCH[1]}" -lt "${BASH_REMATCH[2]}" ]
    grep -q '^FAIL' <<<"$output"
    if command -v clang >/dev/null; then
        run clang -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes \
            -D_POSIX_C_SOURCE=200809L -I"$SOCKSTEP_ROOT/common" -c "$SOCKSTEP_ROOT/exercises/$1/starter.c" \
            -o "$BATS_TEST_TMPDIR/starter.o"
        expect_status 0
        expect_equal "" "$output" "clang's output"
    fi
}

@test "chat-lines: the reference solution scores full marks" { expect_full_marks chat-lines; }
@test "chat-lines: the starter compiles cleanly and does not pass" { expect_starter chat-lines; }
@test "chat-client-quit: the reference solution scores full marks" { expect_full_marks chat-client-quit; }
@test "chat-client-quit: the starter compiles cleanly and does not pass" { expect_starter chat-client-quit; }
@test "room-names: the reference solution scores full marks" { expect_full_marks room-names; }
@test "room-names: the starter compiles cleanly and does not pass" { expect_starter room-names; }
@test "room-epoll: the reference solution scores full marks" { expect_full_marks room-epoll; }
@test "room-epoll: the starter compiles cleanly and does not pass" { expect_starter room-epoll; }

@test "chat exercises: README, starter with TODO, three hints, tests, solution; README lists every test with its points" {
    local name f line func points seconds description total
    for name in "${CHAT_EXERCISES[@]}"; do
        local dir=$SOCKSTEP_ROOT/exercises/$name
        for f in README.md starter.c solution.c tests.sh hints/1.md hints/2.md hints/3.md; do
            [ -s "$dir/$f" ] || { echo "missing exercises/$name/$f" >&2; return 1; }
        done
        grep -q TODO "$dir/starter.c" || { echo "$name/starter.c has no TODO" >&2; return 1; }
        total=1
        grep -qF '| 1 | compiles without warnings' "$dir/README.md" || { echo "$name: no warnings row" >&2; return 1; }
        while IFS= read -r line; do
            read -r func points seconds description <<<"$line"
            total=$((total + points))
            grep -qF "| $points | $description |" "$dir/README.md" ||
                { echo "$name/README.md lacks the row: | $points | $description |" >&2; return 1; }
        done < <(bash -c 'source "$1"; printf "%s\n" "${TESTS[@]}"' _ "$dir/tests.sh")
        grep -qF "($total points)" "$dir/README.md" || { echo "$name/README.md does not say ($total points)" >&2; return 1; }
    done
}

@test "chat exercises: every solution builds with gcc and clang without a warning" {
    local name cc
    for cc in gcc clang; do
        command -v "$cc" >/dev/null || continue
        for name in "${CHAT_EXERCISES[@]}"; do
            run "$cc" -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes \
                -D_POSIX_C_SOURCE=200809L -O2 -I"$SOCKSTEP_ROOT/common" -c "$SOCKSTEP_ROOT/exercises/$name/solution.c" \
                -o "$BATS_TEST_TMPDIR/solution.o"
            expect_status 0
            expect_equal "" "$output" "$cc on $name/solution.c"
        done
    done
}
