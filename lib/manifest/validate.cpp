#include "lib/manifest/validate.h"

#include "lib/manifest/interface_ids.h"

namespace capos::manifest {

namespace {

using Outcome = Result<void, ManifestDiagnostic>;

ManifestDiagnostic diagnostic(DiagnosticCode code, const DiagnosticPath& path) {
  ManifestDiagnostic result;
  result.code = code;
  result.path = path;
  return result;
}

ManifestDiagnostic about(DiagnosticCode code, const DiagnosticPath& path, Text subject) {
  ManifestDiagnostic result = diagnostic(code, path);
  result.subject = subject;
  return result;
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_name_byte(char c) { return is_lower(c) || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

// The name at `path`.name is valid and differs from every earlier entry of `entries`
// (whose own paths are `list_path`[i]).
template <typename Entries>
Outcome check_unique_name(const Entries& entries, size_t index, const char* kind,
                          const DiagnosticPath& list_path, const char* list_field) {
  const DiagnosticPath entry_path = list_path.element(list_field, index);
  const Text name = entries[index].name;
  TRY(check_name(name, entry_path.field("name")));
  for (size_t earlier = 0; earlier < index; ++earlier) {
    if (entries[earlier].name == name) {
      ManifestDiagnostic duplicate =
          about(DiagnosticCode::DuplicateName, entry_path.field("name"), name);
      duplicate.kind = kind;
      duplicate.other_path = list_path.element(list_field, earlier);
      return duplicate;
    }
  }
  return {};
}

Outcome check_interface(uint64_t stated, uint64_t granted, const DiagnosticPath& cap_path) {
  if (stated == 0 || stated == granted) return {};
  ManifestDiagnostic mismatch =
      diagnostic(DiagnosticCode::InterfaceMismatch, cap_path.field("interfaceId"));
  mismatch.number = stated;
  mismatch.limit = granted;
  return mismatch;
}

Outcome check_binaries(const Manifest& manifest) {
  const DiagnosticPath root;
  for (size_t i = 0; i < manifest.binaries.size(); ++i) {
    TRY(check_unique_name(manifest.binaries, i, "binary", root, "binaries"));
    const Binary& binary = manifest.binaries[i];
    const DiagnosticPath elf_path = root.element("binaries", i).field("elf");
    if (binary.elf.empty()) return about(DiagnosticCode::EmptyBinary, elf_path, binary.name);
    if (binary.elf.size() > MAX_BINARY_BYTES) {
      ManifestDiagnostic too_large = about(DiagnosticCode::BinaryTooLarge, elf_path, binary.name);
      too_large.number = binary.elf.size();
      too_large.limit = MAX_BINARY_BYTES;
      return too_large;
    }
  }
  return {};
}

Outcome check_binary_reference(const Manifest& manifest, Text name, const DiagnosticPath& path) {
  if (find_binary(manifest, name) == nullptr) {
    return about(DiagnosticCode::UnknownBinary, path, name);
  }
  return {};
}

// Pass 1 for one cap: its name, and everything about a kernel source. Imports are resolved in
// pass 2, once every service and export name is known to be unique.
Outcome check_cap_local(const Service& service, size_t index, const DiagnosticPath& service_path) {
  TRY(check_unique_name(service.caps, index, "cap", service_path, "caps"));
  const CapGrant& cap = service.caps[index];
  const DiagnosticPath cap_path = service_path.element("caps", index);
  const DiagnosticPath source_path = cap_path.field("source");
  if (cap.source.kind == SourceKind::Service) return {};
  if (cap.source.kind != SourceKind::Kernel) {
    ManifestDiagnostic unknown = diagnostic(DiagnosticCode::UnknownUnionMember, source_path);
    unknown.kind = "CapSource";
    unknown.number = static_cast<uint64_t>(cap.source.kind);
    return unknown;
  }
  const char* kernel_name = kernel_cap_name(cap.source.kernel);
  if (kernel_name == nullptr) {
    ManifestDiagnostic unknown =
        diagnostic(DiagnosticCode::UnknownEnumerant, source_path.field("kernel"));
    unknown.kind = "KernelCap";
    unknown.number = static_cast<uint64_t>(cap.source.kernel);
    return unknown;
  }
  if (cap.badge != 0) {
    ManifestDiagnostic badge =
        diagnostic(DiagnosticCode::BadgeOnKernelCap, cap_path.field("badge"));
    badge.number = cap.badge;
    badge.other = text_of(kernel_name);
    return badge;
  }
  return check_interface(cap.interface_id, kernel_cap_interface_id(cap.source.kernel), cap_path);
}

Outcome check_export(const Service& service, size_t index, const DiagnosticPath& service_path) {
  TRY(check_unique_name(service.exports, index, "export", service_path, "exports"));
  const Export& exported = service.exports[index];
  const DiagnosticPath cap_path = service_path.element("exports", index).field("cap");
  const CapGrant* cap = find_cap(service, exported.cap);
  if (cap == nullptr) return about(DiagnosticCode::UnknownCap, cap_path, exported.cap);
  if (cap->source.kind != SourceKind::Kernel || cap->source.kernel != KernelCap::Endpoint) {
    return about(DiagnosticCode::ExportNotEndpoint, cap_path, exported.cap);
  }
  return {};
}

Outcome check_service_local(const Manifest& manifest, size_t index) {
  const DiagnosticPath init_path = DiagnosticPath{}.field("initConfig");
  const auto& services = manifest.init_config.services;
  TRY(check_unique_name(services, index, "service", init_path, "services"));
  const Service& service = services[index];
  const DiagnosticPath service_path = init_path.element("services", index);
  TRY(check_binary_reference(manifest, service.binary, service_path.field("binary")));
  for (size_t cap = 0; cap < service.caps.size(); ++cap) {
    TRY(check_cap_local(service, cap, service_path));
  }
  for (size_t exported = 0; exported < service.exports.size(); ++exported) {
    TRY(check_export(service, exported, service_path));
  }
  return {};
}

// Pass 2 for one import: {service, export} names an export of a different service.
Outcome check_import(const Manifest& manifest, const Service& importer, const CapGrant& cap,
                     const DiagnosticPath& cap_path) {
  const DiagnosticPath source_path = cap_path.field("source");
  const Service* exporter = find_service(manifest, cap.source.service);
  if (exporter == nullptr) {
    return about(DiagnosticCode::UnknownService, source_path, cap.source.service);
  }
  if (find_export(*exporter, cap.source.export_name) == nullptr) {
    ManifestDiagnostic unknown =
        about(DiagnosticCode::UnknownExport, source_path, cap.source.service);
    unknown.other = cap.source.export_name;
    return unknown;
  }
  if (exporter == &importer) {
    ManifestDiagnostic self = about(DiagnosticCode::SelfImport, source_path, cap.source.service);
    self.other = cap.source.export_name;
    return self;
  }
  return check_interface(cap.interface_id, SERVICE_IMPORT_INTERFACE_ID, cap_path);
}

Outcome check_imports(const Manifest& manifest) {
  const DiagnosticPath init_path = DiagnosticPath{}.field("initConfig");
  const auto& services = manifest.init_config.services;
  for (size_t s = 0; s < services.size(); ++s) {
    const DiagnosticPath service_path = init_path.element("services", s);
    for (size_t c = 0; c < services[s].caps.size(); ++c) {
      const CapGrant& cap = services[s].caps[c];
      if (cap.source.kind != SourceKind::Service) continue;
      TRY(check_import(manifest, services[s], cap, service_path.element("caps", c)));
    }
  }
  return {};
}

Outcome check_motd(Text motd) {
  const DiagnosticPath path = DiagnosticPath{}.field("kernelParams").field("motd");
  if (motd.size > MAX_MOTD_BYTES) {
    ManifestDiagnostic too_long = diagnostic(DiagnosticCode::MotdTooLong, path);
    too_long.number = motd.size;
    too_long.limit = MAX_MOTD_BYTES;
    return too_long;
  }
  for (size_t i = 0; i < motd.size; ++i) {
    const auto byte = static_cast<unsigned char>(motd[i]);
    if (byte < 0x20 || byte > 0x7e) {
      ManifestDiagnostic bad = diagnostic(DiagnosticCode::MotdBadByte, path);
      bad.number = byte;
      bad.limit = i;
      return bad;
    }
  }
  return {};
}

}  // namespace

Outcome check_name(Text name, const DiagnosticPath& path) {
  if (name.empty()) return diagnostic(DiagnosticCode::NameEmpty, path);
  if (name.size > MAX_NAME_BYTES) {
    ManifestDiagnostic too_long = about(DiagnosticCode::NameTooLong, path, name);
    too_long.number = name.size;
    too_long.limit = MAX_NAME_BYTES;
    return too_long;
  }
  if (!is_lower(name[0])) return about(DiagnosticCode::NameBadStart, path, name);
  for (size_t i = 1; i < name.size; ++i) {
    if (!is_name_byte(name[i])) {
      ManifestDiagnostic bad = about(DiagnosticCode::NameBadByte, path, name);
      bad.number = static_cast<unsigned char>(name[i]);
      return bad;
    }
  }
  return {};
}

Outcome validate(const Manifest& manifest) {
  if (manifest.schema_version != SCHEMA_VERSION) {
    ManifestDiagnostic version = diagnostic(DiagnosticCode::UnsupportedSchemaVersion,
                                            DiagnosticPath{}.field("schemaVersion"));
    version.number = manifest.schema_version;
    version.limit = SCHEMA_VERSION;
    return version;
  }
  TRY(check_binaries(manifest));
  TRY(check_binary_reference(manifest, manifest.init_config.init,
                             DiagnosticPath{}.field("initConfig").field("init")));
  for (size_t s = 0; s < manifest.init_config.services.size(); ++s) {
    TRY(check_service_local(manifest, s));
  }
  TRY(check_imports(manifest));
  return check_motd(manifest.kernel_params.motd);
}

const Binary* find_binary(const Manifest& manifest, Text name) {
  for (const Binary& binary : manifest.binaries) {
    if (binary.name == name) return &binary;
  }
  return nullptr;
}

const Service* find_service(const Manifest& manifest, Text name) {
  for (const Service& service : manifest.init_config.services) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

const CapGrant* find_cap(const Service& service, Text name) {
  for (const CapGrant& cap : service.caps) {
    if (cap.name == name) return &cap;
  }
  return nullptr;
}

const Export* find_export(const Service& service, Text name) {
  for (const Export& exported : service.exports) {
    if (exported.name == name) return &exported;
  }
  return nullptr;
}

}  // namespace capos::manifest
