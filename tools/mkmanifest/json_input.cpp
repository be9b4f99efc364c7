#include "tools/mkmanifest/json_input.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/manifest/model.h"
#include "tools/mkmanifest/input_error.h"

namespace capos::mkmanifest {

namespace {

using Json = nlohmann::ordered_json;
using manifest::KernelCap;

// Integers above this lose precision in JSON tools that use doubles (JavaScript, jq); larger
// badges and interface ids must be written as strings (docs/manifest.md).
constexpr uint64_t MAX_SAFE_JSON_INTEGER = (uint64_t{1} << 53U) - 1;

// `text` with every byte outside printable ASCII shown as \xNN (nlohmann quotes input bytes in
// its parse errors; they must not reach a terminal raw).
std::string printable(std::string_view text) {
  constexpr std::string_view hex_digits = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e) {
      out += c;
    } else {
      out += "\\x";
      out += hex_digits[byte >> 4U];
      out += hex_digits[byte & 0xfU];
    }
  }
  return out;
}

[[noreturn]] void reject(const std::string& path, const std::string& message) {
  throw InputError(path + ": " + message);
}

// An object key as a JSON-path component: `.key` when the key is a short plain name, else
// `["key"]` with the key quoted (escaped, cut after 64 bytes), so a path built while parsing
// never carries raw or unbounded input bytes into a message (REVIEW_FINDINGS F-018).
std::string key_component(const std::string& key) {
  constexpr size_t max_plain = 64;
  const bool plain =
      !key.empty() && key.size() <= max_plain && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
      });
  return plain ? "." + key : "[" + quote(key) + "]";
}

// ---------------------------------------------------------------------------------------------
// Parsing: nlohmann's SAX interface, building an ordered_json while rejecting duplicate keys,
// integers outside uint64/int64 and nesting deeper than MAX_JSON_DEPTH, each with its path.

class StrictJsonBuilder {
 public:
  bool null() { return put(Json(nullptr)); }
  bool boolean(bool value) { return put(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return put(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return put(Json(value)); }
  bool number_float(Json::number_float_t value, const Json::string_t& literal) {
    if (literal.find_first_of(".eE") == Json::string_t::npos) {
      return fail(next_path(), "integer " + literal + " is out of range; at most " +
                                   std::to_string(std::numeric_limits<uint64_t>::max()));
    }
    return put(Json(value));
  }
  bool string(Json::string_t& value) { return put(Json(std::move(value))); }
  bool binary(Json::binary_t& /*value*/) { return fail(next_path(), "binary values are not JSON"); }
  bool start_object(std::size_t /*size*/) { return open(Json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(Json::array()); }
  bool end_array() { return close(); }
  bool key(Json::string_t& name) {
    if (m_open.back()->contains(name)) {
      return fail(m_paths.back(), "duplicate key " + quote(name));
    }
    m_key = name;
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    std::string message = error.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep line and column.
    const size_t bracket = message.find("] ");
    if (message.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos) {
      message.erase(0, bracket + 2);
    }
    m_error = "invalid JSON: " + printable(message);
    return false;
  }

  // The parsed document; precondition: parsing succeeded.
  Json take() { return std::move(m_root); }
  [[nodiscard]] const std::optional<std::string>& error() const { return m_error; }

 private:
  bool fail(const std::string& path, const std::string& message) {
    m_error = path + ": " + message;
    return false;
  }

  // The path of the value about to be added to the innermost open container.
  [[nodiscard]] std::string next_path() const {
    if (m_open.empty()) return "$";
    if (m_open.back()->is_array()) {
      return m_paths.back() + "[" + std::to_string(m_open.back()->size()) + "]";
    }
    return m_paths.back() + key_component(m_key);
  }

  // Adds `value` to the innermost open container (or makes it the root) and returns it.
  // Pointers in m_open stay valid: a container only gains children while it is innermost.
  Json* insert(Json value) {
    if (m_open.empty()) {
      m_root = std::move(value);
      return &m_root;
    }
    Json& parent = *m_open.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    Json& slot = parent[m_key];
    slot = std::move(value);
    return &slot;
  }
  bool put(Json value) {
    insert(std::move(value));
    return true;
  }
  bool open(Json container) {
    std::string path = next_path();
    if (m_open.size() >= MAX_JSON_DEPTH) {
      return fail(path, "nested deeper than " + std::to_string(MAX_JSON_DEPTH) + " levels");
    }
    m_open.push_back(insert(std::move(container)));
    m_paths.push_back(std::move(path));
    return true;
  }
  bool close() {
    m_open.pop_back();
    m_paths.pop_back();
    return true;
  }

  Json m_root;
  std::vector<Json*> m_open;         // the open containers, outermost first
  std::vector<std::string> m_paths;  // m_paths[i]: the JSON path of m_open[i]
  std::string m_key;                 // the last key read in the innermost object
  std::optional<std::string> m_error;
};

Json parse_strict(std::string_view text) {
  StrictJsonBuilder builder;
  const bool parsed = Json::sax_parse(text, &builder, nlohmann::detail::input_format_t::json,
                                      /*strict=*/true, /*ignore_comments=*/false);
  if (!parsed) {
    throw InputError(builder.error().value_or("invalid JSON"));
  }
  return builder.take();
}

// ---------------------------------------------------------------------------------------------
// Shape checks on the parsed document.

std::string type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "number " + value.dump();
    case Json::value_t::binary:
    case Json::value_t::discarded: break;
  }
  return "an unsupported value";
}

std::string field_path(const std::string& path, const char* field) { return path + "." + field; }
std::string index_path(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// `value` is an object whose keys are all in `allowed` (the schema's fields, in schema order).
void expect_object(const Json& value, const std::string& path,
                   std::initializer_list<const char*> allowed) {
  if (!value.is_object()) reject(path, "expected an object, got " + type_name(value));
  for (const auto& item : value.items()) {
    bool known = false;
    for (const char* field : allowed) known = known || item.key() == field;
    if (known) continue;
    std::string expected;
    for (const char* field : allowed) {
      expected += (expected.empty() ? "" : ", ") + quote(field);
    }
    reject(path, "unknown field " + quote(item.key()) + "; expected one of " + expected);
  }
}

const Json& required(const Json& object, const std::string& path, const char* field) {
  const auto found = object.find(field);
  if (found == object.end()) reject(path, "missing required field " + quote(field));
  return *found;
}

const Json* optional(const Json& object, const char* field) {
  const auto found = object.find(field);
  return found == object.end() ? nullptr : &*found;
}

std::string read_string(const Json& value, const std::string& path) {
  if (!value.is_string()) reject(path, "expected a string, got " + type_name(value));
  return value.get<std::string>();
}

uint32_t read_u32(const Json& value, const std::string& path) {
  if (!value.is_number_unsigned()) {
    reject(path, "expected an unsigned integer, got " + type_name(value));
  }
  const auto number = value.get<uint64_t>();
  if (number > std::numeric_limits<uint32_t>::max()) {
    reject(path, std::to_string(number) + " is out of range; at most " +
                     std::to_string(std::numeric_limits<uint32_t>::max()));
  }
  return static_cast<uint32_t>(number);
}

int digit_value(char c, unsigned base) {
  if (c >= '0' && c <= '9') return c - '0';
  if (base == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (base == 16 && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint64_t parse_u64_string(const std::string& text, const std::string& path) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const unsigned base = hex ? 16 : 10;
  const std::string_view digits = std::string_view(text).substr(hex ? 2 : 0);
  const std::string syntax = quote(text) +
                             " is not an unsigned 64-bit integer; write decimal "
                             "digits or 0x followed by hex digits";
  if (digits.empty()) reject(path, syntax);
  uint64_t value = 0;
  bool overflow = false;
  for (const char c : digits) {
    const int digit = digit_value(c, base);
    if (digit < 0) reject(path, syntax);
    overflow = overflow || __builtin_mul_overflow(value, uint64_t{base}, &value) ||
               __builtin_add_overflow(value, static_cast<uint64_t>(digit), &value);
  }
  if (overflow) reject(path, quote(text) + " is out of range; at most 0xffffffffffffffff");
  return value;
}

// An unsigned 64-bit value: a JSON integer up to 2^53-1, or a string (decimal or 0x-hex).
uint64_t read_u64(const Json& value, const std::string& path) {
  if (value.is_string()) return parse_u64_string(value.get<std::string>(), path);
  if (!value.is_number_unsigned()) {
    reject(path,
           "expected an unsigned integer (a number, or a string for values above 2^53-1), "
           "got " +
               type_name(value));
  }
  const auto number = value.get<uint64_t>();
  if (number > MAX_SAFE_JSON_INTEGER) {
    std::ostringstream hex;
    hex << "0x" << std::hex << number;
    reject(path, std::to_string(number) +
                     " is above 2^53-1, which JSON tools cannot represent "
                     "exactly; write it as a string, e.g. \"" +
                     hex.str() + "\"");
  }
  return number;
}

// The value at `path` is an array within the model's capacity for it.
void check_array(const Json& value, const std::string& path, size_t capacity) {
  if (!value.is_array()) reject(path, "expected an array, got " + type_name(value));
  if (value.size() > capacity) {
    reject(path, std::to_string(value.size()) + " entries; at most " + std::to_string(capacity));
  }
}

KernelCap read_kernel_cap(const Json& value, const std::string& path) {
  const std::string name = read_string(value, path);
  std::string expected;
  for (uint16_t i = 0; i < manifest::KERNEL_CAP_COUNT; ++i) {
    const auto cap = static_cast<KernelCap>(i);
    if (name == manifest::kernel_cap_name(cap)) return cap;
    expected += (expected.empty() ? "" : ", ") + quote(manifest::kernel_cap_name(cap));
  }
  reject(path, "unknown kernel cap " + quote(name) + "; expected one of " + expected);
}

void read_source(const Json& value, const std::string& path, SourceCap& cap) {
  expect_object(value, path, {"kernel", "service"});
  if (value.size() != 1) reject(path, "expected exactly one of \"kernel\", \"service\"");
  if (const Json* kernel = optional(value, "kernel")) {
    cap.kind = manifest::SourceKind::Kernel;
    cap.kernel = read_kernel_cap(*kernel, field_path(path, "kernel"));
    return;
  }
  const std::string ref_path = field_path(path, "service");
  const Json& ref = value.at("service");
  expect_object(ref, ref_path, {"service", "export"});
  cap.kind = manifest::SourceKind::Service;
  cap.service = read_string(required(ref, ref_path, "service"), field_path(ref_path, "service"));
  cap.export_name = read_string(required(ref, ref_path, "export"), field_path(ref_path, "export"));
}

SourceCap read_cap(const Json& value, const std::string& path) {
  expect_object(value, path, {"name", "source", "badge", "interfaceId"});
  SourceCap cap;
  cap.name = read_string(required(value, path, "name"), field_path(path, "name"));
  read_source(required(value, path, "source"), field_path(path, "source"), cap);
  if (const Json* badge = optional(value, "badge")) {
    cap.badge = read_u64(*badge, field_path(path, "badge"));
  }
  if (const Json* interface_id = optional(value, "interfaceId")) {
    cap.interface_id = read_u64(*interface_id, field_path(path, "interfaceId"));
  }
  return cap;
}

SourceService read_service(const Json& value, const std::string& path) {
  expect_object(value, path, {"name", "binary", "caps", "exports"});
  SourceService service;
  service.name = read_string(required(value, path, "name"), field_path(path, "name"));
  service.binary = read_string(required(value, path, "binary"), field_path(path, "binary"));
  if (const Json* caps = optional(value, "caps")) {
    const std::string caps_path = field_path(path, "caps");
    check_array(*caps, caps_path, manifest::MAX_CAPS_PER_SERVICE);
    for (size_t i = 0; i < caps->size(); ++i) {
      service.caps.push_back(read_cap((*caps)[i], index_path(caps_path, i)));
    }
  }
  if (const Json* exports = optional(value, "exports")) {
    const std::string exports_path = field_path(path, "exports");
    check_array(*exports, exports_path, manifest::MAX_EXPORTS_PER_SERVICE);
    for (size_t i = 0; i < exports->size(); ++i) {
      const std::string export_path = index_path(exports_path, i);
      const Json& item = (*exports)[i];
      expect_object(item, export_path, {"name", "cap"});
      service.exports.push_back(SourceExport{
          read_string(required(item, export_path, "name"), field_path(export_path, "name")),
          read_string(required(item, export_path, "cap"), field_path(export_path, "cap"))});
    }
  }
  return service;
}

// Lexical rules for a binary path; the filesystem rules are RootDirectory's.
std::string read_binary_path(const Json& value, const std::string& path) {
  std::string text = read_string(value, path);
  if (text.empty()) reject(path, "path is empty");
  if (text.size() > MAX_PATH_BYTES) {
    reject(path, "path is " + std::to_string(text.size()) + " bytes; at most " +
                     std::to_string(MAX_PATH_BYTES));
  }
  if (text.find('\0') != std::string::npos) reject(path, quote(text) + " contains a NUL byte");
  if (text[0] == '/') {
    reject(path, quote(text) + " is absolute; binary paths are relative to --root");
  }
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('/', start), text.size());
    if (text.compare(start, end - start, "..") == 0) {
      reject(path, quote(text) + " has a \"..\" component; binary paths stay inside --root");
    }
    start = end + 1;
  }
  return text;
}

SourceBinary read_binary(const Json& value, const std::string& path) {
  expect_object(value, path, {"name", "path"});
  SourceBinary binary;
  binary.name = read_string(required(value, path, "name"), field_path(path, "name"));
  binary.path = read_binary_path(required(value, path, "path"), field_path(path, "path"));
  return binary;
}

void read_init_config(const Json& value, const std::string& path, ManifestSource& source) {
  expect_object(value, path, {"init", "services"});
  source.init = read_string(required(value, path, "init"), field_path(path, "init"));
  if (const Json* services = optional(value, "services")) {
    const std::string services_path = field_path(path, "services");
    check_array(*services, services_path, manifest::MAX_SERVICES);
    for (size_t i = 0; i < services->size(); ++i) {
      source.services.push_back(read_service((*services)[i], index_path(services_path, i)));
    }
  }
}

}  // namespace

ManifestSource parse_manifest_json(std::string_view json_text) {
  const Json document = parse_strict(json_text);
  const std::string root = "$";
  expect_object(document, root, {"schemaVersion", "binaries", "initConfig", "kernelParams"});
  ManifestSource source;
  source.schema_version =
      read_u32(required(document, root, "schemaVersion"), field_path(root, "schemaVersion"));
  const std::string binaries_path = field_path(root, "binaries");
  const Json& binaries = required(document, root, "binaries");
  check_array(binaries, binaries_path, manifest::MAX_BINARIES);
  for (size_t i = 0; i < binaries.size(); ++i) {
    source.binaries.push_back(read_binary(binaries[i], index_path(binaries_path, i)));
  }
  read_init_config(required(document, root, "initConfig"), field_path(root, "initConfig"), source);
  if (const Json* params = optional(document, "kernelParams")) {
    const std::string params_path = field_path(root, "kernelParams");
    expect_object(*params, params_path, {"motd"});
    if (const Json* motd = optional(*params, "motd")) {
      source.motd = read_string(*motd, field_path(params_path, "motd"));
    }
  }
  return source;
}

}  // namespace capos::mkmanifest
