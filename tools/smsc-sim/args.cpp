// aiosmpp-smsc-sim's command line (see args.hpp).

#include "args.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace aiosmpp::smsc_sim {

namespace {

std::string canonical(std::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '_', '-');
  return n;
}

std::size_t number(std::string_view name, std::string_view value, std::size_t min,
                   std::size_t max) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < min || n > max) {
    throw std::invalid_argument(
        fmt::format("--{}: \"{}\" is not a number from {} to {}", name, value, min, max));
  }
  return n;
}

// --config: the http_* keys are the console's (the token may live there rather than in the
// process list); the rest is the simulator's, applied as apply_sim_option() would.
void apply_config_file(smsc::SimConfig& c, ConsoleOptions& console, std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) throw std::invalid_argument(fmt::format("--config: cannot read \"{}\"", path));
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) {
    smsc::apply_sim_json(c, text.str());  // its error says what is wrong
    return;
  }
  for (auto it = j.begin(); it != j.end();) {
    const std::string name = canonical(it.key());
    if (name == "recent-pdus") console.recent_pdus_set = true;
    if (!name.starts_with("http-")) {
      ++it;
      continue;
    }
    const std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    try {
      if (!apply_console_option(console, name, value)) {
        throw std::invalid_argument(fmt::format("unknown option --{}", name));
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("config: \"{}\": {}", it.key(), e.what()));
    }
    it = j.erase(it);
  }
  smsc::apply_sim_json(c, j.dump());
}

}  // namespace

bool apply_console_option(ConsoleOptions& console, std::string_view raw_name,
                          std::string_view value) {
  const std::string name = canonical(raw_name);
  if (name == "http-port") {
    console.port = static_cast<std::uint16_t>(number(name, value, 0, 65535));
  } else if (name == "http-host") {
    if (value.empty()) throw std::invalid_argument("--http-host: empty");
    console.host = std::string(value);
  } else if (name == "http-token") {
    if (value.size() < 8 || value.size() > 256) {
      throw std::invalid_argument("--http-token: 8 to 256 characters");
    }
    console.token = std::string(value);
  } else if (name == "http-threads") {
    console.threads = number(name, value, 1, 64);
  } else if (name == "http-queue") {
    console.queue = number(name, value, 1, 1024);
  } else if (name == "http-max-body") {
    console.max_body = number(name, value, 1024, 1024 * 1024);
  } else {
    return false;
  }
  return true;
}

std::optional<smsc::SimConfig> parse_sim_args(std::span<const std::string_view> args,
                                              ConsoleOptions* console_out) {
  smsc::SimConfig c;
  ConsoleOptions local;
  ConsoleOptions& console = console_out != nullptr ? *console_out : local;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") return std::nullopt;
    if (!a.starts_with("--")) {
      throw std::invalid_argument(fmt::format("unexpected argument \"{}\" (see --help)", a));
    }
    a.remove_prefix(2);
    std::string_view name = a;
    std::string_view value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    } else if (smsc::sim_option_value_optional(name) &&
               (i + 1 >= args.size() || args[i + 1].starts_with("--"))) {
      has_value = true;  // e.g. a bare --refuse-binds means ESME_RBINDFAIL
    } else if (i + 1 < args.size()) {
      value = args[++i];
      has_value = true;
    }
    if (!has_value) throw std::invalid_argument(fmt::format("--{}: missing value", name));
    if (apply_console_option(console, name, value)) continue;
    if (canonical(name) == "config") {
      apply_config_file(c, console, value);
      continue;
    }
    if (canonical(name) == "recent-pdus") console.recent_pdus_set = true;
    smsc::apply_sim_option(c, name, value);
  }
  return c;
}

std::string sim_usage() {
  return R"(aiosmpp-smsc-sim: an SMPP 3.4 SMSC simulator

Usage: aiosmpp-smsc-sim [--option value | --option=value]...

Listening and binds
  --host ADDR              address to listen on (default 127.0.0.1)
  --port N                 port (default 2775; 0 picks a free one). The bound address is printed
                           on stdout as "listening HOST:PORT".
  --system-id ID           system_id in bind responses (default aiosmpp-sim)
  --credentials ID:PW,...  accepted logins (default: any). Unknown system_id: ESME_RINVSYSID;
                           wrong password: ESME_RINVPASWD
  --refuse-binds [STATUS]  answer every bind with STATUS (default ESME_RBINDFAIL); off to undo
  --max-sessions N         bound sessions at once (default 100); beyond: ESME_RBINDFAIL
  --window N               deliver_sm in flight per session (default 100)
  --interface-version V    highest SMPP version spoken, sent as sc_interface_version: 3.4
                           (default: every client sees what it always saw) or 5.0; a session
                           speaks the lower of it and the bind's interface_version
  --congestion RATE        on 5.0 sessions, submit_sm_resp carries congestion_state = the
                           session's submit_sm and broadcast_sm rate over the last second as
                           a % of RATE (max 100)
  --max-broadcasts N       5.0 broadcasts kept for query/cancel_broadcast_sm (default 10000);
                           beyond, the oldest is forgotten
  --max-broadcast-areas N  broadcast_area_identifier TLVs per broadcast_sm (default 16); more:
                           ESME_RINVNUMBCAST_AREAS
  --enquire-link DURATION  idle time before the simulator sends enquire_link (default 30s; 0: off)
  --response-timeout DUR   how long a deliver_sm may wait for its response (default 10s; then
                           the receipt is offered again, see --receipt-retry)
  --config FILE            JSON object of these options (keys without dashes, '-' or '_');
                           flags after it override it

TLS (docs/guides/tls.md; a build with OpenSSL)
  --tls-cert FILE          the simulator's certificate (PEM, intermediates after it): the port
                           speaks TLS, or, with --tls-port, a TLS port is opened beside it
  --tls-key FILE           its private key (PEM, not encrypted)
  --tls-port N             a TLS port beside the plain --port (0 picks a free one), printed on
                           stdout as "listening tls HOST:PORT" after the plain port's line
  --tls-client-ca FILE     ask clients for a certificate and verify it against these CAs
                           (default: none asked)
  --tls-require-client-cert on|off  with --tls-client-ca: refuse a client without one (default
                           off: a client may connect without a certificate)
  --tls-min-version V      1.2 (default) or 1.3
  --tls-handshake-timeout D  close a connection whose handshake is not done within D (default 10s)
  --tls-max-handshakes N   handshakes in progress at once (default 64); more are closed on accept

Limits (docs/simulator.md lists what happens at each)
  --max-connections N      connections at once (default 1024); more are closed on accept
  --max-connections-per-address N   per source address (default 0: only the total)
  --max-bind-failures N    failed binds before the connection is closed (default 3; 0: no limit)
  --bind-failure-delay D   a failed bind's response is held back this long (default 1s)
  --session-init-timeout D close a connection not bound within D (default 30s)
  --inactivity-timeout D   close a session without a whole PDU for D (default 120s; 0: off)
  --pdu-timeout D          the rest of a started PDU must arrive within D (default 10s)
  --unbind-timeout D       wait for unbind_resp to our unbind (default 2s)
  --close-timeout D        an ending session may take D to write what is queued (default 2s)
  --shutdown-timeout D     SIGTERM: sessions still open after D are closed hard (default 5s)
  --max-pdu-size N         largest command_length accepted (default 65552)
  --max-pending-requests N delayed responses owed per session (default 10000); beyond:
                           ESME_RTHROTTLED
  --max-backlog N          deliver_sm waiting for a window slot per session (default 10000)
  --write-high-water N     octets queued for a session at which it stops reading (default 1 MiB)
  --max-write-buffer N     octets queued for a session at which it is closed (default 16 MiB)
  --max-receipts-per-session N  receipts owed for one session's messages (default 250000);
                           beyond: submit_sm asking for a receipt gets ESME_RMSGQFUL
  --max-receipts N         receipts owed in total (default 1000000); beyond: ESME_RMSGQFUL
  --max-mo-per-session N   MO deliver_sm outstanding per session (default 1000); a full receiver
                           is skipped
  --max-mo N               MO deliver_sm outstanding in total (default 10000); MO then waits
  --max-warnings-per-second N  lines per second of each warning a client can cause (refused
                           connection, response timeout, dropped receipt or MO, failed, timed out
                           or refused TLS handshake; default 10; 0: no limit); the rest are
                           counted in log_suppressed
  --receipt-retry MIN-MAX  a receipt not taken is offered again after MIN, doubling up to MAX
                           (default 1s-60s)

Delivery receipts
  --receipts on|off        send receipts when registered_delivery asks (default on)
  --receipt-delay D|MIN-MAX  delay, fixed or uniform in a range (default 100ms)
  --receipt-states LIST    final states with weights, e.g. DELIVRD:90,UNDELIV:5,EXPIRED:3,REJECTD:2
                           (default DELIVRD)
  --receipt-style S        text (Appendix B text), tlv (receipted_message_id + message_state)
                           or both (default)
  --receipt-first-rate F   share (0-1) of receipts sent before their submit_sm_resp
  --receipt-first-every N  every Nth receipt sent before its submit_sm_resp
  --intermediate-receipts S  off (default), ENROUTE or BUFFRED: an intermediate receipt (no
                           message_state TLV) half-way to the final one
  --intermediate-rate F    share of receipts preceded by it (default 1)
  --message-ids M          decimal (default), hex, hex-response (hex in submit_sm_resp, decimal
                           in the receipt's id:) or hex-receipt (the reverse)

Mobile-originated messages (sent to bound receivers and transceivers, round robin)
  --mo-rate R              messages per second (default 0: none)
  --mo-count N             stop after N messages (default: no limit; a file is sent once)
  --mo-file FILE           one message per line: text, or JSON {"from","to","text","encoding","long"}
  --mo-text TEXT           the text when no file is given
  --mo-from ADDR / --mo-to ADDR   addresses (default 447700900001 -> 1234)
  --mo-encoding E          auto|gsm7|ucs2|latin1|ascii (default auto)
  --mo-long M              how long texts are sent: udh8 (default), udh16, sar, payload

Trouble on purpose
  --error-rate F           share (0-1) of submit_sm answered with an error status
  --error-status LIST      which statuses, weighted (default ESME_RTHROTTLED), e.g.
                           ESME_RTHROTTLED:3,ESME_RMSGQFUL:1,0x45:1
  --response-delay D|MIN-MAX   delay before each submit_sm_resp
  --response-delay-rate F  share of submit_sm_resp delayed (default 1: all)
  --withhold-rate F        share of submit_sm never answered
  --drop-every N           close the connection on every Nth PDU received from it
  --max-submit-rate R      submit_sm per second per session; above it ESME_RTHROTTLED
                           (also --throttle-above)
  --throttle-every N       every Nth submit_sm of a session: ESME_RTHROTTLED
  --throttle-rate F        share of submit_sm answered ESME_RTHROTTLED
  --queue-full-above R     submit_sm per second per session; above it ESME_RMSGQFUL
  --queue-full-every N     every Nth submit_sm of a session: ESME_RMSGQFUL
  --queue-full-rate F      share of submit_sm answered ESME_RMSGQFUL
  --account-rate R         submit_sm per second over every bind of one system_id (sliding
                           one-second window); above it ESME_RTHROTTLED
  --max-binds-per-account N  bound sessions per system_id (default 0: no limit); beyond:
                           ESME_RBINDFAIL
  --unbind-after N         after a session's Nth submit_sm, send unbind and write the last
                           --unbind-owed K responses (default 1) after it

Web console (docs/simulator.md, "Web console"; a build with cpp-httplib)
  --http-port N            serve the console on this port (default: off; 0 picks a free one,
                           printed on stdout as "console http://HOST:PORT/")
  --http-host ADDR         its address (default 127.0.0.1)
  --http-token T           bearer token (8-256 characters) for every request that changes
                           something (inject, switches); without it the console is read-only.
                           Also "http_token" in the --config file, out of the process list
  --http-threads N         request threads (default 4, at most 64)
  --http-queue N           accepted connections waiting for a thread (default 16); beyond, new
                           connections wait in the kernel's listen backlog
  --http-max-body N        request body octets (default 16384); larger: 413
  --recent-pdus N          PDUs remembered per session for the console (default 0, or 32 with
                           --http-port; at most 10000)

Output
  --stats-interval DUR     statistics line period (default 10s; 0: only at exit)
  --log-level L            trace (every PDU) | debug | info (default) | warning | error | off
  --seed N                 random seed for reproducible runs (default: random)
  --help                   this text

Durations: 250 (ms), 250ms, 2s, 1.5s, 1m. SIGINT/SIGTERM unbind every session and exit.
)";
}

}  // namespace aiosmpp::smsc_sim
