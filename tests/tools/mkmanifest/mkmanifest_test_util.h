// Helpers for mkmanifest tests: a temporary directory tree, running mkmanifest in-process (run())
// or as a subprocess (posix_spawn / fork+exec with an explicit argv — never a shell).
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tools/mkmanifest/mkmanifest.h"

extern char** environ;

namespace capos::mkmanifest::test {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), or under `base`, removed with everything in it on
// destruction.
class TempDir {
 public:
  TempDir() : TempDir(default_base()) {}
  explicit TempDir(const std::string& base) {
    std::string pattern = base + "/mkmanifest-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    m_path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    // Restore permissions a test may have removed, so removal cannot fail half-way.
    for (const auto& entry : fs::recursive_directory_iterator(m_path, ignored)) {
      if (!entry.is_symlink()) ::chmod(entry.path().c_str(), 0700);
    }
    fs::remove_all(m_path, ignored);
  }
  [[nodiscard]] const fs::path& path() const { return m_path; }

 private:
  static std::string default_base() {
    const char* base = std::getenv("TMPDIR");
    return base != nullptr ? base : "/tmp";
  }
  fs::path m_path;
};

inline void write_file(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Names of the entries of `directory`, sorted.
inline std::vector<std::string> list_directory(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct ProcessResult {
  int status = -1;  // exit status, or -1 if the process did not exit normally
  std::string out;
  std::string err;
};

enum class RunAs : uint8_t { Self, Nobody };

// Runs `argv` (argv[0] is the program path) with stdout and stderr captured through files in
// `scratch` and stdin from `stdin_path` (default /dev/null). RunAs::Nobody drops to uid/gid
// 65534 first (only meaningful when running as root).
inline ProcessResult run_process(const std::vector<std::string>& argv, const fs::path& scratch,
                                 RunAs who = RunAs::Self,
                                 const fs::path& stdin_path = "/dev/null") {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const fs::path out_path = scratch / ".stdout";
  const fs::path err_path = scratch / ".stderr";
  ProcessResult result;
  pid_t pid = -1;
  if (who == RunAs::Self) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return result;
  } else {
    const int in_fd = ::open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid = ::fork();
    if (pid == 0) {
      if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0 ||
          ::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
        ::_exit(125);
      }
      ::execve(args[0], args.data(), environ);
      ::_exit(126);
    }
    ::close(in_fd);
    ::close(out_fd);
    ::close(err_fd);
  }
  int wait_status = 0;
  if (::waitpid(pid, &wait_status, 0) == pid && WIFEXITED(wait_status)) {
    result.status = WEXITSTATUS(wait_status);
  }
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return result;
}

}  // namespace capos::mkmanifest::test
