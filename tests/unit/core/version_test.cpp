#include "aiosmpp/version.hpp"

#include "support/catch.hpp"

TEST_CASE("linked library and headers agree on the version") {
  CHECK(aiosmpp::version() == aiosmpp::header_version);
  CHECK(aiosmpp::version() == std::to_string(AIOSMPP_VERSION_MAJOR) + "." +
                                  std::to_string(AIOSMPP_VERSION_MINOR) + "." +
                                  std::to_string(AIOSMPP_VERSION_PATCH));
}
