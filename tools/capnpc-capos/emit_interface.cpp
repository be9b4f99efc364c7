// Interface shells (ids, method ids), typed clients, server concepts and dispatchers.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/capnpc-capos/emit.h"
#include "tools/capnpc-capos/field_model.h"
#include "tools/capnpc-capos/names.h"

namespace capos::capnpc {

namespace {

struct MethodModel {
  uint16_t id = 0;
  std::string schema_name;
  std::string enumerant;  // Method::X
  std::string handler;    // snake_case, keyword-escaped
  uint64_t params = 0;
  uint64_t results = 0;
};

std::vector<MethodModel> method_models(const SchemaIndex& index, uint64_t id) {
  std::vector<MethodModel> methods;
  std::vector<std::string> names = {"cap_id"};
  for (const auto method : index.node(id).schema.asInterface().getMethods()) {
    MethodModel model;
    model.id = static_cast<uint16_t>(method.getIndex());
    model.schema_name = method.getProto().getName();
    model.enumerant = pascal_case(model.schema_name);
    model.handler = escape_keyword(snake_case(model.schema_name));
    model.params = method.getProto().getParamStructType();
    model.results = method.getProto().getResultStructType();
    if (std::find(names.begin(), names.end(), model.handler) != names.end()) {
      index.fail(id, "method \"" + model.schema_name + "\" maps to a C++ name already in use");
    }
    names.push_back(model.handler);
    methods.push_back(model);
  }
  return methods;
}

// Params a client can take as plain arguments: no union, only scalars, enums, Text and Data.
bool is_flat(const SchemaIndex& index, const std::vector<FieldModel>& fields, uint64_t params) {
  if (index.node(params).schema.getProto().getStruct().getDiscriminantCount() != 0) return false;
  return std::all_of(fields.begin(), fields.end(), [](const FieldModel& field) {
    switch (field.kind) {
      case FieldKind::Void:
      case FieldKind::Bool:
      case FieldKind::Int:
      case FieldKind::Enum:
      case FieldKind::Text:
      case FieldKind::Data: return true;
      default: return false;
    }
  });
}

std::string argument_name(const FieldModel& field) {
  std::string name = escape_keyword(field.snake);
  if (name == "buffers" || name == "user_data" || name == "built") name += "_arg";
  return name;
}

std::string client_methods(const SchemaIndex& index, uint64_t id, const MethodModel& method) {
  std::string out;
  std::string unused_defaults;
  const std::string params = index.ref(method.params, id);
  const std::vector<FieldModel> fields = field_models(index, method.params, unused_defaults);
  const std::string call = "return prepare_call<" + params +
                           ">(m_cap_id, static_cast<uint16_t>(Method::" + method.enumerant +
                           "), buffers, user_data, fill);\n";
  append_comment(out, index.member_doc(id, method.id));
  const bool has_fields = std::any_of(fields.begin(), fields.end(), [](const FieldModel& field) {
    return field.kind != FieldKind::Void;
  });
  if (has_fields) {
    out += "// `fill(" + params + "::Builder) -> CapnpResult<void>` sets the params.\n";
    out += "template <typename Fill>\nrequires std::invocable<Fill&, " + params + "::Builder>\n";
    out += "[[nodiscard]] CapnpResult<CapSqe> " + method.handler +
           "(const CallBuffers& buffers, uint64_t user_data, Fill fill) const {\n" + call + "}\n";
  }
  if (!is_flat(index, fields, method.params)) return out;
  std::string arguments;
  std::string statements;
  for (const FieldModel& field : fields) {
    const std::string name = argument_name(field);
    switch (field.kind) {
      case FieldKind::Void: continue;
      case FieldKind::Text:
      case FieldKind::Data:
        arguments += ", ByteView " + name;
        statements += "TRY(built.set_" + field.snake + "(" + name + "));\n";
        break;
      default:
        arguments += ", " + field.value_type + " " + name;
        statements += "built.set_" + field.snake + "(" + name + ");\n";
        break;
    }
  }
  const std::string lambda_parameter = has_fields ? "const " + params + "::Builder& built"
                                                  : "const " + params + "::Builder& /*built*/";
  out += "[[nodiscard]] CapnpResult<CapSqe> " + method.handler +
         "(const CallBuffers& buffers, uint64_t user_data" + arguments + ") const {\n";
  out += "auto fill = [&](" + lambda_parameter + ") -> CapnpResult<void> {\n" + statements +
         "return {};\n};\n" + call + "}\n";
  return out;
}

std::string concept_name(const SchemaIndex& index, uint64_t id) {
  std::string name;
  for (const auto& part : index.node(id).path) name += part;
  name += "Server";
  for (const uint64_t top : index.top_level()) {
    if (index.node(top).path.back() == name) {
      index.fail(id, "the server concept name \"" + name + "\" collides with a schema type");
    }
  }
  return name;
}

}  // namespace

void emit_interface(const SchemaIndex& index, uint64_t id, Output& out) {
  const NodeInfo& info = index.node(id);
  const std::string qualified = index.qualified(id);
  const std::vector<MethodModel> methods = method_models(index, id);
  for (const MethodModel& method : methods) {
    // Named (non-implicit) param or result structs must be in this file too.
    (void)index.node(method.params);
    (void)index.node(method.results);
  }

  // Shell.
  append_comment(out.shells, index.doc(id));
  out.shells += "struct " + qualified + " {\n";
  out.shells += "static constexpr uint64_t INTERFACE_ID = " + hex_id(id) + ";\n";
  out.shells += "static constexpr uint64_t TYPE_ID = INTERFACE_ID;\n";
  out.shells += "// SQE method_id of each method: its ordinal in the schema.\n";
  out.shells += "// NOLINTNEXTLINE(performance-enum-size): method_id is a u16 on the wire\n";
  out.shells += "enum class Method : uint16_t {\n";
  std::vector<std::string> enumerants;
  for (const MethodModel& method : methods) {
    if (std::find(enumerants.begin(), enumerants.end(), method.enumerant) != enumerants.end()) {
      index.fail(id, "two methods map to Method::" + method.enumerant);
    }
    enumerants.push_back(method.enumerant);
    out.shells += method.enumerant + " = " + std::to_string(method.id) + ",\n";
  }
  out.shells += "};\n";
  out.shells +=
      "static constexpr uint16_t METHOD_COUNT = " + std::to_string(methods.size()) + ";\n";
  out.shells += shell_members(index, id);
  out.shells += "class Client;\n";
  out.shells +=
      "// Runs the handler of `method_id` on `server` (see the server concept below): decodes and\n"
      "// validates `params`, builds the results in place in `result` and returns their length.\n"
      "// Unknown method id: BadMethod; malformed params: the CapnpError, stage Params.\n"
      "template <typename Server>\n"
      "[[nodiscard]] static DispatchResult<uint32_t> dispatch(Server& server, uint16_t method_id, "
      "ByteView params, MutableByteView result, const DispatchOptions& options = {});\n";
  out.shells += "};\n\n";

  // Client.
  out.clients += "// Client stubs of " + info.schema_name +
                 ": each builds the method's params in place in `buffers.params`\n"
                 "// (no allocation) and returns the CALL SQE to submit; the results arrive in\n"
                 "// `buffers.result` (read them with read_root<...Results>).\n";
  out.clients += "class " + qualified + "::Client {\n public:\n";
  out.clients += "constexpr explicit Client(uint32_t cap_id) : m_cap_id(cap_id) {}\n";
  out.clients += "[[nodiscard]] constexpr uint32_t cap_id() const { return m_cap_id; }\n";
  for (const MethodModel& method : methods) out.clients += client_methods(index, id, method);
  out.clients += "\n private:\nuint32_t m_cap_id;\n};\n\n";

  // Server concept and dispatcher.
  const std::string concept_id = concept_name(index, id);
  out.servers += "// A server of " + info.schema_name +
                 ": one handler per method,\n// `Result<void> name(const Params::Reader&, const "
                 "Results::Builder&)`.\n";
  out.servers += "template <typename Server>\nconcept " + concept_id + " = ";
  if (methods.empty()) {
    out.servers += "true;\n\n";
  } else {
    std::string parameters = "Server& server";
    std::string requirements;
    for (const MethodModel& method : methods) {
      parameters += ", const " + index.ref(method.params, 0) + "::Reader& " + method.handler +
                    "_params, const " + index.ref(method.results, 0) + "::Builder& " +
                    method.handler + "_results";
      requirements += "{ server." + method.handler + "(" + method.handler + "_params, " +
                      method.handler + "_results) } -> std::same_as<Result<void>>;\n";
    }
    out.servers += "requires(" + parameters + ") {\n" + requirements + "};\n\n";
  }
  out.servers += "template <typename Server>\n";
  out.servers += "DispatchResult<uint32_t> " + qualified +
                 "::dispatch([[maybe_unused]] Server& server, [[maybe_unused]] uint16_t method_id, "
                 "[[maybe_unused]] ByteView params, [[maybe_unused]] MutableByteView result, "
                 "[[maybe_unused]] const DispatchOptions& options) {\n";
  out.servers += "static_assert(" + concept_id + "<Server>, \"" + info.schema_name +
                 " server: every method needs a handler `Result<void> name(const "
                 "Params::Reader&, const Results::Builder&)`\");\n";
  if (methods.empty()) {
    out.servers += "return bad_method();\n}\n\n";
    return;
  }
  out.servers += "switch (method_id) {\n";
  for (const MethodModel& method : methods) {
    out.servers += "case static_cast<uint16_t>(Method::" + method.enumerant + "):\n";
    out.servers += "return dispatch_call<" + index.ref(method.params, id) + ", " +
                   index.ref(method.results, id) +
                   ">(params, result, options, [&server](const auto& request, const auto& "
                   "response) { return server." +
                   method.handler + "(request, response); });\n";
  }
  out.servers += "default: return bad_method();\n}\n}\n\n";
}

}  // namespace capos::capnpc
