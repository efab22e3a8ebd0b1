#pragma once

// aiosmpp-send's command line (docs/guides/send.md): `--name value` or `--name=value`, switches,
// and the input file as the last argument (`-` for stdin) unless --to/--text give one message.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/pdu/message_text.hpp"

namespace aiosmpp::send {

/** Exit statuses (docs/guides/send.md#exit-status). */
enum ExitCode : int {
  exit_all_accepted = 0,  // every message got ESME_ROK
  exit_not_accepted = 1,  // some message was rejected, of unknown outcome, or a bad input line
  exit_usage = 2,         // bad flags, unreadable input or state file
  exit_connection = 3,    // the first connect or bind failed: nothing was sent
  exit_interrupted = 4,   // SIGINT/SIGTERM before every message ended (resumable with --state)
};

enum class InputFormat : std::uint8_t { automatic, csv, jsonl };
enum class ProgressMode : std::uint8_t { automatic, bar, lines, off };

struct SendOptions {
  // Connection
  std::string host = "127.0.0.1";
  std::uint16_t port = 2775;
  std::string system_id;
  std::string password;
  std::string system_type;
  BindType bind = BindType::transceiver;
  std::size_t window = 64;
  double rate = 0;  // messages per second; 0: no limit
  bool flow_control = true;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds response_timeout{15'000};

  // Messages
  std::string input;  // file, "-" for stdin; empty with --to/--text
  InputFormat format = InputFormat::automatic;
  std::string to;
  std::string text;
  std::string source;  // default source address when a line has none
  std::optional<TextEncoding> encoding;
  std::optional<LongMessageMode> long_mode;
  std::size_t max_messages = 1'000'000;
  std::size_t max_line = 65'536;

  // Outcomes and progress
  std::string out;    // JSON lines, one per message
  std::string state;  // SQLite state file (resumable runs)
  bool resend_unknown = false;
  std::chrono::milliseconds wait_receipts{0};  // 0: do not ask for receipts
  ProgressMode progress = ProgressMode::automatic;
  std::chrono::milliseconds progress_interval{0};  // 0: 250 ms for the bar, 5 s for lines
  LogLevel log_level = LogLevel::warning;
};

/** Parses the arguments (argv[0] excluded); nullopt for --help.
 *  @throws std::invalid_argument naming the flag and its limit. */
std::optional<SendOptions> parse_send_args(std::span<const std::string_view> args);

/** The reference printed by --help. */
std::string send_usage();

/** Whether --state is available in this build (the optional SQLite component). */
bool state_supported() noexcept;

}  // namespace aiosmpp::send
