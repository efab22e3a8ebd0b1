#include "aiosmpp/pdu/phone_number.hpp"

namespace aiosmpp {

Result<void> validate(const PhoneNumber& address, std::size_t field_size, std::string_view field,
                      CommandStatus status) {
  const std::size_t limit = field_size == 0 ? 0 : field_size - 1;
  CodecError e;
  e.error = errc::invalid_field;
  e.status = status;
  e.command_id = static_cast<CommandId>(0);
  e.field = field;
  e.size = address.number.size();
  e.limit = limit;
  if (address.number.size() > limit) {
    e.problem = CodecProblem::c_string_too_long;
    return e;
  }
  if (address.number.find('\0') != std::string::npos) {
    e.problem = CodecProblem::c_string_contains_nul;
    return e;
  }
  return {};
}

}  // namespace aiosmpp
