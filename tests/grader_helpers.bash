# tests/grader_helpers.bash - helpers for the grader's tests (load grader_helpers).
#
#   json_flatten FILE      validates FILE as JSON (RFC 8259 grammar, strings
#                          checked for escapes and raw control characters) and
#                          prints one "PATH<TAB>VALUE" line per scalar, e.g.
#                          "tests[0].status<TAB>passed"; fails on invalid JSON
#   json_get FILE PATH     the value at PATH (strings without their quotes)
#   csv_check FILE N       every record of FILE has N fields (RFC 4180 quoting)
#   grade ARGS...          runs exercises/grade under a timeout, like `run`
#   grader_uid             the uid the last grade ran student code as
#   expect_uid_gone UID    no process and no stray file of UID remains

GRADER=$SOCKSTEP_ROOT/exercises/grade
FIXTURES=$SOCKSTEP_ROOT/exercises/tests-fixtures

json_flatten() {
    LC_ALL=C awk '
    function fail(why) { printf "invalid JSON at byte %d: %s\n", pos, why > "/dev/stderr"; bad = 1; exit 1 }
    function ws() { while (pos <= n && index(" \t\n\r", substr(s, pos, 1)) > 0) pos++ }
    function peek() { return substr(s, pos, 1) }
    function value(path,    c) {
        ws(); c = peek()
        if (c == "{") return object(path)
        if (c == "[") return array(path)
        if (c == "\"") { emit(path, string()); return }
        if (match(substr(s, pos), /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
            emit(path, substr(s, pos, RLENGTH)); pos += RLENGTH; return
        }
        if (substr(s, pos, 4) == "true" || substr(s, pos, 4) == "null") { emit(path, substr(s, pos, 4)); pos += 4; return }
        if (substr(s, pos, 5) == "false") { emit(path, "false"); pos += 5; return }
        fail("unexpected " (c == "" ? "end" : "\"" c "\""))
    }
    function object(path,    key, first) {
        pos++; ws()
        if (peek() == "}") { pos++; return }
        for (;;) {
            ws(); if (peek() != "\"") fail("expected a key")
            key = string(); ws()
            if (peek() != ":") fail("expected :"); pos++
            value(path == "" ? key : path "." key); ws()
            if (peek() == ",") { pos++; continue }
            if (peek() == "}") { pos++; return }
            fail("expected , or }")
        }
    }
    function array(path,    i) {
        pos++; ws()
        if (peek() == "]") { pos++; return }
        for (i = 0;; i++) {
            value(path "[" i "]"); ws()
            if (peek() == ",") { pos++; continue }
            if (peek() == "]") { pos++; return }
            fail("expected , or ]")
        }
    }
    function string(    out, c, e) {
        pos++; out = ""
        for (;;) {
            if (pos > n) fail("unterminated string")
            c = substr(s, pos, 1)
            if (c == "\"") { pos++; return out }
            if (c < " ") fail("raw control character in a string")
            if (c == "\\") {
                e = substr(s, pos + 1, 1)
                if (e == "u") {
                    if (!match(substr(s, pos + 2, 4), /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/)) fail("bad \\u escape")
                    out = out "\\u" substr(s, pos + 2, 4); pos += 6; continue
                }
                if (index("\"\\/bfnrt", e) == 0) fail("bad escape \\" e)
                out = out (e == "n" ? "\\n" : e == "t" ? "\\t" : e == "\"" ? "\"" : e == "\\" ? "\\" : "\\" e)
                pos += 2; continue
            }
            out = out c; pos++
        }
    }
    function emit(path, v) { print path "\t" v }
    { s = s (NR > 1 ? "\n" : "") $0 }
    END {
        if (bad) exit 1
        n = length(s); pos = 1
        value(""); ws()
        if (pos <= n) fail("text after the value")
    }' "$1"
}

# UTF-8 check of a file: iconv fails on invalid sequences.
is_utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }

json_get() {
    json_flatten "$1" | awk -F '\t' -v p="$2" '$1 == p { sub(/^[^\t]*\t/, ""); print; found = 1 } END { exit !found }'
}

# csv_check FILE N: RFC 4180 records (quoted fields may hold , " and newlines).
csv_check() {
    LC_ALL=C awk -v want="$2" '
        { text = text $0 "\n" }
        END {
            n = length(text); fields = 1; quoted = 0; records = 0; at_start = 1
            for (i = 1; i <= n; i++) {
                c = substr(text, i, 1)
                if (quoted) {
                    if (c == "\"") { if (substr(text, i + 1, 1) == "\"") i++; else quoted = 0 }
                    continue
                }
                if (c == "\"") { if (!at_start) { print "stray quote in record " records + 1; exit 1 } quoted = 1; at_start = 0; continue }
                if (c == ",") { fields++; at_start = 1; continue }
                if (c == "\n") {
                    records++
                    if (fields != want) { print "record " records " has " fields " fields, not " want; exit 1 }
                    fields = 1; at_start = 1; continue
                }
                at_start = 0
            }
            if (quoted) { print "unterminated quoted field"; exit 1 }
        }' "$1"
}

# test_uid_base N: the first uid the grader gives student code in test file
# N (1-9; 0 for the exercise files). Each run of the suite has its own slot
# (tests/run), so two copies never share a uid range.
test_uid_base() {
    echo $((1900000000 + ${SOCKSTEP_TEST_SLOT:-0} * 1000000 + $1 * 100000))
}

# The grader's work folder lives in a folder of the test's own, which other
# users can enter (student code runs as another uid). The kit's tests use
# the grader's short time limits (SOCKSTEP_GRADER_QUICK=1) and, after
# grader_prebuild in setup_file, the test peer and common/*.o from
# SOCKSTEP_GRADER_PREBUILT.
# grader_setup [UID_BASE]: also the file's uid range (test_uid_base).
grader_setup() {
    GRADER_TMP=$(mktemp -d /tmp/sockstep-gradertest.XXXXXX)
    chmod 711 "$GRADER_TMP"
    export SOCKSTEP_GRADER_TMPDIR=$GRADER_TMP SOCKSTEP_GRADER_QUICK=1
    [ -z "${1:-}" ] || export SOCKSTEP_GRADER_UID_BASE=$1
}

# grader_prebuild (in setup_file): the peer and common/ that tests/run built
# once for the whole run (SOCKSTEP_TESTS_PREBUILT), or, when the file runs
# alone under bats, built once for the file.
grader_prebuild() {
    if [ -n "${SOCKSTEP_TESTS_PREBUILT:-}" ]; then
        export SOCKSTEP_GRADER_PREBUILT=$SOCKSTEP_TESTS_PREBUILT
    else
        export SOCKSTEP_GRADER_PREBUILT=$BATS_FILE_TMPDIR/prebuilt
        "$GRADER" --prebuild "$SOCKSTEP_GRADER_PREBUILT" || return 1
    fi
    chmod 755 "$BATS_FILE_TMPDIR"
}

grader_teardown() {
    [ -n "${GRADER_TMP:-}" ] && rm -rf "$GRADER_TMP"
    return 0
}

# is_root / bwrap_works: what a test needs, to skip with the reason otherwise.
is_root() { [ "$(id -u)" = 0 ]; }
bwrap_works() {
    command -v bwrap >/dev/null && bwrap --ro-bind / / --unshare-pid --unshare-net --unshare-ipc true 2>/dev/null
}

timed_grade() {
    timeout -k 5 "${GRADE_SECONDS:-300}" "$GRADER" "$@"
}

grade() {
    run --separate-stderr timed_grade "$@"
}

grader_uid() {
    printf '%s\n' "$output" | sed -nE 's/.*program runs as uid ([0-9]+).*/\1/p' | head -n 1
}

expect_uid_gone() {
    local uid=$1
    [ -n "$uid" ] || { echo "no uid in the grader's output" >&2; return 1; }
    # On a shared machine another grader (another clone's tests) may hold
    # this uid by now: its lock says so, and its processes are not ours.
    local lock=${SOCKSTEP_GRADER_LOCK_DIR:-/run/lock/sockstep-grader}/uid-$uid
    if [ -e "$lock" ] && ! flock -n "$lock" true 2>/dev/null; then
        echo "# uid $uid is in use by another grader now: its processes and files are not checked" >&3
        uid=
    fi
    local procs= files=
    [ -n "$uid" ] || { [ -z "$(ls -A "$GRADER_TMP")" ] || { echo "the grader left $(ls -A "$GRADER_TMP") in its temporary folder" >&2; return 1; }; return 0; }
    # Zombies are dead already (init reaps them); anything else is a leftover.
    procs=$(for d in $(find /proc -maxdepth 1 -regex '/proc/[0-9]+' -uid "$uid" 2>/dev/null || true); do
        sed -E 's/^[0-9]+ \(.*\) ([A-Z]).*/\1 &/' "$d/stat" 2>/dev/null | grep -v '^Z ' | cut -c1-80
    done || true)
    # find fails when another test's folder vanishes under it: not our business.
    files=$(find /tmp /var/tmp /dev/shm /run/lock -xdev -user "$uid" 2>/dev/null || true)
    [ -z "$procs" ] || { echo "processes of uid $uid are left: $procs" >&2; return 1; }
    [ -z "$files" ] || { echo "files of uid $uid are left: $files" >&2; return 1; }
    local left
    left=$(ls -A "$GRADER_TMP")
    [ -z "$left" ] || { echo "the grader left $left in its temporary folder" >&2; return 1; }
}

# expect_line REGEX: some line of $output matches (extended regex).
expect_line() {
    grep -qE -- "$1" <<<"$output" && return 0
    printf 'no line matching /%s/ in the output:\n%s\n' "$1" "$output" >&2
    return 1
}

last_line() { printf '%s\n' "$output" | tail -n 1; }

# --- Hostile submissions (tests/grader-safety*.bats) -------------------------

# kit_fingerprint: checksums of everything the grader trusts.
kit_fingerprint() {
    (cd "$SOCKSTEP_ROOT" && find exercises -type f ! -path 'exercises/work/*' -exec md5sum {} + | sort)
}

# A decoy "other student" folder anyone can read, in /tmp where a hostile
# program looks for files to rewrite.
make_decoy() {
    DECOY=$(mktemp -d /tmp/sockstep-decoy.XXXXXX)
    chmod 755 "$DECOY"
    mkdir -p "$DECOY/bob"
    cp "$SOCKSTEP_ROOT/exercises/tcp-echo/solution.c" "$DECOY/bob/echo.c"
    printf 'TESTS=()\n' >"$DECOY/tests.sh"
    printf 'student,score,max,status\nbob,16,16,full\n' >"$DECOY/grades.csv"
    chmod -R a+rX "$DECOY"
    (cd "$DECOY" && md5sum bob/echo.c tests.sh grades.csv) >"$BATS_TEST_TMPDIR/decoy.md5"
}

# grade_hostile NAME TESTS EXPECTED_SCORE_LINE: grades a hostile tcp-echo
# submission and checks that it was contained: bounded time, the expected
# score, no process or file of its uid left, the kit and the decoy unchanged,
# and no student text at the start of a report line.
grade_hostile() {
    local name=$1 tests=$2 expected=$3
    local before start elapsed
    before=$(kit_fingerprint)
    make_decoy
    start=$SECONDS
    GRADE_SECONDS=150 grade tcp-echo "$FIXTURES/hostile/$name.c" --tests "$tests"
    elapsed=$((SECONDS - start))
    echo "# $name: graded in $elapsed s" >&3
    expect_status 1
    [ "$elapsed" -le 120 ] || { echo "grading took $elapsed s" >&2; return 1; }
    expect_equal "$expected" "$(last_line)" "the score line"
    # Every line is the grader's: a header, a result, an indented detail or the score.
    local bad
    bad=$(grep -vE '^(exercise: |sandbox: |memory: |cpu: |compile: |  |PASS  |FAIL  |      \| |score: [0-9]+/[0-9]+$)' <<<"$output" || true)
    [ -z "$bad" ] || { echo "lines the grader did not write: $bad" >&2; return 1; }
    [ "$(grep -c '^score: ' <<<"$output")" = 1 ]
    expect_uid_gone "$(grader_uid)"
    ! { find /tmp -maxdepth 1 -name 'sockstep-hostile-*' -uid "$(grader_uid)" 2>/dev/null || true; } | grep -q .
    expect_equal "$before" "$(kit_fingerprint)" "the kit's files"
    (cd "$DECOY" && md5sum -c --quiet "$BATS_TEST_TMPDIR/decoy.md5")
    rm -rf "$DECOY"
}

# expect_no_leftovers [UID...]: nothing of these student uids remains (see
# expect_uid_gone; not root, there are none, and the grader's temporary
# folder must just be empty), no IPC object with a hostile fixture's key,
# no POSIX object of theirs, no memory or cpu cgroup of their grades.
expect_no_leftovers() {
    local uid
    for uid in "$@"; do
        expect_uid_gone "$uid" || return 1
    done
    [ -z "$(ls -A "$GRADER_TMP")" ] || { echo "the grader left $(ls -A "$GRADER_TMP") in its temporary folder" >&2; return 1; }
    ! ipcs 2>/dev/null | grep -qi '0x50c5e70' || { echo "IPC objects outlived the grade:"; ipcs; return 1; } >&2
    ! ls /dev/shm /dev/mqueue 2>/dev/null | grep -q 'sockstep-hostile' || { echo "POSIX IPC objects outlived the grade" >&2; return 1; }
    local left
    left=$(for uid in "$@"; do find /sys/fs/cgroup -maxdepth 3 \( -name "sockstep-grade.$uid" -o -name "grade.$uid" \) 2>/dev/null; done || true)
    [ -z "$left" ] || { echo "cgroups outlived the grade: $left" >&2; return 1; }
}

# report_uid FILE: the uid a report says the program ran as.
report_uid() {
    sed -nE 's/.*program runs as uid ([0-9]+).*/\1/p' "$1" | head -n 1
}

# --- Grading reference programs in the background (tests/exercises*.bats) -----
# setup_file calls start_grading, then grade_in_background for each program
# (all at once); each test then reads its finished report with graded.

# As root every grade runs as its own uid. As an ordinary user all of them run
# as that user, and the grader sets each compile's process limit from the
# user's own count of threads, so a few at a time.
GRADE_JOBS=$([ "$(id -u)" = 0 ] && echo 16 || echo 4)

# start_grading: a grader work folder of the file's own, and the test peer and
# common/ built by the grader itself (grader_prebuild).
start_grading() {
    GRADER_TMP=$(mktemp -d /tmp/sockstep-gradertest.XXXXXX)
    chmod 711 "$GRADER_TMP"
    export SOCKSTEP_GRADER_TMPDIR=$GRADER_TMP GRADER_TMP
    export SOCKSTEP_GRADER_UID_BASE=${SOCKSTEP_GRADER_UID_BASE:-$(test_uid_base 0)}
    mkdir -p "$BATS_FILE_TMPDIR/grades"
    grader_prebuild
}

# grade_in_background ID EXERCISE FILE [GRADER ARGS...]: exercises/grade into
# $BATS_FILE_TMPDIR/grades/ID.{out,status,seconds}.
grade_in_background() {
    local id=$1 dir=$BATS_FILE_TMPDIR/grades
    shift
    while [ "$(jobs -rp | wc -l)" -ge "$GRADE_JOBS" ]; do wait -n; done
    (
        start=$SECONDS
        status=0
        timeout -k 5 120 "$GRADER" "$@" >"$dir/$id.out" 2>"$dir/$id.err" </dev/null || status=$?
        echo "$status" >"$dir/$id.status"
        echo $((SECONDS - start)) >"$dir/$id.seconds"
    ) 3>&- &
}

# graded ID: the finished report of ID in $output (and $status), its time on fd 3.
graded() {
    local dir=$BATS_FILE_TMPDIR/grades
    output=$(cat "$dir/$1.out")
    status=$(cat "$dir/$1.status")
    echo "# $1: graded in $(cat "$dir/$1.seconds") s" >&3
}

grading_teardown_file() {
    [ -n "${GRADER_TMP:-}" ] && rm -rf "$GRADER_TMP"
    return 0
}
