// PDU codec micro-benchmarks. The claims to prove: encoding a submit_sm into a warm buffer and
// decoding a view allocate nothing and stay under 80 ns / 100 ns on this machine; the framer
// cuts a 1 MiB stream without per-PDU allocation.
//
//   codec_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// "allocs" is heap allocations per operation, counted by the replaced global operator new below.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "aiosmpp/pdu/pdu.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

// g++ 12 sees the replaced operator new and delete inlined into each other as malloc and free and
// warns about a mismatch that is not one: both sides of the replacement use malloc/free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using namespace aiosmpp;

void report(benchmark::State& state, std::size_t before) {
  const auto n = allocations.load(std::memory_order_relaxed) - before;
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgIterations);
}

// What an ESME sends most: alphanumeric sender, international destination, a receipt request and
// a short text.
SubmitSm sample_submit() {
  SubmitSm p;
  p.header.sequence_number = 123456;
  p.source = PhoneNumber("MyCompany", Ton::alphanumeric);
  p.destination = PhoneNumber("447700900123", Ton::international, Npi::isdn);
  p.registered_delivery = RegisteredDelivery::receipt_always;
  p.short_message = "Your verification code is 123456";
  return p;
}

// A typical SMSC delivery receipt: Appendix B text plus receipted_message_id and message_state.
DeliverSm sample_receipt() {
  DeliverSm p;
  p.header.sequence_number = 98765;
  p.source = PhoneNumber("447700900123", Ton::international, Npi::isdn);
  p.destination = PhoneNumber("MyCompany", Ton::alphanumeric);
  p.esm_class = EsmClass::delivery_receipt;
  p.short_message =
      "id:0123456789 sub:001 dlvrd:001 submit date:2511261200 done date:2511261201 stat:DELIVRD "
      "err:000 text:Your verification";
  (void)p.tlvs.set<tlv::ReceiptedMessageId>("0123456789");
  p.tlvs.set<tlv::MessageState>(static_cast<std::uint8_t>(MessageState::delivered));
  return p;
}

template <class P>
std::vector<std::uint8_t> wire_of(const P& p) {
  std::vector<std::uint8_t> out;
  if (!encode(p, out)) std::abort();
  return out;
}

template <class P>
void encode_bench(benchmark::State& state, const P& pdu) {
  std::vector<std::uint8_t> out;
  out.reserve(4096);
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    out.clear();
    auto r = encode(pdu, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, before);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}

void BM_EncodeSubmitSm(benchmark::State& state) {
  encode_bench(state, sample_submit());
}
BENCHMARK(BM_EncodeSubmitSm);

void BM_EncodeDeliverSmReceipt(benchmark::State& state) {
  encode_bench(state, sample_receipt());
}
BENCHMARK(BM_EncodeDeliverSmReceipt);

template <class View>
void decode_view_bench(benchmark::State& state, const std::vector<std::uint8_t>& wire) {
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto r = decode_view(wire);
    benchmark::DoNotOptimize(r);
    if (!r || !std::holds_alternative<View>(*r)) state.SkipWithError("decode failed");
  }
  report(state, before);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}

void BM_DecodeViewSubmitSm(benchmark::State& state) {
  decode_view_bench<SubmitSmView>(state, wire_of(sample_submit()));
}
BENCHMARK(BM_DecodeViewSubmitSm);

void BM_DecodeViewDeliverSmReceipt(benchmark::State& state) {
  decode_view_bench<DeliverSmView>(state, wire_of(sample_receipt()));
}
BENCHMARK(BM_DecodeViewDeliverSmReceipt);

void BM_DecodeViewSubmitSmResp(benchmark::State& state) {
  SubmitSmResp r;
  r.header.sequence_number = 123456;
  r.message_id = "5f1c2a9e-0d3b-4b7e-9a51-2c7d8e6f4a10";
  decode_view_bench<SubmitSmRespView>(state, wire_of(r));
}
BENCHMARK(BM_DecodeViewSubmitSmResp);

// What the Esme's fast path reads of each response: checked as decode_view() checks it, with its
// TLVs (none here) for congestion_state.
void BM_DecodeMessageIdResponse(benchmark::State& state) {
  SubmitSmResp r;
  r.header.sequence_number = 123456;
  r.message_id = "5f1c2a9e-0d3b-4b7e-9a51-2c7d8e6f4a10";
  const auto wire = wire_of(r);
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto m = decode_message_id_response(wire);
    benchmark::DoNotOptimize(m);
    if (!m) state.SkipWithError("decode failed");
  }
  report(state, before);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_DecodeMessageIdResponse);

// The receipt fields an ESME correlates on, read from the view (TLV walk included).
void BM_DecodeViewReceiptAndReadTlvs(benchmark::State& state) {
  const auto wire = wire_of(sample_receipt());
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto r = decode_view(wire);
    const auto& d = std::get<DeliverSmView>(*r);
    auto id = d.tlvs.get<tlv::ReceiptedMessageId>();
    auto st = d.tlvs.get<tlv::MessageState>();
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(st);
  }
  report(state, before);
}
BENCHMARK(BM_DecodeViewReceiptAndReadTlvs);

// For comparison: the owning decode copies strings and TLVs into std::string/std::vector.
void BM_DecodeOwningSubmitSm(benchmark::State& state) {
  const auto wire = wire_of(sample_submit());
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto r = decode(wire);
    benchmark::DoNotOptimize(r);
  }
  report(state, before);
}
BENCHMARK(BM_DecodeOwningSubmitSm);

void BM_DecodeOwningDeliverSmReceipt(benchmark::State& state) {
  const auto wire = wire_of(sample_receipt());
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto r = decode(wire);
    benchmark::DoNotOptimize(r);
  }
  report(state, before);
}
BENCHMARK(BM_DecodeOwningDeliverSmReceipt);

// A 1 MiB stream of submit_sm_resp, deliver_sm receipts and enquire_link, delivered in 64 KiB
// reads (docs/performance.md rule 4) through prepare()/commit(), as an Asio reader would.
std::vector<std::uint8_t> one_mib_stream(std::size_t& count) {
  std::vector<std::uint8_t> s;
  SubmitSmResp resp;
  resp.message_id = "0123456789";
  const auto receipt = sample_receipt();
  EnquireLink el;
  count = 0;
  while (s.size() < (1U << 20)) {
    resp.header.sequence_number = static_cast<std::uint32_t>(count + 1);
    switch (count % 4) {
      case 3:
        (void)encode(receipt, s);
        break;
      case 2:
        (void)encode(el, s);
        break;
      default:
        (void)encode(resp, s);
        break;
    }
    ++count;
  }
  return s;
}

template <bool Decode>
void framer_bench(benchmark::State& state) {
  std::size_t pdus = 0;
  const auto stream = one_mib_stream(pdus);
  Framer framer;
  std::size_t seen = 0;
  auto run = [&] {
    std::size_t at = 0;
    while (at < stream.size()) {
      auto space = framer.prepare();
      const std::size_t n = std::min(space.size(), stream.size() - at);
      std::memcpy(space.data(), stream.data() + at, n);
      framer.commit(n);
      at += n;
      for (;;) {
        auto r = framer.next();
        if (!r || r->empty()) break;
        if constexpr (Decode) {
          auto v = decode_view(*r);
          benchmark::DoNotOptimize(v);
        } else {
          benchmark::DoNotOptimize(r->data());
        }
        ++seen;
      }
    }
  };
  run();  // warm the buffer
  seen = 0;
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state)
    run();
  const auto allocs = allocations.load(std::memory_order_relaxed) - before;
  state.counters["allocs_per_pdu"] = static_cast<double>(allocs) / static_cast<double>(seen);
  state.counters["pdus"] = static_cast<double>(pdus);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(seen));
}

void BM_Framer1MiB(benchmark::State& state) {
  framer_bench<false>(state);
}
BENCHMARK(BM_Framer1MiB)->Unit(benchmark::kMicrosecond);

void BM_FramerAndDecodeView1MiB(benchmark::State& state) {
  framer_bench<true>(state);
}
BENCHMARK(BM_FramerAndDecodeView1MiB)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
