// The simulator's construction, its Server handlers, binds and stats. The submit path is in
// sim_submit.cpp; receipts, MO and the scheduler are in sim_delivery.cpp.

#include <algorithm>
#include <array>
#include <charconv>
#include <random>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <asio/ip/address.hpp>
#include <asio/post.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/text/smpp_time.hpp"
#include "aiosmpp/tls/transport.hpp"
#include "smsc/sim_impl.hpp"

namespace aiosmpp::smsc {

namespace {

using sim_detail::ring_size;

// The flag behind a TlsServerConfig field, for errors that name what the user typed.
std::string tls_flag(std::string_view field) {
  if (field == "cert_file" || field == "enabled") return "tls-cert";
  if (field == "key_file") return "tls-key";
  if (field == "client_ca_file") return "tls-client-ca";
  if (field == "require_client_cert") return "tls-require-client-cert";
  if (field == "min_version") return "tls-min-version";
  if (field == "handshake_timeout") return "tls-handshake-timeout";
  if (field == "max_handshakes") return "tls-max-handshakes";
  return std::string(field);
}

// Fails at start, naming the flag: TLS options without --tls-cert, or TLS settings that cannot
// work (unreadable files, a key without its certificate, TLS not built).
void check_tls(const SimConfig& c) {
  if (c.tls.cert_file.empty()) {
    auto needs_cert = [](std::string_view flag) {
      throw std::invalid_argument(fmt::format("--{}: needs --tls-cert and --tls-key", flag));
    };
    if (!c.tls.key_file.empty()) needs_cert("tls-key");
    if (c.tls_port) needs_cert("tls-port");
    if (!c.tls.client_ca_file.empty()) needs_cert("tls-client-ca");
    return;
  }
  if (auto p = find_problem(c.tls)) {
    throw std::invalid_argument(fmt::format("--{}: {}", tls_flag(p->field), p->message));
  }
}

}  // namespace

Simulator::Impl::Impl(asio::any_io_executor ex, SimConfig cfg, Logger log, UniformSource source)
    : executor(ex),
      config(std::move(cfg)),
      logger(std::move(log)),
      rng(std::move(source)),
      ring(ring_size),
      receipts(config.receipt_delay.fixed()),
      intermediates(config.receipt_delay.fixed()),
      retries(false),
      responses(config.response_delay.fixed()),
      log_budget(config.max_warnings_per_second),
      sched(ex),
      mo_timer(ex),
      stats_timer(ex) {
  if (!rng) {
    std::uint64_t seed = config.seed;
    if (seed == 0) seed = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    auto engine = std::make_shared<std::mt19937_64>(seed);
    rng = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
  for (auto& [s, w] : config.receipt_states)
    state_weights.push_back(w);
  if (state_weights.empty()) throw std::invalid_argument("receipt-states: empty");
  (void)pick_weighted(state_weights, 0);
  if (config.receipt_retry.min.count() <= 0) {
    throw std::invalid_argument("receipt-retry: the first delay must be above 0");
  }
  if (config.unbind_after != 0 && config.unbind_owed > config.unbind_after) {
    throw std::invalid_argument("unbind-owed: at most unbind-after");
  }
  check_tls(config);
  if (!config.mo_file.empty()) {
    mo_messages = load_mo_file(config.mo_file, config.mo);
  } else {
    mo_messages.push_back(config.mo);
  }
  // Fail at start, not on the first injection, when the MO text cannot be encoded.
  for (const auto& m : mo_messages)
    (void)make_mo(m);
  server = std::make_unique<Server>(ex, server_config(), make_handlers());
}

Simulator::Impl::~Impl() {
  // A receipt queued on a session refers to that session's SimSession (its owner): break the
  // cycle for sessions that never ran to their end (an io_context destroyed before them).
  if (!server) return;
  for (const auto& s : server->sessions()) {
    if (s->context() != nullptr) static_cast<SimSession*>(s->context())->queued.clear();
  }
}

ServerConfig Simulator::Impl::server_config() const {
  ServerConfig sc;
  sc.system_id = config.system_id;
  sc.interface_version = config.interface_version;
  sc.max_sessions = config.max_sessions;
  sc.max_connections = config.max_connections;
  sc.max_connections_per_address = config.max_connections_per_address;
  sc.window = config.window;
  sc.max_backlog = config.max_backlog;
  sc.max_pending_requests = config.max_pending_requests;
  const bool refusing = config.refuse_binds.has_value();
  sc.max_bind_failures = config.max_bind_failures.value_or(refusing ? 0 : 3);
  sc.bind_failure_delay = config.bind_failure_delay.value_or(
      refusing ? std::chrono::milliseconds(0) : std::chrono::milliseconds(1000));
  sc.session_init_timeout = config.session_init_timeout;
  sc.enquire_link_interval = config.enquire_link_interval;
  sc.response_timeout = config.response_timeout;
  sc.inactivity_timeout = config.inactivity_timeout;
  sc.pdu_timeout = config.pdu_timeout;
  sc.unbind_timeout = config.unbind_timeout;
  sc.close_timeout = config.close_timeout;
  sc.shutdown_timeout = config.shutdown_timeout;
  sc.max_pdu_size = config.max_pdu_size;
  sc.write_high_water = config.write_high_water;
  sc.max_write_buffer = std::max(config.max_write_buffer, config.write_high_water);
  sc.max_warnings_per_second = config.max_warnings_per_second;
  sc.logger = logger;
  return sc;
}

Simulator::Impl::SimSession& Simulator::Impl::context(Session& s) {
  if (s.context() == nullptr) {
    auto* ctx = new SimSession(config.max_submit_rate, config.queue_full_above);
    ctx->session = s.weak_from_this();
    ctx->live = &s;
    s.set_context(std::shared_ptr<void>(
        ctx, [](void* c) { sim_detail::OwnerRef::release(static_cast<SimSession*>(c)); }));
  }
  return *static_cast<SimSession*>(s.context());
}

Handlers Simulator::Impl::make_handlers() {
  Handlers h;
  h.bind = [this](Session&, const BindRequest& b) { return on_bind(b); };
  h.on_bound = [this](Session& s) { on_bound(s); };
  h.on_closed = [this](Session& s, std::error_code) { on_closed(s); };
  // Installed only when something uses it (every PDU pays for the call); drop_every can then
  // be switched on at run time (set_option()).
  pdu_hook = config.drop_every > 0 || config.recent_pdus > 0;
  if (pdu_hook) {
    h.on_pdu = [this](Session& s, const PduView& pdu) {
      if (config.recent_pdus > 0) {
        hint(s.last_read_time());
        record(s, true, header_of(pdu), command_id_of(pdu));
      }
      if (config.drop_every == 0) return true;
      auto& ctx = context(s);
      if (++ctx.pdus % config.drop_every == 0) {
        ++stats.drops;
        return false;
      }
      return true;
    };
  }
  // Responses sent at once are recorded here; those answered later (delays, receipt first,
  // unbind_after) are not.
  h.submit_sm = [this](Session& s, const SubmitSmView& r, SubmitSmResp& resp) {
    const Reply reply = on_submit(s, r, resp);
    if (reply == Reply::now && config.recent_pdus > 0) {
      record(s, false, resp.header, CommandId::submit_sm_resp);
    }
    return reply;
  };
  h.submit_multi = [this](Session& s, const SubmitMultiView& r, SubmitMultiResp& resp) {
    const Reply reply = on_submit_multi(s, r, resp);
    if (config.recent_pdus > 0) record(s, false, resp.header, CommandId::submit_multi_resp);
    return reply;
  };
  h.data_sm = [this](Session& s, const DataSmView& r, DataSmResp& resp) {
    const Reply reply = on_data_sm(s, r, resp);
    if (config.recent_pdus > 0) record(s, false, resp.header, CommandId::data_sm_resp);
    return reply;
  };
  h.query_sm = [this](Session&, const QuerySmView& r, QuerySmResp& resp) {
    const Record* rec = find(r.message_id);
    if (rec == nullptr) {
      resp.header.command_status = CommandStatus::query_failed;
      return Reply::now;
    }
    resp.message_id = std::string(r.message_id);
    if (rec->cancelled) {
      resp.message_state = MessageState::deleted;
    } else if (rec->final) {
      resp.message_state = static_cast<MessageState>(rec->state);
      auto t =
          text::SmppTime::absolute(std::chrono::floor<std::chrono::milliseconds>(rec->final_time));
      if (t) resp.final_date = t->to_string();
    } else {
      resp.message_state = MessageState::enroute;
    }
    return Reply::now;
  };
  h.cancel_sm = [this](Session&, const CancelSmView& r, CancelSmResp& resp) {
    Record* rec = find(r.message_id);
    if (rec == nullptr || rec->final || rec->cancelled) {
      resp.header.command_status = CommandStatus::cancel_failed;
    } else {
      rec->cancelled = true;
    }
    return Reply::now;
  };
  h.broadcast_sm = [this](Session& s, const BroadcastSmView& r, BroadcastSmResp& resp) {
    return on_broadcast(s, r, resp);
  };
  h.query_broadcast_sm = [this](Session& s, const QueryBroadcastSmView& r,
                                QueryBroadcastSmResp& resp) {
    return on_query_broadcast(s, r, resp);
  };
  h.cancel_broadcast_sm = [this](Session& s, const CancelBroadcastSmView& r,
                                 CancelBroadcastSmResp& resp) {
    return on_cancel_broadcast(s, r, resp);
  };
  h.replace_sm = [this](Session&, const ReplaceSmView& r, ReplaceSmResp& resp) {
    Record* rec = find(r.message_id);
    if (rec == nullptr || rec->final || rec->cancelled) {
      resp.header.command_status = CommandStatus::replace_failed;
    }
    return Reply::now;
  };
  return h;
}

Simulator::Impl::Record* Simulator::Impl::find(std::string_view message_id) {
  const std::uint64_t id = sim_detail::parse_message_id(message_id, config.message_ids);
  if (id == 0) return nullptr;
  Record& r = ring[id % ring_size];
  return r.id == id ? &r : nullptr;
}

void Simulator::Impl::write_message_id(std::string& out, std::uint64_t id) const {
  std::array<char, 24> buf;
  out.append(sim_detail::format_message_id(id, config.message_ids, false, buf));
}

CommandStatus Simulator::Impl::on_bind(const BindRequest& b) {
  if (config.refuse_binds) return *config.refuse_binds;
  CommandStatus status =
      config.credentials.empty() ? CommandStatus::ok : CommandStatus::invalid_system_id;
  for (const auto& c : config.credentials) {
    if (c.system_id == b.system_id) {
      // Constant time: a guesser learns nothing from how long a wrong password took.
      status = secret_equal(c.password, b.password) ? CommandStatus::ok
                                                    : CommandStatus::invalid_password;
      break;
    }
  }
  if (status == CommandStatus::ok && config.max_binds_per_account != 0) {
    auto it = accounts.find(std::string(b.system_id));
    if (it != accounts.end() && it->second.bound >= config.max_binds_per_account) {
      AIOSMPP_LOG(logger, LogLevel::info, "bind_refused", {"reason", "max_binds_per_account"},
                  {"system_id", b.system_id}, {"limit", config.max_binds_per_account});
      status = CommandStatus::bind_failed;
    }
  }
  return status;
}

SimStats Simulator::Impl::snapshot() const {
  SimStats s = stats;
  const auto& ss = server->stats();
  s.binds = ss.binds_accepted;
  s.bind_failures = ss.binds_rejected;
  s.generic_nacks = ss.generic_nacks_sent;
  s.pending_throttled = ss.pending_throttled;
  s.timeouts = ss.sessions_timed_out;
  s.refused = ss.connections_refused;
  s.bind_failure_closes = ss.bind_failure_closes;
  s.write_overflows = ss.write_overflows;
  s.sessions_failed = ss.sessions_failed;
  s.shutdown_closes = ss.shutdown_closes;
  s.backlog_full = ss.backlog_full;
  s.log_suppressed = ss.log_suppressed + log_budget.suppressed_total();
  s.sessions = server->session_count();
  s.accounts = accounts.size();
  for (const auto& session : server->sessions()) {
    s.window += session->in_flight();
    s.backlog += session->backlog();
  }
  s.receipts_waiting = receipts_outstanding - std::min(receipts_outstanding, in_flight_receipts);
  return s;
}

// ---- Simulator -------------------------------------------------------------------------------

Simulator::Simulator(asio::any_io_executor executor, SimConfig config, Logger logger,
                     UniformSource rng)
    : impl_(
          std::make_shared<Impl>(executor, std::move(config), std::move(logger), std::move(rng))) {}

Simulator::~Simulator() = default;

asio::ip::tcp::endpoint Simulator::listen() {
  std::error_code ec;
  auto address = asio::ip::make_address(impl_->config.host, ec);
  if (ec) {
    throw std::invalid_argument(
        fmt::format("--host: \"{}\" is not an IP address", impl_->config.host));
  }
  const auto& c = impl_->config;
  auto& server = *impl_->server;
  try {
    if (c.tls.cert_file.empty()) return server.listen({address, c.port});
    if (!c.tls_port) {
      impl_->tls_at = server.listen_tls({address, c.port}, c.tls);
      return *impl_->tls_at;
    }
    const auto plain = server.listen({address, c.port});
    impl_->tls_at = server.listen_tls({address, *c.tls_port}, c.tls);
    return plain;
  } catch (const TlsSetupError& e) {
    // OpenSSL refused a file's contents (a key that is not PEM, a key for another certificate).
    throw std::invalid_argument(fmt::format("--{}: {}", tls_flag(e.field()), e.reason()));
  }
}

std::optional<asio::ip::tcp::endpoint> Simulator::tls_endpoint() const {
  return impl_->tls_at;
}

asio::awaitable<void> Simulator::run() {
  auto impl = impl_;
  using namespace aiosmpp::detail::awaitable_operators;
  co_await (impl->server->run() && impl->scheduler() && impl->mo_loop() && impl->stats_loop());
}

void Simulator::stop() {
  auto& i = *impl_;
  if (i.stopping) return;
  i.stopping = true;
  i.sched.cancel();
  i.mo_timer.cancel();
  i.stats_timer.cancel();
  i.server->stop();
}

void Simulator::on_stats(std::function<void(const std::string&)> callback) {
  impl_->on_stats = std::move(callback);
}

SimStats Simulator::stats() const {
  return impl_->snapshot();
}
const SimConfig& Simulator::config() const noexcept {
  return impl_->config;
}
Server& Simulator::server() noexcept {
  return *impl_->server;
}

}  // namespace aiosmpp::smsc
