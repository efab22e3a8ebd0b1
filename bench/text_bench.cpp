// Message-layer micro-benchmarks. Throughput is in bytes of UTF-8 input (encode) or of septets
// (decode); run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians.
// "allocs" is heap allocations per operation, counted by the replaced global operator new below.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/split.hpp"

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

void report_allocations(benchmark::State& state, std::size_t before) {
  const auto n = allocations.load(std::memory_order_relaxed) - before;
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgIterations);
}

using namespace aiosmpp::text;

// 1,000 characters of ordinary GSM text with a few extension characters, as SMS traffic has.
std::string gsm_text() {
  const std::string line = "Your code is 4821. Valid 10 min; don't share it {ref: A-77} €5 fee. ";
  std::string s;
  while (s.size() < 1000)
    s += line;
  // Trim to whole characters: '€' is 3 octets.
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size() && chars < 1000; ++chars) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    out.append(s, i, n);
    i += n;
  }
  return out;
}

std::string ucs2_text() {
  std::string s;
  while (s.size() < 2000)
    s += "Привет, мир! Код 4821 \xF0\x9F\x98\x80 ";
  return s;
}

void BM_Gsm7Encode(benchmark::State& state) {
  const std::string text = gsm_text();
  std::vector<std::uint8_t> out;
  out.reserve(2 * text.size());
  for (auto _ : state) {
    out.clear();
    auto r = gsm7::encode(text, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Gsm7Encode);

void BM_Gsm7Decode(benchmark::State& state) {
  std::vector<std::uint8_t> septets;
  (void)gsm7::encode(gsm_text(), septets);
  std::string out;
  out.reserve(2 * septets.size());
  for (auto _ : state) {
    out.clear();
    auto r = gsm7::decode(septets, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(septets.size()));
}
BENCHMARK(BM_Gsm7Decode);

void BM_Gsm7CountSeptets(benchmark::State& state) {
  const std::string text = gsm_text();
  for (auto _ : state)
    benchmark::DoNotOptimize(gsm7::count_septets(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Gsm7CountSeptets);

void BM_Gsm7Pack(benchmark::State& state) {
  std::vector<std::uint8_t> septets;
  (void)gsm7::encode(gsm_text(), septets);
  std::vector<std::uint8_t> out;
  out.reserve(septets.size());
  for (auto _ : state) {
    out.clear();
    gsm7::pack(septets, out, 1);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(septets.size()));
}
BENCHMARK(BM_Gsm7Pack);

void BM_Ucs2Encode(benchmark::State& state) {
  const std::string text = ucs2_text();
  std::vector<std::uint8_t> out;
  out.reserve(2 * text.size());
  for (auto _ : state) {
    out.clear();
    auto r = ucs2_codec().encode(text, ErrorMode::strict, out);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Ucs2Encode);

void BM_Split1000Gsm(benchmark::State& state) {
  const std::string text = gsm_text();
  SplitOptions o;
  o.long_message = static_cast<LongMessage>(state.range(0));
  o.reference = 1;
  for (auto _ : state) {
    auto r = split(text, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(std::string(long_message_name(o.long_message)));
}
BENCHMARK(BM_Split1000Gsm)
    ->Arg(static_cast<int>(LongMessage::udh8))
    ->Arg(static_cast<int>(LongMessage::sar))
    ->Arg(static_cast<int>(LongMessage::message_payload));

void BM_Split1000Ucs2(benchmark::State& state) {
  const std::string text = ucs2_text();
  SplitOptions o;
  o.long_message = LongMessage::udh8;
  o.reference = 1;
  o.national_languages = false;
  for (auto _ : state) {
    auto r = split(text, o);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Split1000Ucs2);

// Automatic encoding of a text the default alphabet cannot take, with the national language
// search on: Cyrillic (no table fits: UCS2) and Turkish (the Turkish locking table wins).
void BM_Split1000AutoNational(benchmark::State& state) {
  std::string text;
  const char* line =
      state.range(0) == 0 ? "Привет, мир! Код 4821. " : "Işık ğüzel şehir İstanbul çay. ";
  while (text.size() < 1500)
    text += line;
  SplitOptions o;
  o.long_message = LongMessage::udh8;
  o.reference = 1;
  for (auto _ : state) {
    auto r = split(text, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(state.range(0) == 0 ? "cyrillic->ucs2" : "turkish->gsm7+nl");
}
BENCHMARK(BM_Split1000AutoNational)->Arg(0)->Arg(1);

void BM_CountSegments1000(benchmark::State& state) {
  const std::string text = gsm_text();
  for (auto _ : state) {
    auto r = count_segments(text);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_CountSegments1000);

// About 1,000 characters of ordinary text in the language of each iconv coding.
std::string coding_text(std::uint8_t data_coding) {
  const char* line = "";
  switch (data_coding) {
    case 6:
      line = "Ваш код подтверждения 4821, не сообщайте его никому. ";
      break;
    case 7:
      line = "קוד האימות שלך הוא 4821, אל תמסור אותו לאף אחד. ";
      break;
    case 14:
      line = "인증 코드는 4821입니다. 누구에게도 알려주지 마세요. ";
      break;
    default:  // 5, 9, 10, 13: Japanese
      line = "認証コードは4821です。誰にも教えないでください。";
      break;
  }
  std::string s;
  std::size_t chars = 0;
  while (chars < 1000) {
    s += line;
    for (const char* p = line; *p != 0; ++p)
      chars += (static_cast<unsigned char>(*p) & 0xC0) != 0x80 ? 1 : 0;
  }
  return s;
}

const Codec& coding(std::uint8_t data_coding) {
  return *CodecRegistry::builtin().find(data_coding);
}

// Arg: the data_coding. Throughput in octets of UTF-8 input.
void BM_CodingEncode(benchmark::State& state) {
  const auto dc = static_cast<std::uint8_t>(state.range(0));
  const std::string text = coding_text(dc);
  std::vector<std::uint8_t> out;
  out.reserve(4 * text.size());
  for (auto _ : state) {
    out.clear();
    auto r = coding(dc).encode(text, ErrorMode::strict, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
  state.SetLabel(std::string(coding(dc).name()));
}
BENCHMARK(BM_CodingEncode)->Arg(5)->Arg(6)->Arg(9)->Arg(14);

// Throughput in encoded octets.
void BM_CodingDecode(benchmark::State& state) {
  const auto dc = static_cast<std::uint8_t>(state.range(0));
  std::vector<std::uint8_t> bytes;
  (void)coding(dc).encode(coding_text(dc), ErrorMode::strict, bytes);
  std::string out;
  out.reserve(4 * bytes.size());
  for (auto _ : state) {
    out.clear();
    auto r = coding(dc).decode(bytes, ErrorMode::strict, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
  state.SetLabel(std::string(coding(dc).name()));
}
BENCHMARK(BM_CodingDecode)->Arg(5)->Arg(6)->Arg(9)->Arg(14);

// 1,000 characters split into 8-bit UDH parts, each part encoded from its own text.
void BM_SplitCoding(benchmark::State& state) {
  const auto dc = static_cast<std::uint8_t>(state.range(0));
  const std::string text = coding_text(dc);
  SplitOptions o;
  o.encoding = Encoding::custom;
  o.custom_data_coding = dc;
  o.long_message = LongMessage::udh8;
  for (auto _ : state) {
    auto r = split(text, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(std::string(coding(dc).name()));
}
BENCHMARK(BM_SplitCoding)->Arg(6)->Arg(10)->Arg(14);

void BM_ParseReceipt(benchmark::State& state) {
  const std::string text =
      "id:0123456789 sub:001 dlvrd:001 submit date:1005232039 done date:1005242339 "
      "stat:DELIVRD err:000 text:This is a sample mes";
  for (auto _ : state) {
    auto r = parse_receipt(text);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseReceipt);

// A receipt as the Esme's reader sees it: decoded into a view of the receive buffer.
struct ReceiptWire {
  std::vector<std::uint8_t> bytes;
  aiosmpp::DeliverSmView view;
};

ReceiptWire receipt_wire(bool tlvs) {
  aiosmpp::DeliverSm d;
  d.esm_class = aiosmpp::EsmClass::delivery_receipt;
  d.short_message =
      "id:0123456789 sub:001 dlvrd:001 submit date:1005232039 done date:1005242339 "
      "stat:DELIVRD err:000 text:This is a sample mes";
  if (tlvs) {
    (void)d.tlvs.set<aiosmpp::tlv::ReceiptedMessageId>("0123456789");
    d.tlvs.set<aiosmpp::tlv::MessageState>(std::uint8_t{2});
  }
  ReceiptWire w;
  (void)aiosmpp::encode(d, w.bytes);
  w.view = std::get<aiosmpp::DeliverSmView>(*aiosmpp::decode_view(w.bytes));
  return w;
}

// What the Esme runs for every receipt: id and finality, nothing allocated. Arg 0: the text gives
// both; arg 1: the receipted_message_id and message_state TLVs do.
void BM_SummarizeReceipt(benchmark::State& state) {
  const ReceiptWire w = receipt_wire(state.range(0) != 0);
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto s = summarize_receipt(w.view);
    benchmark::DoNotOptimize(s);
  }
  report_allocations(state, before);
  state.SetLabel(state.range(0) == 0 ? "text" : "tlvs");
}
BENCHMARK(BM_SummarizeReceipt)->Arg(0)->Arg(1);

// The full parse of the same view, for comparison.
void BM_ParseReceiptView(benchmark::State& state) {
  const ReceiptWire w = receipt_wire(false);
  const auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto r = parse_receipt(w.view);
    benchmark::DoNotOptimize(r);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_ParseReceiptView);

}  // namespace

BENCHMARK_MAIN();
