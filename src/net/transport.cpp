#include "aiosmpp/net/transport.hpp"

#include <fmt/format.h>
#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/error.hpp"

namespace aiosmpp {

using asio::ip::tcp;
using detail::use_nothrow_awaitable;

std::error_code transport_error(const std::error_code& ec) noexcept {
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::connection_aborted) {
    return errc::connection_closed;
  }
  return ec;
}

TcpTransport::TcpTransport(tcp::socket socket) : socket_(std::move(socket)) {
  std::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
}

asio::any_io_executor TcpTransport::get_executor() {
  return socket_.get_executor();
}

asio::awaitable<Transport::IoResult> TcpTransport::read_some(std::span<std::uint8_t> buffer) {
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer.data(), buffer.size()),
                                                  use_nothrow_awaitable);
  co_return IoResult{transport_error(ec), n};
}

asio::awaitable<Transport::IoResult> TcpTransport::write(std::span<const std::uint8_t> bytes) {
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                                            use_nothrow_awaitable);
  co_return IoResult{transport_error(ec), n};
}

asio::awaitable<void> TcpTransport::shutdown() {
  std::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  co_return;
}

void TcpTransport::close() noexcept {
  std::error_code ignored;
  if (!socket_.is_open()) return;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

bool TcpTransport::is_open() const noexcept {
  return socket_.is_open();
}

std::string TcpTransport::remote_address() const {
  std::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  if (ec) return {};
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

asio::awaitable<std::pair<std::error_code, tcp::socket>> tcp_connect(asio::any_io_executor executor,
                                                                     std::string host,
                                                                     std::uint16_t port) {
  tcp::socket socket(executor);
  tcp::resolver resolver(executor);
  auto [rec, results] =
      co_await resolver.async_resolve(host, std::to_string(port), use_nothrow_awaitable);
  if (rec) co_return std::pair{rec, std::move(socket)};
  auto [cec, endpoint] = co_await asio::async_connect(socket, results, use_nothrow_awaitable);
  (void)endpoint;
  co_return std::pair{cec, std::move(socket)};
}

}  // namespace aiosmpp
