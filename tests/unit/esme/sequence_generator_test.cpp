#include "aiosmpp/esme/sequence_generator.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"

using aiosmpp::SimpleSequenceGenerator;

TEST_CASE("sequence numbers start at 1 and increase") {
  SimpleSequenceGenerator gen;
  CHECK(gen.next() == 1u);
  CHECK(gen.next() == 2u);
  CHECK(gen.next() == 3u);
  CHECK(gen.min() == 1u);
  CHECK(gen.max() == 0x7FFFFFFFu);
}

TEST_CASE("sequence numbers wrap from 0x7FFFFFFF to 1, never 0 nor bit 31") {
  SimpleSequenceGenerator gen;
  gen.restart_at(0x7FFFFFFE);
  CHECK(gen.next() == 0x7FFFFFFEu);
  CHECK(gen.next() == 0x7FFFFFFFu);
  CHECK(gen.next() == 1u);
  CHECK(gen.next() == 2u);

  gen.restart_at(0x7FFFFFF0);
  for (int i = 0; i < 100; ++i) {
    const auto n = gen.next();
    REQUIRE(aiosmpp::is_valid_sequence_number(n));
  }
  gen.restart_at(1);
  CHECK(gen.next() == 1u);
}

TEST_CASE("a narrowed range wraps to its own minimum") {
  SimpleSequenceGenerator gen(5, 7);
  std::vector<std::uint32_t> got;
  for (int i = 0; i < 7; ++i)
    got.push_back(gen.next());
  CHECK(got == std::vector<std::uint32_t>{5, 6, 7, 5, 6, 7, 5});
  SimpleSequenceGenerator single(9, 9);
  CHECK(single.next() == 9u);
  CHECK(single.next() == 9u);
}

TEST_CASE("a batch equals the same number of single calls, across the wrap") {
  SimpleSequenceGenerator batch;
  SimpleSequenceGenerator single;
  batch.restart_at(0x7FFFFFFA);
  single.restart_at(0x7FFFFFFA);
  std::array<std::uint32_t, 16> out{};
  aiosmpp::SequenceGenerator& as_base = batch;  // through the virtual interface
  as_base.next_batch(out);
  for (auto n : out)
    CHECK(n == single.next());
  CHECK(out[5] == 0x7FFFFFFFu);
  CHECK(out[6] == 1u);
  CHECK(batch.next() == single.next());
  batch.next_batch({});  // empty batch: nothing consumed
  CHECK(batch.next() == single.next());
}

TEST_CASE("a custom generator gets a working batch from the base class") {
  struct Evens : aiosmpp::SequenceGenerator {
    std::uint32_t n = 0;
    std::uint32_t next() override { return n += 2; }
  } evens;
  std::array<std::uint32_t, 3> out{};
  evens.next_batch(out);
  CHECK(out == std::array<std::uint32_t, 3>{2, 4, 6});
}

TEST_CASE("invalid sequence ranges are rejected with the field named") {
  auto message = [](auto&& make) {
    try {
      make();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  CHECK(message([] { SimpleSequenceGenerator g(0); }).find("min") != std::string::npos);
  CHECK(message([] { SimpleSequenceGenerator g(1, 0x80000000u); }).find("max") !=
        std::string::npos);
  CHECK(message([] { SimpleSequenceGenerator g(10, 9); }).find("max") != std::string::npos);
  SimpleSequenceGenerator gen(5, 7);
  CHECK_THROWS_AS(gen.restart_at(4), std::invalid_argument);
  CHECK_THROWS_AS(gen.restart_at(8), std::invalid_argument);
  CHECK(message([&] { gen.restart_at(0); }).find("restart_at") != std::string::npos);
  CHECK_FALSE(aiosmpp::is_valid_sequence_number(0));
  CHECK_FALSE(aiosmpp::is_valid_sequence_number(0x80000000u));
  CHECK(aiosmpp::is_valid_sequence_number(0x7FFFFFFFu));
}
