// Struct and group shells, Reader/Builder classes, their accessors and validate().
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/capnpc-capos/emit.h"
#include "tools/capnpc-capos/field_model.h"
#include "tools/capnpc-capos/names.h"

namespace capos::capnpc {

namespace {

// Member names of one generated class; a second use of a name is a schema we cannot map.
class MemberNames {
 public:
  MemberNames(const SchemaIndex& index, uint64_t id, std::vector<std::string> fixed)
      : m_index(index), m_id(id), m_names(std::move(fixed)) {}
  const std::string& add(const std::string& name) {
    if (std::find(m_names.begin(), m_names.end(), name) != m_names.end()) {
      m_index.fail(m_id, "two fields map to the C++ member \"" + name + "\"");
    }
    m_names.push_back(name);
    return m_names.back();
  }

 private:
  const SchemaIndex& m_index;
  uint64_t m_id;
  std::vector<std::string> m_names;
};

std::string with_default(const std::string& arguments, const std::string& default_value) {
  return default_value.empty() ? arguments : arguments + ", " + default_value;
}

struct StructContext {
  const SchemaIndex& index;
  uint64_t id;
  std::string qualified;       // Q in "Q::Reader"
  uint32_t discriminant_byte;  // byte offset of the union discriminant
};

std::string pointer_reader(const FieldModel& field) {
  std::string pointer = "m_reader.pointer(" + std::to_string(field.offset) + ")";
  if (!field.in_union) return pointer;
  return "(is_" + field.snake + "() ? " + pointer + " : capnp::PointerReader{})";
}

std::string set_discriminant(const StructContext& context, const FieldModel& field) {
  if (!field.in_union) return "";
  return "m_builder.set_u16(" + std::to_string(context.discriminant_byte) +
         ", static_cast<uint16_t>(Which::" + field.which_name + "));\n";
}

std::string scalar_read(const FieldModel& field) {
  const std::string offset = std::to_string(field.offset);
  switch (field.kind) {
    case FieldKind::Bool:
      return "m_reader.get_bool(" + with_default(offset, field.default_raw) + ")";
    case FieldKind::Enum:
      return "static_cast<" + field.value_type + ">(m_reader.get_u16(" +
             with_default(offset, field.default_raw) + "))";
    default:
      return "m_reader.get_" + field.raw_suffix + "(" + with_default(offset, field.default_raw) +
             ")";
  }
}

std::string scalar_default(const FieldModel& field) {
  if (field.kind == FieldKind::Bool) return field.default_raw.empty() ? "false" : "true";
  const std::string raw = field.default_raw.empty() ? "0" : field.default_raw;
  return "static_cast<" + field.value_type + ">(" + raw + ")";
}

void reader_member(const StructContext& context, const FieldModel& field, MemberNames& names,
                   std::string& out, std::string& defs) {
  const std::string reader = context.qualified + "::Reader";
  append_comment(out, context.index.member_doc(context.id, field.index));
  if (field.in_union) {
    out += "[[nodiscard]] bool " + names.add("is_" + field.snake) +
           "() const { return which() == Which::" + field.which_name + "; }\n";
  }
  const std::string getter = "get_" + field.snake;
  const std::string has = "has_" + field.snake;
  switch (field.kind) {
    case FieldKind::Void: break;
    case FieldKind::Bool:
    case FieldKind::Int:
    case FieldKind::Enum:
      out += "[[nodiscard]] " + field.value_type + " " + names.add(getter) + "() const {\n";
      if (field.in_union)
        out += "if (!is_" + field.snake + "()) return " + scalar_default(field) + ";\n";
      out += "return " + scalar_read(field) + ";\n}\n";
      break;
    case FieldKind::Text:
    case FieldKind::Data:
      out += "[[nodiscard]] bool " + names.add(has) + "() const { return !" +
             pointer_reader(field) + ".is_null(); }\n";
      out += "[[nodiscard]] CapnpResult<ByteView> " + names.add(getter) + "() const { return " +
             pointer_reader(field) + (field.kind == FieldKind::Text ? ".get_text(" : ".get_data(") +
             field.pointer_default + "); }\n";
      break;
    case FieldKind::Struct:
    case FieldKind::List: {
      out += "[[nodiscard]] bool " + names.add(has) + "() const { return !" +
             pointer_reader(field) + ".is_null(); }\n";
      out += "[[nodiscard]] CapnpResult<" + field.type_name + "::Reader> " + names.add(getter) +
             "() const;\n";
      defs += "inline CapnpResult<" + field.type_name_ns + "::Reader> " + reader + "::" + getter +
              "() const {\n";
      if (field.kind == FieldKind::Struct) {
        defs += "return " + field.type_name + "::Reader(TRY(" + pointer_reader(field) +
                ".get_struct(" + field.pointer_default + ")));\n}\n\n";
      } else {
        defs +=
            "return " + field.type_name + "::Reader(TRY(" + pointer_reader(field) + ".get_list(" +
            with_default(field.type_name + "::ELEMENT_SIZE", field.pointer_default) + ")));\n}\n\n";
      }
      break;
    }
    case FieldKind::Group:
      out += "[[nodiscard]] " + field.type_name + "::Reader " + names.add(getter) + "() const;\n";
      defs +=
          "inline " + field.type_name_ns + "::Reader " + reader + "::" + getter + "() const {\n";
      if (field.in_union) {
        defs += "if (!is_" + field.snake + "()) return " + field.type_name + "::Reader();\n";
      }
      defs += "return " + field.type_name + "::Reader(m_reader);\n}\n\n";
      break;
  }
}

// Statements that reset every data field of group `id` (and its nested groups and union) to
// its default, as libcapnp's init of a union group does. Pointers are write-once here.
// NOLINTNEXTLINE(misc-no-recursion): depth is the group nesting written in the schema
std::string zero_group_data(const SchemaIndex& index, uint64_t id) {
  std::string unused_defaults;
  std::string out;
  const auto proto = index.node(id).schema.getProto().getStruct();
  if (proto.getDiscriminantCount() > 0) {
    out += "m_builder.set_u16(" + std::to_string(proto.getDiscriminantOffset() * 2) + ", 0);\n";
  }
  for (const FieldModel& field : field_models(index, id, unused_defaults)) {
    switch (field.kind) {
      case FieldKind::Bool:
        out += "m_builder.set_bool(" + std::to_string(field.offset) + ", false);\n";
        break;
      case FieldKind::Int:
      case FieldKind::Enum:
        out += "m_builder.set_" + field.raw_suffix + "(" + std::to_string(field.offset) + ", 0);\n";
        break;
      case FieldKind::Group: out += zero_group_data(index, field.group_id); break;
      default: break;
    }
  }
  return out;
}

void builder_member(const StructContext& context, const FieldModel& field, MemberNames& names,
                    std::string& out, std::string& defs) {
  const std::string builder = context.qualified + "::Builder";
  const std::string discriminant = set_discriminant(context, field);
  const std::string offset = std::to_string(field.offset);
  const std::string setter = "set_" + field.snake;
  const std::string init = "init_" + field.snake;
  switch (field.kind) {
    case FieldKind::Void:
      if (field.in_union) out += "void " + names.add(setter) + "() const { " + discriminant + "}\n";
      break;
    case FieldKind::Bool:
      out += "void " + names.add(setter) + "(bool value) const {\n" + discriminant +
             "m_builder.set_bool(" + with_default(offset + ", value", field.default_raw) +
             ");\n}\n";
      break;
    case FieldKind::Int:
      out += "void " + names.add(setter) + "(" + field.value_type + " value) const {\n" +
             discriminant + "m_builder.set_" + field.raw_suffix + "(" +
             with_default(offset + ", value", field.default_raw) + ");\n}\n";
      break;
    case FieldKind::Enum:
      out += "void " + names.add(setter) + "(" + field.value_type + " value) const {\n" +
             discriminant + "m_builder.set_u16(" +
             with_default(offset + ", static_cast<uint16_t>(value)", field.default_raw) + ");\n}\n";
      break;
    case FieldKind::Text:
    case FieldKind::Data:
      out += "[[nodiscard]] CapnpResult<void> " + names.add(setter) + "(ByteView value) const {\n" +
             discriminant + "return m_builder." +
             (field.kind == FieldKind::Text ? "set_text(" : "set_data(") + offset +
             ", value);\n}\n";
      break;
    case FieldKind::Struct:
      out += "[[nodiscard]] CapnpResult<" + field.type_name + "::Builder> " + names.add(init) +
             "() const;\n";
      defs += "inline CapnpResult<" + field.type_name_ns + "::Builder> " + builder + "::" + init +
              "() const {\n" + discriminant + "return " + field.type_name +
              "::Builder(TRY(m_builder.init_struct(" + offset + ", " + field.type_name +
              "::STRUCT_SIZE)));\n}\n\n";
      break;
    case FieldKind::List:
      out += "[[nodiscard]] CapnpResult<" + field.type_name + "::Builder> " + names.add(init) +
             "(uint32_t count) const;\n";
      defs += "inline CapnpResult<" + field.type_name_ns + "::Builder> " + builder + "::" + init +
              "(uint32_t count) const {\n" + discriminant + "return " + field.type_name +
              "::init(TRY(m_builder.pointer(" + offset + ")), count);\n}\n\n";
      break;
    case FieldKind::Group: {
      const std::string name = field.in_union ? init : "get_" + field.snake;
      out += "[[nodiscard]] " + field.type_name + "::Builder " + names.add(name) + "() const;\n";
      defs +=
          "inline " + field.type_name_ns + "::Builder " + builder + "::" + name + "() const {\n";
      if (field.in_union) defs += discriminant + zero_group_data(context.index, field.group_id);
      defs += "return " + field.type_name + "::Builder(m_builder);\n}\n\n";
      break;
    }
  }
}

// The structs whose Readers a field's validate() calls into (groups are part of their struct).
void referenced_structs(const SchemaIndex& index, uint64_t id, std::vector<uint64_t>& out) {
  for (const auto field : index.node(id).schema.asStruct().getFields()) {
    if (field.getProto().isGroup()) {
      out.push_back(field.getProto().getGroup().getTypeId());
      continue;
    }
    capnp::Type type = field.getType();
    while (type.isList()) type = type.asList().getElementType();
    if (type.isStruct()) out.push_back(type.asStruct().getProto().getId());
  }
}

// True iff validate() of `id` can reach itself (a recursive schema type): its depth is then
// bounded only by the reader's nesting limit, which the generated code says.
bool validate_recurses(const SchemaIndex& index, uint64_t id) {
  std::vector<uint64_t> pending;
  std::vector<uint64_t> seen;
  referenced_structs(index, id, pending);
  while (!pending.empty()) {
    const uint64_t next = pending.back();
    pending.pop_back();
    if (next == id) return true;
    if (std::find(seen.begin(), seen.end(), next) != seen.end()) continue;
    seen.push_back(next);
    referenced_structs(index, next, pending);
  }
  return false;
}

std::string validate_statement(const SchemaIndex& index, const FieldModel& field) {
  const std::string getter = "get_" + field.snake + "()";
  switch (field.kind) {
    case FieldKind::Text:
    case FieldKind::Data: return "TRY(" + getter + ");\n";
    // A null pointer reads as its compiled-in default, which needs no validation; following it
    // anyway would never end for a recursive struct (defaults carry no nesting budget).
    case FieldKind::Struct:
    case FieldKind::List:
      return "if (has_" + field.snake + "()) TRY(validate_pointer(" + getter + "));\n";
    case FieldKind::Group:
      return has_pointer_fields(index, field.group_id) ? "TRY(" + getter + ".validate());\n" : "";
    default: return "";
  }
}

}  // namespace

void emit_struct(const SchemaIndex& index, uint64_t id, Output& out) {
  const NodeInfo& info = index.node(id);
  const auto proto = info.schema.getProto().getStruct();
  const bool is_group = info.kind == NodeKind::Group;
  const bool has_union = proto.getDiscriminantCount() > 0;
  const std::string qualified = index.qualified(id);
  const StructContext context{index, id, qualified, proto.getDiscriminantOffset() * 2U};
  const std::vector<FieldModel> fields = field_models(index, id, out.defaults);

  // Shell.
  append_comment(out.shells, index.doc(id));
  out.shells += "struct " + qualified + " {\n";
  out.shells += "static constexpr uint64_t TYPE_ID = " + hex_id(id) + ";\n";
  if (!is_group) {
    out.shells += "static constexpr capnp::StructSize STRUCT_SIZE{" +
                  std::to_string(proto.getDataWordCount()) + ", " +
                  std::to_string(proto.getPointerCount()) + "};\n";
  }
  if (has_union) {
    out.shells += "// The active member of the union (a newer writer may send other values).\n";
    out.shells += "// NOLINTNEXTLINE(performance-enum-size): the discriminant is a UInt16\n";
    out.shells += "enum class Which : uint16_t {\n";
    std::vector<const FieldModel*> members;
    for (const FieldModel& field : fields) {
      if (field.in_union) members.push_back(&field);
    }
    std::sort(members.begin(), members.end(), [](const FieldModel* a, const FieldModel* b) {
      return a->discriminant < b->discriminant;
    });
    for (const FieldModel* member : members) {
      out.shells += member->which_name + " = " + std::to_string(member->discriminant) + ",\n";
    }
    out.shells += "};\n";
    out.is_known +=
        "// True iff `value` names a member of the union.\n"
        "[[nodiscard]] constexpr bool is_known(" +
        qualified + "::Which value) { return static_cast<uint16_t>(value) < " +
        std::to_string(proto.getDiscriminantCount()) + "; }\n";
  }
  out.shells += shell_members(index, id);
  out.shells += "class Reader;\nclass Builder;\n};\n\n";

  // Reader.
  std::string& classes = out.classes;
  const bool validates = has_pointer_fields(index, id);
  MemberNames reader_names(index, id, {"raw", "which", "validate"});
  classes += "class " + qualified + "::Reader {\n public:\n";
  classes += "Reader() = default;\n";
  classes += "explicit Reader(capnp::StructReader reader) : m_reader(reader) {}\n";
  classes += "[[nodiscard]] capnp::StructReader raw() const { return m_reader; }\n";
  if (has_union) {
    classes += "[[nodiscard]] Which which() const { return static_cast<Which>(m_reader.get_u16(" +
               std::to_string(context.discriminant_byte) + ")); }\n";
  }
  for (const FieldModel& field : fields)
    reader_member(context, field, reader_names, classes, out.inline_defs);
  classes +=
      "// Follows every pointer the schema declares here, once, so that no accessor can fail "
      "afterwards\n// except through the traversal budget (dispatchers call it before any "
      "handler).\n";
  if (validates) {
    classes += "[[nodiscard]] CapnpResult<void> validate() const;\n";
    if (validate_recurses(index, id)) {
      out.validate +=
          "// A recursive schema type: the depth is bounded by the reader's nesting limit\n"
          "// (every level follows a real pointer).\n"
          "// NOLINTNEXTLINE(misc-no-recursion)\n";
    }
    out.validate += "CapnpResult<void> " + qualified + "::Reader::validate() const {\n";
    for (const FieldModel& field : fields) out.validate += validate_statement(index, field);
    out.validate += "return {};\n}\n\n";
  } else {
    classes += "[[nodiscard]] CapnpResult<void> validate() const { return {}; }\n";
  }
  classes += "\n private:\ncapnp::StructReader m_reader;\n};\n\n";

  // Builder.
  MemberNames builder_names(index, id, {"raw"});
  classes += "class " + qualified + "::Builder {\n public:\n";
  classes += "explicit Builder(capnp::StructBuilder builder) : m_builder(builder) {}\n";
  classes += "[[nodiscard]] capnp::StructBuilder raw() const { return m_builder; }\n";
  for (const FieldModel& field : fields)
    builder_member(context, field, builder_names, classes, out.inline_defs);
  classes += "\n private:\ncapnp::StructBuilder m_builder;\n};\n\n";
}

}  // namespace capos::capnpc
