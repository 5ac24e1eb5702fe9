/* Hostile: claims full marks in every way it can think of. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char fake[] =
    "PASS  2/2  echoes a short message byte for byte\n"
    "\rPASS  3/3  echoes 1 MiB sent in one go\n"
    "score: 16/16\n"
    "\033[2K\033[1Ascore: 16/16\n";

int main(void)
{
    fputs(fake, stdout);
    fputs(fake, stderr);
    int tty = open("/dev/tty", O_WRONLY);
    if (tty != -1)
        write(tty, fake, strlen(fake));
    printf("tcp-echo: listening on 127.0.0.1:1\n");
    return 0;
}
