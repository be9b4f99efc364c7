// tools/capnpc-capos/field_model.h — one struct field as the emitters see it: its kind, its
// place in the data or pointer section (from the schema, never computed here), its default and
// the C++ names of its accessors.
#pragma once

#include <capnp/schema.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tools/capnpc-capos/schema_index.h"

namespace capos::capnpc {

enum class FieldKind : uint8_t { Void, Bool, Int, Enum, Text, Data, Struct, List, Group };

struct FieldModel {
  uint32_t index = 0;      // position in the struct's field list (doc comments)
  std::string name;        // schema name
  std::string snake;       // accessor stem
  std::string which_name;  // the Which enumerant of a union member
  FieldKind kind = FieldKind::Void;
  bool in_union = false;
  uint16_t discriminant = 0;
  uint32_t offset = 0;          // data: byte offset; Bool: bit offset; pointers: pointer index
  std::string value_type;       // C++ value type (scalars, enums)
  std::string raw_suffix;       // lib/capnp accessor suffix: u8..i64, or "u16" for enums
  std::string default_raw;      // default in the raw type; empty when zero
  std::string pointer_default;  // default argument of pointer getters; empty when none
  std::string type_name;        // Struct/Group: the struct; List: the list wrapper (class scope)
  std::string type_name_ns;     // the same, spelled at namespace scope (out-of-line return types)
  uint64_t group_id = 0;
};

// The fields of struct or group `id`, in schema order. Adds the detail default arrays of
// pointer fields to `defaults`. Rejects unsupported field types.
std::vector<FieldModel> field_models(const SchemaIndex& index, uint64_t id, std::string& defaults);

// The list wrapper type (PrimitiveList<uint16_t>, StructList<Binary>, ...) of `type`, a List.
std::string list_type(const SchemaIndex& index, capnp::Type type, uint64_t scope, uint64_t user);

// True iff the struct or group `id` (or a group inside it) has a pointer field.
bool has_pointer_fields(const SchemaIndex& index, uint64_t id);

}  // namespace capos::capnpc
