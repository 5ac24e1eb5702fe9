/* Hostile: takes all the memory it can get, and touches it. */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    for (;;) {
        char *block = malloc(16 * 1024 * 1024);
        if (block != NULL)
            memset(block, 1, 16 * 1024 * 1024);
    }
}
