// lib/cap/cap_table.cpp — instantiates CapTable once for a kernel-shaped handle (a pointer to
// an opaque object, as `CapObject*` will be), so every member, including the reservation and
// the nested iteration types, is compiled under both the host and the freestanding flags
// even before the kernel uses it.
#include "lib/cap/cap_table.h"

#include "lib/cap/cap_reservation.h"

namespace capos {

namespace probe {
class ProbeObject;
}  // namespace probe

template struct CapEntry<probe::ProbeObject*>;
template class CapTable<probe::ProbeObject*>;  // and its nested classes
template class CapReservation<probe::ProbeObject*>;

}  // namespace capos
