#pragma once

// One include for Catch2 v2 (Debian 12) and v3: tests use the v2-compatible macro names, which v3
// keeps (TEST_CASE, SECTION, REQUIRE, CHECK, CHECK_THROWS_AS, Catch::Approx via a using below).
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
