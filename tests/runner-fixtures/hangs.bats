# A fixture for tests/suite.bats (not part of the suite): a file whose only
# test never ends, which the runner must stop (FILE_SECONDS, or Ctrl-C).
@test "a test that waits for ever" {
    mkfifo "$BATS_TEST_TMPDIR/never"
    read -r _ <>"$BATS_TEST_TMPDIR/never"
}
