// fuzz/manifest_invariants.h — an independent re-check of what decode_and_validate() promises,
// shared by the manifest harnesses.
//
// Written from docs/manifest.md and lib/manifest/README.md without lib/manifest's validator:
// names, bounds and the authority graph are re-derived here with plain loops, so a validator
// that accepts a manifest breaking one of them crashes the harness. Also: models compare
// field by field (round trips), every borrowed view lies inside the bytes it came from, a
// rejected decode leaves the model empty, and every diagnostic renders in full, printable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_support.h"
#include "lib/core/bytes.h"
#include "lib/manifest/diagnostic.h"
#include "lib/manifest/interface_ids.h"
#include "lib/manifest/model.h"

namespace capos::fuzz {

inline bool valid_name(manifest::Text name) {
  if (name.size == 0 || name.size > manifest::MAX_NAME_BYTES) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  for (size_t i = 0; i < name.size; ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

template <typename List, typename Name>
size_t count_named(const List& list, manifest::Text name, Name name_of) {
  size_t count = 0;
  for (const auto& item : list) count += name_of(item) == name ? 1 : 0;
  return count;
}

inline const manifest::Service* service_named(const manifest::Manifest& m, manifest::Text name) {
  for (const auto& service : m.init_config.services) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

inline const manifest::CapGrant* cap_named(const manifest::Service& s, manifest::Text name) {
  for (const auto& cap : s.caps) {
    if (cap.name == name) return &cap;
  }
  return nullptr;
}

// Every rule of an accepted manifest (lib/manifest/README.md, validate order 1-6).
inline void check_accepted_manifest(const manifest::Manifest& m) {
  using namespace manifest;
  FUZZ_CHECK(m.schema_version == SCHEMA_VERSION);
  const auto binary_name = [](const Binary& b) { return b.name; };
  for (const Binary& binary : m.binaries) {
    FUZZ_CHECK(valid_name(binary.name));
    FUZZ_CHECK(count_named(m.binaries, binary.name, binary_name) == 1);
    FUZZ_CHECK(!binary.elf.empty() && binary.elf.size() <= MAX_BINARY_BYTES);
  }
  FUZZ_CHECK(count_named(m.binaries, m.init_config.init, binary_name) == 1);
  const auto service_name = [](const Service& s) { return s.name; };
  for (const Service& service : m.init_config.services) {
    FUZZ_CHECK(valid_name(service.name));
    FUZZ_CHECK(count_named(m.init_config.services, service.name, service_name) == 1);
    FUZZ_CHECK(count_named(m.binaries, service.binary, binary_name) == 1);
    for (const CapGrant& cap : service.caps) {
      FUZZ_CHECK(valid_name(cap.name));
      FUZZ_CHECK(count_named(service.caps, cap.name, [](const CapGrant& c) { return c.name; }) ==
                 1);
      if (cap.source.kind == SourceKind::Kernel) {
        FUZZ_CHECK(static_cast<uint16_t>(cap.source.kernel) < KERNEL_CAP_COUNT);
        FUZZ_CHECK(cap.badge == 0);
        FUZZ_CHECK(cap.interface_id == 0 ||
                   cap.interface_id == kernel_cap_interface_id(cap.source.kernel));
      } else {
        // An import: another service's export, granting the CALL-only endpoint facet.
        FUZZ_CHECK(cap.source.kind == SourceKind::Service);
        FUZZ_CHECK(!(cap.source.service == service.name));
        const Service* exporter = service_named(m, cap.source.service);
        FUZZ_CHECK(exporter != nullptr);
        bool exported = false;
        for (const Export& e : exporter->exports) exported |= e.name == cap.source.export_name;
        FUZZ_CHECK(exported);
        FUZZ_CHECK(cap.interface_id == 0 || cap.interface_id == SERVICE_IMPORT_INTERFACE_ID);
      }
    }
    for (const Export& e : service.exports) {
      FUZZ_CHECK(valid_name(e.name));
      FUZZ_CHECK(count_named(service.exports, e.name, [](const Export& x) { return x.name; }) == 1);
      // Only the owner of a raw endpoint exports it.
      const CapGrant* cap = cap_named(service, e.cap);
      FUZZ_CHECK(cap != nullptr);
      FUZZ_CHECK(cap->source.kind == SourceKind::Kernel &&
                 cap->source.kernel == KernelCap::Endpoint);
    }
  }
  const Text motd = m.kernel_params.motd;
  FUZZ_CHECK(motd.size <= MAX_MOTD_BYTES);
  for (size_t i = 0; i < motd.size; ++i) FUZZ_CHECK(motd[i] >= 0x20 && motd[i] <= 0x7e);
}

// decode()'s promise on failure: nothing half-filled survives.
inline void check_empty_manifest(const manifest::Manifest& m) {
  FUZZ_CHECK(m.schema_version == 0);
  FUZZ_CHECK(m.binaries.size() == 0 && m.init_config.services.size() == 0);
  FUZZ_CHECK(m.init_config.init.size == 0 && m.kernel_params.motd.size == 0);
}

inline void check_inside(ByteView storage, const void* data, size_t size) {
  if (size == 0) return;
  const auto* begin = static_cast<const uint8_t*>(data);
  FUZZ_CHECK(begin >= storage.data() && begin + size <= storage.data() + storage.size());
}

// Every Text and ByteView of a decoded model borrows from the message it was decoded from.
inline void check_views_inside(const manifest::Manifest& m, ByteView message) {
  const auto text = [&](manifest::Text t) { check_inside(message, t.data, t.size); };
  for (const auto& binary : m.binaries) {
    text(binary.name);
    check_inside(message, binary.elf.data(), binary.elf.size());
  }
  text(m.init_config.init);
  for (const auto& service : m.init_config.services) {
    text(service.name);
    text(service.binary);
    for (const auto& cap : service.caps) {
      text(cap.name);
      text(cap.source.service);
      text(cap.source.export_name);
    }
    for (const auto& e : service.exports) {
      text(e.name);
      text(e.cap);
    }
  }
  text(m.kernel_params.motd);
}

inline bool same_bytes(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Field-by-field equality of two models (texts and binaries by content).
inline bool same_manifest(const manifest::Manifest& a, const manifest::Manifest& b) {
  using namespace manifest;
  if (a.schema_version != b.schema_version || a.binaries.size() != b.binaries.size()) return false;
  for (size_t i = 0; i < a.binaries.size(); ++i) {
    if (!(a.binaries[i].name == b.binaries[i].name)) return false;
    if (!same_bytes(a.binaries[i].elf, b.binaries[i].elf)) return false;
  }
  if (!(a.init_config.init == b.init_config.init)) return false;
  if (!(a.kernel_params.motd == b.kernel_params.motd)) return false;
  const auto& sa = a.init_config.services;
  const auto& sb = b.init_config.services;
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i) {
    if (!(sa[i].name == sb[i].name) || !(sa[i].binary == sb[i].binary)) return false;
    if (sa[i].caps.size() != sb[i].caps.size()) return false;
    if (sa[i].exports.size() != sb[i].exports.size()) return false;
    for (size_t j = 0; j < sa[i].caps.size(); ++j) {
      const CapGrant& x = sa[i].caps[j];
      const CapGrant& y = sb[i].caps[j];
      if (!(x.name == y.name) || x.badge != y.badge || x.interface_id != y.interface_id) {
        return false;
      }
      if (x.source.kind != y.source.kind) return false;
      if (x.source.kind == SourceKind::Kernel && x.source.kernel != y.source.kernel) return false;
      if (x.source.kind == SourceKind::Service &&
          (!(x.source.service == y.source.service) ||
           !(x.source.export_name == y.source.export_name))) {
        return false;
      }
    }
    for (size_t j = 0; j < sa[i].exports.size(); ++j) {
      if (!(sa[i].exports[j].name == sb[i].exports[j].name)) return false;
      if (!(sa[i].exports[j].cap == sb[i].exports[j].cap)) return false;
    }
  }
  return true;
}

// A diagnostic renders completely into DIAGNOSTIC_BUFFER_BYTES, as printable ASCII, both ways.
inline void check_diagnostic(const manifest::ManifestDiagnostic& diagnostic) {
  for (manifest::PathRoot root : {manifest::PathRoot::Bare, manifest::PathRoot::Dollar}) {
    char buffer[manifest::DIAGNOSTIC_BUFFER_BYTES];
    const size_t length = manifest::format_diagnostic(diagnostic, root, buffer);
    FUZZ_CHECK(length < sizeof buffer);
    for (size_t i = 0; i < length; ++i) FUZZ_CHECK(buffer[i] >= 0x20 && buffer[i] <= 0x7e);
  }
}

}  // namespace capos::fuzz
