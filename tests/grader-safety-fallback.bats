#!/usr/bin/env bats
# Grading without isolation (no bubblewrap: SOCKSTEP_GRADER_BWRAP=none, or
# no namespaces at all: SOCKSTEP_GRADER_NAMESPACES=0). A class is refused
# unless --unisolated is given, and then the gradebook and every report say
# so; as root, the student's separate uid is still killed whole and cleaned
# up after every test, so the hostile fixtures are contained; a correct
# solution still gets full marks.

load helpers
load grader_helpers

HOSTILE=$SOCKSTEP_ROOT/exercises/tests-fixtures/hostile

setup_file() {
    grader_prebuild
}
setup() {
    grader_setup "$(test_uid_base 5)"
    export SOCKSTEP_GRADER_BWRAP=none
}
teardown() { [ -n "${DECOY:-}" ] && rm -rf "$DECOY"; grader_teardown; sockstep_teardown; }

@test "fallback: --class without isolation is refused; with --unisolated every row and report says NOT ISOLATED" {
    local class=$BATS_TEST_TMPDIR/class
    mkdir -p "$class"
    cp "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" "$class/alice.c"
    chmod -R a+rX "$class"
    grade --class "$class" tcp-echo --csv "$BATS_TEST_TMPDIR/grades.csv"
    expect_status 2
    [[ $stderr == "grade: cannot isolate student code: bubblewrap (bwrap) is not installed. "*"pass --unisolated"* ]]
    grade --class "$class" tcp-echo --csv "$BATS_TEST_TMPDIR/grades.csv" --unisolated --tests warnings,echo_short,bad_port
    expect_status 0
    [[ $stderr == *'NOT ISOLATED (--unisolated)'* ]]
    expect_equal "$(printf '%s\n' student,score,max,status,sandbox alice,4,4,full,NOT-ISOLATED)" "$(cat "$BATS_TEST_TMPDIR/grades.csv")"
    grep -q '^sandbox: NOT ISOLATED: bubblewrap (bwrap) is not installed' "$BATS_TEST_TMPDIR/grades-reports/alice.txt"
}

@test "fallback, hostile: hundreds of forks, a fork bomb, a huge file and tampering, graded as one unisolated class, are contained (root)" {
    is_root || skip "needs root: without isolation, only a separate uid lets the grader find and end everything a student started and wrote"
    local class=$BATS_TEST_TMPDIR/class name
    mkdir -p "$class"
    cp "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" "$class/alice.c"
    for name in fork-hundreds fork-bomb huge-file tamper; do
        cp "$HOSTILE/$name.c" "$class/"
    done
    chmod -R a+rX "$class"
    local before
    before=$(kit_fingerprint)
    make_decoy
    SOCKSTEP_GRADER_JOBS=6 grade --class "$class" tcp-echo --csv "$BATS_TEST_TMPDIR/grades.csv" --unisolated --tests warnings,address_line
    expect_status 1
    expect_equal "$(printf '%s\n' student,score,max,status,sandbox alice,2,2,full,NOT-ISOLATED \
        fork-bomb,1,2,partial,NOT-ISOLATED fork-hundreds,1,2,partial,NOT-ISOLATED huge-file,1,2,partial,NOT-ISOLATED \
        tamper,1,2,partial,NOT-ISOLATED)" "$(cat "$BATS_TEST_TMPDIR/grades.csv")"
    local r=$BATS_TEST_TMPDIR/grades-reports f uids=()
    grep -qE '^      \|   \| tamper: [0-9]+ attempts, 0 succeeded$' "$r/tamper.txt"
    for f in "$r"/*.txt; do
        grep -qE '^sandbox: NOT ISOLATED: .*; program runs as uid [0-9]+$' "$f"
        uids+=("$(report_uid "$f")")
    done
    expect_no_leftovers "${uids[@]}"
    ! find /tmp -maxdepth 1 -name 'sockstep-hostile-*' -uid "${uids[0]}" | grep -q .
    expect_equal "$before" "$(kit_fingerprint)" "the kit's files"
    (cd "$DECOY" && md5sum -c --quiet "$BATS_TEST_TMPDIR/decoy.md5")
}

@test "fallback: the reference tcp-echo solution still scores full marks, on plain loopback, as a separate uid when root" {
    SOCKSTEP_GRADER_NAMESPACES=0 grade tcp-echo "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c"
    expect_status 0
    expect_line '^sandbox: NOT ISOLATED: namespaces turned off \(SOCKSTEP_GRADER_NAMESPACES=0\), so the program could read and change what [a-z0-9_-]+ can; plain loopback \(no namespaces\), forced; program runs as '
    expect_equal "score: 17/17" "$(last_line)"
    ! is_root || expect_uid_gone "$(grader_uid)"
}
