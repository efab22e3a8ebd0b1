// Uses the public API the way an application does, through the umbrella header only.
#include <aiosmpp/aiosmpp.hpp>

#include <cstdio>

int main() {
  if (aiosmpp::version() != aiosmpp::header_version) {
    std::printf("version mismatch\n");
    return 1;
  }
  std::printf("aiosmpp ok %.*s\n", static_cast<int>(aiosmpp::version().size()),
              aiosmpp::version().data());
  return 0;
}
