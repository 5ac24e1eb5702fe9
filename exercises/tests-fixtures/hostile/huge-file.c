/* Hostile: fills the disk, here and in /tmp. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char block[1 << 16];
    memset(block, 'x', sizeof block);
    char name[64];
    snprintf(name, sizeof name, "/tmp/sockstep-hostile-%ld", (long)getpid());
    FILE *here = fopen("huge.bin", "w");
    FILE *tmp = fopen(name, "w");
    for (;;) {
        if (here != NULL)
            fwrite(block, 1, sizeof block, here);
        if (tmp != NULL)
            fwrite(block, 1, sizeof block, tmp);
    }
}
