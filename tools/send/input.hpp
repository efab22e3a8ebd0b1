#pragma once

// aiosmpp-send's input: CSV with a header line, or JSON lines, read whole before sending (so the
// progress has a total and --state stores every message in one transaction). A bad line becomes
// an InputError with its line number; the other lines are still sent. Sans-io: parse_input()
// takes a stream, so the unit tests feed it strings.

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "aiosmpp/pdu/message_text.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "options.hpp"

namespace aiosmpp::send {

/** One message as read: its line number (1-based; the header is line 1 in CSV). */
struct InputMessage {
  std::size_t line = 0;
  std::string id;  // the "id" column, empty when none
  std::string destination;
  std::string source;
  std::string text;
  std::optional<TextEncoding> encoding;
  std::optional<LongMessageMode> long_mode;
};

struct InputError {
  std::size_t line = 0;
  std::string message;  // names the field and the limit
};

struct Input {
  std::vector<InputMessage> messages;
  std::vector<InputError> errors;  // bad lines, in line order
};

/** Reads every line of `in`. Bad lines go to Input::errors.
 *  @throws std::invalid_argument for what makes the whole input unusable: a CSV header without a
 *  destination or text column or with an unknown column, more than max_messages messages. */
Input parse_input(std::istream& in, const SendOptions& options);

/** The submit_sm for `m`, with the options' defaults. Its tracking carries the line number
 *  (log_id) and the destination and id (extra_data, a JSON array), so that an outcome, which has
 *  only the response and the tracking, can name its line; also after a resume from --state. */
SubmitSm to_submit(const InputMessage& m, const SendOptions& options);

/** What to_submit() put into a message's tracking. */
struct TrackedLine {
  std::size_t line = 0;
  std::string destination;
  std::string id;
};
TrackedLine unpack_tracking(const Tracking& tracking);

}  // namespace aiosmpp::send
