/* Fixture: output that could break a report or a JSON file if the grader
 * copied it carelessly: invalid UTF-8, quotes, backslashes, control
 * characters, NUL bytes, an escape sequence, and 200 KB of it. It never binds,
 * so every test that starts it shows its stderr. */
#include <stdio.h>

int main(void)
{
    static const char nasty[] = "bad \xff\xfe\xc3 utf-8, \"quotes\", back\\slash, tab\t, bell\a, "
                                "esc \033[31m red, cr\r, nul \0 after nul\n";
    for (int i = 0; i < 2000; i++)
        fwrite(nasty, 1, sizeof nasty - 1, stderr);
    return 3;
}
