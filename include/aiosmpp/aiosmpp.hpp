#pragma once

/** @file
 *  @brief Umbrella header: everything a user of aiosmpp needs, layer by layer.
 *
 *  Include a layer's own header instead to compile less: aiosmpp/pdu/pdu.hpp (codec, no Asio),
 *  aiosmpp/text/text.hpp (message layer), aiosmpp/json.hpp, aiosmpp/esme/esme.hpp (the ESME
 *  runtime), aiosmpp/smsc/server.hpp (the SMSC side). */

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/esme/pool.hpp"
#include "aiosmpp/json.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/pdu.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "aiosmpp/text/text.hpp"
#include "aiosmpp/version.hpp"
