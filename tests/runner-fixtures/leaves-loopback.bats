# A fixture for tests/suite.bats (not part of the suite): one test that sends
# a datagram to an address outside the machine, which the runner's network
# watch must catch. 198.51.100.7 is a documentation address (RFC 5737).
@test "sends one datagram off the machine" {
    echo hello >/dev/udp/198.51.100.7/9 || true
}
