#include "tools/capnpc-capos/field_model.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <kj/array.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tools/capnpc-capos/emit.h"
#include "tools/capnpc-capos/names.h"

namespace capos::capnpc {

namespace {

constexpr uint16_t NO_DISCRIMINANT = 0xffff;

const char* const FLOAT_REJECTED =
    "Float32/Float64 are not supported: the schema excludes floating point by design (no FPU "
    "state in freestanding code)";
const char* const CAPABILITY_REJECTED =
    "capability and AnyPointer fields are not supported: a payload refers to a transferred "
    "capability by a ResultCap (UInt32) index into the result-cap records (SPEC §3)";

struct IntegerType {
  const char* cpp;
  const char* suffix;
  uint32_t bytes;
};

bool integer_type(capnp::schema::Type::Which which, IntegerType& out) {
  switch (which) {
    case capnp::schema::Type::INT8: out = {"int8_t", "i8", 1}; return true;
    case capnp::schema::Type::INT16: out = {"int16_t", "i16", 2}; return true;
    case capnp::schema::Type::INT32: out = {"int32_t", "i32", 4}; return true;
    case capnp::schema::Type::INT64: out = {"int64_t", "i64", 8}; return true;
    case capnp::schema::Type::UINT8: out = {"uint8_t", "u8", 1}; return true;
    case capnp::schema::Type::UINT16: out = {"uint16_t", "u16", 2}; return true;
    case capnp::schema::Type::UINT32: out = {"uint32_t", "u32", 4}; return true;
    case capnp::schema::Type::UINT64: out = {"uint64_t", "u64", 8}; return true;
    default: return false;
  }
}

// The default as a literal of the field's raw type; empty when it is zero.
std::string integer_default(capnp::schema::Value::Reader value) {
  switch (value.which()) {
    case capnp::schema::Value::INT8:
      return value.getInt8() == 0 ? "" : signed_literal(value.getInt8());
    case capnp::schema::Value::INT16:
      return value.getInt16() == 0 ? "" : signed_literal(value.getInt16());
    case capnp::schema::Value::INT32:
      return value.getInt32() == 0 ? "" : signed_literal(value.getInt32());
    case capnp::schema::Value::INT64:
      return value.getInt64() == 0 ? "" : signed_literal(value.getInt64());
    case capnp::schema::Value::UINT8:
      return value.getUint8() == 0 ? "" : unsigned_literal(value.getUint8());
    case capnp::schema::Value::UINT16:
      return value.getUint16() == 0 ? "" : unsigned_literal(value.getUint16());
    case capnp::schema::Value::UINT32:
      return value.getUint32() == 0 ? "" : unsigned_literal(value.getUint32());
    case capnp::schema::Value::UINT64:
      return value.getUint64() == 0 ? "" : unsigned_literal(value.getUint64());
    default: return "";
  }
}

// A struct or list default as libcapnp stores it for generated code: one segment whose word 0
// is the pointer (lib/capnp DefaultValue).
std::vector<uint8_t> pointer_default_words(capnp::AnyPointer::Reader value) {
  if (value.isNull()) return {};
  const size_t words = value.targetSize().wordCount + 1;
  kj::Array<capnp::word> buffer = kj::heapArray<capnp::word>(words);
  std::memset(buffer.begin(), 0, words * sizeof(capnp::word));
  capnp::FlatMessageBuilder builder(buffer);
  builder.getRoot<capnp::AnyPointer>().set(value);
  builder.requireFilled();
  const auto bytes = buffer.asBytes();
  return {bytes.begin(), bytes.end()};
}

void check_list_element(const SchemaIndex& index, capnp::Type element, uint64_t user) {
  switch (element.which()) {
    case capnp::schema::Type::FLOAT32:
    case capnp::schema::Type::FLOAT64: index.fail(user, FLOAT_REJECTED);
    case capnp::schema::Type::INTERFACE:
    case capnp::schema::Type::ANY_POINTER: index.fail(user, CAPABILITY_REJECTED);
    default: break;
  }
}

}  // namespace

// NOLINTNEXTLINE(misc-no-recursion): depth is the List(List(...)) nesting written in the schema
std::string list_type(const SchemaIndex& index, capnp::Type type, uint64_t scope, uint64_t user) {
  const capnp::Type element = type.asList().getElementType();
  check_list_element(index, element, user);
  IntegerType integer{};
  if (integer_type(element.which(), integer)) {
    return std::string("PrimitiveList<") + integer.cpp + ">";
  }
  switch (element.which()) {
    case capnp::schema::Type::VOID: return "VoidList";
    case capnp::schema::Type::BOOL: return "PrimitiveList<bool>";
    case capnp::schema::Type::ENUM:
      return "PrimitiveList<" + index.ref(element.asEnum().getProto().getId(), scope) + ">";
    case capnp::schema::Type::TEXT: return "TextList";
    case capnp::schema::Type::DATA: return "DataList";
    case capnp::schema::Type::STRUCT:
      return "StructList<" + index.ref(element.asStruct().getProto().getId(), scope) + ">";
    case capnp::schema::Type::LIST:
      return "ListList<" + list_type(index, element, scope, user) + ">";
    default: index.fail(user, "unsupported list element type");
  }
}

std::vector<FieldModel> field_models(const SchemaIndex& index, uint64_t id, std::string& defaults) {
  const NodeInfo& info = index.node(id);
  std::vector<FieldModel> fields;
  for (const auto field : info.schema.asStruct().getFields()) {
    const auto proto = field.getProto();
    FieldModel model;
    model.index = field.getIndex();
    model.name = proto.getName();
    model.snake = snake_case(model.name);
    model.which_name = pascal_case(model.name);
    model.in_union = proto.getDiscriminantValue() != NO_DISCRIMINANT;
    model.discriminant = proto.getDiscriminantValue();
    const std::string where = "field \"" + model.name + "\": ";
    if (proto.isGroup()) {
      model.kind = FieldKind::Group;
      model.group_id = proto.getGroup().getTypeId();
      model.type_name = index.ref(model.group_id, id);
      model.type_name_ns = index.ref(model.group_id, 0);
      fields.push_back(model);
      continue;
    }
    const auto slot = proto.getSlot();
    const capnp::Type type = field.getType();
    const auto value = slot.getDefaultValue();
    model.offset = slot.getOffset();
    const std::string detail_name = index.flat_upper(id) + "_" + upper_snake_case(model.name);
    IntegerType integer{};
    if (integer_type(type.which(), integer)) {
      model.kind = FieldKind::Int;
      model.value_type = integer.cpp;
      model.raw_suffix = integer.suffix;
      model.offset = slot.getOffset() * integer.bytes;
      model.default_raw = integer_default(value);
      fields.push_back(model);
      continue;
    }
    switch (type.which()) {
      case capnp::schema::Type::VOID: model.kind = FieldKind::Void; break;
      case capnp::schema::Type::BOOL:
        model.kind = FieldKind::Bool;
        model.value_type = "bool";
        model.default_raw = value.getBool() ? "true" : "";
        break;
      case capnp::schema::Type::ENUM:
        model.kind = FieldKind::Enum;
        model.value_type = index.ref(type.asEnum().getProto().getId(), id);
        model.raw_suffix = "u16";
        model.offset = slot.getOffset() * 2;
        model.default_raw = value.getEnum() == 0 ? "" : unsigned_literal(value.getEnum());
        break;
      case capnp::schema::Type::TEXT:
      case capnp::schema::Type::DATA: {
        const bool text = type.which() == capnp::schema::Type::TEXT;
        model.kind = text ? FieldKind::Text : FieldKind::Data;
        const auto bytes = text ? value.getText().asBytes() : value.getData();
        if (bytes.size() != 0) {
          defaults += "inline constexpr std::array<uint8_t, " + std::to_string(bytes.size()) +
                      "> " + detail_name + " = " +
                      byte_array_initializer({bytes.begin(), bytes.end()}) + ";\n";
          model.pointer_default = "ByteView{detail::" + detail_name + "}";
        }
        break;
      }
      case capnp::schema::Type::STRUCT:
      case capnp::schema::Type::LIST: {
        const bool is_struct = type.which() == capnp::schema::Type::STRUCT;
        model.kind = is_struct ? FieldKind::Struct : FieldKind::List;
        model.type_name = is_struct ? index.ref(type.asStruct().getProto().getId(), id)
                                    : list_type(index, type, id, id);
        model.type_name_ns = is_struct ? index.ref(type.asStruct().getProto().getId(), 0)
                                       : list_type(index, type, 0, id);
        const auto words = pointer_default_words(is_struct ? value.getStruct() : value.getList());
        if (!words.empty()) {
          defaults += "inline constexpr std::array<uint8_t, " + std::to_string(words.size()) +
                      "> " + detail_name + "_WORDS = " + byte_array_initializer(words) + ";\n";
          defaults += concat({"inline constexpr capnp::DefaultValue ", detail_name, "{ByteView{",
                              detail_name, "_WORDS}};\n"});
          model.pointer_default = "&detail::" + detail_name;
        }
        break;
      }
      case capnp::schema::Type::FLOAT32:
      case capnp::schema::Type::FLOAT64: index.fail(id, where + FLOAT_REJECTED);
      case capnp::schema::Type::INTERFACE:
      case capnp::schema::Type::ANY_POINTER: index.fail(id, where + CAPABILITY_REJECTED);
      default: index.fail(id, where + "unsupported type");
    }
    fields.push_back(model);
  }
  return fields;
}

// NOLINTNEXTLINE(misc-no-recursion): depth is the group nesting written in the schema
bool has_pointer_fields(const SchemaIndex& index, uint64_t id) {
  for (const auto field : index.node(id).schema.asStruct().getFields()) {
    const auto proto = field.getProto();
    if (proto.isGroup()) {
      if (has_pointer_fields(index, proto.getGroup().getTypeId())) return true;
      continue;
    }
    switch (field.getType().which()) {
      case capnp::schema::Type::TEXT:
      case capnp::schema::Type::DATA:
      case capnp::schema::Type::STRUCT:
      case capnp::schema::Type::LIST: return true;
      default: break;
    }
  }
  return false;
}

}  // namespace capos::capnpc
