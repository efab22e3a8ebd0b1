// aiosmpp-smsc-sim's web console over cpp-httplib (see console.hpp).
//
// Threads: httplib accepts on one thread of ours and runs each connection on a pool of
// options.threads workers with at most options.queue connections waiting (BoundedPool: the accept
// loop waits beyond it, so further connections stay in the kernel's listen backlog). A request
// that needs the simulator posts a job to its executor and waits for it at most
// Console::request_wait: 503 if the io_context is busy or stopped.

#include "console.hpp"

#include <charconv>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include "aiosmpp/smsc/handlers.hpp"
#include "console_state.hpp"

namespace aiosmpp::smsc_sim {

namespace {

// httplib's own ThreadPool (0.11) queues accepted connections without a bound.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(std::size_t threads, std::size_t queue) : limit_(queue) {
    for (std::size_t i = 0; i < threads; ++i)
      workers_.emplace_back([this] { work(); });
  }
  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return jobs_.size() < limit_ || stopping_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (auto& t : workers_)
      t.join();
  }

 private:
  // Runs until shutdown and the queue is empty: every accepted connection is served and closed.
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        room_.notify_one();
      }
      job();
    }
  }

  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

// A refusal that names its reason, sent as {"error": ...} with an HTTP status.
struct HttpError : std::runtime_error {
  HttpError(int code, const std::string& what) : std::runtime_error(what), status(code) {}
  int status;
};

void reply_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, "application/json");
}

void reply_error(httplib::Response& res, int status, std::string_view message) {
  reply_json(res, status, nlohmann::json{{"error", message}}.dump());
}

std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

std::uint64_t session_param(const httplib::Request& req) {
  const std::string s = param(req, "session");
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    throw HttpError(400, "session: a session id (a number) is required");
  }
  return id;
}

}  // namespace

struct Console::Impl {
  Impl(smsc::Simulator& s, asio::any_io_executor ex, ConsoleOptions o)
      : sim(s), executor(std::move(ex)), options(std::move(o)) {}

  // Runs f() on the simulator's executor and returns its result (or rethrows what it threw);
  // HttpError 503 when it did not run within request_wait.
  template <class F>
  std::invoke_result_t<F&> on_sim(F f) {
    using R = std::invoke_result_t<F&>;
    auto promise = std::make_shared<std::promise<R>>();
    auto future = promise->get_future();
    asio::post(executor, [promise, f = std::move(f)]() mutable {
      try {
        if constexpr (std::is_void_v<R>) {
          f();
          promise->set_value();
        } else {
          promise->set_value(f());
        }
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    if (future.wait_for(request_wait) != std::future_status::ready) {
      throw HttpError(503, "the simulator did not answer in time (busy or stopping)");
    }
    return future.get();
  }

  // Only on the simulator's executor.
  ConsoleSnapshot snapshot() {
    ConsoleSnapshot s;
    s.stats = sim.stats();
    s.sessions = sim.sessions();
    s.faults = fault_values(sim.config());
    const auto now = RateMeter::Clock::now();
    s.rates = rates.update(s.stats, now);
    s.uptime_seconds = std::chrono::duration<double>(now - started).count();
    s.recent_pdus = sim.config().recent_pdus;
    s.writable = !options.token.empty();
    return s;
  }

  // Anything that changes the simulator: a token is configured and the request carries it.
  void authorize(const httplib::Request& req) const {
    if (options.token.empty()) {
      throw HttpError(403, "the console is read-only: start the simulator with --http-token");
    }
    std::string given;
    const std::string header = req.get_header_value("Authorization");
    if (header.rfind("Bearer ", 0) == 0) {
      given = header.substr(7);
    } else {
      given = param(req, "token");
    }
    if (given.empty()) throw HttpError(401, "a token is required (Authorization: Bearer)");
    if (!smsc::secret_equal(options.token, given)) throw HttpError(401, "wrong token");
  }

  void routes();
  void post_mo(const httplib::Request& req, httplib::Response& res);
  void post_receipt(const httplib::Request& req, httplib::Response& res);
  void post_faults(const httplib::Request& req, httplib::Response& res);

  smsc::Simulator& sim;
  asio::any_io_executor executor;
  ConsoleOptions options;
  RateMeter rates;  // on the simulator's executor
  RateMeter::Clock::time_point started = RateMeter::Clock::now();
  httplib::Server server;
  std::thread listener;
  bool running = false;
};

// Every handler's exceptions become a JSON error: HttpError with its status, invalid_argument
// 400 (a bad field, named), out_of_range 404 (no such session).
template <class F>
httplib::Server::Handler guarded(F f) {
  return [f = std::move(f)](const httplib::Request& req, httplib::Response& res) {
    try {
      f(req, res);
    } catch (const HttpError& e) {
      if (e.status == 401) res.set_header("WWW-Authenticate", "Bearer");
      reply_error(res, e.status, e.what());
    } catch (const std::out_of_range& e) {
      reply_error(res, 404, e.what());
    } catch (const std::invalid_argument& e) {
      reply_error(res, 400, e.what());
    } catch (const std::exception& e) {
      reply_error(res, 500, e.what());
    }
  };
}

void Console::Impl::routes() {
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    // Scripts from the console only; the page's own styles are inline.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; style-src 'self' 'unsafe-inline'");
    res.set_content(console_page_html, "text/html; charset=utf-8");
  });
  server.Get("/console.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(console_page_js, "text/javascript; charset=utf-8");
  });
  server.Get("/api/state", guarded([this](const httplib::Request&, httplib::Response& res) {
               reply_json(res, 200, on_sim([this] { return state_json(snapshot()); }));
             }));
  server.Get(R"(/api/sessions/(\d+)/pdus)",
             guarded([this](const httplib::Request& req, httplib::Response& res) {
               const std::uint64_t id = std::stoull(req.matches[1].str());
               reply_json(res, 200,
                          on_sim([this, id] { return pdus_json(id, sim.recent_pdus(id)); }));
             }));
  server.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
               res.set_content(on_sim([this] { return metrics_text(snapshot()); }),
                               "text/plain; version=0.0.4; charset=utf-8");
             }));
  server.Post("/api/mo", guarded([this](const httplib::Request& req, httplib::Response& res) {
                post_mo(req, res);
              }));
  server.Post("/api/receipt", guarded([this](const httplib::Request& req, httplib::Response& res) {
                post_receipt(req, res);
              }));
  server.Post("/api/faults", guarded([this](const httplib::Request& req, httplib::Response& res) {
                post_faults(req, res);
              }));
}

void Console::Impl::post_mo(const httplib::Request& req, httplib::Response& res) {
  authorize(req);
  const std::uint64_t id = session_param(req);
  // The MO fields go through the same setter as --mo-text, --mo-from, ... (their checks and
  // their errors); empty ones keep the simulator's --mo-* values.
  std::vector<std::pair<std::string, std::string>> fields;
  for (const char* name : {"text", "from", "to", "encoding", "long"}) {
    if (req.has_param(name)) fields.emplace_back(fmt::format("mo-{}", name), param(req, name));
  }
  const std::size_t pdus = on_sim([this, id, fields] {
    smsc::SimConfig c;
    c.mo = sim.config().mo;
    for (const auto& [name, value] : fields) {
      if (!value.empty()) smsc::apply_sim_option(c, name, value);
    }
    return sim.inject_mo(id, c.mo);
  });
  reply_json(res, 200, nlohmann::json{{"session", id}, {"deliver_sm", pdus}}.dump());
}

void Console::Impl::post_receipt(const httplib::Request& req, httplib::Response& res) {
  authorize(req);
  const std::uint64_t id = session_param(req);
  smsc::ReceiptInfo info;
  info.message_id = param(req, "message_id");
  const std::string stat = req.has_param("state") ? param(req, "state") : "DELIVRD";
  const auto state = text::state_from_stat(stat);
  if (!state) throw HttpError(400, fmt::format("state: \"{}\" is not a receipt stat", stat));
  info.state = *state;
  info.source = PhoneNumber(param(req, "source"));
  info.destination = PhoneNumber(param(req, "destination"));
  info.text = param(req, "text").substr(0, 20);
  info.submitted = std::chrono::system_clock::now();
  on_sim([this, id, info] { sim.inject_receipt(id, info); });
  reply_json(res, 200, nlohmann::json{{"session", id}, {"message_id", info.message_id}}.dump());
}

void Console::Impl::post_faults(const httplib::Request& req, httplib::Response& res) {
  authorize(req);
  std::vector<smsc::RuntimeOption> changes;
  for (const auto& [name, value] : req.params) {
    if (name != "token") changes.emplace_back(name, value);
  }
  if (changes.empty()) throw HttpError(400, "no option given (e.g. error-rate=0.1)");
  // All or nothing: set_options() checks every one before applying any, so a refusal (400,
  // naming the option) leaves the simulator as it was.
  on_sim([this, changes] { sim.set_options(changes); });
  reply_json(res, 200, on_sim([this] {
               nlohmann::json j = nlohmann::json::object();
               for (const auto& [name, value] : fault_values(sim.config()))
                 j[name] = value;
               return j.dump();
             }));
}

Console::Console(smsc::Simulator& sim, asio::any_io_executor executor, ConsoleOptions options)
    : impl_(std::make_unique<Impl>(sim, std::move(executor), std::move(options))) {
  auto& s = impl_->server;
  const auto& o = impl_->options;
  s.new_task_queue = [threads = o.threads, queue = o.queue] {
    return new BoundedPool(threads, queue);
  };
  s.set_payload_max_length(o.max_body);
  s.set_read_timeout(5);
  s.set_write_timeout(5);
  s.set_keep_alive_timeout(5);
  s.set_keep_alive_max_count(100);
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"}});
  impl_->routes();
}

Console::~Console() {
  stop();
}

std::uint16_t Console::start() {
  auto& i = *impl_;
  const auto& o = i.options;
  int port = *o.port;
  if (port == 0) {
    port = i.server.bind_to_any_port(o.host);
  } else if (!i.server.bind_to_port(o.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    throw std::runtime_error(
        fmt::format("--http-port: cannot listen on {}:{}", o.host, o.port.value_or(0)));
  }
  i.listener = std::thread([&i] { i.server.listen_after_bind(); });
  // stop() before httplib's loop has started would not end it: wait until it runs.
  i.running = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!i.server.is_running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      stop();
      throw std::runtime_error("--http-port: the HTTP server did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return static_cast<std::uint16_t>(port);
}

void Console::stop() {
  auto& i = *impl_;
  if (!i.running) return;
  i.running = false;
  i.server.stop();
  if (i.listener.joinable()) i.listener.join();
}

}  // namespace aiosmpp::smsc_sim
