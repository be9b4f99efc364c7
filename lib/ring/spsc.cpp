// Explicit instantiations of the ring protocol with the real atomics policy, so the host build,
// the freestanding compile check and clang-tidy all compile the code the kernel and runtime
// run (templates in spsc.h are otherwise only instantiated by their users).
#include "lib/ring/spsc.h"

#include "lib/ring/atomics.h"

namespace capos {

template class UserRing<HardwareAtomics>;
template class KernelRing<HardwareAtomics>;

using CompletingDispatcher = CapCqe (*)(const CapSqe&);
using DeferringDispatcher = DispatchOutcome (*)(const CapSqe&);
template Result<EntryReport> KernelRing<HardwareAtomics>::enter<CompletingDispatcher>(
    CompletingDispatcher&, uint32_t);
template Result<EntryReport> KernelRing<HardwareAtomics>::enter<DeferringDispatcher>(
    DeferringDispatcher&, uint32_t);

}  // namespace capos
