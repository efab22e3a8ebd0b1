// aiosmpp-smsc-sim's command line (see args.hpp).

#include "args.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace aiosmpp::smsc_sim {

std::optional<smsc::SimConfig> parse_sim_args(std::span<const std::string_view> args) {
  smsc::SimConfig c;
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
  --enquire-link DURATION  idle time before the simulator sends enquire_link (default 30s; 0: off)
  --response-timeout DUR   how long a deliver_sm may wait for its response (default 10s)
  --config FILE            JSON object of these options (keys without dashes, '-' or '_');
                           flags after it override it

Delivery receipts
  --receipts on|off        send receipts when registered_delivery asks (default on)
  --receipt-delay D|MIN-MAX  delay, fixed or uniform in a range (default 100ms)
  --receipt-states LIST    final states with weights, e.g. DELIVRD:90,UNDELIV:5,EXPIRED:3,REJECTD:2
                           (default DELIVRD)
  --receipt-style S        text (Appendix B text), tlv (receipted_message_id + message_state)
                           or both (default)

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
  --withhold-rate F        share of submit_sm never answered
  --drop-every N           close the connection on every Nth PDU received from it
  --max-submit-rate R      submit_sm per second per session; above it ESME_RTHROTTLED

Output
  --stats-interval DUR     statistics line period (default 10s; 0: only at exit)
  --log-level L            trace (every PDU) | debug | info (default) | warning | error | off
  --seed N                 random seed for reproducible runs (default: random)
  --help                   this text

Durations: 250 (ms), 250ms, 2s, 1.5s, 1m. SIGINT/SIGTERM unbind every session and exit.
)";
}

}  // namespace aiosmpp::smsc_sim
