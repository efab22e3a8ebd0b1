#pragma once

// What the durable correlators' tests (SQLite, Redis) share: a receipt factory and the awaitable
// Correlator calls with view parameters.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>

#include "aiosmpp/esme/correlator.hpp"

namespace aiosmpp::test {

/** A delivery receipt deliver_sm whose text names `id` and `stat`. */
inline Pdu receipt(std::string_view id, std::string_view stat = "DELIVRD") {
  DeliverSm d;
  d.esm_class = EsmClass::delivery_receipt;
  d.short_message = "id:" + std::string(id) + " stat:" + std::string(stat);
  return d;
}

/** The text of a receipt made by receipt(). */
inline std::string text_of(const Pdu& p) {
  return std::get<DeliverSm>(p).short_message;
}

// The awaitable calls. Their parameters are views (trivially destructible): g++ 12 destroys
// prvalue arguments of a co_await twice, so a std::string argument built at the call would be.
inline asio::awaitable<void> put(Correlator& c, std::string_view id, std::string_view log_id) {
  std::string key(id);
  Tracking t{std::string(log_id), "x"};
  co_await c.put_delivery(std::move(key), std::move(t));
}
inline asio::awaitable<std::vector<ReleasedReceipt>> add(Correlator& c, std::string_view id,
                                                         std::string_view log_id) {
  std::string key(id);
  Tracking t{std::string(log_id), "x"};
  co_return co_await c.register_delivery(std::move(key), std::move(t));
}
inline asio::awaitable<ReceiptMatch> correlate(Correlator& c, std::string_view id, bool final_state,
                                               std::string_view stat = "DELIVRD") {
  const Pdu r = receipt(id, stat);
  co_return co_await c.correlate_receipt(id, final_state, r);
}

}  // namespace aiosmpp::test
