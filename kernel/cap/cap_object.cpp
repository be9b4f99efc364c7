#include "kernel/cap/cap_object.h"

#include "kernel/cap/invocation.h"

namespace capos::kernel {

Result<void> CapObject::decode(Invocation& invocation) {
  // SPEC §3: a call is accepted only if the cap's interface matches the object's.
  if (invocation.interface_id() != m_interface_id) {
    return invocation.fail(Error::BadInterface, "the cap's interface is not the object's");
  }
  return decode_methods(invocation);
}

}  // namespace capos::kernel
