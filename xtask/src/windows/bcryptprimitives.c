/* A stand-in for Windows' bcryptprimitives.dll under Wine 8, which lacks it.
 *
 * Rust's standard library takes its random numbers from `ProcessPrng` in that DLL. This one
 * answers the same call from `RtlGenRandom` (exported by advapi32 as SystemFunction036),
 * which Wine has. `cargo xtask windows` builds it with mingw next to the programs it runs;
 * it is never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        /* RtlGenRandom takes a 32-bit length. */
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
