#pragma once

/** @file
 *  @brief Reading what aiosmpplib persisted: its JSON messages (`{"__smpp_command__": ...}`, as
 *  its `json_encode` writes them) and its SimpleCorrelator directory, turned into aiosmpp PDUs
 *  and correlator entries (docs/from-aiosmpplib.md, "Migrating persisted data").
 *
 *  The format is aiosmpplib's (jsonutils.py `_json_default`, protocol.py `from_json`,
 *  correlator.py `PersistingDict`): a message is its dataclass fields plus `__smpp_command__`
 *  (the SmppCommand name, "SUBMIT_SM"); enums (TON, NPI, command_status) are integers; a
 *  `datetime` is an ISO 8601 string and a `timedelta` its seconds as a number; optional_params is
 *  a list of `{"tag": int, "value": int | str | bool}`. Every field aiosmpplib's `from_json`
 *  reads is required, and a key aiosmpplib does not write is refused, so nothing is dropped
 *  silently. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiosmpp/json.hpp"
#include "aiosmpp/pdu/pdu.hpp"

namespace aiosmpp::aiosmpplib {

/** @brief aiosmpplib data that cannot be imported. what() is "<file>: <path>: <problem>", e.g.
 *  "c_delivery_store.json: [\"m1\"][1].source.ton: expected an integer 0-255, got string". */
class ImportError : public JsonError {
 public:
  /** @brief `file`: the file read (may be empty); `path`, `problem`: as JsonError. */
  ImportError(std::string file, const JsonError& error);
  /** @brief The file the error is in ("" for text given directly). */
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

/** @brief One aiosmpplib message object as an aiosmpp PDU: SubmitSm, DeliverSm, their
 *  responses, GenericNack, the binds and their responses, EnquireLink, Unbind (all aiosmpplib
 *  has). `log_id` / `extra_data` become `tracking`; short_message / message_payload (text in
 *  aiosmpplib) become `text` with the encoding, error mode and long-message mode aiosmpplib would
 *  have used; optional_params become TLVs encoded as aiosmpplib would have sent them.
 *  @throws JsonError naming the path (the root is the command name, "SUBMIT_SM"). */
Pdu message_from_json(const nlohmann::json& object);

/** @brief Every message in `text`: one object, an array of objects, or one object per line.
 *  @throws ImportError naming `file`, the path ("[2].source.ton") and what was expected. */
std::vector<Pdu> read_messages(std::string_view text, const std::string& file = {});

/** @brief How SimpleCorrelator's monotonic stored-at times are mapped onto the wall clock. */
struct CorrelatorImportOptions {
  /** @brief The SimpleCorrelator's name (its files are `<name>_*.json`); empty: the one name
   *  whose `<name>_delivery_store.json` is in the directory. */
  std::string name;
  /** @brief aiosmpplib's `max_ttl_delivery`, seconds (its default 3 days); > 0. */
  double max_ttl_delivery = 259200.0;
  /** @brief `time.monotonic()` of the old service when it stopped; empty: the newest stored-at
   *  time in the directory (the old service is taken to have stopped right after its last
   *  write). The monotonic clock counts from boot, so it means nothing on another machine or
   *  after a reboot: ages are always relative to this reference. */
  std::optional<double> monotonic_now;
  /** @brief Time between that reference and the import, added to every age (>= 0). */
  std::chrono::duration<double> downtime{0};
};

/** @brief A submit_sm awaiting its delivery receipt (`_delivery_store.json`). */
struct DeliveryEntry {
  std::string smsc_message_id;  ///< the key: the SMSC's id from submit_sm_resp
  double stored_at = 0;         ///< aiosmpplib's monotonic time of put_delivery
  /** @brief Reference - stored_at + downtime. */
  std::chrono::duration<double> age{0};
  /** @brief max_ttl_delivery - age; <= 0 when expired. */
  std::chrono::duration<double> remaining{0};
  bool expired = false;  ///< aiosmpplib would have dropped it (age > max_ttl_delivery)
  Pdu submit;            ///< the stored SubmitSm (its tracking is what the receipt needs)
};

/** @brief A request awaiting its response when the old service stopped (`_store.json`). */
struct PendingRequest {
  std::uint32_t sequence_number = 0;  ///< the key
  double stored_at = 0;               ///< aiosmpplib's monotonic time of put
  /** @brief Reference - stored_at + downtime. */
  std::chrono::duration<double> age{0};
  Pdu request;  ///< the request
};

/** @brief A segmented submit_sm's status (`_segment_status_store.json`). */
struct SegmentGroup {
  std::uint32_t ref_num = 0;  ///< the key: the SAR reference
  Pdu original;               ///< the submit_sm before splitting
  /** @brief Segment number → aiosmpplib status (65535 sending, 65534 failed, 65533 expired,
   *  65532 sent, else the receipt's err). */
  std::map<std::uint32_t, std::uint32_t> status;
  std::optional<Pdu> last_response;  ///< the last (or last failed) response, if any
  std::optional<Pdu> last_receipt;   ///< the last (or last failed) receipt, if any
};

/** @brief A SimpleCorrelator directory, read. */
struct CorrelatorData {
  std::string name;                       ///< the correlator's name
  double reference = 0;                   ///< monotonic time ages are counted from
  std::vector<DeliveryEntry> deliveries;  ///< sorted by smsc_message_id; expired ones flagged
  std::vector<PendingRequest> pending;    ///< sorted by sequence_number
  std::vector<SegmentGroup> segments;     ///< sorted by ref_num
  std::size_t segment_links = 0;          ///< entries of `_segment_store.json`
  std::size_t partial_incoming = 0;       ///< deliver_sm parts awaiting the rest
};

/** @brief Reads `<name>_store.json`, `_segment_store.json`, `_segment_status_store.json`,
 *  `_delivery_store.json` and `_delivery_segment_store.json` from `directory` (a missing file is
 *  an empty store, as for aiosmpplib). @throws ImportError naming the file, the path and what
 *  was expected; std::invalid_argument for options out of range. */
CorrelatorData read_correlator(const std::filesystem::path& directory,
                               const CorrelatorImportOptions& options = {});

}  // namespace aiosmpp::aiosmpplib
