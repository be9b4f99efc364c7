// tools/mkmanifest/manifest_source.h — the manifest as read from JSON, owning its strings and
// the loaded binaries, and its conversion to lib/manifest's model (which borrows from it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/manifest/diagnostic.h"
#include "lib/manifest/model.h"

namespace capos::mkmanifest {

struct SourceCap {
  std::string name;
  manifest::SourceKind kind = manifest::SourceKind::Kernel;
  manifest::KernelCap kernel = manifest::KernelCap::Console;
  std::string service;      // kind == Service
  std::string export_name;  // kind == Service
  uint64_t badge = 0;
  uint64_t interface_id = 0;
};

struct SourceExport {
  std::string name;
  std::string cap;
};

struct SourceService {
  std::string name;
  std::string binary;
  std::vector<SourceCap> caps;
  std::vector<SourceExport> exports;
};

struct SourceBinary {
  std::string name;
  std::string path;          // relative to --root, as written in the JSON
  std::vector<uint8_t> elf;  // filled by load_binaries()
};

// Invariant (established by parse_manifest_json): every list is within the model's capacity.
struct ManifestSource {
  uint32_t schema_version = 0;
  std::vector<SourceBinary> binaries;
  std::string init;
  std::vector<SourceService> services;
  std::string motd;
};

// The model of `source`. Its Texts and ByteViews borrow from `source`, which must outlive it
// and stay unmodified. Precondition: the ManifestSource invariant holds.
std::unique_ptr<manifest::Manifest> to_model(const ManifestSource& source);

// A lib/manifest diagnostic as mkmanifest prints it: "$.<path>: <message>", with the model's
// `binaries[i].elf` shown as the JSON field `binaries[i].path` that supplied the bytes.
std::string render_json_diagnostic(const manifest::ManifestDiagnostic& diagnostic);

}  // namespace capos::mkmanifest
