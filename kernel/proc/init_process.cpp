#include "kernel/proc/init_process.h"

#include <array>
#include <optional>
#include <span>

#include "kernel/arch/current.h"
#include "kernel/cap/transfer.h"
#include "kernel/lib/fatal.h"
#include "kernel/lib/log.h"
#include "kernel/mem/direct_map.h"
#include "kernel/mem/kernel_address_space.h"
#include "kernel/mem/physical_memory.h"
#include "kernel/object/boot_package.h"
#include "kernel/object/capability_manager.h"
#include "kernel/object/console.h"
#include "kernel/proc/capset.h"
#include "kernel/proc/image_loader.h"
#include "kernel/proc/process.h"
#include "lib/elf/elf_error.h"
#include "lib/elf/elf_image.h"
#include "lib/manifest/decode.h"
#include "lib/manifest/diagnostic.h"
#include "lib/manifest/model.h"
#include "lib/manifest/validate.h"

namespace capos::kernel {

namespace {

constexpr uint32_t init_pid = 1;
constexpr uint64_t kib = 1024;

// Init's quotas (docs/design.md "Kernel bring-up (phase 2)"). Cap slots are bounded by the
// table's capacity; the classes of later issues stay 0 until their objects exist.
constexpr std::array<uint64_t, resource_class_count> init_limits = [] {
  std::array<uint64_t, resource_class_count> limits{};
  limits[static_cast<size_t>(ResourceClass::CapSlots)] = Process::cap_slots;
  limits[static_cast<size_t>(ResourceClass::FrameGrants)] = 4096;   // 16 MiB of frames
  limits[static_cast<size_t>(ResourceClass::LogBytes)] = 64 * kib;  // console volume
  return limits;
}();

// Static storage: the manifest model (~94 KiB) and the diagnostic text.
constinit manifest::Manifest g_manifest{};
constinit std::array<char, manifest::DIAGNOSTIC_BUFFER_BYTES> g_diagnostic{};

// The boot singletons (pinned: no RELEASE or exit destroys them).
constinit ConsoleObject g_console(&Arch::console_write);
constinit std::optional<BootPackageObject> g_boot_package{};
constinit CapabilityManagerObject g_capability_manager;

// SAFETY: a manifest Text is `size` bytes at `data` inside the module, which outlives the boot.
std::span<const char> as_chars(manifest::Text text) { return {text.data, text.size}; }

template <size_t N>
constexpr std::span<const char> literal(const char (&text)[N]) {
  return std::span<const char>(text).first(N - 1);  // without the NUL
}

const manifest::Manifest& decode_manifest(ByteView bytes) {
  const Result<void, manifest::ManifestDiagnostic> decoded =
      manifest::decode_and_validate(bytes, g_manifest);
  if (!decoded) {
    const size_t length =
        manifest::format_diagnostic(decoded.error(), manifest::PathRoot::Bare, g_diagnostic);
    const size_t shown = length < g_diagnostic.size() ? length : g_diagnostic.size() - 1;
    log::info("manifest: rejected: {}", std::span<const char>(g_diagnostic).first(shown));
    fail_boot("manifest", "the boot manifest was rejected; no process started");
  }
  log::info("manifest: {} bytes, schema {}, {} binaries, {} services; init binary \"{}\"",
            bytes.size(), g_manifest.schema_version, g_manifest.binaries.size(),
            g_manifest.init_config.services.size(), as_chars(g_manifest.init_config.init));
  if (!g_manifest.kernel_params.motd.empty()) {
    log::info("motd: {}", as_chars(g_manifest.kernel_params.motd));  // printable ASCII only
  }
  return g_manifest;
}

template <typename T>
T must(Result<T> result, const char* what) {
  if (!result) fail_boot("init", what);
  return std::move(result).take();
}

void must(const Result<void>& result, const char* what) {
  if (!result) fail_boot("init", what);
}

// The ring frame is allocated before the Process (its KernelRing is constructed over it) and
// mapped into the process's table afterwards, charged like every other user frame.
void map_ring(Process& process, uint64_t ring_frame) {
  FrameLedger::Reservation charge =
      must(process.ledger().reserve(ResourceClass::FrameGrants, 1), "ring page over quota");
  must(process.page_table().map(PageMapping{
           .virtual_address = RING_VADDR,
           .physical_address = ring_frame,
           .size = PageSize::Base,
           .access = PageAccess::ReadWrite,
           .privilege = PagePrivilege::User,
       }),
       "cannot map the ring page");
  process.ledger().commit(std::move(charge));
}

// Charged to init's CapSlots quota like every cap (kernel/cap/transfer.h).
CapId grant(Process& process, CapObject& object) {
  return must(insert_cap(process.caps(), process.ledger(),
                         ObjectTable::Entry{.object = ObjectRef(object),
                                            .interface_id = object.interface_id(),
                                            .badge = 0}),
              "cap table full");
}

void build_caps(Process& process, BootPackageObject& boot_package) {
  const std::array<CapSetGrant, 3> grants = {{
      {literal("console"), grant(process, g_console), g_console.interface_id()},
      {literal("boot_package"), grant(process, boot_package), boot_package.interface_id()},
      {literal("capability_manager"), grant(process, g_capability_manager),
       g_capability_manager.interface_id()},
  }};
  const uint64_t frame = must(
      map_user_page(process.page_table(), process.ledger(), CAPSET_VADDR, PageAccess::ReadOnly),
      "cannot map the CapSet page");
  must(build_capset(grants, *mem::physical_to_virtual<CapSetPage>(frame)), "bad CapSet");
}

}  // namespace

void start_init(ByteView manifest_module) {
  const manifest::Manifest& manifest = decode_manifest(manifest_module);
  const manifest::Binary* binary = manifest::find_binary(manifest, manifest.init_config.init);
  KASSERT(binary != nullptr);  // validate(): initConfig.init names a binary
  const Result<elf::ElfImage, elf::ElfError> image = elf::parse_executable(binary->elf);
  if (!image) {
    log::info("init: binary \"{}\" rejected: {}", as_chars(binary->name),
              elf::elf_error_name(image.error()));
    fail_boot("init", "the init executable was rejected; no process started");
  }

  BootPackageObject& boot_package = g_boot_package.emplace(manifest_module);
  const Arch::PageTable table = must(Arch::PageTable::create_sharing_kernel_half(
                                         &mem::allocate_zeroed_frame, mem::kernel_page_table()),
                                     "no memory for a page table");
  const uint64_t ring_frame = must(mem::allocate_zeroed_frame(), "no memory for the ring");
  Process& process = create_process(init_pid, "init", table,
                                    *mem::physical_to_virtual<RingPage>(ring_frame), init_limits);
  map_ring(process, ring_frame);
  const UserImage user = must(load_user_image(process.page_table(), process.ledger(), *image),
                              "cannot map the init executable");
  build_caps(process, boot_package);
  log::info(
      "init: \"{}\" loaded ({} bytes, {} segments{}): {} frames; caps: console, "
      "boot_package, capability_manager",
      as_chars(binary->name), binary->elf.size(), image->segments.size(),
      image->tls.has_value() ? ", TLS" : "", user.frames + 2);
  log::info("init: entering user mode (pid {})", process.pid());

  process.page_table().activate();
  Arch::enter_user(UserEntry{
      .instruction_pointer = user.entry,
      .stack_pointer = user.stack_top,
      .arguments = {RING_VADDR, process.pid(), CAPSET_VADDR},
      .thread_pointer = user.thread_pointer,
  });
}

}  // namespace capos::kernel
