// An explicit instantiation, so the freestanding build (kernel flags) and lint compile every
// member of ObjectPool (the kernel instantiates it for its object kinds).
#include "lib/core/object_pool.h"

#include <cstdint>

namespace capos {

template class ObjectPool<uint64_t, 4>;

}  // namespace capos
