#include "kernel/mem/direct_map.h"

namespace capos::kernel::mem {

namespace {

constinit uint64_t g_direct_map_limit = Arch::early_direct_map_limit;

}  // namespace

uint64_t direct_map_limit() { return g_direct_map_limit; }

void set_direct_map_limit(uint64_t limit) {
  KASSERT(limit <= Arch::direct_map_capacity);
  g_direct_map_limit = limit;
}

}  // namespace capos::kernel::mem
