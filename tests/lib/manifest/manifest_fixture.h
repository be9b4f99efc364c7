// Test helpers for lib/manifest: a small valid system and diagnostic rendering.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "lib/manifest/diagnostic.h"
#include "lib/manifest/model.h"
#include "lib/manifest/validate.h"

namespace capos::manifest::test {

inline constexpr std::array<uint8_t, 4> FAKE_ELF = {0x7f, 'E', 'L', 'F'};

inline Text t(const char* string) { return text_of(string); }

// Appends to a StaticVector that the caller knows has room.
template <typename Vector, typename Value>
void push(Vector& vector, Value&& value) {
  auto pushed = vector.push_back(std::forward<Value>(value));
  KASSERT(pushed.has_value());
}

inline CapGrant kernel_cap(const char* name, KernelCap kind) {
  CapGrant cap;
  cap.name = t(name);
  cap.source.kind = SourceKind::Kernel;
  cap.source.kernel = kind;
  return cap;
}

inline CapGrant import_cap(const char* name, const char* service, const char* export_name,
                           uint64_t badge = 0) {
  CapGrant cap;
  cap.name = t(name);
  cap.source.kind = SourceKind::Service;
  cap.source.service = t(service);
  cap.source.export_name = t(export_name);
  cap.badge = badge;
  return cap;
}

// binaries: init, net, app. services[0] "net" (binary net): caps console, server (endpoint);
// exports socket -> server. services[1] "app" (binary app): caps console, net (import of
// net.socket, badge 7).
inline std::unique_ptr<Manifest> valid_manifest() {
  auto manifest = std::make_unique<Manifest>();
  manifest->schema_version = SCHEMA_VERSION;
  for (const char* name : {"init", "net", "app"}) {
    push(manifest->binaries, Binary{t(name), ByteView(FAKE_ELF)});
  }
  manifest->init_config.init = t("init");
  Service net;
  net.name = t("net");
  net.binary = t("net");
  push(net.caps, kernel_cap("console", KernelCap::Console));
  push(net.caps, kernel_cap("server", KernelCap::Endpoint));
  push(net.exports, Export{t("socket"), t("server")});
  Service app;
  app.name = t("app");
  app.binary = t("app");
  push(app.caps, kernel_cap("console", KernelCap::Console));
  push(app.caps, import_cap("net", "net", "socket", 7));
  push(manifest->init_config.services, net);
  push(manifest->init_config.services, app);
  manifest->kernel_params.motd = t("capOS test");
  return manifest;
}

inline std::string render(const ManifestDiagnostic& diagnostic, PathRoot root = PathRoot::Bare) {
  char buffer[DIAGNOSTIC_BUFFER_BYTES];
  const size_t length = format_diagnostic(diagnostic, root, buffer);
  return std::string(buffer, length < sizeof buffer ? length : sizeof buffer - 1);
}

// "" when the manifest is valid, else the rendered diagnostic.
inline std::string validation_error(const Manifest& manifest) {
  auto result = validate(manifest);
  if (result) return "";
  return render(result.error());
}

}  // namespace capos::manifest::test
