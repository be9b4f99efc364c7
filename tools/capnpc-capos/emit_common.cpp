// Enums, constants, shells and helpers shared by the struct and interface emitters.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tools/capnpc-capos/emit.h"
#include "tools/capnpc-capos/names.h"

namespace capos::capnpc {

namespace {

std::string enum_definition(const SchemaIndex& index, uint64_t id) {
  const NodeInfo& info = index.node(id);
  std::string out;
  append_comment(out, index.doc(id));
  out += "// NOLINTNEXTLINE(performance-enum-size): enums are UInt16 on the wire\n";
  out += "enum class " + info.path.back() + " : uint16_t {\n";
  std::vector<std::string> seen;
  for (const auto enumerant : info.schema.asEnum().getEnumerants()) {
    const std::string name = enumerant.getProto().getName();
    if (!is_plain_identifier(name)) index.fail(id, "enumerant \"" + name + "\" is not supported");
    const std::string cpp = pascal_case(name);
    if (std::find(seen.begin(), seen.end(), cpp) != seen.end()) {
      index.fail(id, "two enumerants map to the C++ name \"" + cpp + "\"");
    }
    seen.push_back(cpp);
    append_comment(out, index.member_doc(id, enumerant.getIndex()));
    out += cpp + " = " + std::to_string(enumerant.getOrdinal()) + ",\n";
  }
  out += "};\n";
  return out;
}

std::string is_known_function(const std::string& type, size_t count) {
  if (count == 0) {
    return "[[nodiscard]] constexpr bool is_known([[maybe_unused]] " + type +
           " value) { return false; }\n";
  }
  return "// True iff `value` is an enumerant of this schema (a newer writer may send others).\n"
         "[[nodiscard]] constexpr bool is_known(" +
         type + " value) { return static_cast<uint16_t>(value) < " + std::to_string(count) +
         "; }\n";
}

size_t preorder_position(const SchemaIndex& index, uint64_t id) {
  const auto& order = index.preorder();
  return static_cast<size_t>(std::find(order.begin(), order.end(), id) - order.begin());
}

// "T NAME = value" of a constant; `scope` is where it is declared (for enum references).
std::string constant_declaration(const SchemaIndex& index, uint64_t id) {
  const NodeInfo& info = index.node(id);
  const auto proto = info.schema.getProto().getConst();
  const auto value = proto.getValue();
  const std::string& name = info.path.back();
  auto integer = [&](const char* type, const std::string& literal) {
    return std::string(type) + " " + name + " = " + literal;
  };
  switch (proto.getType().which()) {
    case capnp::schema::Type::BOOL:
      return "bool " + name + " = " + (value.getBool() ? "true" : "false");
    case capnp::schema::Type::INT8: return integer("int8_t", signed_literal(value.getInt8()));
    case capnp::schema::Type::INT16: return integer("int16_t", signed_literal(value.getInt16()));
    case capnp::schema::Type::INT32: return integer("int32_t", signed_literal(value.getInt32()));
    case capnp::schema::Type::INT64: return integer("int64_t", signed_literal(value.getInt64()));
    case capnp::schema::Type::UINT8: return integer("uint8_t", unsigned_literal(value.getUint8()));
    case capnp::schema::Type::UINT16:
      return integer("uint16_t", unsigned_literal(value.getUint16()));
    case capnp::schema::Type::UINT32:
      return integer("uint32_t", unsigned_literal(value.getUint32()));
    case capnp::schema::Type::UINT64:
      return integer("uint64_t", unsigned_literal(value.getUint64()));
    case capnp::schema::Type::ENUM: {
      const uint64_t enum_id = proto.getType().getEnum().getTypeId();
      const NodeInfo& enum_info = index.node(enum_id);
      if (enum_info.scope != 0 && info.scope != 0 &&
          preorder_position(index, enum_info.scope) > preorder_position(index, info.scope)) {
        index.fail(id,
                   "a nested constant of an enum declared later in the file is not supported; "
                   "declare the enum first or at file scope");
      }
      const auto enumerants = enum_info.schema.asEnum().getEnumerants();
      if (value.getEnum() >= enumerants.size()) index.fail(id, "enum constant out of range");
      const std::string type = index.ref(enum_id, info.scope);
      return type + " " + name + " = " + type +
             "::" + pascal_case(enumerants[value.getEnum()].getProto().getName().cStr());
    }
    case capnp::schema::Type::TEXT:
    case capnp::schema::Type::DATA: {
      const bool text = proto.getType().which() == capnp::schema::Type::TEXT;
      const auto bytes = text ? value.getText().asBytes() : value.getData();
      const std::vector<uint8_t> content(bytes.begin(), bytes.end());
      return "std::array<uint8_t, " + std::to_string(content.size()) + "> " + name + " = " +
             byte_array_initializer(content);
    }
    default:
      index.fail(id,
                 "constants of this type are not supported (integers, Bool, enums, Text and "
                 "Data are; Float is absent by design: no FPU in freestanding code)");
  }
}

}  // namespace

void append_comment(std::string& out, const std::vector<std::string>& lines) {
  for (const auto& line : lines) out += line.empty() ? "//\n" : "// " + line + "\n";
}

std::string unsigned_literal(uint64_t value) {
  if (value < 10) return std::to_string(value) + "U";
  return "0x" + hex(value) + "U";
}

std::string signed_literal(int64_t value) {
  if (value == std::numeric_limits<int64_t>::min()) return "(-0x7fffffffffffffff - 1)";
  return std::to_string(value);
}

std::string hex_id(uint64_t id) { return "0x" + hex(id, 16); }

std::string byte_array_initializer(const std::vector<uint8_t>& bytes) {
  std::string out = "{";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out += ", ";
    out += "0x" + hex(bytes[i], 2);
  }
  return out + "}";
}

void emit_enum(const SchemaIndex& index, uint64_t id, Output& out) {
  const NodeInfo& info = index.node(id);
  const size_t count = info.schema.asEnum().getEnumerants().size();
  const std::string known = is_known_function(index.qualified(id), count);
  if (info.scope == 0) {
    out.top_enums += enum_definition(index, id) + known + "\n";
  } else {
    out.is_known += known;
  }
}

void emit_const(const SchemaIndex& index, uint64_t id, Output& out) {
  if (index.node(id).scope != 0) return;  // declared in its scope's shell
  append_comment(out.top_constants, index.doc(id));
  out.top_constants += "inline constexpr " + constant_declaration(index, id) + ";\n";
}

std::string shell_members(const SchemaIndex& index, uint64_t id) {
  std::string out;
  for (const uint64_t child : index.node(id).children) {
    const NodeInfo& info = index.node(child);
    switch (info.kind) {
      case NodeKind::Enum: out += enum_definition(index, child); break;
      case NodeKind::Const:
        append_comment(out, index.doc(child));
        out += "static constexpr " + constant_declaration(index, child) + ";\n";
        break;
      case NodeKind::Struct:
      case NodeKind::Group:
      case NodeKind::Interface: out += "struct " + info.path.back() + ";\n"; break;
    }
  }
  return out;
}

void emit_name_tables(const SchemaIndex& index, const std::string& file_struct, Output& out) {
  std::string interfaces;
  std::string methods;
  for (const uint64_t id : index.preorder()) {
    const NodeInfo& info = index.node(id);
    if (info.kind != NodeKind::Interface) continue;
    const std::string name = index.qualified(id);
    interfaces += "case " + name + "::INTERFACE_ID: return \"" + info.schema_name + "\";\n";
    methods += "case " + name + "::INTERFACE_ID:\nswitch (method_id) {\n";
    for (const auto method : info.schema.asInterface().getMethods()) {
      methods += "case " + std::to_string(method.getIndex()) + ": return \"" +
                 method.getProto().getName().cStr() + "\";\n";
    }
    methods += "default: return nullptr;\n}\n";
  }
  out.names += "const char* " + file_struct +
               "::interface_name([[maybe_unused]] uint64_t interface_id) {\n"
               "switch (interface_id) {\n" +
               interfaces + "default: return nullptr;\n}\n}\n\n";
  out.names += "const char* " + file_struct +
               "::method_name([[maybe_unused]] uint64_t interface_id, [[maybe_unused]] uint16_t "
               "method_id) {\nswitch (interface_id) {\n" +
               methods + "default: return nullptr;\n}\n}\n";
}

}  // namespace capos::capnpc
