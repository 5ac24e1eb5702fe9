#!/usr/bin/env bats
# Every starter compiles with zero warnings (gcc, and clang if present) and
# scores less than full marks: a learner starts from something that builds.

load helpers
load grader_helpers

setup() { grader_setup; }
teardown() { grader_teardown; sockstep_teardown; }

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

@test "udp-reply: the starter compiles cleanly and does not pass" { expect_starter udp-reply; }
@test "udp-client-timeout: the starter compiles cleanly and does not pass" { expect_starter udp-client-timeout; }
@test "udp-upper: the starter compiles cleanly and does not pass" { expect_starter udp-upper; }
@test "tcp-echo: the starter compiles cleanly and does not pass" { expect_starter tcp-echo; }
@test "tcp-client-count: the starter compiles cleanly and does not pass" { expect_starter tcp-client-count; }
