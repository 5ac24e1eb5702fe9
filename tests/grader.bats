#!/usr/bin/env bats
# exercises/grade for one submission: exit statuses, the report's lines,
# compiler and valgrind messages shown to the student, the JSON files for
# Gradescope and GitHub Classroom, the Classroom workflow and template, and
# grading as an ordinary user.

load helpers
load grader_helpers

setup_file() {
    grader_prebuild
}
setup() {
    grader_setup
    export SOCKSTEP_GRADER_UID_BASE=1900200000
}
teardown() { grader_teardown; sockstep_teardown; }

SOLUTION=$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c

@test "grade: bad arguments, an unknown exercise or a missing file exit 2 with one line on stderr" {
    grade
    expect_status 2
    [[ $stderr == "usage: grade NAME SUBMISSION.c "*"(expected an exercise NAME and a SUBMISSION.c)" ]]
    grade tcp-echo "$SOLUTION" --frobnicate
    expect_status 2
    [[ $stderr == *"(unknown option '--frobnicate')" ]]
    grade no-such-exercise "$SOLUTION"
    expect_status 2
    local known
    known=$(cd "$SOCKSTEP_ROOT/exercises" && for t in */tests.sh; do printf '%s ' "${t%/tests.sh}"; done)
    expect_equal "grade: unknown exercise 'no-such-exercise' (known: $known)" "$stderr"
    grade tcp-echo "$BATS_TEST_TMPDIR/missing.c"
    expect_status 2
    expect_equal "grade: no readable file '$BATS_TEST_TMPDIR/missing.c'" "$stderr"
    grade tcp-echo "$SOLUTION" --json /no/such/dir/results.json
    expect_status 2
    grade tcp-echo "$SOLUTION" --tests no_such_test
    expect_status 2
    expect_equal "" "$output" "stdout"
}

@test "grade: full marks exit 0; one line per test with its points; the last line is the score" {
    grade tcp-echo "$SOLUTION" --tests warnings,echo_short,bad_port
    expect_status 0
    expect_equal "exercise: tcp-echo   submission: $SOLUTION" "${lines[0]}"
    [[ ${lines[1]} == "sandbox: "* ]]
    [[ ${lines[2]} == "memory: "* ]]
    expect_equal "compile: ok" "${lines[3]}"
    expect_equal "PASS  1/1  compiles without warnings (flags: -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes -D_POSIX_C_SOURCE=200809L)" "${lines[4]}"
    expect_equal "PASS  2/2  echoes a short message byte for byte (UTF-8 too), then closes when the client does" "${lines[5]}"
    expect_equal "PASS  1/1  a bad PORT is a usage error: one line on stderr, exit status 2" "${lines[6]}"
    expect_equal "score: 4/4" "${lines[7]}"
    expect_equal 8 "${#lines[@]}"
}

@test "grade: the reference solution gets full marks, isolated by bubblewrap, in bounded time (10 s on a quiet machine; 20 s allowed beside the rest of the suite)" {
    bwrap_works || skip "bubblewrap (bwrap) is missing or cannot create namespaces here"
    local start=$SECONDS
    grade tcp-echo "$SOLUTION"
    echo "# one full tcp-echo grade: $((SECONDS - start)) s" >&3
    expect_status 0
    expect_line '^sandbox: isolated by bubblewrap \(sees only its own files, common/ and the system read-only; own /tmp, network, PID and IPC namespaces\); program runs as '
    if is_root; then
        expect_line '^memory: all of the program.s processes together at most 1024 MiB \(cgroup .*sockstep-grade\.[0-9]+\)$|^memory: per process only \(no writable memory cgroup\)'
        expect_uid_gone "$(grader_uid)"
    else
        expect_line '^memory: per process only \(no writable memory cgroup: the grader is not root\)'
    fi
    expect_equal "score: 17/17" "$(last_line)"
    [ $((SECONDS - start)) -le 20 ]
}

@test "grade without bubblewrap: still graded for a learner, and the report says plainly it was not isolated" {
    SOCKSTEP_GRADER_BWRAP=none grade udp-upper "$SOCKSTEP_ROOT/exercises/udp-upper/solution.c" --tests warnings,upper_ascii,memcheck
    expect_status 0
    expect_line "^sandbox: NOT ISOLATED: bubblewrap \(bwrap\) is not installed, so the program could read and change what $(id -un) can; "
    expect_equal "score: 5/5" "$(last_line)"
}

@test "grade: less than full marks exits 1 and says what went wrong under the failed test" {
    grade tcp-echo "$SOCKSTEP_ROOT/lessons/v04-tcp-server/v04-tcp-server.c" --tests echo_short,bad_port
    expect_status 1
    expect_line '^FAIL  0/2  echoes a short message byte for byte'
    expect_line '^      \| the bytes that came back differ from the bytes sent:$'
    expect_line '^      \|   sent 43 bytes, got back 18 bytes$'
    expect_line '^PASS  1/1  a bad PORT is a usage error'
    expect_equal "score: 1/3" "$(last_line)"
}

@test "grade: a compile error scores 0 and shows the compiler's message" {
    printf 'int main(void)\n{\n    return missing_variable;\n}\n' >"$BATS_TEST_TMPDIR/broken.c"
    grade tcp-echo "$BATS_TEST_TMPDIR/broken.c"
    expect_status 1
    expect_line '^compile: FAILED \(cc .* broken\.c common/\*\.c -o tcp-echo\), score 0:$'
    expect_line "^  broken\.c:3:12: error: 'missing_variable' undeclared"
    expect_line '^FAIL  0/2  echoes 1 MiB sent in one go'
    expect_line '^      \| not run: the program does not compile$'
    expect_equal "score: 0/17" "$(last_line)"
    [ "$(grep -c '^PASS' <<<"$output")" = 0 ]
}

# The tcp-echo solution with two bugs the grader must report: an unused
# variable (a warning) and a per-client buffer that is never freed (a leak).
make_leaky_echo() { # FILE
    sed -e 's|^#include <string.h>$|#include <stdlib.h>\n#include <string.h>|' \
        -e 's|^    char buffer\[16384\];$|    int unused_counter = 0;\n    char *buffer = malloc(16384);\n    if (buffer == NULL)\n        return;|' \
        -e 's|recv(connection_fd, buffer, sizeof buffer, 0)|recv(connection_fd, buffer, 16384, 0)|' \
        "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" >"$1"
    grep -q 'malloc(16384)' "$1" # the solution changed: update the sed above
}

@test "grade: a warning costs the warnings point, a leak the valgrind points, and both are shown with file:line" {
    local leaky=$BATS_TEST_TMPDIR/leaky-warning-echo.c
    make_leaky_echo "$leaky"
    local warning_line
    warning_line=$(grep -n 'int unused_counter' "$leaky" | cut -d: -f1)
    grade tcp-echo "$leaky" --tests warnings,echo_1mib,memcheck
    expect_status 1
    expect_line '^compile: built, with warnings:$'
    expect_line "^  leaky-warning-echo\.c:$warning_line:9: warning: unused variable 'unused_counter' \[-Wunused-variable\]$"
    expect_line '^FAIL  0/1  compiles without warnings'
    expect_line '^FAIL  0/2  valgrind memcheck'
    # How the blocks are classed (definitely or possibly lost) depends on what
    # the stack still holds at exit; either way the leak is named.
    expect_line '^      \|   \| ==[0-9]+== [0-9,]+ bytes in [0-9]+ blocks are (definitely|possibly) lost'
    expect_line '^      \|   \| ==[0-9]+==    by 0x[0-9A-F]+: serve \(leaky-warning-echo\.c:'"$((warning_line + 1))"'\)$'
    expect_line '^PASS  2/2  echoes 1 MiB sent in one go'
    expect_equal "score: 2/5" "$(last_line)"
}

@test "grade --json: Gradescope's results.json, valid and complete" {
    grade tcp-echo "$SOCKSTEP_ROOT/lessons/v04-tcp-server/v04-tcp-server.c" --json "$BATS_TEST_TMPDIR/results.json" \
        --tests warnings,address_line,echo_short
    expect_status 1
    local json=$BATS_TEST_TMPDIR/results.json
    json_flatten "$json" >"$BATS_TEST_TMPDIR/flat"
    expect_equal 2 "$(json_get "$json" score)"
    expect_equal 4 "$(json_get "$json" max_score)"
    expect_equal "compiles without warnings (flags: -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes -D_POSIX_C_SOURCE=200809L)" "$(json_get "$json" 'tests[0].name')"
    expect_equal passed "$(json_get "$json" 'tests[1].status')"
    expect_equal 1 "$(json_get "$json" 'tests[1].max_score')"
    expect_equal failed "$(json_get "$json" 'tests[2].status')"
    expect_equal 0 "$(json_get "$json" 'tests[2].score')"
    expect_equal 2 "$(json_get "$json" 'tests[2].max_score')"
    [[ $(json_get "$json" 'tests[2].output') == "the bytes that came back differ from the bytes sent:\n"* ]]
    ! json_get "$json" 'tests[3].name' >/dev/null
}

@test "grade --json: student output with invalid UTF-8, quotes, control characters and NULs stays valid JSON, capped" {
    grade tcp-echo "$FIXTURES/nasty-output.c" --json "$BATS_TEST_TMPDIR/results.json" --classroom "$BATS_TEST_TMPDIR/classroom.json" \
        --tests warnings,address_line
    expect_status 1
    local f
    for f in results classroom; do
        json_flatten "$BATS_TEST_TMPDIR/$f.json" >"$BATS_TEST_TMPDIR/$f.flat"
        is_utf8 "$BATS_TEST_TMPDIR/$f.json"
        [ "$(stat -c %s "$BATS_TEST_TMPDIR/$f.json")" -lt 100000 ]
    done
    local out
    out=$(json_get "$BATS_TEST_TMPDIR/results.json" 'tests[1].output')
    [[ $out == *'bad ??? utf-8, "quotes", back\slash, tab\t, bell?, esc ?[31m red, cr?, nul  after nul\n'* ]] ||
        { echo "output was: ${out:0:400}" >&2; return 1; }
    grep -qF 'bad ??? utf-8, \"quotes\", back\\slash, tab\t,' "$BATS_TEST_TMPDIR/results.json"
    [[ $out == *'(172000 bytes, first 600 shown)'* ]]
    # The report on the terminal: no raw escape, carriage return or NUL.
    ! grep -q $'[\x1b\r]' <<<"$output"
}

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
    for f in setup.sh run_autograder EXERCISE exercises/grade exercises/lib/harness.bash exercises/lib/peer.c \
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

@test "grade: the plain-loopback fallback (no namespaces) grades a solution the same, as a separate uid when root" {
    SOCKSTEP_GRADER_NAMESPACES=0 grade udp-upper "$SOCKSTEP_ROOT/exercises/udp-upper/solution.c" --tests warnings,upper_ascii,stops_on_signals,memcheck
    expect_status 0
    expect_line '^sandbox: NOT ISOLATED: namespaces turned off \(SOCKSTEP_GRADER_NAMESPACES=0\), so the program could read and change what [a-z0-9_-]+ can; plain loopback \(no namespaces\), forced; program runs as '
    expect_equal "score: 6/6" "$(last_line)"
    if is_root; then
        expect_uid_gone "$(grader_uid)"
    fi
}

@test "grade as an ordinary user, from a clone in a folder others cannot enter: isolated, and on plain loopback" {
    local copy user=()
    if is_root; then
        # The kit copied into a 0700 folder that user owns (like a home folder).
        copy=$(mktemp -d /tmp/sockstep-userkit.XXXXXX)
        chmod 755 "$copy"
        mkdir -p "$copy/home/clone"
        cp -r "$SOCKSTEP_ROOT/exercises" "$SOCKSTEP_ROOT/common" "$copy/home/clone/"
        chown -R 65534:65534 "$copy/home"
        chmod 700 "$copy/home"
        user=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$copy/home")
    else
        copy=$BATS_TEST_TMPDIR/user
        mkdir -p "$copy/home/clone"
        chmod 700 "$copy/home"
        cp -r "$SOCKSTEP_ROOT/exercises" "$SOCKSTEP_ROOT/common" "$copy/home/clone/"
    fi
    local clone=$copy/home/clone mode
    for mode in 1 0; do
        run timeout -k 5 120 "${user[@]}" env -u SOCKSTEP_GRADER_TMPDIR -u SOCKSTEP_GRADER_PREBUILT \
            SOCKSTEP_GRADER_NAMESPACES=$mode "$clone/exercises/grade" udp-upper "$clone/exercises/udp-upper/solution.c" \
            --tests upper_ascii,bad_port
        expect_status 0
        expect_line '^sandbox: .*; program runs as [a-z0-9_-]+ \(not root: no separate uid\)$'
        expect_equal "score: 3/3" "$(last_line)"
        if [ "$mode" = 1 ] && bwrap_works; then
            expect_line '^sandbox: isolated by bubblewrap'
            expect_line '^memory: per process only \(no writable memory cgroup: the grader is not root\)'
        fi
    done
    ! is_root || rm -rf "$copy"
}
