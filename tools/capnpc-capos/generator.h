// tools/capnpc-capos/generator.h — CodeGeneratorRequest in, generated files out.
//
// For each requested schema file `dir/stem.capnp` the generator produces `stem.capnp.h` and
// `stem.capnp.cpp` (freestanding C++ on lib/capnp; see lib/gen/README.md). The output depends
// only on the request: no time, host or absolute path enters it, so regenerating is
// byte-for-byte reproducible (the drift check relies on it). Anything unsupported throws a
// GeneratorError naming the schema element; nothing is written then.
#pragma once

#include <capnp/schema.capnp.h>

#include <string>
#include <vector>

namespace capos::capnpc {

struct OutputFile {
  std::string name;  // a plain file name (no directory part)
  std::string content;
};

std::vector<OutputFile> generate(capnp::schema::CodeGeneratorRequest::Reader request);

}  // namespace capos::capnpc
