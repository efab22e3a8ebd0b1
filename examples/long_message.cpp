// Long messages: a GSM 03.38 text and a UCS2 text (with an emoji) longer than one SMS, each sent
// three ways: split with a concatenation UDH, split with the SAR TLVs, and whole in the
// message_payload TLV. The application enqueues text; the Esme renders it into as many submit_sm
// as it takes and reports ONE outcome per original message (not one per segment). Receipts come
// per submit_sm, so a message in 3 segments gets 3 receipts, all with its log_id.
//
//   long_message [--host 127.0.0.1] [--port 2775] [--seconds S]     (try it with aiosmpp-smsc-sim)
//
// Output: one "plan" line per message (how many submit_sm it becomes), one "outcome" line per
// message, one "receipt" line per receipt, and a summary. Exit code 1 when an outcome or a
// receipt is missing after S seconds (default 10).

#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "common/condition.hpp"
#include "common/options.hpp"

namespace {

// 7-bit GSM 03.38 text, including characters of the extension table (€ [ ] { } ~ ^ \ |), each of
// which costs two septets: the splitter counts them and never cuts an escape from its character.
constexpr std::string_view gsm_text =
    "GSM 03.38 long message: the default alphabet holds 128 characters, among them Greek "
    "capitals (Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ) and accented letters (é è ù ì ò Ç Ø ø Å å Ä Ö Ñ Ü ä ö ñ ü à). "
    "The extension table adds € [ ] { } ~ ^ \\ | at two septets each. One SMS holds 160 "
    "septets, or 153 when a concatenation header takes its share. SAR segments are cut to the "
    "same size, because the SMSC adds that header when it delivers them to the handset.";

// UCS2 (UTF-16): 70 characters per SMS, 67 with a concatenation header. The emoji is outside the
// Basic Multilingual Plane, so it takes two UTF-16 units (a surrogate pair) that the splitter
// keeps in one segment.
constexpr std::string_view ucs2_text =
    "UCS2 long message 😀: Длинное сообщение на русском языке, 中文的长短信, "
    "ελληνικά μικρά γράμματα, עברית ו-العربية. Each segment of a UCS2 SMS holds 70 "
    "characters, 67 with a concatenation header, so this text needs several.";

struct Planned {
  std::string log_id;
  std::size_t segments = 0;  // submit_sm the message renders to (= receipts to expect)
};

// What each original message ended in, by log_id, and its receipts.
class LongMessageHook final : public aiosmpp::Hook {
 public:
  explicit LongMessageHook(examples::Condition& progress) : progress_(progress) {}

  // outcome(): one per original message, whatever ended it; received(): the receipts.
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::outcome | aiosmpp::HookInterest::received;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;  // not asked for: outcome() sees failures too
  }

  // Once per original message, however many segments it was sent in: the first error response
  // if a segment was refused, else the last segment's response; or, when a segment got no
  // response, the SendError (its detail says how many segments the SMSC had accepted: a receiver
  // may then see a partial message). `o.message` is the message as enqueued, with its text.
  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view) override {
    const std::string& log_id = o.tracking().log_id;
    if (o.error) {
      fmt::print("outcome {}: failed {}\n", log_id, *o.error);
    } else if (o.accepted()) {
      fmt::print("outcome {}: accepted {} message_id={}\n", log_id, *o.status(), o.message_id());
    } else {
      // An error status, or a generic_nack (the SMSC did not understand the request).
      fmt::print("outcome {}: refused {} {}\n", log_id, aiosmpp::command_id_of(*o.response),
                 *o.status());
    }
    record(log_id, o.accepted());
    std::fflush(stdout);
    progress_.notify();
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override {
    const auto* d = message ? std::get_if<aiosmpp::DeliverSm>(message) : nullptr;
    if (d == nullptr || !aiosmpp::text::is_receipt(*d)) co_return;  // responses: see outcome()
    // The correlator put the submit's log_id on the receipt; every segment's receipt carries
    // the same one, so count them per original message.
    const auto& log_id = d->tracking.log_id.empty() ? unknown_ : d->tracking.log_id;
    const auto receipt = aiosmpp::text::parse_receipt(*d);
    const auto n = ++receipts_by_message_[log_id];
    if (receipt) {
      fmt::print("receipt {} #{}: id={} stat={}\n", log_id, n, receipt->id, receipt->stat);
    } else {
      fmt::print("receipt {} #{}: unreadable ({})\n", log_id, n, receipt.error().message);
    }
    ++receipts_;
    std::fflush(stdout);
    progress_.notify();
    co_return;
  }

  std::size_t outcomes() const noexcept { return outcomes_.size(); }
  std::size_t receipts() const noexcept { return receipts_; }
  bool duplicate() const noexcept { return duplicate_; }
  bool accepted(const std::string& log_id) const {
    const auto it = outcomes_.find(log_id);
    return it != outcomes_.end() && it->second;
  }

 private:
  void record(const std::string& log_id, bool accepted) {
    // A second outcome for one message would be a bug in the library: make it visible.
    if (!outcomes_.emplace(log_id, accepted).second) {
      fmt::print(stderr, "second outcome for {}\n", log_id);
      duplicate_ = true;
    }
  }

  examples::Condition& progress_;
  std::map<std::string, bool> outcomes_;
  std::map<std::string, std::size_t> receipts_by_message_;
  std::size_t receipts_ = 0;
  bool duplicate_ = false;
  const std::string unknown_ = "(unknown)";
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seconds = 10;
  const auto options = examples::parse_options(
      argc, argv,
      {examples::uint_flag("--seconds", "S",
                           "give up waiting for outcomes and receipts after S seconds (default 10)",
                           seconds, 1, 3600)});

  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "smppclient1";
    config.password = "password";
    config.client_id = "long-message-example";
    config.log_level = aiosmpp::LogLevel::warning;

    examples::Condition progress(io.get_executor());
    auto hook = std::make_shared<LongMessageHook>(progress);
    aiosmpp::Esme esme(io.get_executor(), config, {.hook = hook});
    co_await esme.connect();

    struct Variant {
      std::string_view name;
      std::string_view text;
      aiosmpp::TextEncoding encoding;
      aiosmpp::LongMessageMode mode;
    };
    const std::vector<Variant> variants{
        {"gsm/udh", gsm_text, aiosmpp::TextEncoding::gsm7, aiosmpp::LongMessageMode::udh8},
        {"gsm/sar", gsm_text, aiosmpp::TextEncoding::gsm7, aiosmpp::LongMessageMode::sar},
        {"gsm/payload", gsm_text, aiosmpp::TextEncoding::gsm7,
         aiosmpp::LongMessageMode::message_payload},
        {"ucs2/udh", ucs2_text, aiosmpp::TextEncoding::ucs2, aiosmpp::LongMessageMode::udh8},
        {"ucs2/sar", ucs2_text, aiosmpp::TextEncoding::ucs2, aiosmpp::LongMessageMode::sar},
        {"ucs2/payload", ucs2_text, aiosmpp::TextEncoding::ucs2,
         aiosmpp::LongMessageMode::message_payload},
    };

    std::vector<Planned> plan;
    for (const auto& v : variants) {
      aiosmpp::SubmitSm msg;
      msg.source = aiosmpp::PhoneNumber("254722111111");
      msg.destination = aiosmpp::PhoneNumber("254722999999");
      msg.text = aiosmpp::MessageText{
          .utf8 = std::string(v.text), .encoding = v.encoding, .long_message = v.mode};
      msg.tracking.log_id = std::string(v.name);

      // Rendering here is only to show (and count) what the Esme will send; the Esme renders the
      // enqueued text itself. An encoding error (a character GSM 03.38 lacks, with strict
      // errors) would surface here, naming the character and its position.
      const auto rendered = aiosmpp::text::render(msg);
      if (!rendered) {
        throw std::runtime_error(fmt::format("{}: {}", v.name, rendered.error().message));
      }
      const auto& first = rendered->front();
      const auto payload = first.tlvs.get<aiosmpp::tlv::MessagePayload>();
      fmt::print("plan {}: {} submit_sm, data_coding=0x{:02x}, first {} octets in {}\n", v.name,
                 rendered->size(), static_cast<unsigned>(first.data_coding),
                 payload ? payload->size() : first.short_message.size(),
                 payload ? "message_payload" : "short_message");
      plan.push_back({msg.tracking.log_id, rendered->size()});

      aiosmpp::Pdu pdu = std::move(msg);
      co_await esme.broker().enqueue(std::move(pdu));
    }
    std::fflush(stdout);

    bool finished = false;
    std::exception_ptr run_error;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      run_error = e;
      finished = true;
      progress.notify();
    });

    // Receipts are expected for the segments of accepted messages only.
    const auto expected_receipts = [&] {
      std::size_t n = 0;
      for (const auto& p : plan) {
        if (hook->accepted(p.log_id)) n += p.segments;
      }
      return n;
    };
    const bool complete = co_await progress.wait_until(examples::deadline_after(seconds), [&] {
      return finished ||
             (hook->outcomes() == plan.size() && hook->receipts() >= expected_receipts());
    });

    co_await esme.stop();
    co_await progress.wait_until(examples::Condition::Clock::time_point::max(),
                                 [&] { return finished; });
    if (run_error) std::rethrow_exception(run_error);

    fmt::print("{} outcomes for {} messages, {} receipts of {} expected\n", hook->outcomes(),
               plan.size(), hook->receipts(), expected_receipts());
    if (!complete || hook->duplicate()) {
      throw std::runtime_error(
          fmt::format("incomplete after {} s: {} of {} outcomes, {} of {} receipts", seconds,
                      hook->outcomes(), plan.size(), hook->receipts(), expected_receipts()));
    }
  });
}
