// Seeded random valid PDUs of any type, for the round-trip tests of the codec and of JSON.
//
// The filler walks a PDU's field list (the same `fields()` visitor the codec uses), so a new
// field is covered without touching this file. Values span what the spec allows: any octet where
// any octet is legal, strings up to their limits in three forms (ASCII, whole UTF-8 characters,
// any octet but NUL, so JSON's text and hex forms are both exercised), every TLV at legal lengths
// (mostly those a request's list allows, sometimes others), vendor tags, distribution lists up to
// the 254 limit, header-only responses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"

namespace aiosmpp::test {

class RandomPduFiller {
 public:
  RandomPduFiller(std::mt19937_64& rng, CommandId id) : rng_(rng), id_(id) {}

  void optional_body(bool& has_body) {
    has_body = pick(8) != 0;
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
    if (!skip_) a = PhoneNumber(text(max - 1), any_ton(), any_npi());
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
      s += static_cast<char>(pick(256));  // NULs included: short_message is octets
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
        d.address = PhoneNumber(text(20), any_ton(), any_npi());
      }
      list.push_back(std::move(d));
    }
  }
  void unsuccess_smes(std::vector<UnsuccessSme>& list) {
    if (skip_) return;
    const std::size_t n = pick(6);
    for (std::size_t i = 0; i < n; ++i) {
      list.push_back(UnsuccessSme{PhoneNumber(text(20), any_ton()), any_status()});
    }
  }
  void tlvs(Tlvs& t) {
    if (skip_) return;
    const bool request = !is_response(id_);
    const std::uint64_t mask = tlv::allowed_mask(id_);
    const std::size_t n = pick(6);
    const auto all = tlv::all();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& info = all[pick(all.size())];
      // Mostly what the request's list allows; sometimes a TLV outside it, which the default
      // codec keeps and writes back (SMSCs send them; only strict_tlvs refuses them).
      if (request && (mask & (std::uint64_t{1} << info.index)) == 0 && pick(4) != 0) continue;
      if (info.tag == tlv::MessagePayload::tag && sm_length_ != 0) continue;
      const std::size_t hi = std::min<std::size_t>(info.max_length, 300);
      std::vector<std::uint8_t> v(info.min_length + pick(hi - info.min_length + 1));
      for (auto& b : v) {
        if (info.kind == tlv::Kind::c_string) {
          b = static_cast<std::uint8_t>(1 + pick(255));
        } else {
          b = static_cast<std::uint8_t>(pick(4) == 0 ? 0 : pick(256));  // small integers too
        }
      }
      if (info.kind == tlv::Kind::c_string) v.back() = 0;
      t.push_back(Tlv{info.tag, std::move(v)});
    }
    if (pick(4) == 0) {  // a vendor-specific tag, kept byte for byte
      std::vector<std::uint8_t> v(pick(40));
      for (auto& b : v)
        b = static_cast<std::uint8_t>(pick(256));
      t.push_back(Tlv{static_cast<std::uint16_t>(0x1400 + pick(0x2c00)), std::move(v)});
    }
  }

  /** A string of at most `max` octets, as often full length as not, in one of three forms. */
  std::string text(std::size_t max) {
    const std::size_t n = pick(3) == 0 ? max : pick(max + 1);
    std::string s;
    switch (pick(3)) {
      case 0:  // printable ASCII
        while (s.size() < n)
          s += static_cast<char>(' ' + pick(95));
        break;
      case 1:  // two-octet UTF-8 characters, whole characters only
        while (s.size() + 2 <= n) {
          s += '\xd0';
          s += static_cast<char>(0x90 + pick(32));
        }
        break;
      default:  // any octet but NUL
        while (s.size() < n)
          s += static_cast<char>(1 + pick(255));
        break;
    }
    return s;
  }
  /** A status that is a defined one about half the time, any 32-bit value otherwise. */
  CommandStatus any_status() {
    return static_cast<CommandStatus>(pick(2) == 0 ? pick(0x120) : rng_());
  }
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

 private:
  Ton any_ton() { return static_cast<Ton>(pick(256)); }
  Npi any_npi() { return static_cast<Npi>(pick(256)); }

  std::mt19937_64& rng_;
  CommandId id_;
  bool skip_ = false;
  std::size_t sm_length_ = 0;
};

/** A random valid `P`: a random header (an error status one time in four) and random fields. */
template <class P>
P random_pdu(std::mt19937_64& rng) {
  P p;
  RandomPduFiller f(rng, P::command_id);
  p.header.command_status = f.pick(4) == 0 ? f.any_status() : CommandStatus::ok;
  p.header.sequence_number = static_cast<std::uint32_t>(rng());
  P::fields(f, p);
  return p;
}

}  // namespace aiosmpp::test
