#!/usr/bin/env bats
# docs/ stays true to the code (docs/CONVENTIONS.md):
#   - every lesson has a walkthrough docs/NAME.md, every docs/vNN-*.md a lesson;
#   - every ```c block is a verbatim run of lines of its source file;
#   - every <!-- sample: ID --> is checked by a test, every checked ID exists;
#   - every relative link in docs/*.md and README.md resolves.
# Each check is a function of the repo's root, so the tests at the end can run
# it on a deliberately broken copy in a temp dir and see it fail.
load helpers

# Files other engineers are writing right now. While one of them is missing,
# a check that needs it is SKIPPED (naming it), not failed; any other problem
# fails. Everything has landed, so the list is empty; a change that links a
# page before the page exists may name it here until it lands.
PENDING=()

# Each check_* prints one line per problem ("FILE:LINE: what is wrong") and
# one line "pending PATH" per missing file from PENDING; it fails on problems.

is_pending() { # PATH (relative to the root)
    local p
    for p in "${PENDING[@]}"; do
        [ "$1" = "$p" ] && return 0
    done
    return 1
}

# Lessons are folders lessons/NAME holding NAME.c (as in the Makefile).
check_lesson_docs() { # ROOT
    local root=$1 bad=0 dir name doc
    for dir in "$root"/lessons/*/; do
        name=$(basename "$dir")
        [ -f "$dir/$name.c" ] || continue
        doc=docs/$name.md
        if [ ! -f "$root/$doc" ]; then
            if is_pending "$doc"; then
                echo "pending $doc"
            else
                echo "lessons/$name/$name.c: no walkthrough $doc"
                bad=1
            fi
        fi
    done
    for doc in "$root"/docs/v[0-9][0-9]-*.md; do
        [ -e "$doc" ] || continue
        name=$(basename "$doc" .md)
        if [ ! -f "$root/lessons/$name/$name.c" ]; then
            echo "docs/$name.md: no lesson lessons/$name/$name.c"
            bad=1
        fi
    done
    return "$bad"
}

# Every ```c block must equal consecutive lines of its source, each line of the
# block being the source line minus one common whitespace prefix. The source is
# lessons/NAME/NAME.c for docs/NAME.md, or PATH from <!-- from: PATH --> on the
# line just before the block.
check_code_blocks() { # ROOT
    local root=$1 bad=0 doc
    for doc in "$root"/docs/*.md; do
        [ -e "$doc" ] || continue
        awk -v root="$root" -v doc="docs/$(basename "$doc")" \
            -v name="$(basename "$doc" .md)" '
            function fail(line, text) { print doc ":" line ": " text; bad = 1 }
            function load(path,   line, n, r) {
                if (path in count) return count[path]
                n = 0
                while ((r = (getline line < (root "/" path))) > 0) src[path, ++n] = line
                close(root "/" path)
                count[path] = r < 0 ? -1 : n
                return count[path]
            }
            # How many block lines match source lines from i on; sets prefix.
            function matched(path, i,   k, s, b, d, have_d) {
                have_d = 0
                for (k = 1; k <= blen; k++) {
                    s = src[path, i + k - 1]; b = blk[k]
                    if (b == "") { if (s != "") return k - 1; continue }
                    if (!have_d) {
                        if (length(s) < length(b) || substr(s, length(s) - length(b) + 1) != b)
                            return k - 1
                        d = substr(s, 1, length(s) - length(b))
                        if (d !~ /^[ \t]*$/) return k - 1
                        have_d = 1
                    } else if (s != d b) return k - 1
                }
                return blen
            }
            function check_block(   path, n, i, m, best, best_i, k) {
                path = from != "" ? from : "lessons/" name "/" name ".c"
                if (blen == 0) { fail(start, "empty ```c block"); return }
                n = load(path)
                if (n < 0) {
                    if (from != "") fail(start, "```c block: <!-- from: " path " --> names no file")
                    else fail(start, "```c block: no source " path " (quote another file with <!-- from: PATH --> on the line before the block)")
                    return
                }
                best = -1
                for (i = 1; i + blen - 1 <= n; i++) {
                    m = matched(path, i)
                    if (m == blen) return
                    if (m > best) { best = m; best_i = i }
                }
                k = best + 1
                if (best < 0)
                    fail(start, "```c block (" blen " lines) is longer than " path)
                else
                    fail(start, "```c block (" blen " lines, first: \"" blk[1] "\") is not a run of lines of " path \
                         ": closest is from line " best_i ", whose block line " k " \"" blk[k] "\" should be \"" src[path, best_i + k - 1] "\"")
            }
            inside {
                if ($0 ~ /^```/) { inside = 0; if (is_c) check_block(); next }
                if (is_c) blk[++blen] = $0
                next
            }
            /^```/ {
                inside = 1; start = NR; blen = 0
                is_c = ($0 ~ /^```[ \t]*c[ \t]*$/)
                from = ""
                if (prev ~ /^<!-- from: [^ ]+ -->$/) {
                    from = prev; sub(/^<!-- from: /, "", from); sub(/ -->$/, "", from)
                    if (!is_c) fail(NR - 1, "<!-- from: --> is not followed by a ```c block")
                }
                prev = $0
                next
            }
            /^[ \t]+```[ \t]*c[ \t]*$/ { fail(NR, "indented ```c fence: put code blocks at the start of the line so they can be checked") }
            prev ~ /^<!-- from: / { fail(NR - 1, "<!-- from: --> is not followed by a ```c block") }
            /^<!-- *from:/ && $0 !~ /^<!-- from: [^ ]+ -->$/ { fail(NR, "malformed marker (write <!-- from: PATH -->)") }
            { prev = $0 }
            END {
                if (inside) fail(start, "code block is never closed")
                exit bad
            }' "$doc" || bad=1
    done
    return "$bad"
}

# The docs (and README.md) that may hold samples, as doc_sample reads them.
sample_docs() { # ROOT
    local f
    for f in "$1"/docs/*.md "$1"/README.md; do
        [ -f "$f" ] && echo "$f"
    done
}

# Every sample marker is well formed, unique and followed by a fenced block;
# every ID is checked by a literal `expect_doc_sample ID` in tests/*.bats, and
# every ID a test checks exists.
check_samples() { # ROOT
    local root=$1 bad=0 f
    local docs_ids tests_ids
    docs_ids=$(mktemp) tests_ids=$(mktemp)
    while read -r f; do
        awk -v doc="${f#"$root"/}" '
            function fail(line, text) { print doc ":" line ": " text; bad = 1 }
            want { if ($0 !~ /^```/) fail(want, "<!-- sample: " id " --> must be followed directly by a fenced block")
                   else if (getline > 0 && $0 ~ /^```/) fail(want, "sample " id " is empty")
                   want = 0 }
            /^<!-- *sample/ {
                if ($0 !~ /^<!-- sample: [A-Za-z0-9_.-]+ -->$/) { fail(NR, "malformed marker (write <!-- sample: ID --> alone on a line)"); next }
                id = $3; want = NR
                print "ID " id " " doc ":" NR
            }
            END { if (want) fail(want, "<!-- sample: " id " --> must be followed directly by a fenced block"); exit bad }
        ' "$f" || bad=1
    done < <(sample_docs "$root") >"$docs_ids.raw"
    grep -v '^ID ' "$docs_ids.raw"
    grep '^ID ' "$docs_ids.raw" | cut -d' ' -f2- | sort >"$docs_ids"
    # One ID, one block: doc_sample would glue two blocks with the same ID.
    local dup
    for dup in $(cut -d' ' -f1 "$docs_ids" | uniq -d); do
        echo "sample ID $dup is used more than once: $(awk -v id="$dup" '$1 == id { printf "%s ", $2 }' "$docs_ids")"
        bad=1
    done
    # The IDs the tests check: literal words after expect_doc_sample.
    local bats
    for bats in "$root"/tests/*.bats; do
        [ "$(basename "$bats")" = docs.bats ] && continue
        awk -v file="tests/$(basename "$bats")" '
            /^[ \t]*#/ { next }
            {
                line = $0
                while ((p = index(line, "expect_doc_sample ")) > 0) {
                    line = substr(line, p + length("expect_doc_sample "))
                    id = line; sub(/[ \t;)].*$/, "", id); gsub(/"/, "", id)
                    if (id !~ /^[A-Za-z0-9_.-]+$/) print "BAD " file ":" NR ": expect_doc_sample needs a literal sample ID, not \"" id "\""
                    else print "ID " id " " file ":" NR
                }
            }' "$bats"
    done >"$tests_ids.raw"
    if grep -q '^BAD ' "$tests_ids.raw"; then
        grep '^BAD ' "$tests_ids.raw" | cut -d' ' -f2-
        bad=1
    fi
    grep '^ID ' "$tests_ids.raw" | cut -d' ' -f2- | sort >"$tests_ids"
    local id where
    while read -r id where; do
        if ! grep -q "^$id " "$tests_ids"; then
            echo "$where: sample $id is not checked by any test (add expect_doc_sample $id ... to a tests/*.bats)"
            bad=1
        fi
    done <"$docs_ids"
    while read -r id where; do
        if ! grep -q "^$id " "$docs_ids"; then
            # A sample of a lesson whose walkthrough is still being written
            # (the ID or the test file starts with its vNN-): pending.
            local p waiting=
            for p in "${PENDING[@]}"; do
                case $p in docs/v[0-9][0-9]-*) ;; *) continue ;; esac
                [ -e "$root/$p" ] && continue
                local nn=${p#docs/}
                nn=${nn%%-*}
                case "$id $(basename "${where%%:*}")" in
                "$nn"-* | *" $nn"-*) waiting=$p ;;
                esac
            done
            if [ -n "$waiting" ]; then
                echo "pending $waiting"
                continue
            fi
            echo "$where: expect_doc_sample $id: no <!-- sample: $id --> in docs/*.md or README.md"
            bad=1
        fi
    done <"$tests_ids"
    rm -f "$docs_ids" "$docs_ids.raw" "$tests_ids" "$tests_ids.raw"
    return "$bad"
}

# Every relative link [text](target) in docs/*.md and README.md, outside code
# blocks and `code`, names a file or folder that exists. http(s):, mailto: and
# #anchor-only links are not checked; a #fragment is stripped first.
check_links() { # ROOT
    local root=$1 bad=0 f doc line target path
    while read -r f; do
        doc=${f#"$root"/}
        while IFS=$'\t' read -r line target; do
            case $target in
            http://* | https://* | mailto:* | '#'*) continue ;;
            esac
            path=${target%%#*}
            path=${path%%\?*}
            [ -n "$path" ] || continue
            case $path in
            /*) resolved=$path ;;
            *) resolved=$(dirname "$doc")/$path ;;
            esac
            # Normalise a/b/../c to a/c so PENDING entries match.
            resolved=$(awk -v p="$resolved" 'BEGIN {
                n = split(p, part, "/"); m = 0
                for (i = 1; i <= n; i++) {
                    if (part[i] == "." || part[i] == "") continue
                    if (part[i] == ".." && m > 0 && out[m] != "..") { m--; continue }
                    out[++m] = part[i]
                }
                s = ""; for (i = 1; i <= m; i++) s = s (i > 1 ? "/" : "") out[i]
                print s }')
            if [ ! -e "$root/$resolved" ]; then
                if is_pending "$resolved"; then
                    echo "pending $resolved"
                else
                    echo "$doc:$line: link ($target) points at $resolved, which does not exist"
                    bad=1
                fi
            fi
        done < <(awk '
            /^```/ { code = !code; next }
            code { next }
            {
                line = $0
                gsub(/`[^`]*`/, "", line)
                while (match(line, /\]\([^)]*\)/)) {
                    t = substr(line, RSTART + 2, RLENGTH - 3)
                    line = substr(line, RSTART + RLENGTH)
                    sub(/^[ \t]*</, "", t); sub(/>[ \t]*$/, "", t)
                    sub(/[ \t]+".*"$/, "", t)
                    print NR "\t" t
                }
            }' "$f")
    done < <(sample_docs "$root")
    return "$bad"
}

# run_check CHECK ROOT: fails with the problems listed; skips when the only
# problems are files from PENDING that are not written yet.
run_check() {
    run --separate-stderr "$1" "$2"
    local problems pending
    problems=$(grep -v '^pending ' <<<"$output" || true)
    pending=$(grep '^pending ' <<<"$output" | cut -d' ' -f2 | sort -u | tr '\n' ' ' || true)
    if [ "$status" -ne 0 ] || [ -n "$problems" ] || [ -n "$stderr" ]; then
        printf '%s\n' "$problems" "$stderr" >&2
        return 1
    fi
    if [ -n "$pending" ]; then
        skip "waiting for files being written by others: $pending"
    fi
}

@test "every lesson has a walkthrough docs/NAME.md, and every docs/vNN-*.md names a lesson" {
    run_check check_lesson_docs "$SOCKSTEP_ROOT"
}

@test "every \`\`\`c block in docs/ is a verbatim run of lines of its source" {
    run_check check_code_blocks "$SOCKSTEP_ROOT"
}

@test "every output sample in docs/ and README.md is checked by a test, and every checked sample exists" {
    run_check check_samples "$SOCKSTEP_ROOT"
}

@test "every relative link in docs/*.md and README.md resolves" {
    run_check check_links "$SOCKSTEP_ROOT"
}

# --- The checks can fail: each one on a deliberately broken copy -------------

# A small repo in a temp dir: one lesson, its doc, a test checking its sample.
make_fake_repo() {
    FAKE=$BATS_TEST_TMPDIR/repo
    mkdir -p "$FAKE/lessons/v01-demo" "$FAKE/docs" "$FAKE/tests" "$FAKE/common"
    printf '%s\n' '/* demo */' 'int main(void)' '{' '    int a = 1;' '' '    return a - 1;' '}' \
        >"$FAKE/lessons/v01-demo/v01-demo.c"
    printf '%s\n' 'int helper(void);' >"$FAKE/common/helper.h"
    cat >"$FAKE/docs/v01-demo.md" <<'EOF'
# Demo

See [the concepts](concepts.md#top), [the lesson](../lessons/v01-demo/v01-demo.c),
[a site](https://example.com/x) and [this page](#demo). `[not a link](nowhere.md)`

```c
int a = 1;

return a - 1;
```

<!-- from: common/helper.h -->
```c
int helper(void);
```

```text
[inside a block](nowhere.md)
```

<!-- sample: demo-out -->
```text
hello
```
EOF
    echo '# Concepts' >"$FAKE/docs/concepts.md"
    printf '%s\n' '@test "x" {' '    expect_doc_sample demo-out "$output"' '}' >"$FAKE/tests/demo.bats"
}

# expect_check_fails CHECK MESSAGE: CHECK fails on $FAKE and prints MESSAGE.
expect_check_fails() {
    run "$1" "$FAKE"
    if [ "$status" -eq 0 ] || [[ "$output" != *"$2"* ]]; then
        printf 'expected %s to fail with "%s", got status %s:\n%s\n' "$1" "$2" "$status" "$output" >&2
        return 1
    fi
}

@test "the checks pass on a correct small repo (so the failures below are real)" {
    make_fake_repo
    local check
    for check in check_lesson_docs check_code_blocks check_samples check_links; do
        run "$check" "$FAKE"
        expect_equal "0 " "$status $output" "$check on a correct repo"
    done
}

@test "check_lesson_docs fails on a lesson without a walkthrough and a walkthrough without a lesson" {
    make_fake_repo
    mkdir "$FAKE/lessons/v02-more" && touch "$FAKE/lessons/v02-more/v02-more.c"
    expect_check_fails check_lesson_docs "lessons/v02-more/v02-more.c: no walkthrough docs/v02-more.md"
    make_fake_repo
    echo '# Gone' >"$FAKE/docs/v03-gone.md"
    expect_check_fails check_lesson_docs "docs/v03-gone.md: no lesson lessons/v03-gone/v03-gone.c"
}

@test "check_code_blocks fails on a block that drifted from the lesson, naming the doc, the line and the difference" {
    make_fake_repo
    sed -i 's/int a = 1;/int a = 2;/' "$FAKE/lessons/v01-demo/v01-demo.c"
    expect_check_fails check_code_blocks 'docs/v01-demo.md:6: ```c block (3 lines, first: "int a = 1;") is not a run of lines of lessons/v01-demo/v01-demo.c'
}

@test "check_code_blocks fails on lines that are not consecutive, and on uneven dedent" {
    make_fake_repo
    sed -i '/^    int a = 1;$/a\    a++;' "$FAKE/lessons/v01-demo/v01-demo.c"
    expect_check_fails check_code_blocks 'block line 2 "" should be "    a++;"'
    make_fake_repo
    sed -i 's/^return a - 1;$/  return a - 1;/' "$FAKE/docs/v01-demo.md"
    expect_check_fails check_code_blocks "docs/v01-demo.md:6: "
}

@test "check_code_blocks fails on a wrong <!-- from: -->, a block from elsewhere, and a block in a page with no lesson" {
    make_fake_repo
    sed -i 's/int helper(void);/int helper(int);/' "$FAKE/common/helper.h"
    expect_check_fails check_code_blocks "docs/v01-demo.md:13: "
    make_fake_repo
    sed -i 's|from: common/helper.h|from: common/missing.h|' "$FAKE/docs/v01-demo.md"
    expect_check_fails check_code_blocks "<!-- from: common/missing.h --> names no file"
    make_fake_repo
    printf '%s\n' '# Concepts' '```c' 'int a = 1;' '```' >"$FAKE/docs/concepts.md"
    expect_check_fails check_code_blocks "docs/concepts.md:2: \`\`\`c block: no source lessons/concepts/concepts.c"
    make_fake_repo
    printf '%s\n' '# Concepts' '- a list' '  ```c' '  int b;' '  ```' >"$FAKE/docs/concepts.md"
    expect_check_fails check_code_blocks "docs/concepts.md:3: indented \`\`\`c fence"
}

@test "check_samples fails on an unchecked sample, a checked ID with no sample, a duplicate and a malformed marker" {
    make_fake_repo
    printf '%s\n' '<!-- sample: lonely -->' '```text' 'x' '```' >>"$FAKE/docs/concepts.md"
    expect_check_fails check_samples "docs/concepts.md:2: sample lonely is not checked by any test"
    make_fake_repo
    printf '%s\n' '@test "y" {' '    expect_doc_sample ghost "$output"' '}' >"$FAKE/tests/more.bats"
    expect_check_fails check_samples "tests/more.bats:2: expect_doc_sample ghost: no <!-- sample: ghost -->"
    make_fake_repo
    printf '%s\n' '<!-- sample: demo-out -->' '```text' 'x' '```' >>"$FAKE/docs/concepts.md"
    expect_check_fails check_samples "sample ID demo-out is used more than once"
    make_fake_repo
    printf '%s\n' '<!--sample: demo-out-->' >>"$FAKE/docs/concepts.md"
    expect_check_fails check_samples "docs/concepts.md:2: malformed marker"
    make_fake_repo
    printf '%s\n' '<!-- sample: nofence -->' 'text' >>"$FAKE/docs/concepts.md"
    printf '%s\n' '    expect_doc_sample nofence "$x"' >>"$FAKE/tests/demo.bats"
    expect_check_fails check_samples "docs/concepts.md:2: <!-- sample: nofence --> must be followed directly by a fenced block"
    make_fake_repo
    printf '%s\n' '    expect_doc_sample "$id" "$x"' >>"$FAKE/tests/demo.bats"
    expect_check_fails check_samples "tests/demo.bats:4: expect_doc_sample needs a literal sample ID"
}

@test "check_links fails on a broken relative link in docs/ and in README.md, with or without a #fragment" {
    make_fake_repo
    echo 'Read [the next page](v02-next.md#start).' >>"$FAKE/docs/concepts.md"
    expect_check_fails check_links "docs/concepts.md:2: link (v02-next.md#start) points at docs/v02-next.md, which does not exist"
    make_fake_repo
    echo 'See [docs](docs/missing.md) and [the docs](docs/concepts.md).' >"$FAKE/README.md"
    expect_check_fails check_links "README.md:1: link (docs/missing.md) points at docs/missing.md, which does not exist"
    run check_links "$FAKE"
    expect_equal 1 "$(grep -c 'does not exist' <<<"$output")" "only the broken link is reported"
}

@test "a missing file that is still being written is reported as pending, not as a problem" {
    PENDING=(docs/bench.md)
    make_fake_repo
    echo 'Later: [bench](bench.md).' >>"$FAKE/docs/concepts.md"
    run check_links "$FAKE"
    expect_equal "0 pending docs/bench.md" "$status $output"
}
