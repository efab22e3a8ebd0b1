// aiosmpp's Esme against a node-smpp server speaking SMPP 5.0 (tests/interop/node/
// congestion_peer.js) over loopback: the version negotiated with a third-party peer, the peer's
// congestion_state lowering the Esme's send rate (counted per period from the hook's clock, no
// duration asserted), and the Esme's own congestion_state read by node-smpp from its
// deliver_sm_resp. The peer is stopped by its process id when each test case ends.

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

#include "aiosmpp/esme/esme.hpp"
#include "esme_run.hpp"
#include "node_peer.hpp"
#include "support/catch.hpp"
#include "support/timed_hook.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

EsmeConfig v50_esme_config(std::uint16_t port, InterfaceVersion version) {
  EsmeConfig c;
  c.smsc_port = port;
  c.system_id = "aiosmpp";
  c.password = "secret";
  c.client_id = "interop-v50";
  c.interface_version = version;
  c.enquire_link_interval = 5s;
  c.socket_timeout = 2s;
  c.response_timeout = 5s;
  c.stop_timeout = 1s;
  c.window = 20;
  c.log_level = LogLevel::off;
  return c;
}

SubmitSm v50_submit(int i) {
  SubmitSm m;
  m.source = PhoneNumber("254722111111");
  m.destination = PhoneNumber("254722999999");
  m.short_message = "congestion " + std::to_string(i);
  m.tracking.log_id = "v50-" + std::to_string(i);
  return m;
}

struct PeerRun {
  std::optional<InterfaceVersion> version;
  std::optional<std::uint8_t> last_congestion;
  std::vector<std::size_t> per_period;  // messages sent per 100 ms
  std::uint64_t congestion_decreases = 0;
  std::uint64_t throttled = 0;
  json stats;
};

// An Esme speaking `version` wants to send at 600 per second; the peer's congestion_state reads
// 100 at 200 submit_sm in the last second. Runs for 2.5 s of sending.
PeerRun against_node(InterfaceVersion version) {
  PeerRun out;
  NodePeer peer(AIOSMPP_NODE_EXECUTABLE, AIOSMPP_CONGESTION_PEER_SCRIPT);
  peer.command({{"op", "set"}, {"capacity", 200}, {"id", 1}});
  asio::io_context io;
  auto hook = std::make_shared<TimedHook>();
  FlowControlOptions fo;
  fo.period = 50ms;
  auto flow = std::make_shared<FlowControl>(fo);
  auto limiter = std::make_shared<TokenBucketRateLimiter>(600.0, 30.0);
  Esme esme(io.get_executor(), v50_esme_config(peer.port(), version),
            {.hook = hook, .rate_limiter = limiter, .flow_control = flow});
  run_esme(
      io, esme,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 2000; ++i)
          co_await esme.broker().enqueue(Pdu(v50_submit(i)));
        const bool spanned = co_await peer.wait([&] { return hook->spans(2500ms); }, 20000ms);
        CHECK(spanned);
        out.version = esme.interface_version();
        out.last_congestion = esme.congestion_state();
        peer.command({{"op", "stats"}, {"id", 2}});
        const bool settled = co_await peer.settle();
        CHECK(settled);
      },
      60s);
  out.per_period = hook->per_period(100ms);
  out.congestion_decreases = flow->stats().congestion_decreases;
  out.throttled = esme.stats().throttled;
  const auto stats = peer.select([](const json& e) { return e.value("event", "") == "stats"; });
  REQUIRE(stats.size() == 1);
  out.stats = stats[0];
  return out;
}

}  // namespace

TEST_CASE("interop v5.0: node-smpp's congestion_state lowers the Esme's send rate",
          "[interop][esme][v50][congestion]") {
  SECTION("5.0 on both sides") {
    const auto r = against_node(InterfaceVersion::smpp_5_0);
    CHECK(r.version == InterfaceVersion::smpp_5_0);
    REQUIRE(r.last_congestion);
    CHECK(r.stats.at("with_congestion").get<std::size_t>() ==
          r.stats.at("submits").get<std::size_t>());
    CHECK(r.stats.at("max_congestion").get<int>() >= 90);  // it reached "nearing congestion"
    CHECK(r.congestion_decreases > 0);
    CHECK(r.throttled == 0);  // node-smpp never throttles: the rate fell on congestion_state
    const auto [peak, later] = rate_change(r.per_period, 10, 15);
    REQUIRE(peak > 0);
    INFO("peak " << peak << " per 100 ms, later " << later);
    CHECK(later < 0.75 * static_cast<double>(peak));
  }
  SECTION("a 3.4 Esme: node-smpp answers 3.4 and sends no congestion_state") {
    const auto r = against_node(InterfaceVersion::smpp_3_4);
    CHECK(r.version == InterfaceVersion::smpp_3_4);
    CHECK_FALSE(r.last_congestion);
    CHECK(r.stats.at("with_congestion").get<std::size_t>() == 0);
    CHECK(r.congestion_decreases == 0);
  }
}

namespace {

// node-smpp sends `n` deliver_sm at once; what it read as congestion_state in each response.
json deliver_resps_from_node(InterfaceVersion version, int n) {
  NodePeer peer(AIOSMPP_NODE_EXECUTABLE, AIOSMPP_CONGESTION_PEER_SCRIPT);
  asio::io_context io;
  auto hook = std::make_shared<SlowReceiver>();
  auto cfg = v50_esme_config(peer.port(), version);
  cfg.window = 4;  // the Esme's backlog is a percentage of it
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  json resps;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    const bool is_bound =
        co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
    REQUIRE(is_bound);
    peer.command({{"op", "deliver"}, {"count", n}, {"id", 1}});
    const bool all =
        co_await peer.wait([&] { return hook->received_count == std::size_t(n); }, 10000ms);
    CHECK(all);
    // The last answer is written once the hook returns; ask for the peer's view after it.
    bool complete = false;
    for (int attempt = 2; attempt < 200 && !complete; ++attempt) {
      peer.command({{"op", "stats"}, {"id", attempt}});
      const bool settled = co_await peer.settle();
      REQUIRE(settled);
      const auto stats = peer.select([](const json& e) { return e.value("event", "") == "stats"; });
      resps = stats.back().at("deliver_resps");
      complete = resps.size() == std::size_t(n);
    }
    CHECK(complete);
  });
  return resps;
}

}  // namespace

TEST_CASE("interop v5.0: node-smpp reads the Esme's congestion_state in deliver_sm_resp",
          "[interop][esme][v50][congestion]") {
  constexpr int n = 12;
  SECTION("5.0: in every answer, above 0 while the hook is behind") {
    const auto resps = deliver_resps_from_node(InterfaceVersion::smpp_5_0, n);
    REQUIRE(resps.size() == n);
    int highest = 0;
    for (const auto& v : resps) {
      REQUIRE(v.is_number_integer());
      CHECK(v.get<int>() <= 100);
      highest = std::max(highest, v.get<int>());
    }
    CHECK(highest > 0);
  }
  SECTION("3.4: in none") {
    const auto resps = deliver_resps_from_node(InterfaceVersion::smpp_3_4, n);
    REQUIRE(resps.size() == n);
    for (const auto& v : resps)
      CHECK(v.is_null());
  }
}
