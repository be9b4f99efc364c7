// A test system for mkmanifest: binaries under <tmp>/root, the JSON at <tmp>/system.json, the
// output in <tmp>/out (which must stay empty whenever mkmanifest rejects something).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "tests/tools/mkmanifest/mkmanifest_test_util.h"
#include "tools/mkmanifest/mkmanifest.h"

namespace capos::mkmanifest::test {

using Json = nlohmann::ordered_json;

inline const std::string INIT_ELF = std::string(
    "\x7f"
    "ELF-init",
    9);
inline const std::string NET_ELF = std::string(
    "\x7f"
    "ELF-net",
    8);
inline const std::string APP_ELF = std::string(
    "\x7f"
    "ELF-app\x00\xff",
    10);

// services[0] net exports its endpoint "server" as "socket"; services[1] app and services[2]
// log import it.
inline Json base_json() {
  return Json::parse(R"({
    "schemaVersion": 1,
    "binaries": [
      {"name": "init", "path": "user/init/init.elf"},
      {"name": "net", "path": "net.elf"},
      {"name": "app", "path": "app.elf"}
    ],
    "initConfig": {
      "init": "init",
      "services": [
        {"name": "net", "binary": "net",
         "caps": [{"name": "console", "source": {"kernel": "console"}},
                  {"name": "server", "source": {"kernel": "endpoint"}}],
         "exports": [{"name": "socket", "cap": "server"}]},
        {"name": "app", "binary": "app",
         "caps": [{"name": "net", "source": {"service": {"service": "net", "export": "socket"}},
                   "badge": 7}]},
        {"name": "log", "binary": "app",
         "caps": [{"name": "net", "source": {"service": {"service": "net", "export": "socket"}}}]}
      ]
    },
    "kernelParams": {"motd": "hello"}
  })");
}

struct Outcome {
  int status = -1;
  std::string errors;
};

class MkmanifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(root() / "user/init/init.elf", INIT_ELF);
    write_file(root() / "net.elf", NET_ELF);
    write_file(root() / "app.elf", APP_ELF);
    fs::create_directories(out_dir());
  }

  [[nodiscard]] fs::path root() const { return m_tmp.path() / "root"; }
  [[nodiscard]] fs::path out_dir() const { return m_tmp.path() / "out"; }
  [[nodiscard]] fs::path output() const { return out_dir() / "manifest.bin"; }
  [[nodiscard]] fs::path input() const { return m_tmp.path() / "system.json"; }
  [[nodiscard]] const fs::path& tmp() const { return m_tmp.path(); }

  Outcome run_options(const Options& options) {
    std::ostringstream errors;
    Outcome outcome;
    outcome.status = run(options, errors);
    outcome.errors = errors.str();
    return outcome;
  }
  Outcome run_text(const std::string& text) {
    write_file(input(), text);
    return run_options(Options{root().string(), output().string(), input().string()});
  }
  Outcome run_json(const Json& json) { return run_text(json.dump(2)); }

  // Rejected with exactly `message`, exit status 1, and nothing written.
  void expect_rejected_text(const std::string& text, const std::string& message) {
    const Outcome outcome = run_text(text);
    EXPECT_EQ(outcome.errors, "mkmanifest: " + message + "\n");
    EXPECT_EQ(outcome.status, EXIT_REJECTED);
    EXPECT_TRUE(list_directory(out_dir()).empty()) << "output left behind";
  }
  void expect_rejected(const Json& json, const std::string& message) {
    expect_rejected_text(json.dump(2), message);
  }
  void expect_written(const Json& json) {
    const Outcome outcome = run_json(json);
    EXPECT_EQ(outcome.errors, "");
    EXPECT_EQ(outcome.status, EXIT_WRITTEN);
    EXPECT_TRUE(fs::is_regular_file(output()));
  }

 private:
  TempDir m_tmp;
};

}  // namespace capos::mkmanifest::test
