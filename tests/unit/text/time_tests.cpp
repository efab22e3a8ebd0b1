#include <chrono>

#include "aiosmpp/text/smpp_time.hpp"
#include "support/catch.hpp"

using namespace aiosmpp::text;
using namespace std::chrono;

TEST_CASE("smpp time: the reference example and round trips") {
  auto t = SmppTime::parse("240101123000004+");
  REQUIRE(t);
  CHECK_FALSE(t->is_relative());
  CHECK(t->utc() == sys_days{2024y / 1 / 1} + 11h + 30min);
  CHECK(t->quarter_hours() == 4);
  CHECK(t->to_string() == "240101123000004+");

  for (const char* s : {"991231235959948+", "000229000000000+", "680101000000148-",
                        "690101000000000+", "240615081530512-"}) {
    INFO(s);
    auto p = SmppTime::parse(s);
    REQUIRE(p);
    CHECK(p->to_string() == s);
  }
  auto behind = SmppTime::parse("240101000000008-");
  REQUIRE(behind);
  CHECK(behind->utc() == sys_days{2024y / 1 / 1} + 2h);
  CHECK(SmppTime::parse("690101000000000+")->utc() == sys_days{1969y / 1 / 1});
  CHECK(SmppTime::parse("680101000000000+")->utc() == sys_days{2068y / 1 / 1});
}

TEST_CASE("smpp time: absolute from std::chrono") {
  const SmppTimePoint utc = sys_days{2024y / 2 / 29} + 23h + 45min + 12s + 345ms;
  auto t = SmppTime::absolute(utc, 8);
  REQUIRE(t);
  CHECK(t->to_string() == "240301014512308+");  // local = UTC+2h, tenths truncated
  CHECK(t->utc() == sys_days{2024y / 2 / 29} + 23h + 45min + 12s + 300ms);
  auto back = SmppTime::parse(t->to_string());
  REQUIRE(back);
  CHECK(*back == *t);
  auto neg = SmppTime::absolute(utc, -14);
  REQUIRE(neg);
  CHECK(neg->to_string() == "240229201512314-");
  CHECK_FALSE(SmppTime::absolute(utc, 49));
  CHECK_FALSE(SmppTime::absolute(utc, -49));
  auto far = SmppTime::absolute(sys_days{2070y / 1 / 1}, 0);
  REQUIRE_FALSE(far);
  CHECK(far.error().message.find("2070") != std::string::npos);
}

TEST_CASE("smpp time: relative, aiosmpplib's decomposition and the 63-week limit") {
  auto t = SmppTime::relative(days{2} + hours{3});
  REQUIRE(t);
  CHECK(t->to_string() == "000002030000000R");
  CHECK(t->interval() == days{2} + hours{3});
  auto long_one = SmppTime::relative(days{400} + seconds{61});
  REQUIRE(long_one);
  CHECK(long_one->to_string() == "010105000101000R");  // 1y (365) 1m (30) 5d 00:01:01
  CHECK(long_one->interval() == days{400} + seconds{61});

  CHECK(SmppTime::relative(weeks{63}));
  auto over = SmppTime::relative(weeks{63} + seconds{1});
  REQUIRE_FALSE(over);
  CHECK(over.error().code == TextErrc::invalid_time);
  CHECK(over.error().message.find("63 weeks") != std::string::npos);
  CHECK_FALSE(SmppTime::relative(seconds{-1}));

  auto p = SmppTime::parse("000002030000000R");
  REQUIRE(p);
  CHECK(p->is_relative());
  CHECK(p->fields() == RelativeTime{0, 0, 2, 3, 0, 0});
  CHECK(*p == *t);
  auto r = SmppTime::parse("000100000000000R");
  REQUIRE(r);
  const SmppTimePoint now = sys_days{2024y / 1 / 31} + 10h;
  CHECK(r->resolve(now) == sys_days{2024y / 2 / 29} + 10h);  // clamps to the month's end
  CHECK(SmppTime::relative(RelativeTime{0, 0, 0, 24, 0, 0}).error().message.find("hours") !=
        std::string::npos);
}

TEST_CASE("smpp time: malformed strings name what is wrong") {
  struct Bad {
    const char* text;
    const char* mentions;
  };
  const Bad bad[] = {{"24010112300000+", "16 characters"},  {"2401011230000040+", "16 characters"},
                     {"2A0101123000004+", "year"},          {"241301123000004+", "month and day"},
                     {"240230123000004+", "month and day"}, {"240101243000004+", "time of day"},
                     {"240101126000004+", "time of day"},   {"240101123000X04+", "tenths"},
                     {"240101123000049+", "offset"},        {"240101123000004*", "+, - or R"},
                     {"000002030000100R", "000 before R"}};
  for (const auto& b : bad) {
    INFO(b.text);
    auto r = SmppTime::parse(b.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == TextErrc::invalid_time);
    CHECK(r.error().message.find(b.mentions) != std::string::npos);
  }
  auto empty = SmppTime::parse_optional("");
  REQUIRE(empty);
  CHECK_FALSE(*empty);
  CHECK_FALSE(SmppTime::parse_optional("x"));
}
