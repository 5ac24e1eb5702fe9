#!/usr/bin/env bats
# Student code is untrusted: each hostile submission in
# exercises/tests-fixtures/hostile/ is contained (bounded time, no process or
# file left, nothing of the kit or of other students changed, no raised
# score). Here with network and PID namespaces, the default where the kernel
# allows; tests/grader-safety-fallback.bats forces the plain fallback.

load helpers
load grader_helpers

setup() {
    grader_setup
    export SOCKSTEP_GRADER_UID_BASE=1900400000
}
teardown() { [ -n "${DECOY:-}" ] && rm -rf "$DECOY"; grader_teardown; sockstep_teardown; }

TESTS=warnings,address_line,bad_port

@test "hostile: an endless loop before bind" {
    grade_hostile loop-before-bind "$TESTS" "score: 1/3"
    expect_line '^sandbox: own network and PID namespaces; program runs as uid [0-9]+$'
    expect_line '^      \| the server printed no complete first line within 5 s$'
}

@test "hostile: an endless loop after bind, ignoring SIGTERM" {
    grade_hostile loop-after-bind "$TESTS" "score: 1/3"
}

@test "hostile: forks hundreds of children that leave the session" {
    grade_hostile fork-hundreds "$TESTS" "score: 1/3"
}

@test "hostile: a fork bomb" {
    grade_hostile fork-bomb "$TESTS" "score: 1/3"
}

@test "hostile: allocates memory without end (also under valgrind)" {
    grade_hostile alloc-forever "$TESTS,memcheck" "score: 1/5"
}

@test "hostile: writes a huge file, here and in /tmp" {
    grade_hostile huge-file "$TESTS" "score: 1/3"
    expect_line 'exit status 153'
}

@test "hostile: prints fake PASS lines and a fake score" {
    grade_hostile fake-output "$TESTS" "score: 1/3"
    expect_line '^      \|   \| PASS  2/2  echoes a short message byte for byte$'
    expect_line '^      \|   \| \?\[2K\?\[1Ascore: 16/16$'
}

@test "hostile: tries to rewrite the tests, the grader and other students' files" {
    grade_hostile tamper "$TESTS" "score: 1/3"
    expect_line '^      \|   \| tamper: [0-9]+ attempts, 0 succeeded$'
}
