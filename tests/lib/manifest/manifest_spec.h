// An owning description of a manifest for tests: a RapidCheck generator of valid manifests,
// conversion to lib/manifest's model, an independent encoder on libcapnp's generated builders
// (with a chosen first-segment size, so messages span segments and use far pointers), and a
// textual dump of a model for readable comparisons.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <rapidcheck.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "capos.capnp.h"
#include "lib/manifest/interface_ids.h"
#include "lib/manifest/model.h"
#include "tests/lib/manifest/manifest_fixture.h"

namespace capos::manifest::test {

struct SpecCap {
  std::string name;
  bool kernel = true;
  uint16_t kernel_cap = 0;
  std::string service;
  std::string export_name;
  uint64_t badge = 0;
  uint64_t interface_id = 0;
};

struct SpecService {
  std::string name;
  std::string binary;
  std::vector<SpecCap> caps;
  std::vector<std::pair<std::string, std::string>> exports;  // {name, cap}
};

struct Spec {
  uint32_t schema_version = SCHEMA_VERSION;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> binaries;  // {name, elf}
  std::string init;
  std::vector<SpecService> services;
  std::string motd;
};

// ---------------------------------------------------------------------------------------------
// Generation (inside a RapidCheck property: uses *gen).

inline rc::Gen<std::string> gen_name() {
  static constexpr char REST[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
  return rc::gen::apply(
      [](char first, std::vector<char> rest) {
        return first + std::string(rest.begin(), rest.end());
      },
      rc::gen::inRange('a', static_cast<char>('z' + 1)),
      rc::gen::container<std::vector<char>>(
          *rc::gen::inRange<size_t>(0, MAX_NAME_BYTES),
          rc::gen::elementOf(std::string(REST, sizeof REST - 1))));
}

// `count` distinct valid names.
inline std::vector<std::string> pick_names(size_t count) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  while (names.size() < count) {
    std::string name = *gen_name();
    if (seen.insert(name).second) names.push_back(name);
  }
  return names;
}

inline Spec generate_spec() {
  Spec spec;
  const auto binary_names = pick_names(*rc::gen::inRange<size_t>(1, 9));
  for (const auto& name : binary_names) {
    spec.binaries.emplace_back(name, *rc::gen::nonEmpty(rc::gen::container<std::vector<uint8_t>>(
                                         rc::gen::arbitrary<uint8_t>())));
  }
  spec.init = *rc::gen::elementOf(binary_names);
  const auto service_names = pick_names(*rc::gen::inRange<size_t>(0, 6));
  for (const auto& name : service_names) {
    SpecService service;
    service.name = name;
    service.binary = *rc::gen::elementOf(binary_names);
    spec.services.push_back(service);
  }
  // Kernel caps and exports first; then imports of other services' exports.
  for (auto& service : spec.services) {
    const size_t kernel_caps = *rc::gen::inRange<size_t>(0, 6);
    const size_t imports = *rc::gen::inRange<size_t>(0, 4);
    const auto cap_names = pick_names(kernel_caps + imports);
    for (size_t i = 0; i < kernel_caps; ++i) {
      SpecCap cap;
      cap.name = cap_names[i];
      cap.kernel_cap = *rc::gen::inRange<uint16_t>(0, KERNEL_CAP_COUNT);
      if (*rc::gen::arbitrary<bool>()) {
        cap.interface_id = kernel_cap_interface_id(static_cast<KernelCap>(cap.kernel_cap));
      }
      service.caps.push_back(cap);
    }
    std::vector<std::string> endpoints;
    for (const auto& cap : service.caps) {
      if (cap.kernel_cap == static_cast<uint16_t>(KernelCap::Endpoint))
        endpoints.push_back(cap.name);
    }
    if (!endpoints.empty()) {
      for (const auto& export_name : pick_names(*rc::gen::inRange<size_t>(0, 4))) {
        service.exports.emplace_back(export_name, *rc::gen::elementOf(endpoints));
      }
    }
    for (size_t i = kernel_caps; i < cap_names.size(); ++i) {
      SpecCap cap;
      cap.name = cap_names[i];
      cap.kernel = false;
      service.caps.push_back(cap);  // resolved below
    }
  }
  for (auto& service : spec.services) {
    std::vector<std::pair<std::string, std::string>> targets;  // {service, export}
    for (const auto& other : spec.services) {
      if (other.name == service.name) continue;
      for (const auto& exported : other.exports) targets.emplace_back(other.name, exported.first);
    }
    std::vector<SpecCap> resolved;
    for (auto& cap : service.caps) {
      if (cap.kernel) {
        resolved.push_back(cap);
        continue;
      }
      if (targets.empty()) continue;  // nothing to import: drop the placeholder
      const auto& target = *rc::gen::elementOf(targets);
      cap.service = target.first;
      cap.export_name = target.second;
      cap.badge = *rc::gen::arbitrary<uint64_t>();
      if (*rc::gen::arbitrary<bool>()) cap.interface_id = CLIENT_ENDPOINT_INTERFACE_ID;
      resolved.push_back(cap);
    }
    service.caps = resolved;
  }
  const auto motd = *rc::gen::container<std::vector<char>>(
      *rc::gen::inRange<size_t>(0, MAX_MOTD_BYTES + 1), rc::gen::inRange<char>(0x20, 0x7f));
  spec.motd.assign(motd.begin(), motd.end());
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Spec → model (borrowing from the spec).

inline Text view(const std::string& text) { return Text{text.data(), text.size()}; }

inline std::unique_ptr<Manifest> to_model(const Spec& spec) {
  auto model = std::make_unique<Manifest>();
  model->schema_version = spec.schema_version;
  for (const auto& [name, elf] : spec.binaries)
    push(model->binaries, Binary{view(name), ByteView(elf)});
  model->init_config.init = view(spec.init);
  for (const auto& source : spec.services) {
    push(model->init_config.services, Service{});
    Service& service = model->init_config.services[model->init_config.services.size() - 1];
    service.name = view(source.name);
    service.binary = view(source.binary);
    for (const auto& cap : source.caps) {
      CapGrant grant;
      grant.name = view(cap.name);
      grant.source.kind = cap.kernel ? SourceKind::Kernel : SourceKind::Service;
      grant.source.kernel = static_cast<KernelCap>(cap.kernel_cap);
      if (!cap.kernel) {
        grant.source.service = view(cap.service);
        grant.source.export_name = view(cap.export_name);
      }
      grant.badge = cap.badge;
      grant.interface_id = cap.interface_id;
      push(service.caps, grant);
    }
    for (const auto& [name, cap] : source.exports)
      push(service.exports, Export{view(name), view(cap)});
  }
  model->kernel_params.motd = view(spec.motd);
  return model;
}

// ---------------------------------------------------------------------------------------------
// Spec → bytes with libcapnp. `omit` names one field to leave null ("binaries",
// "binaries.name", ...; see the switch below), for the decoder's missing-field tests.

inline std::vector<uint8_t> encode_with_libcapnp(const Spec& spec,
                                                 unsigned first_segment_words = 1024,
                                                 const std::string& omit = "") {
  ::capnp::MallocMessageBuilder message(first_segment_words,
                                        ::capnp::AllocationStrategy::FIXED_SIZE);
  auto root = message.initRoot<::SystemManifest>();
  root.setSchemaVersion(spec.schema_version);
  if (omit != "binaries") {
    auto binaries = root.initBinaries(static_cast<unsigned>(spec.binaries.size()));
    for (unsigned i = 0; i < binaries.size(); ++i) {
      if (omit != "binaries.name") binaries[i].setName(spec.binaries[i].first);
      if (omit != "binaries.elf") {
        binaries[i].setElf(
            ::capnp::Data::Reader(spec.binaries[i].second.data(), spec.binaries[i].second.size()));
      }
    }
  }
  if (omit != "initConfig") {
    auto init = root.initInitConfig();
    if (omit != "init") init.setInit(spec.init);
    if (omit != "services") {
      auto services = init.initServices(static_cast<unsigned>(spec.services.size()));
      for (unsigned s = 0; s < services.size(); ++s) {
        const SpecService& source = spec.services[s];
        auto service = services[s];
        if (omit != "service.name") service.setName(source.name);
        if (omit != "service.binary") service.setBinary(source.binary);
        if (omit != "caps") {
          auto caps = service.initCaps(static_cast<unsigned>(source.caps.size()));
          for (unsigned c = 0; c < caps.size(); ++c) {
            const SpecCap& cap = source.caps[c];
            if (omit != "cap.name") caps[c].setName(cap.name);
            caps[c].setBadge(cap.badge);
            caps[c].setInterfaceId(cap.interface_id);
            if (omit == "source") continue;
            auto capsource = caps[c].initSource();
            if (cap.kernel) {
              capsource.setKernel(static_cast<::KernelCap>(cap.kernel_cap));
              continue;
            }
            if (omit == "source.service") {
              // A service source whose ServiceExportRef pointer is null.
              capsource.initService();
              ::capnp::AnyStruct::Builder(::CapSource::Builder(capsource))
                  .getPointerSection()[0]
                  .clear();
              continue;
            }
            auto ref = capsource.initService();
            if (omit != "ref.service") ref.setService(cap.service);
            if (omit != "ref.export") ref.setExport(cap.export_name);
          }
        }
        if (omit != "exports") {
          auto exports = service.initExports(static_cast<unsigned>(source.exports.size()));
          for (unsigned e = 0; e < exports.size(); ++e) {
            if (omit != "export.name") exports[e].setName(source.exports[e].first);
            if (omit != "export.cap") exports[e].setCap(source.exports[e].second);
          }
        }
      }
    }
  }
  if (omit != "kernelParams") {
    auto params = root.initKernelParams();
    if (omit != "motd") params.setMotd(spec.motd);
  }
  const kj::Array<::capnp::word> words = ::capnp::messageToFlatArray(message);
  const auto bytes = words.asBytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// ---------------------------------------------------------------------------------------------
// A model as text, so a failed comparison shows where two manifests differ.

inline std::string describe(Text text) { return "\"" + std::string(text.data, text.size) + "\""; }

inline std::string describe(const Manifest& manifest) {
  std::string out = "schemaVersion " + std::to_string(manifest.schema_version) + "\n";
  for (const Binary& binary : manifest.binaries) {
    out += "binary " + describe(binary.name) + " elf";
    for (const uint8_t byte : binary.elf) out += " " + std::to_string(byte);
    out += "\n";
  }
  out += "init " + describe(manifest.init_config.init) + "\n";
  for (const Service& service : manifest.init_config.services) {
    out += "service " + describe(service.name) + " binary " + describe(service.binary) + "\n";
    for (const CapGrant& cap : service.caps) {
      out += "  cap " + describe(cap.name) + " source ";
      if (cap.source.kind == SourceKind::Kernel) {
        out += "kernel " + std::to_string(static_cast<unsigned>(cap.source.kernel));
      } else {
        out += "service " + describe(cap.source.service) + " export " +
               describe(cap.source.export_name);
      }
      out += " badge " + std::to_string(cap.badge) + " interface " +
             std::to_string(cap.interface_id) + "\n";
    }
    for (const Export& exported : service.exports) {
      out += "  export " + describe(exported.name) + " cap " + describe(exported.cap) + "\n";
    }
  }
  out += "motd " + describe(manifest.kernel_params.motd) + "\n";
  return out;
}

// The same text from libcapnp's reader: the oracle for our decoder.
inline std::string describe(::SystemManifest::Reader manifest) {
  const auto text = [](::capnp::Text::Reader value) {
    return "\"" + std::string(value.cStr(), value.size()) + "\"";
  };
  std::string out = "schemaVersion " + std::to_string(manifest.getSchemaVersion()) + "\n";
  for (const auto binary : manifest.getBinaries()) {
    out += "binary " + text(binary.getName()) + " elf";
    for (const auto byte : binary.getElf()) out += " " + std::to_string(byte);
    out += "\n";
  }
  out += "init " + text(manifest.getInitConfig().getInit()) + "\n";
  for (const auto service : manifest.getInitConfig().getServices()) {
    out += "service " + text(service.getName()) + " binary " + text(service.getBinary()) + "\n";
    for (const auto cap : service.getCaps()) {
      out += "  cap " + text(cap.getName()) + " source ";
      if (cap.getSource().isKernel()) {
        out += "kernel " + std::to_string(static_cast<unsigned>(cap.getSource().getKernel()));
      } else {
        out += "service " + text(cap.getSource().getService().getService()) + " export " +
               text(cap.getSource().getService().getExport());
      }
      out += " badge " + std::to_string(cap.getBadge()) + " interface " +
             std::to_string(cap.getInterfaceId()) + "\n";
    }
    for (const auto exported : service.getExports()) {
      out += "  export " + text(exported.getName()) + " cap " + text(exported.getCap()) + "\n";
    }
  }
  out += "motd " + text(manifest.getKernelParams().getMotd()) + "\n";
  return out;
}

}  // namespace capos::manifest::test
