// Catch2 v2 has no separate main library: this translation unit is it.
#define CATCH_CONFIG_MAIN
#include "support/catch.hpp"
