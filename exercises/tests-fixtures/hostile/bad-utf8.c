/* Hostile: output that is not UTF-8 in the ways a lax filter lets through:
 * surrogates, overlong forms, code points above U+10FFFF, stray
 * continuation bytes, a sequence cut short at the end; then exits 3. Every
 * report must stay valid UTF-8 JSON. */
#include <stdio.h>

int main(void)
{
    static const char text[] = "surrogate \xed\xa0\x80 overlong \xc0\xaf \xe0\x80\xaf "
                               "too big \xf4\x90\x80\x80 \xf8\x88\x80\x80\x80 stray \x80\xbf "
                               "ok \xe4\xbd\xa0\xe5\xa5\xbd end \xe2\x82";
    fwrite(text, 1, sizeof text - 1, stdout);
    fwrite(text, 1, sizeof text - 1, stderr);
    return 3;
}
