// lib/manifest/validate.h — the manifest's rules: names, bounds and the authority graph.
//
// One validator for every front end: the kernel and init run it on what lib/manifest's
// decoder produced, mkmanifest on what it built from JSON, so both report the same rule with
// the same path. The rules and their order are listed in lib/manifest/README.md; the first
// broken rule in that order is reported, so a given manifest always yields one diagnostic.
#pragma once

#include "lib/core/result.h"
#include "lib/manifest/diagnostic.h"
#include "lib/manifest/model.h"

namespace capos::manifest {

// Accepts a manifest whose every name is valid and unique in its scope, whose init and
// services name existing binaries, and whose every cap source resolves: kernel caps by kind,
// imports to an export of another service, exports to an endpoint cap of their own service,
// with stated interface ids equal to the granted interface. Changes nothing.
[[nodiscard]] Result<void, ManifestDiagnostic> validate(const Manifest& manifest);

// The name rule alone: 1..MAX_NAME_BYTES bytes of [a-z0-9_-], starting with a-z. `path` is
// where the name was read, for the diagnostic.
[[nodiscard]] Result<void, ManifestDiagnostic> check_name(Text name, const DiagnosticPath& path);

// Lookups by name over a manifest (first match, nullptr if none). After validate() succeeds,
// names are unique, so the first match is the only one.
[[nodiscard]] const Binary* find_binary(const Manifest& manifest, Text name);
[[nodiscard]] const Service* find_service(const Manifest& manifest, Text name);
[[nodiscard]] const CapGrant* find_cap(const Service& service, Text name);
[[nodiscard]] const Export* find_export(const Service& service, Text name);

}  // namespace capos::manifest
