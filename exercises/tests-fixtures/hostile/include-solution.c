/* Hostile: compiles the kit's own reference solution into the submission by
 * its absolute path. tests/grader-safety.bats writes the kit's real path in
 * place of @KIT@ before grading it; in the sandbox that path does not exist,
 * so this does not compile. */
#include "@KIT@/exercises/tcp-echo/solution.c"
