/* Hostile: prints the address of someone else's listening TCP socket, found
 * in /proc/net/tcp, as if it were its own, and waits: without network
 * namespaces a classmate's server would answer the tests for it. In its own
 * network namespace there is no such socket: it says so and exits 3. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    FILE *table = fopen("/proc/net/tcp", "r");
    char line[512];
    unsigned local_address, local_port, state;
    while (table != NULL && fgets(line, sizeof line, table) != NULL) {
        if (sscanf(line, " %*d: %x:%x %*x:%*x %x", &local_address, &local_port, &state) != 3)
            continue;
        if (state == 0x0A && local_address == 0x0100007F && local_port != 0) {
            printf("tcp-echo: listening on 127.0.0.1:%u\n", local_port);
            fflush(stdout);
            sleep(30);
            return 0;
        }
    }
    printf("port-thief: no listening socket to steal\n");
    return 3;
}
