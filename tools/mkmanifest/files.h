// tools/mkmanifest/files.h — every filesystem access of mkmanifest: binaries confined to --root,
// the bounded JSON input, and the atomic output. No shell, no external command.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace capos::mkmanifest {

// A file descriptor owned by one object; closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();

  [[nodiscard]] int get() const { return m_fd; }
  [[nodiscard]] bool valid() const { return m_fd >= 0; }
  int release();

 private:
  int m_fd = -1;
};

// The directory binaries are read from. A binary path is accepted only if, after resolving
// every symlink, it names a regular file inside the root; the file is then opened by walking
// the resolved components with O_NOFOLLOW from the root's descriptor, so a symlink swapped in
// after the check makes the open fail instead of escaping. Messages show the path as written
// in the JSON, never the resolved absolute path.
class RootDirectory {
 public:
  // Throws InputError ("--root ...: ...") unless `root` is a directory.
  static RootDirectory open(const std::string& root);

  // The contents of `relative` (already lexically checked: relative, no ".."), at most
  // `max_bytes`. Every InputError starts with `json_path`.
  [[nodiscard]] std::vector<uint8_t> read_file(const std::string& relative,
                                               const std::string& json_path,
                                               uint64_t max_bytes) const;

 private:
  RootDirectory(std::string real_path, UniqueFd fd);

  std::string m_real_path;  // realpath() of the root: absolute, no symlinks, no trailing '/'
  UniqueFd m_fd;            // O_PATH | O_DIRECTORY descriptor of m_real_path
};

// The contents of the regular file `path`, at most `max_bytes`; throws InputError naming `path`.
std::string read_input_file(const std::string& path, uint64_t max_bytes);

// Replaces `path` with `bytes` atomically: a temporary file in the same directory is written,
// fsync'ed and renamed over `path`, then the directory is fsync'ed. On any failure the
// temporary file is removed and `path` is untouched. Throws InputError ("--output ...: ...").
void write_atomically(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace capos::mkmanifest
