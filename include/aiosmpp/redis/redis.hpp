#pragma once

/** @file
 *  @brief aiosmpp::redis, the components shared by several processes through Redis: RedisClient,
 *  RedisBroker, RedisHook, RedisCorrelator, RedisRateLimiter and RedisOutcomeStream (link the
 * aiosmpp::redis target).
 */

#include "aiosmpp/redis/broker.hpp"          // IWYU pragma: export
#include "aiosmpp/redis/client.hpp"          // IWYU pragma: export
#include "aiosmpp/redis/correlator.hpp"      // IWYU pragma: export
#include "aiosmpp/redis/hook.hpp"            // IWYU pragma: export
#include "aiosmpp/redis/outcome_stream.hpp"  // IWYU pragma: export
#include "aiosmpp/redis/rate_limiter.hpp"    // IWYU pragma: export
