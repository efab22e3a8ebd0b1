#include <array>
#include <utility>
#include <variant>

#include "aiosmpp/json.hpp"

namespace aiosmpp {

namespace {

using Json = nlohmann::ordered_json;

// A set MessageText's JSON with every field at its default.
Json text_defaults() {
  SubmitSm with_text;
  with_text.text = MessageText{};
  Json j;
  to_json(j, Pdu(std::move(with_text)));
  return j.at("text");
}

// Each PDU type's JSON with every field at its default: what json_decode fills in for a key
// that is missing. `tracking` and `text` are written only when set, so their defaults are added.
template <std::size_t... I>
std::array<Json, sizeof...(I)> defaults_of(std::index_sequence<I...>) {
  std::array<Json, sizeof...(I)> out;
  const Json text = text_defaults();
  auto one = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
    Pdu p(std::in_place_index<K>);
    to_json(out[K], p);
    out[K]["tracking"] = Json{{"log_id", ""}, {"extra_data", ""}};
    if constexpr (requires { std::get<K>(p).text; }) out[K]["text"] = text;
  };
  (one(std::integral_constant<std::size_t, I>{}), ...);
  return out;
}

const Json& default_json(std::size_t index) {
  static const auto table = defaults_of(std::make_index_sequence<std::variant_size_v<Pdu>>());
  return table[index];
}

// Removes from `j` what equals `def` (objects recursively; an object left empty goes too).
void prune(Json& j, const Json& def) {
  for (auto it = j.begin(); it != j.end();) {
    const auto d = def.find(it.key());
    bool drop = false;
    if (d != def.end()) {
      if (it->is_object() && d->is_object()) {
        prune(*it, *d);
        drop = it->empty();
      } else {
        drop = *it == *d;
      }
    }
    it = drop ? j.erase(it) : std::next(it);
  }
}

}  // namespace

std::string json_encode_compact(const Pdu& pdu) {
  Json j;
  to_json(j, pdu);
  Json type = j["type"];
  Json schema = j["schema"];
  const bool has_text = j.contains("text");
  prune(j, default_json(pdu.index()));
  // A set text stays set, even with every field at its default.
  if (has_text && !j.contains("text")) j["text"] = Json::object();
  // The discriminator and the schema version stay, whatever the defaults.
  Json out{{"type", std::move(type)}, {"schema", std::move(schema)}};
  for (auto& [key, value] : j.items())
    out[key] = std::move(value);
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace aiosmpp
