#pragma once

/** @file
 *  @brief The codec layer in one include: PDU types, enums, status codes, TLVs, encode/decode and
 *  the stream framer. */

#include "aiosmpp/error.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"
#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/pdu/message_text.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/pdu/phone_number.hpp"
#include "aiosmpp/pdu/result.hpp"
#include "aiosmpp/pdu/tlv.hpp"
