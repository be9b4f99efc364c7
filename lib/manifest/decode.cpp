#include "lib/manifest/decode.h"

#include "lib/capnp/message_reader.h"
#include "lib/capnp/reader.h"
#include "lib/core/bytes.h"
#include "lib/manifest/validate.h"

namespace capos::manifest {

namespace {

using capnp::CapnpError;
using capnp::ElementSize;
using capnp::ListReader;
using capnp::StructReader;
using Outcome = Result<void, ManifestDiagnostic>;

// Field layout of schema/capos.capnp (`capnp compile -ocapnp`): pointer indexes and data
// byte offsets. tests/lib/manifest decodes libcapnp-built messages, which pins these.
namespace layout {
constexpr uint32_t MANIFEST_SCHEMA_VERSION = 0;  // UInt32 at byte 0
constexpr uint16_t MANIFEST_BINARIES = 0;
constexpr uint16_t MANIFEST_INIT_CONFIG = 1;
constexpr uint16_t MANIFEST_KERNEL_PARAMS = 2;
constexpr uint16_t BINARY_NAME = 0;
constexpr uint16_t BINARY_ELF = 1;
constexpr uint16_t INIT_INIT = 0;
constexpr uint16_t INIT_SERVICES = 1;
constexpr uint16_t SERVICE_NAME = 0;
constexpr uint16_t SERVICE_BINARY = 1;
constexpr uint16_t SERVICE_CAPS = 2;
constexpr uint16_t SERVICE_EXPORTS = 3;
constexpr uint16_t CAP_NAME = 0;
constexpr uint16_t CAP_SOURCE = 1;
constexpr uint32_t CAP_BADGE = 0;         // UInt64 at byte 0
constexpr uint32_t CAP_INTERFACE_ID = 8;  // UInt64 at byte 8
constexpr uint32_t SOURCE_KERNEL = 0;     // KernelCap (UInt16) at byte 0
constexpr uint32_t SOURCE_WHICH = 2;      // union discriminant (UInt16) at byte 2
constexpr uint16_t SOURCE_SERVICE = 0;    // ServiceExportRef pointer
constexpr uint16_t SOURCE_WHICH_KERNEL = 0;
constexpr uint16_t SOURCE_WHICH_SERVICE = 1;
constexpr uint16_t REF_SERVICE = 0;
constexpr uint16_t REF_EXPORT = 1;
constexpr uint16_t EXPORT_NAME = 0;
constexpr uint16_t EXPORT_CAP = 1;
constexpr uint16_t PARAMS_MOTD = 0;
}  // namespace layout

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
Result<T, ManifestDiagnostic> lift(capnp::CapnpResult<T> result, const DiagnosticPath& path) {
  if (!result) return malformed(path, result.error());
  return std::move(result).take();
}

Outcome lift(const capnp::CapnpResult<void>& result, const DiagnosticPath& path) {
  if (!result) return malformed(path, result.error());
  return {};
}

Result<StructReader, ManifestDiagnostic> read_struct(const StructReader& parent, uint16_t index,
                                                     const DiagnosticPath& path) {
  if (!parent.has_pointer(index)) return at(DiagnosticCode::MissingField, path);
  return lift(parent.get_struct(index), path);
}

Result<ListReader, ManifestDiagnostic> read_list(const StructReader& parent, uint16_t index,
                                                 size_t capacity, const DiagnosticPath& path) {
  if (!parent.has_pointer(index)) return at(DiagnosticCode::MissingField, path);
  const ListReader list = TRY(lift(parent.get_list(index, ElementSize::InlineComposite), path));
  if (list.size() > capacity) {
    ManifestDiagnostic too_many = at(DiagnosticCode::TooManyEntries, path);
    too_many.number = list.size();
    too_many.limit = capacity;
    return too_many;
  }
  return list;
}

Result<StructReader, ManifestDiagnostic> read_element(const ListReader& list, size_t index,
                                                      const DiagnosticPath& path) {
  return lift(list.get_struct(static_cast<uint32_t>(index)), path);
}

Result<Text, ManifestDiagnostic> read_text(const StructReader& parent, uint16_t index,
                                           const DiagnosticPath& path) {
  if (!parent.has_pointer(index)) return at(DiagnosticCode::MissingField, path);
  const ByteView bytes = TRY(lift(parent.get_text(index), path));
  // The view stays within the message bytes lib/capnp bounds-checked; Text never writes.
  const std::span<const char> chars = chars_of(bytes);
  return Text{chars.data(), chars.size()};
}

Result<ByteView, ManifestDiagnostic> read_data(const StructReader& parent, uint16_t index,
                                               const DiagnosticPath& path) {
  if (!parent.has_pointer(index)) return at(DiagnosticCode::MissingField, path);
  return lift(parent.get_data(index), path);
}

Outcome decode_source(const StructReader& grant, const DiagnosticPath& path, CapSource& out) {
  const StructReader source = TRY(read_struct(grant, layout::CAP_SOURCE, path));
  const uint16_t which = source.get_u16(layout::SOURCE_WHICH);
  if (which == layout::SOURCE_WHICH_KERNEL) {
    const uint16_t kernel = source.get_u16(layout::SOURCE_KERNEL);
    if (kernel >= KERNEL_CAP_COUNT) {
      ManifestDiagnostic unknown = at(DiagnosticCode::UnknownEnumerant, path.field("kernel"));
      unknown.kind = "KernelCap";
      unknown.number = kernel;
      return unknown;
    }
    out.kind = SourceKind::Kernel;
    out.kernel = static_cast<KernelCap>(kernel);
    return {};
  }
  if (which != layout::SOURCE_WHICH_SERVICE) {
    ManifestDiagnostic unknown = at(DiagnosticCode::UnknownUnionMember, path);
    unknown.kind = "CapSource";
    unknown.number = which;
    return unknown;
  }
  const DiagnosticPath ref_path = path.field("service");
  const StructReader ref = TRY(read_struct(source, layout::SOURCE_SERVICE, ref_path));
  out.kind = SourceKind::Service;
  out.service = TRY(read_text(ref, layout::REF_SERVICE, ref_path.field("service")));
  out.export_name = TRY(read_text(ref, layout::REF_EXPORT, ref_path.field("export")));
  return {};
}

Outcome decode_caps(const StructReader& service, const DiagnosticPath& service_path, Service& out) {
  const ListReader caps = TRY(
      read_list(service, layout::SERVICE_CAPS, MAX_CAPS_PER_SERVICE, service_path.field("caps")));
  for (size_t i = 0; i < caps.size(); ++i) {
    const DiagnosticPath path = service_path.element("caps", i);
    const StructReader grant = TRY(read_element(caps, i, path));
    CapGrant cap;
    cap.name = TRY(read_text(grant, layout::CAP_NAME, path.field("name")));
    TRY(decode_source(grant, path.field("source"), cap.source));
    cap.badge = grant.get_u64(layout::CAP_BADGE);
    cap.interface_id = grant.get_u64(layout::CAP_INTERFACE_ID);
    if (!out.caps.push_back(cap)) return at(DiagnosticCode::TooManyEntries, path);
  }
  return {};
}

Outcome decode_exports(const StructReader& service, const DiagnosticPath& service_path,
                       Service& out) {
  const ListReader exports = TRY(read_list(service, layout::SERVICE_EXPORTS,
                                           MAX_EXPORTS_PER_SERVICE, service_path.field("exports")));
  for (size_t i = 0; i < exports.size(); ++i) {
    const DiagnosticPath path = service_path.element("exports", i);
    const StructReader entry = TRY(read_element(exports, i, path));
    Export exported;
    exported.name = TRY(read_text(entry, layout::EXPORT_NAME, path.field("name")));
    exported.cap = TRY(read_text(entry, layout::EXPORT_CAP, path.field("cap")));
    if (!out.exports.push_back(exported)) return at(DiagnosticCode::TooManyEntries, path);
  }
  return {};
}

Outcome decode_services(const StructReader& init, const DiagnosticPath& init_path,
                        InitConfig& out) {
  const ListReader services =
      TRY(read_list(init, layout::INIT_SERVICES, MAX_SERVICES, init_path.field("services")));
  for (size_t i = 0; i < services.size(); ++i) {
    const DiagnosticPath path = init_path.element("services", i);
    const StructReader entry = TRY(read_element(services, i, path));
    if (!out.services.emplace_back()) return at(DiagnosticCode::TooManyEntries, path);
    Service& service = out.services[out.services.size() - 1];
    service.name = TRY(read_text(entry, layout::SERVICE_NAME, path.field("name")));
    service.binary = TRY(read_text(entry, layout::SERVICE_BINARY, path.field("binary")));
    TRY(decode_caps(entry, path, service));
    TRY(decode_exports(entry, path, service));
  }
  return {};
}

Outcome decode_binaries(const StructReader& root, Manifest& out) {
  const DiagnosticPath list_path = DiagnosticPath{}.field("binaries");
  const ListReader binaries =
      TRY(read_list(root, layout::MANIFEST_BINARIES, MAX_BINARIES, list_path));
  for (size_t i = 0; i < binaries.size(); ++i) {
    const DiagnosticPath path = DiagnosticPath{}.element("binaries", i);
    const StructReader entry = TRY(read_element(binaries, i, path));
    Binary binary;
    binary.name = TRY(read_text(entry, layout::BINARY_NAME, path.field("name")));
    binary.elf = TRY(read_data(entry, layout::BINARY_ELF, path.field("elf")));
    if (!out.binaries.push_back(binary)) return at(DiagnosticCode::TooManyEntries, path);
  }
  return {};
}

Outcome decode_root(const StructReader& root, Manifest& out) {
  out.schema_version = root.get_u32(layout::MANIFEST_SCHEMA_VERSION);
  TRY(decode_binaries(root, out));
  const DiagnosticPath init_path = DiagnosticPath{}.field("initConfig");
  const StructReader init = TRY(read_struct(root, layout::MANIFEST_INIT_CONFIG, init_path));
  out.init_config.init = TRY(read_text(init, layout::INIT_INIT, init_path.field("init")));
  TRY(decode_services(init, init_path, out.init_config));
  const DiagnosticPath params_path = DiagnosticPath{}.field("kernelParams");
  const StructReader params = TRY(read_struct(root, layout::MANIFEST_KERNEL_PARAMS, params_path));
  out.kernel_params.motd = TRY(read_text(params, layout::PARAMS_MOTD, params_path.field("motd")));
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
  const StructReader root = TRY(lift(reader.root(), DiagnosticPath{}));
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
