#pragma once

/** @file
 *  @brief Umbrella header: everything a user of aiosmpp needs. */

#include "aiosmpp/version.hpp"
