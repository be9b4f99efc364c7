// mkmanifest's filesystem rules: binaries confined to --root (symlinks, directories, FIFOs,
// sockets, devices, unreadable and oversized files), the bounded input, and the atomic output.
// Every rejection asserts the exact message, exit status 1 and that nothing was written.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "lib/manifest/model.h"
#include "tests/tools/mkmanifest/mkmanifest_fixture.h"

namespace capos::mkmanifest::test {
namespace {

using BinaryFiles = MkmanifestTest;
using InputAndOutput = MkmanifestTest;

Json with_net_path(const std::string& path) {
  Json json = base_json();
  json["binaries"][1]["path"] = path;
  return json;
}

std::string net_error(const std::string& path, const std::string& message) {
  return "$.binaries[1].path: \"" + path + "\": " + message;
}

// A path as mkmanifest's messages show it: quoted and cut after 64 bytes with "..."
// (tools/mkmanifest/input_error.h). The fixture's paths lie under $TMPDIR, whose length is the
// user's: a long one is cut (F-030), so the expected message is built the same way.
std::string shown(const std::string& path) {
  constexpr size_t max_shown = 64;
  return "\"" + path.substr(0, max_shown) + (path.size() > max_shown ? "..." : "") + "\"";
}

TEST_F(BinaryFiles, RejectsAMissingFile) {
  fs::remove(root() / "net.elf");
  expect_rejected(base_json(), net_error("net.elf", "cannot resolve: No such file or directory"));
}

TEST_F(BinaryFiles, RejectsARelativeSymlinkThatLeavesTheRoot) {
  write_file(tmp() / "outside.elf", NET_ELF);
  fs::create_symlink("../outside.elf", root() / "escape.elf");
  expect_rejected(with_net_path("escape.elf"), net_error("escape.elf", "resolves outside --root"));
}

TEST_F(BinaryFiles, RejectsAnAbsoluteSymlinkThatLeavesTheRoot) {
  write_file(tmp() / "outside.elf", NET_ELF);
  fs::create_symlink(tmp() / "outside.elf", root() / "escape.elf");
  expect_rejected(with_net_path("escape.elf"), net_error("escape.elf", "resolves outside --root"));
}

TEST_F(BinaryFiles, RejectsADirectorySymlinkThatLeavesTheRoot) {
  write_file(tmp() / "elsewhere/net.elf", NET_ELF);
  fs::create_symlink(tmp() / "elsewhere", root() / "linked");
  expect_rejected(with_net_path("linked/net.elf"),
                  net_error("linked/net.elf", "resolves outside --root"));
}

TEST_F(BinaryFiles, RejectsASymlinkToASystemFile) {
  fs::create_symlink("/etc/passwd", root() / "passwd.elf");
  expect_rejected(with_net_path("passwd.elf"), net_error("passwd.elf", "resolves outside --root"));
}

TEST_F(BinaryFiles, FollowsSymlinksThatStayInsideTheRoot) {
  fs::create_symlink("user/init/init.elf", root() / "relative.elf");
  fs::create_symlink(root() / "net.elf", root() / "absolute.elf");
  fs::create_symlink("init", root() / "user/alias");
  Json json = base_json();
  json["binaries"][0]["path"] = "user/alias/init.elf";
  json["binaries"][1]["path"] = "absolute.elf";
  json["binaries"][2]["path"] = "relative.elf";
  expect_written(json);
}

TEST_F(BinaryFiles, RejectsADirectory) {
  expect_rejected(with_net_path("user"), net_error("user", "is a directory, not a regular file"));
  expect_rejected(with_net_path("."), net_error(".", "is a directory, not a regular file"));
}

TEST_F(BinaryFiles, RejectsAFifoWithoutBlocking) {
  ASSERT_EQ(::mkfifo((root() / "pipe.elf").c_str(), 0644), 0);
  expect_rejected(with_net_path("pipe.elf"),
                  net_error("pipe.elf", "is a FIFO, not a regular file"));
}

TEST_F(BinaryFiles, RejectsASocket) {
  const std::string path = (root() / "sock.elf").string();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  expect_rejected(with_net_path("sock.elf"),
                  net_error("sock.elf", "is a socket, not a regular file"));
  ::close(fd);
}

TEST_F(BinaryFiles, RejectsADeviceNode) {
  if (::mknod((root() / "null.elf").c_str(), S_IFCHR | 0644, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "cannot create a device node here: " << std::strerror(errno);
  }
  expect_rejected(with_net_path("null.elf"),
                  net_error("null.elf", "is a character device, not a regular file"));
}

TEST_F(BinaryFiles, RejectsAnUnreadableFile) {
  ::chmod((root() / "net.elf").c_str(), 0);
  if (::geteuid() != 0) {
    expect_rejected(base_json(), net_error("net.elf", "cannot open: Permission denied"));
    return;
  }
  // Root reads anything: run the real binary as nobody. The checkout, the build tree and $TMPDIR
  // may all lie under a directory nobody cannot traverse (a clone in /root, mode 0700: F-025),
  // so everything nobody must reach — a copy of the binary, the tree, the input and the output
  // folder — goes into a fresh directory under /tmp, each of whose ancestors nobody can search.
  const TempDir stage("/tmp");
  for (fs::path path = stage.path().parent_path();; path = path.parent_path()) {
    struct stat status{};
    ASSERT_EQ(::stat(path.c_str(), &status), 0) << path;
    ASSERT_NE(status.st_mode & S_IXOTH, 0U) << path << ": user nobody cannot traverse it";
    if (path == path.root_path()) break;
  }
  const fs::path binary = stage.path() / "mkmanifest";
  const fs::path tree = stage.path() / "root";
  const fs::path input = stage.path() / "system.json";
  const fs::path out = stage.path() / "out";
  fs::copy_file(MKMANIFEST_BINARY, binary);
  write_file(tree / "user/init/init.elf", INIT_ELF);
  write_file(tree / "net.elf", NET_ELF);
  write_file(tree / "app.elf", APP_ELF);
  write_file(input, base_json().dump());
  fs::create_directories(out);
  for (const fs::path& path : {stage.path(), tree, tree / "user", tree / "user/init", out}) {
    ::chmod(path.c_str(), 0755);
  }
  ::chmod(binary.c_str(), 0755);
  for (const fs::path& path : {tree / "user/init/init.elf", tree / "app.elf", input}) {
    ::chmod(path.c_str(), 0644);
  }
  ::chmod((tree / "net.elf").c_str(), 0);
  const ProcessResult result = run_process({binary.string(), "--root", tree.string(), "--output",
                                            (out / "manifest.bin").string(), input.string()},
                                           out, RunAs::Nobody);
  EXPECT_EQ(result.err,
            "mkmanifest: " + net_error("net.elf", "cannot open: Permission denied") + "\n");
  EXPECT_EQ(result.status, EXIT_REJECTED);
  EXPECT_TRUE(list_directory(out).empty());
}

TEST_F(BinaryFiles, RejectsAnEmptyBinary) {
  write_file(root() / "net.elf", "");
  expect_rejected(base_json(), "$.binaries[1].path: binary \"net\" is empty");
}

TEST_F(BinaryFiles, RejectsABinaryAboveSixteenMebibytes) {
  fs::resize_file(root() / "net.elf", manifest::MAX_BINARY_BYTES + 1);
  expect_rejected(base_json(), net_error("net.elf", "is 16777217 bytes; at most 16777216"));
}

TEST_F(BinaryFiles, RejectsBinariesThatTogetherExceedTheManifestBound) {
  for (const char* name : {"user/init/init.elf", "net.elf", "app.elf"}) {
    fs::resize_file(root() / name, manifest::MAX_BINARY_BYTES);
  }
  expect_rejected(base_json(),
                  "$.binaries[2].path: the binaries so far total 50331648 bytes; a manifest "
                  "holds at most 33554432");
}

TEST_F(BinaryFiles, RejectsAManifestThatEncodesAboveTheBound) {
  fs::resize_file(root() / "user/init/init.elf", manifest::MAX_BINARY_BYTES);
  fs::resize_file(root() / "net.elf", manifest::MAX_BINARY_BYTES - 64);
  const Outcome outcome = run_json(base_json());
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_EQ(outcome.errors.rfind("mkmanifest: $: manifest is 335", 0), 0U) << outcome.errors;
  EXPECT_NE(outcome.errors.find(" bytes; at most 33554432\n"), std::string::npos);
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

// --- --root and the input file ---------------------------------------------------------------

TEST_F(InputAndOutput, RejectsAMissingRoot) {
  write_file(input(), base_json().dump());
  const std::string missing = (tmp() / "nope").string();
  const Outcome outcome = run_options(Options{missing, output().string(), input().string()});
  EXPECT_EQ(outcome.errors, "mkmanifest: --root " + shown(missing) +
                                ": cannot resolve: No such file or directory\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

TEST_F(InputAndOutput, RejectsARootThatIsAFile) {
  write_file(input(), base_json().dump());
  const std::string file = (root() / "net.elf").string();
  const Outcome outcome = run_options(Options{file, output().string(), input().string()});
  EXPECT_EQ(outcome.errors, "mkmanifest: --root " + shown(file) +
                                ": cannot open as a directory: Not a directory\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
}

TEST_F(InputAndOutput, RejectsAMissingInput) {
  const std::string missing = (tmp() / "missing.json").string();
  const Outcome outcome = run_options(Options{root().string(), output().string(), missing});
  EXPECT_EQ(outcome.errors,
            "mkmanifest: " + shown(missing) + ": cannot open: No such file or directory\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

TEST_F(InputAndOutput, RejectsAnInputThatIsADirectory) {
  const Outcome outcome = run_options(Options{root().string(), output().string(), tmp().string()});
  EXPECT_EQ(outcome.errors,
            "mkmanifest: " + shown(tmp().string()) + ": is a directory, not a regular file\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
}

TEST_F(InputAndOutput, RejectsAnInputAboveOneMebibyte) {
  std::string text = base_json().dump();
  text += std::string(MAX_INPUT_BYTES + 1 - text.size(), ' ');
  write_file(input(), text);
  const Outcome outcome =
      run_options(Options{root().string(), output().string(), input().string()});
  EXPECT_EQ(outcome.errors,
            "mkmanifest: " + shown(input().string()) + ": is 1048577 bytes; at most 1048576\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

// --- The output ------------------------------------------------------------------------------

TEST_F(InputAndOutput, RejectsAnOutputInAMissingDirectory) {
  write_file(input(), base_json().dump());
  const std::string output_path = (out_dir() / "missing/manifest.bin").string();
  const Outcome outcome = run_options(Options{root().string(), output_path, input().string()});
  EXPECT_EQ(outcome.errors, "mkmanifest: --output " + shown(output_path) +
                                ": cannot create a temporary file: No such file or directory\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

TEST_F(InputAndOutput, RemovesTheTemporaryFileWhenTheRenameFails) {
  fs::create_directory(output());  // rename(2) cannot replace a directory with a file
  write_file(output() / "keep", "x");
  write_file(input(), base_json().dump());
  const Outcome outcome =
      run_options(Options{root().string(), output().string(), input().string()});
  EXPECT_EQ(outcome.errors, "mkmanifest: --output " + shown(output().string()) +
                                ": cannot replace: Is a directory\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_EQ(list_directory(out_dir()), std::vector<std::string>{"manifest.bin"});
  EXPECT_EQ(list_directory(output()), std::vector<std::string>{"keep"});
}

TEST_F(InputAndOutput, RejectsAnOutputThatNamesNoFile) {
  write_file(input(), base_json().dump());
  const std::string output_path = out_dir().string() + "/";
  const Outcome outcome = run_options(Options{root().string(), output_path, input().string()});
  EXPECT_EQ(outcome.errors,
            "mkmanifest: --output " + shown(output_path) + ": does not name a file\n");
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_TRUE(list_directory(out_dir()).empty());
}

TEST_F(InputAndOutput, KeepsThePreviousOutputWhenTheInputIsRejected) {
  write_file(output(), "previous manifest");
  Json json = base_json();
  json["initConfig"]["init"] = "nope";
  const Outcome outcome = run_json(json);
  EXPECT_EQ(outcome.status, EXIT_REJECTED);
  EXPECT_EQ(read_file(output()), "previous manifest");
  EXPECT_EQ(list_directory(out_dir()), std::vector<std::string>{"manifest.bin"});
}

TEST_F(InputAndOutput, ReplacesThePreviousOutputWithAReadableFile) {
  write_file(output(), "previous manifest");
  const mode_t old_mask = ::umask(022);
  const Outcome outcome = run_json(base_json());
  ::umask(old_mask);
  EXPECT_EQ(outcome.status, EXIT_WRITTEN);
  EXPECT_NE(read_file(output()), "previous manifest");
  EXPECT_EQ(list_directory(out_dir()), std::vector<std::string>{"manifest.bin"});
  struct stat status{};
  ASSERT_EQ(::stat(output().c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777U, 0644U);
}

TEST_F(InputAndOutput, WritesIntoTheCurrentDirectoryWhenTheOutputHasNoSlash) {
  write_file(input(), base_json().dump());
  const fs::path previous = fs::current_path();
  fs::current_path(out_dir());
  const Outcome outcome = run_options(Options{root().string(), "manifest.bin", input().string()});
  fs::current_path(previous);
  EXPECT_EQ(outcome.errors, "");
  EXPECT_EQ(outcome.status, EXIT_WRITTEN);
  EXPECT_EQ(list_directory(out_dir()), std::vector<std::string>{"manifest.bin"});
}

}  // namespace
}  // namespace capos::mkmanifest::test
