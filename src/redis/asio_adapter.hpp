#pragma once

// Attaches a hiredis redisAsyncContext to an Asio executor: hiredis's socket is watched by an
// asio::posix::stream_descriptor that only waits for readiness (async_wait); hiredis itself reads
// and writes, and closes its own fd (the descriptor is released, never closed, on cleanup).

#include <hiredis/async.h>

#include <cstdint>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>

namespace aiosmpp::detail {

/** Installs the ev hooks of `ac` (a context whose connect has started, ac->err == 0) so that
 *  hiredis is driven by `executor`. Returns false (and leaves `ac` untouched) when hiredis refuses
 *  the attach. hiredis's cleanup hook detaches again when the context is freed. */
bool attach_to_asio(redisAsyncContext* ac, const asio::any_io_executor& executor);

/** Starts a non-blocking connect to `ip` (an address: hiredis would resolve a name with a
 *  blocking call) and attaches it to `executor`. Returns the context, or nullptr with `why`. */
redisAsyncContext* open_async(const std::string& ip, std::uint16_t port,
                              const asio::any_io_executor& executor, std::string& why);

/** redisAsyncCommandArgv with each argument one binary-safe bulk string; REDIS_OK or REDIS_ERR. */
int async_command(redisAsyncContext* ac, redisCallbackFn* fn, void* privdata,
                  const std::vector<std::string>& args);

}  // namespace aiosmpp::detail
