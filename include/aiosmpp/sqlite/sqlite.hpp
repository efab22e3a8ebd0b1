#pragma once

/** @file
 *  @brief aiosmpp::sqlite, the durable components: SqliteDatabase, SqliteBroker,
 *  SqliteCorrelator and SqliteHook (link the aiosmpp::sqlite target). */

#include "aiosmpp/sqlite/broker.hpp"      // IWYU pragma: export
#include "aiosmpp/sqlite/correlator.hpp"  // IWYU pragma: export
#include "aiosmpp/sqlite/database.hpp"    // IWYU pragma: export
#include "aiosmpp/sqlite/hook.hpp"        // IWYU pragma: export
