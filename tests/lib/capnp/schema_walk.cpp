#include "schema_walk.h"

#include "lib/capnp/message_reader.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <rapidcheck.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace capos::capnp::test {
namespace {

using ::capnp::DynamicList;
using ::capnp::DynamicStruct;
using ::capnp::DynamicValue;
using ::capnp::StructSchema;
using ::capnp::Type;
using Which = ::capnp::schema::Type::Which;

void append_hex(std::string& out, uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "%llx", static_cast<unsigned long long>(value));
  out += buffer;
}

void append_bytes(std::string& out, const uint8_t* bytes, size_t size) {
  out += '"';
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  out += '"';
}

void append_f32(std::string& out, uint32_t bits) {
  if (std::isnan(std::bit_cast<float>(bits))) {
    out += "nan";
  } else {
    append_hex(out, bits);
  }
}

void append_f64(std::string& out, uint64_t bits) {
  if (std::isnan(std::bit_cast<double>(bits))) {
    out += "nan";
  } else {
    append_hex(out, bits);
  }
}

ElementSize expected_size(Type type) {
  switch (type.which()) {
    case Which::VOID: return ElementSize::Void;
    case Which::BOOL: return ElementSize::Bit;
    case Which::INT8:
    case Which::UINT8: return ElementSize::Byte;
    case Which::INT16:
    case Which::UINT16:
    case Which::ENUM: return ElementSize::TwoBytes;
    case Which::INT32:
    case Which::UINT32:
    case Which::FLOAT32: return ElementSize::FourBytes;
    case Which::INT64:
    case Which::UINT64:
    case Which::FLOAT64: return ElementSize::EightBytes;
    case Which::STRUCT: return ElementSize::InlineComposite;
    default: return ElementSize::Pointer;
  }
}

// A null struct field without a default is dumped as "null" rather than as the empty struct,
// so that a self-recursive schema (AllTypes.recursive) is walked to a finite depth.
bool is_null_struct_field(StructSchema::Field field, bool has_pointer) {
  if (field.getType().which() != Which::STRUCT || has_pointer) return false;
  return !field.getProto().getSlot().getHadExplicitDefault();
}

// ---- libcapnp side ----------------------------------------------------------------------

void dump_struct_libcapnp(std::string& out, DynamicStruct::Reader reader);

void dump_value_libcapnp(std::string& out, DynamicValue::Reader value, Type type) {
  switch (type.which()) {
    case Which::VOID: out += 'v'; return;
    case Which::BOOL: out += value.as<bool>() ? 'T' : 'F'; return;
    case Which::INT8:
    case Which::INT16:
    case Which::INT32:
    case Which::INT64: out += std::to_string(value.as<int64_t>()); return;
    case Which::UINT8:
    case Which::UINT16:
    case Which::UINT32:
    case Which::UINT64: out += std::to_string(value.as<uint64_t>()); return;
    case Which::FLOAT32: append_f32(out, std::bit_cast<uint32_t>(value.as<float>())); return;
    case Which::FLOAT64: append_f64(out, std::bit_cast<uint64_t>(value.as<double>())); return;
    case Which::TEXT: {
      const ::capnp::Text::Reader text = value.as<::capnp::Text>();
      append_bytes(out, reinterpret_cast<const uint8_t*>(text.begin()), text.size());
      return;
    }
    case Which::DATA: {
      const ::capnp::Data::Reader data = value.as<::capnp::Data>();
      append_bytes(out, data.begin(), data.size());
      return;
    }
    case Which::ENUM: out += std::to_string(value.as<::capnp::DynamicEnum>().getRaw()); return;
    case Which::STRUCT:
      out += '{';
      dump_struct_libcapnp(out, value.as<DynamicStruct>());
      out += '}';
      return;
    case Which::LIST: {
      const DynamicList::Reader list = value.as<DynamicList>();
      const Type element = type.asList().getElementType();
      out += '[';
      for (uint32_t i = 0; i < list.size(); ++i) {
        dump_value_libcapnp(out, list[i], element);
        out += ',';
      }
      out += ']';
      return;
    }
    default: out += '?'; return;
  }
}

void dump_field_libcapnp(std::string& out, DynamicStruct::Reader reader,
                         StructSchema::Field field) {
  out += field.getProto().getName().cStr();
  out += '=';
  if (field.getProto().isGroup()) {
    out += '{';
    dump_struct_libcapnp(out, reader.get(field).as<DynamicStruct>());
    out += '}';
  } else if (is_null_struct_field(field, reader.has(field))) {
    out += "null";
  } else {
    dump_value_libcapnp(out, reader.get(field), field.getType());
  }
  out += ';';
}

void dump_struct_libcapnp(std::string& out, DynamicStruct::Reader reader) {
  const StructSchema schema = reader.getSchema();
  for (StructSchema::Field field : schema.getNonUnionFields()) {
    dump_field_libcapnp(out, reader, field);
  }
  if (schema.getUnionFields().size() == 0) return;
  KJ_IF_MAYBE (active, reader.which()) {
    out += "which=";
    dump_field_libcapnp(out, reader, *active);
  } else {
    out += "which=?;";
  }
}

// ---- lib/capnp side ---------------------------------------------------------------------

// Trusted defaults for pointer fields, flattened once per field into a single segment (word 0
// = the pointer), as generated code would embed them. Null when the field has no default.
const DefaultValue* default_for(StructSchema::Field field) {
  struct Entry {
    std::vector<uint8_t> bytes;
    DefaultValue value;
  };
  static std::map<std::pair<uint64_t, uint32_t>, std::unique_ptr<Entry>> cache;
  const std::pair<uint64_t, uint32_t> key{field.getContainingStruct().getProto().getId(),
                                          field.getIndex()};
  auto found = cache.find(key);
  if (found == cache.end()) {
    const auto value = field.getProto().getSlot().getDefaultValue();
    const ::capnp::AnyPointer::Reader pointer =
        value.isStruct() ? value.getStruct() : value.getList();
    std::unique_ptr<Entry> entry;
    if (!pointer.isNull()) {
      ::capnp::MallocMessageBuilder builder(1024);
      builder.getRoot<::capnp::AnyPointer>().set(pointer);
      const auto segments = builder.getSegmentsForOutput();
      KJ_ASSERT(segments.size() == 1);
      const auto bytes = segments[0].asBytes();
      entry = std::make_unique<Entry>();
      entry->bytes.assign(bytes.begin(), bytes.end());
      entry->value = DefaultValue{ByteView(entry->bytes.data(), entry->bytes.size())};
    }
    found = cache.emplace(key, std::move(entry)).first;
  }
  return found->second ? &found->second->value : nullptr;
}

CapnpResult<void> dump_struct_ours(std::string& out, const StructReader& reader,
                                   StructSchema schema);

CapnpResult<void> dump_list_ours(std::string& out, const ListReader& list, Type element) {
  out += '[';
  for (uint32_t i = 0; i < list.size(); ++i) {
    switch (element.which()) {
      case Which::VOID: out += 'v'; break;
      case Which::BOOL: out += list.get_bool(i) ? 'T' : 'F'; break;
      case Which::INT8: out += std::to_string(list.get_i8(i)); break;
      case Which::INT16: out += std::to_string(list.get_i16(i)); break;
      case Which::INT32: out += std::to_string(list.get_i32(i)); break;
      case Which::INT64: out += std::to_string(list.get_i64(i)); break;
      case Which::UINT8: out += std::to_string(list.get_u8(i)); break;
      case Which::UINT16:
      case Which::ENUM: out += std::to_string(list.get_u16(i)); break;
      case Which::UINT32: out += std::to_string(list.get_u32(i)); break;
      case Which::UINT64: out += std::to_string(list.get_u64(i)); break;
      case Which::FLOAT32: append_f32(out, list.get_u32(i)); break;
      case Which::FLOAT64: append_f64(out, list.get_u64(i)); break;
      case Which::TEXT: {
        const ByteView text = TRY(list.get_text(i));
        append_bytes(out, text.data(), text.size());
        break;
      }
      case Which::DATA: {
        const ByteView data = TRY(list.get_data(i));
        append_bytes(out, data.data(), data.size());
        break;
      }
      case Which::STRUCT: {
        const StructReader inner = TRY(list.get_struct(i));
        out += '{';
        TRY(dump_struct_ours(out, inner, element.asStruct()));
        out += '}';
        break;
      }
      case Which::LIST: {
        const Type inner_element = element.asList().getElementType();
        const ListReader inner = TRY(list.get_list(i, expected_size(inner_element)));
        TRY(dump_list_ours(out, inner, inner_element));
        break;
      }
      default: out += '?'; break;
    }
    out += ',';
  }
  out += ']';
  return {};
}

ByteView blob(const void* data, size_t size) {
  return ByteView(static_cast<const uint8_t*>(data), size);
}

CapnpResult<void> dump_slot_ours(std::string& out, const StructReader& reader,
                                 StructSchema::Field field) {
  const auto slot = field.getProto().getSlot();
  const uint32_t offset = slot.getOffset();
  const auto value = slot.getDefaultValue();
  const Type type = field.getType();
  const auto index = static_cast<uint16_t>(offset);
  switch (type.which()) {
    case Which::VOID: out += 'v'; break;
    case Which::BOOL: out += reader.get_bool(offset, value.getBool()) ? 'T' : 'F'; break;
    case Which::INT8: out += std::to_string(reader.get_i8(offset, value.getInt8())); break;
    case Which::INT16: out += std::to_string(reader.get_i16(offset * 2, value.getInt16())); break;
    case Which::INT32: out += std::to_string(reader.get_i32(offset * 4, value.getInt32())); break;
    case Which::INT64: out += std::to_string(reader.get_i64(offset * 8, value.getInt64())); break;
    case Which::UINT8: out += std::to_string(reader.get_u8(offset, value.getUint8())); break;
    case Which::UINT16: out += std::to_string(reader.get_u16(offset * 2, value.getUint16())); break;
    case Which::UINT32: out += std::to_string(reader.get_u32(offset * 4, value.getUint32())); break;
    case Which::UINT64: out += std::to_string(reader.get_u64(offset * 8, value.getUint64())); break;
    case Which::FLOAT32:
      append_f32(out, reader.get_u32(offset * 4, std::bit_cast<uint32_t>(value.getFloat32())));
      break;
    case Which::FLOAT64:
      append_f64(out, reader.get_u64(offset * 8, std::bit_cast<uint64_t>(value.getFloat64())));
      break;
    case Which::ENUM: out += std::to_string(reader.get_u16(offset * 2, value.getEnum())); break;
    case Which::TEXT: {
      const auto fallback = value.getText();
      const ByteView text = TRY(reader.get_text(index, blob(fallback.begin(), fallback.size())));
      append_bytes(out, text.data(), text.size());
      break;
    }
    case Which::DATA: {
      const auto fallback = value.getData();
      const ByteView data = TRY(reader.get_data(index, blob(fallback.begin(), fallback.size())));
      append_bytes(out, data.data(), data.size());
      break;
    }
    case Which::STRUCT: {
      const StructReader inner = TRY(reader.get_struct(index, default_for(field)));
      out += '{';
      TRY(dump_struct_ours(out, inner, type.asStruct()));
      out += '}';
      break;
    }
    case Which::LIST: {
      const Type element = type.asList().getElementType();
      const ListReader list =
          TRY(reader.get_list(index, expected_size(element), default_for(field)));
      TRY(dump_list_ours(out, list, element));
      break;
    }
    default: out += '?'; break;
  }
  return {};
}

CapnpResult<void> dump_field_ours(std::string& out, const StructReader& reader,
                                  StructSchema::Field field) {
  out += field.getProto().getName().cStr();
  out += '=';
  if (field.getProto().isGroup()) {
    out += '{';
    TRY(dump_struct_ours(out, reader, field.getType().asStruct()));
    out += '}';
  } else if (is_null_struct_field(field, reader.has_pointer(static_cast<uint16_t>(
                                             field.getProto().getSlot().getOffset())))) {
    out += "null";
  } else {
    TRY(dump_slot_ours(out, reader, field));
  }
  out += ';';
  return {};
}

CapnpResult<void> dump_struct_ours(std::string& out, const StructReader& reader,
                                   StructSchema schema) {
  for (StructSchema::Field field : schema.getNonUnionFields()) {
    TRY(dump_field_ours(out, reader, field));
  }
  const auto unions = schema.getUnionFields();
  if (unions.size() == 0) return {};
  const uint16_t which = reader.get_u16(schema.getProto().getStruct().getDiscriminantOffset() * 2);
  for (StructSchema::Field field : unions) {
    if (field.getProto().getDiscriminantValue() == which) {
      out += "which=";
      return dump_field_ours(out, reader, field);
    }
  }
  out += "which=?;";
  return {};
}

// ---- copy libcapnp -> lib/capnp ---------------------------------------------------------

CapnpResult<void> copy_struct(DynamicStruct::Reader from, const StructBuilder& to);

CapnpResult<void> copy_list(DynamicList::Reader from, const PointerBuilder& to) {
  const Type element = from.getSchema().getElementType();
  const uint32_t size = from.size();
  if (element.which() == Which::STRUCT) {
    const ListBuilder list = TRY(to.init_struct_list(size, struct_size_of(element.asStruct())));
    for (uint32_t i = 0; i < size; ++i) {
      TRY(copy_struct(from[i].as<DynamicStruct>(), list.struct_element(i)));
    }
    return {};
  }
  const ListBuilder list = TRY(to.init_list(expected_size(element), size));
  for (uint32_t i = 0; i < size; ++i) {
    const DynamicValue::Reader value = from[i];
    switch (element.which()) {
      case Which::VOID: break;
      case Which::BOOL: list.set_bool(i, value.as<bool>()); break;
      case Which::INT8: list.set_i8(i, value.as<int8_t>()); break;
      case Which::INT16: list.set_i16(i, value.as<int16_t>()); break;
      case Which::INT32: list.set_i32(i, value.as<int32_t>()); break;
      case Which::INT64: list.set_i64(i, value.as<int64_t>()); break;
      case Which::UINT8: list.set_u8(i, value.as<uint8_t>()); break;
      case Which::UINT16: list.set_u16(i, value.as<uint16_t>()); break;
      case Which::UINT32: list.set_u32(i, value.as<uint32_t>()); break;
      case Which::UINT64: list.set_u64(i, value.as<uint64_t>()); break;
      case Which::FLOAT32: list.set_u32(i, std::bit_cast<uint32_t>(value.as<float>())); break;
      case Which::FLOAT64: list.set_u64(i, std::bit_cast<uint64_t>(value.as<double>())); break;
      case Which::ENUM: list.set_u16(i, value.as<::capnp::DynamicEnum>().getRaw()); break;
      case Which::TEXT: {
        const auto text = value.as<::capnp::Text>();
        TRY(TRY(list.pointer(i)).set_text(blob(text.begin(), text.size())));
        break;
      }
      case Which::DATA: {
        const auto data = value.as<::capnp::Data>();
        TRY(TRY(list.pointer(i)).set_data(blob(data.begin(), data.size())));
        break;
      }
      case Which::LIST: TRY(copy_list(value.as<DynamicList>(), TRY(list.pointer(i)))); break;
      default: break;
    }
  }
  return {};
}

CapnpResult<void> copy_slot(DynamicStruct::Reader from, StructSchema::Field field,
                            const StructBuilder& to) {
  const auto slot = field.getProto().getSlot();
  const uint32_t offset = slot.getOffset();
  const auto fallback = slot.getDefaultValue();
  const auto index = static_cast<uint16_t>(offset);
  const Type type = field.getType();
  const bool is_pointer = type.which() == Which::TEXT || type.which() == Which::DATA ||
                          type.which() == Which::STRUCT || type.which() == Which::LIST;
  if (is_pointer && !from.has(field)) return {};  // keep null pointers null
  const DynamicValue::Reader value = from.get(field);
  switch (type.which()) {
    case Which::VOID: break;
    case Which::BOOL: to.set_bool(offset, value.as<bool>(), fallback.getBool()); break;
    case Which::INT8: to.set_i8(offset, value.as<int8_t>(), fallback.getInt8()); break;
    case Which::INT16: to.set_i16(offset * 2, value.as<int16_t>(), fallback.getInt16()); break;
    case Which::INT32: to.set_i32(offset * 4, value.as<int32_t>(), fallback.getInt32()); break;
    case Which::INT64: to.set_i64(offset * 8, value.as<int64_t>(), fallback.getInt64()); break;
    case Which::UINT8: to.set_u8(offset, value.as<uint8_t>(), fallback.getUint8()); break;
    case Which::UINT16: to.set_u16(offset * 2, value.as<uint16_t>(), fallback.getUint16()); break;
    case Which::UINT32: to.set_u32(offset * 4, value.as<uint32_t>(), fallback.getUint32()); break;
    case Which::UINT64: to.set_u64(offset * 8, value.as<uint64_t>(), fallback.getUint64()); break;
    case Which::FLOAT32:
      to.set_u32(offset * 4, std::bit_cast<uint32_t>(value.as<float>()),
                 std::bit_cast<uint32_t>(fallback.getFloat32()));
      break;
    case Which::FLOAT64:
      to.set_u64(offset * 8, std::bit_cast<uint64_t>(value.as<double>()),
                 std::bit_cast<uint64_t>(fallback.getFloat64()));
      break;
    case Which::ENUM:
      to.set_u16(offset * 2, value.as<::capnp::DynamicEnum>().getRaw(), fallback.getEnum());
      break;
    case Which::TEXT: {
      const auto text = value.as<::capnp::Text>();
      TRY(to.set_text(index, blob(text.begin(), text.size())));
      break;
    }
    case Which::DATA: {
      const auto data = value.as<::capnp::Data>();
      TRY(to.set_data(index, blob(data.begin(), data.size())));
      break;
    }
    case Which::STRUCT: {
      const StructBuilder inner = TRY(to.init_struct(index, struct_size_of(type.asStruct())));
      TRY(copy_struct(value.as<DynamicStruct>(), inner));
      break;
    }
    case Which::LIST: TRY(copy_list(value.as<DynamicList>(), TRY(to.pointer(index)))); break;
    default: break;
  }
  return {};
}

CapnpResult<void> copy_field(DynamicStruct::Reader from, StructSchema::Field field,
                             const StructBuilder& to) {
  if (field.getProto().isGroup()) return copy_struct(from.get(field).as<DynamicStruct>(), to);
  return copy_slot(from, field, to);
}

CapnpResult<void> copy_struct(DynamicStruct::Reader from, const StructBuilder& to) {
  const StructSchema schema = from.getSchema();
  for (StructSchema::Field field : schema.getNonUnionFields()) TRY(copy_field(from, field, to));
  if (schema.getUnionFields().size() == 0) return {};
  KJ_IF_MAYBE (active, from.which()) {
    to.set_u16(schema.getProto().getStruct().getDiscriminantOffset() * 2,
               active->getProto().getDiscriminantValue());
    TRY(copy_field(from, *active, to));
  }
  return {};
}

// ---- random values ----------------------------------------------------------------------

uint32_t random_length(uint32_t usual_max) {
  // Mostly short lists; sometimes long enough to cross a small segment several times.
  return *rc::gen::weightedOneOf<uint32_t>(
      {{8, rc::gen::inRange<uint32_t>(0, usual_max + 1)}, {1, rc::gen::inRange<uint32_t>(0, 40)}});
}

std::string random_bytes(bool text) {
  std::string bytes =
      *rc::gen::container<std::string>(random_length(12), rc::gen::character<char>());
  if (text) {
    for (char& c : bytes) {
      if (c == 0) c = 'z';
    }
  }
  return bytes;
}

float random_f32() {
  const float value = std::bit_cast<float>(*rc::gen::arbitrary<uint32_t>());
  return std::isnan(value) ? 1.0F : value;  // libcapnp's dynamic API widens floats to double
}

double random_f64() {
  const double value = std::bit_cast<double>(*rc::gen::arbitrary<uint64_t>());
  return std::isnan(value) ? 1.0 : value;
}

void fill_list(DynamicList::Builder list, Type element, int depth);

void fill_field(DynamicStruct::Builder builder, StructSchema::Field field, int depth) {
  if (field.getProto().isGroup()) {
    fill_random(builder.init(field).as<DynamicStruct>(), depth);
    return;
  }
  const Type type = field.getType();
  switch (type.which()) {
    case Which::VOID: builder.set(field, ::capnp::VOID); break;
    case Which::BOOL: builder.set(field, *rc::gen::arbitrary<bool>()); break;
    case Which::INT8: builder.set(field, *rc::gen::arbitrary<int8_t>()); break;
    case Which::INT16: builder.set(field, *rc::gen::arbitrary<int16_t>()); break;
    case Which::INT32: builder.set(field, *rc::gen::arbitrary<int32_t>()); break;
    case Which::INT64: builder.set(field, *rc::gen::arbitrary<int64_t>()); break;
    case Which::UINT8: builder.set(field, *rc::gen::arbitrary<uint8_t>()); break;
    case Which::UINT16: builder.set(field, *rc::gen::arbitrary<uint16_t>()); break;
    case Which::UINT32: builder.set(field, *rc::gen::arbitrary<uint32_t>()); break;
    case Which::UINT64: builder.set(field, *rc::gen::arbitrary<uint64_t>()); break;
    case Which::FLOAT32: builder.set(field, random_f32()); break;
    case Which::FLOAT64: builder.set(field, random_f64()); break;
    case Which::ENUM:
      builder.set(field, ::capnp::DynamicEnum(type.asEnum(), *rc::gen::inRange<uint16_t>(0, 6)));
      break;
    case Which::TEXT: {
      const std::string text = random_bytes(true);
      builder.set(field, ::capnp::Text::Reader(text.c_str(), text.size()));
      break;
    }
    case Which::DATA: {
      const std::string data = random_bytes(false);
      builder.set(
          field, ::capnp::Data::Reader(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
      break;
    }
    case Which::STRUCT:
      if (depth > 0) fill_random(builder.init(field).as<DynamicStruct>(), depth - 1);
      break;
    case Which::LIST: {
      const uint32_t size = random_length(depth > 0 ? 4 : 2);
      fill_list(builder.init(field, size).as<DynamicList>(), type.asList().getElementType(), depth);
      break;
    }
    default: break;
  }
}

void fill_list(DynamicList::Builder list, Type element, int depth) {
  for (uint32_t i = 0; i < list.size(); ++i) {
    switch (element.which()) {
      case Which::VOID: break;
      case Which::BOOL: list.set(i, *rc::gen::arbitrary<bool>()); break;
      case Which::INT8: list.set(i, *rc::gen::arbitrary<int8_t>()); break;
      case Which::INT16: list.set(i, *rc::gen::arbitrary<int16_t>()); break;
      case Which::INT32: list.set(i, *rc::gen::arbitrary<int32_t>()); break;
      case Which::INT64: list.set(i, *rc::gen::arbitrary<int64_t>()); break;
      case Which::UINT8: list.set(i, *rc::gen::arbitrary<uint8_t>()); break;
      case Which::UINT16: list.set(i, *rc::gen::arbitrary<uint16_t>()); break;
      case Which::UINT32: list.set(i, *rc::gen::arbitrary<uint32_t>()); break;
      case Which::UINT64: list.set(i, *rc::gen::arbitrary<uint64_t>()); break;
      case Which::FLOAT32: list.set(i, random_f32()); break;
      case Which::FLOAT64: list.set(i, random_f64()); break;
      case Which::ENUM:
        list.set(i, ::capnp::DynamicEnum(element.asEnum(), *rc::gen::inRange<uint16_t>(0, 6)));
        break;
      case Which::TEXT: {
        const std::string text = random_bytes(true);
        list.set(i, ::capnp::Text::Reader(text.c_str(), text.size()));
        break;
      }
      case Which::DATA: {
        const std::string data = random_bytes(false);
        list.set(i,
                 ::capnp::Data::Reader(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
        break;
      }
      case Which::STRUCT:
        if (depth > 0) fill_random(list[i].as<DynamicStruct>(), depth - 1);
        break;
      case Which::LIST: {
        const uint32_t size = random_length(3);
        fill_list(list.init(i, size).as<DynamicList>(), element.asList().getElementType(), depth);
        break;
      }
      default: break;
    }
  }
}

}  // namespace

std::optional<std::string> read_libcapnp(const std::vector<uint64_t>& words,
                                         ::capnp::StructSchema schema,
                                         uint64_t traversal_limit_words, uint32_t nesting_limit) {
  try {
    ::capnp::ReaderOptions options;
    options.traversalLimitInWords = traversal_limit_words;
    options.nestingLimit = static_cast<int>(nesting_limit);
    ::capnp::FlatArrayMessageReader reader(
        kj::arrayPtr(reinterpret_cast<const ::capnp::word*>(words.data()), words.size()), options);
    return dump_libcapnp(reader.getRoot<DynamicStruct>(schema));
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

CapnpResult<std::string> read_ours(ByteView bytes, StructSchema schema,
                                   uint64_t traversal_limit_words, uint32_t nesting_limit,
                                   TrailingBytes trailing) {
  MessageReader reader(ReaderOptions{traversal_limit_words, nesting_limit, trailing});
  TRY(reader.parse(bytes));
  const StructReader root = TRY(reader.root());
  return dump_ours(root, schema);
}

std::string dump_libcapnp(DynamicStruct::Reader reader) {
  std::string out;
  dump_struct_libcapnp(out, reader);
  return out;
}

namespace {

// The segments of a message as its table declares them, clipped to the bytes present:
// (first byte, declared words) per segment. Written independently of lib/capnp's parser so the
// stricter-rule checks below do not inherit its bugs. Empty if the table itself is incomplete.
struct SegmentSpan {
  uint64_t start;
  uint64_t words;
};
std::vector<SegmentSpan> declared_segments(ByteView bytes, uint64_t& declared_end) {
  std::vector<SegmentSpan> segments;
  declared_end = 0;
  const Result<uint32_t> count_minus_one = load_le<uint32_t>(bytes, 0);
  if (!count_minus_one.has_value()) return segments;
  const uint64_t count = uint64_t{*count_minus_one} + 1;
  uint64_t position = (4 + 4 * count + 7) / 8 * 8;
  for (uint64_t i = 0; i < count; ++i) {
    const Result<uint32_t> size = load_le<uint32_t>(bytes, 4 + 4 * i);
    if (!size.has_value()) return {};
    segments.push_back(SegmentSpan{position, *size});
    position += uint64_t{*size} * 8;
  }
  declared_end = position;
  return segments;
}

// A struct or list pointer (or a double far's tag) to an object of no words: a struct with no
// sections, an empty or Void list (an inline-composite list always has its tag word).
bool empty_object(uint64_t word) {
  const uint32_t kind = word & 3U;
  if (kind == 0) return (word >> 32) == 0;
  if (kind != 1) return false;
  const uint64_t size = (word >> 32) & 7U;
  return size != 7U && (size == 0 || (word >> 35) == 0);
}

// A pointer word to an object of no words whose offset lies outside its segment: libcapnp
// clamps it, lib/capnp rejects it.
bool wild_empty_object(uint64_t word, uint64_t index, uint64_t segment_words) {
  if (word == 0 || (word & 3U) > 1 || !empty_object(word)) return false;
  // The 30-bit signed word offset, relative to the word after the pointer.
  const auto offset = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(word)) >> 2);
  const int64_t target = static_cast<int64_t>(index) + 1 + offset;
  return target < 0 || target > static_cast<int64_t>(segment_words);
}

// A double-far pointer whose landing pad names an empty object (its tag) at a position past the
// end of the pad's target segment: the same clamp by libcapnp, reached through a double far.
bool double_far_to_wild_empty_object(uint64_t word, const std::vector<SegmentSpan>& segments,
                                     ByteView bytes) {
  if ((word & 7U) != 6U) return false;
  const uint64_t segment = word >> 32;
  const uint64_t pad = (word >> 3) & 0x1FFFFFFFU;
  if (segment >= segments.size() || pad + 1 >= segments[segment].words) return false;
  const Result<uint64_t> landing = load_le<uint64_t>(bytes, segments[segment].start + pad * 8);
  const Result<uint64_t> tag = load_le<uint64_t>(bytes, segments[segment].start + pad * 8 + 8);
  if (!landing.has_value() || !tag.has_value() || (*landing & 7U) != 2U) return false;
  const uint64_t object_segment = *landing >> 32;
  const uint64_t position = (*landing >> 3) & 0x1FFFFFFFU;
  return object_segment < segments.size() && position > segments[object_segment].words &&
         empty_object(*tag);
}

// A double-far pointer whose landing pad's first word is itself a double far (libcapnp 0.9.2
// checks only that it is far).
bool double_far_to_double_far(uint64_t word, const std::vector<SegmentSpan>& segments,
                              ByteView bytes) {
  if ((word & 7U) != 6U) return false;
  const uint64_t segment = word >> 32;
  const uint64_t pad = (word >> 3) & 0x1FFFFFFFU;
  if (segment >= segments.size() || pad >= segments[segment].words) return false;
  const Result<uint64_t> first = load_le<uint64_t>(bytes, segments[segment].start + pad * 8);
  return first.has_value() && (*first & 7U) == 6U;
}

// True if any word of any segment present in `bytes`, read as a pointer, satisfies `test`.
template <typename Test>
bool any_pointer_word(ByteView bytes, const std::vector<SegmentSpan>& segments, Test test) {
  for (const SegmentSpan& segment : segments) {
    for (uint64_t i = 0; i < segment.words; ++i) {
      const Result<uint64_t> word = load_le<uint64_t>(bytes, segment.start + i * 8);
      if (!word.has_value()) return false;
      if (test(*word, i, segment.words)) return true;
    }
  }
  return false;
}

}  // namespace

const char* stricter_rule(CapnpError error, ByteView bytes, bool padded) {
  uint64_t declared_end = 0;
  const std::vector<SegmentSpan> segments = declared_segments(bytes, declared_end);
  switch (error) {
    case CapnpError::TooManySegments:
      // The table's first word says more than MAX_SEGMENTS segments.
      return segments.size() > MAX_SEGMENTS ? "more segments than MAX_SEGMENTS" : nullptr;
    case CapnpError::PointerOutOfBounds:
      // Only if the message holds an empty object at a wild offset (the words are scanned, not
      // walked: conservative, but a PointerOutOfBounds on a message without one fails).
      return any_pointer_word(bytes, segments,
                              [&](uint64_t word, uint64_t index, uint64_t words) {
                                return wild_empty_object(word, index, words) ||
                                       double_far_to_wild_empty_object(word, segments, bytes);
                              })
                 ? "an empty object's offset outside its segment"
                 : nullptr;
    case CapnpError::BadLandingPad:
      return any_pointer_word(bytes, segments,
                              [&](uint64_t word, uint64_t, uint64_t) {
                                return double_far_to_double_far(word, segments, bytes);
                              })
                 ? "a double-far landing pad that is itself double far"
                 : nullptr;
    case CapnpError::SegmentOutOfBounds:
      // The declared segments end inside the zero padding the harness gave libcapnp.
      return padded && declared_end > bytes.size() && declared_end <= (bytes.size() + 7) / 8 * 8
                 ? "a segment ending in the harness's word padding"
                 : nullptr;
    default: return nullptr;
  }
}

CapnpResult<std::string> dump_ours(const StructReader& reader, StructSchema schema) {
  std::string out;
  TRY(dump_struct_ours(out, reader, schema));
  return out;
}

CapnpResult<void> copy_to_ours(DynamicStruct::Reader from, const StructBuilder& to) {
  return copy_struct(from, to);
}

StructSize struct_size_of(StructSchema schema) {
  const auto node = schema.getProto().getStruct();
  return StructSize{node.getDataWordCount(), node.getPointerCount()};
}

void fill_random(DynamicStruct::Builder builder, int depth) {
  const StructSchema schema = builder.getSchema();
  for (StructSchema::Field field : schema.getNonUnionFields()) {
    if (*rc::gen::inRange(0, 3) == 0) continue;  // leave a third of the fields at default
    fill_field(builder, field, depth);
  }
  const auto unions = schema.getUnionFields();
  if (unions.size() > 0) {
    fill_field(builder, unions[*rc::gen::inRange<uint32_t>(0, unions.size())], depth);
  }
}

}  // namespace capos::capnp::test
