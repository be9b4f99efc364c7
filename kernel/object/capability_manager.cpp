#include "kernel/object/capability_manager.h"

#include "lib/capnp/capnp_error.h"
#include "lib/core/checked.h"

namespace capos::kernel {

Result<void> CapabilityManagerObject::decode_methods(Invocation& invocation) {
  return decode_with<gen::CapabilityManager>(*this, invocation);
}

Result<gen::NoPlan> CapabilityManagerObject::decode_list(
    Invocation& invocation, const gen::CapabilityManager::ListParams::Reader& /*params*/,
    const gen::CapabilityManager::ListResults::Builder& results) {
  const ObjectTable& table = *invocation.caller().caps;
  const uint32_t count = TRY(checked_cast<uint32_t>(table.live_count()));
  const capnp::CapnpResult<gen::StructList<gen::CapabilityInfo>::Builder> list =
      results.init_capabilities(count);
  if (!list) {
    return invocation.fail(Error::TooBig, "capability list does not fit the result buffer");
  }
  uint32_t index = 0;
  for (const ObjectTable::LiveCap cap : table.live()) {
    KASSERT(index < count);  // nothing changes the table during the call
    const gen::CapabilityInfo::Builder info = list->get(index++);
    info.set_cap_id(cap.id);
    info.set_interface_id(cap.entry.interface_id);
    info.set_badge(cap.entry.badge);
  }
  return gen::NoPlan{};
}

}  // namespace capos::kernel
