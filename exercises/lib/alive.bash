# exercises/lib/alive.bash - `alive PID`: does process PID still run? Sourced
# by the grader's harness (harness.bash) and by the kit's tests
# (tests/helpers.bash); both poll with `read -t` naps, and both need it.
#
# kill -0 alone is not enough. bash 5.2's `read -t` sets the shell's signal
# mask from an uninitialised variable when its deadline has passed before it
# starts to read, which happens when the shell is kept off the CPU for longer
# than the nap, as on a busy machine (bash 5.3 fixed it). If that mask blocks
# SIGCHLD, the shell stops reaping its children, and kill -0 succeeds on the
# zombie of a program that ended long ago: a server that stopped at once
# looks as if it ignored its signal, and the grader took its points. (Only
# the shell's own mask goes wrong: bash resets it in every child it starts.)
# So /proc/PID/stat is read too, where /proc shows this shell's own PID
# namespace (the grader's namespaces mount their own /proc); elsewhere kill
# -0 is all there is.

ALIVE_PROC=0
{ read -r ALIVE_SELF _ </proc/self/stat && [ "$ALIVE_SELF" = "$BASHPID" ] && ALIVE_PROC=1; } 2>/dev/null

# alive PID: true while process PID runs; a zombie has ended.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ "$ALIVE_PROC" = 1 ] || return 0
    local stat=
    local -a fields
    # The whole file (-d ''): a command name may hold a newline. After its
    # last ") " come the state and, 18th, the number of threads.
    read -r -d '' stat 2>/dev/null <"/proc/$1/stat" || : # (status 1 at the end of the file: no NUL)
    [ -n "$stat" ] || return 1
    read -ra fields <<<"${stat##*) }"
    # A main thread that called pthread_exit() shows Z while the process's
    # other threads still run: only a zombie with no thread left has ended.
    [ "${fields[0]}" = Z ] && [ "${fields[17]}" = 1 ] && return 1
    [ "${fields[0]}" != X ]
}
