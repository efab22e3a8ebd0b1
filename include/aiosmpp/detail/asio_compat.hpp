#pragma once

// Asio 1.22 (Debian 12) keeps as_tuple, deferred, append, prepend and the awaitable operators under
// asio::experimental; 1.23 moved them to asio:: and 1.33 dropped the experimental aliases. Code in
// aiosmpp names them through aiosmpp::detail so it compiles on both sides of that move.

#include <asio/version.hpp>

#if ASIO_VERSION < 102300
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#else
#include <asio/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#endif

namespace aiosmpp::detail {

#if ASIO_VERSION < 102300
using asio::experimental::as_tuple;
using asio::experimental::as_tuple_t;
#else
using asio::as_tuple;
using asio::as_tuple_t;
#endif

}  // namespace aiosmpp::detail
