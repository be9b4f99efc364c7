// capnpc-capos — Cap'n Proto compiler plugin that turns a capOS schema into freestanding C++
// (lib/gen/). Run by `capnp compile -o<path/to/capnpc-capos>:<outdir> schema/capos.capnp` from
// the repository root; capnp starts it in <outdir> with the CodeGeneratorRequest on stdin.
// tools/capnpc-capos/README.md explains the pipeline and the drift check.
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include "tools/capnpc-capos/generator.h"
#include "tools/capnpc-capos/schema_index.h"

namespace {

// Writes `file` in the current directory (capnp's output directory) through a temporary name
// and a rename, so a failed run never leaves a half-written file behind.
bool write_file(const capos::capnpc::OutputFile& file) {
  const std::string temporary = file.name + ".tmp";
  {
    std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
    stream << file.content;
    stream.close();
    if (!stream) {
      std::cerr << "capnpc-capos: cannot write " << temporary << "\n";
      static_cast<void>(std::remove(temporary.c_str()));
      return false;
    }
  }
  if (std::rename(temporary.c_str(), file.name.c_str()) != 0) {
    std::cerr << "capnpc-capos: cannot rename " << temporary << " to " << file.name << "\n";
    static_cast<void>(std::remove(temporary.c_str()));
    return false;
  }
  return true;
}

}  // namespace

int main() {
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = uint64_t{1} << 30;  // a request for a big schema is large
    capnp::StreamFdMessageReader message(STDIN_FILENO, options);
    const auto files =
        capos::capnpc::generate(message.getRoot<capnp::schema::CodeGeneratorRequest>());
    for (const auto& file : files) {
      if (!write_file(file)) return 1;
    }
    return 0;
  } catch (const capos::capnpc::GeneratorError& error) {
    std::cerr << "capnpc-capos: " << error.what() << "\n";
  } catch (const kj::Exception& error) {
    std::cerr << "capnpc-capos: malformed code generator request: " << error.getDescription().cStr()
              << "\n";
  } catch (const std::exception& error) {
    std::cerr << "capnpc-capos: " << error.what() << "\n";
  }
  return 1;
}
