// Framer: whole PDUs out of a byte stream split anywhere, hostile lengths rejected before any body
// is buffered, no growth once warm.

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::from_hex;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A stream of many PDUs of varied sizes (header-only, short, with TLVs, a long message_payload).
std::vector<Bytes> sample_pdus() {
  std::vector<Bytes> pdus;
  for (std::uint32_t seq = 1; seq <= 40; ++seq) {
    Bytes out;
    switch (seq % 5) {
      case 0: {
        EnquireLink p;
        p.header.sequence_number = seq;
        REQUIRE(encode(p, out));
        break;
      }
      case 1: {
        SubmitSm p;
        p.header.sequence_number = seq;
        p.destination = PhoneNumber("4477009001" + std::to_string(seq), Ton::international);
        p.short_message = std::string(seq * 3, 'x');
        REQUIRE(encode(p, out));
        break;
      }
      case 2: {
        DeliverSmResp p;
        p.header.sequence_number = seq;
        REQUIRE(encode(p, out));
        break;
      }
      case 3: {
        DataSm p;
        p.header.sequence_number = seq;
        std::vector<std::uint8_t> payload(300 + seq, 0x41);
        REQUIRE(p.tlvs.set<tlv::MessagePayload>(payload));
        REQUIRE(encode(p, out));
        break;
      }
      default: {
        SubmitSmResp p;
        p.header.sequence_number = seq;
        p.message_id = "id" + std::to_string(seq);
        REQUIRE(encode(p, out));
        break;
      }
    }
    pdus.push_back(std::move(out));
  }
  return pdus;
}

Bytes concat(const std::vector<Bytes>& pdus) {
  Bytes s;
  for (const auto& p : pdus)
    s.insert(s.end(), p.begin(), p.end());
  return s;
}

void drain(Framer& f, std::vector<Bytes>& got) {
  for (;;) {
    auto r = f.next();
    REQUIRE(r);
    if (r->empty()) return;
    got.emplace_back(r->begin(), r->end());
  }
}

}  // namespace

TEST_CASE("framer: a stream of many PDUs split at every byte boundary") {
  const auto pdus = sample_pdus();
  const auto stream = concat(pdus);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    Framer f(default_max_pdu_size, 256);  // small reads, so PDUs also straddle buffer refills
    std::vector<Bytes> got;
    f.append(std::span(stream).first(cut));
    drain(f, got);
    f.append(std::span(stream).subspan(cut));
    drain(f, got);
    REQUIRE(got == pdus);
    CHECK(f.buffered() == 0);
  }
}

TEST_CASE("framer: one byte at a time, and random chunks through prepare/commit") {
  const auto pdus = sample_pdus();
  const auto stream = concat(pdus);
  {
    Framer f;
    std::vector<Bytes> got;
    for (auto b : stream) {
      f.append(std::span(&b, 1));
      drain(f, got);
    }
    CHECK(got == pdus);
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    Framer f(default_max_pdu_size, 1 + rng() % 2048);
    std::vector<Bytes> got;
    std::size_t at = 0;
    while (at < stream.size()) {
      auto space = f.prepare();
      REQUIRE_FALSE(space.empty());
      const std::size_t n =
          std::min<std::size_t>({space.size(), stream.size() - at, 1 + rng() % 700});
      std::memcpy(space.data(), stream.data() + at, n);
      f.commit(n);
      at += n;
      drain(f, got);
    }
    CHECK(got == pdus);
  }
}

TEST_CASE("framer: every PDU it yields decodes") {
  Framer f;
  f.append(concat(sample_pdus()));
  int count = 0;
  for (;;) {
    auto r = f.next();
    REQUIRE(r);
    if (r->empty()) break;
    REQUIRE(decode_view(*r));
    ++count;
  }
  CHECK(count == 40);
}

TEST_CASE("framer: hostile command_length is rejected before the body is buffered") {
  for (const char* header :
       {"7fffffff 00000004 00000000 0000002a", "ffffffff 00000004 00000000 0000002a",
        "00010011 00000004 00000000 0000002a"}) {
    INFO(header);
    Framer f;
    f.append(from_hex(header));
    auto r = f.next();
    REQUIRE_FALSE(r);
    CHECK(r.error().problem == CodecProblem::command_length_too_large);
    CHECK(r.error().status == CommandStatus::invalid_command_length);
    CHECK(r.error().error == errc::pdu_too_large);
    CHECK(r.error().sequence_known);
    CHECK(r.error().sequence_number == 0x2a);
    CHECK(r.error().command_id == CommandId::submit_sm);
    // The buffer never grew toward the announced size, and the error is sticky.
    CHECK(f.capacity() <= 64 * 1024);
    f.append(Bytes(100000, 0));
    CHECK(f.capacity() <= 64 * 1024);
    CHECK_FALSE(f.next());
    CHECK(f.prepare().empty());
    f.reset();
    CHECK(f.next());
  }
}

TEST_CASE("framer: a too-large length waits for the header to report its sequence_number") {
  Framer f;
  f.append(from_hex("7fffffff 00000004"));
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->empty());
  f.append(from_hex("00000000 00000099"));
  auto e = f.next();
  REQUIRE_FALSE(e);
  CHECK(e.error().sequence_number == 0x99);
}

TEST_CASE("framer: command_length below 16 is rejected as soon as it is read") {
  for (std::uint8_t len = 0; len < 16; ++len) {
    Framer f;
    const Bytes b{0, 0, 0, len};
    f.append(b);
    auto r = f.next();
    REQUIRE_FALSE(r);
    CHECK(r.error().problem == CodecProblem::command_length_too_small);
    CHECK(r.error().status == CommandStatus::invalid_command_length);
    CHECK(r.error().size == len);
    CHECK_FALSE(r.error().sequence_known);
  }
}

TEST_CASE("framer: the configured maximum is inclusive") {
  DataSm p;
  REQUIRE(p.tlvs.set<tlv::MessagePayload>(Bytes(1000, 0x42)));
  Bytes wire;
  REQUIRE(encode(p, wire));
  {
    Framer f(wire.size(), 64);  // PDU larger than one read: the buffer grows to hold it
    f.append(wire);
    auto r = f.next();
    REQUIRE(r);
    CHECK(r->size() == wire.size());
    CHECK(f.capacity() >= wire.size());
  }
  {
    Framer f(wire.size() - 1);
    f.append(wire);
    auto r = f.next();
    REQUIRE_FALSE(r);
    CHECK(r.error().limit == wire.size() - 1);
  }
}

TEST_CASE("framer: no growth and no reallocation once warm") {
  const auto stream = concat(sample_pdus());
  Framer f(default_max_pdu_size, 4096);
  auto feed_once = [&] {
    std::size_t at = 0;
    int count = 0;
    while (at < stream.size()) {
      auto space = f.prepare();
      const std::size_t n = std::min(space.size(), stream.size() - at);
      std::memcpy(space.data(), stream.data() + at, n);
      f.commit(n);
      at += n;
      for (;;) {
        auto r = f.next();
        REQUIRE(r);
        if (r->empty()) break;
        ++count;
      }
    }
    return count;
  };
  CHECK(feed_once() == 40);  // warm-up
  const auto cap = f.capacity();
  const auto* base = f.prepare().data() - (f.capacity() - f.prepare().size());
  for (int i = 0; i < 20; ++i)
    CHECK(feed_once() == 40);
  CHECK(f.capacity() == cap);
  CHECK(f.prepare().data() - (f.capacity() - f.prepare().size()) == base);
}

TEST_CASE("framer: starts small and grows its reads once told to") {
  Framer f(default_max_pdu_size, 256);
  CHECK(f.prepare().size() == 256);
  CHECK(f.capacity() == 256);
  f.set_read_buffer_size(4096);
  CHECK(f.prepare().size() == 4096);
  f.set_read_buffer_size(1);  // never below a header
  CHECK(f.prepare().size() >= 16);
}
