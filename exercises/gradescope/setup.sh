#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder image (Ubuntu). The grader needs a C compiler, valgrind,
# bubblewrap (the sandbox every submission is compiled and run in),
# util-linux (unshare, setpriv, prlimit, flock, choom) and iproute2 (ip, to
# bring up loopback in each test's network namespace).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends build-essential valgrind bubblewrap util-linux iproute2 procps
