#include "tools/mkmanifest/manifest_source.h"

#include <cstring>

#include "lib/core/panic.h"
#include "tools/mkmanifest/input_error.h"

namespace capos::mkmanifest {

namespace {

manifest::Text view(const std::string& text) { return manifest::Text{text.data(), text.size()}; }

template <typename Vector, typename Value>
void push(Vector& vector, Value&& value) {
  auto pushed = vector.push_back(std::forward<Value>(value));
  KASSERT(pushed.has_value());  // ManifestSource invariant: counts are within capacity
}

manifest::CapGrant to_cap(const SourceCap& cap) {
  manifest::CapGrant grant;
  grant.name = view(cap.name);
  grant.source.kind = cap.kind;
  grant.source.kernel = cap.kernel;
  grant.source.service = view(cap.service);
  grant.source.export_name = view(cap.export_name);
  grant.badge = cap.badge;
  grant.interface_id = cap.interface_id;
  return grant;
}

void add_service(manifest::Manifest& model, const SourceService& source) {
  push(model.init_config.services, manifest::Service{});
  manifest::Service& service = model.init_config.services[model.init_config.services.size() - 1];
  service.name = view(source.name);
  service.binary = view(source.binary);
  for (const SourceCap& cap : source.caps) push(service.caps, to_cap(cap));
  for (const SourceExport& exported : source.exports) {
    push(service.exports, manifest::Export{view(exported.name), view(exported.cap)});
  }
}

// The JSON spelling of a model path: the embedded bytes `binaries[i].elf` came from `path`.
manifest::DiagnosticPath json_path(const manifest::DiagnosticPath& path) {
  manifest::DiagnosticPath result;
  for (size_t i = 0; i < path.depth(); ++i) {
    const manifest::PathSegment& segment = path.segment(i);
    const bool is_elf = i == 1 && std::strcmp(segment.field, "elf") == 0 &&
                        std::strcmp(path.segment(0).field, "binaries") == 0;
    const char* field = is_elf ? "path" : segment.field;
    result = segment.indexed ? result.element(field, segment.index) : result.field(field);
  }
  return result;
}

}  // namespace

std::unique_ptr<manifest::Manifest> to_model(const ManifestSource& source) {
  auto model = std::make_unique<manifest::Manifest>();
  model->schema_version = source.schema_version;
  for (const SourceBinary& binary : source.binaries) {
    push(model->binaries, manifest::Binary{view(binary.name), ByteView(binary.elf)});
  }
  model->init_config.init = view(source.init);
  for (const SourceService& service : source.services) add_service(*model, service);
  model->kernel_params.motd = view(source.motd);
  return model;
}

std::string render_json_diagnostic(const manifest::ManifestDiagnostic& diagnostic) {
  manifest::ManifestDiagnostic shown = diagnostic;
  shown.path = json_path(diagnostic.path);
  shown.other_path = json_path(diagnostic.other_path);
  char buffer[manifest::DIAGNOSTIC_BUFFER_BYTES];
  const size_t length = manifest::format_diagnostic(shown, manifest::PathRoot::Dollar, buffer);
  return std::string(buffer, length < sizeof buffer ? length : sizeof buffer - 1);
}

std::string quote(std::string_view text) {
  constexpr size_t max_shown = 64;
  constexpr std::string_view hex_digits = "0123456789abcdef";
  std::string quoted = "\"";
  for (size_t i = 0; i < text.size() && i < max_shown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"' || byte == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(byte);
    } else if (byte >= 0x20 && byte <= 0x7e) {
      quoted += static_cast<char>(byte);
    } else {
      quoted += "\\x";
      quoted += hex_digits[byte >> 4U];
      quoted += hex_digits[byte & 0xfU];
    }
  }
  if (text.size() > max_shown) quoted += "...";
  quoted += '"';
  return quoted;
}

}  // namespace capos::mkmanifest
