#pragma once

// What every fuzz target uses to state a property: a violated property must stop the run the
// way a sanitizer report does (libFuzzer saves the input as a crash artifact), so it aborts
// after printing what failed.

#include <cstdio>
#include <cstdlib>

#define AIOSMPP_FUZZ_CHECK(cond, what)                                                            \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, what, #cond); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (false)
