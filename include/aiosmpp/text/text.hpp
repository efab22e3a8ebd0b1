#pragma once

/** @file
 *  @brief The whole message layer: codecs, GSM 03.38, splitting and segment counts, rendering
 *  PDUs, received text and reassembly, delivery receipts, SMPP time, message-id normalisation. */

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/iconv_codec.hpp"
#include "aiosmpp/text/message_id.hpp"
#include "aiosmpp/text/network_error.hpp"
#include "aiosmpp/text/reassembly.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "aiosmpp/text/result.hpp"
#include "aiosmpp/text/smpp_time.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/user_data.hpp"
#include "aiosmpp/text/utf8.hpp"
