#!/usr/bin/env bats
# exercises/grade --class: a whole class in parallel, into a CSV gradebook
# and one report per student; one student's failure never stops the batch.

load helpers
load grader_helpers

setup() {
    grader_setup
    export SOCKSTEP_GRADER_UID_BASE=1900300000
}
teardown() { grader_teardown; sockstep_teardown; }

EX=$SOCKSTEP_ROOT/exercises/udp-upper

make_class() {
    CLASS=$BATS_TEST_TMPDIR/class
    mkdir -p "$CLASS/emma" "$CLASS/frank" "$CLASS/gina"
    cp "$EX/solution.c" "$CLASS/alice.c"                      # good
    cp "$EX/starter.c" "$CLASS/bob.c"                          # partial
    printf 'int main(void) { return oops; }\n' >"$CLASS/carol.c"   # does not compile
    cp "$FIXTURES/hostile/huge-file.c" "$CLASS/dave.c"         # hostile
    # emma: an empty folder
    cp "$EX/solution.c" "$CLASS/frank/a.c"                     # two .c files
    cp "$EX/starter.c" "$CLASS/frank/b.c"
    cp "$EX/solution.c" "$CLASS/gina/upper.c"                  # a folder with one .c file
    cp "$EX/solution.c" "$CLASS/o'neil, jr.c"                  # a name that needs CSV quoting
    printf 'not a student\n' >"$CLASS/notes.txt"
    chmod -R a+rX "$CLASS"
    find "$CLASS" -type f -exec md5sum {} + | sort >"$BATS_TEST_TMPDIR/class.md5"
}

@test "grade --class: CSV gradebook with the right row and status for every kind of student" {
    make_class
    grade --class "$CLASS" udp-upper --csv "$BATS_TEST_TMPDIR/grades.csv"
    expect_status 1
    local csv=$BATS_TEST_TMPDIR/grades.csv
    csv_check "$csv" 4
    run cat "$csv"
    expect_equal "student,score,max,status" "${lines[0]}"
    expect_equal "alice,14,14,full" "${lines[1]}"
    [[ ${lines[2]} =~ ^bob,([0-9]+),14,partial$ ]] && [ "${BASH_REMATCH[1]}" -lt 14 ]
    expect_equal "carol,0,14,compile-error" "${lines[3]}"
    [[ ${lines[4]} =~ ^dave,[0-1],14,partial$ ]]
    expect_equal "emma,0,14,error" "${lines[5]}"
    expect_equal "frank,0,14,error" "${lines[6]}"
    expect_equal "gina,14,14,full" "${lines[7]}"
    expect_equal '"o'"'"'neil, jr",14,14,full' "${lines[8]}"
    expect_equal 9 "${#lines[@]}"
}

@test "grade --class: one report per student, with the reason for errors" {
    make_class
    grade --class "$CLASS" udp-upper --csv "$BATS_TEST_TMPDIR/grades.csv" --reports "$BATS_TEST_TMPDIR/reports"
    expect_status 1
    local r=$BATS_TEST_TMPDIR/reports
    expect_equal "score: 14/14" "$(tail -n 1 "$r/alice.txt")"
    grep -q "^  carol.c:1:25: error: 'oops' undeclared" "$r/carol.txt"
    expect_equal "error: the folder 'emma' must hold exactly one .c file, it holds 0" "$(cat "$r/emma.txt")"
    expect_equal "error: the folder 'frank' must hold exactly one .c file, it holds 2" "$(cat "$r/frank.txt")"
    [ -s "$r/o'neil, jr.txt" ]
    [ ! -e "$r/notes.txt" ]
    [ "$(ls -A "$r" | wc -l)" = 8 ]
    # The class folder is exactly as it was, and nothing is left behind.
    find "$CLASS" -type f -exec md5sum {} + | sort | diff "$BATS_TEST_TMPDIR/class.md5" -
    ! { find /tmp -maxdepth 1 -name 'sockstep-hostile-*' -printf '%U\n' 2>/dev/null || true; } | grep -q '^19003000'
    [ -z "$(ls -A "$GRADER_TMP")" ]
}

@test "grade --class: reports next to the CSV by default; a class of full marks exits 0" {
    mkdir -p "$BATS_TEST_TMPDIR/good"
    cp "$EX/solution.c" "$BATS_TEST_TMPDIR/good/s1.c"
    cp "$EX/solution.c" "$BATS_TEST_TMPDIR/good/s2.c"
    grade --class "$BATS_TEST_TMPDIR/good" udp-upper --csv "$BATS_TEST_TMPDIR/out.csv"
    expect_status 0
    expect_equal "gradebook: $BATS_TEST_TMPDIR/out.csv (2 of 2 with full marks); reports in $BATS_TEST_TMPDIR/out-reports/" "$(tail -n 1 <<<"$stderr")"
    [ -s "$BATS_TEST_TMPDIR/out-reports/s1.txt" ]
    [ -s "$BATS_TEST_TMPDIR/out-reports/s2.txt" ]
}

@test "grade --class: usage errors exit 2" {
    grade --class "$BATS_TEST_TMPDIR/none" udp-upper --csv "$BATS_TEST_TMPDIR/x.csv"
    expect_status 2
    expect_equal "grade: no folder '$BATS_TEST_TMPDIR/none'" "$stderr"
    mkdir -p "$BATS_TEST_TMPDIR/empty"
    grade --class "$BATS_TEST_TMPDIR/empty" udp-upper
    expect_status 2
    grade --class "$BATS_TEST_TMPDIR/empty" udp-upper --csv "$BATS_TEST_TMPDIR/x.csv"
    expect_status 2
    expect_equal "grade: no students (.c files or folders) in '$BATS_TEST_TMPDIR/empty'" "$stderr"
}
