#include "kernel/cap/capability_manager.h"

#include "lib/capnp/capnp_error.h"
#include "lib/core/checked.h"

namespace capos::kernel {

CallResult CapabilityManagerObject::invoke(const CallContext& /*context*/, uint16_t method_id,
                                           ByteView params, MutableByteView result) {
  return finish_dispatch(gen::CapabilityManager::dispatch(*this, method_id, params, result),
                         "capability list does not fit the result buffer");
}

Result<void> CapabilityManagerObject::list(
    const gen::CapabilityManager::ListParams::Reader& /*params*/,
    const gen::CapabilityManager::ListResults::Builder& results) {
  const uint32_t count = TRY(checked_cast<uint32_t>(m_table->live_count()));
  const capnp::CapnpResult<gen::StructList<gen::CapabilityInfo>::Builder> list =
      results.init_capabilities(count);
  if (!list) return capnp::to_error(list.error());
  uint32_t index = 0;
  for (const ObjectTable::LiveCap cap : m_table->live()) {
    KASSERT(index < count);  // nothing changes the table during the call
    const gen::CapabilityInfo::Builder info = list->get(index++);
    info.set_cap_id(cap.id);
    info.set_interface_id(cap.entry.interface_id);
    info.set_badge(cap.entry.badge);
  }
  return {};
}

}  // namespace capos::kernel
