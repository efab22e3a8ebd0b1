#pragma once

// Attaches a hiredis redisAsyncContext to an Asio executor: hiredis's socket is watched by an
// asio::posix::stream_descriptor that only waits for readiness (async_wait); hiredis itself reads
// and writes, and closes its own fd (the descriptor is released, never closed, on cleanup).

#include <hiredis/async.h>

#include <asio/any_io_executor.hpp>

namespace aiosmpp::detail {

/** Installs the ev hooks of `ac` (a context whose connect has started, ac->err == 0) so that
 *  hiredis is driven by `executor`. Returns false (and leaves `ac` untouched) when hiredis refuses
 *  the attach. hiredis's cleanup hook detaches again when the context is freed. */
bool attach_to_asio(redisAsyncContext* ac, const asio::any_io_executor& executor);

}  // namespace aiosmpp::detail
