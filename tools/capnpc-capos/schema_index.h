// tools/capnpc-capos/schema_index.h — the nodes of one requested schema file, named for C++.
//
// Walks the file's node tree (nested declarations, group fields, the implicit parameter and
// result structs of methods) once, in a fixed order, and gives every node its C++ path below
// namespace capos::gen. Everything the generator does not support is rejected here or in the
// emitters with a GeneratorError naming the schema element (fail closed: no partial output).
#pragma once

#include <capnp/schema-loader.h>
#include <capnp/schema.capnp.h>
#include <capnp/schema.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace capos::capnpc {

class GeneratorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A reference to a node outside the requested file; the emitter adds which declaration made it.
class ForeignNodeError : public GeneratorError {
 public:
  using GeneratorError::GeneratorError;
};

enum class NodeKind : uint8_t { Struct, Group, Enum, Interface, Const };

struct NodeInfo {
  uint64_t id = 0;
  NodeKind kind = NodeKind::Struct;
  capnp::Schema schema;
  uint64_t scope = 0;              // enclosing node; 0 = namespace scope
  std::vector<std::string> path;   // C++ path below capos::gen
  std::string schema_name;         // "Console.write$Params", for diagnostics
  std::vector<uint64_t> children;  // nested nodes in emission order
  std::vector<std::string> child_names;
};

class SchemaIndex {
 public:
  SchemaIndex(const capnp::SchemaLoader& loader,
              capnp::schema::CodeGeneratorRequest::Reader request, uint64_t file_id);

  // Every node of the file except the file itself, parents before children.
  [[nodiscard]] const std::vector<uint64_t>& preorder() const { return m_preorder; }
  [[nodiscard]] const std::vector<uint64_t>& top_level() const { return m_top_level; }
  [[nodiscard]] bool contains(uint64_t id) const { return m_nodes.count(id) != 0; }
  [[nodiscard]] const NodeInfo& node(uint64_t id) const;

  // The C++ name of `target` as written inside the class scope `from_scope` (0: namespace scope):
  // relative to capos::gen, or fully qualified when a nested name would shadow it.
  [[nodiscard]] std::string ref(uint64_t target, uint64_t from_scope) const;
  // Path joined with "::" (relative to capos::gen).
  [[nodiscard]] std::string qualified(uint64_t id) const;
  // The path as one UPPER_SNAKE word (AllTypes::Group -> ALL_TYPES_GROUP), for detail names.
  [[nodiscard]] std::string flat_upper(uint64_t id) const;

  // Sanitized doc comment lines of a node, or of member `index` (field, enumerant, method).
  [[nodiscard]] std::vector<std::string> doc(uint64_t id) const;
  [[nodiscard]] std::vector<std::string> member_doc(uint64_t id, uint32_t index) const;

  [[noreturn]] void fail(uint64_t id, std::string_view message) const;
  [[nodiscard]] capnp::Schema load(uint64_t id, uint64_t user) const;

 private:
  void visit(uint64_t id, uint64_t scope, std::vector<std::string> path, NodeKind kind,
             std::string schema_name);
  void add_child(uint64_t scope, uint64_t child, const std::string& name);

  const capnp::SchemaLoader& m_loader;
  std::map<uint64_t, NodeInfo> m_nodes;
  std::vector<uint64_t> m_preorder;
  std::vector<uint64_t> m_top_level;
  std::vector<std::string> m_top_level_names;
  std::map<uint64_t, capnp::schema::Node::SourceInfo::Reader> m_source_info;
};

std::vector<std::string> doc_lines(capnp::Text::Reader text);

}  // namespace capos::capnpc
