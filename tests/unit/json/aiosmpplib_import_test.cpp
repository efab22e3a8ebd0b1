// Import of aiosmpplib's persisted JSON (aiosmpp/json/aiosmpplib.hpp). The samples in
// tests/data/aiosmpplib were written by reading aiosmpplib's source (jsonutils.py, protocol.py,
// state.py, correlator.py; its README says how), not produced by running it: each field checked
// here is what aiosmpplib's json_encode writes for the object described there.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <unistd.h>

#include "aiosmpp/json/aiosmpplib.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
namespace fs = std::filesystem;

namespace {

const fs::path data_dir = AIOSMPP_AIOSMPPLIB_DATA;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::uint8_t> bytes(std::initializer_list<int> b) {
  std::vector<std::uint8_t> out;
  for (int x : b)
    out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

// A copy of the sample correlator directory to break, removed afterwards.
class TempCorrelator {
 public:
  TempCorrelator() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("aiosmpp_import_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::copy(data_dir / "correlator", dir_);
  }
  ~TempCorrelator() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  TempCorrelator(const TempCorrelator&) = delete;
  TempCorrelator& operator=(const TempCorrelator&) = delete;
  const fs::path& dir() const { return dir_; }
  void write(const std::string& file, const std::string& text) const {
    std::ofstream(dir_ / file, std::ios::binary | std::ios::trunc) << text;
  }

 private:
  fs::path dir_;
};

// The error a call throws, as ImportError (file, path, problem).
template <class F>
aiosmpplib::ImportError import_error(F&& f) {
  try {
    f();
  } catch (const aiosmpplib::ImportError& e) {
    return e;
  }
  FAIL("no ImportError");
  throw std::logic_error("unreachable");
}

// The error message_from_json throws for `text`.
std::string message_error(const std::string& text) {
  try {
    aiosmpplib::message_from_json(nlohmann::json::parse(text));
  } catch (const JsonError& e) {
    return e.what();
  }
  return "(no error)";
}

// A valid SUBMIT_SM object, to break one field of.
nlohmann::json sample_submit() {
  return nlohmann::json::parse(slurp(data_dir / "messages.json"))[0];
}

}  // namespace

TEST_CASE("aiosmpplib messages: every field of the sample set") {
  const auto pdus = aiosmpplib::read_messages(slurp(data_dir / "messages.json"), "messages.json");
  REQUIRE(pdus.size() == 7);

  const auto& s = std::get<SubmitSm>(pdus[0]);
  CHECK(s.header.sequence_number == 5);
  CHECK(s.header.command_status == CommandStatus::ok);
  CHECK(s.tracking == Tracking{"order-7", "{\"customer\": 3}"});
  CHECK(s.source == PhoneNumber("ACME", Ton::alphanumeric, Npi::unknown));
  CHECK(s.destination == PhoneNumber("447700900123", Ton::international, Npi::isdn));
  CHECK(s.service_type.empty());
  CHECK(s.esm_class == EsmClass::default_mode);
  CHECK(s.protocol_id == 0);
  CHECK(s.priority_flag == 0);
  // datetime(2026, 12, 8, 10, 30, tzinfo=+01:00) and timedelta(days=1), as aiosmpplib's
  // datetime_to_smpp_time writes them.
  CHECK(s.schedule_delivery_time == "261208103000004+");
  CHECK(s.validity_period == "000001000000000R");
  CHECK(s.registered_delivery == RegisteredDelivery::receipt_always);
  CHECK(s.replace_if_present_flag == 0);
  CHECK(s.sm_default_msg_id == 0);
  CHECK(s.short_message.empty());
  REQUIRE(s.text);
  CHECK(s.text->utf8 == "Gr\u00fc\u00dfe aus K\u00f6ln");
  CHECK(s.text->encoding == TextEncoding::latin1);
  CHECK(s.text->errors == ErrorMode::strict);
  CHECK(s.text->long_message == LongMessageMode::sar);  // auto_message_payload false, no UDHI
  REQUIRE(s.tlvs.size() == 2);
  CHECK(s.tlvs[0] == Tlv{0x0204, bytes({0x02, 0x01})});  // user_message_reference 513
  CHECK(s.tlvs[1] == Tlv{0x130C, {}});                   // alert_on_message_delivery true

  const auto& d = std::get<DeliverSm>(pdus[1]);
  CHECK(d.header.sequence_number == 9);
  CHECK(d.esm_class == EsmClass::delivery_receipt);
  CHECK(d.registered_delivery == RegisteredDelivery::none);
  CHECK(d.source.number == "447700900123");
  REQUIRE(d.text);
  CHECK(d.text->utf8.starts_with("id:msg-0001 sub:001"));
  CHECK(d.text->encoding == TextEncoding::automatic);  // encoding null
  CHECK(d.text->long_message == LongMessageMode::message_payload);
  REQUIRE(d.tlvs.size() == 2);
  CHECK(d.tlvs[0] == Tlv{0x001E, bytes({'m', 's', 'g', '-', '0', '0', '0', '1', 0})});
  CHECK(d.tlvs[1] == Tlv{0x0427, bytes({2})});

  const auto& r = std::get<SubmitSmResp>(pdus[2]);
  CHECK(r.header.sequence_number == 5);
  CHECK(r.message_id == "msg-0007");
  CHECK(r.tracking.log_id == "order-7");

  const auto& b = std::get<BindTransceiver>(pdus[3]);
  CHECK(b.system_id == "acme");
  CHECK(b.password == "secret");
  CHECK(b.interface_version == InterfaceVersion::smpp_3_4);
  CHECK(b.address_range == PhoneNumber("", Ton::unknown, Npi::unknown));

  const auto& br = std::get<BindTransceiverResp>(pdus[4]);
  CHECK(br.system_id == "SMSC");
  REQUIRE(br.tlvs.size() == 1);
  CHECK(br.tlvs[0] == Tlv{0x0210, bytes({0x34})});

  CHECK(std::get<EnquireLink>(pdus[5]).header.sequence_number == 2);
  CHECK(std::get<GenericNack>(pdus[6]).header.command_status == CommandStatus::invalid_command_id);
}

TEST_CASE("aiosmpplib messages: encodings, long-message modes and time zones") {
  auto m = sample_submit();
  m["encoding"] = "iso8859_5";
  m["auto_message_payload"] = false;
  m["esm_class"] = 0x40;  // UDHI: aiosmpplib splits with a UDH; aiosmpp's render sets UDHI
  m["error_handling"] = "ignore";
  m["schedule_delivery_time"] = "2026-12-08T10:30:00.250000-03:00";
  m["validity_period"] = nullptr;
  m["optional_params"] = nullptr;
  const auto s = std::get<SubmitSm>(aiosmpplib::message_from_json(m));
  CHECK(s.text->encoding == TextEncoding::custom);
  CHECK(s.text->custom_data_coding == 6);
  CHECK(s.text->long_message == LongMessageMode::udh8);
  CHECK(s.text->errors == ErrorMode::ignore);
  CHECK(s.esm_class == EsmClass::default_mode);
  CHECK(s.schedule_delivery_time == "261208103000212-");
  CHECK(s.validity_period.empty());
  CHECK(s.tlvs.size() == 0);

  m["short_message"] = "";
  m["message_payload"] = "long text";
  m["encoding"] = "gsm0338";
  m["schedule_delivery_time"] = "2026-12-08T10:30:00";  // naive: UTC, as aiosmpplib writes it
  const auto p = std::get<SubmitSm>(aiosmpplib::message_from_json(m));
  CHECK(p.text->utf8 == "long text");
  CHECK(p.text->encoding == TextEncoding::gsm7);
  CHECK(p.schedule_delivery_time == "261208103000000+");
}

TEST_CASE("aiosmpplib messages: malformed input names the field and what was expected") {
  CHECK(message_error(R"({"sequence_num": 1})") ==
        "message.__smpp_command__: missing or not a string: not an aiosmpplib message "
        "(json_encode of an SmppMessage)");
  CHECK(message_error(R"({"__smpp_command__": "SUBMIT_MULTI", "sequence_num": 1})")
            .starts_with("message.__smpp_command__: \"SUBMIT_MULTI\" is not"));
  CHECK(message_error(R"({"__smpp_command__": "ENQUIRE_LINK"})") ==
        "ENQUIRE_LINK.sequence_num: missing (aiosmpplib always writes it)");
  CHECK(message_error(R"({"__smpp_command__": "ENQUIRE_LINK", "sequence_num": 1, "x": 2})") ==
        "ENQUIRE_LINK.x: unknown field");

  const auto broken = [](const char* key, nlohmann::json value) {
    auto m = sample_submit();
    m[key] = std::move(value);
    return message_error(m.dump());
  };
  CHECK(broken("source", {{"number", "ACME"}, {"ton", "five"}, {"npi", 0}}) ==
        "SUBMIT_SM.source.ton: expected an integer 0-255 (or a \"0x..\" string), got \"five\"");
  CHECK(broken("destination", {{"number", std::string(25, '1')}, {"ton", 1}, {"npi", 1}}) ==
        "SUBMIT_SM.destination.number: 25 characters, limit 20");
  CHECK(broken("esm_class", 256) == "SUBMIT_SM.esm_class: expected an integer 0-255, got 256");
  CHECK(broken("encoding", "klingon")
            .starts_with("SUBMIT_SM.encoding: unknown encoding \"klingon\""));
  CHECK(broken("error_handling", "lenient") ==
        "SUBMIT_SM.error_handling: unknown error mode \"lenient\"; expected strict, replace or "
        "ignore");
  CHECK(broken("schedule_delivery_time", "2026-13-01T00:00:00") ==
        "SUBMIT_SM.schedule_delivery_time: \"2026-13-01T00:00:00\" is not a valid date-time");
  CHECK(broken("schedule_delivery_time", "2026-12-01T00:00:00+05:50")
            .find("not a whole number of quarter-hours") != std::string::npos);
  CHECK(broken("validity_period", "tomorrow")
            .starts_with("SUBMIT_SM.validity_period: expected an ISO 8601"));
  CHECK(broken("optional_params", nlohmann::json::array({{{"tag", 0x001E}, {"value", 7}}}))
            .starts_with("SUBMIT_SM.optional_params[0].value: an integer value "
                         "needs an integer TLV"));
  CHECK(broken("optional_params", nlohmann::json::array({{{"tag", 0x0204}, {"value", 70000}}})) ==
        "SUBMIT_SM.optional_params[0].value: expected an integer 0-65535, got 70000");
  CHECK(broken("message_payload", "both") ==
        "SUBMIT_SM.message_payload: set together with short_message; aiosmpplib allows one");
  auto m = sample_submit();
  m.erase("auto_message_payload");
  CHECK(message_error(m.dump()) ==
        "SUBMIT_SM.auto_message_payload: missing (aiosmpplib always writes it)");
}

TEST_CASE("aiosmpplib message files: an array, one object, one object per line") {
  const std::string enquire = R"({"__smpp_command__": "ENQUIRE_LINK", "sequence_num": 4, )"
                              R"("command_status": 0})";
  CHECK(aiosmpplib::read_messages(enquire).size() == 1);
  const auto lines = aiosmpplib::read_messages(enquire + "\n\n" + enquire + "\n", "q.jsonl");
  CHECK(lines.size() == 2);

  auto e = import_error([&] {
    aiosmpplib::read_messages("[" + enquire + R"(, {"__smpp_command__": "UNBIND"}])", "f.json");
  });
  CHECK(e.file() == "f.json");
  CHECK(std::string(e.what()) ==
        "f.json: [1].UNBIND.sequence_num: missing (aiosmpplib always writes it)");
  e = import_error([&] { aiosmpplib::read_messages(enquire + "\n{broken\n", "q.jsonl"); });
  CHECK(e.path() == "q.jsonl: line 2");
}

TEST_CASE("aiosmpplib SimpleCorrelator: the sample directory, entry by entry") {
  const auto data = aiosmpplib::read_correlator(data_dir / "correlator");
  CHECK(data.name == "smsc1");
  CHECK(data.reference == 400000.5);  // the newest stored_at (msg-0002)
  REQUIRE(data.deliveries.size() == 5);

  const auto& d1 = data.deliveries[0];
  CHECK(d1.smsc_message_id == "msg-0001");
  CHECK(d1.stored_at == 399000.0);
  CHECK(d1.age.count() == 1000.5);
  CHECK(d1.remaining.count() == 259200.0 - 1000.5);
  CHECK_FALSE(d1.expired);
  const auto& s1 = std::get<SubmitSm>(d1.submit);
  CHECK(s1.header.sequence_number == 10);
  CHECK(s1.tracking == Tracking{"order-1", "{\"customer\": 17}"});
  CHECK(s1.text->utf8 == "Hello");

  const auto& d2 = data.deliveries[1];
  CHECK(d2.smsc_message_id == "msg-0002");
  CHECK(d2.age.count() == 0);
  CHECK(std::get<SubmitSm>(d2.submit).text->encoding == TextEncoding::ucs2);
  CHECK(std::get<SubmitSm>(d2.submit).text->utf8 == "\u041f\u0440\u0438\u0432\u0435\u0442");

  const auto& old = data.deliveries[2];
  CHECK(old.smsc_message_id == "old-0003");
  CHECK(old.expired);
  CHECK(old.remaining.count() < 0);

  CHECK(data.deliveries[3].smsc_message_id == "seg-a1");
  CHECK(data.deliveries[4].smsc_message_id == "seg-a2");
  const auto& seg = std::get<SubmitSm>(data.deliveries[4].submit);
  CHECK(seg.tracking.log_id == "order-4");
  REQUIRE(seg.tlvs.size() == 3);
  CHECK(seg.tlvs[0] == Tlv{0x020C, bytes({0x00, 42})});  // sar_msg_ref_num, 2 octets
  CHECK(seg.tlvs[1] == Tlv{0x020F, bytes({2})});
  CHECK(seg.tlvs[2] == Tlv{0x020E, bytes({2})});

  REQUIRE(data.pending.size() == 2);
  CHECK(data.pending[0].sequence_number == 22);
  CHECK(data.pending[0].age.count() == 0.5);
  CHECK(std::get<SubmitSm>(data.pending[0].request).tracking.log_id == "order-5");
  CHECK(data.pending[1].sequence_number == 23);
  CHECK(std::holds_alternative<EnquireLink>(data.pending[1].request));

  REQUIRE(data.segments.size() == 1);
  const auto& g = data.segments[0];
  CHECK(g.ref_num == 42);
  CHECK(g.status == std::map<std::uint32_t, std::uint32_t>{{1, 65532}, {2, 65532}});
  CHECK(std::get<SubmitSm>(g.original).tracking.log_id == "order-4");
  REQUIRE(g.last_response);
  CHECK(std::get<SubmitSmResp>(*g.last_response).message_id == "seg-a1");
  CHECK_FALSE(g.last_receipt);
  CHECK(data.segment_links == 2);
  CHECK(data.partial_incoming == 1);
}

TEST_CASE("aiosmpplib SimpleCorrelator: how monotonic stored-at times become ages") {
  aiosmpplib::CorrelatorImportOptions o;
  o.name = "smsc1";
  o.monotonic_now = 400100.5;  // the old service ran 100 s past its last write
  o.downtime = std::chrono::seconds(50);
  o.max_ttl_delivery = 1200;
  const auto data = aiosmpplib::read_correlator(data_dir / "correlator", o);
  CHECK(data.reference == 400100.5);
  CHECK(data.deliveries[0].age.count() == 1150.5);
  CHECK(data.deliveries[0].remaining.count() == 1200 - 1150.5);
  CHECK_FALSE(data.deliveries[0].expired);
  CHECK(data.deliveries[1].age.count() == 150);
  CHECK(data.pending[1].age.count() == 150.25);

  o.max_ttl_delivery = 1100;
  CHECK(aiosmpplib::read_correlator(data_dir / "correlator", o).deliveries[0].expired);
  o.max_ttl_delivery = 0.5;
  CHECK_THROWS_AS(aiosmpplib::read_correlator(data_dir / "correlator", o), std::invalid_argument);
}

TEST_CASE("aiosmpplib SimpleCorrelator: malformed files name the file, the entry and the field") {
  TempCorrelator tmp;
  auto e = import_error([&] { aiosmpplib::read_correlator(tmp.dir() / "nope"); });
  CHECK(e.problem() == "not a directory");

  tmp.write("smsc1_delivery_store.json", R"({"m1": {"stored_at": 1}})");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(e.file() == "smsc1_delivery_store.json");
  CHECK(std::string(e.what()) ==
        "smsc1_delivery_store.json: [\"m1\"]: expected [stored_at, value] (a 2-element array)");

  tmp.write("smsc1_delivery_store.json", R"({"m1": ["soon", {}]})");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(e.path() == "smsc1_delivery_store.json: [\"m1\"][0]");

  tmp.write("smsc1_delivery_store.json",
            R"({"m1": [5.0, {"__smpp_command__": "ENQUIRE_LINK", "sequence_num": 1}]})");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(std::string(e.what()) == "smsc1_delivery_store.json: [\"m1\"][1]: expected a SUBMIT_SM");

  auto bad = sample_submit();
  bad["source"]["npi"] = -1;
  tmp.write("smsc1_delivery_store.json", nlohmann::json{{"m1", {5.0, bad}}}.dump());
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(std::string(e.what()) ==
        "smsc1_delivery_store.json: [\"m1\"][1].SUBMIT_SM.source.npi: expected an integer "
        "0-255, got -1");

  tmp.write("smsc1_delivery_store.json", "{}");
  tmp.write("smsc1_store.json", R"({"x": [1.0, {}]})");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(std::string(e.what()) ==
        "smsc1_store.json: [\"x\"]: key: expected an integer 0-4294967295");

  tmp.write("smsc1_store.json", "[]");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(std::string(e.what()) ==
        "smsc1_store.json: json: expected an object (a PersistingDict), got array");

  tmp.write("smsc1_store.json", "{}");
  tmp.write("smsc1_segment_status_store.json", R"({"42": {"status": {}}})");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(e.path() == "smsc1_segment_status_store.json: [\"42\"].orig_submit_sm");

  tmp.write("other_delivery_store.json", "{}");
  e = import_error([&] { aiosmpplib::read_correlator(tmp.dir()); });
  CHECK(e.problem() == "several correlators (other, smsc1); choose one by name");
}
