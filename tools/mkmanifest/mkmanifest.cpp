#include "tools/mkmanifest/mkmanifest.h"

#include <exception>
#include <memory>

#include "lib/manifest/diagnostic.h"
#include "lib/manifest/validate.h"
#include "tools/mkmanifest/encode.h"
#include "tools/mkmanifest/input_error.h"
#include "tools/mkmanifest/json_input.h"
#include "tools/mkmanifest/manifest_source.h"

namespace capos::mkmanifest {

namespace {

void load_binaries(ManifestSource& source, const RootDirectory& root) {
  uint64_t total = 0;
  for (size_t i = 0; i < source.binaries.size(); ++i) {
    SourceBinary& binary = source.binaries[i];
    const std::string path = "$.binaries[" + std::to_string(i) + "].path";
    binary.elf = root.read_file(binary.path, path, manifest::MAX_BINARY_BYTES);
    total += binary.elf.size();
    if (total > manifest::MAX_MANIFEST_BYTES) {
      throw InputError(path + ": the binaries so far total " + std::to_string(total) +
                       " bytes; a manifest holds at most " +
                       std::to_string(manifest::MAX_MANIFEST_BYTES));
    }
  }
}

void check_size(const std::vector<uint8_t>& bytes) {
  if (bytes.size() <= manifest::MAX_MANIFEST_BYTES) return;
  manifest::ManifestDiagnostic too_large;
  too_large.code = manifest::DiagnosticCode::MessageTooLarge;
  too_large.number = bytes.size();
  too_large.limit = manifest::MAX_MANIFEST_BYTES;
  throw InputError(render_json_diagnostic(too_large));
}

}  // namespace

std::vector<uint8_t> compile_manifest(std::string_view json_text, const RootDirectory& root) {
  ManifestSource source = parse_manifest_json(json_text);
  load_binaries(source, root);
  const std::unique_ptr<manifest::Manifest> model = to_model(source);
  auto valid = manifest::validate(*model);
  if (!valid) throw InputError(render_json_diagnostic(valid.error()));
  std::vector<uint8_t> bytes = encode_manifest(*model);
  check_size(bytes);
  return bytes;
}

int run(const Options& options, std::ostream& errors) {
  try {
    const RootDirectory root = RootDirectory::open(options.root);
    const std::string json_text = read_input_file(options.input, MAX_INPUT_BYTES);
    const std::vector<uint8_t> bytes = compile_manifest(json_text, root);
    write_atomically(options.output, bytes);
    return EXIT_WRITTEN;
  } catch (const InputError& error) {
    errors << "mkmanifest: " << error.what() << '\n';
    return EXIT_REJECTED;
  } catch (const std::exception& error) {
    errors << "mkmanifest: internal error: " << error.what() << '\n';
    return EXIT_INTERNAL;
  } catch (...) {
    errors << "mkmanifest: internal error: unknown exception\n";
    return EXIT_INTERNAL;
  }
}

}  // namespace capos::mkmanifest
