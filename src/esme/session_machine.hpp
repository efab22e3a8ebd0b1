#pragma once
// The ESME's protocol state machine, sans-io (the way Boost.Redis keeps its connection state and
// reader/writer machines apart from its coroutines). It owns what one connection's protocol
// decides: the bind exchange, the window of requests in flight with their byte offsets in the
// output stream, segment groups of long messages, keepalive, response deadlines, stop / unbind /
// peer-unbind draining, and what to answer to each PDU the SMSC sends. It is fed events (octets
// read, octets written, messages taken from the broker, the time, a transport error, stop) and
// answers with octets to write, events for the application (outcomes, receipts to correlate,
// requests to show the hook), the next deadline and whether the connection is over. It never
// touches a socket, a timer or a coroutine, so every protocol decision is testable with bytes and
// a fake clock (tests/unit/esme/session_machine_test.cpp); src/esme/esme.cpp runs it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "aiosmpp/esme/config.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/esme/flow_control.hpp"
#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/esme/outcome.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/text/message_id.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "esme/in_flight.hpp"
#include "esme/metrics_recorder.hpp"
#include "esme/segment_group.hpp"

namespace aiosmpp {
class SequenceGenerator;
class ThrottleHandler;
}  // namespace aiosmpp

namespace aiosmpp::detail {

/** Where the connection's protocol is. */
enum class Phase : std::uint8_t {
  idle,          // no connection
  outbound,      // the SMSC connected to us: waiting for its outbind (then we bind)
  binding,       // bind written, waiting for its response
  bound,         // sending and receiving
  draining,      // stop(): no new requests; responses to those in flight until stop_timeout
  unbinding,     // our unbind is out; answering and matching until unbind_resp
  peer_unbound,  // the SMSC unbound: matching responses until none is owed or drain_timeout
  closing,       // the connection ends once what is queued is written (bounded in time)
  closed,        // over: the transport is to be closed, in-flight requests reported
};

std::string_view to_string(Phase phase) noexcept;

/** A header-only (or empty-message_id) answer to one of the SMSC's requests. */
struct Answer {
  CommandId id = CommandId::generic_nack;
  CommandStatus status = CommandStatus::ok;
  std::uint32_t sequence_number = 0;
  bool empty_message_id = false;  // deliver_sm_resp / data_sm_resp with a body of one NUL
};

/** A message taken from the broker ended: a response (any command_status) or a SendError. For
 *  a long message, once for the whole message. */
struct OutcomeEvent {
  Pdu message;                        // as taken (tracking set); moved into `response` when set
  std::optional<Pdu> response;        // with the message's tracking attached
  SendError error;                    // when there is no response
  std::span<const std::uint8_t> pdu;  // the response's octets (empty for errors); until next read
  std::uint64_t origin = 0;           // who waits for it (0: the broker)
};

/** A successful response names a message_id a receipt will report on: remember it. */
struct RegisterEvent {
  std::string key;  // the id as the correlator keys it (normalised, see MessageIdRule)
  Tracking tracking;
  std::chrono::steady_clock::time_point sent_at{};  // the message's first send (receipt latency)
  std::uint64_t group = 0;   // a segment of a long message: its SegmentGroup::serial (else 0)
  std::size_t segments = 1;  // that message's segment count
};

/** A PDU from the SMSC for the application (deliver_sm, data_sm, alert_notification, or one that
 *  did not decode), and what to answer once the hook has seen it. */
struct IncomingEvent {
  std::optional<Pdu> message;         // nullopt: did not decode
  std::span<const std::uint8_t> pdu;  // its octets (empty for given-up parts); until next read
  std::string receipt_key;            // a delivery receipt: the correlator's key of its id
  bool final_state = false;           // the receipt reports a final state
  std::optional<Answer> answer;       // written after the hook returns
  bool session = false;               // a session PDU (HookInterest::session), not a message
  std::optional<MessageState> state;  // the state a receipt reports, when readable
};

using Event = std::variant<OutcomeEvent, RegisterEvent, IncomingEvent>;
using Events = std::vector<Event>;

/** Bits of SessionMachine::take_wakeups(): which of the driver's waits has something new. */
enum Wakeup : unsigned {
  wake_writer = 1,  // octets to write
  wake_pump = 2,    // window or phase changed: the sender may take messages again
  wake_timer = 4,   // next_deadline() moved earlier
  wake_phase = 8,   // the phase changed (bound, stopping, closing, over): every wait looks again
  wake_ready = 16,  // requeued messages are due: the sender has work whatever it waits for
};

class SessionMachine {
 public:
  using Clock = std::chrono::steady_clock;

  /** A staged request (the hook wants `sending`): its message and its octets. */
  struct Staged {
    std::uint32_t slot;
    std::uint32_t sequence_number;
    std::size_t begin;
    std::size_t end;
  };

  /** The parts the machine consults; `throttle`, `flow` and `requeue` may be null (none). All
   *  must outlive the machine. */
  struct Parts {
    SequenceGenerator& sequence;
    ThrottleHandler* throttle = nullptr;
    FlowControl* flow = nullptr;
    RequeuePolicy* requeue = nullptr;
    const Logger& log;
    const text::CodecRegistry* codecs = nullptr;
  };

  SessionMachine(const EsmeConfig& config, Parts parts);

  // --- connection lifecycle ---
  /** A new connection: per-connection state reset, the bind queued for writing. */
  void begin(Clock::time_point now, HookInterest interests);
  /** A connection the SMSC opened to us: per-connection state reset, waiting for its outbind
   *  (EsmeConfig::outbind), which is answered with the bind. */
  void begin_outbound(Clock::time_point now, HookInterest interests);
  /** Graceful stop: no new requests; drain, unbind, close (each bounded). */
  void stop(Clock::time_point now);
  /** The transport failed or the peer closed: over at once. */
  void on_transport_error(std::error_code ec);
  /** Ends the connection now with `ec` (a hard stop). */
  void close_now(std::error_code ec);
  /** After the transport is closed: every request in flight and every unit taken but not written
   *  gets its outcome (not_sent or outcome_unknown by what was written), the machine goes idle. */
  void end(std::error_code ec, Events& out);
  /** Partial incoming messages given to the hook part by part (at stop, nobody completes them). */
  void give_up_partials(Clock::time_point now, Events& out);
  /** Messages waiting to be sent again end with the last answer the SMSC gave them (at stop). */
  void give_up_requeued(Events& out);
  /** Messages waiting to be sent again (not yet due, or due and not yet sent). */
  std::size_t requeued() const noexcept { return requeued_.size() + ready_.size(); }

  Phase phase() const noexcept { return phase_; }
  bool over() const noexcept { return phase_ == Phase::closed; }
  /** Why the connection is over (or ending). */
  std::error_code error() const noexcept { return error_; }
  /** The bind response's status (ok until a bind is rejected). */
  CommandStatus bind_status() const noexcept { return bind_status_; }
  /** The SMPP version in force on this connection, from EsmeConfig::interface_version and the
   *  bind response's sc_interface_version (common_version(); absent counts as 3.4); nullopt
   *  until bound. What is written to the SMSC never has a command or TLV newer than it. */
  std::optional<InterfaceVersion> interface_version() const noexcept { return version_; }
  /** The last congestion_state the SMSC reported (5.0 sessions only), if any. */
  std::optional<std::uint8_t> congestion_state() const noexcept { return congestion_; }
  /** The congestion_state the Esme puts in its deliver_sm_resp / data_sm_resp on a 5.0 session
   *  now: its own receive backlog (see session_machine.cpp). */
  std::uint8_t own_congestion() const noexcept;

  // --- input ---
  /** Where to read into. */
  std::span<std::uint8_t> read_buffer() { return framer_.prepare(); }
  /** `n` octets were read into read_buffer() at `now`. */
  void on_read(std::size_t n, Clock::time_point now);
  /** Handles every whole PDU buffered; events for the application go to `out` (their `pdu`
   *  spans stay valid until the next read_buffer()). */
  void process(Clock::time_point now, Events& out);
  /** The hook has seen a request of the SMSC's: write its answer (stopping, the last one owed
   *  lets the unbind go out at `now`). */
  void answer(const Answer& a, Clock::time_point now = Clock::now());
  /** Deadlines that passed by `now`: response timeouts, keepalive, phase deadlines, partial
   *  messages. */
  void on_timer(Clock::time_point now, Events& out);
  /** The earliest time on_timer() has something to do (max: nothing). */
  Clock::time_point next_deadline() const noexcept;

  // --- output ---
  bool has_output() const noexcept { return !out_.empty(); }
  /** Moves what is queued into the write buffer and returns it. */
  std::span<const std::uint8_t> take_output();
  /** `n` octets of the write buffer were written. */
  void on_written(std::size_t n) noexcept;
  /** The write buffer is done with; in `closing`, an empty queue ends the connection. */
  void write_done();

  // --- sending ---
  /** Requests the window has room for now, for new messages (0 when not bound, stopping, a
   *  receiver, ...). Messages waiting to be sent again hold their slots. */
  std::size_t window_free() const noexcept;
  /** Whether the sender should take messages from the broker now. */
  bool may_take() const noexcept;
  /** Takes `messages` (from the broker, or from `origin` when not 0): checked and rendered into
   *  wire PDUs (a long message into segments sharing one outcome); what cannot be sent ends at
   *  once as invalid_message. */
  void take(std::vector<Pdu>& messages, Events& out, std::uint64_t origin = 0);
  /** Wire PDUs taken and not yet registered. */
  std::size_t pending() const noexcept { return units_.size() - units_pos_; }
  /** PDUs that may be registered now: requeued ones that are due, and pending ones the window
   *  has room for. */
  std::size_t sendable() const noexcept;
  /** Encodes and registers up to sendable() PDUs (one clock read for all), as far as flow
   *  control allows; returns how many. With `stage`, they are held back until commit_staged() so
   *  the hook can see them first. */
  std::size_t send_pending(Clock::time_point now, bool stage, Events& out);
  /** When flow control refused the last send_pending(), the time it allows one again. */
  Clock::time_point send_at() const noexcept { return send_at_; }
  /** The staged requests (valid until commit_staged()). */
  std::span<const Staged> staged() const noexcept { return staged_; }
  const Pdu& staged_message(const Staged& s) const noexcept {
    return in_flight_.at(s.slot).message;
  }
  std::span<const std::uint8_t> staged_bytes(const Staged& s) const noexcept {
    return std::span<const std::uint8_t>(stage_).subspan(s.begin, s.end - s.begin);
  }
  /** Queues the staged requests for writing. */
  void commit_staged();
  /** Taken units (not yet registered) fail: the rate limiter refused them. */
  void fail_pending(const SendError& error, Events& out);

  /** The wake-ups accumulated since the last call (Wakeup bits). */
  unsigned take_wakeups() noexcept { return std::exchange(wakeups_, 0u); }

  const EsmeStats& stats() const noexcept { return stats_; }
  const MetricsRecorder& metrics() const noexcept { return metrics_; }
  MetricsRecorder& metrics() noexcept { return metrics_; }
  EsmeStats& stats() noexcept { return stats_; }
  std::size_t in_flight() const noexcept { return in_flight_.size(); }
  std::size_t partial_messages() const noexcept { return reassembler_.pending(); }

 private:
  struct Unit {
    Pdu pdu;
    std::shared_ptr<SegmentGroup> group;
    std::uint64_t origin = 0;
    std::uint32_t attempts = 0;        // sends so far
    Clock::time_point first_sent{};    // when first sent (requeue budget)
    std::optional<Pdu> last_response;  // the answer that requeued it
  };
  struct Requeued {
    Clock::time_point due;
    Unit unit;
  };
  /** What a taken, unregistered wire PDU carries besides itself (units_[i] goes with
   *  unit_tags_[i]): apart, so that a batch from the broker becomes units_ by one swap. */
  struct UnitTag {
    std::shared_ptr<SegmentGroup> group;
    std::uint64_t origin = 0;
  };
  /** One wire PDU being registered: a pending unit's or a requeued one's parts. */
  struct Sending {
    Pdu& pdu;
    std::shared_ptr<SegmentGroup>& group;
    std::uint64_t origin;
    std::uint32_t attempts;
    Clock::time_point first_sent;
  };
  /** What the PDUs of one send_pending() share. */
  struct SendBatch {
    std::vector<std::uint8_t>& buf;
    std::size_t base;  // buf's size before the batch
    bool stage;
    Clock::time_point deadline;
    EncodeOptions options;
  };

  // receive side (session_receive.cpp)
  void handle(std::span<const std::uint8_t> bytes, Clock::time_point now, Events& out);
  bool handle_fast(const RawHeader& h, std::span<const std::uint8_t> bytes, Clock::time_point now);
  void handle_binding(const RawHeader& h, std::span<const std::uint8_t> bytes, Events& out);
  void handle_outbound(const RawHeader& h, std::span<const std::uint8_t> bytes,
                       Clock::time_point now);
  void reset_connection(Clock::time_point now, HookInterest interests);
  void queue_bind(Clock::time_point now);
  void handle_malformed(const CodecError& error, std::span<const std::uint8_t> bytes,
                        Clock::time_point now, Events& out);
  void handle_response(const PduView& view, std::span<const std::uint8_t> bytes,
                       Clock::time_point now, Events& out);
  void handle_request(const PduView& view, std::span<const std::uint8_t> bytes,
                      Clock::time_point now, Events& out);
  void handle_message(const PduView& view, std::span<const std::uint8_t> bytes,
                      Clock::time_point now, Events& out);
  void count_status(CommandStatus status) noexcept;
  void note_congestion(const PduView& response) noexcept;
  void note_congestion(const TlvsView& tlvs) noexcept;
  void note_congestion(std::optional<std::uint8_t> value) noexcept;
  void on_bound(std::span<const std::uint8_t> bytes);
  void flush_throttle_counts(Clock::time_point now);
  bool requeue(Unit& unit, CommandStatus status, const PduView& response, Clock::time_point now);
  void promote_due(Clock::time_point now);

  // send side (session_send.cpp)
  InterfaceVersion wire_version() const noexcept {
    return version_.value_or(InterfaceVersion::smpp_3_4);
  }
  void render_units(std::vector<Pdu>& messages, std::uint64_t origin, Events& out);
  std::optional<SendError> refused_segment(const std::vector<Pdu>& segments) const;
  void add_unit(Pdu&& pdu, std::shared_ptr<SegmentGroup> group, std::uint64_t origin);
  void send_one(const Sending& s, std::uint32_t sequence_number, const SendBatch& batch,
                Events& out);
  void report_failure(Pdu message, SendError error, Events& out, std::uint64_t origin);
  void report_group_failure(SegmentGroup& group, Events& out, std::uint64_t origin);
  void unit_failed(Pdu message, const std::shared_ptr<SegmentGroup>& group, SendError error,
                   Events& out, std::uint64_t origin = 0);
  void unit_answered(Pdu request, const std::shared_ptr<SegmentGroup>& group, Pdu response,
                     std::span<const std::uint8_t> bytes, Events& out, std::uint64_t origin = 0);

  // state (session_machine.cpp)
  void queue(const Answer& a);
  void queue_request(CommandId id, std::uint32_t sequence_number);
  void close(std::error_code ec, Clock::time_point now);
  void set_phase(Phase p) noexcept;
  void after_response(Clock::time_point now);
  void start_unbind(Clock::time_point now);
  void expire_responses(Clock::time_point now, Events& out);
  void check_keepalive(Clock::time_point now);
  void expire_partials(Clock::time_point now, Events& out);
  void wake(unsigned bits) noexcept { wakeups_ |= bits; }

  const EsmeConfig& cfg_;
  SequenceGenerator& sequence_;
  ThrottleHandler* throttle_;
  FlowControl* flow_;
  RequeuePolicy* requeue_;
  const Logger& log_;
  text::RenderOptions render_options_;
  text::MessageIdNormalizer ids_;
  text::DeliverSmReassembler reassembler_;
  Clock::duration reassembly_period_;
  EsmeStats stats_;
  MetricsRecorder metrics_;
  std::uint64_t group_serial_ = 0;  // SegmentGroup::serial, never reused

  // Per connection.
  Phase phase_ = Phase::idle;
  std::error_code error_;
  CommandStatus bind_status_ = CommandStatus::ok;
  std::optional<InterfaceVersion> version_;  // negotiated at bind
  std::optional<std::uint8_t> congestion_;   // last congestion_state read
  bool congestion_pending_ = false;          // read since the last flush_throttle_counts()
  std::uint8_t congestion_high_ = 0;         // the highest of those
  HookInterest interests_ = HookInterest::all;
  Framer framer_;
  std::uint32_t bind_sequence_ = 0;
  std::uint32_t unbind_sequence_ = 0;
  Clock::time_point phase_deadline_ = Clock::time_point::max();
  Clock::time_point last_read_{};
  Clock::time_point enquire_sent_{};
  bool enquire_pending_ = false;
  Clock::time_point next_reassembly_check_ = Clock::time_point::max();
  bool unwritten_expired_ = false;  // the oldest request timed out before its last octet was out
  // The SMSC's requests handed to the hook whose answer is not queued yet: closing waits for them
  // (within its deadline), so a receipt read just before unbind_resp is still acknowledged.
  std::uint32_t answers_owed_ = 0;

  // Output: out_ is queued, writing_ is with the writer. Offsets count octets queued / written
  // since the connection began, so a request whose end offset was not written never left.
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> writing_;
  std::uint64_t queued_total_ = 0;
  std::uint64_t written_total_ = 0;
  std::vector<std::uint8_t> stage_;
  std::vector<Staged> staged_;

  InFlightTable in_flight_;
  // Taken from the broker and rendered; [units_pos_, end) unregistered. Each PDU is moved once
  // more, into the in-flight table, where it is encoded in place (performance.md §6).
  std::vector<Pdu> units_;
  std::vector<UnitTag> unit_tags_;  // parallel to units_
  std::size_t units_pos_ = 0;
  // Requeued messages outlive connections (they are the Esme's, not the session's): a heap on
  // `due`, then `ready_` once due, sent before anything new.
  std::vector<Requeued> requeued_;
  std::deque<Unit> ready_;
  Clock::time_point send_at_{};
  std::vector<std::uint32_t> sequence_numbers_;

  std::size_t throttled_pending_ = 0;  // response statuses counted per read, reported at once
  std::size_t not_throttled_pending_ = 0;

  unsigned wakeups_ = 0;
};

}  // namespace aiosmpp::detail
