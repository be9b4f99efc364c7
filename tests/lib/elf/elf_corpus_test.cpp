// Real-world corpus: every ELF64 file under /usr/bin goes through both layers (nothing may
// crash; files the loader accepts must satisfy every invariant), and a sample of them is
// compared field by field with binutils' `readelf --program-headers --wide`. Also checks the
// host compiler's static, static-pie and dynamic executables get the expected verdicts.
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "lib/elf/elf_file.h"
#include "lib/elf/elf_image.h"
#include "tests/lib/elf/elf_builder.h"
#include "tests/lib/elf/elf_invariants.h"

extern char** environ;

namespace capos::elf {
namespace {

namespace fs = std::filesystem;
using test::RawPhdr;
using test::satisfies_loader_invariants;

constexpr size_t kReadelfSample = 40;    // spread over the corpus
constexpr size_t kReadelfLoadable = 10;  // plus files the loader accepts, if any
constexpr size_t kMinimumCompared = 20;

// A read-only private mapping of a whole file; empty if it cannot be mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat info{};
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
      void* data =
          ::mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (data != MAP_FAILED) {
        m_data = static_cast<const uint8_t*>(data);
        m_size = static_cast<size_t>(info.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (m_data != nullptr) ::munmap(const_cast<uint8_t*>(m_data), m_size);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  [[nodiscard]] ByteView bytes() const { return {m_data, m_size}; }

 private:
  const uint8_t* m_data = nullptr;
  size_t m_size = 0;
};

bool is_elf64(ByteView bytes) {
  return bytes.size() >= 5 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
         bytes[3] == 'F' && bytes[4] == 2;
}

// Runs argv without a shell, returns its stdout if it exits with status 0. stderr is dropped.
std::optional<std::string> run(std::vector<std::string> argv, char** envp) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  std::string out;
  if (spawned == 0) {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::nullopt;
  }
  return out;
}

struct ReadelfView {
  uint64_t entry = 0;
  uint64_t count = 0;
  uint64_t phoff = 0;
  std::vector<RawPhdr> phdrs;  // flags hold only R/W/X: readelf prints no other bit
};

std::optional<uint64_t> parse_number(const std::string& token, int base) {
  if (token.empty()) return std::nullopt;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(token.c_str(), &end, base);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return value;
}

std::optional<uint32_t> type_from_name(const std::string& name) {
  static const std::map<std::string, uint32_t> kTypes = {{"NULL", PT_NULL},
                                                         {"LOAD", PT_LOAD},
                                                         {"DYNAMIC", PT_DYNAMIC},
                                                         {"INTERP", PT_INTERP},
                                                         {"NOTE", PT_NOTE},
                                                         {"SHLIB", PT_SHLIB},
                                                         {"PHDR", PT_PHDR},
                                                         {"TLS", PT_TLS},
                                                         {"GNU_EH_FRAME", PT_GNU_EH_FRAME},
                                                         {"GNU_STACK", PT_GNU_STACK},
                                                         {"GNU_RELRO", PT_GNU_RELRO},
                                                         {"GNU_PROPERTY", PT_GNU_PROPERTY},
                                                         {"GNU_SFRAME", 0x6474'e554}};
  const auto it = kTypes.find(name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

// Parses `readelf -lW` output; nullopt if any line is not understood (e.g. a type name
// missing from type_from_name), so the file is skipped rather than half-compared.
std::optional<ReadelfView> parse_readelf(const std::string& text) {
  ReadelfView view;
  std::istringstream in(text);
  std::string line;
  bool in_table = false;
  bool saw_table = false;
  while (std::getline(in, line)) {
    unsigned long long count = 0;
    unsigned long long offset = 0;
    if (line.rfind("Entry point ", 0) == 0) {
      const auto entry = parse_number(line.substr(12), 16);
      if (!entry) return std::nullopt;
      view.entry = *entry;
    } else if (std::sscanf(line.c_str(), "There are %llu program headers, starting at offset %llu",
                           &count, &offset) == 2) {
      view.count = count;
      view.phoff = offset;
    } else if (line == "Program Headers:") {
      in_table = saw_table = true;
    } else if (in_table) {
      std::istringstream fields(line);
      std::vector<std::string> tokens;
      for (std::string token; fields >> token;) tokens.push_back(token);
      if (tokens.empty()) break;                                      // end of the table
      if (tokens[0] == "Type" || tokens[0].front() == '[') continue;  // heading, interpreter
      if (tokens.size() < 7) return std::nullopt;
      RawPhdr p{};
      const auto type = type_from_name(tokens[0]);
      const auto numbers = {parse_number(tokens[1], 16), parse_number(tokens[2], 16),
                            parse_number(tokens[3], 16), parse_number(tokens[4], 16),
                            parse_number(tokens[5], 16), parse_number(tokens.back(), 16)};
      for (const auto& number : numbers) {
        if (!number) return std::nullopt;
      }
      if (!type) return std::nullopt;
      p.type = *type;
      auto it = numbers.begin();
      p.offset = **it++;
      p.vaddr = **it++;
      p.paddr = **it++;
      p.filesz = **it++;
      p.memsz = **it++;
      p.align = **it;
      for (size_t i = 6; i + 1 < tokens.size(); ++i) {
        for (const char c : tokens[i]) {
          if (c == 'R')
            p.flags |= PF_R;
          else if (c == 'W')
            p.flags |= PF_W;
          else if (c == 'E')
            p.flags |= PF_X;
          else
            return std::nullopt;
        }
      }
      view.phdrs.push_back(p);
    }
  }
  if (!saw_table) return std::nullopt;
  return view;
}

struct CorpusScan {
  size_t regular_files = 0;
  size_t elf64_files = 0;
  size_t structurally_accepted = 0;
  std::map<std::string, size_t> structural_rejections;
  std::map<std::string, size_t> loader_verdicts;  // "accepted" or the ElfError name
  std::vector<std::string> readable;              // structurally accepted, phnum > 0
  std::vector<std::string> loadable;              // accepted by parse_executable
};

// Walks /usr/bin once, running both layers on every ELF64 regular file.
CorpusScan scan_usr_bin() {
  CorpusScan scan;
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::recursive_directory_iterator
           it("/usr/bin", fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->symlink_status(ec).type() == fs::file_type::regular) paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    ++scan.regular_files;
    const MappedFile file(path);
    const ByteView bytes = file.bytes();
    if (!is_elf64(bytes)) continue;
    ++scan.elf64_files;
    auto parsed = parse_headers(bytes);
    if (!parsed.has_value()) {
      ++scan.structural_rejections[elf_error_name(parsed.error())];
    } else {
      ++scan.structurally_accepted;
      for (size_t i = 0; i < parsed->program_header_count(); ++i) {
        EXPECT_TRUE(parsed->program_header(i).has_value()) << path << " phdr " << i;
      }
      if (parsed->program_header_count() > 0) scan.readable.push_back(path);
    }
    auto image = parse_executable(bytes);
    if (image.has_value()) {
      ++scan.loader_verdicts["accepted"];
      scan.loadable.push_back(path);
      EXPECT_TRUE(satisfies_loader_invariants(bytes, *image)) << path;
    } else {
      ++scan.loader_verdicts[elf_error_name(image.error())];
      if (!parsed.has_value()) EXPECT_EQ(image.error(), parsed.error()) << path;
    }
  }
  return scan;
}

std::string summary(const std::map<std::string, size_t>& counts) {
  std::ostringstream out;
  for (const auto& [name, count] : counts) out << " " << name << "=" << count;
  return out.str();
}

TEST(ElfCorpus, EveryElf64FileInUsrBinParses) {
  const CorpusScan scan = scan_usr_bin();
  std::printf("[corpus] %zu regular files, %zu ELF64, %zu structurally accepted; rejected:%s\n",
              scan.regular_files, scan.elf64_files, scan.structurally_accepted,
              summary(scan.structural_rejections).c_str());
  std::printf("[corpus] loader verdicts:%s\n", summary(scan.loader_verdicts).c_str());
  RecordProperty("elf64_files", static_cast<int>(scan.elf64_files));
  RecordProperty("structurally_accepted", static_cast<int>(scan.structurally_accepted));
  RecordProperty("loader_accepted", static_cast<int>(scan.loadable.size()));
  EXPECT_GT(scan.elf64_files, 0U);
}

// Compares one file with readelf; returns false if readelf's view could not be obtained.
bool compare_with_readelf(const std::string& path) {
  char lc_all[] = "LC_ALL=C";
  char* env[] = {lc_all, nullptr};
  const auto output = run({"readelf", "--program-headers", "--wide", "--", path}, env);
  if (!output) return false;
  const auto theirs = parse_readelf(*output);
  if (!theirs) return false;
  const MappedFile file(path);
  auto ours = parse_headers(file.bytes());
  EXPECT_TRUE(ours.has_value()) << path;
  if (!ours.has_value()) return true;
  EXPECT_EQ(ours->header().entry, theirs->entry) << path;
  EXPECT_EQ(ours->header().program_header_offset, theirs->phoff) << path;
  EXPECT_EQ(ours->program_header_count(), theirs->count) << path;
  EXPECT_EQ(ours->program_header_count(), theirs->phdrs.size()) << path;
  for (size_t i = 0; i < std::min<size_t>(ours->program_header_count(), theirs->phdrs.size());
       ++i) {
    auto phdr = ours->program_header(i);
    EXPECT_TRUE(phdr.has_value());
    if (!phdr.has_value()) continue;
    const RawPhdr& t = theirs->phdrs[i];
    EXPECT_EQ(phdr->type, t.type) << path << " phdr " << i;
    EXPECT_EQ(phdr->file_offset, t.offset) << path << " phdr " << i;
    EXPECT_EQ(phdr->virtual_address, t.vaddr) << path << " phdr " << i;
    EXPECT_EQ(phdr->physical_address, t.paddr) << path << " phdr " << i;
    EXPECT_EQ(phdr->file_size, t.filesz) << path << " phdr " << i;
    EXPECT_EQ(phdr->memory_size, t.memsz) << path << " phdr " << i;
    EXPECT_EQ(phdr->flags & (PF_R | PF_W | PF_X), t.flags) << path << " phdr " << i;
    EXPECT_EQ(phdr->alignment, t.align) << path << " phdr " << i;
  }
  return true;
}

TEST(ElfCorpus, ProgramHeadersAgreeWithReadelf) {
  const CorpusScan scan = scan_usr_bin();
  std::vector<std::string> sample;
  const size_t stride = std::max<size_t>(1, scan.readable.size() / kReadelfSample);
  for (size_t i = 0; i < scan.readable.size() && sample.size() < kReadelfSample; i += stride) {
    sample.push_back(scan.readable[i]);
  }
  for (size_t i = 0; i < scan.loadable.size() && i < kReadelfLoadable; ++i) {
    if (std::find(sample.begin(), sample.end(), scan.loadable[i]) == sample.end()) {
      sample.push_back(scan.loadable[i]);
    }
  }
  size_t compared = 0;
  std::vector<std::string> skipped;
  for (const std::string& path : sample) {
    if (compare_with_readelf(path)) {
      ++compared;
    } else {
      skipped.push_back(path);
    }
  }
  std::printf("[corpus] compared %zu files with readelf (%zu skipped)\n", compared, skipped.size());
  for (const std::string& path : skipped) std::printf("[corpus]   skipped %s\n", path.c_str());
  RecordProperty("readelf_compared", static_cast<int>(compared));
  EXPECT_GE(compared, kMinimumCompared) << "is binutils' readelf installed?";
}

// A program linked with the project's own user.ld but without thread-locals: the linker script's
// PT_TLS line makes ld.lld write an empty PT_TLS (memsz 0, address 0, inside no segment). Refused
// with TlsOutsideLoad before issue 14; it means "no TLS".
TEST(ElfCorpus, UserLinkedProgramWithoutThreadLocals) {
  const MappedFile file(CAPOS_NO_TLS_ELF);
  auto headers = parse_headers(file.bytes());
  ASSERT_TRUE(headers.has_value()) << elf_error_name(headers.error());
  bool empty_tls = false;
  for (size_t i = 0; i < headers->program_header_count(); ++i) {
    auto phdr = headers->program_header(i);
    ASSERT_TRUE(phdr.has_value());
    empty_tls |= phdr->type == PT_TLS && phdr->memory_size == 0;
  }
  ASSERT_TRUE(empty_tls) << "the fixture no longer has the empty PT_TLS this test is about";
  auto image = parse_executable(file.bytes());
  ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
  EXPECT_FALSE(image->tls.has_value());
  EXPECT_TRUE(satisfies_loader_invariants(file.bytes(), *image));
}

// The host C compiler's outputs, when it can produce them: a static executable with TLS is
// accepted; PIE, static-pie and dynamically linked executables are not.
TEST(ElfCorpus, HostCompilerExecutablesGetTheExpectedVerdict) {
  if (!run({"cc", "--version"}, environ)) GTEST_SKIP() << "no host C compiler";
  char pattern[] = "/tmp/capos-elf-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) GTEST_SKIP() << "mkdtemp failed";
  const fs::path dir = pattern;
  std::ofstream(dir / "tls.c") << "__thread int counter = 5;\n__thread char zeroed[64];\n"
                                  "int main(void) { return counter + zeroed[3]; }\n";
  struct Case {
    std::vector<std::string> flags;
    std::optional<ElfError> expected;  // nullopt: accepted, with TLS
  };
  const Case cases[] = {{{"-static", "-no-pie"}, std::nullopt},
                        {{"-static-pie"}, ElfError::NotExecutable},
                        {{"-pie", "-fpie"}, ElfError::NotExecutable},
                        {{"-no-pie"}, ElfError::DynamicNotSupported}};
  size_t built = 0;
  for (const Case& c : cases) {
    const std::string out = dir / "a.out";
    std::vector<std::string> argv = {"cc", "-O1", "-o", out, dir / "tls.c"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    fs::remove(out);
    if (!run(argv, environ)) continue;  // e.g. no static libc installed
    ++built;
    const MappedFile file(out);
    auto image = parse_executable(file.bytes());
    if (c.expected) {
      EXPECT_FALSE(image.has_value()) << c.flags[0];
      if (!image.has_value()) EXPECT_EQ(image.error(), *c.expected) << c.flags[0];
    } else {
      ASSERT_TRUE(image.has_value()) << elf_error_name(image.error());
      EXPECT_TRUE(satisfies_loader_invariants(file.bytes(), *image));
      EXPECT_TRUE(image->tls.has_value());
    }
  }
  fs::remove_all(dir);
  if (built == 0) GTEST_SKIP() << "the host compiler built nothing";
}

}  // namespace
}  // namespace capos::elf
