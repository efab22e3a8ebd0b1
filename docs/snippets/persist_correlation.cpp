// docs/guides/persist-correlation.md: a Correlator on the application's own database, so that a
// receipt arriving after a restart still finds its message's log_id and extra_data.

#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/esme/config.hpp"
#include "aiosmpp/esme/correlator.hpp"
#include "aiosmpp/json.hpp"
#include "snippet_main.hpp"

namespace {

// snippet-begin: store
// The application's key-value store with expiry: a SQL table (message_id PRIMARY KEY, tracking,
// expires_at), Redis SET with EX, DynamoDB with TTL. Here, memory, for the demonstration.
class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;
  virtual void put(std::string key, std::string value, std::chrono::seconds ttl) = 0;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual void erase(const std::string& key) = 0;
};
// snippet-end: store

class MemoryStore final : public KeyValueStore {
 public:
  void put(std::string key, std::string value, std::chrono::seconds) override {
    std::lock_guard lock(mutex_);
    rows_[std::move(key)] = std::move(value);
  }
  std::optional<std::string> get(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = rows_.find(key);
    if (it == rows_.end()) return std::nullopt;
    return it->second;
  }
  void erase(const std::string& key) override {
    std::lock_guard lock(mutex_);
    rows_.erase(key);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> rows_;
};

// snippet-begin: correlator
class StoreCorrelator final : public aiosmpp::Correlator {
 public:
  explicit StoreCorrelator(std::shared_ptr<KeyValueStore> store,
                           std::chrono::seconds ttl = std::chrono::hours(72),
                           std::chrono::seconds grace = std::chrono::hours(1))
      : store_(std::move(store)), ttl_(ttl), grace_(grace) {}

  // After a successful submit_sm_resp: remember which message the SMSC's id belongs to. The id
  // arrives normalised by the Esme (EsmeConfig::message_ids): store it as it is.
  asio::awaitable<void> put_delivery(std::string smsc_message_id,
                                     aiosmpp::Tracking tracking) override {
    const nlohmann::json value = {{"tracking", tracking}, {"final", false}};
    store_->put(std::move(smsc_message_id), value.dump(), ttl_);
    co_return;
  }

  // When a receipt arrives: whose is it? A final state (DELIVRD, UNDELIV, ...) ends the entry,
  // which stays a while as a marker so that a receipt the SMSC sends again still finds its log_id.
  asio::awaitable<std::optional<aiosmpp::Tracking>> get_delivery(std::string_view smsc_message_id,
                                                                 bool final_state) override {
    const std::string key(smsc_message_id);
    auto value = store_->get(key);
    if (!value) co_return std::nullopt;
    auto row = nlohmann::json::parse(*value);
    if (final_state && !row.at("final").get<bool>()) {
      row["final"] = true;
      store_->put(key, row.dump(), grace_);
    }
    co_return row.at("tracking").get<aiosmpp::Tracking>();
  }

 private:
  std::shared_ptr<KeyValueStore> store_;
  std::chrono::seconds ttl_;
  std::chrono::seconds grace_;
};
// snippet-end: correlator

asio::awaitable<void> demo() {
  auto store = std::make_shared<MemoryStore>();
  // snippet-begin: use
  auto correlator = std::make_shared<StoreCorrelator>(store);
  aiosmpp::EsmeConfig config;
  // This SMSC answers submit_sm with hex ids and writes decimal ids in its receipts: the Esme
  // hands the correlator one form of both.
  config.message_ids = aiosmpp::MessageIdForms::hex_response_decimal_receipt;
  // aiosmpp::Esme esme(executor, config, {.correlator = correlator, .hook = hook});
  // snippet-end: use

  // Named values, not temporaries, go into awaited calls (a g++ 12 pitfall; see concepts.md).
  std::string response_id = "59113978";
  aiosmpp::Tracking tracking{.log_id = "order-42", .extra_data = "{\"customer\":17}"};
  co_await correlator->put_delivery(std::move(response_id), std::move(tracking));
  // ... the process restarts; the receipt comes ...
  auto found = co_await correlator->get_delivery("59113978", true);
  if (!found || found->log_id != "order-42") throw std::runtime_error("receipt not correlated");
  fmt::print("receipt 59113978 belongs to {} ({})\n", found->log_id, found->extra_data);
  auto again = co_await correlator->get_delivery("59113978", true);
  if (!again || again->log_id != "order-42") {
    throw std::runtime_error("a receipt sent again must still find its log_id");
  }
}

}  // namespace

int main() {
  asio::io_context io;
  return docs::run_main(io, demo());
}
