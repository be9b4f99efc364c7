// tools/capnpc-capos/emit.h — the parts of the generated files, filled by the emitters in the
// order SchemaIndex::preorder() gives, then concatenated by generator.cpp.
//
// The header is laid out so that every name is complete before any body uses it: enums, then
// struct shells (ids, sizes, nested declarations), then reader/builder/client classes, then
// out-of-line inline accessors, then server concepts and dispatchers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/capnpc-capos/schema_index.h"

namespace capos::capnpc {

struct Output {
  std::string defaults;       // namespace detail: default values of pointer fields
  std::string top_enums;      // top-level enums with is_known()
  std::string shells;         // struct and interface shells
  std::string top_constants;  // top-level schema constants
  std::string is_known;       // is_known() of nested enums and union discriminants
  std::string classes;        // Reader and Builder classes
  std::string clients;        // interface Client classes
  std::string inline_defs;    // out-of-line inline accessors
  std::string servers;        // server concepts and dispatch definitions
  std::string validate;       // .cpp: Reader::validate() definitions
  std::string names;          // .cpp: interface and method name tables
};

void emit_enum(const SchemaIndex& index, uint64_t id, Output& out);
void emit_const(const SchemaIndex& index, uint64_t id, Output& out);
void emit_struct(const SchemaIndex& index, uint64_t id, Output& out);
void emit_interface(const SchemaIndex& index, uint64_t id, Output& out);
// The interface_name()/method_name() tables of the file struct `file_struct`.
void emit_name_tables(const SchemaIndex& index, const std::string& file_struct, Output& out);

// Shared helpers.
void append_comment(std::string& out, const std::vector<std::string>& lines);
std::string unsigned_literal(uint64_t value);
std::string signed_literal(int64_t value);
std::string hex_id(uint64_t id);
// `{0x01, 0x02, ...}` of `bytes`.
std::string byte_array_initializer(const std::vector<uint8_t>& bytes);
// The body of a shell: nested enums and constants in full, nested types declared.
std::string shell_members(const SchemaIndex& index, uint64_t id);

}  // namespace capos::capnpc
