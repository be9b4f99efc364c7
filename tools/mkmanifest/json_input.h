// tools/mkmanifest/json_input.h — the JSON front end: text → ManifestSource, or an InputError
// naming the JSON path (docs/manifest.md lists the accepted shape).
//
// This layer checks what JSON can get wrong and the model cannot represent: syntax, duplicate
// keys, nesting depth, unknown fields, missing required fields, value types, integer ranges,
// enum spellings, list lengths against the model's capacities, and binary path syntax. The
// graph and name rules are lib/manifest's validate() — one validator for every front end.
#pragma once

#include <cstddef>
#include <string_view>

#include "tools/mkmanifest/manifest_source.h"

namespace capos::mkmanifest {

// Containers nested deeper than this are rejected while parsing (the schema needs 6).
inline constexpr size_t MAX_JSON_DEPTH = 16;
// The longest binary path accepted (bytes, before resolution).
inline constexpr size_t MAX_PATH_BYTES = 4095;

// Throws InputError.
ManifestSource parse_manifest_json(std::string_view json_text);

}  // namespace capos::mkmanifest
