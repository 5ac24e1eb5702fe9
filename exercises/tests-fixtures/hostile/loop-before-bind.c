/* Hostile: never gets as far as a socket. */
int main(void)
{
    for (volatile unsigned long n = 0;; n++)
        ;
}
