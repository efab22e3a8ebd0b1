// Seeded random round trip for every PDU type: random valid PDUs (any byte where the spec allows
// any byte, strings up to their limits, every TLV a PDU may carry at every legal length, unknown
// tags, header-only error responses) must encode, decode back to the same value through both the
// owning and the view path, and re-encode to the same bytes.

#include <random>
#include <string>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;

namespace {

class Filler {
 public:
  Filler(std::mt19937_64& rng, CommandId id) : rng_(rng), id_(id) {}

  void optional_body(bool& has_body) {
    has_body = pick(10) != 0;
    skip_ = !has_body;
  }
  void c_string(std::string_view, std::size_t max, CommandStatus, std::string& s) {
    if (!skip_) s = text(max - 1);
  }
  void time(std::string_view, CommandStatus, std::string& s) {
    if (skip_ || pick(2) == 0) return;
    s.clear();
    for (int i = 0; i < 15; ++i)
      s += static_cast<char>('0' + pick(10));
    s += "+-R"[pick(3)];
  }
  void address(std::string_view, std::size_t max, CommandStatus, PhoneNumber& a) {
    if (skip_) return;
    a = PhoneNumber(text(max - 1), static_cast<Ton>(pick(256)), static_cast<Npi>(pick(256)));
  }
  template <class T>
  void octet(std::string_view, T& v) {
    if (!skip_) v = static_cast<T>(pick(256));
  }
  template <class T>
  void octet_max(std::string_view, unsigned max, CommandStatus, T& v) {
    if (!skip_) v = static_cast<T>(pick(max + 1));
  }
  template <class T>
  void octet_mask(std::string_view, unsigned mask, CommandStatus, T& v) {
    if (!skip_) v = static_cast<T>(pick(256) & mask);
  }
  void short_message(std::string& s) {
    if (skip_) return;
    const std::size_t n = pick(4) == 0 ? 0 : pick(255);
    s.clear();
    for (std::size_t i = 0; i < n; ++i)
      s += static_cast<char>(pick(256));  // NULs included
    sm_length_ = n;
  }
  void dest_addresses(std::vector<SubmitMultiDest>& list) {
    const std::size_t n = pick(20) == 0 ? 254 : 1 + pick(5);
    for (std::size_t i = 0; i < n; ++i) {
      SubmitMultiDest d;
      if (pick(3) == 0) {
        d.dest_flag = DestFlag::distribution_list;
        d.dl_name = text(20);
      } else {
        d.address = PhoneNumber(text(20), static_cast<Ton>(pick(256)), static_cast<Npi>(pick(256)));
      }
      list.push_back(std::move(d));
    }
  }
  void unsuccess_smes(std::vector<UnsuccessSme>& list) {
    if (skip_) return;
    const std::size_t n = pick(6);
    for (std::size_t i = 0; i < n; ++i) {
      list.push_back(UnsuccessSme{PhoneNumber(text(20), static_cast<Ton>(pick(256))),
                                  static_cast<CommandStatus>(rng_())});
    }
  }
  void tlvs(Tlvs& t) {
    if (skip_) return;
    const bool request = !is_response(id_);
    const std::uint64_t mask = tlv::allowed_mask(id_);
    const std::size_t n = pick(6);
    for (std::size_t i = 0; i < n; ++i) {
      const auto all = tlv::all();
      const auto& info = all[pick(all.size())];
      if (request && (mask & (std::uint64_t{1} << info.index)) == 0) continue;
      if (info.tag == tlv::MessagePayload::tag && sm_length_ != 0) continue;
      const std::size_t hi = std::min<std::size_t>(info.max_length, 300);
      const std::size_t len = info.min_length + pick(hi - info.min_length + 1);
      std::vector<std::uint8_t> v(len);
      for (auto& b : v) {
        b = static_cast<std::uint8_t>(info.kind == tlv::Kind::c_string ? 'a' + pick(26)
                                                                       : pick(256));
      }
      if (info.kind == tlv::Kind::c_string) v.back() = 0;
      t.push_back(Tlv{info.tag, std::move(v)});
    }
    if (pick(4) == 0) {  // vendor-specific tag, kept byte for byte
      std::vector<std::uint8_t> v(pick(40));
      for (auto& b : v)
        b = static_cast<std::uint8_t>(pick(256));
      t.push_back(Tlv{static_cast<std::uint16_t>(0x1400 + pick(0x2c00)), std::move(v)});
    }
  }

 private:
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  std::string text(std::size_t max) {
    const std::size_t n = pick(3) == 0 ? max : pick(max + 1);
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s += static_cast<char>(1 + pick(255));  // any but NUL
    return s;
  }

  std::mt19937_64& rng_;
  CommandId id_;
  bool skip_ = false;
  std::size_t sm_length_ = 0;
};

template <class P>
P random_pdu(std::mt19937_64& rng) {
  P p;
  p.header.command_status = static_cast<CommandStatus>(rng() % 4 == 0 ? rng() : 0);
  p.header.sequence_number = static_cast<std::uint32_t>(rng());
  Filler f(rng, P::command_id);
  P::fields(f, p);
  return p;
}

template <std::size_t I = 0>
void round_trip_all(std::mt19937_64& rng, int cases, std::size_t& checked) {
  if constexpr (I < std::variant_size_v<Pdu>) {
    using P = std::variant_alternative_t<I, Pdu>;
    INFO(command_name(P::command_id));
    for (int i = 0; i < cases; ++i) {
      const P original = random_pdu<P>(rng);
      std::vector<std::uint8_t> wire;
      auto enc = encode(original, wire);
      if (!enc) FAIL(enc.error().message());
      auto dec = decode(wire);
      if (!dec) FAIL(dec.error().message());
      REQUIRE(std::holds_alternative<P>(*dec));
      CHECK(std::get<P>(*dec) == original);
      auto view = decode_view(wire);
      REQUIRE(view);
      CHECK(to_owning(*view) == Pdu(original));
      std::vector<std::uint8_t> again;
      REQUIRE(encode(*view, again));
      CHECK(again == wire);
      ++checked;
    }
    round_trip_all<I + 1>(rng, cases, checked);
  }
}

}  // namespace

TEST_CASE("random round trip of every PDU type (seeded, 400 cases per type)") {
  std::mt19937_64 rng(0x5eed'2026'1126ULL);
  std::size_t checked = 0;
  round_trip_all(rng, 400, checked);
  CHECK(checked == 400 * std::variant_size_v<Pdu>);
}
