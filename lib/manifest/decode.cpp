#include "lib/manifest/decode.h"

#include "lib/capnp/message_reader.h"
#include "lib/core/bytes.h"
#include "lib/gen/capos.capnp.h"
#include "lib/manifest/validate.h"

namespace capos::manifest {

namespace {

// Every field is read through the readers generated from schema/capos.capnp (lib/gen): no
// pointer index, data offset or union discriminant is written here, so a schema change reaches
// this decoder through `make generate` and gate.generated_code, never through a hand copy.
using capnp::CapnpError;
using capnp::CapnpResult;
using gen::StructList;
using Outcome = Result<void, ManifestDiagnostic>;

ManifestDiagnostic at(DiagnosticCode code, const DiagnosticPath& path) {
  ManifestDiagnostic diagnostic;
  diagnostic.code = code;
  diagnostic.path = path;
  return diagnostic;
}

ManifestDiagnostic malformed(const DiagnosticPath& path, CapnpError error) {
  ManifestDiagnostic diagnostic = at(DiagnosticCode::MalformedMessage, path);
  diagnostic.other = text_of(capnp::capnp_error_name(error));
  return diagnostic;
}

// Lifts a lib/capnp result into a diagnostic at `path`.
template <typename T>
Result<T, ManifestDiagnostic> lift(CapnpResult<T> result, const DiagnosticPath& path) {
  if (!result) return malformed(path, result.error());
  return std::move(result).take();
}

Outcome lift(const CapnpResult<void>& result, const DiagnosticPath& path) {
  if (!result) return malformed(path, result.error());
  return {};
}

// A pointer field the manifest requires: `present` is the generated has_x() (the pointer is not
// null), `value` its get_x(). Null is MissingField, never the schema default (docs/REVIEW
// "Manifest change"). get_x() of a null pointer reads the default without following anything
// or charging the budget, so it never fails: the two checks can come in either order.
template <typename T>
Result<T, ManifestDiagnostic> required(bool present, CapnpResult<T> value,
                                       const DiagnosticPath& path) {
  if (!value.has_value()) return malformed(path, value.error());
  if (!present) return at(DiagnosticCode::MissingField, path);
  return lift(std::move(value), path);
}

// Out of line ([[gnu::noinline]]), like each level's decoder below: every Result here can hold a
// ManifestDiagnostic (~170 bytes), and with all of them inlined into decode() its frame passes
// the kernel's 4 KiB -Wframe-larger-than (5.2 KiB measured); out of line, each frame holds only
// its own level (at most 1.6 KiB, about 7 KiB along the deepest call chain).

[[gnu::noinline]] Result<Text, ManifestDiagnostic> required_text(bool present,
                                                                 CapnpResult<ByteView> value,
                                                                 const DiagnosticPath& path) {
  const ByteView bytes = TRY(required(present, std::move(value), path));
  // The view stays within the message bytes lib/capnp bounds-checked; Text never writes.
  const std::span<const char> chars = chars_of(bytes);
  return Text{chars.data(), chars.size()};
}

// A required list of structs, bounded by the model's capacity before anyone iterates it.
template <typename S>
Result<typename StructList<S>::Reader, ManifestDiagnostic> required_list(
    bool present, CapnpResult<typename StructList<S>::Reader> value, size_t capacity,
    const DiagnosticPath& path) {
  const auto list = TRY(required(present, std::move(value), path));
  if (list.size() > capacity) {
    ManifestDiagnostic too_many = at(DiagnosticCode::TooManyEntries, path);
    too_many.number = list.size();
    too_many.limit = capacity;
    return too_many;
  }
  return list;
}

template <typename S>
Result<typename S::Reader, ManifestDiagnostic> element(const typename StructList<S>::Reader& list,
                                                       size_t index, const DiagnosticPath& path) {
  return lift(list.get(static_cast<uint32_t>(index)), path);
}

[[gnu::noinline]] Outcome decode_source(const gen::CapGrant::Reader& grant,
                                        const DiagnosticPath& path, CapSource& out) {
  const gen::CapSource::Reader source = TRY(required(grant.has_source(), grant.get_source(), path));
  const gen::CapSource::Which which = source.which();
  if (which == gen::CapSource::Which::Kernel) {
    const gen::KernelCap kernel = source.get_kernel();
    if (!gen::is_known(kernel)) {
      ManifestDiagnostic unknown = at(DiagnosticCode::UnknownEnumerant, path.field("kernel"));
      unknown.kind = "KernelCap";
      unknown.number = static_cast<uint16_t>(kernel);
      return unknown;
    }
    out.kind = SourceKind::Kernel;
    out.kernel = kernel;
    return {};
  }
  if (which != gen::CapSource::Which::Service) {
    ManifestDiagnostic unknown = at(DiagnosticCode::UnknownUnionMember, path);
    unknown.kind = "CapSource";
    unknown.number = static_cast<uint16_t>(which);
    return unknown;
  }
  const DiagnosticPath ref_path = path.field("service");
  const gen::ServiceExportRef::Reader ref =
      TRY(required(source.has_service(), source.get_service(), ref_path));
  out.kind = SourceKind::Service;
  out.service = TRY(required_text(ref.has_service(), ref.get_service(), ref_path.field("service")));
  out.export_name =
      TRY(required_text(ref.has_export(), ref.get_export(), ref_path.field("export")));
  return {};
}

[[gnu::noinline]] Outcome decode_caps(const gen::ServiceConfig::Reader& service,
                                      const DiagnosticPath& service_path, Service& out) {
  const auto caps = TRY(required_list<gen::CapGrant>(
      service.has_caps(), service.get_caps(), MAX_CAPS_PER_SERVICE, service_path.field("caps")));
  for (size_t i = 0; i < caps.size(); ++i) {
    const DiagnosticPath path = service_path.element("caps", i);
    const gen::CapGrant::Reader grant = TRY(element<gen::CapGrant>(caps, i, path));
    CapGrant cap;
    cap.name = TRY(required_text(grant.has_name(), grant.get_name(), path.field("name")));
    TRY(decode_source(grant, path.field("source"), cap.source));
    cap.badge = grant.get_badge();
    cap.interface_id = grant.get_interface_id();
    if (!out.caps.push_back(cap)) return at(DiagnosticCode::TooManyEntries, path);
  }
  return {};
}

[[gnu::noinline]] Outcome decode_exports(const gen::ServiceConfig::Reader& service,
                                         const DiagnosticPath& service_path, Service& out) {
  const auto exports =
      TRY(required_list<gen::Export>(service.has_exports(), service.get_exports(),
                                     MAX_EXPORTS_PER_SERVICE, service_path.field("exports")));
  for (size_t i = 0; i < exports.size(); ++i) {
    const DiagnosticPath path = service_path.element("exports", i);
    const gen::Export::Reader entry = TRY(element<gen::Export>(exports, i, path));
    Export exported;
    exported.name = TRY(required_text(entry.has_name(), entry.get_name(), path.field("name")));
    exported.cap = TRY(required_text(entry.has_cap(), entry.get_cap(), path.field("cap")));
    if (!out.exports.push_back(exported)) return at(DiagnosticCode::TooManyEntries, path);
  }
  return {};
}

[[gnu::noinline]] Outcome decode_services(const gen::InitConfig::Reader& init,
                                          const DiagnosticPath& init_path, InitConfig& out) {
  const auto services = TRY(required_list<gen::ServiceConfig>(
      init.has_services(), init.get_services(), MAX_SERVICES, init_path.field("services")));
  for (size_t i = 0; i < services.size(); ++i) {
    const DiagnosticPath path = init_path.element("services", i);
    const gen::ServiceConfig::Reader entry = TRY(element<gen::ServiceConfig>(services, i, path));
    if (!out.services.emplace_back()) return at(DiagnosticCode::TooManyEntries, path);
    Service& service = out.services[out.services.size() - 1];
    service.name = TRY(required_text(entry.has_name(), entry.get_name(), path.field("name")));
    service.binary =
        TRY(required_text(entry.has_binary(), entry.get_binary(), path.field("binary")));
    TRY(decode_caps(entry, path, service));
    TRY(decode_exports(entry, path, service));
  }
  return {};
}

[[gnu::noinline]] Outcome decode_binaries(const gen::SystemManifest::Reader& root, Manifest& out) {
  const DiagnosticPath list_path = DiagnosticPath{}.field("binaries");
  const auto binaries = TRY(required_list<gen::Binary>(root.has_binaries(), root.get_binaries(),
                                                       MAX_BINARIES, list_path));
  for (size_t i = 0; i < binaries.size(); ++i) {
    const DiagnosticPath path = DiagnosticPath{}.element("binaries", i);
    const gen::Binary::Reader entry = TRY(element<gen::Binary>(binaries, i, path));
    Binary binary;
    binary.name = TRY(required_text(entry.has_name(), entry.get_name(), path.field("name")));
    binary.elf = TRY(required(entry.has_elf(), entry.get_elf(), path.field("elf")));
    if (!out.binaries.push_back(binary)) return at(DiagnosticCode::TooManyEntries, path);
  }
  return {};
}

[[gnu::noinline]] Outcome decode_root(const gen::SystemManifest::Reader& root, Manifest& out) {
  out.schema_version = root.get_schema_version();
  TRY(decode_binaries(root, out));
  const DiagnosticPath init_path = DiagnosticPath{}.field("initConfig");
  const gen::InitConfig::Reader init =
      TRY(required(root.has_init_config(), root.get_init_config(), init_path));
  out.init_config.init =
      TRY(required_text(init.has_init(), init.get_init(), init_path.field("init")));
  TRY(decode_services(init, init_path, out.init_config));
  const DiagnosticPath params_path = DiagnosticPath{}.field("kernelParams");
  const gen::KernelParams::Reader params =
      TRY(required(root.has_kernel_params(), root.get_kernel_params(), params_path));
  out.kernel_params.motd =
      TRY(required_text(params.has_motd(), params.get_motd(), params_path.field("motd")));
  return {};
}

void reset(Manifest& out) {
  out.schema_version = 0;
  out.binaries.clear();
  out.init_config.init = Text{};
  out.init_config.services.clear();
  out.kernel_params.motd = Text{};
}

Outcome decode_message(ByteView message, Manifest& out) {
  if (message.size() > MAX_MANIFEST_BYTES) {
    ManifestDiagnostic too_large = at(DiagnosticCode::MessageTooLarge, DiagnosticPath{});
    too_large.number = message.size();
    too_large.limit = MAX_MANIFEST_BYTES;
    return too_large;
  }
  capnp::ReaderOptions options;
  // Twice the message: a well-formed manifest reads each object once; aliasing pointers (one
  // blob named by every binary) exhaust the budget instead of multiplying the model's size.
  options.traversal_limit_words = 2 * (message.size() / capnp::BYTES_PER_WORD) + 16;
  capnp::MessageReader reader(options);
  TRY(lift(reader.parse(message), DiagnosticPath{}));
  const gen::SystemManifest::Reader root =
      TRY(lift(gen::read_root<gen::SystemManifest>(reader), DiagnosticPath{}));
  return decode_root(root, out);
}

}  // namespace

Outcome decode(ByteView message, Manifest& out) {
  reset(out);
  auto decoded = decode_message(message, out);
  if (!decoded) reset(out);
  return decoded;
}

Outcome decode_and_validate(ByteView message, Manifest& out) {
  TRY(decode(message, out));
  auto valid = validate(out);
  if (!valid) reset(out);
  return valid;
}

}  // namespace capos::manifest
