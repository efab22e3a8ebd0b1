// The simulator's web console over real sockets: aiosmpp-smsc-sim started with --http-port on a
// free loopback port, real clients bound to it (the receiver example, aiosmpp-send), and the
// console's JSON API, /metrics (parsed back), its token rules, the fault switches taking effect,
// and an MO message and a receipt injected over HTTP reaching the bound receiver.

#include <string>

#include <fmt/format.h>

#include "console_support.hpp"

using namespace console_test;

TEST_CASE(
    "console: state and metrics count what clients did, switches act, MO and receipt reach "
    "a receiver") {
  const auto dir = work_dir("api");
  ConsoleSim sim(dir, {"--http-token", token});
  Http http(sim.http_port());

  auto page = http.get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("<script src=\"/console.js\">") != std::string::npos);
  auto script = http.get("/console.js");
  REQUIRE(script);
  CHECK(script->body.find("/api/state") != std::string::npos);

  auto state = http.state();
  CHECK(state.at("writable") == true);
  CHECK(state.at("recent_pdus") == 32);
  CHECK(state.at("stats").at("submits") == 0);
  CHECK(state.at("sessions").empty());
  CHECK(state.at("faults").size() == 13);

  Process rx = receiver(sim, dir, 1);
  const auto rx_id = wait_for_session(http, "bound_rx");

  // 40 messages from a transmitter: counted once each, in the JSON and in /metrics.
  {
    Process tx = sender(sim, dir, messages_csv(dir, 40), {"--bind", "transmitter"});
    const auto code = tx.wait_for(60s);
    INFO("aiosmpp-send stderr: " << tx.err());
    REQUIRE(code);
    CHECK(*code == 0);
  }
  state = http.state();
  CHECK(state.at("stats").at("submits") == 40);
  CHECK(state.at("stats").at("accepted") == 40);
  auto metrics = http.get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  auto samples = parse_metrics(metrics->body);
  CHECK(samples.at("aiosmpp_sim_submits_total") == 40);
  CHECK(samples.at("aiosmpp_sim_accepted_total") == 40);
  CHECK(samples.at("aiosmpp_sim_binds_total") == 2);
  CHECK(
      samples.count(fmt::format("aiosmpp_sim_session_in_flight{{session=\"{}\",system_id=\"{}\"}}",
                                rx_id, "smppclient1")) == 1);

  // State changes need the token: none or a wrong one is 401, and nothing changes.
  auto refused = http.post("/api/faults", {{"error-rate", "1"}});
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(refused->get_header_value("WWW-Authenticate") == "Bearer");
  auto wrong = http.post("/api/mo", {{"session", std::to_string(rx_id)}, {"text", "x"}},
                         std::string("not-the-token"));
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto as_field = http.post("/api/faults", {{"error-rate", "1"}, {"token", "wrong-token-1"}});
  REQUIRE(as_field);
  CHECK(as_field->status == 401);
  CHECK(http.state().at("faults").at(0).at("value") == "0");

  // A switch with the token: every submit now fails, as the counters show; a bad value is 400.
  auto bad = http.post("/api/faults", {{"error-rate", "2"}}, std::string(token));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(bad->body.find("error-rate") != std::string::npos);
  auto not_runtime = http.post("/api/faults", {{"port", "1"}}, std::string(token));
  REQUIRE(not_runtime);
  CHECK(not_runtime->status == 400);
  // All or nothing: a good option beside a refused one is not applied either.
  auto half =
      http.post("/api/faults", {{"error-rate", "1"}, {"withhold-rate", "2"}}, std::string(token));
  REQUIRE(half);
  CHECK(half->status == 400);
  CHECK(half->body.find("withhold-rate") != std::string::npos);
  CHECK(http.state().at("faults").at(0).at("value") == "0");  // error-rate unchanged
  auto on =
      http.post("/api/faults", {{"error-rate", "1"}, {"error-status", "0x0b"}}, std::string(token));
  REQUIRE(on);
  CHECK(on->status == 200);
  CHECK(nlohmann::json::parse(on->body).at("error-rate") == "1");
  CHECK(nlohmann::json::parse(on->body).at("error-status") == "ESME_RINVDSTADR:1");
  {
    // A permanent refusal (ESME_RINVDSTADR): each message once, rejected (exit status 1).
    Process tx = sender(sim, dir, messages_csv(dir, 5), {"--bind", "transmitter"});
    const auto code = tx.wait_for(60s);
    REQUIRE(code);
    CHECK(*code == 1);
  }
  state = http.state();
  CHECK(state.at("stats").at("submits") == 45);
  CHECK(state.at("stats").at("accepted") == 40);
  CHECK(state.at("stats").at("submit_errors") == 5);
  auto off = http.post("/api/faults", {{"error-rate", "0"}}, std::string(token));
  REQUIRE(off);
  CHECK(off->status == 200);

  // An unknown session is 404; the transmitter-less receiver gets the receipt, then the MO.
  auto missing = http.post("/api/mo", {{"session", "999"}, {"text", "x"}}, std::string(token));
  REQUIRE(missing);
  CHECK(missing->status == 404);
  auto receipt = http.post("/api/receipt",
                           {{"session", std::to_string(rx_id)},
                            {"message_id", "console-42"},
                            {"state", "UNDELIV"},
                            {"source", "1234"},
                            {"destination", "447700900123"}},
                           std::string(token));
  REQUIRE(receipt);
  CHECK(receipt->status == 200);
  auto mo = http.post("/api/mo", {{"session", std::to_string(rx_id)}, {"text", "hello via http"}},
                      std::string(token));
  REQUIRE(mo);
  INFO("MO answer: " << mo->body);
  CHECK(mo->status == 200);
  CHECK(nlohmann::json::parse(mo->body).at("deliver_sm") == 1);

  const auto rx_code = rx.wait_for(30s);
  INFO("receiver stdout: " << rx.out() << "\nstderr: " << rx.err());
  REQUIRE(rx_code);
  CHECK(*rx_code == 0);
  CHECK(rx.out().find("receipt id=console-42 stat=UNDELIV") != std::string::npos);
  CHECK(rx.out().find("text=\"hello via http\"") != std::string::npos);
  state = http.state();
  CHECK(state.at("stats").at("mo_sent") == 1);
  CHECK(state.at("stats").at("mo_acked") == 1);
  CHECK(state.at("stats").at("receipts_acked") == 1);
  sim.stop();
}

TEST_CASE("console: recent PDUs of a session are a bounded ring") {
  const auto dir = work_dir("pdus");
  ConsoleSim sim(dir, {"--http-token", token, "--recent-pdus", "4"});
  Http http(sim.http_port());
  Process rx = receiver(sim, dir, 4);
  const auto rx_id = wait_for_session(http, "bound_rx");
  const auto pdus_of = [&] {
    auto r = http.get(fmt::format("/api/sessions/{}/pdus", rx_id));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body).at("pdus");
  };
  CHECK(pdus_of().at(0).at("command") == "bind_receiver");
  const auto inject = [&] {
    auto mo = http.post("/api/mo", {{"session", std::to_string(rx_id)}, {"text", "ring"}},
                        std::string(token));
    REQUIRE(mo);
    CHECK(mo->status == 200);
  };
  for (int i = 0; i < 3; ++i)
    inject();
  const auto deadline = Process::Clock::now() + 20s;
  while (http.state().at("stats").at("mo_acked") != 3) {
    REQUIRE(Process::Clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }
  // bind_receiver, then 3 x (deliver_sm out, deliver_sm_resp in): only the last 4 are kept,
  // oldest first, the bind gone.
  const auto pdus = pdus_of();
  REQUIRE(pdus.size() == 4);
  for (const auto& p : pdus) {
    INFO(p.dump());
    const bool out = p.at("command") == "deliver_sm" && p.at("direction") == "out";
    const bool in = p.at("command") == "deliver_sm_resp" && p.at("direction") == "in" &&
                    p.at("status") == "ESME_ROK" && p.at("sequence") != 0;
    CHECK((out || in));
  }
  CHECK(pdus.back().at("command") == "deliver_sm_resp");
  CHECK(pdus.front().at("time_ms") <= pdus.back().at("time_ms"));
  inject();  // the receiver's fourth: it exits
  const auto code = rx.wait_for(30s);
  REQUIRE(code);
  CHECK(*code == 0);
  auto unknown = http.get("/api/sessions/999/pdus");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  sim.stop();
}

TEST_CASE("console: without a token it is read-only") {
  const auto dir = work_dir("read_only");
  ConsoleSim sim(dir, {});
  Http http(sim.http_port());
  CHECK(http.state().at("writable") == false);
  auto r = http.post("/api/faults", {{"error-rate", "1"}}, std::string(token));
  REQUIRE(r);
  CHECK(r->status == 403);
  auto big =
      http.post("/api/faults", {{"error-rate", std::string(20000, '1')}}, std::string(token));
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(http.state().at("faults").at(0).at("value") == "0");
  sim.stop();
}
