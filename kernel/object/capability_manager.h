// kernel/object/capability_manager.h — the CapabilityManager capability (schema/capos.capnp):
// introspection of the caller's own cap table. It confers no authority: list() reports the
// *caller's* live caps (id, interface, badge) in slot order, read from the invocation's caller
// context — so one stateless, pinned object serves every process, and a CapabilityManager cap
// that travels to another process shows that process only its own table.
#pragma once

#include "kernel/cap/cap_object.h"
#include "kernel/cap/invocation.h"
#include "lib/gen/capos.capnp.h"

namespace capos::kernel {

class CapabilityManagerObject final : public CapObject {
 public:
  constexpr CapabilityManagerObject()
      : CapObject(ObjectKind::CapabilityManager, gen::CapabilityManager::INTERFACE_ID,
                  Lifetime::Pinned) {}

  [[nodiscard]] static bool classof(const CapObject& object) {
    return object.kind() == ObjectKind::CapabilityManager;
  }

  // lib/gen CapabilityManagerServer.
  [[nodiscard]] Result<gen::NoPlan> decode_list(
      Invocation& invocation, const gen::CapabilityManager::ListParams::Reader& params,
      const gen::CapabilityManager::ListResults::Builder& results);
  void invoke_list(Invocation& /*invocation*/, gen::NoPlan /*plan*/) {}

 private:
  [[nodiscard]] Result<void> decode_methods(Invocation& invocation) override;
};

}  // namespace capos::kernel
