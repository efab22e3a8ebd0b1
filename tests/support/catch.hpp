#pragma once

// One include for Catch2 v2 (Debian 12) and v3. Tests use only the macros both versions share
// (TEST_CASE, SECTION, REQUIRE, CHECK, CHECK_THROWS_AS, INFO, ...); Catch::Approx is spelled
// differently across versions, so tests compare floating point with their own tolerance.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
