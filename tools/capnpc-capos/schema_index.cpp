#include "tools/capnpc-capos/schema_index.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/capnpc-capos/names.h"

namespace capos::capnpc {

namespace {

// Names the generated code or lib/gen/support.h already use in scopes a schema type could
// shadow (a nested `Reader` would hide the generated reader class).
constexpr std::array<std::string_view, 27> RESERVED_TYPE_NAMES = {
    "Reader",         "Builder",          "Client",        "Which",           "Method",
    "PrimitiveList",  "VoidList",         "TextList",      "DataList",        "BlobList",
    "BlobKind",       "StructList",       "ListList",      "CapnpResult",     "CapnpError",
    "ByteView",       "MutableByteView",  "Result",        "Error",           "CapSqe",
    "CallBuffers",    "DispatchResult",   "DispatchError", "DispatchOptions", "DispatchStage",
    "InPlaceMessage", "PrimitiveElement",
};
constexpr std::array<std::string_view, 5> RESERVED_CONSTANT_NAMES = {
    "TYPE_ID", "STRUCT_SIZE", "INTERFACE_ID", "METHOD_COUNT", "FILE_ID",
};

bool has_name(const auto& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string join(const std::vector<std::string>& path, std::string_view separator) {
  std::string out;
  for (const auto& part : path) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string type_name(const SchemaIndex& index, uint64_t user, std::string_view name) {
  if (!is_plain_identifier(name) || std::isupper(static_cast<unsigned char>(name[0])) == 0) {
    index.fail(user, "type name \"" + std::string(name) +
                         "\" must be ASCII letters and digits starting with an uppercase letter");
  }
  return std::string(name);
}

}  // namespace

std::vector<std::string> doc_lines(capnp::Text::Reader text) {
  std::vector<std::string> lines;
  std::string_view rest(text.cStr(), text.size());
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    lines.push_back(comment_line(rest.substr(0, end)));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

SchemaIndex::SchemaIndex(const capnp::SchemaLoader& loader,
                         capnp::schema::CodeGeneratorRequest::Reader request, uint64_t file_id)
    : m_loader(loader) {
  for (const auto info : request.getSourceInfo()) m_source_info.emplace(info.getId(), info);
  const capnp::Schema file = load(file_id, file_id);
  for (const auto nested : file.getProto().getNestedNodes()) {
    const capnp::Schema child = load(nested.getId(), file_id);
    const std::string name = nested.getName();
    switch (child.getProto().which()) {
      case capnp::schema::Node::STRUCT:
        visit(nested.getId(), 0, {type_name(*this, nested.getId(), name)}, NodeKind::Struct, name);
        break;
      case capnp::schema::Node::ENUM:
        visit(nested.getId(), 0, {type_name(*this, nested.getId(), name)}, NodeKind::Enum, name);
        break;
      case capnp::schema::Node::INTERFACE:
        visit(nested.getId(), 0, {type_name(*this, nested.getId(), name)}, NodeKind::Interface,
              name);
        break;
      case capnp::schema::Node::CONST:
        visit(nested.getId(), 0, {upper_snake_case(name)}, NodeKind::Const, name);
        break;
      case capnp::schema::Node::ANNOTATION: break;  // no code: annotations steer generators
      case capnp::schema::Node::FILE: fail(nested.getId(), "a file node nested in a file");
    }
  }
}

capnp::Schema SchemaIndex::load(uint64_t id, uint64_t user) const {
  KJ_IF_MAYBE (schema, m_loader.tryGet(id)) {
    return *schema;
  }
  fail(user, "refers to a node the compiler did not send");
}

const NodeInfo& SchemaIndex::node(uint64_t id) const {
  const auto found = m_nodes.find(id);
  if (found == m_nodes.end()) {
    throw ForeignNodeError(
        "uses a type from another schema file (imports are not supported: "
        "capOS keeps every kernel-visible type in one schema)");
  }
  return found->second;
}

void SchemaIndex::fail(uint64_t id, std::string_view message) const {
  std::string where;
  const auto found = m_nodes.find(id);
  if (found != m_nodes.end()) {
    where = found->second.schema_name + ": ";
  } else {
    KJ_IF_MAYBE (schema, m_loader.tryGet(id)) {
      where = std::string(schema->getShortDisplayName().cStr()) + ": ";
    }
  }
  throw GeneratorError(where + std::string(message));
}

void SchemaIndex::add_child(uint64_t scope, uint64_t child, const std::string& name) {
  std::vector<std::string>& names = scope == 0 ? m_top_level_names : m_nodes.at(scope).child_names;
  if (has_name(RESERVED_TYPE_NAMES, name) || has_name(RESERVED_CONSTANT_NAMES, name)) {
    fail(child, "the C++ name \"" + name + "\" is reserved by the generated code");
  }
  if (has_name(names, name)) {
    fail(child, "the C++ name \"" + name + "\" is used twice in one scope");
  }
  names.push_back(name);
  if (scope != 0) m_nodes.at(scope).children.push_back(child);
}

// NOLINTNEXTLINE(misc-no-recursion): depth is the declaration nesting written in the schema
void SchemaIndex::visit(uint64_t id, uint64_t scope, std::vector<std::string> path, NodeKind kind,
                        std::string schema_name) {
  const capnp::Schema schema = load(id, id);
  const auto proto = schema.getProto();
  if (m_nodes.count(id) != 0) fail(id, "appears twice in the node tree");
  NodeInfo info;
  info.id = id;
  info.kind = kind;
  info.schema = schema;
  info.scope = scope;
  info.path = std::move(path);
  info.schema_name = std::move(schema_name);
  const std::string own_name = info.path.back();
  const std::vector<std::string> own_path = info.path;
  const std::string own_schema_name = info.schema_name;
  m_nodes.emplace(id, std::move(info));
  add_child(scope, id, own_name);
  m_preorder.push_back(id);
  if (scope == 0) m_top_level.push_back(id);
  if (proto.getIsGeneric()) fail(id, "generic types are not supported");

  auto nested_path = [&](const std::string& name) {
    std::vector<std::string> child = own_path;
    child.push_back(name);
    return child;
  };
  for (const auto nested : proto.getNestedNodes()) {
    const capnp::Schema child = load(nested.getId(), id);
    const std::string name = nested.getName();
    const std::string child_schema_name = concat({own_schema_name, ".", name});
    switch (child.getProto().which()) {
      case capnp::schema::Node::STRUCT:
        visit(nested.getId(), id, nested_path(type_name(*this, nested.getId(), name)),
              NodeKind::Struct, child_schema_name);
        break;
      case capnp::schema::Node::ENUM:
        visit(nested.getId(), id, nested_path(type_name(*this, nested.getId(), name)),
              NodeKind::Enum, child_schema_name);
        break;
      case capnp::schema::Node::INTERFACE:
        visit(nested.getId(), id, nested_path(type_name(*this, nested.getId(), name)),
              NodeKind::Interface, child_schema_name);
        break;
      case capnp::schema::Node::CONST:
        visit(nested.getId(), id, nested_path(upper_snake_case(name)), NodeKind::Const,
              child_schema_name);
        break;
      case capnp::schema::Node::ANNOTATION: break;
      case capnp::schema::Node::FILE: fail(nested.getId(), "a file node nested in a declaration");
    }
  }

  if (kind == NodeKind::Struct || kind == NodeKind::Group) {
    for (const auto field : schema.asStruct().getFields()) {
      const std::string name = field.getProto().getName();
      if (!is_plain_identifier(name)) fail(id, "field name \"" + name + "\" is not supported");
      if (field.getProto().isGroup()) {
        visit(field.getProto().getGroup().getTypeId(), id, nested_path(pascal_case(name)),
              NodeKind::Group, concat({own_schema_name, ".", name}));
      }
    }
  }
  if (kind == NodeKind::Interface) {
    const auto interface = schema.asInterface();
    if (interface.getProto().getInterface().getSuperclasses().size() != 0) {
      fail(id,
           "interface inheritance is not supported (a narrower authority is a separate "
           "interface, SPEC §3)");
    }
    for (const auto method : interface.getMethods()) {
      const auto method_proto = method.getProto();
      const std::string name = method_proto.getName();
      if (!is_plain_identifier(name)) fail(id, "method name \"" + name + "\" is not supported");
      if (method_proto.getImplicitParameters().size() != 0) {
        fail(id, "generic method \"" + name + "\" is not supported");
      }
      if (method_proto.getParamBrand().getScopes().size() != 0 ||
          method_proto.getResultBrand().getScopes().size() != 0) {
        fail(id, "method \"" + name + "\" uses a generic parameter or result type");
      }
      const uint64_t params = method_proto.getParamStructType();
      const uint64_t results = method_proto.getResultStructType();
      if (load(params, id).getProto().getScopeId() == 0) {
        visit(params, id, nested_path(pascal_case(name) + "Params"), NodeKind::Struct,
              concat({own_schema_name, ".", name, "$Params"}));
      }
      if (load(results, id).getProto().getScopeId() == 0) {
        visit(results, id, nested_path(pascal_case(name) + "Results"), NodeKind::Struct,
              concat({own_schema_name, ".", name, "$Results"}));
      }
    }
  }
}

std::string SchemaIndex::ref(uint64_t target, uint64_t from_scope) const {
  const auto& path = node(target).path;
  for (uint64_t scope = from_scope; scope != 0; scope = node(scope).scope) {
    if (has_name(node(scope).child_names, path.front())) return "::capos::gen::" + join(path, "::");
  }
  return join(path, "::");
}

std::string SchemaIndex::qualified(uint64_t id) const { return join(node(id).path, "::"); }

std::string SchemaIndex::flat_upper(uint64_t id) const {
  std::vector<std::string> parts;
  for (const auto& part : node(id).path) parts.push_back(upper_snake_case(part));
  return join(parts, "_");
}

std::vector<std::string> SchemaIndex::doc(uint64_t id) const {
  const auto found = m_source_info.find(id);
  if (found == m_source_info.end()) return {};
  return doc_lines(found->second.getDocComment());
}

std::vector<std::string> SchemaIndex::member_doc(uint64_t id, uint32_t index) const {
  const auto found = m_source_info.find(id);
  if (found == m_source_info.end()) return {};
  const auto members = found->second.getMembers();
  if (index >= members.size()) return {};
  return doc_lines(members[index].getDocComment());
}

}  // namespace capos::capnpc
