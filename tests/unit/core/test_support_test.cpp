#include "support/test_support.hpp"
#include "support/catch.hpp"

#include <stdexcept>

using aiosmpp::test::from_hex;
using aiosmpp::test::to_hex;

TEST_CASE("hex helpers round-trip and reject bad input") {
  auto bytes = from_hex("00 01 7f:80\nFF");
  REQUIRE(bytes == std::vector<std::uint8_t>{0x00, 0x01, 0x7f, 0x80, 0xff});
  CHECK(to_hex(bytes) == "00017f80ff");
  CHECK_THROWS_AS(from_hex("0"), std::invalid_argument);
  CHECK_THROWS_AS(from_hex("zz"), std::invalid_argument);
}
