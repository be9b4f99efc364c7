// mkmanifest — compile a capOS manifest (JSON) into a Cap'n Proto SystemManifest that embeds
// the binaries it names. Usage and the JSON shape: docs/manifest.md.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "tools/mkmanifest/mkmanifest.h"

int main(int argc, char** argv) {
  using capos::mkmanifest::EXIT_INTERNAL;
  using capos::mkmanifest::EXIT_USAGE;
  capos::mkmanifest::Options options;
  try {
    CLI::App app(
        "Compile a capOS manifest (JSON) into a Cap'n Proto SystemManifest embedding "
        "the binaries it names.",
        "mkmanifest");
    app.add_option("--root", options.root,
                   "directory that binary paths are relative to; no path may leave it")
        ->required();
    app.add_option("-o,--output", options.output,
                   "manifest file to write (atomically: replaced only on success)")
        ->required();
    app.add_option("input", options.input, "manifest JSON (the output of cue export --out json)")
        ->required();
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::cout << app.help();
      return 0;
    } catch (const CLI::ParseError& error) {
      std::cerr << "mkmanifest: " << error.what() << "\n"
                << "usage: mkmanifest --root DIR --output FILE INPUT.json (see --help)\n";
      return EXIT_USAGE;
    }
  } catch (const std::exception& error) {
    std::cerr << "mkmanifest: internal error: " << error.what() << '\n';
    return EXIT_INTERNAL;
  }
  return capos::mkmanifest::run(options, std::cerr);
}
