#!/usr/bin/env bats
# exercises/grade on the platforms a class is graded on: GitHub Classroom (the
# reporter's JSON, the workflow, the template) and Gradescope (the zip and
# its run_autograder). The report itself: tests/grader.bats.

load helpers
load grader_helpers

setup_file() { grader_prebuild; }
setup() { grader_setup "$(test_uid_base 6)"; }
teardown() { grader_teardown; sockstep_teardown; }

SOLUTION=$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c

@test "grade --classroom: the grading reporter's JSON, valid, and base64 of it round-trips" {
    grade tcp-echo "$SOLUTION" --classroom "$BATS_TEST_TMPDIR/c.json" --tests warnings,bad_port
    expect_status 0
    local json=$BATS_TEST_TMPDIR/c.json
    json_flatten "$json" >/dev/null
    expect_equal 1 "$(json_get "$json" version)"
    expect_equal pass "$(json_get "$json" status)"
    expect_equal 2 "$(json_get "$json" max_score)"
    expect_equal "a bad PORT is a usage error: one line on stderr, exit status 2" "$(json_get "$json" 'tests[1].name')"
    expect_equal pass "$(json_get "$json" 'tests[1].status')"
    expect_equal 1 "$(json_get "$json" 'tests[1].score')"
    expect_equal "exercises/grade tcp-echo: test_bad_port" "$(json_get "$json" 'tests[1].test_code')"
    expect_equal "" "$(json_get "$json" 'tests[1].filename')"
    expect_equal 0 "$(json_get "$json" 'tests[1].line_no')"
    [[ $(json_get "$json" 'tests[1].duration') =~ ^[0-9]+$ ]]
    base64 -w0 "$json" | base64 -d | cmp - "$json"

    printf 'int main(void) { return x; }\n' >"$BATS_TEST_TMPDIR/broken.c"
    grade tcp-echo "$BATS_TEST_TMPDIR/broken.c" --classroom "$json" --tests bad_port
    expect_status 1
    expect_equal error "$(json_get "$json" status)"
    expect_equal fail "$(json_get "$json" 'tests[0].status')"
}

@test "the Classroom workflow grades the student's one file with the teacher's kit, pinned, and hands its base64 to the reporter" {
    local wf=$SOCKSTEP_ROOT/.github/workflows/classroom.yml
    grep -qE '^  run-autograding-tests:$' "$wf"
    grep -qE '^  GRADER_COMMIT: [0-9a-f]{40}$' "$wf"
    grep -qF 'repository: ${{ env.GRADER_REPOSITORY }}' "$wf"
    grep -qF 'ref: ${{ env.GRADER_COMMIT }}' "$wf"
    grep -qF 'cp "student/$SUBMISSION" "input/$(basename "$SUBMISSION")"' "$wf"
    grep -qF 'sudo grader/exercises/grade "$EXERCISE" "input/$(basename "$SUBMISSION")" --classroom classroom.json --require-isolation' "$wf"
    # Nothing else of the student's checkout is run.
    ! grep -E 'student/(exercises|common|\.github)|\./exercises|run: +exercises/' "$wf"
    grep -qF 'apt-get install -y build-essential valgrind bubblewrap iproute2' "$wf"
    grep -qF 'echo "result=$(base64 -w0 classroom.json)" >>"$GITHUB_OUTPUT"' "$wf"
    grep -qF 'uses: classroom-resources/autograding-grading-reporter@v1' "$wf"
    grep -qF 'GRADE_RESULTS: "${{ steps.grade.outputs.result }}"' "$wf"
    grep -qE '^ +runners: grade$' "$wf"
    ! grep -q $'\t' "$wf"
}

@test "make-template: a Classroom template with the starter and the pinned workflow, and no solution" {
    local dir=$BATS_TEST_TMPDIR/template commit=0123456789abcdef0123456789abcdef01234567
    run "$SOCKSTEP_ROOT/exercises/make-template" tcp-echo "$dir" --grader-repository teacher/sockstep --grader-commit "$commit"
    expect_status 0
    expect_equal "template for tcp-echo in $dir: graded by teacher/sockstep at $commit" "$output"
    cmp "$SOCKSTEP_ROOT/exercises/tcp-echo/starter.c" "$dir/submission/tcp-echo.c"
    [ -z "$(find "$dir" -name 'solution*')" ]
    local wf=$dir/.github/workflows/classroom.yml
    grep -qxF '  EXERCISE: tcp-echo' "$wf"
    grep -qxF '  SUBMISSION: submission/tcp-echo.c' "$wf"
    grep -qxF '  GRADER_REPOSITORY: teacher/sockstep' "$wf"
    grep -qxF "  GRADER_COMMIT: $commit" "$wf"
    [ -x "$dir/exercises/grade" ] && [ -f "$dir/exercises/tcp-echo/tests.sh" ] && [ -f "$dir/common/net.h" ]
    # A student's local grade of the starter works from the template.
    run timeout -k 5 60 "$dir/exercises/grade" tcp-echo "$dir/submission/tcp-echo.c" --tests warnings
    expect_status 0
    run "$SOCKSTEP_ROOT/exercises/make-template" tcp-echo "$dir" --grader-repository teacher/sockstep --grader-commit "$commit"
    expect_status 2
    run "$SOCKSTEP_ROOT/exercises/make-template" tcp-echo "$BATS_TEST_TMPDIR/t2" --grader-repository teacher/sockstep --grader-commit abc
    expect_status 2
    [[ $output == *"must be a full 40-digit commit hash"* ]]
}

@test "make gradescope: the zip holds setup.sh (with bubblewrap), run_autograder, the grader, the tests and common/" {
    command -v zip >/dev/null && command -v unzip >/dev/null || skip "zip or unzip is not installed"
    grep -qE '^apt-get install .*\bbubblewrap\b' "$SOCKSTEP_ROOT/exercises/gradescope/setup.sh"
    local build=$BATS_TEST_TMPDIR/build
    run timeout -k 5 120 make -C "$SOCKSTEP_ROOT" --no-print-directory gradescope EX=tcp-echo BUILD="$build"
    expect_status 0
    run unzip -Z1 "$build/gradescope-tcp-echo.zip"
    expect_status 0
    local f
    for f in setup.sh run_autograder EXERCISE exercises/grade exercises/lib/harness.bash exercises/lib/echo-tests.bash exercises/lib/peer.c \
        exercises/tcp-echo/tests.sh common/error.c common/net.h common/signals.c; do
        grep -qxF "$f" <<<"$output" || { echo "the zip lacks $f:"$'\n'"$output" >&2; return 1; }
    done
    ! grep -q 'solution\.c' <<<"$output"
    ! grep -qxF UNISOLATED <<<"$output"
    run timeout -k 5 120 make -C "$SOCKSTEP_ROOT" --no-print-directory gradescope EX=nope BUILD="$build"
    [ "$status" -ne 0 ]
}

# autograder EXERCISE [ENV=VALUE...]: unpacks make gradescope's zip as
# Gradescope would (into $AG) and sets the AUTOGRADER_* paths.
autograder() {
    local build=$BATS_TEST_TMPDIR/build
    AG=$GRADER_TMP/autograder
    rm -rf "$AG" "$build"
    run env "${@:2}" timeout -k 5 120 make -C "$SOCKSTEP_ROOT" --no-print-directory gradescope EX="$1" BUILD="$build"
    expect_status 0
    mkdir -p "$AG/source" "$AG/submission" "$AG/results"
    chmod 755 "$AG"
    unzip -q "$build/gradescope-$1.zip" -d "$AG/source"
    export AUTOGRADER_SOURCE=$AG/source AUTOGRADER_SUBMISSION=$AG/submission AUTOGRADER_RESULTS=$AG/results
}

@test "run_autograder grades the uploaded .c into results.json, with visibility and execution_time per test" {
    command -v zip >/dev/null && command -v unzip >/dev/null || skip "zip or unzip is not installed"
    bwrap_works || skip "bubblewrap (bwrap) is missing or cannot create namespaces here"
    autograder udp-upper
    cp "$SOCKSTEP_ROOT/exercises/udp-upper/solution.c" "$AG/submission/upper.c"
    run timeout -k 5 200 "$AG/source/run_autograder"
    expect_status 0
    local json=$AG/results/results.json
    json_flatten "$json" >/dev/null
    expect_equal 14 "$(json_get "$json" score)"
    expect_equal 14 "$(json_get "$json" max_score)"
    expect_equal visible "$(json_get "$json" visibility)"
    [[ $(json_get "$json" execution_time) =~ ^[0-9]+\.[0-9]{3}$ ]]
    local i
    for i in 0 1 9; do
        expect_equal visible "$(json_get "$json" "tests[$i].visibility")"
        [[ $(json_get "$json" "tests[$i].execution_time") =~ ^[0-9]+\.[0-9]{3}$ ]]
    done
    [[ $(json_get "$json" output) == *"sandbox: isolated by bubblewrap"* ]]

    # Two files (or none): a clear message, score 0, still valid JSON.
    cp "$SOCKSTEP_ROOT/exercises/udp-upper/starter.c" "$AG/submission/other.c"
    run timeout -k 5 200 "$AG/source/run_autograder"
    expect_status 0
    expect_equal 0 "$(json_get "$json" score)"
    expect_equal "Upload exactly one .c file for udp-upper (found 2)." "$(json_get "$json" output)"
}

@test "run_autograder refuses to grade without isolation, unless the zip was built to (and then every result says so)" {
    command -v zip >/dev/null && command -v unzip >/dev/null || skip "zip or unzip is not installed"
    autograder udp-upper
    local json=$AG/results/results.json
    printf 'int main(void) { return oops; }\n' >"$AG/submission/upper.c"
    SOCKSTEP_GRADER_BWRAP=none run timeout -k 5 200 "$AG/source/run_autograder"
    expect_status 0
    expect_equal 0 "$(json_get "$json" score)"
    [[ $(json_get "$json" output) == "The autograder could not run (exit status 2): grade: cannot isolate student code: bubblewrap (bwrap) is not installed. Install bubblewrap"*"Please tell your teacher." ]]

    autograder udp-upper SOCKSTEP_GRADER_UNISOLATED=1
    [[ $stderr$output == *"WARNING: this autograder grades WITHOUT isolation"* ]]
    printf 'int main(void) { return oops; }\n' >"$AG/submission/upper.c"
    SOCKSTEP_GRADER_BWRAP=none run timeout -k 5 200 "$AG/source/run_autograder"
    expect_status 0
    expect_equal 14 "$(json_get "$json" max_score)"
    [[ $(json_get "$json" output) == *"sandbox: NOT ISOLATED: bubblewrap (bwrap) is not installed"* ]]
}
