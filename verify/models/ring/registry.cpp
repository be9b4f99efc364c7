// verify/models/ring/registry.cpp — see registry.h.
#include "verify/models/ring/registry.h"

#include <string>

namespace capos::verify::ring {

std::vector<ModelEntry>& model_registry() {
  static std::vector<ModelEntry> entries;
  return entries;
}

std::vector<MutantInfo>& mutant_catalogue() {
  static std::vector<MutantInfo> mutants;
  return mutants;
}

std::unique_ptr<Model> make_model(const std::string& impl, const RingConfig& config) {
  for (const ModelEntry& entry : model_registry()) {
    if (entry.impl == impl && entry.kind == config.kind && entry.sq == config.sq &&
        entry.cq == config.cq) {
      return entry.make(config);
    }
  }
  return nullptr;
}

std::string describe(const RingConfig& config) {
  std::string text = config.kind == ModelKind::Spsc ? "spsc" : "hostile";
  text += " sq=" + std::to_string(config.sq) + " cq=" + std::to_string(config.cq);
  if (config.kind == ModelKind::Spsc) text += " user=" + config.user;
  text += " kernel=" + config.kernel;
  if (config.kind == ModelKind::Hostile) text += " steps=" + std::to_string(config.hostile_steps);
  if (config.budget != SQES_PER_ENTRY) text += " budget=" + std::to_string(config.budget);
  if (config.defer) text += " defer";
  if (config.first_index != UINT32_MAX - 1) text += " first=" + std::to_string(config.first_index);
  return text;
}

}  // namespace capos::verify::ring
