#pragma once

// Asio 1.22 (Debian 12) keeps as_tuple, deferred, append, prepend and the awaitable operators under
// asio::experimental; 1.23 moved them to asio:: and 1.33 dropped the experimental aliases. Code in
// aiosmpp names them through aiosmpp::detail so it compiles on both sides of that move.

#include <asio/use_awaitable.hpp>
#include <asio/version.hpp>

#if ASIO_VERSION < 102300
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/deferred.hpp>
#else
#include <asio/as_tuple.hpp>
#include <asio/deferred.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#endif
#include <asio/experimental/parallel_group.hpp>

namespace aiosmpp::detail {

#if ASIO_VERSION < 102300
using asio::experimental::as_tuple;
using asio::experimental::as_tuple_t;
using asio::experimental::deferred;
#else
using asio::as_tuple;
using asio::as_tuple_t;
using asio::deferred;
#endif
// Parallel groups are experimental in every Asio release so far.
using asio::experimental::make_parallel_group;
using asio::experimental::wait_for_one;

// The awaitable operators (a && b, a || b) are experimental in every Asio release so far.
namespace awaitable_operators = asio::experimental::awaitable_operators;

/** @brief `co_await op(use_nothrow_awaitable)` yields a tuple (error_code first) instead of
 *  throwing: the form loops and cleanup code need (style.md §4). In 1.22 a `deferred` operation
 *  cannot be awaited, so this is the one way to get results without exceptions there. */
inline constexpr as_tuple_t<asio::use_awaitable_t<>> use_nothrow_awaitable{asio::use_awaitable};

}  // namespace aiosmpp::detail
