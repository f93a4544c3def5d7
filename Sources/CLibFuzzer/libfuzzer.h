#ifndef QCREDIT_LIBFUZZER_H
#define QCREDIT_LIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry point for programs with their own main (libclang_rt.fuzzer_no_main):
// parses libFuzzer's flags from argv and calls `callback` with each input. Only the fuzzing
// build (Scripts/fuzz) links the library that defines it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
