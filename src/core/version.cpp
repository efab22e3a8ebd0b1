#include "aiosmpp/version.hpp"

namespace aiosmpp {

std::string_view version() noexcept {
  return header_version;
}

}  // namespace aiosmpp
