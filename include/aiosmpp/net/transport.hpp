#pragma once

/** @file
 *  @brief Transport: the byte stream an Esme or a server session runs over. TcpTransport is plain
 *  TCP; the TLS component adds a TLS stream; tests use an in-memory pair. The session code above it
 *  is the same for all of them, so the hot path does not change with the transport. */

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace aiosmpp {

/** @brief A connected, ordered byte stream (TCP, TLS over TCP, an in-memory pipe).
 *
 *  One reader and one writer may be active at once (the session's reader and writer coroutines);
 *  everything is called on the transport's executor. Errors come back as values, never as
 *  exceptions: errc::connection_closed when the peer closed the stream in order (TCP FIN, TLS
 *  close_notify, reset, broken pipe), asio::error::operation_aborted after close() or a
 *  cancellation, the transport's own error otherwise. Both operations support terminal
 *  cancellation through the awaiting coroutine's cancellation slot; a cancelled operation's
 *  result says how many octets were transferred before it stopped. */
class Transport {
 public:
  /** @brief An error (or none) and the octets transferred. */
  using IoResult = std::pair<std::error_code, std::size_t>;

  virtual ~Transport() = default;

  /** @brief The executor every operation runs on. */
  virtual asio::any_io_executor get_executor() = 0;
  /** @brief Reads at least one octet into `buffer` (not empty). */
  virtual asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buffer) = 0;
  /** @brief Writes all of `bytes`; on error, the count says how many octets left. */
  virtual asio::awaitable<IoResult> write(std::span<const std::uint8_t> bytes) = 0;
  /** @brief Ends our direction in order (TCP shutdown of sending, TLS close_notify), so the peer
   *  reads everything written before. Bounded by the caller (race a timer); errors are ignored. */
  virtual asio::awaitable<void> shutdown() = 0;
  /** @brief Closes at once; pending operations complete with operation_aborted. Idempotent. */
  virtual void close() noexcept = 0;
  /** @brief False once closed. */
  virtual bool is_open() const noexcept = 0;
  /** @brief The peer's address for logs ("127.0.0.1:52814"); empty when unknown. */
  virtual std::string remote_address() const = 0;
};

/** @brief Maps the stream errors that mean "the peer went away" (eof, reset, broken pipe, TLS
 *  stream truncation) onto errc::connection_closed and leaves the others as they are. */
std::error_code transport_error(const std::error_code& ec) noexcept;

/** @brief Plain TCP. */
class TcpTransport final : public Transport {
 public:
  /** @brief Takes a connected socket; sets TCP_NODELAY (SMPP is request/response). */
  explicit TcpTransport(asio::ip::tcp::socket socket);

  asio::any_io_executor get_executor() override;
  asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buffer) override;
  asio::awaitable<IoResult> write(std::span<const std::uint8_t> bytes) override;
  asio::awaitable<void> shutdown() override;
  void close() noexcept override;
  bool is_open() const noexcept override;
  std::string remote_address() const override;

  /** @brief The socket, for options the transport does not set. */
  asio::ip::tcp::socket& socket() noexcept { return socket_; }

 private:
  asio::ip::tcp::socket socket_;
};

/** @brief Resolves `host` and connects to the first address that accepts, on `executor`. Not
 *  bounded in time: race it with a timer. Errors as values (a failed resolve, every address
 *  refusing, operation_aborted when cancelled). */
asio::awaitable<std::pair<std::error_code, asio::ip::tcp::socket>> tcp_connect(
    asio::any_io_executor executor, std::string host, std::uint16_t port);

}  // namespace aiosmpp
