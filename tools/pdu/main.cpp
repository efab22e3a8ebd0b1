// aiosmpp-pdu: the PDU inspector. decode (hex -> annotated JSON), encode (JSON -> hex), split
// (what a text costs) and receipt (what an SMSC receipt says). Exit status: 0 success, 1 invalid
// input (the message says why), 2 usage error.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/json.hpp"
#include "aiosmpp/pdu/pdu.hpp"
#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/render.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/user_data.hpp"
#include "cli.hpp"
#include "import_aiosmpplib.hpp"
#include "notes.hpp"

namespace {

using aiosmpp::Pdu;
using Json = nlohmann::ordered_json;
using Args = std::vector<std::string_view>;

using aiosmpp::tools::exit_invalid;
using aiosmpp::tools::exit_ok;
using aiosmpp::tools::exit_usage;
using aiosmpp::tools::invalid;
using aiosmpp::tools::is_help;
using aiosmpp::tools::to_hex;
using aiosmpp::tools::usage_error;

constexpr std::string_view main_help = R"(usage: aiosmpp-pdu <command> [options] [arguments]

Inspect SMPP 3.4 and 5.0 PDUs and texts.

commands:
  decode   hex PDU(s) -> JSON with every field by name, plus read-only notes (keys starting '_')
  encode   JSON (as decode prints it, notes optional) -> hex
  split    how a text is encoded and split into segments, with each segment's bytes
  receipt  parse an SMSC delivery receipt text
  import-aiosmpplib  aiosmpplib's persisted JSON (messages, SimpleCorrelator directory) ->
           aiosmpp's JSON schema and/or a SqliteCorrelator file

Run 'aiosmpp-pdu <command> --help' for a command's options.
Exit status: 0 success, 1 invalid input (the error says why), 2 usage error.
)";

constexpr std::string_view decode_help =
    R"(usage: aiosmpp-pdu decode [--compact] [--no-notes] [--strict] [--version V] [HEX...]

Decodes one PDU, or several back to back, given as hex on the command line or on stdin
(whitespace anywhere between octets, an optional 0x prefix). Prints JSON (2-space indent):
the header, every body field and TLV by name, and notes for people (keys starting with '_':
command_id and length, status description, esm_class bits, data_coding, the short message as
text, a parsed delivery receipt). 'encode' ignores the notes, so decode | encode gives the
same bytes. Several PDUs give a JSON array.

On an invalid PDU prints the decode error with the command_status a peer would answer with to
stderr and exits 1.

options:
  --compact    one line of JSON
  --no-notes   only the fields 'encode' reads
  --strict     refuse known TLVs outside a request's list and missing mandatory TLVs
  --version V  the peer's SMPP version (3.3, 3.4, 5.0 or a byte such as 0x34; default 5.0):
               a command newer than it is refused as unknown
)";

constexpr std::string_view encode_help =
    R"(usage: aiosmpp-pdu encode [--reference N] [--strict] [--version V [--drop-newer]] [JSON]

Reads a PDU as JSON (what 'decode' prints; notes are ignored) from the argument or stdin and
prints its bytes as hex. A JSON array gives one line of hex per PDU. Missing fields take their
defaults, so {"type": "enquire_link", "sequence_number": 1} is enough.

A PDU with a "text" member (MessageText: UTF-8 text, its encoding and long-message mode) is
rendered as the ESME would send it: data_coding, short_message or message_payload and, for a
long text, one PDU per segment with its UDH or SAR TLVs, each printed on its own line.

On invalid JSON, a text that cannot be sent as asked, or a PDU the codec refuses, prints the
error naming the field to stderr and exits 1.

options:
  --reference N   the concatenation reference for a split text (default: a random one)
  --strict        refuse known TLVs outside a request's list and missing mandatory TLVs
  --version V     the peer's SMPP version (3.3, 3.4, 5.0 or a byte such as 0x34; default 5.0):
                  a newer command is refused, and so is a newer TLV unless --drop-newer
  --drop-newer    leave out TLVs newer than --version instead of refusing the PDU
)";

constexpr std::string_view split_help = R"(usage: aiosmpp-pdu split [options] [TEXT...]

Shows how TEXT (the arguments joined by spaces, or stdin) would be sent: the encoding chosen,
data_coding, the number of segments and each segment's bytes in hex with its UDH or SAR values,
and 'sms_parts', the parts a handset receives (what an operator bills).

options:
  --encoding E     auto (default), gsm (= gsm7), gsm7_packed, ucs2, latin1, ascii, binary
  --payload        whole text in message_payload above 254 octets (the default)
  --udh8           split with an 8-bit reference concatenation UDH
  --udh16          split with a 16-bit reference concatenation UDH
  --sar            split with sar_* TLVs
  --none           one short_message, or an error above 254 octets
  --reference N    the concatenation reference (default: a random one)
  --replace        replace characters the encoding lacks instead of failing
  --no-national    do not consider GSM national language tables with --encoding auto

Exits 1 when the text cannot be sent as asked (the error names the character or the limit).
)";

constexpr std::string_view receipt_help = R"(usage: aiosmpp-pdu receipt [options] [TEXT...]

Parses a delivery receipt text (the arguments joined by spaces, or stdin), e.g.
  "id:1234 sub:001 dlvrd:001 submit date:2611260702 done date:2611260703 stat:DELIVRD err:000 text:Hi"
and prints it as JSON. Exits 1 when no message id can be found.

options:
  --receipted-message-id ID   the receipted_message_id TLV, used when the text has no id
  --message-state S           the message_state TLV (name or number), used when there is no stat
)";

// ---- small helpers ----------------------------------------------------------------------------

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/** Hex with whitespace anywhere and an optional 0x prefix; nullopt with `problem` set. */
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view s, std::string& problem) {
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_space(s[i])) continue;
    if (s[i] == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X') && digits.empty()) {
      ++i;
      continue;
    }
    if (hex_digit(s[i]) < 0) {
      problem = fmt::format("'{}' at offset {} is not a hex digit", s[i], i);
      return std::nullopt;
    }
    digits += s[i];
  }
  if (digits.empty()) {
    problem = "no hex given";
    return std::nullopt;
  }
  if (digits.size() % 2 != 0) {
    problem =
        fmt::format("{} hex digits: an odd number, so the last octet is incomplete", digits.size());
    return std::nullopt;
  }
  std::vector<std::uint8_t> out(digits.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] =
        static_cast<std::uint8_t>((hex_digit(digits[2 * i]) << 4) | hex_digit(digits[2 * i + 1]));
  }
  return out;
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

std::string join(const Args& args) {
  std::string out;
  for (auto a : args) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

/** The arguments joined, or stdin without its final newline. */
std::string text_argument(const Args& args) {
  if (!args.empty()) return join(args);
  std::string s = read_stdin();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

std::string dump(const Json& j, bool compact) {
  return j.dump(compact ? -1 : 2, ' ', false, Json::error_handler_t::replace);
}

// ---- commands ---------------------------------------------------------------------------------

/** A concatenation reference 0-65535 (decimal or 0x hex). */
std::optional<std::uint16_t> parse_reference(std::string_view text) {
  const std::string v(text);
  std::size_t used = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(v, &used, 0);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != v.size() || v.empty() || n > 0xFFFF) return std::nullopt;
  return static_cast<std::uint16_t>(n);
}

/** An SMPP version: "3.3", "3.4", "5.0" or a byte (decimal or 0x hex). */
std::optional<aiosmpp::InterfaceVersion> parse_version(std::string_view text) {
  if (text == "3.3") return aiosmpp::InterfaceVersion::smpp_3_3;
  if (text == "3.4") return aiosmpp::InterfaceVersion::smpp_3_4;
  if (text == "5.0" || text == "5") return aiosmpp::InterfaceVersion::smpp_5_0;
  const auto n = parse_reference(text);
  if (!n || *n > 0xFF) return std::nullopt;
  return static_cast<aiosmpp::InterfaceVersion>(*n);
}

/** What a peer sends back for an undecodable PDU (the codec's error_response rule), with its
 *  bytes so an operator can compare it with what the SMSC or ESME actually sent. */
std::string answer_for(const aiosmpp::CodecError& e) {
  const auto answer = aiosmpp::error_response(e);
  if (!answer)
    return "none (responses, generic_nack, outbind and alert_notification are not answered)";
  std::vector<std::uint8_t> bytes;
  if (auto r = aiosmpp::encode(*answer, bytes); !r) return fmt::format("{}", r.error());
  const auto& h = aiosmpp::header_of(*answer);
  return fmt::format("{} with sequence_number {}{}: {}", aiosmpp::command_id_of(*answer),
                     h.sequence_number, e.sequence_known ? "" : " (unreadable, so 0)",
                     to_hex(bytes));
}

/** Splits `bytes` into back-to-back PDUs when their command_lengths chain exactly. */
std::vector<std::span<const std::uint8_t>> split_stream(std::span<const std::uint8_t> bytes) {
  std::vector<std::span<const std::uint8_t>> pieces;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto header = aiosmpp::read_header(bytes.subspan(at));
    if (!header || header->command_length < aiosmpp::pdu_header_size ||
        header->command_length > bytes.size() - at) {
      return {bytes};
    }
    pieces.push_back(bytes.subspan(at, header->command_length));
    at += header->command_length;
  }
  return pieces;
}

int cmd_decode(const Args& args) {
  bool compact = false;
  bool notes = true;
  aiosmpp::DecodeOptions options;
  Args hex_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (is_help(a)) {
      std::cout << decode_help;
      return exit_ok;
    }
    if (a == "--compact") {
      compact = true;
    } else if (a == "--no-notes") {
      notes = false;
    } else if (a == "--strict") {
      options.strict_tlvs = true;
    } else if (a == "--version") {
      if (i + 1 >= args.size()) return usage_error("decode", "--version needs a value");
      const auto v = parse_version(args[++i]);
      if (!v)
        return usage_error("decode", fmt::format("--version '{}': expected 3.4 or 5.0", args[i]));
      options.version = *v;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("decode", fmt::format("unknown option '{}'", a));
    } else {
      hex_args.push_back(a);
    }
  }
  const std::string input = hex_args.empty() ? read_stdin() : join(hex_args);
  std::string problem;
  const auto bytes = parse_hex(input, problem);
  if (!bytes) return invalid("decode", "not hex: " + problem);

  const auto pieces = split_stream(*bytes);
  Json all = Json::array();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    auto pdu = aiosmpp::decode(pieces[i], options);
    if (!pdu) {
      const auto& e = pdu.error();
      std::string where =
          pieces.size() > 1 ? fmt::format("PDU {} (at octet {}): ", i + 1, offset) : std::string();
      std::cerr << "aiosmpp-pdu decode: " << where << "invalid PDU: " << e.message() << '\n'
                << "  command_status: " << fmt::format("{}", e.status) << '\n';
      std::cerr << "  answer: " << answer_for(e) << '\n';
      return exit_invalid;
    }
    Json j;
    if (notes) {
      j = aiosmpp::tools::annotate(*pdu, pieces[i].size());
    } else {
      aiosmpp::to_json(j, *pdu);
    }
    all.push_back(std::move(j));
    offset += pieces[i].size();
  }
  std::cout << dump(all.size() == 1 ? all[0] : all, compact) << '\n';
  return exit_ok;
}

/** The wire PDUs for `pdu`: itself, or when it carries `text`, what the message layer renders
 *  it into (data_coding, short_message or message_payload, UDH or SAR per segment). */
aiosmpp::text::Result<std::vector<Pdu>> wire_pdus(const Pdu& pdu,
                                                  const aiosmpp::text::RenderOptions& options) {
  return std::visit(
      [&](const auto& p) -> aiosmpp::text::Result<std::vector<Pdu>> {
        if constexpr (requires { aiosmpp::text::render(p, options); }) {
          if (p.text) {
            auto rendered = aiosmpp::text::render(p, options);
            if (!rendered) return rendered.error();
            std::vector<Pdu> out;
            if constexpr (requires { rendered->begin(); }) {
              for (auto& r : *rendered)
                out.emplace_back(std::move(r));
            } else {
              out.emplace_back(std::move(*rendered));
            }
            return out;
          }
        }
        return std::vector<Pdu>{pdu};
      },
      pdu);
}

int cmd_encode(const Args& args) {
  Args rest;
  aiosmpp::text::RenderOptions render;
  aiosmpp::EncodeOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (is_help(a)) {
      std::cout << encode_help;
      return exit_ok;
    }
    if (a == "--reference") {
      if (i + 1 >= args.size()) return usage_error("encode", "--reference needs a value");
      const auto n = parse_reference(args[++i]);
      if (!n)
        return usage_error("encode", fmt::format("--reference '{}': expected 0-65535", args[i]));
      render.reference_generator = [n] { return *n; };
    } else if (a == "--strict") {
      options.strict_tlvs = true;
    } else if (a == "--drop-newer") {
      options.newer_tlvs = aiosmpp::NewerTlvs::drop;
    } else if (a == "--version") {
      if (i + 1 >= args.size()) return usage_error("encode", "--version needs a value");
      const auto v = parse_version(args[++i]);
      if (!v)
        return usage_error("encode", fmt::format("--version '{}': expected 3.4 or 5.0", args[i]));
      options.version = *v;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("encode", fmt::format("unknown option '{}'", a));
    } else {
      rest.push_back(a);
    }
  }
  const std::string input = rest.empty() ? read_stdin() : join(rest);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(input);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
    return invalid("encode", fmt::format("not valid JSON (byte {}): {}", e.byte, what));
  }
  std::vector<nlohmann::json> items;
  if (j.is_array()) {
    items.assign(j.begin(), j.end());
  } else {
    items.push_back(std::move(j));
  }
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = items.size() > 1 ? fmt::format("[{}] ", i) : std::string();
    Pdu pdu;
    try {
      pdu = items[i].get<Pdu>();
    } catch (const aiosmpp::JsonError& e) {
      return invalid("encode", where + e.what());
    }
    auto wire = wire_pdus(pdu, render);
    if (!wire) return invalid("encode", where + "cannot render \"text\": " + wire.error().message);
    for (const auto& w : *wire) {
      std::vector<std::uint8_t> bytes;
      if (auto r = aiosmpp::encode(w, bytes, options); !r) {
        return invalid("encode", where + "cannot encode: " + fmt::format("{}", r.error()));
      }
      out += to_hex(bytes);
      out += '\n';
    }
  }
  std::cout << out;
  return exit_ok;
}

int cmd_split(const Args& args) {
  aiosmpp::text::SplitOptions options;
  Args rest;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (options_done || a.empty() || a[0] != '-' || a == "-") {
      rest.push_back(a);
      continue;
    }
    if (is_help(a)) {
      std::cout << split_help;
      return exit_ok;
    }
    if (a == "--") {
      options_done = true;
    } else if (a == "--encoding") {
      if (i + 1 >= args.size()) return usage_error("split", "--encoding needs a value");
      const auto e = args[++i];
      using E = aiosmpp::text::Encoding;
      if (e == "auto" || e == "automatic") {
        options.encoding = E::automatic;
      } else if (e == "gsm" || e == "gsm7") {
        options.encoding = E::gsm7;
      } else if (e == "gsm7_packed" || e == "gsm-packed") {
        options.encoding = E::gsm7_packed;
      } else if (e == "ucs2") {
        options.encoding = E::ucs2;
      } else if (e == "latin1") {
        options.encoding = E::latin1;
      } else if (e == "ascii") {
        options.encoding = E::ascii;
      } else if (e == "binary") {
        options.encoding = E::binary;
      } else {
        return usage_error("split", fmt::format("unknown encoding '{}'", e));
      }
    } else if (a == "--payload") {
      options.long_message = aiosmpp::text::LongMessage::message_payload;
    } else if (a == "--udh8") {
      options.long_message = aiosmpp::text::LongMessage::udh8;
    } else if (a == "--udh16") {
      options.long_message = aiosmpp::text::LongMessage::udh16;
    } else if (a == "--sar") {
      options.long_message = aiosmpp::text::LongMessage::sar;
    } else if (a == "--none") {
      options.long_message = aiosmpp::text::LongMessage::none;
    } else if (a == "--reference") {
      if (i + 1 >= args.size()) return usage_error("split", "--reference needs a value");
      const auto n = parse_reference(args[++i]);
      if (!n)
        return usage_error("split", fmt::format("--reference '{}': expected 0-65535", args[i]));
      options.reference = *n;
    } else if (a == "--replace") {
      options.errors = aiosmpp::text::ErrorMode::replace;
    } else if (a == "--no-national") {
      options.national_languages = false;
    } else {
      return usage_error("split", fmt::format("unknown option '{}'", a));
    }
  }
  const std::string text =
      (rest.size() == 1 && rest[0] == "-") ? text_argument({}) : text_argument(rest);
  auto result = aiosmpp::text::split(text, options);
  if (!result) return invalid("split", result.error().message);
  Json j;
  aiosmpp::text::to_json(j, *result);
  if (auto count = aiosmpp::text::count_segments(text, options)) {
    // Insert after segment_count, where a reader looks for the cost.
    Json out = Json::object();
    for (auto& [k, v] : j.items()) {
      out[k] = v;
      if (k == "segment_count") out["sms_parts"] = count->segments;
    }
    j = std::move(out);
  }
  std::cout << dump(j, false) << '\n';
  return exit_ok;
}

int cmd_receipt(const Args& args) {
  aiosmpp::text::ReceiptTlvs tlvs;
  Args rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (is_help(a)) {
      std::cout << receipt_help;
      return exit_ok;
    }
    if (a == "--receipted-message-id") {
      if (i + 1 >= args.size())
        return usage_error("receipt", "--receipted-message-id needs a value");
      tlvs.receipted_message_id = std::string(args[++i]);
    } else if (a == "--message-state") {
      if (i + 1 >= args.size()) return usage_error("receipt", "--message-state needs a value");
      const std::string v(args[++i]);
      try {
        const auto parsed = nlohmann::json(v).get<aiosmpp::MessageState>();
        tlvs.message_state = static_cast<std::uint8_t>(parsed);
      } catch (const aiosmpp::JsonError&) {
        try {
          std::size_t used = 0;
          const unsigned long n = std::stoul(v, &used, 0);
          if (used != v.size() || n > 255) throw std::out_of_range("message_state");
          tlvs.message_state = static_cast<std::uint8_t>(n);
        } catch (const std::exception&) {
          return usage_error(
              "receipt", fmt::format("--message-state '{}': expected a state name or 0-255", v));
        }
      }
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return usage_error("receipt", fmt::format("unknown option '{}'", a));
    } else {
      rest.push_back(a);
    }
  }
  const std::string text =
      (rest.size() == 1 && rest[0] == "-") ? text_argument({}) : text_argument(rest);
  auto receipt = aiosmpp::text::parse_receipt(text, tlvs);
  if (!receipt) return invalid("receipt", receipt.error().message);
  Json j;
  aiosmpp::text::to_json(j, *receipt);
  std::cout << dump(j, false) << '\n';
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args(argv + 1, argv + argc);
    if (args.empty()) {
      std::cerr << main_help;
      return exit_usage;
    }
    const auto command = args.front();
    const Args rest(args.begin() + 1, args.end());
    if (is_help(command) || command == "help") {
      std::cout << main_help;
      return exit_ok;
    }
    if (command == "decode") return cmd_decode(rest);
    if (command == "encode") return cmd_encode(rest);
    if (command == "split") return cmd_split(rest);
    if (command == "receipt") return cmd_receipt(rest);
    if (command == "import-aiosmpplib") return aiosmpp::tools::cmd_import_aiosmpplib(rest);
    return usage_error("", fmt::format("unknown command '{}'", command));
  } catch (const std::exception& e) {
    std::cerr << "aiosmpp-pdu: " << e.what() << '\n';
    return exit_invalid;
  }
}
