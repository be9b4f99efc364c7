#include "tools/mkmanifest/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "tools/mkmanifest/input_error.h"

namespace capos::mkmanifest {

namespace {

std::string error_text(int error) { return std::strerror(error); }

// "a directory" for the file type in `mode` (for "is a directory, not a regular file").
std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// Reads all of `fd` (which fstat reported as `expected` bytes), failing through `fail` if the
// file holds more than `max_bytes` or changes size while being read.
template <typename Fail>
std::vector<uint8_t> read_all(int fd, uint64_t expected, uint64_t max_bytes, const Fail& fail) {
  if (expected > max_bytes) {
    fail("is " + std::to_string(expected) + " bytes; at most " + std::to_string(max_bytes));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(expected) + 1);
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("read failed: " + error_text(errno));
    if (got == 0) break;
    filled += static_cast<size_t>(got);
  }
  if (filled != expected) fail("changed while being read");
  bytes.resize(filled);
  return bytes;
}

// Removes a temporary file unless the write it belongs to was committed.
class TemporaryFile {
 public:
  TemporaryFile(std::string path, UniqueFd fd) : m_path(std::move(path)), m_fd(std::move(fd)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  TemporaryFile(TemporaryFile&&) = delete;
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() {
    if (!m_committed) ::unlink(m_path.c_str());
  }

  [[nodiscard]] const std::string& path() const { return m_path; }
  UniqueFd& fd() { return m_fd; }
  void commit() { m_committed = true; }

 private:
  std::string m_path;
  UniqueFd m_fd;
  bool m_committed = false;
};

mode_t default_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666U & ~static_cast<unsigned>(mask));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (m_fd >= 0) ::close(m_fd);
}

int UniqueFd::release() { return std::exchange(m_fd, -1); }

RootDirectory::RootDirectory(std::string real_path, UniqueFd fd)
    : m_real_path(std::move(real_path)), m_fd(std::move(fd)) {}

RootDirectory RootDirectory::open(const std::string& root) {
  const std::string shown = "--root " + quote(root) + ": ";
  char resolved[PATH_MAX];
  if (::realpath(root.c_str(), resolved) == nullptr) {
    throw InputError(shown + "cannot resolve: " + error_text(errno));
  }
  UniqueFd fd(::open(resolved, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw InputError(shown + "cannot open as a directory: " + error_text(errno));
  return RootDirectory(resolved, std::move(fd));
}

std::vector<uint8_t> RootDirectory::read_file(const std::string& relative,
                                              const std::string& json_path,
                                              uint64_t max_bytes) const {
  const auto fail = [&](const std::string& message) {
    throw InputError(json_path + ": " + quote(relative) + ": " + message);
  };
  char resolved_buffer[PATH_MAX];
  const std::string joined = m_real_path + "/" + relative;
  if (::realpath(joined.c_str(), resolved_buffer) == nullptr) {
    fail("cannot resolve: " + error_text(errno));
  }
  const std::string resolved = resolved_buffer;
  const std::string prefix = m_real_path == "/" ? "/" : m_real_path + "/";
  if (resolved == m_real_path) fail("is a directory, not a regular file");
  if (resolved.compare(0, prefix.size(), prefix) != 0) fail("resolves outside --root");

  // Walk the resolved, symlink-free components from the root descriptor with O_NOFOLLOW: a
  // symlink planted after realpath() makes openat fail (ELOOP/ENOTDIR) instead of escaping.
  const std::string inside = resolved.substr(prefix.size());
  UniqueFd directory;
  int at = m_fd.get();
  size_t start = 0;
  for (size_t slash = inside.find('/'); slash != std::string::npos;
       start = slash + 1, slash = inside.find('/', start)) {
    const std::string component = inside.substr(start, slash - start);
    directory =
        UniqueFd(::openat(at, component.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!directory.valid()) fail("changed while being resolved: " + error_text(errno));
    at = directory.get();
  }
  const std::string last = inside.substr(start);
  struct stat before{};
  if (::fstatat(at, last.c_str(), &before, AT_SYMLINK_NOFOLLOW) != 0) {
    fail("changed while being resolved: " + error_text(errno));
  }
  // Checked before opening: opening a device or FIFO can itself have effects.
  if (!S_ISREG(before.st_mode)) fail("is " + file_kind(before.st_mode) + ", not a regular file");
  const UniqueFd file(
      ::openat(at, last.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file.valid()) fail("cannot open: " + error_text(errno));
  struct stat after{};
  if (::fstat(file.get(), &after) != 0) fail("cannot stat: " + error_text(errno));
  if (!S_ISREG(after.st_mode) || after.st_ino != before.st_ino || after.st_dev != before.st_dev) {
    fail("changed while being opened");
  }
  return read_all(file.get(), static_cast<uint64_t>(after.st_size), max_bytes, fail);
}

std::string read_input_file(const std::string& path, uint64_t max_bytes) {
  const auto fail = [&](const std::string& message) {
    throw InputError(quote(path) + ": " + message);
  };
  const UniqueFd file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file.valid()) fail("cannot open: " + error_text(errno));
  struct stat status{};
  if (::fstat(file.get(), &status) != 0) fail("cannot stat: " + error_text(errno));
  if (!S_ISREG(status.st_mode)) fail("is " + file_kind(status.st_mode) + ", not a regular file");
  const std::vector<uint8_t> bytes =
      read_all(file.get(), static_cast<uint64_t>(status.st_size), max_bytes, fail);
  return std::string(bytes.begin(), bytes.end());
}

void write_atomically(const std::string& path, std::span<const uint8_t> bytes) {
  const auto fail = [&](const std::string& message) {
    throw InputError("--output " + quote(path) + ": " + message);
  };
  const size_t slash = path.rfind('/');
  const std::string directory =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") fail("does not name a file");

  std::string name = directory + "/." + base + ".tmp-XXXXXX";
  UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd.valid()) fail("cannot create a temporary file: " + error_text(errno));
  TemporaryFile temporary(name, std::move(fd));
  const int out = temporary.fd().get();
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t put = ::write(out, bytes.data() + written, bytes.size() - written);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) fail("write failed: " + error_text(errno));
    written += static_cast<size_t>(put);
  }
  if (::fchmod(out, default_file_mode()) != 0) fail("chmod failed: " + error_text(errno));
  if (::fsync(out) != 0) fail("fsync failed: " + error_text(errno));
  if (::close(temporary.fd().release()) != 0) fail("close failed: " + error_text(errno));
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) {
    fail("cannot replace: " + error_text(errno));
  }
  temporary.commit();
  // Best effort: make the rename durable. The output is complete and in place either way, and
  // some filesystems refuse fsync on directories.
  const UniqueFd parent(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent.valid()) ::fsync(parent.get());
}

}  // namespace capos::mkmanifest
