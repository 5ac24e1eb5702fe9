#!/usr/bin/env bats
# exercises/grade --class: a whole class in parallel, into a CSV gradebook
# and one report per student; one student's failure never stops the batch.
# setup_file grades one mixed class once (every test then reads its
# gradebook and reports).

load helpers
load grader_helpers

EX=$SOCKSTEP_ROOT/exercises/udp-upper

setup_file() {
    bwrap_works || return 0 # each test skips with the reason
    export SOCKSTEP_GRADER_UID_BASE=$(test_uid_base 3)
    grader_prebuild
    GRADER_TMP=$(mktemp -d /tmp/sockstep-gradertest.XXXXXX)
    chmod 711 "$GRADER_TMP"
    echo "$GRADER_TMP" >"$BATS_FILE_TMPDIR/grader_tmp"
    export SOCKSTEP_GRADER_TMPDIR=$GRADER_TMP SOCKSTEP_GRADER_QUICK=1
    local class=$BATS_FILE_TMPDIR/class
    mkdir -p "$class/emma" "$class/frank" "$class/gina"
    cp "$EX/solution.c" "$class/alice.c"                      # good
    # partial: answers, but changes only a-y (fails fast, no waiting)
    sed "s/bytes\[i\] <= 'z'/bytes[i] <= 'y'/" "$EX/solution.c" >"$class/bob.c"
    printf 'int main(void) { return oops; }\n' >"$class/carol.c"   # does not compile
    cp "$SOCKSTEP_ROOT/exercises/tests-fixtures/hostile/huge-file.c" "$class/dave.c"   # hostile
    # emma: an empty folder
    cp "$EX/solution.c" "$class/frank/a.c"                     # two .c files
    cp "$EX/starter.c" "$class/frank/b.c"
    cp "$EX/solution.c" "$class/gina/upper.c"                  # a folder with one .c file
    cp "$EX/solution.c" "$class/o'neil, jr.c"                  # a name that needs CSV quoting
    printf 'not a student\n' >"$class/notes.txt"
    chmod -R a+rX "$class"
    find "$class" -type f -exec md5sum {} + | sort >"$BATS_FILE_TMPDIR/class.md5"
    local status=0
    # Four of the tests, for speed (a full class is measured by exercises/bench-class).
    timed_grade --class "$class" udp-upper --csv "$BATS_FILE_TMPDIR/grades.csv" --reports "$BATS_FILE_TMPDIR/reports" \
        --tests warnings,address_line,every_byte,bad_port \
        >"$BATS_FILE_TMPDIR/out" 2>"$BATS_FILE_TMPDIR/err" || status=$?
    echo "$status" >"$BATS_FILE_TMPDIR/status"
}

teardown_file() {
    [ -f "$BATS_FILE_TMPDIR/grader_tmp" ] && rm -rf "$(cat "$BATS_FILE_TMPDIR/grader_tmp")"
    return 0
}

setup() {
    bwrap_works || skip "bubblewrap (bwrap) is missing or cannot create namespaces here"
    GRADER_TMP=$(cat "$BATS_FILE_TMPDIR/grader_tmp")
    CLASS=$BATS_FILE_TMPDIR/class
}
teardown() { sockstep_teardown; }

@test "grade --class: CSV gradebook with the right row and status for every kind of student" {
    expect_equal 1 "$(cat "$BATS_FILE_TMPDIR/status")" "the grader's exit status"
    local csv=$BATS_FILE_TMPDIR/grades.csv
    csv_check "$csv" 5
    run cat "$csv"
    expect_equal "student,score,max,status,sandbox" "${lines[0]}"
    expect_equal "alice,5,5,full,isolated" "${lines[1]}"
    [[ ${lines[2]} =~ ^bob,([0-9]+),5,partial,isolated$ ]] && [ "${BASH_REMATCH[1]}" -lt 5 ]
    expect_equal "carol,0,5,compile-error,isolated" "${lines[3]}"
    [[ ${lines[4]} =~ ^dave,[0-1],5,partial,isolated$ ]]
    expect_equal "emma,0,5,error,isolated" "${lines[5]}"
    expect_equal "frank,0,5,error,isolated" "${lines[6]}"
    expect_equal "gina,5,5,full,isolated" "${lines[7]}"
    expect_equal '"o'"'"'neil, jr",5,5,full,isolated' "${lines[8]}"
    expect_equal 9 "${#lines[@]}"
}

@test "grade --class: one report per student, with the reason for errors; nothing changed or left" {
    local r=$BATS_FILE_TMPDIR/reports
    expect_equal "score: 5/5" "$(tail -n 1 "$r/alice.txt")"
    grep -q "^  carol.c:1:25: error: 'oops' undeclared" "$r/carol.txt"
    expect_equal "error: the folder 'emma' must hold exactly one .c file, it holds 0" "$(cat "$r/emma.txt")"
    expect_equal "error: the folder 'frank' must hold exactly one .c file, it holds 2" "$(cat "$r/frank.txt")"
    [ -s "$r/o'neil, jr.txt" ]
    [ ! -e "$r/notes.txt" ]
    [ "$(ls -A "$r" | wc -l)" = 8 ]
    # The class folder is exactly as it was, and nothing is left behind.
    find "$CLASS" -type f -exec md5sum {} + | sort | diff "$BATS_FILE_TMPDIR/class.md5" -
    local uids=() f uid
    for f in "$r"/*.txt; do
        uid=$(report_uid "$f")
        [ -z "$uid" ] || uids+=("$uid")
    done
    ! is_root || [ ${#uids[@]} = 6 ]
    expect_no_leftovers "${uids[@]}"
}

@test "grade --class: any character in a name gives exactly one row; = + - @ cells get a leading '" {
    local class=$BATS_TEST_TMPDIR/odd name
    mkdir -p "$class"
    local -a names=($'new\nline' '=HYPERLINK("x")' '+plus' '-minus' '@sum' 'quo"te,comma' 'plain')
    for name in "${names[@]}"; do
        printf 'int main(void) { return oops; }\n' >"$class/$name.c"
    done
    mkdir -p "$class/new"
    printf 'int main(void) { return oops; }\n' >"$class/new/line.c" # a folder named like half the first
    grade --class "$class" udp-upper --csv "$BATS_TEST_TMPDIR/odd.csv" --tests warnings
    expect_status 1
    local csv=$BATS_TEST_TMPDIR/odd.csv
    csv_check "$csv" 5
    local expected
    expected=$(printf '%s\n' 'student,score,max,status,sandbox' \
        "'+plus,0,1,compile-error,isolated" \
        "'-minus,0,1,compile-error,isolated" \
        "\"'=HYPERLINK(\"\"x\"\")\",0,1,compile-error,isolated" \
        "'@sum,0,1,compile-error,isolated" \
        "new,0,1,compile-error,isolated" \
        "\"new"$'\n'"line\",0,1,compile-error,isolated" \
        "plain,0,1,compile-error,isolated" \
        "\"quo\"\"te,comma\",0,1,compile-error,isolated")
    expect_equal "$expected" "$(cat "$csv")"
}

@test "grade --class: reports next to the CSV by default; a class of full marks exits 0" {
    mkdir -p "$BATS_TEST_TMPDIR/good"
    cp "$EX/solution.c" "$BATS_TEST_TMPDIR/good/s1.c"
    cp "$EX/solution.c" "$BATS_TEST_TMPDIR/good/s2.c"
    grade --class "$BATS_TEST_TMPDIR/good" udp-upper --csv "$BATS_TEST_TMPDIR/out.csv" --tests warnings,upper_ascii,bad_port
    expect_status 0
    expect_equal "gradebook: $BATS_TEST_TMPDIR/out.csv (2 of 2 with full marks); reports in $BATS_TEST_TMPDIR/out-reports/" "$(tail -n 1 <<<"$stderr")"
    expect_equal "score: 4/4" "$(tail -n 1 "$BATS_TEST_TMPDIR/out-reports/s1.txt")"
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
    grade --class "$BATS_TEST_TMPDIR/empty" udp-upper --csv "$BATS_TEST_TMPDIR/x.csv" --json "$BATS_TEST_TMPDIR/r.json"
    expect_status 2
}
