#include "aiosmpp/esme/esme.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "esme/in_flight.hpp"

namespace aiosmpp {

std::string_view to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::closed:
      return "closed";
    case SessionState::connecting:
      return "connecting";
    case SessionState::bound:
      return "bound";
    case SessionState::unbinding:
      return "unbinding";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;
using detail::use_nothrow_awaitable;

// A single write stays within this, so both peers keep working at once (performance.md §4).
constexpr std::size_t max_write_chunk = 32 * 1024;
// Messages taken from the broker per wake-up, at most (also bounded by the free window).
constexpr std::size_t max_batch = 512;

void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// Header-only PDUs (enquire_link, unbind, their responses, generic_nack, error responses) are
// written straight into the output buffer: they are fixed 16 octets.
void append_header(std::vector<std::uint8_t>& out, CommandId id, CommandStatus status,
                   std::uint32_t sequence_number, bool empty_message_id = false) {
  const std::size_t at = out.size();
  const std::uint32_t length = empty_message_id ? 17 : 16;
  out.resize(at + length);
  std::uint8_t* p = out.data() + at;
  put_u32(p, length);
  put_u32(p + 4, static_cast<std::uint32_t>(id));
  put_u32(p + 8, static_cast<std::uint32_t>(status));
  put_u32(p + 12, sequence_number);
  if (empty_message_id) p[16] = 0;
}

bool is_sendable_request(CommandId id) noexcept {
  switch (id) {
    case CommandId::submit_sm:
    case CommandId::submit_multi:
    case CommandId::data_sm:
    case CommandId::query_sm:
    case CommandId::cancel_sm:
    case CommandId::replace_sm:
      return true;
    default:
      return false;
  }
}

// Whether a successful response to `request` should be remembered for its delivery receipt: the
// request asked for one and carries a handle worth correlating (without one the receipt reaches
// the hook all the same, and remembering nothing keeps memory flat).
bool wants_receipt(const Pdu& request) noexcept {
  const Tracking& t = tracking_of(request);
  if (t.log_id.empty() && t.extra_data.empty()) return false;
  if (const auto* s = std::get_if<SubmitSm>(&request)) {
    return receipt_request(s->registered_delivery) != RegisteredDelivery::none;
  }
  if (const auto* s = std::get_if<SubmitMulti>(&request)) {
    return receipt_request(s->registered_delivery) != RegisteredDelivery::none;
  }
  if (const auto* s = std::get_if<DataSm>(&request)) {
    return receipt_request(s->registered_delivery) != RegisteredDelivery::none;
  }
  return false;
}

// The value after `key` in a receipt's text ("id:1234 sub:001 ... stat:DELIVRD ..."), up to the
// next space; SMSCs vary the letter case of the keys.
std::string_view receipt_field(std::string_view text, std::string_view key) noexcept {
  if (text.size() < key.size()) return {};
  for (std::size_t i = 0; i + key.size() <= text.size(); ++i) {
    if (i > 0 && text[i - 1] != ' ') continue;
    bool match = true;
    for (std::size_t k = 0; k < key.size(); ++k) {
      char c = text[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != key[k]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    std::size_t end = text.find(' ', i + key.size());
    if (end == std::string_view::npos) end = text.size();
    return text.substr(i + key.size(), end - i - key.size());
  }
  return {};
}

struct ReceiptInfo {
  std::string_view message_id;
  bool final_state = true;
};

// A deliver_sm/data_sm that is a delivery receipt (esm_class message type, §5.2.12): which
// message it reports on, and whether that state is final. The receipted_message_id TLV is
// preferred; the text's "id:" is the SMSC convention (Appendix B) otherwise.
template <class View>
std::optional<ReceiptInfo> receipt_of(const View& v) {
  const auto type = message_type(v.esm_class);
  if (type != EsmClass::delivery_receipt && type != EsmClass::intermediate_notification) {
    return std::nullopt;
  }
  ReceiptInfo info;
  std::string_view text;
  if constexpr (requires { v.short_message; }) text = v.short_message;
  if (text.empty()) {
    if (auto payload = v.tlvs.template get<tlv::MessagePayload>()) {
      text = std::string_view(reinterpret_cast<const char*>(payload->data()), payload->size());
    }
  }
  if (auto id = v.tlvs.template get<tlv::ReceiptedMessageId>()) {
    info.message_id = *id;
  } else {
    info.message_id = receipt_field(text, "id:");
  }
  if (info.message_id.empty()) return std::nullopt;
  if (type == EsmClass::intermediate_notification) {
    info.final_state = false;
  } else if (auto state = v.tlvs.template get<tlv::MessageState>()) {
    const auto s = static_cast<MessageState>(*state);
    info.final_state =
        s != MessageState::enroute && s != MessageState::accepted && s != MessageState::scheduled;
  } else {
    const auto stat = receipt_field(text, "stat:");
    info.final_state = !(stat == "ENROUTE" || stat == "ACCEPTD" || stat == "enroute" ||
                         stat == "acceptd" || stat == "ACCEPTED");
  }
  return info;
}

std::error_code transport_error(const std::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe) {
    return errc::connection_closed;
  }
  return ec;
}

}  // namespace

namespace detail {

struct SegmentGroup {
  Pdu original;  // as enqueued (with its text and tracking)
  std::size_t total = 0;
  std::size_t remaining = 0;
  std::size_t accepted = 0;
  std::optional<Pdu> error_response;
  std::optional<Pdu> last_response;
  std::optional<SendError> failure;
};

}  // namespace detail

struct Esme::Impl {
  Impl(asio::any_io_executor executor, EsmeConfig config, Components components);

  // --- API ---
  asio::awaitable<std::error_code> connect_and_bind();
  asio::awaitable<void> start();
  asio::awaitable<void> stop();

  // --- steps ---
  asio::awaitable<std::error_code> bind_exchange();
  asio::awaitable<std::error_code> run_session();
  asio::awaitable<std::error_code> reader();
  asio::awaitable<std::error_code> writer();
  asio::awaitable<std::error_code> pump();
  asio::awaitable<std::error_code> keepalive();
  asio::awaitable<std::error_code> sweeper();
  asio::awaitable<std::error_code> housekeeper();
  void wake_housekeeper(Clock::time_point due);
  asio::awaitable<void> expire_partials(Clock::time_point now);
  asio::awaitable<std::error_code> drain_and_unbind();
  std::vector<std::pair<Pdu, SendError>> prepare_batch();
  bool try_rate(std::size_t n) noexcept;
  asio::awaitable<std::optional<SendError>> acquire_rate(std::size_t n);
  asio::awaitable<std::pair<std::error_code, std::string>> guarded_limit(std::size_t n);
  asio::awaitable<void> unit_failed(const Pdu& message,
                                    const std::shared_ptr<detail::SegmentGroup>& group,
                                    const SendError& error);
  asio::awaitable<void> segment_done(const std::shared_ptr<detail::SegmentGroup>& group,
                                     Pdu* response, const SendError* error,
                                     std::span<const std::uint8_t> bytes);
  bool handle_fast(std::span<const std::uint8_t> bytes);
  void flush_throttle_counts();
  asio::awaitable<void> handle_pdu(std::span<const std::uint8_t> bytes);
  asio::awaitable<void> handle_response(const PduView& view, std::span<const std::uint8_t> bytes);
  asio::awaitable<void> handle_request(const PduView& view, std::span<const std::uint8_t> bytes);
  asio::awaitable<void> handle_malformed(const CodecError& error,
                                         std::span<const std::uint8_t> bytes);
  asio::awaitable<void> fail_all(std::error_code ec);
  asio::awaitable<void> report_error(const Pdu& message, SendError error);
  asio::awaitable<void> report_received(const Pdu* message, std::span<const std::uint8_t> bytes);
  asio::awaitable<void> sleep_for(asio::steady_timer& timer, Clock::duration d);
  asio::awaitable<void> wait_cv(asio::steady_timer& timer);
  void end_session(std::error_code ec);
  void wake_writer();
  void wake_pump();
  void close_socket();

  asio::any_io_executor ex_;
  EsmeConfig cfg_;
  std::shared_ptr<Broker> broker_;
  std::shared_ptr<Correlator> correlator_;
  std::shared_ptr<Hook> hook_;
  std::shared_ptr<RateLimiter> rate_limiter_;
  std::shared_ptr<ThrottleHandler> throttle_;
  std::shared_ptr<RetryTimer> retry_;
  std::shared_ptr<SequenceGenerator> sequence_;
  Logger log_;
  std::string client_id_;
  HookInterest interests_ = HookInterest::all;
  EsmeStats stats_;
  SessionState state_ = SessionState::closed;

  tcp::socket socket_;
  Framer framer_;
  bool bound_ = false;
  CommandStatus last_bind_status_ = CommandStatus::ok;

  // Session.
  std::vector<std::uint8_t> out_;      // queued for the writer
  std::vector<std::uint8_t> writing_;  // being written
  std::vector<std::uint8_t> stage_;    // a batch's encodings while `sending` hooks look at them
  std::uint64_t queued_total_ = 0;     // octets ever appended to out_ this session
  std::uint64_t written_total_ = 0;    // octets written this session
  detail::InFlightTable in_flight_;
  std::vector<Pdu> batch_;  // wire PDUs from the broker's messages; [batch_pos_, end) unregistered
  std::vector<std::shared_ptr<detail::SegmentGroup>> batch_groups_;  // parallel to batch_
  std::size_t batch_pos_ = 0;
  std::shared_ptr<const text::CodecRegistry> codecs_;
  text::RenderOptions render_options_;
  text::DeliverSmReassembler reassembler_;
  std::vector<std::uint32_t> sequence_numbers_;
  std::vector<std::uint32_t> batch_slots_;
  std::vector<std::uint64_t> batch_ends_;

  // Timers used as condition variables: a waiter sets its flag and waits; a waker cancels.
  asio::steady_timer writer_cv_;
  asio::steady_timer pump_cv_;
  asio::steady_timer sweep_cv_;
  asio::steady_timer housekeeping_cv_;
  asio::steady_timer keepalive_timer_;
  asio::steady_timer stop_cv_;  // cancelled by stop(): ends back-off and connect waits
  asio::steady_timer done_cv_;  // cancelled when start() returns: wakes stop()
  bool writer_waiting_ = false;
  bool pump_waiting_ = false;
  bool sweep_idle_ = false;
  bool housekeeper_waiting_ = false;
  Clock::time_point housekeeping_at_{};  // when the waiting housekeeper wakes (max: nothing due)

  bool session_ending_ = false;
  // An enquire_link awaits its answer: the reader wakes keepalive() on the next read, so that
  // the next one is due a full interval after that read, whatever socket_timeout is.
  bool enquire_pending_ = false;
  std::error_code session_error_;
  bool peer_unbound_ = false;
  bool unbind_done_ = false;
  std::uint32_t unbind_sequence_ = 0;
  Clock::time_point last_read_{};
  std::size_t throttled_pending_ = 0;  // response statuses counted per read, reported at once
  std::size_t not_throttled_pending_ = 0;
  bool running_ = false;
  bool stopping_ = false;
};

namespace {

Logger make_logger(const EsmeConfig& cfg, const std::shared_ptr<Logger>& given,
                   const std::string& client_id) {
  LogMetadata meta = given ? given->metadata() : LogMetadata{};
  meta.set({"client_id", client_id});
  meta.set({"smsc_host", cfg.smsc_host});
  meta.set({"system_id", cfg.system_id});
  for (const auto& f : cfg.log_metadata.fields())
    meta.set(f);
  if (given) {
    if (!given->sink()) return Logger{};
    return Logger(given->sink(), given->level(), std::move(meta));
  }
  return Logger(std::make_shared<JsonLinesSink>(stderr), cfg.log_level, std::move(meta));
}

}  // namespace

Esme::Impl::Impl(asio::any_io_executor executor, EsmeConfig config, Components c)
    : ex_(std::move(executor)),
      cfg_(std::move(config)),
      socket_(ex_),
      framer_(cfg_.max_pdu_size, 64 * 1024),
      in_flight_(cfg_.window),
      writer_cv_(ex_),
      pump_cv_(ex_),
      sweep_cv_(ex_),
      housekeeping_cv_(ex_),
      keepalive_timer_(ex_),
      stop_cv_(ex_),
      done_cv_(ex_) {
  validate(cfg_);
  client_id_ = cfg_.client_id.empty()
                   ? fmt::format("{}@{}:{}", cfg_.system_id, cfg_.smsc_host, cfg_.smsc_port)
                   : cfg_.client_id;
  log_ = make_logger(cfg_, c.logger, client_id_);
  broker_ = c.broker ? std::move(c.broker) : std::make_shared<SimpleBroker>(ex_);
  correlator_ = c.correlator ? std::move(c.correlator) : std::make_shared<SimpleCorrelator>();
  hook_ = c.hook ? std::move(c.hook) : std::make_shared<SimpleHook>(log_);
  rate_limiter_ = std::move(c.rate_limiter);
  throttle_ = c.throttle_handler
                  ? std::move(c.throttle_handler)
                  : std::make_shared<SimpleThrottleHandler>(SimpleThrottleHandler::Options{}, log_);
  retry_ = c.retry_timer ? std::move(c.retry_timer) : std::make_shared<ExponentialBackoff>();
  sequence_ = c.sequence_generator ? std::move(c.sequence_generator)
                                   : std::make_shared<SimpleSequenceGenerator>();
  batch_.reserve(max_batch);
  codecs_ = std::move(c.codecs);
  render_options_.registry = codecs_.get();
  text::TextDecodeOptions decode_options;
  decode_options.registry = codecs_.get();
  reassembler_ = text::DeliverSmReassembler(
      text::DeliverSmReassembler::Inner::Config{cfg_.reassembly_timeout, 10000}, decode_options);
  out_.reserve(max_write_chunk);
  writing_.reserve(max_write_chunk);
  done_cv_.expires_at(Clock::time_point::max());
  stop_cv_.expires_at(Clock::time_point::max());
}

// ---------------------------------------------------------------------------------------------
// Small pieces.

asio::awaitable<void> Esme::Impl::wait_cv(asio::steady_timer& timer) {
  timer.expires_at(Clock::time_point::max());
  co_await timer.async_wait(use_nothrow_awaitable);
}

asio::awaitable<void> Esme::Impl::sleep_for(asio::steady_timer& timer, Clock::duration d) {
  timer.expires_after(d);
  co_await timer.async_wait(use_nothrow_awaitable);
}

void Esme::Impl::wake_writer() {
  if (writer_waiting_) {
    writer_waiting_ = false;
    writer_cv_.cancel();
  }
}

void Esme::Impl::wake_pump() {
  if (pump_waiting_) {
    pump_waiting_ = false;
    pump_cv_.cancel();
  }
}

void Esme::Impl::close_socket() {
  std::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

void Esme::Impl::end_session(std::error_code ec) {
  if (session_ending_) return;
  session_ending_ = true;
  session_error_ = ec;
  close_socket();
  writer_cv_.cancel();
  pump_cv_.cancel();
  sweep_cv_.cancel();
  housekeeping_cv_.cancel();
  keepalive_timer_.cancel();
  writer_waiting_ = pump_waiting_ = sweep_idle_ = housekeeper_waiting_ = false;
}

asio::awaitable<void> Esme::Impl::report_error(const Pdu& message, SendError error) {
  ++stats_.send_errors;
  AIOSMPP_LOG(log_, LogLevel::debug, "send_error",
              {"command", command_name(command_id_of(message))},
              {"log_id", tracking_of(message).log_id}, {"kind", to_string(error.kind)},
              {"error", error.code.message()}, {"detail", error.detail});
  if (!has_interest(interests_, HookInterest::send_error)) co_return;
  try {
    co_await hook_->send_error(message, error, client_id_);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "send_error"},
                {"error", e.what()});
  }
}

asio::awaitable<void> Esme::Impl::report_received(const Pdu* message,
                                                  std::span<const std::uint8_t> bytes) {
  if (!has_interest(interests_, HookInterest::received)) co_return;
  try {
    co_await hook_->received(message, bytes, client_id_);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "received"}, {"error", e.what()});
  }
}

// ---------------------------------------------------------------------------------------------
// Connect and bind.

asio::awaitable<std::error_code> Esme::Impl::bind_exchange() {
  const std::uint32_t seq = sequence_->next();
  std::vector<std::uint8_t> bytes;
  auto fill = [&](auto bind) -> Result<void> {
    bind.header.sequence_number = seq;
    bind.system_id = cfg_.system_id;
    bind.password = cfg_.password;
    bind.system_type = cfg_.system_type;
    bind.address_range = PhoneNumber(cfg_.address_range, cfg_.addr_ton, cfg_.addr_npi);
    return encode(bind, bytes);
  };
  Result<void> encoded;
  CommandId bind_id = CommandId::bind_transceiver;
  switch (cfg_.bind_mode) {
    case BindMode::transmitter:
      encoded = fill(BindTransmitter{});
      bind_id = CommandId::bind_transmitter;
      break;
    case BindMode::receiver:
      encoded = fill(BindReceiver{});
      bind_id = CommandId::bind_receiver;
      break;
    case BindMode::transceiver:
      encoded = fill(BindTransceiver{});
      break;
  }
  if (!encoded) co_return encoded.error().code();
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_sent", {"command", command_name(bind_id)},
              {"sequence_number", seq});
  auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(bytes), use_nothrow_awaitable);
  (void)wn;
  if (wec) co_return transport_error(wec);

  for (;;) {
    auto pdu = framer_.next();
    if (!pdu) co_return pdu.error().code();
    if (pdu->empty()) {
      auto buf = framer_.prepare();
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                      use_nothrow_awaitable);
      if (ec) co_return transport_error(ec);
      framer_.commit(n);
      continue;
    }
    auto header = read_header(*pdu);
    if (!header) continue;
    if (header->command_id == response_id(bind_id) ||
        header->command_id == CommandId::generic_nack) {
      if (header->sequence_number != seq) continue;
      last_bind_status_ = header->command_status;
      if (header->command_status != CommandStatus::ok) co_return header->command_status;
      co_return std::error_code{};
    }
    if (header->command_id == CommandId::enquire_link) {
      // Some SMSCs probe before answering the bind; answering keeps them from dropping us.
      std::vector<std::uint8_t> resp;
      append_header(resp, CommandId::enquire_link_resp, CommandStatus::ok, header->sequence_number);
      auto [ec2, n2] =
          co_await asio::async_write(socket_, asio::buffer(resp), use_nothrow_awaitable);
      (void)n2;
      if (ec2) co_return transport_error(ec2);
      continue;
    }
    AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu_before_bind",
                {"command", command_name(header->command_id)},
                {"sequence_number", header->sequence_number});
  }
}

asio::awaitable<std::error_code> Esme::Impl::connect_and_bind() {
  using namespace detail::awaitable_operators;
  if (bound_) co_return std::error_code{};
  state_ = SessionState::connecting;
  last_bind_status_ = CommandStatus::ok;
  close_socket();
  framer_.reset();
  AIOSMPP_LOG(log_, LogLevel::info, "connecting", {"port", cfg_.smsc_port},
              {"bind_mode", to_string(cfg_.bind_mode)});

  asio::steady_timer timer(ex_);
  std::error_code ec;
  {
    tcp::resolver resolver(ex_);
    timer.expires_after(cfg_.socket_timeout);
    const std::string port = std::to_string(cfg_.smsc_port);
    auto r = co_await (resolver.async_resolve(cfg_.smsc_host, port, use_nothrow_awaitable) ||
                       timer.async_wait(use_nothrow_awaitable) ||
                       stop_cv_.async_wait(use_nothrow_awaitable));
    if (r.index() != 0) {
      ec = r.index() == 1 ? std::error_code(asio::error::timed_out) : errc::stopped;
    } else {
      auto& [rec, results] = std::get<0>(r);
      if (rec) {
        ec = rec;
      } else {
        auto c = co_await (asio::async_connect(socket_, results, use_nothrow_awaitable) ||
                           timer.async_wait(use_nothrow_awaitable) ||
                           stop_cv_.async_wait(use_nothrow_awaitable));
        if (c.index() != 0) {
          ec = c.index() == 1 ? std::error_code(asio::error::timed_out) : errc::stopped;
        } else {
          ec = std::get<0>(std::get<0>(c));
        }
      }
    }
  }
  if (!ec) {
    std::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    timer.expires_after(cfg_.socket_timeout);
    auto b = co_await (bind_exchange() || timer.async_wait(use_nothrow_awaitable) ||
                       stop_cv_.async_wait(use_nothrow_awaitable));
    if (b.index() == 0) {
      ec = std::get<0>(b);
    } else {
      ec = b.index() == 1 ? std::error_code(errc::response_timeout) : errc::stopped;
    }
  }
  if (ec) {
    close_socket();
    state_ = SessionState::closed;
    if (ec.category() == make_error_code(CommandStatus::ok).category()) {
      AIOSMPP_LOG(log_, LogLevel::error, "bind_rejected", {"error", ec.message()});
    } else {
      AIOSMPP_LOG(log_, LogLevel::error, "connect_failed", {"error", ec.message()});
    }
    co_return ec;
  }
  bound_ = true;
  state_ = SessionState::bound;
  ++stats_.connects;
  interests_ = hook_->interests();
  AIOSMPP_LOG(log_, LogLevel::info, "bound", {"bind_mode", to_string(cfg_.bind_mode)},
              {"window", cfg_.window});
  co_return std::error_code{};
}

// ---------------------------------------------------------------------------------------------
// The session: five coroutines that never throw (except on hard cancellation). The first to end
// calls end_session(), which closes the socket and wakes every wait; the others then return.

asio::awaitable<std::error_code> Esme::Impl::run_session() {
  using namespace detail::awaitable_operators;
  session_ending_ = false;
  session_error_ = {};
  peer_unbound_ = false;
  unbind_done_ = false;
  unbind_sequence_ = 0;
  out_.clear();
  writing_.clear();
  queued_total_ = written_total_ = 0;
  last_read_ = Clock::now();
  enquire_pending_ = false;
  co_await (reader() && writer() && pump() && keepalive() && sweeper() && housekeeper());
  co_return session_error_;
}

asio::awaitable<std::error_code> Esme::Impl::reader() {
  for (;;) {
    // PDUs already buffered (right after the bind response, or from the last read) first.
    for (;;) {
      if (session_ending_ || peer_unbound_) co_return std::error_code{};
      auto pdu = framer_.next();
      if (!pdu) {
        const CodecError& e = pdu.error();
        AIOSMPP_LOG(log_, LogLevel::error, "framing_error", {"error", e.message()});
        // The stream has lost its framing: nack (§ generic_nack) and drop the connection.
        append_header(out_, CommandId::generic_nack, e.status,
                      e.sequence_known ? e.sequence_number : 0);
        queued_total_ += 16;
        wake_writer();
        peer_unbound_ = true;  // the writer ends the session once the nack is out
        co_return std::error_code{};
      }
      if (pdu->empty()) break;
      if (!handle_fast(*pdu)) co_await handle_pdu(*pdu);
    }
    flush_throttle_counts();
    auto buf = framer_.prepare();
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                    use_nothrow_awaitable);
    if (session_ending_) co_return std::error_code{};
    if (ec) {
      const auto err = transport_error(ec);
      AIOSMPP_LOG(log_, LogLevel::warning, "connection_lost", {"error", err.message()});
      end_session(err);
      co_return err;
    }
    framer_.commit(n);
    last_read_ = Clock::now();
    if (enquire_pending_) {
      enquire_pending_ = false;
      keepalive_timer_.cancel();
    }
  }
}

void Esme::Impl::flush_throttle_counts() {
  if (throttled_pending_ + not_throttled_pending_ == 0) return;
  throttle_->record_responses(throttled_pending_, not_throttled_pending_);
  throttled_pending_ = not_throttled_pending_ = 0;
}

// The common PDUs handled without a coroutine frame: a well-formed response to a request in
// flight that needs neither a hook call nor the correlator, enquire_link and its response.
// Anything else (or anything odd about these) goes the general way, handle_pdu().
bool Esme::Impl::handle_fast(std::span<const std::uint8_t> bytes) {
  const auto h = read_header(bytes);
  if (!h) return false;
  const CommandId id = h->command_id;
  if (id == CommandId::enquire_link_resp || id == CommandId::enquire_link) {
    if (bytes.size() != pdu_header_size) return false;
    AIOSMPP_LOG(log_, LogLevel::trace, "pdu_received", {"command", command_name(id)},
                {"sequence_number", h->sequence_number});
    if (id == CommandId::enquire_link) {
      append_header(out_, CommandId::enquire_link_resp, CommandStatus::ok, h->sequence_number);
      queued_total_ += pdu_header_size;
      wake_writer();
    }
    return true;
  }
  if (!is_response(id) || id == CommandId::generic_nack) return false;
  const std::uint32_t slot = in_flight_.find(h->sequence_number);
  if (slot == detail::InFlightTable::npos) return false;
  const Pdu& request = in_flight_.at(slot).message;
  if (in_flight_.at(slot).group) return false;
  if (id != response_id(command_id_of(request))) return false;
  if (has_interest(interests_, HookInterest::received)) return false;
  if (h->command_status == CommandStatus::ok && wants_receipt(request)) return false;
  if (!decode_view(bytes, DecodeOptions{cfg_.max_pdu_size})) return false;
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_received", {"command", command_name(id)},
              {"command_status", static_cast<std::uint32_t>(h->command_status)},
              {"sequence_number", h->sequence_number});
  in_flight_.release(slot);
  ++stats_.responses;
  stats_.in_flight = in_flight_.size();
  if (ThrottleHandler::is_throttling_status(static_cast<std::uint32_t>(h->command_status))) {
    ++throttled_pending_;
  } else {
    ++not_throttled_pending_;
  }
  wake_pump();
  return true;
}

asio::awaitable<void> Esme::Impl::handle_pdu(std::span<const std::uint8_t> bytes) {
  auto decoded = decode_view(bytes, DecodeOptions{cfg_.max_pdu_size});
  if (!decoded) {
    co_await handle_malformed(decoded.error(), bytes);
    co_return;
  }
  const PduView& view = *decoded;
  const CommandId id = command_id_of(view);
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_received", {"command", command_name(id)},
              {"command_status", static_cast<std::uint32_t>(header_of(view).command_status)},
              {"sequence_number", header_of(view).sequence_number});
  if (is_response(id)) {
    co_await handle_response(view, bytes);
  } else {
    co_await handle_request(view, bytes);
  }
}

asio::awaitable<void> Esme::Impl::handle_malformed(const CodecError& error,
                                                   std::span<const std::uint8_t> bytes) {
  AIOSMPP_LOG(log_, LogLevel::warning, "malformed_pdu", {"error", error.message()},
              {"command_status", static_cast<std::uint32_t>(error.status)});
  co_await report_received(nullptr, bytes);
  const auto header = read_header(bytes);
  if (!header) co_return;
  if (is_response(header->command_id)) {
    // A response we cannot read still answers its request: the SMSC may or may not have taken it.
    const std::uint32_t slot = in_flight_.find(header->sequence_number);
    if (slot == detail::InFlightTable::npos) co_return;
    auto group = std::move(in_flight_.at(slot).group);
    Pdu message = in_flight_.take(slot);
    stats_.in_flight = in_flight_.size();
    wake_pump();
    // Named, not a temporary in the co_await expression: g++ 12 destroys such temporaries twice.
    SendError failure{SendError::Kind::outcome_unknown, error.code(),
                      fmt::format("undecodable response: {}", error)};
    co_await unit_failed(message, group, failure);
    co_return;
  }
  // A request: its own _resp with the status the codec chose, or generic_nack when the command
  // itself is unknown or the length is wrong (reference §generic_nack). Never answered: outbind,
  // alert_notification (no response exists).
  if (error.status == CommandStatus::invalid_command_id ||
      error.status == CommandStatus::invalid_command_length || !is_known(header->command_id)) {
    append_header(out_, CommandId::generic_nack, error.status, header->sequence_number);
    queued_total_ += 16;
  } else if (response_id(header->command_id) != CommandId::generic_nack) {
    append_header(out_, response_id(header->command_id), error.status, header->sequence_number);
    queued_total_ += 16;
  }
  wake_writer();
}

asio::awaitable<void> Esme::Impl::handle_response(const PduView& view,
                                                  std::span<const std::uint8_t> bytes) {
  const CommandId id = command_id_of(view);
  const PduHeader& header = header_of(view);
  if (id == CommandId::enquire_link_resp) co_return;  // last_read_ already says the link lives
  if (id == CommandId::unbind_resp || (id == CommandId::generic_nack && unbind_sequence_ != 0 &&
                                       header.sequence_number == unbind_sequence_)) {
    if (header.sequence_number == unbind_sequence_) {
      unbind_done_ = true;
      wake_pump();
    }
    co_return;
  }
  const std::uint32_t slot = in_flight_.find(header.sequence_number);
  if (slot == detail::InFlightTable::npos) {
    // After a timeout (or for a request we never sent): dropped, never matched to a newer one.
    ++stats_.late_responses;
    AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_response", {"command", command_name(id)},
                {"sequence_number", header.sequence_number},
                {"command_status", static_cast<std::uint32_t>(header.command_status)});
    co_return;
  }
  const CommandId request_id = command_id_of(in_flight_.at(slot).message);
  if (id != response_id(request_id) && id != CommandId::generic_nack) {
    AIOSMPP_LOG(log_, LogLevel::warning, "mismatched_response", {"command", command_name(id)},
                {"request", command_name(request_id)}, {"sequence_number", header.sequence_number});
  }
  auto group = std::move(in_flight_.at(slot).group);
  Pdu request = in_flight_.take(slot);
  if (!group) ++stats_.responses;
  stats_.in_flight = in_flight_.size();
  if (ThrottleHandler::is_throttling_status(static_cast<std::uint32_t>(header.command_status))) {
    ++throttled_pending_;
  } else {
    ++not_throttled_pending_;
  }
  wake_pump();

  const bool remember = header.command_status == CommandStatus::ok && wants_receipt(request);
  if (!group && !remember && !has_interest(interests_, HookInterest::received)) co_return;
  Pdu response = to_owning(view);
  if (remember) {
    std::string_view message_id;
    std::visit(
        [&](const auto& r) {
          if constexpr (requires { r.message_id; }) message_id = r.message_id;
        },
        response);
    if (!message_id.empty()) {
      try {
        std::string key(message_id);
        Tracking tracking = tracking_of(request);
        co_await correlator_->put_delivery(std::move(key), std::move(tracking));
        wake_housekeeper(Clock::time_point::max());  // if idle: this entry is now due some day
      } catch (const std::exception& e) {
        AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "put_delivery"},
                    {"error", e.what()});
      }
    }
  }
  if (group) {
    co_await segment_done(group, &response, nullptr, bytes);
    co_return;
  }
  tracking_of(response) = std::move(tracking_of(request));
  co_await report_received(&response, bytes);
}

asio::awaitable<void> Esme::Impl::handle_request(const PduView& view,
                                                 std::span<const std::uint8_t> bytes) {
  const CommandId id = command_id_of(view);
  const std::uint32_t seq = header_of(view).sequence_number;
  switch (id) {
    case CommandId::enquire_link:
      append_header(out_, CommandId::enquire_link_resp, CommandStatus::ok, seq);
      queued_total_ += 16;
      wake_writer();
      co_return;
    case CommandId::unbind:
      AIOSMPP_LOG(log_, LogLevel::info, "unbind_received");
      append_header(out_, CommandId::unbind_resp, CommandStatus::ok, seq);
      queued_total_ += 16;
      peer_unbound_ = true;  // the writer ends the session once unbind_resp is out
      wake_writer();
      wake_pump();
      co_return;
    case CommandId::deliver_sm:
    case CommandId::data_sm: {
      ++stats_.received;
      if (cfg_.bind_mode == BindMode::transmitter) {
        // §2.3: a transmitter cannot be delivered to.
        append_header(out_, response_id(id), CommandStatus::invalid_bind_status, seq);
        queued_total_ += 16;
        wake_writer();
        co_return;
      }
      std::optional<ReceiptInfo> receipt;
      std::visit(
          [&](const auto& v) {
            using V = std::remove_cvref_t<decltype(v)>;
            if constexpr (std::is_same_v<V, DeliverSmView> || std::is_same_v<V, DataSmView>) {
              receipt = receipt_of(v);
            }
          },
          view);
      if (receipt || has_interest(interests_, HookInterest::received)) {
        Pdu message = to_owning(view);
        if (receipt) {
          try {
            auto t = co_await correlator_->get_delivery(receipt->message_id, receipt->final_state);
            if (t) tracking_of(message) = std::move(*t);
          } catch (const std::exception& e) {
            AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "get_delivery"},
                        {"error", e.what()});
          }
        }
        auto* deliver = std::get_if<DeliverSm>(&message);
        if (!receipt && deliver != nullptr && text::part_info(*deliver)) {
          // One part of a segmented message: the hook gets the whole message once the last part
          // is in (parts may come in any order; duplicates are ignored).
          const auto now = Clock::now();
          auto whole = reassembler_.add(std::move(*deliver), now);
          if (!whole) {
            AIOSMPP_LOG(log_, LogLevel::error, "reassembly_failed",
                        {"error", whole.error().message});
          } else if (*whole) {
            Pdu complete = std::move((*whole)->message);
            co_await report_received(&complete, bytes);
          }
          // Partial messages expire on the housekeeper's timer, not on later arrivals.
          if (reassembler_.pending() > 0) wake_housekeeper(now + cfg_.reassembly_timeout);
        } else {
          // Answered only after the hook has it, so a hook that stores it loses nothing.
          co_await report_received(&message, bytes);
        }
      }
      append_header(out_, response_id(id), CommandStatus::ok, seq, true);
      queued_total_ += 17;
      wake_writer();
      co_return;
    }
    case CommandId::alert_notification:
      ++stats_.received;
      if (has_interest(interests_, HookInterest::received)) {
        Pdu message = to_owning(view);
        co_await report_received(&message, bytes);
      }
      co_return;
    case CommandId::outbind:
      AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu", {"command", "outbind"});
      co_return;
    default:
      // A request an SMSC may not send to a bound ESME (submit_sm, bind, ...): §2.3 wrong state.
      AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu", {"command", command_name(id)},
                  {"sequence_number", seq});
      append_header(out_, response_id(id), CommandStatus::invalid_bind_status, seq);
      queued_total_ += 16;
      wake_writer();
      co_return;
  }
}

asio::awaitable<std::error_code> Esme::Impl::writer() {
  for (;;) {
    if (session_ending_) co_return std::error_code{};
    if (out_.empty()) {
      if (peer_unbound_) {
        // Our last words (unbind_resp, generic_nack) are out: the session is over.
        end_session(errc::connection_closed);
        co_return std::error_code{};
      }
      writer_waiting_ = true;
      co_await wait_cv(writer_cv_);
      writer_waiting_ = false;
      continue;
    }
    std::swap(out_, writing_);
    std::size_t offset = 0;
    while (offset < writing_.size()) {
      const std::size_t chunk = std::min(max_write_chunk, writing_.size() - offset);
      auto [ec, n] = co_await asio::async_write(
          socket_, asio::buffer(writing_.data() + offset, chunk), use_nothrow_awaitable);
      written_total_ += n;
      offset += n;
      if (ec) {
        writing_.clear();
        if (session_ending_) co_return std::error_code{};
        const auto err = transport_error(ec);
        AIOSMPP_LOG(log_, LogLevel::warning, "connection_lost", {"error", err.message()});
        end_session(err);
        co_return err;
      }
    }
    writing_.clear();
  }
}

asio::awaitable<std::error_code> Esme::Impl::pump() {
  using namespace detail::awaitable_operators;
  const bool stage = has_interest(interests_, HookInterest::sending);
  for (;;) {
    if (session_ending_) co_return std::error_code{};
    if (stopping_) co_return co_await drain_and_unbind();
    if (peer_unbound_ || cfg_.bind_mode == BindMode::receiver) {
      pump_waiting_ = true;
      co_await wait_cv(pump_cv_);
      pump_waiting_ = false;
      continue;
    }
    const std::size_t free = in_flight_.capacity() - in_flight_.size();
    if (free == 0) {
      pump_waiting_ = true;
      co_await wait_cv(pump_cv_);
      pump_waiting_ = false;
      continue;
    }
    if (!throttle_->allow_request(Clock::now())) {
      pump_waiting_ = true;
      co_await sleep_for(pump_cv_, throttle_->throttle_delay());
      pump_waiting_ = false;
      continue;
    }

    // Take a batch when the last one is used up: without suspending when the broker has
    // messages, else wait for one (or for stop() / the end of the session, which cancel the
    // dequeue).
    if (batch_pos_ == batch_.size()) {
      batch_.clear();
      batch_groups_.clear();
      batch_pos_ = 0;
      const std::size_t want = std::min(free, max_batch);
      if (broker_->try_dequeue_batch(batch_, want) == 0) {
        pump_waiting_ = true;
        pump_cv_.expires_at(Clock::time_point::max());
        try {
          co_await (broker_->dequeue_batch(batch_, want) ||
                    pump_cv_.async_wait(use_nothrow_awaitable));
        } catch (const std::system_error& e) {
          if (e.code() != asio::error::operation_aborted) {
            AIOSMPP_LOG(log_, LogLevel::error, "broker_failed", {"error", e.what()});
          }
        }
        pump_waiting_ = false;
        if (batch_.empty()) continue;
      }
      stats_.taken += batch_.size();
      // Text becomes wire PDUs here, the one place the message layer plugs in.
      std::vector<std::pair<Pdu, SendError>> rejected = prepare_batch();
      for (auto& [m, e] : rejected)
        co_await report_error(m, std::move(e));

      if (rate_limiter_ && !batch_.empty() && !try_rate(batch_.size())) {
        std::optional<SendError> refused = co_await acquire_rate(batch_.size());
        if (refused) {
          // The limiter failed (not our stop): nothing of the batch goes out, and each message
          // gets its not_sent now, so fail_all cannot report it a second time.
          std::vector<Pdu> units = std::move(batch_);
          std::vector<std::shared_ptr<detail::SegmentGroup>> groups = std::move(batch_groups_);
          batch_.clear();
          batch_groups_.clear();
          batch_pos_ = 0;
          AIOSMPP_LOG(log_, LogLevel::error, "rate_limiter_failed", {"count", units.size()},
                      {"error", refused->code.message()}, {"detail", refused->detail});
          for (std::size_t i = 0; i < units.size(); ++i)
            co_await unit_failed(units[i], groups[i], *refused);
        }
      }
      // Taken but not yet registered: fail_all reports what is left in batch_ as not sent.
      continue;
    }

    // Encode back to back, register each before any byte is written (a fast response can then
    // never beat its registration), one clock read for the whole batch. At most `free` PDUs: a
    // long message's segments may take several rounds of the window.
    const auto now = Clock::now();
    const auto deadline = now + cfg_.response_timeout;
    const std::size_t n = std::min(free, batch_.size() - batch_pos_);
    sequence_numbers_.resize(n);
    sequence_->next_batch(sequence_numbers_);
    auto& buf = stage ? stage_ : out_;
    if (stage) stage_.clear();
    const std::size_t base = buf.size();
    const bool was_empty = in_flight_.empty();
    batch_slots_.clear();
    batch_ends_.clear();
    struct Rejected {
      Pdu message;
      std::shared_ptr<detail::SegmentGroup> group;
      SendError error;
    };
    std::vector<Rejected> invalid;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = batch_pos_ + k;
      Pdu& message = batch_[i];
      const CommandId id = command_id_of(message);
      header_of(message) = PduHeader{CommandStatus::ok, sequence_numbers_[k]};
      const std::size_t before = buf.size();
      if (auto r = encode(message, buf); !r) {
        invalid.push_back(
            {std::move(message), std::move(batch_groups_[i]),
             SendError{SendError::Kind::invalid_message, r.error().code(), r.error().message()}});
        continue;
      }
      const std::uint64_t end =
          stage ? std::numeric_limits<std::uint64_t>::max() : queued_total_ + (buf.size() - base);
      const std::uint32_t slot =
          in_flight_.insert(sequence_numbers_[k], deadline, end, message, batch_groups_[i]);
      if (slot == detail::InFlightTable::npos) {
        buf.resize(before);
        invalid.push_back({std::move(message), std::move(batch_groups_[i]),
                           SendError{SendError::Kind::invalid_message, errc::invalid_field,
                                     fmt::format("sequence_number {} is already in flight (the "
                                                 "SequenceGenerator repeated it)",
                                                 sequence_numbers_[k])}});
        continue;
      }
      batch_slots_.push_back(slot);
      batch_ends_.push_back(buf.size() - base);
      AIOSMPP_LOG(log_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
                  {"sequence_number", sequence_numbers_[k]},
                  {"log_id", tracking_of(in_flight_.at(slot).message).log_id});
    }
    batch_pos_ += n;
    stats_.in_flight = in_flight_.size();
    stats_.max_in_flight = std::max<std::uint64_t>(stats_.max_in_flight, in_flight_.size());
    if (!stage) {
      queued_total_ += buf.size() - base;
      wake_writer();
    }
    if (was_empty && !in_flight_.empty() && sweep_idle_) {
      sweep_idle_ = false;
      sweep_cv_.cancel();
    }
    for (auto& r : invalid)
      co_await unit_failed(r.message, r.group, r.error);
    if (stage) {
      std::size_t from = 0;
      for (std::size_t k = 0; k < batch_slots_.size(); ++k) {
        const std::size_t to = batch_ends_[k];
        try {
          co_await hook_->sending(in_flight_.at(batch_slots_[k]).message,
                                  std::span<const std::uint8_t>(stage_.data() + from, to - from),
                                  client_id_);
        } catch (const std::exception& e) {
          AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "sending"},
                      {"error", e.what()});
        }
        from = to;
        if (session_ending_) co_return std::error_code{};  // fail_all: never written, not sent
      }
      for (std::size_t k = 0; k < batch_slots_.size(); ++k) {
        in_flight_.at(batch_slots_[k]).end_offset = queued_total_ + batch_ends_[k];
      }
      out_.insert(out_.end(), stage_.begin(), stage_.end());
      queued_total_ += stage_.size();
      wake_writer();
    }
  }
}

namespace {

template <class T>
bool has_text(const T& pdu) {
  if constexpr (requires { pdu.text; }) {
    return pdu.text.has_value();
  } else {
    return false;
  }
}

}  // namespace

// The limiter's sans-io answer, without a coroutine frame: true when it granted `n` at once. A
// refusal, a deferral or an exception is left to acquire_rate(), which asks again.
bool Esme::Impl::try_rate(std::size_t n) noexcept {
  try {
    return rate_limiter_->try_acquire(n, Clock::now()) <= Clock::duration::zero();
  } catch (...) {
    return false;
  }
}

asio::awaitable<std::pair<std::error_code, std::string>> Esme::Impl::guarded_limit(std::size_t n) {
  try {
    const std::error_code ec = co_await rate_limiter_->limit(n);
    co_return std::pair{ec, ec.message()};
  } catch (const std::system_error& e) {
    co_return std::pair{e.code(), std::string(e.what())};
  } catch (const std::exception& e) {
    co_return std::pair{std::make_error_code(std::errc::io_error), std::string(e.what())};
  }
}

// Waits until the rate limiter grants `n` permits. nullopt: granted, or stop() / the end of the
// session interrupted the wait (the batch then stays in batch_ and fail_all reports it not_sent,
// as everything taken and unwritten at a stop). A SendError: the limiter itself failed (an error
// from limit(), or an exception), so the batch must not be sent.
asio::awaitable<std::optional<SendError>> Esme::Impl::acquire_rate(std::size_t n) {
  using namespace detail::awaitable_operators;
  auto failed = [&](std::error_code ec, std::string what) {
    return SendError{SendError::Kind::not_sent, ec,
                     fmt::format("rate limiter failed, nothing sent: {}", what)};
  };
  for (;;) {
    if (session_ending_ || stopping_) co_return std::nullopt;
    Clock::duration delay{};
    try {
      delay = rate_limiter_->try_acquire(n, Clock::now());
    } catch (const std::system_error& e) {
      co_return failed(e.code(), e.what());
    } catch (const std::exception& e) {
      co_return failed(std::make_error_code(std::errc::io_error), e.what());
    }
    if (delay <= Clock::duration::zero()) co_return std::nullopt;
    if (delay != RateLimiter::defer) {
      pump_waiting_ = true;
      co_await sleep_for(pump_cv_, delay);
      pump_waiting_ = false;
      continue;
    }
    // pump_waiting_ stays false, so responses do not interrupt limit(); stop() and end_session()
    // cancel pump_cv_ unconditionally, which cancels limit() (it then returns
    // operation_aborted and has taken nothing).
    pump_cv_.expires_at(Clock::time_point::max());
    // limit() runs inside a wrapper that turns an exception into a result: `||` waits for the
    // first branch that *succeeds*, so a throwing limit() would leave it waiting on pump_cv_.
    auto r = co_await (guarded_limit(n) || pump_cv_.async_wait(use_nothrow_awaitable));
    const bool woken = r.index() == 1;
    std::error_code ec;
    std::string what;
    if (!woken) std::tie(ec, what) = std::move(std::get<0>(r));
    // Our own stop, the end of the session or a hard cancellation of start(): the batch stays
    // and fail_all gives it its outcome.
    if (session_ending_ || stopping_) co_return std::nullopt;
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return std::nullopt;
    }
    if (woken) continue;
    if (!ec) co_return std::nullopt;
    co_return failed(ec, what);
  }
}

// Checks what the application enqueued and renders text into wire PDUs, in place in batch_:
// a message that renders to several segments becomes several entries sharing one SegmentGroup,
// so the application still gets one outcome for it. Returns the messages that cannot be sent
// (their outcome is invalid_message). Synchronous: nothing is lost if the session ends later.
std::vector<std::pair<Pdu, SendError>> Esme::Impl::prepare_batch() {
  std::vector<std::pair<Pdu, SendError>> rejected;
  bool any_text = false;
  bool all_sendable = true;
  for (const auto& m : batch_) {
    any_text = any_text || std::visit([](const auto& p) { return has_text(p); }, m);
    all_sendable = all_sendable && is_sendable_request(command_id_of(m));
  }
  batch_groups_.assign(batch_.size(), nullptr);
  if (!any_text && all_sendable) return rejected;  // the hot path: octets as given

  std::vector<Pdu> units;
  std::vector<std::shared_ptr<detail::SegmentGroup>> groups;
  units.reserve(batch_.size());
  for (auto& m : batch_) {
    const CommandId id = command_id_of(m);
    if (!is_sendable_request(id)) {
      SendError e{SendError::Kind::invalid_message, errc::invalid_field,
                  fmt::format("{} cannot be sent through the broker (submit_sm, submit_multi, "
                              "data_sm, query_sm, cancel_sm, replace_sm can)",
                              command_name(id))};
      rejected.emplace_back(std::move(m), std::move(e));
      continue;
    }
    std::vector<Pdu> rendered;
    std::optional<text::TextError> error;
    std::visit(
        [&](auto& p) {
          using T = std::remove_cvref_t<decltype(p)>;
          if constexpr (requires { p.text; }) {
            if (!p.text) return;
            if (p.text->encoding == TextEncoding::automatic &&
                cfg_.default_encoding != TextEncoding::automatic) {
              p.text->encoding = cfg_.default_encoding;
            }
            auto r = text::render(p, render_options_);
            if (!r) {
              error = r.error();
              return;
            }
            if constexpr (std::is_same_v<T, ReplaceSm>) {
              rendered.emplace_back(std::move(*r));
            } else {
              for (auto& segment : *r)
                rendered.emplace_back(std::move(segment));
            }
          }
        },
        m);
    if (error) {
      SendError e{SendError::Kind::invalid_message, errc::invalid_field, error->message};
      rejected.emplace_back(std::move(m), std::move(e));
      continue;
    }
    if (rendered.empty()) {  // no text: octets as given
      units.push_back(std::move(m));
      groups.push_back(nullptr);
      continue;
    }
    if (rendered.size() == 1) {
      units.push_back(std::move(rendered.front()));
      groups.push_back(nullptr);
      continue;
    }
    auto group = std::make_shared<detail::SegmentGroup>();
    group->total = group->remaining = rendered.size();
    group->original = std::move(m);
    for (auto& segment : rendered) {
      units.push_back(std::move(segment));
      groups.push_back(group);
    }
  }
  batch_ = std::move(units);
  batch_groups_ = std::move(groups);
  return rejected;
}

// One wire PDU failed: the message's outcome, or one segment's share of it.
asio::awaitable<void> Esme::Impl::unit_failed(const Pdu& message,
                                              const std::shared_ptr<detail::SegmentGroup>& group,
                                              const SendError& error) {
  if (!group) {
    co_await report_error(message, error);
    co_return;
  }
  co_await segment_done(group, nullptr, &error, {});
}

// One segment of a long message has its outcome; the last one gives the original message its
// single outcome: a send_error if any segment failed, else the first error response, else the
// last response (each with the original's tracking), as aiosmpplib's SegmentStatus does.
asio::awaitable<void> Esme::Impl::segment_done(const std::shared_ptr<detail::SegmentGroup>& g,
                                               Pdu* response, const SendError* error,
                                               std::span<const std::uint8_t> bytes) {
  if (g->remaining == 0) co_return;
  --g->remaining;
  if (response != nullptr) {
    if (header_of(*response).command_status == CommandStatus::ok) {
      ++g->accepted;
      g->last_response = std::move(*response);
    } else if (!g->error_response) {
      g->error_response = std::move(*response);
    }
  } else if (error != nullptr) {
    if (!g->failure || error->kind == SendError::Kind::outcome_unknown) g->failure = *error;
  }
  if (g->remaining > 0) co_return;
  if (g->failure) {
    SendError e = *g->failure;
    e.detail = fmt::format("{} ({} of {} segments accepted)", e.detail, g->accepted, g->total);
    co_await report_error(g->original, std::move(e));
    co_return;
  }
  ++stats_.responses;
  Pdu& r = g->error_response ? *g->error_response : *g->last_response;
  tracking_of(r) = tracking_of(g->original);
  co_await report_received(&r, bytes);
}

asio::awaitable<std::error_code> Esme::Impl::drain_and_unbind() {
  state_ = SessionState::unbinding;
  AIOSMPP_LOG(log_, LogLevel::info, "unbinding", {"in_flight", in_flight_.size()});
  const auto deadline = Clock::now() + cfg_.stop_timeout;
  while (!in_flight_.empty() && !session_ending_ && Clock::now() < deadline) {
    pump_waiting_ = true;
    pump_cv_.expires_at(deadline);
    co_await pump_cv_.async_wait(use_nothrow_awaitable);
    pump_waiting_ = false;
  }
  if (session_ending_) co_return std::error_code{};
  if (!peer_unbound_) {
    unbind_sequence_ = sequence_->next();
    append_header(out_, CommandId::unbind, CommandStatus::ok, unbind_sequence_);
    queued_total_ += 16;
    wake_writer();
    const auto unbind_deadline = Clock::now() + std::min(cfg_.stop_timeout, cfg_.socket_timeout);
    while (!unbind_done_ && !session_ending_ && Clock::now() < unbind_deadline) {
      pump_waiting_ = true;
      pump_cv_.expires_at(unbind_deadline);
      co_await pump_cv_.async_wait(use_nothrow_awaitable);
      pump_waiting_ = false;
    }
    if (!unbind_done_) AIOSMPP_LOG(log_, LogLevel::warning, "unbind_resp_missing");
  }
  end_session(errc::stopped);
  co_return std::error_code{};
}

asio::awaitable<std::error_code> Esme::Impl::keepalive() {
  for (;;) {
    keepalive_timer_.expires_at(last_read_ + cfg_.enquire_link_interval);
    co_await keepalive_timer_.async_wait(use_nothrow_awaitable);
    if (session_ending_) co_return std::error_code{};
    if (Clock::now() - last_read_ < cfg_.enquire_link_interval) continue;
    const auto sent_at = Clock::now();
    const std::uint32_t seq = sequence_->next();
    append_header(out_, CommandId::enquire_link, CommandStatus::ok, seq);
    queued_total_ += 16;
    wake_writer();
    AIOSMPP_LOG(log_, LogLevel::debug, "enquire_link_sent", {"sequence_number", seq});
    // Anything read from now on proves the link alive; the reader cancels the wait when it is.
    enquire_pending_ = true;
    keepalive_timer_.expires_at(sent_at + cfg_.socket_timeout);
    while (last_read_ < sent_at) {
      co_await keepalive_timer_.async_wait(use_nothrow_awaitable);
      if (session_ending_) co_return std::error_code{};
      if (last_read_ < sent_at && Clock::now() >= sent_at + cfg_.socket_timeout) {
        enquire_pending_ = false;
        AIOSMPP_LOG(log_, LogLevel::warning, "enquire_link_timeout",
                    {"timeout_ms", cfg_.socket_timeout.count()});
        end_session(errc::enquire_link_timeout);
        co_return make_error_code(errc::enquire_link_timeout);
      }
    }
    enquire_pending_ = false;
  }
}

asio::awaitable<std::error_code> Esme::Impl::sweeper() {
  std::vector<std::pair<Pdu, std::shared_ptr<detail::SegmentGroup>>> expired;
  for (;;) {
    if (session_ending_) co_return std::error_code{};
    const std::uint32_t head = in_flight_.head();
    if (head == detail::InFlightTable::npos) {
      sweep_idle_ = true;
      co_await wait_cv(sweep_cv_);
      sweep_idle_ = false;
      continue;
    }
    auto now = Clock::now();
    if (in_flight_.at(head).deadline > now) {
      sweep_cv_.expires_at(in_flight_.at(head).deadline);
      co_await sweep_cv_.async_wait(use_nothrow_awaitable);
      continue;
    }
    // Not yet written (its `sending` hooks are still running): time it out once it is.
    if (in_flight_.at(head).end_offset > written_total_) {
      co_await sleep_for(sweep_cv_, std::chrono::milliseconds(5));
      continue;
    }
    expired.clear();
    for (std::uint32_t s = in_flight_.head(); s != detail::InFlightTable::npos;
         s = in_flight_.head()) {
      const auto& e = in_flight_.at(s);
      if (e.deadline > now || e.end_offset > written_total_) break;
      AIOSMPP_LOG(log_, LogLevel::warning, "response_timeout",
                  {"sequence_number", e.sequence_number},
                  {"log_id", tracking_of(e.message).log_id});
      auto group = std::move(in_flight_.at(s).group);
      expired.emplace_back(in_flight_.take(s), std::move(group));
    }
    stats_.in_flight = in_flight_.size();
    wake_pump();
    for (auto& [m, group] : expired) {
      SendError failure{SendError::Kind::outcome_unknown, errc::response_timeout,
                        fmt::format("no response within {} ms", cfg_.response_timeout.count())};
      co_await unit_failed(m, group, failure);
    }
  }
}

// Timer-driven expiry of what the Esme holds besides requests in flight, while a session runs:
// partial incoming messages whose reassembly_timeout has passed (or that were evicted to keep at
// most 10000) are given up even when no further part arrives, and the correlator drops receipt
// entries whose TTL passed. Nothing stays armed once the session ends.
asio::awaitable<std::error_code> Esme::Impl::housekeeper() {
  // Partial messages are checked at this period, so one goes at most a period after its timeout.
  const Clock::duration reassembly_period = std::clamp<Clock::duration>(
      cfg_.reassembly_timeout / 8, std::chrono::milliseconds(1), std::chrono::seconds(1));
  // Correlator expiries this close together share a wake-up.
  constexpr Clock::duration correlator_slack = std::chrono::milliseconds(50);
  for (;;) {
    if (session_ending_) co_return std::error_code{};
    auto now = Clock::now();
    Clock::time_point wake = Clock::time_point::max();
    if (reassembler_.pending() > 0) {
      co_await expire_partials(now);
      if (session_ending_) co_return std::error_code{};
      if (reassembler_.pending() > 0) wake = now + reassembly_period;
    }
    try {
      auto next = correlator_->next_expiry();
      if (next && *next <= now) {
        correlator_->expire_due();
        next = correlator_->next_expiry();
      }
      // At least a millisecond ahead: a correlator that keeps answering "due" cannot spin us.
      if (next) {
        wake =
            std::min(wake, std::max(*next + correlator_slack, now + std::chrono::milliseconds(1)));
      }
    } catch (const std::exception& e) {
      AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "expire_due"},
                  {"error", e.what()});
      wake = std::min(wake, now + std::chrono::seconds(1));
    }
    housekeeper_waiting_ = true;
    housekeeping_at_ = wake;
    housekeeping_cv_.expires_at(wake);
    co_await housekeeping_cv_.async_wait(use_nothrow_awaitable);
    housekeeper_waiting_ = false;
  }
}

// Something new is due at `due`: wake the housekeeper if it sleeps past that, so it reschedules.
void Esme::Impl::wake_housekeeper(Clock::time_point due) {
  if (housekeeper_waiting_ && housekeeping_at_ >= due) {
    housekeeper_waiting_ = false;
    housekeeping_cv_.cancel();
  }
}

asio::awaitable<void> Esme::Impl::expire_partials(Clock::time_point now) {
  for (auto& partial : reassembler_.expire(now)) {
    AIOSMPP_LOG(
        log_, LogLevel::warning, partial.evicted ? "reassembly_evicted" : "reassembly_timeout",
        {"parts_received", partial.parts.size()}, {"parts_missing", partial.missing.size()});
    for (auto& part : partial.parts) {
      Pdu one = std::move(part);
      co_await report_received(&one, {});
    }
  }
}

// Every message taken from the broker and still without an outcome gets one now.
asio::awaitable<void> Esme::Impl::fail_all(std::error_code ec) {
  if (!ec) ec = errc::connection_closed;
  struct Failed {
    Pdu message;
    std::shared_ptr<detail::SegmentGroup> group;
    SendError error;
  };
  std::vector<Failed> failed;
  while (!in_flight_.empty()) {
    const std::uint32_t s = in_flight_.head();
    const bool written = in_flight_.at(s).end_offset <= written_total_;
    auto group = std::move(in_flight_.at(s).group);
    Pdu m = in_flight_.take(s);
    if (written) {
      failed.push_back({std::move(m), std::move(group),
                        SendError{SendError::Kind::outcome_unknown, ec,
                                  "written, connection ended before the response"}});
    } else {
      failed.push_back(
          {std::move(m), std::move(group),
           SendError{SendError::Kind::not_sent, ec, "connection ended before it was written"}});
    }
  }
  for (std::size_t i = batch_pos_; i < batch_.size(); ++i) {
    failed.push_back({std::move(batch_[i]), std::move(batch_groups_[i]),
                      SendError{SendError::Kind::not_sent, ec,
                                "taken from the broker, connection ended before it was written"}});
  }
  batch_.clear();
  batch_groups_.clear();
  batch_pos_ = 0;
  stats_.in_flight = 0;
  out_.clear();
  writing_.clear();
  stage_.clear();
  if (!failed.empty()) {
    AIOSMPP_LOG(log_, LogLevel::warning, "in_flight_failed", {"count", failed.size()},
                {"error", ec.message()});
  }
  for (auto& f : failed)
    co_await unit_failed(f.message, f.group, f.error);
}

// ---------------------------------------------------------------------------------------------
// start / stop.

asio::awaitable<void> Esme::Impl::start() {
  using namespace detail::awaitable_operators;
  if (running_) throw std::logic_error("Esme::start: already running");
  running_ = true;
  stopping_ = false;
  stop_cv_.expires_at(Clock::time_point::max());
  struct Running {
    Impl* self;
    ~Running() {
      self->running_ = false;
      self->bound_ = false;
      self->state_ = SessionState::closed;
      self->close_socket();
      self->done_cv_.cancel();
    }
  } running{this};

  for (;;) {
    if (stopping_) break;
    std::error_code ec;
    std::exception_ptr hard_stop;
    try {
      ec = co_await connect_and_bind();
      if (!ec) {
        retry_->reset();
        ec = co_await run_session();
      }
    } catch (...) {
      hard_stop = std::current_exception();
    }
    bound_ = false;
    close_socket();
    state_ = SessionState::closed;
    // Cancelled from outside (the hard stop): the branches may have ended quietly with
    // operation_aborted rather than thrown, so ask the cancellation state too. Every message still
    // gets its outcome, with cancellation suspended so the hooks can run.
    const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (hard_stop || cancelled != asio::cancellation_type::none) {
      co_await asio::this_coro::throw_if_cancelled(false);
      co_await asio::this_coro::reset_cancellation_state();
      end_session(errc::cancelled);
      co_await fail_all(errc::cancelled);
      co_await expire_partials(Clock::now() + cfg_.reassembly_timeout);
      if (hard_stop) std::rethrow_exception(hard_stop);
      throw std::system_error(asio::error::operation_aborted, "Esme::start cancelled");
    }
    co_await fail_all(ec);
    if (stopping_) break;
    if (last_bind_status_ == CommandStatus::already_bound) {
      retry_->wait_at_least(cfg_.already_bound_delay);
    }
    const auto delay = retry_->next_delay();
    AIOSMPP_LOG(log_, LogLevel::info, "reconnecting",
                {"delay_ms", std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()},
                {"error", ec.message()});
    co_await (retry_->wait() || stop_cv_.async_wait(use_nothrow_awaitable));
  }
  // Nobody will complete them now: the parts of partial messages go to the hook as they are.
  co_await expire_partials(Clock::now() + cfg_.reassembly_timeout);
  AIOSMPP_LOG(log_, LogLevel::info, "stopped");
}

asio::awaitable<void> Esme::Impl::stop() {
  if (!running_) {
    if (bound_) {
      // connect() without start(): unbind politely, without waiting long for the answer.
      std::vector<std::uint8_t> bytes;
      append_header(bytes, CommandId::unbind, CommandStatus::ok, sequence_->next());
      co_await asio::async_write(socket_, asio::buffer(bytes), use_nothrow_awaitable);
      bound_ = false;
      close_socket();
      state_ = SessionState::closed;
    }
    co_return;
  }
  if (!stopping_) {
    AIOSMPP_LOG(log_, LogLevel::info, "stopping");
    stopping_ = true;
    stop_cv_.cancel();
    pump_cv_.cancel();
    pump_waiting_ = false;
  }
  // done_cv_ never expires by itself and is only cancelled when start() returns, so any number
  // of stop() callers can wait on it at once.
  while (running_) {
    co_await done_cv_.async_wait(use_nothrow_awaitable);
  }
}

// ---------------------------------------------------------------------------------------------

Esme::Esme(asio::any_io_executor executor, EsmeConfig config, Components components)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(config), std::move(components))) {
}

Esme::~Esme() = default;

asio::awaitable<void> Esme::connect() {
  if (impl_->bound_) co_return;
  const auto ec = co_await impl_->connect_and_bind();
  if (!ec) co_return;
  if (ec.category() == make_error_code(CommandStatus::ok).category()) {
    const CommandId id =
        impl_->cfg_.bind_mode == BindMode::transmitter ? CommandId::bind_transmitter
        : impl_->cfg_.bind_mode == BindMode::receiver  ? CommandId::bind_receiver
                                                       : CommandId::bind_transceiver;
    throw SmppError(id, static_cast<CommandStatus>(ec.value()));
  }
  throw std::system_error(ec, "Esme::connect");
}

asio::awaitable<void> Esme::start() {
  return impl_->start();
}
asio::awaitable<void> Esme::stop() {
  return impl_->stop();
}
Broker& Esme::broker() noexcept {
  return *impl_->broker_;
}
Correlator& Esme::correlator() noexcept {
  return *impl_->correlator_;
}
SessionState Esme::session_state() const noexcept {
  return impl_->state_;
}
const EsmeStats& Esme::stats() const noexcept {
  return impl_->stats_;
}
std::string_view Esme::client_id() const noexcept {
  return impl_->client_id_;
}
const Logger& Esme::logger() const noexcept {
  return impl_->log_;
}

}  // namespace aiosmpp
