#!/usr/bin/env bats
# The same containment without namespaces (SOCKSTEP_GRADER_NAMESPACES=0, the
# path taken where unshare is not allowed): plain loopback, port 0, and the
# student's uid killed whole and cleaned up after every test.

load helpers
load grader_helpers

setup() {
    grader_setup
    export SOCKSTEP_GRADER_UID_BASE=1900500000 SOCKSTEP_GRADER_NAMESPACES=0
}
teardown() { [ -n "${DECOY:-}" ] && rm -rf "$DECOY"; grader_teardown; sockstep_teardown; }

TESTS=warnings,address_line,bad_port

@test "fallback, hostile: an endless loop after bind, ignoring SIGTERM" {
    grade_hostile loop-after-bind "$TESTS" "score: 1/3"
    expect_line '^sandbox: plain loopback \(no namespaces\), forced; program runs as uid [0-9]+$'
}

@test "fallback, hostile: forks hundreds of children that leave the session" {
    grade_hostile fork-hundreds "$TESTS" "score: 1/3"
}

@test "fallback, hostile: a fork bomb" {
    grade_hostile fork-bomb "$TESTS" "score: 1/3"
}

@test "fallback, hostile: writes a huge file, here and in /tmp" {
    grade_hostile huge-file "$TESTS" "score: 1/3"
}

@test "fallback, hostile: tries to rewrite the tests, the grader and other students' files" {
    grade_hostile tamper "$TESTS" "score: 1/3"
}

@test "fallback: the reference tcp-echo solution still scores full marks" {
    grade tcp-echo "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c"
    expect_status 0
    expect_equal "score: 16/16" "$(last_line)"
    expect_uid_gone "$(grader_uid)"
}
