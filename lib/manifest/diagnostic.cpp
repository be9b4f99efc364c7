#include "lib/manifest/diagnostic.h"

#include "lib/core/format.h"
#include "lib/core/panic.h"
#include "lib/manifest/interface_ids.h"

namespace capos::manifest {

namespace {

// Operands longer than this are cut (with "...") when rendered. Valid names are never cut.
constexpr size_t MAX_RENDERED_OPERAND_BYTES = 40;

// Appends to a caller buffer snprintf-style: counts every character, stores those that fit
// before the final NUL. Invariant: m_length counts all characters appended so far.
class Writer {
 public:
  explicit Writer(std::span<char> buffer) : m_buffer(buffer) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer(Writer&&) = delete;
  Writer& operator=(Writer&&) = delete;
  ~Writer() {
    if (m_buffer.empty()) return;
    const size_t end = m_length < m_buffer.size() ? m_length : m_buffer.size() - 1;
    m_buffer[end] = '\0';
  }

  void put(char character) {
    if (m_length + 1 < m_buffer.size()) m_buffer[m_length] = character;
    ++m_length;
  }
  void put(const char* string) {
    // SAFETY: `string` is NUL-terminated (a literal or a PathSegment name, itself a literal);
    // the loop stops at the terminator.
    for (; *string != '\0'; ++string) put(*string);
  }
  // The one-character writer lib/core/format.h writes numbers with.
  [[nodiscard]] auto sink() {
    return [this](char character) { put(character); };
  }
  void put_decimal(uint64_t value) { write_unsigned(sink(), value); }
  void put_hex(uint64_t value) { write_hex(sink(), value); }
  void put_byte(uint64_t byte) { write_hex(sink(), byte & 0xffU, 2); }
  // A quoted, escaped, length-capped operand.
  void put_quoted(Text text) {
    put('"');
    const size_t shown =
        text.size < MAX_RENDERED_OPERAND_BYTES ? text.size : MAX_RENDERED_OPERAND_BYTES;
    for (size_t i = 0; i < shown; ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte == '"' || byte == '\\') {
        put('\\');
        put(static_cast<char>(byte));
      } else if (byte >= 0x20 && byte <= 0x7e) {
        put(static_cast<char>(byte));
      } else {
        put("\\x");
        write_unsigned(sink(), byte, Radix::Hex, 2);
      }
    }
    if (shown < text.size) put("...");
    put('"');
  }
  void put_path(const DiagnosticPath& path, PathRoot root) {
    if (root == PathRoot::Dollar) put('$');
    for (size_t i = 0; i < path.depth(); ++i) {
      const PathSegment& segment = path.segment(i);
      if (i > 0 || root == PathRoot::Dollar) put('.');
      put(segment.field);
      if (segment.indexed) {
        put('[');
        put_decimal(segment.index);
        put(']');
      }
    }
  }

  [[nodiscard]] size_t length() const { return m_length; }

 private:
  std::span<char> m_buffer;
  size_t m_length = 0;
};

void put_interface(Writer& out, uint64_t interface_id) {
  out.put_hex(interface_id);
  const char* name = interface_name(interface_id);
  if (name != nullptr) {
    out.put(" (");
    out.put(name);
    out.put(')');
  }
}

void put_message(Writer& out, const ManifestDiagnostic& d, PathRoot root) {
  switch (d.code) {
    case DiagnosticCode::MalformedMessage:
      out.put("malformed Cap'n Proto message: ");
      out.put_quoted(d.other);
      return;
    case DiagnosticCode::MessageTooLarge:
      out.put("manifest is ");
      out.put_decimal(d.number);
      out.put(" bytes; at most ");
      out.put_decimal(d.limit);
      return;
    case DiagnosticCode::MissingField: out.put("required field is missing"); return;
    case DiagnosticCode::TooManyEntries:
      out.put_decimal(d.number);
      out.put(" entries; at most ");
      out.put_decimal(d.limit);
      return;
    case DiagnosticCode::UnknownEnumerant:
      out.put("unknown ");
      out.put(d.kind);
      out.put(" value ");
      out.put_decimal(d.number);
      return;
    case DiagnosticCode::UnknownUnionMember:
      out.put("unknown ");
      out.put(d.kind);
      out.put(" member ");
      out.put_decimal(d.number);
      return;
    case DiagnosticCode::UnsupportedSchemaVersion:
      out.put("unsupported schema version ");
      out.put_decimal(d.number);
      out.put("; expected ");
      out.put_decimal(d.limit);
      return;
    case DiagnosticCode::NameEmpty: out.put("name is empty"); return;
    case DiagnosticCode::NameTooLong:
      out.put("name ");
      out.put_quoted(d.subject);
      out.put(" is ");
      out.put_decimal(d.number);
      out.put(" bytes; at most ");
      out.put_decimal(d.limit);
      return;
    case DiagnosticCode::NameBadStart:
      out.put("name ");
      out.put_quoted(d.subject);
      out.put(" must start with a lowercase letter");
      return;
    case DiagnosticCode::NameBadByte:
      out.put("name ");
      out.put_quoted(d.subject);
      out.put(" contains byte ");
      out.put_byte(d.number);
      out.put("; allowed are a-z, 0-9, '_' and '-'");
      return;
    case DiagnosticCode::DuplicateName:
      out.put("duplicate ");
      out.put(d.kind);
      out.put(' ');
      out.put_quoted(d.subject);
      out.put("; first defined at ");
      out.put_path(d.other_path, root);
      return;
    case DiagnosticCode::EmptyBinary:
      out.put("binary ");
      out.put_quoted(d.subject);
      out.put(" is empty");
      return;
    case DiagnosticCode::BinaryTooLarge:
      out.put("binary ");
      out.put_quoted(d.subject);
      out.put(" is ");
      out.put_decimal(d.number);
      out.put(" bytes; at most ");
      out.put_decimal(d.limit);
      return;
    case DiagnosticCode::UnknownBinary:
      out.put("unknown binary ");
      out.put_quoted(d.subject);
      return;
    case DiagnosticCode::UnknownService:
      out.put("unknown service ");
      out.put_quoted(d.subject);
      return;
    case DiagnosticCode::UnknownExport:
      out.put("service ");
      out.put_quoted(d.subject);
      out.put(" has no export ");
      out.put_quoted(d.other);
      return;
    case DiagnosticCode::SelfImport:
      out.put("service ");
      out.put_quoted(d.subject);
      out.put(" imports its own export ");
      out.put_quoted(d.other);
      out.put("; use the endpoint cap directly");
      return;
    case DiagnosticCode::UnknownCap:
      out.put("unknown cap ");
      out.put_quoted(d.subject);
      return;
    case DiagnosticCode::ExportNotEndpoint:
      out.put("cap ");
      out.put_quoted(d.subject);
      out.put(" is not a {kernel: endpoint} cap; only endpoints can be exported");
      return;
    case DiagnosticCode::BadgeOnKernelCap:
      out.put("badge ");
      out.put_decimal(d.number);
      out.put(" on kernel cap ");
      out.put_quoted(d.other);
      out.put("; only service imports carry a badge");
      return;
    case DiagnosticCode::InterfaceMismatch:
      out.put("interface ");
      put_interface(out, d.number);
      out.put(" does not match ");
      put_interface(out, d.limit);
      out.put(" granted by this source");
      return;
    case DiagnosticCode::MotdTooLong:
      out.put("motd is ");
      out.put_decimal(d.number);
      out.put(" bytes; at most ");
      out.put_decimal(d.limit);
      return;
    case DiagnosticCode::MotdBadByte:
      out.put("motd contains byte ");
      out.put_byte(d.number);
      out.put(" at offset ");
      out.put_decimal(d.limit);
      out.put("; only printable ASCII (0x20-0x7e) is allowed");
      return;
  }
  out.put("unknown diagnostic ");
  out.put_decimal(static_cast<uint64_t>(d.code));
}

}  // namespace

DiagnosticPath DiagnosticPath::field(const char* name) const {
  KASSERT(m_depth < MAX_DEPTH);
  DiagnosticPath extended = *this;
  extended.m_segments[m_depth] = PathSegment{name, 0, false};
  extended.m_depth = m_depth + 1;
  return extended;
}

DiagnosticPath DiagnosticPath::element(const char* name, size_t index) const {
  KASSERT(m_depth < MAX_DEPTH);
  // Indexes come from lists bounded far below 2^32 (MAX_BINARIES and friends).
  KASSERT(index <= UINT32_MAX);
  DiagnosticPath extended = *this;
  extended.m_segments[m_depth] = PathSegment{name, static_cast<uint32_t>(index), true};
  extended.m_depth = m_depth + 1;
  return extended;
}

const PathSegment& DiagnosticPath::segment(size_t position) const {
  KASSERT(position < m_depth);
  return m_segments[position];
}

size_t format_path(const DiagnosticPath& path, PathRoot root, std::span<char> buffer) {
  Writer out(buffer);
  out.put_path(path, root);
  return out.length();
}

size_t format_message(const ManifestDiagnostic& diagnostic, PathRoot root, std::span<char> buffer) {
  Writer out(buffer);
  put_message(out, diagnostic, root);
  return out.length();
}

size_t format_diagnostic(const ManifestDiagnostic& diagnostic, PathRoot root,
                         std::span<char> buffer) {
  Writer out(buffer);
  if (diagnostic.path.depth() > 0 || root == PathRoot::Dollar) {
    out.put_path(diagnostic.path, root);
    out.put(": ");
  }
  put_message(out, diagnostic, root);
  return out.length();
}

const char* diagnostic_code_name(DiagnosticCode code) {
  switch (code) {
    case DiagnosticCode::MalformedMessage: return "MalformedMessage";
    case DiagnosticCode::MessageTooLarge: return "MessageTooLarge";
    case DiagnosticCode::MissingField: return "MissingField";
    case DiagnosticCode::TooManyEntries: return "TooManyEntries";
    case DiagnosticCode::UnknownEnumerant: return "UnknownEnumerant";
    case DiagnosticCode::UnknownUnionMember: return "UnknownUnionMember";
    case DiagnosticCode::UnsupportedSchemaVersion: return "UnsupportedSchemaVersion";
    case DiagnosticCode::NameEmpty: return "NameEmpty";
    case DiagnosticCode::NameTooLong: return "NameTooLong";
    case DiagnosticCode::NameBadStart: return "NameBadStart";
    case DiagnosticCode::NameBadByte: return "NameBadByte";
    case DiagnosticCode::DuplicateName: return "DuplicateName";
    case DiagnosticCode::EmptyBinary: return "EmptyBinary";
    case DiagnosticCode::BinaryTooLarge: return "BinaryTooLarge";
    case DiagnosticCode::UnknownBinary: return "UnknownBinary";
    case DiagnosticCode::UnknownService: return "UnknownService";
    case DiagnosticCode::UnknownExport: return "UnknownExport";
    case DiagnosticCode::SelfImport: return "SelfImport";
    case DiagnosticCode::UnknownCap: return "UnknownCap";
    case DiagnosticCode::ExportNotEndpoint: return "ExportNotEndpoint";
    case DiagnosticCode::BadgeOnKernelCap: return "BadgeOnKernelCap";
    case DiagnosticCode::InterfaceMismatch: return "InterfaceMismatch";
    case DiagnosticCode::MotdTooLong: return "MotdTooLong";
    case DiagnosticCode::MotdBadByte: return "MotdBadByte";
  }
  return "UnknownDiagnostic";
}

Error to_error(DiagnosticCode code) {
  switch (code) {
    case DiagnosticCode::MalformedMessage:
    case DiagnosticCode::MissingField:
    case DiagnosticCode::UnknownEnumerant:
    case DiagnosticCode::UnknownUnionMember: return Error::Malformed;
    case DiagnosticCode::MessageTooLarge:
    case DiagnosticCode::TooManyEntries:
    case DiagnosticCode::NameTooLong:
    case DiagnosticCode::BinaryTooLarge:
    case DiagnosticCode::MotdTooLong: return Error::TooBig;
    case DiagnosticCode::UnsupportedSchemaVersion: return Error::Unsupported;
    case DiagnosticCode::DuplicateName: return Error::AlreadyExists;
    case DiagnosticCode::UnknownBinary:
    case DiagnosticCode::UnknownService:
    case DiagnosticCode::UnknownExport:
    case DiagnosticCode::UnknownCap: return Error::NotFound;
    case DiagnosticCode::NameEmpty:
    case DiagnosticCode::NameBadStart:
    case DiagnosticCode::NameBadByte:
    case DiagnosticCode::EmptyBinary:
    case DiagnosticCode::SelfImport:
    case DiagnosticCode::ExportNotEndpoint:
    case DiagnosticCode::BadgeOnKernelCap:
    case DiagnosticCode::InterfaceMismatch:
    case DiagnosticCode::MotdBadByte: return Error::InvalidArgument;
  }
  return Error::InvalidArgument;
}

}  // namespace capos::manifest
