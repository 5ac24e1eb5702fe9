#!/usr/bin/env bats
# The exercises after lessons v06..v12: each reference solution earns
# full marks (its whole test set, once), and chat-lines' limit test holds
# its promise: a server whose limit is one byte off, either way, fails it.
# Starters: tests/exercises-starters.bats; READMEs and learner targets:
# tests/exercises.bats. The grades run at once in setup_file; "# NAME: N s"
# lines (fd 3) give their times.

load helpers
load grader_helpers

# The exercises after lesson v06: chat, rooms, and the design alternatives.
LATER_EXERCISES=(chat-lines chat-client-quit room-names room-epoll fork-echo thread-echo pool-echo)

teardown_file() { grading_teardown_file; }

setup_file() {
    start_grading || return 1
    local name variants=$BATS_FILE_TMPDIR/variants
    mkdir -p "$variants"
    for name in "${LATER_EXERCISES[@]}"; do
        grade_in_background "$name" "$name" "$SOCKSTEP_ROOT/exercises/$name/solution.c"
    done
    # chat-lines with its limit one byte too small, and one byte too big.
    sed 's/LINE_LIMIT = 65536/LINE_LIMIT = 65535/' "$SOCKSTEP_ROOT/exercises/chat-lines/solution.c" >"$variants/limit-65535.c"
    sed 's/LINE_LIMIT = 65536/LINE_LIMIT = 65537/' "$SOCKSTEP_ROOT/exercises/chat-lines/solution.c" >"$variants/limit-65537.c"
    grade_in_background limit-65535 chat-lines "$variants/limit-65535.c" --tests limit,too_long
    grade_in_background limit-65537 chat-lines "$variants/limit-65537.c" --tests limit,too_long
    wait
}

teardown() { sockstep_teardown; }

expect_full_marks() { # NAME
    graded "$1"
    expect_status 0
    expect_line '^compile: ok$'
    [ "$(grep -c '^FAIL' <<<"$output")" = 0 ] || { echo "$output" >&2; return 1; }
    [[ $(last_line) =~ ^score:\ ([0-9]+)/([0-9]+)$ ]] || { echo "last line: $(last_line)" >&2; return 1; }
    expect_equal "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "full marks"
    [ "${BASH_REMATCH[2]}" -ge 8 ]
    expect_line '^PASS  [0-9]+/[0-9]+  valgrind memcheck'
    expect_line '^PASS  [0-9]+/[0-9]+  .*(one SIGINT alone|valgrind)'
}

@test "chat-lines: the reference solution scores full marks" { expect_full_marks chat-lines; }
@test "chat-client-quit: the reference solution scores full marks" { expect_full_marks chat-client-quit; }
@test "room-names: the reference solution scores full marks" { expect_full_marks room-names; }
@test "room-epoll: the reference solution scores full marks" { expect_full_marks room-epoll; }
@test "fork-echo: the reference solution scores full marks" { expect_full_marks fork-echo; }
@test "thread-echo: the reference solution scores full marks" { expect_full_marks thread-echo; }
@test "pool-echo: the reference solution scores full marks" { expect_full_marks pool-echo; }

@test "chat-lines: a limit of 65535 bytes fails the limit test (a 65536-byte line must come back whole)" {
    graded limit-65535
    expect_status 1
    expect_line '^FAIL  0/2  the limit, 65536 bytes'
    expect_line '^      \|   expected [0-9]+ bytes, got [0-9]+ bytes$'
    expect_line '^      \|   got       ".*\(line too long\)'
    expect_line '^PASS  1/1  a 200000-byte line is answered with \(line too long\)'
}

@test "chat-lines: a limit of 65537 bytes fails the limit test (a 65537-byte line is too long)" {
    graded limit-65537
    expect_status 1
    expect_line '^FAIL  0/2  the limit, 65536 bytes'
    expect_line '^      \|   expected  ".*3: \(line too long\)'
    expect_line '^PASS  1/1  a 200000-byte line is answered with \(line too long\)'
}
