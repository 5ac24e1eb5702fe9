/* Hostile: a source that keeps the compiler busy for minutes (the file
 * includes itself twice, 20 levels deep: a million inclusions) without
 * using much memory. The grader stops the compiler and says so. */
#if __INCLUDE_LEVEL__ < 20
#include __FILE__
#include __FILE__
#endif
#if __INCLUDE_LEVEL__ == 0
int main(void)
{
    return 0;
}
#endif
