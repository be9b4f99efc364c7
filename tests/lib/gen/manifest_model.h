// An owning model of SystemManifest and everything under it, with a RapidCheck generator that
// reaches every shape the schema allows (absent vs empty pointers, both union members, unknown
// enum values, arbitrary bytes in Text), encoders on libcapnp's and on our generated builders,
// and comparisons of a model or of libcapnp's readers with our generated readers.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capos.capnp.h"
#include "lib/gen/capos.capnp.h"
#include "tests/lib/gen/gen_test_util.h"

namespace capos::gen::test {

using OptionalText = std::optional<std::string>;

struct RefModel {
  OptionalText service;
  OptionalText export_name;
};
struct GrantModel {
  OptionalText name;
  bool has_source = false;
  bool kernel = true;       // which member of CapSource's union
  uint16_t kernel_cap = 0;  // any value, including ones KernelCap does not name
  std::optional<RefModel> service;
  uint64_t badge = 0;
  uint64_t interface_id = 0;
};
struct ServiceModel {
  OptionalText name;
  OptionalText binary;
  std::optional<std::vector<GrantModel>> caps;
  std::optional<std::vector<std::pair<OptionalText, OptionalText>>> exports;
};
struct ManifestModel {
  uint32_t schema_version = 0;
  std::optional<std::vector<std::pair<OptionalText, std::optional<std::vector<uint8_t>>>>> binaries;
  bool has_init = false;
  OptionalText init;
  std::optional<std::vector<ServiceModel>> services;
  bool has_params = false;
  OptionalText motd;
};

inline OptionalText gen_text() {
  if (*rc::gen::inRange(0, 4) == 0) return std::nullopt;
  return *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 24),
                                          rc::gen::arbitrary<char>());
}
template <typename T, typename F>
std::optional<std::vector<T>> gen_list(F element, size_t max) {
  if (*rc::gen::inRange(0, 5) == 0) return std::nullopt;
  std::vector<T> out(*rc::gen::inRange<size_t>(0, max + 1));
  for (auto& item : out) item = element();
  return out;
}

inline GrantModel gen_grant() {
  GrantModel grant;
  grant.name = gen_text();
  grant.has_source = *rc::gen::inRange(0, 6) != 0;
  grant.kernel = *rc::gen::arbitrary<bool>();
  grant.kernel_cap =
      *rc::gen::oneOf(rc::gen::inRange<uint16_t>(0, 6), rc::gen::arbitrary<uint16_t>());
  if (!grant.kernel) grant.service = RefModel{gen_text(), gen_text()};
  grant.badge = *rc::gen::arbitrary<uint64_t>();
  grant.interface_id = *rc::gen::arbitrary<uint64_t>();
  return grant;
}

inline ManifestModel gen_manifest() {
  ManifestModel m;
  m.schema_version = *rc::gen::arbitrary<uint32_t>();
  m.binaries = gen_list<std::pair<OptionalText, std::optional<std::vector<uint8_t>>>>(
      [] {
        std::optional<std::vector<uint8_t>> elf;
        if (*rc::gen::inRange(0, 4) != 0) {
          elf = *rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 300),
                                                          rc::gen::arbitrary<uint8_t>());
        }
        return std::make_pair(gen_text(), elf);
      },
      4);
  m.has_init = *rc::gen::inRange(0, 5) != 0;
  m.init = gen_text();
  m.services = gen_list<ServiceModel>(
      [] {
        ServiceModel service;
        service.name = gen_text();
        service.binary = gen_text();
        service.caps = gen_list<GrantModel>(gen_grant, 4);
        service.exports = gen_list<std::pair<OptionalText, OptionalText>>(
            [] { return std::make_pair(gen_text(), gen_text()); }, 3);
        return service;
      },
      3);
  m.has_params = *rc::gen::inRange(0, 5) != 0;
  m.motd = gen_text();
  return m;
}

// ---- libcapnp encoder.
inline void set_lib_text(OptionalText value, auto&& set) {
  if (value) set(::capnp::Text::Reader(value->data(), value->size()));
}

inline void build_lib(const ManifestModel& m, ::SystemManifest::Builder root) {
  root.setSchemaVersion(m.schema_version);
  if (m.binaries) {
    auto list = root.initBinaries(static_cast<unsigned>(m.binaries->size()));
    for (unsigned i = 0; i < list.size(); ++i) {
      const auto& [name, elf] = (*m.binaries)[i];
      set_lib_text(name, [&](auto t) { list[i].setName(t); });
      if (elf) list[i].setElf(::capnp::Data::Reader(elf->data(), elf->size()));
    }
  }
  if (m.has_init) {
    auto init = root.initInitConfig();
    set_lib_text(m.init, [&](auto t) { init.setInit(t); });
    if (m.services) {
      auto services = init.initServices(static_cast<unsigned>(m.services->size()));
      for (unsigned i = 0; i < services.size(); ++i) {
        const ServiceModel& model = (*m.services)[i];
        auto service = services[i];
        set_lib_text(model.name, [&](auto t) { service.setName(t); });
        set_lib_text(model.binary, [&](auto t) { service.setBinary(t); });
        if (model.caps) {
          auto caps = service.initCaps(static_cast<unsigned>(model.caps->size()));
          for (unsigned k = 0; k < caps.size(); ++k) {
            const GrantModel& grant = (*model.caps)[k];
            auto cap = caps[k];
            set_lib_text(grant.name, [&](auto t) { cap.setName(t); });
            if (grant.has_source) {
              auto source = cap.initSource();
              if (grant.kernel) {
                source.setKernel(static_cast<::KernelCap>(grant.kernel_cap));
              } else {
                auto ref = source.initService();
                set_lib_text(grant.service->service, [&](auto t) { ref.setService(t); });
                set_lib_text(grant.service->export_name, [&](auto t) { ref.setExport(t); });
              }
            }
            cap.setBadge(grant.badge);
            cap.setInterfaceId(grant.interface_id);
          }
        }
        if (model.exports) {
          auto exports = service.initExports(static_cast<unsigned>(model.exports->size()));
          for (unsigned k = 0; k < exports.size(); ++k) {
            set_lib_text((*model.exports)[k].first, [&](auto t) { exports[k].setName(t); });
            set_lib_text((*model.exports)[k].second, [&](auto t) { exports[k].setCap(t); });
          }
        }
      }
    }
  }
  if (m.has_params) {
    auto params = root.initKernelParams();
    set_lib_text(m.motd, [&](auto t) { params.setMotd(t); });
  }
}

// ---- Our encoder (the generated builders).
inline void set_our_text(const OptionalText& value, auto&& set) {
  if (value) ok(set(view(*value)));
}

inline void build_ours(const ManifestModel& m, SystemManifest::Builder root) {
  root.set_schema_version(m.schema_version);
  if (m.binaries) {
    auto list = ok(root.init_binaries(static_cast<uint32_t>(m.binaries->size())));
    for (uint32_t i = 0; i < list.size(); ++i) {
      const auto& [name, elf] = (*m.binaries)[i];
      const Binary::Builder binary = list.get(i);
      set_our_text(name, [&](ByteView t) { return binary.set_name(t); });
      if (elf) ok(binary.set_elf(view(*elf)));
    }
  }
  if (m.has_init) {
    const InitConfig::Builder init = ok(root.init_init_config());
    set_our_text(m.init, [&](ByteView t) { return init.set_init(t); });
    if (m.services) {
      auto services = ok(init.init_services(static_cast<uint32_t>(m.services->size())));
      for (uint32_t i = 0; i < services.size(); ++i) {
        const ServiceModel& model = (*m.services)[i];
        const ServiceConfig::Builder service = services.get(i);
        set_our_text(model.name, [&](ByteView t) { return service.set_name(t); });
        set_our_text(model.binary, [&](ByteView t) { return service.set_binary(t); });
        if (model.caps) {
          auto caps = ok(service.init_caps(static_cast<uint32_t>(model.caps->size())));
          for (uint32_t k = 0; k < caps.size(); ++k) {
            const GrantModel& grant = (*model.caps)[k];
            const CapGrant::Builder cap = caps.get(k);
            set_our_text(grant.name, [&](ByteView t) { return cap.set_name(t); });
            if (grant.has_source) {
              const CapSource::Builder source = ok(cap.init_source());
              if (grant.kernel) {
                source.set_kernel(static_cast<KernelCap>(grant.kernel_cap));
              } else {
                const ServiceExportRef::Builder ref = ok(source.init_service());
                set_our_text(grant.service->service,
                             [&](ByteView t) { return ref.set_service(t); });
                set_our_text(grant.service->export_name,
                             [&](ByteView t) { return ref.set_export(t); });
              }
            }
            cap.set_badge(grant.badge);
            cap.set_interface_id(grant.interface_id);
          }
        }
        if (model.exports) {
          auto exports = ok(service.init_exports(static_cast<uint32_t>(model.exports->size())));
          for (uint32_t k = 0; k < exports.size(); ++k) {
            const Export::Builder entry = exports.get(k);
            set_our_text((*model.exports)[k].first, [&](ByteView t) { return entry.set_name(t); });
            set_our_text((*model.exports)[k].second, [&](ByteView t) { return entry.set_cap(t); });
          }
        }
      }
    }
  }
  if (m.has_params) {
    const KernelParams::Builder params = ok(root.init_kernel_params());
    set_our_text(m.motd, [&](ByteView t) { return params.set_motd(t); });
  }
}

// ---- Comparisons: libcapnp's reading against the model, and ours against libcapnp's.
inline void expect_lib_text(bool has, ::capnp::Text::Reader value, const OptionalText& model) {
  RC_ASSERT(has == model.has_value());
  RC_ASSERT(std::string(value.begin(), value.size()) == model.value_or(""));
}

#define EXPECT_SAME_TEXT(lib, ours, Lib, our)                              \
  do {                                                                     \
    RC_ASSERT((lib).has##Lib() == (ours).has_##our());                     \
    RC_ASSERT(same_bytes(ok((ours).get_##our()), view((lib).get##Lib()))); \
  } while (0)

inline void expect_same(::CapSource::Reader lib, CapSource::Reader ours) {
  RC_ASSERT(static_cast<uint16_t>(lib.which()) == static_cast<uint16_t>(ours.which()));
  RC_ASSERT(lib.isKernel() == ours.is_kernel());
  RC_ASSERT(lib.isService() == ours.is_service());
  if (lib.isKernel()) {
    RC_ASSERT(static_cast<uint16_t>(lib.getKernel()) == static_cast<uint16_t>(ours.get_kernel()));
    RC_ASSERT(!ours.has_service());
  } else {
    RC_ASSERT(ours.get_kernel() == KernelCap::Console);  // inactive members read as defaults
    RC_ASSERT(lib.hasService() == ours.has_service());
    const auto ref = ok(ours.get_service());
    EXPECT_SAME_TEXT(lib.getService(), ref, Service, service);
    EXPECT_SAME_TEXT(lib.getService(), ref, Export, export);
  }
}

inline void expect_same(::ServiceConfig::Reader lib, ServiceConfig::Reader ours) {
  EXPECT_SAME_TEXT(lib, ours, Name, name);
  EXPECT_SAME_TEXT(lib, ours, Binary, binary);
  RC_ASSERT(lib.hasCaps() == ours.has_caps());
  const auto caps = ok(ours.get_caps());
  RC_ASSERT(caps.size() == lib.getCaps().size());
  for (uint32_t k = 0; k < caps.size(); ++k) {
    const auto lib_cap = lib.getCaps()[k];
    const auto cap = ok(caps.get(k));
    EXPECT_SAME_TEXT(lib_cap, cap, Name, name);
    RC_ASSERT(lib_cap.hasSource() == cap.has_source());
    expect_same(lib_cap.getSource(), ok(cap.get_source()));
    RC_ASSERT(lib_cap.getBadge() == cap.get_badge());
    RC_ASSERT(lib_cap.getInterfaceId() == cap.get_interface_id());
  }
  RC_ASSERT(lib.hasExports() == ours.has_exports());
  const auto exports = ok(ours.get_exports());
  RC_ASSERT(exports.size() == lib.getExports().size());
  for (uint32_t k = 0; k < exports.size(); ++k) {
    EXPECT_SAME_TEXT(lib.getExports()[k], ok(exports.get(k)), Name, name);
    EXPECT_SAME_TEXT(lib.getExports()[k], ok(exports.get(k)), Cap, cap);
  }
}

inline void expect_same(::SystemManifest::Reader lib, SystemManifest::Reader ours) {
  ok(ours.validate());
  RC_ASSERT(lib.getSchemaVersion() == ours.get_schema_version());
  RC_ASSERT(lib.hasBinaries() == ours.has_binaries());
  const auto binaries = ok(ours.get_binaries());
  RC_ASSERT(binaries.size() == lib.getBinaries().size());
  for (uint32_t i = 0; i < binaries.size(); ++i) {
    const auto binary = ok(binaries.get(i));
    EXPECT_SAME_TEXT(lib.getBinaries()[i], binary, Name, name);
    RC_ASSERT(lib.getBinaries()[i].hasElf() == binary.has_elf());
    RC_ASSERT(same_bytes(ok(binary.get_elf()), view(lib.getBinaries()[i].getElf())));
  }
  RC_ASSERT(lib.hasInitConfig() == ours.has_init_config());
  const auto init = ok(ours.get_init_config());
  EXPECT_SAME_TEXT(lib.getInitConfig(), init, Init, init);
  RC_ASSERT(lib.getInitConfig().hasServices() == init.has_services());
  const auto services = ok(init.get_services());
  RC_ASSERT(services.size() == lib.getInitConfig().getServices().size());
  for (uint32_t i = 0; i < services.size(); ++i) {
    expect_same(lib.getInitConfig().getServices()[i], ok(services.get(i)));
  }
  RC_ASSERT(lib.hasKernelParams() == ours.has_kernel_params());
  EXPECT_SAME_TEXT(lib.getKernelParams(), ok(ours.get_kernel_params()), Motd, motd);
  count_differential_case();
}

// libcapnp's reading agrees with the model (so both encoders really wrote the model).
inline void expect_model(::SystemManifest::Reader lib, const ManifestModel& m) {
  RC_ASSERT(lib.getSchemaVersion() == m.schema_version);
  RC_ASSERT(lib.hasBinaries() == m.binaries.has_value());
  if (m.binaries) {
    RC_ASSERT(lib.getBinaries().size() == m.binaries->size());
    for (unsigned i = 0; i < m.binaries->size(); ++i) {
      expect_lib_text(lib.getBinaries()[i].hasName(), lib.getBinaries()[i].getName(),
                      (*m.binaries)[i].first);
      const auto& elf = (*m.binaries)[i].second;
      RC_ASSERT(lib.getBinaries()[i].hasElf() == elf.has_value());
      RC_ASSERT(same_bytes(view(lib.getBinaries()[i].getElf()), elf ? view(*elf) : ByteView{}));
    }
  }
  RC_ASSERT(lib.hasInitConfig() == m.has_init);
  if (m.has_init) {
    expect_lib_text(lib.getInitConfig().hasInit(), lib.getInitConfig().getInit(), m.init);
    const auto services = lib.getInitConfig().getServices();
    RC_ASSERT(lib.getInitConfig().hasServices() == m.services.has_value());
    RC_ASSERT(services.size() == (m.services ? m.services->size() : 0));
    for (unsigned i = 0; i < services.size(); ++i) {
      const ServiceModel& model = (*m.services)[i];
      expect_lib_text(services[i].hasName(), services[i].getName(), model.name);
      RC_ASSERT(services[i].getCaps().size() == (model.caps ? model.caps->size() : 0));
      for (unsigned k = 0; k < services[i].getCaps().size(); ++k) {
        const auto cap = services[i].getCaps()[k];
        const GrantModel& grant = (*model.caps)[k];
        RC_ASSERT(cap.getBadge() == grant.badge);
        RC_ASSERT(cap.hasSource() == grant.has_source);
        if (grant.has_source && grant.kernel) {
          RC_ASSERT(static_cast<uint16_t>(cap.getSource().getKernel()) == grant.kernel_cap);
        }
      }
    }
  }
  RC_ASSERT(lib.hasKernelParams() == m.has_params);
  if (m.has_params) {
    expect_lib_text(lib.getKernelParams().hasMotd(), lib.getKernelParams().getMotd(), m.motd);
  }
}

}  // namespace capos::gen::test
