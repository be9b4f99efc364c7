// user/init/main.cpp — init: the first process (SPEC §7), phase 2 of the kernel bring-up.
//
// Prints through its Console cap, lists its own caps (CapabilityManager), checks its TLS block,
// reads the whole boot manifest through BootPackage and validates it with lib/manifest (the
// same validator the kernel ran), exercises NOP and a reserved opcode on the ring, and exits 0
// when every step behaved as specified. Spawning the manifest's services arrives with
// ProcessSpawner (a later issue); init reports how many there are.
#include <array>
#include <cstdint>
#include <span>

#include "lib/gen/capos.capnp.h"
#include "lib/manifest/decode.h"
#include "lib/manifest/diagnostic.h"
#include "lib/manifest/model.h"
#include "lib/ring/abi.h"
#include "lib/ring/transport.h"
#include "user/rt/clients.h"
#include "user/rt/runtime.h"
#include "user/rt/text.h"

namespace {

using capos::rt::Line;

constexpr int64_t exit_ok = 0;
constexpr int64_t exit_failed = 1;
constexpr size_t max_manifest_bytes = size_t{1} << 20;

// TLS probes: one initialised (.tdata), one zero (.tbss). FS-relative through the thread
// pointer the kernel set from PT_TLS.
constinit thread_local uint64_t t_initialised = 0x7e57'da7a'0000'0001;
constinit thread_local uint64_t t_zeroed = 0;

alignas(8) constinit std::array<uint8_t, max_manifest_bytes> g_manifest_bytes{};
constinit capos::manifest::Manifest g_manifest{};

class Init {
 public:
  Init(capos::rt::Runtime& runtime, capos::rt::ConsoleClient console)
      : m_runtime(runtime), m_console(console) {}

  int64_t run() {
    say(Line().add("init: hello from user mode (pid ").add(m_runtime.pid()).add(")"));
    list_caps();
    check_tls();
    read_manifest();
    ring_checks();
    if (m_failures != 0) {
      say(Line().add("init: FAILED: ").add(m_failures).add(" check(s) failed"));
      return exit_failed;
    }
    say(Line().add("init: all checks passed; exiting with code 0"));
    return exit_ok;
  }

 private:
  void say(const Line& line) {
    if (!m_console.write_line(m_runtime, line.view())) ++m_failures;
  }
  void fail(const char* what, capos::TransportCode code) {
    say(Line().add("init: FAILED: ").add(what).add(": ").add(capos::transport_code_name(code)));
    ++m_failures;
  }

  void list_caps() {
    Line names;
    names.add("init: CapSet: ").add(static_cast<uint64_t>(m_runtime.capset().size())).add(" caps:");
    for (const capos::CapSetEntry& entry : m_runtime.capset()) {
      size_t length = 0;
      // SAFETY: the loop stays inside the 40-byte name field; the span covers `length` of it.
      while (length < capos::CAPSET_NAME_BYTES && entry.name[length] != '\0') ++length;
      // SAFETY: length <= CAPSET_NAME_BYTES (the loop above), inside the 40-byte name field.
      names.add(" ").add(std::span<const char>(entry.name, length));
    }
    say(names);
    const capos::Result<capos::CapId> manager =
        m_runtime.find_cap("capability_manager", capos::gen::CapabilityManager::INTERFACE_ID);
    if (!manager) return fail("capability_manager not in the CapSet", capos::TransportCode::BadCap);
    std::array<capos::rt::CapInfo, 8> caps{};
    const capos::rt::CallResult<uint32_t> count =
        capos::rt::CapabilityManagerClient(*manager).list(m_runtime, caps);
    if (!count) return fail("CapabilityManager.list", count.error());
    for (uint32_t i = 0; i < *count && i < caps.size(); ++i) {
      const char* name = capos::gen::CaposSchema::interface_name(caps[i].interface_id);
      say(Line()
              .add("init: cap ")
              .add(capos::rt::hex(caps[i].cap_id))
              .add(": ")
              .add(name != nullptr ? name : "?")
              .add(", badge ")
              .add(caps[i].badge));
    }
  }

  void check_tls() {
    const bool fresh = t_initialised == 0x7e57'da7a'0000'0001 && t_zeroed == 0;
    t_zeroed = 42;
    t_initialised += 1;
    if (fresh && t_zeroed == 42 && t_initialised == 0x7e57'da7a'0000'0002) {
      say(Line().add("init: TLS ok (.tdata and .tbss through FS)"));
    } else {
      say(Line().add("init: FAILED: TLS block is not what PT_TLS describes"));
      ++m_failures;
    }
  }

  void read_manifest() {
    const capos::Result<capos::CapId> cap =
        m_runtime.find_cap("boot_package", capos::gen::BootPackage::INTERFACE_ID);
    if (!cap) return fail("boot_package not in the CapSet", capos::TransportCode::BadCap);
    const capos::rt::BootPackageClient boot_package(*cap);
    const capos::rt::CallResult<uint64_t> size = boot_package.manifest_size(m_runtime);
    if (!size) return fail("BootPackage.manifestSize", size.error());
    if (*size > g_manifest_bytes.size()) {
      return fail("manifest larger than init's buffer", capos::TransportCode::TooBig);
    }
    uint64_t offset = 0;
    uint64_t chunks = 0;
    while (offset < *size) {
      const capos::rt::CallResult<size_t> read = boot_package.read_manifest(
          m_runtime, offset, std::span(g_manifest_bytes).subspan(offset));
      if (!read) return fail("BootPackage.readManifest", read.error());
      if (*read == 0)
        return fail("BootPackage.readManifest returned nothing", capos::TransportCode::Invalid);
      offset += *read;
      ++chunks;
    }
    say(Line()
            .add("init: manifest: ")
            .add(*size)
            .add(" bytes read through BootPackage in ")
            .add(chunks)
            .add(" chunks"));
    const capos::ByteView bytes = std::span(g_manifest_bytes).first(*size);
    const capos::Result<void, capos::manifest::ManifestDiagnostic> valid =
        capos::manifest::decode_and_validate(bytes, g_manifest);
    if (!valid) {
      std::array<char, capos::manifest::DIAGNOSTIC_BUFFER_BYTES> text{};
      const size_t length =
          capos::manifest::format_diagnostic(valid.error(), capos::manifest::PathRoot::Bare, text);
      say(Line()
              .add("init: FAILED: manifest rejected: ")
              .add(std::span<const char>(text).first(length < text.size() ? length
                                                                          : text.size() - 1)));
      ++m_failures;
      return;
    }
    say(Line()
            .add("init: manifest valid: ")
            .add(static_cast<uint64_t>(g_manifest.binaries.size()))
            .add(" binaries, ")
            .add(static_cast<uint64_t>(g_manifest.init_config.services.size()))
            .add(" services (spawning arrives with ProcessSpawner)"));
  }

  // One raw SQE through the ring; returns the CQE result (or the ring's failure as INVALID).
  int32_t submit(uint8_t opcode) {
    capos::CapSqe sqe{};
    sqe.opcode = opcode;
    sqe.user_data = m_runtime.next_user_data();
    const capos::Result<capos::CapCqe> cqe = m_runtime.submit_and_wait(sqe);
    if (!cqe) return capos::to_raw(capos::TransportCode::Invalid);
    if (cqe->user_data != sqe.user_data) return capos::to_raw(capos::TransportCode::Invalid);
    return cqe->result;
  }

  void ring_checks() {
    const int32_t nop = submit(capos::to_raw(capos::Opcode::Nop));
    say(Line().add("init: NOP -> ").add(nop));
    if (nop != 0) ++m_failures;
    const int32_t reserved = submit(capos::FIRST_RESERVED_OPCODE);
    const std::optional<capos::TransportCode> code = capos::transport_code_from_raw(reserved);
    say(Line()
            .add("init: reserved opcode 5 -> ")
            .add(code ? capos::transport_code_name(*code) : "not a transport code"));
    if (code != capos::TransportCode::BadOpcode) ++m_failures;
  }

  capos::rt::Runtime& m_runtime;
  capos::rt::ConsoleClient m_console;
  uint64_t m_failures = 0;
};

}  // namespace

int64_t capos_main(capos::rt::Runtime& runtime) {
  const capos::Result<capos::CapId> console =
      runtime.find_cap("console", capos::gen::Console::INTERFACE_ID);
  if (!console) return exit_failed;  // nowhere to say why
  Init init(runtime, capos::rt::ConsoleClient(*console));
  return init.run();
}
