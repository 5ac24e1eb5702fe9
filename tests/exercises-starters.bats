#!/usr/bin/env bats
# Every starter is generated from its solution (exercises/make-starters),
# compiles with zero warnings (gcc in the grader, clang here if present), and
# does not pass: each is graded with one test it must fail (the whole sets
# run once, on the solutions, in tests/exercises.bats and exercises-chat.bats).

load helpers
load grader_helpers

mapfile -t ORDER <"$SOCKSTEP_ROOT/exercises/ORDER"

# The one test each starter fails: the idea its TODO is about.
declare -gA TARGET=(
    [udp-reply]=reply_names_sender
    [udp-client-timeout]=retries_once
    [udp-upper]=upper_ascii
    [tcp-echo]=short_writes
    [tcp-client-count]=reply_in_pieces
    [chat-lines]=lines_in_one_write
    [chat-client-quit]=prints_at_once
    [room-names]=nick
    [room-epoll]=imports_epoll
    [fork-echo]=silent_client
    [thread-echo]=silent_client
    [pool-echo]=silent_client
)

teardown_file() { grading_teardown_file; }

setup_file() {
    start_grading || return 1
    local name
    for name in "${ORDER[@]}"; do
        grade_in_background "$name" "$name" "$SOCKSTEP_ROOT/exercises/$name/starter.c" --tests "warnings,${TARGET[$name]}"
    done
    wait
}

teardown() { sockstep_teardown; }

expect_starter() { # NAME
    [ -n "${TARGET[$1]:-}" ] || { echo "no target test for $1 in this file" >&2; return 1; }
    graded "$1"
    expect_status 1
    expect_line '^compile: ok$'
    expect_line '^PASS  1/1  compiles without warnings'
    expect_line '^FAIL  0/[0-9]+  '
    expect_line '^score: 1/[0-9]+$'
}

@test "udp-reply: the starter compiles cleanly and fails its TODO's test" { expect_starter udp-reply; }
@test "udp-client-timeout: the starter compiles cleanly and fails its TODO's test" { expect_starter udp-client-timeout; }
@test "udp-upper: the starter compiles cleanly and fails its TODO's test" { expect_starter udp-upper; }
@test "tcp-echo: the starter compiles cleanly and fails its TODO's test" { expect_starter tcp-echo; }
@test "tcp-client-count: the starter compiles cleanly and fails its TODO's test" { expect_starter tcp-client-count; }
@test "chat-lines: the starter compiles cleanly and fails its TODO's test" { expect_starter chat-lines; }
@test "chat-client-quit: the starter compiles cleanly and fails its TODO's test" { expect_starter chat-client-quit; }
@test "room-names: the starter compiles cleanly and fails its TODO's test" { expect_starter room-names; }
@test "room-epoll: the starter compiles cleanly and fails its TODO's test" { expect_starter room-epoll; }
@test "fork-echo: the starter compiles cleanly and fails its TODO's test" { expect_starter fork-echo; }
@test "thread-echo: the starter compiles cleanly and fails its TODO's test" { expect_starter thread-echo; }
@test "pool-echo: the starter compiles cleanly and fails its TODO's test" { expect_starter pool-echo; }

@test "every exercise of ORDER has a target test here" {
    local name
    for name in "${ORDER[@]}"; do
        [ -n "${TARGET[$name]:-}" ] || { echo "no target test for $name" >&2; return 1; }
        grep -q "^    \"test_${TARGET[$name]} " "$SOCKSTEP_ROOT/exercises/$name/tests.sh" ||
            { echo "$name/tests.sh has no test_${TARGET[$name]}" >&2; return 1; }
    done
}

@test "every starter.c is what exercises/make-starters writes from its solution.c" {
    run "$SOCKSTEP_ROOT/exercises/make-starters" --check
    expect_status 0
    expect_equal "" "$output"
}

@test "make-starters --check fails on a starter edited by hand, and regenerating restores it" {
    local copy=$BATS_TEST_TMPDIR/exercises
    cp -r "$SOCKSTEP_ROOT/exercises" "$copy"
    rm -rf "$copy/work"
    printf '/* edited by hand */\n' >>"$copy/tcp-echo/starter.c"
    run "$copy/make-starters" --check
    expect_status 1
    expect_line '^make-starters: exercises/tcp-echo/starter.c is not generated from its solution.c \(run exercises/make-starters\)$'
    run "$copy/make-starters"
    expect_status 0
    cmp "$SOCKSTEP_ROOT/exercises/tcp-echo/starter.c" "$copy/tcp-echo/starter.c"
    run "$copy/make-starters" --check
    expect_status 0
}

@test "make-starters refuses a solution whose STARTER region is not closed" {
    local copy=$BATS_TEST_TMPDIR/exercises
    mkdir -p "$copy/bad"
    cp "$SOCKSTEP_ROOT/exercises/make-starters" "$copy/"
    printf 'int main(void)\n{\n#ifndef STARTER\n    return 0;\n}\n' >"$copy/bad/solution.c"
    run "$copy/make-starters" bad
    expect_status 2
    expect_line '^bad/solution.c:[0-9]+: a STARTER region is not closed$'
}

@test "every starter and solution passes clang's checks with the kit's flags, without a warning" {
    command -v clang >/dev/null || skip "clang is not installed"
    local name file
    for name in "${ORDER[@]}"; do
        for file in starter.c solution.c; do
            run clang -fsyntax-only -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes \
                -D_POSIX_C_SOURCE=200809L -I"$SOCKSTEP_ROOT/common" "$SOCKSTEP_ROOT/exercises/$name/$file"
            expect_status 0
            expect_equal "" "$output" "clang on $name/$file"
        done
    done
}
