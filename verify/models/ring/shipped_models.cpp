// verify/models/ring/shipped_models.cpp — the shipped lib/ring protocol on every ring geometry
// the checker covers: SQ and CQ sizes 1, 2, 4 and 8 in every combination (the protocol requires
// powers of two; lib/ring/layout.h).
#include "verify/models/ring/registry.h"

namespace capos::verify::ring {

namespace {

template <uint32_t S, uint32_t C>
void add_geometry() {
  add_model<ShippedRing, ModelKind::Spsc, S, C>();
  add_model<ShippedRing, ModelKind::Hostile, S, C>();
}

template <uint32_t S>
void add_sq_size() {
  add_geometry<S, 1>();
  add_geometry<S, 2>();
  add_geometry<S, 4>();
  add_geometry<S, 8>();
}

}  // namespace

void register_shipped_models() {
  add_sq_size<1>();
  add_sq_size<2>();
  add_sq_size<4>();
  add_sq_size<8>();
}

}  // namespace capos::verify::ring
