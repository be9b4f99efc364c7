// fuzz/mkmanifest_json.cpp — arbitrary JSON through mkmanifest's whole pipeline, in-process
// (tools/mkmanifest/mkmanifest.h compile_manifest: JSON → source → binaries read under --root →
// model → validate → encode).
//
// The root is a temporary tree made once per process: regular binaries, an empty file, a
// directory, a FIFO, a symlink inside the root, and symlinks escaping it towards a "secret"
// file placed next to the root. Invariants:
//   - only InputError may escape compile_manifest (InternalError or anything else is a bug);
//     its message is printable (input-derived strings are quoted) and never shows the
//     resolved absolute root;
//   - an accepted manifest decodes and validates with the kernel's decoder, satisfies the
//     independent rule check, and every embedded binary is the content of a file inside the
//     root — never the secret; compiling twice gives the same bytes.
// Nothing is written: compile_manifest() has no output file, and the tree is removed at exit.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "fuzz/manifest_invariants.h"
#include "lib/manifest/decode.h"
#include "tools/mkmanifest/files.h"
#include "tools/mkmanifest/input_error.h"
#include "tools/mkmanifest/mkmanifest.h"

namespace capos::fuzz {
namespace {

namespace fs = std::filesystem;

const std::string SECRET = "SECRET-OUTSIDE-THE-ROOT";

struct Tree {
  fs::path base;
  fs::path root;
  std::string real_root;
  std::set<std::string> contents;  // every regular file's bytes inside the root
  std::unique_ptr<mkmanifest::RootDirectory> directory;
};

Tree* g_tree = nullptr;

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void remove_tree() {
  if (g_tree == nullptr) return;
  std::error_code ignored;
  fs::remove_all(g_tree->base, ignored);
}

Tree& tree() {
  if (g_tree != nullptr) return *g_tree;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/capos-fuzz-mkmanifest-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  g_tree = new Tree;
  g_tree->base = pattern;
  g_tree->root = g_tree->base / "root";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"user/init/init.elf", std::string("\x7f"
                                         "ELF-init",
                                         9)},
      {"user/demos/echo_server.elf",
       "\x7f"
       "ELF-echo-server"},
      {"user/demos/echo_client.elf",
       "\x7f"
       "ELF-echo-client"},
      {"net.elf",
       "\x7f"
       "ELF-net"},
      {"app.elf", std::string("\x7f"
                              "ELF-app\x00\xff",
                              10)},
      {"a", "A"},
  };
  for (const auto& [path, bytes] : files) {
    write(g_tree->root / path, bytes);
    g_tree->contents.insert(bytes);
  }
  write(g_tree->root / "empty.elf", "");
  g_tree->contents.insert("");
  fs::create_directories(g_tree->root / "dir");
  write(g_tree->base / "secret.elf", SECRET);
  (void)::mkfifo((g_tree->root / "fifo").c_str(), 0600);
  std::error_code ignored;
  fs::create_symlink("net.elf", g_tree->root / "inside", ignored);
  fs::create_symlink("../secret.elf", g_tree->root / "escape", ignored);
  fs::create_symlink(g_tree->base / "secret.elf", g_tree->root / "absolute", ignored);
  fs::create_symlink("..", g_tree->root / "up", ignored);
  fs::create_symlink("loop", g_tree->root / "loop", ignored);
  g_tree->real_root = fs::canonical(g_tree->root).string();
  g_tree->directory = std::make_unique<mkmanifest::RootDirectory>(
      mkmanifest::RootDirectory::open(g_tree->root.string()));
  (void)std::atexit(remove_tree);
  return *g_tree;
}

bool printable(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

manifest::Manifest g_decoded;

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)capos::fuzz::tree();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capos;
  fuzz::Tree& tree = fuzz::tree();
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  std::vector<uint8_t> bytes;
  try {
    bytes = mkmanifest::compile_manifest(json, *tree.directory);
  } catch (const mkmanifest::InputError& error) {
    const std::string_view message = error.what();
    FUZZ_CHECK(!message.empty());
    if (!fuzz::printable(message)) {
      for (char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        (void)(byte >= 0x20 && byte <= 0x7e ? std::fputc(c, stderr)
                                            : std::fprintf(stderr, "<%02x>", byte));
      }
      (void)std::fputc('\n', stderr);
      fuzz::invariant_failed("InputError message has a non-printable byte", __FILE__, __LINE__);
    }
    if (json.find(tree.real_root) == std::string_view::npos) {
      FUZZ_CHECK(message.find(tree.real_root) == std::string_view::npos);
    }
    return 0;
  } catch (const std::exception& error) {
    (void)std::fprintf(stderr, "exception: %s\n", error.what());
    fuzz::invariant_failed("compile_manifest threw something other than InputError", __FILE__,
                           __LINE__);
  } catch (...) {
    fuzz::invariant_failed("compile_manifest threw a non-std exception", __FILE__, __LINE__);
  }

  const ByteView message(bytes.data(), bytes.size());
  const auto accepted = manifest::decode_and_validate(message, fuzz::g_decoded);
  FUZZ_CHECK(accepted.has_value());
  fuzz::check_accepted_manifest(fuzz::g_decoded);
  for (const auto& binary : fuzz::g_decoded.binaries) {
    const std::string content(reinterpret_cast<const char*>(binary.elf.data()), binary.elf.size());
    FUZZ_CHECK(content.find(fuzz::SECRET) == std::string::npos);
    FUZZ_CHECK(tree.contents.count(content) == 1);
  }
  try {
    FUZZ_CHECK(mkmanifest::compile_manifest(json, *tree.directory) == bytes);
  } catch (...) {
    fuzz::invariant_failed("compile_manifest is not deterministic", __FILE__, __LINE__);
  }
  return 0;
}
