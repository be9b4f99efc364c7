// verify/models/ring/registry.h — the ring models the checker binary can run: every
// (implementation, model, SQ size, CQ size) it was compiled for, and the catalogue of broken
// variants with the configuration that must catch each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "verify/checker/execution.h"
#include "verify/models/ring/hostile_model.h"
#include "verify/models/ring/ring_model.h"
#include "verify/models/ring/spsc_model.h"

namespace capos::verify::ring {

using ModelFactory = std::unique_ptr<Model> (*)(const RingConfig&);

struct ModelEntry {
  std::string impl;  // "shipped" or a mutant name
  ModelKind kind;
  uint32_t sq;
  uint32_t cq;
  ModelFactory make;
};

struct MutantInfo {
  std::string name;
  std::string source;  // the lib/ring header it mutates
  std::string why;
  std::string expect;  // '|'-separated: the violation message must contain one
  RingConfig config;   // the model that must catch it
};

std::vector<ModelEntry>& model_registry();
std::vector<MutantInfo>& mutant_catalogue();

void register_shipped_models();  // shipped_models.cpp
void register_mutant_models();   // mutant_models.cpp

// A model for `config` on implementation `impl`, or nullptr when that combination was not
// compiled in.
std::unique_ptr<Model> make_model(const std::string& impl, const RingConfig& config);

template <typename Impl, ModelKind Kind, uint32_t S, uint32_t C>
void add_model() {
  ModelFactory make = [](const RingConfig& config) -> std::unique_ptr<Model> {
    if constexpr (Kind == ModelKind::Spsc) {
      return std::make_unique<SpscModel<Impl, S, C>>(config);
    } else {
      return std::make_unique<HostileModel<Impl, S, C>>(config);
    }
  };
  model_registry().push_back(ModelEntry{Impl::NAME, Kind, S, C, make});
}

}  // namespace capos::verify::ring
