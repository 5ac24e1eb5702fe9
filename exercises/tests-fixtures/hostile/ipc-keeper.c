/* Hostile: creates System V shared memory (64 MB, touched), a semaphore set
 * and a message queue, a POSIX shared-memory object and a POSIX message
 * queue, and leaves them all behind. They live in the grade's own IPC
 * namespace and /dev/shm, which end with it. Exits 3. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void)
{
    int shm = shmget(0x50c5e701, 64 << 20, IPC_CREAT | 0666);
    if (shm != -1) {
        char *memory = shmat(shm, NULL, 0);
        if (memory != (void *)-1)
            memset(memory, 1, 64 << 20);
    }
    int sem = semget(0x50c5e702, 4, IPC_CREAT | 0666);
    int msg = msgget(0x50c5e703, IPC_CREAT | 0666);
    int posix_shm = shm_open("/sockstep-hostile-shm", O_CREAT | O_RDWR, 0666);
    if (posix_shm != -1 && ftruncate(posix_shm, 1 << 20) != 0)
        posix_shm = -1;
    mqd_t queue = mq_open("/sockstep-hostile-mq", O_CREAT | O_RDWR, 0666, NULL);
    printf("ipc-keeper: shm %s, sem %s, msg %s, posix shm %s, mqueue %s\n", shm != -1 ? "made" : "failed",
           sem != -1 ? "made" : "failed", msg != -1 ? "made" : "failed", posix_shm != -1 ? "made" : "failed",
           queue != (mqd_t)-1 ? "made" : "failed");
    return 3;
}
