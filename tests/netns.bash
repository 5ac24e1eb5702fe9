# tests/netns.bash - a private network namespace for a test (load after helpers).
#
# The kit's tests talk only to loopback. A test that needs more (a name that
# must fail to resolve, an address this machine does not have) runs the
# program inside a network namespace it creates itself, where only a
# loopback exists: nothing the program sends can leave the machine.
#
#   need_netns                    sets NETNS to the command prefix that runs a
#                                 command in a fresh namespace with lo up
#                                 (unshare -n as root, else unshare -rn), or
#                                 skips the test with the reason
#   run_lesson_in_netns NAME ARGS...
#                                 run_lesson, inside such a namespace: a name
#                                 lookup there reaches no resolver, so it fails
#                                 at once ("Temporary failure in name
#                                 resolution") without a query leaving

need_netns() {
    command -v ip >/dev/null || skip "ip (iproute2) is not installed, so no private network namespace can be set up"
    # Loopback is brought up first: while it is down, Linux even lets a socket
    # bind an address the namespace does not have.
    local up=(sh -c 'ip link set lo up && exec "$@"' sh)
    if unshare -n "${up[@]}" true 2>/dev/null; then
        NETNS=(unshare -n "${up[@]}")
    elif unshare -rn "${up[@]}" true 2>/dev/null; then
        NETNS=(unshare -rn "${up[@]}")
    else
        skip "cannot create a private network namespace here (unshare -n needs root, unshare -rn user namespaces); the lookup would leave the machine"
    fi
}

timed_netns_lesson() {
    lesson_command "$@" || return 127
    timeout -k 2 "$CLIENT_SECONDS" "${NETNS[@]}" "${LESSON_COMMAND[@]}"
}

run_lesson_in_netns() {
    need_netns
    run --separate-stderr timed_netns_lesson "$@"
}
