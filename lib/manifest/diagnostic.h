// lib/manifest/diagnostic.h — why a manifest was rejected: a rule, where, and about what.
//
// A ManifestDiagnostic is plain data (trivially copyable, no heap): a DiagnosticCode naming
// the broken rule, the field path (`initConfig.services[2].caps[0].source`) and the operands
// of the message (the offending name, numbers, the path of an earlier definition). It is
// rendered on demand into a caller-provided buffer, so the kernel, init and mkmanifest print
// the same text:  initConfig.services[2].caps[0].source: unknown service "net"
//
// Text operands borrow from the manifest's storage; render before that storage goes away.
// Rendering escapes every byte outside printable ASCII (and `"`, `\`) as \xNN / \" / \\, so
// a hostile name cannot inject control sequences into a log.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/core/error.h"
#include "lib/manifest/model.h"

namespace capos::manifest {

enum class DiagnosticCode : uint8_t {
  // Wire rules (decode): the bytes are not a readable SystemManifest.
  MalformedMessage = 1,  // the Cap'n Proto framing or a pointer is invalid (detail: `other`)
  MessageTooLarge,       // `number` bytes, more than `limit`
  MissingField,          // a required pointer field is null
  TooManyEntries,        // a list holds `number` entries, more than `limit`
  UnknownEnumerant,      // an enum (`kind`, e.g. "KernelCap") field holds unknown `number`
  UnknownUnionMember,    // a union (`kind`, e.g. "CapSource") discriminant holds `number`
  // Model rules (validate): the manifest is readable but not acceptable.
  UnsupportedSchemaVersion,  // `number` != SCHEMA_VERSION
  NameEmpty,                 // a name is ""
  NameTooLong,               // `subject` is `number` bytes, more than `limit`
  NameBadStart,              // `subject` does not start with a-z
  NameBadByte,               // `subject` holds byte `number` outside [a-z0-9_-]
  DuplicateName,             // a `kind` named `subject` already exists at `other_path`
  EmptyBinary,               // binary `subject` has no bytes
  BinaryTooLarge,            // binary `subject` is `number` bytes, more than `limit`
  UnknownBinary,             // no binary named `subject`
  UnknownService,            // no service named `subject`
  UnknownExport,             // service `subject` has no export `other`
  SelfImport,                // service `subject` imports its own export `other`
  UnknownCap,                // the service has no cap named `subject`
  ExportNotEndpoint,         // exported cap `subject` is not a {kernel: endpoint} cap
  BadgeOnKernelCap,          // badge `number` on kernel cap `other`
  InterfaceMismatch,         // stated interface `number` != provided interface `limit`
  MotdTooLong,               // motd is `number` bytes, more than `limit`
  MotdBadByte,               // motd holds byte `number` at offset `limit`
};

// A stable name ("UnknownService"); never null.
const char* diagnostic_code_name(DiagnosticCode code);

// The capos::Error a caller outside the manifest code sees: Malformed for wire rules, TooBig
// for bounds, NotFound for dangling references, AlreadyExists for duplicates, InvalidArgument
// for the rest.
Error to_error(DiagnosticCode code);

// One step of a field path: `field` or `field[index]`. `field` is a string literal.
struct PathSegment {
  const char* field = nullptr;
  uint32_t index = 0;
  bool indexed = false;
};

// A field path from the SystemManifest root. Value type: field() and element() return an
// extended copy. Depth is fixed by the schema (deepest: initConfig.services[i].caps[j].source
// .service); exceeding it is a bug in the caller (KASSERT).
class DiagnosticPath {
 public:
  static constexpr size_t MAX_DEPTH = 6;

  [[nodiscard]] DiagnosticPath field(const char* name) const;
  [[nodiscard]] DiagnosticPath element(const char* name, size_t index) const;

  [[nodiscard]] size_t depth() const { return m_depth; }
  [[nodiscard]] const PathSegment& segment(size_t position) const;

 private:
  std::array<PathSegment, MAX_DEPTH> m_segments{};
  size_t m_depth = 0;
};

// The operands each code uses are listed beside DiagnosticCode; the others stay default.
struct ManifestDiagnostic {
  DiagnosticCode code = DiagnosticCode::MalformedMessage;
  DiagnosticPath path;
  Text subject;               // the offending name or value
  Text other;                 // a second name (export, kernel cap) or a detail
  const char* kind = "";      // a string literal: entity kind of a DuplicateName ("binary"),
                              // or the enum / union type of UnknownEnumerant / UnknownUnionMember
  uint64_t number = 0;        // the offending number
  uint64_t limit = 0;         // the bound or expected number
  DiagnosticPath other_path;  // where a duplicate was first defined
};

// How a rendered path starts: `initConfig.init` (kernel, init) or `$.initConfig.init` (JSON).
enum class PathRoot : uint8_t { Bare, Dollar };

// Render into `buffer` like snprintf: writes at most buffer.size() - 1 characters and a NUL
// (when buffer is non-empty) and returns the length of the full rendering, so a result >=
// buffer.size() means the text was cut. `root` also styles paths inside the message.
size_t format_path(const DiagnosticPath& path, PathRoot root, std::span<char> buffer);
size_t format_message(const ManifestDiagnostic& diagnostic, PathRoot root, std::span<char> buffer);
// "<path>: <message>".
size_t format_diagnostic(const ManifestDiagnostic& diagnostic, PathRoot root,
                         std::span<char> buffer);

// A buffer large enough for any diagnostic (operands are cut at 48 bytes when rendered).
inline constexpr size_t DIAGNOSTIC_BUFFER_BYTES = 512;

}  // namespace capos::manifest
