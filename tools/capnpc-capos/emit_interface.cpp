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

std::string decoded_name(const SchemaIndex& index, uint64_t id) {
  std::string name;
  for (const auto& part : index.node(id).path) name += part;
  name += "Decoded";
  for (const uint64_t top : index.top_level()) {
    if (index.node(top).path.back() == name) {
      index.fail(id, "the decoded-call name \"" + name + "\" collides with a schema type");
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
      "// The server side (the server concept below names the shape): decode() runs the decode\n"
      "// step of `method_id` on `server` for `call` — parses and validates `params`, builds the\n"
      "// results in place in `result`, returns the method's plan (unknown id: BadMethod;\n"
      "// malformed params: InvalidArgument, stage Params); invoke() runs the infallible invoke\n"
      "// step on a decoded call; dispatch() is decode() then invoke() and returns the results'\n"
      "// length.\n"
      "template <typename Server, typename Call>\n"
      "[[nodiscard]] static auto decode(Server& server, Call& call, uint16_t method_id, "
      "ByteView params, MutableByteView result, const DispatchOptions& options = {});\n"
      "template <typename Server, typename Call, typename Decoded>\n"
      "static void invoke(Server& server, Call& call, Decoded decoded);\n"
      "template <typename Server, typename Call>\n"
      "[[nodiscard]] static DispatchResult<uint32_t> dispatch(Server& server, Call& call, "
      "uint16_t method_id, ByteView params, MutableByteView result, const DispatchOptions& "
      "options = {});\n";
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

  // Server concept, the decoded-call type and the three steps.
  const std::string concept_id = concept_name(index, id);
  const std::string decoded_id = decoded_name(index, id);
  out.servers += "// A server of " + info.schema_name +
                 " over invocation type `Call`: per method `m`, a side-effect-free\n"
                 "// `decode_m(Call&, const Params::Reader&, const Results::Builder&) -> "
                 "Result<Plan>` (checks\n// everything, may take RAII reservations and builds the "
                 "results) and an infallible\n// `invoke_m(Call&, Plan&&) -> void` that consumes "
                 "the plan (STYLE.md \"Decode, then invoke\").\n";
  out.servers += "template <typename Server, typename Call>\nconcept " + concept_id + " = ";
  if (methods.empty()) {
    out.servers += "true;\n\n";
  } else {
    std::string parameters = "Server& server, Call& call";
    std::string requirements;
    for (const MethodModel& method : methods) {
      const std::string decode_expression = "server.decode_" + method.handler + "(call, " +
                                            method.handler + "_params, " + method.handler +
                                            "_results)";
      parameters += ", const " + index.ref(method.params, 0) + "::Reader& " + method.handler +
                    "_params, const " + index.ref(method.results, 0) + "::Builder& " +
                    method.handler + "_results";
      requirements += "{ " + decode_expression + " } -> DecodeResult;\n";
      requirements += "{ server.invoke_" + method.handler + "(call, std::declval<PlanOf<decltype(" +
                      decode_expression + ")>&&>()) } -> std::same_as<void>;\n";
    }
    out.servers += "requires(" + parameters + ") {\n" + requirements + "};\n\n";
  }
  const std::string assertion =
      "static_assert(" + concept_id + "<Server, Call>, \"" + info.schema_name +
      " server: every method m needs `Result<Plan> decode_m(Call&, const Params::Reader&, "
      "const Results::Builder&)` and `void invoke_m(Call&, Plan&&)`\");\n";

  // The decoded call: one plan type per method, in method order.
  out.servers += "// A decoded call of " + info.schema_name +
                 " (lib/gen/support.h DecodedCall): the plan of one method.\n";
  out.servers +=
      "template <typename Server, typename Call>\nusing " + decoded_id + " = DecodedCall<";
  for (size_t i = 0; i < methods.size(); ++i) {
    const MethodModel& method = methods[i];
    if (i != 0) out.servers += ", ";
    out.servers += "PlanOf<decltype(std::declval<Server&>().decode_" + method.handler +
                   "(std::declval<Call&>(), std::declval<const " + index.ref(method.params, 0) +
                   "::Reader&>(), std::declval<const " + index.ref(method.results, 0) +
                   "::Builder&>()))>";
  }
  out.servers += ">;\n\n";

  const std::string unused = "[[maybe_unused]] ";
  out.servers += "template <typename Server, typename Call>\n";
  out.servers += "auto " + qualified + "::decode(" + unused + "Server& server, " + unused +
                 "Call& call, " + unused + "uint16_t method_id, " + unused + "ByteView params, " +
                 unused + "MutableByteView result, " + unused +
                 "const DispatchOptions& options) {\n";
  out.servers += assertion;
  out.servers += "using Decoded = " + decoded_id + "<Server, Call>;\n";
  if (!methods.empty()) {
    out.servers += "switch (method_id) {\n";
    for (size_t i = 0; i < methods.size(); ++i) {
      const MethodModel& method = methods[i];
      out.servers += "case static_cast<uint16_t>(Method::" + method.enumerant + "):\n";
      out.servers += "return decode_call<" + std::to_string(i) + ", Decoded, " +
                     index.ref(method.params, id) + ", " + index.ref(method.results, id) +
                     ">(params, result, options, [&server, &call](const auto& request, const auto& "
                     "response) { return server.decode_" +
                     method.handler + "(call, request, response); });\n";
    }
    out.servers += "default: break;\n}\n";
  }
  out.servers += "return DispatchResult<Decoded>(bad_method());\n}\n\n";

  out.servers += "template <typename Server, typename Call, typename Decoded>\n";
  out.servers += "void " + qualified + "::invoke(" + unused + "Server& server, " + unused +
                 "Call& call, " + unused + "Decoded decoded) {\n";
  out.servers += assertion;
  if (!methods.empty()) {
    out.servers += "switch (decoded.index()) {\n";
    for (size_t i = 0; i < methods.size(); ++i) {
      out.servers += "case " + std::to_string(i) + ": server.invoke_" + methods[i].handler +
                     "(call, std::move(decoded.template plan<" + std::to_string(i) +
                     ">())); return;\n";
    }
    out.servers +=
        "default: return;  // unreachable: a DecodedCall holds one of the plans above\n}\n";
  }
  out.servers += "}\n\n";

  out.servers += "template <typename Server, typename Call>\n";
  out.servers += "DispatchResult<uint32_t> " + qualified +
                 "::dispatch(Server& server, Call& call, uint16_t method_id, ByteView params, "
                 "MutableByteView result, const DispatchOptions& options) {\n";
  out.servers +=
      "auto decoded = decode(server, call, method_id, params, result, options);\n"
      "if (!decoded) return decoded.error();\n"
      "const uint32_t length = decoded->payload_length();\n"
      "invoke(server, call, std::move(decoded).take());\n"
      "return length;\n}\n\n";
}

}  // namespace capos::capnpc
