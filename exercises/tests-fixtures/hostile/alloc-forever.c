/* Hostile: takes all the memory it can get, and touches every page of it.
 * One byte a page makes the kernel back the whole block, as a memset would;
 * under valgrind, whose every store is checked, a memset of each byte costs
 * half a second of CPU more and holds no more memory. */
#include <stdlib.h>

enum { BLOCK_BYTES = 16 * 1024 * 1024, PAGE_BYTES = 4096 };

int main(void)
{
    for (;;) {
        volatile char *block = malloc(BLOCK_BYTES);
        if (block != NULL)
            for (size_t at = 0; at < BLOCK_BYTES; at += PAGE_BYTES)
                block[at] = 1;
    }
}
