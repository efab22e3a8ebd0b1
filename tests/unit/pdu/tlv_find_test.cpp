// tlv::find() looks tags up by index below 0x0620 and by binary search above: every tag of the
// table must be found with its own entry by either path, and every other tag not at all.

#include <cstdint>

#include "aiosmpp/pdu/tlv.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;

TEST_CASE("tlv::find returns each known tag's own entry and nothing for any other tag", "[pdu]") {
  const auto all = tlv::all();
  REQUIRE(all.size() > 0);
  std::size_t found = 0;
  for (std::uint32_t tag = 0; tag <= 0xFFFF; ++tag) {
    const auto* info = tlv::find(static_cast<std::uint16_t>(tag));
    const tlv::Info* expected = nullptr;
    for (const auto& i : all) {
      if (i.tag == tag) expected = &i;
    }
    if (info != expected) FAIL("tag " << tag);
    if (info != nullptr) ++found;
  }
  CHECK(found == all.size());
  // Both lookup paths are exercised: tags below and above the indexed range.
  CHECK(tlv::find(0x001E) != nullptr);  // receipted_message_id
  CHECK(tlv::find(0x1380) != nullptr);  // its_reply_type
  CHECK(tlv::find(0x0000) == nullptr);
  CHECK(tlv::find(0xFFFF) == nullptr);
}
