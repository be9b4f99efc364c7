// kernel/cap/capability_manager.h — the CapabilityManager capability (schema/capos.capnp):
// introspection of one process's own cap table. It confers no authority: list() reports the
// caller's live caps (id, interface, badge) in slot order.
#pragma once

#include "kernel/cap/cap_object.h"

namespace capos::kernel {

class CapabilityManagerObject final : public CapObject {
 public:
  // `table` is the owning process's; it outlives this object (both live in the Process).
  explicit CapabilityManagerObject(const ObjectTable& table)
      : CapObject(ObjectKind::CapabilityManager, gen::CapabilityManager::INTERFACE_ID),
        m_table(&table) {}

  [[nodiscard]] Result<void> list(const gen::CapabilityManager::ListParams::Reader& params,
                                  const gen::CapabilityManager::ListResults::Builder& results);

 private:
  [[nodiscard]] CallResult invoke(const CallContext& context, uint16_t method_id, ByteView params,
                                  MutableByteView result) override;

  const ObjectTable* m_table;
};

}  // namespace capos::kernel
