#include "user/rt/runtime.h"

#include <array>
#include <optional>

#include "lib/gen/capos.capnp.h"
#include "lib/ring/transport.h"
#include "user/rt/arch/x86_64/syscall.h"
#include "user/rt/text.h"

namespace capos::rt {

namespace {

constexpr int64_t startup_failure_exit_code = 120;
constexpr int64_t tls_failure_exit_code = 122;
constexpr uint64_t tls_canary_value = 0xca90'5715'c0de'0001;

// Every program has a TLS block: the runtime checks at start that the kernel set FS to a copy
// of PT_TLS (this initialised word must read back). It also keeps user.ld's PT_TLS non-empty.
constinit thread_local uint64_t t_tls_canary = tls_canary_value;

constinit HardwareAtomics g_atomics{};
constinit std::optional<Runtime> g_runtime{};
alignas(8) constinit std::array<uint8_t, call_buffer_bytes> g_params{};
alignas(8) constinit std::array<uint8_t, call_buffer_bytes> g_result{};

bool name_matches(const CapSetEntry& entry, const char* name) {
  size_t i = 0;
  for (; i < CAPSET_NAME_BYTES; ++i) {
    // SAFETY: i < CAPSET_NAME_BYTES, inside the entry's name field; `name` is NUL-terminated and
    // the loop returns at its NUL (below) before reading past it.
    if (entry.name[i] != name[i]) return false;
    // SAFETY: name[i] was read just above, within `name` (no NUL before index i).
    if (name[i] == '\0') return true;
  }
  return false;  // `name` longer than any entry name
}

}  // namespace

Runtime::Runtime(RingPage& ring_page, UserRing<HardwareAtomics> ring, uint64_t pid,
                 const CapSetPage* capset)
    : m_ring_page(&ring_page), m_ring(std::move(ring)), m_pid(pid), m_capset(capset) {}

std::span<const CapSetEntry> Runtime::capset() const {
  if (m_capset == nullptr) return {};
  const CapSetHeader& header = m_capset->header;
  if (header.magic != CAPSET_MAGIC || header.version != CAPSET_VERSION ||
      header.count > CAPSET_MAX_ENTRIES) {
    return {};
  }
  return std::span<const CapSetEntry>(m_capset->entries).first(header.count);
}

Result<CapId> Runtime::find_cap(const char* name, uint64_t interface_id) const {
  for (const CapSetEntry& entry : capset()) {
    if (!name_matches(entry, name)) continue;
    if (entry.interface_id != interface_id) return Error::BadInterface;
    return entry.cap_id;
  }
  return Error::NotFound;
}

Result<CapCqe> Runtime::submit_and_wait(const CapSqe& sqe) {
  TRY(m_ring.submit(sqe));
  const int64_t entered = cap_enter(1, TIMEOUT_INFINITE);
  if (entered < 0) {
    const std::optional<TransportCode> code = transport_code_from_raw(entered);
    const std::optional<Error> error = code ? to_error(*code) : std::nullopt;
    return error.value_or(Error::InvalidState);
  }
  // CQEs of SQEs left behind by an earlier failed entry come first: skip them (bounded by the
  // CQ size) until this SQE's own completion.
  for (uint32_t reaped = 0; reaped < CQ_ENTRIES; ++reaped) {
    const CapCqe cqe = TRY(m_ring.reap());
    if (cqe.user_data == sqe.user_data) return cqe;
  }
  return Error::WouldBlock;
}

gen::CallBuffers Runtime::buffers() { return gen::CallBuffers{g_params, g_result}; }

ByteView Runtime::result_bytes(const CapCqe& cqe) const {
  if (cqe.result <= 0) return {};
  const auto length = static_cast<size_t>(cqe.result);
  return ByteView(g_result).first(length < g_result.size() ? length : g_result.size());
}

Runtime* current_runtime() { return g_runtime.has_value() ? &*g_runtime : nullptr; }

void emergency_write(ByteView line) {
  Runtime* runtime = current_runtime();
  if (runtime == nullptr) return;
  const Result<CapId> console = runtime->find_cap("console", gen::Console::INTERFACE_ID);
  if (!console) return;
  runtime->ring().republish();  // undo a stray index store, if that is what went wrong
  const gen::Console::Client client(*console);
  const capnp::CapnpResult<CapSqe> sqe = client.write_line(runtime->buffers(), 0, line);
  if (!sqe) return;
  const Result<CapCqe> cqe = runtime->submit_and_wait(*sqe);
  (void)cqe.has_value();  // best effort: nothing more can be done from a fatal path
}

}  // namespace capos::rt

// SAFETY: called once by _start with the kernel's entry registers (SPEC §4); `ring` and
// `capset` are the fixed ABI addresses of pages the kernel mapped (checked below, not trusted).
extern "C" [[noreturn]] void capos_rt_start(uint64_t ring, uint64_t pid, uint64_t capset) {
  using namespace capos;  // NOLINT(google-build-using-namespace): entry glue
  if (ring != RING_VADDR || (capset != 0 && capset != CAPSET_VADDR)) {
    rt::exit(rt::startup_failure_exit_code);
  }
  // SAFETY: a volatile read of our own TLS word, so the compiler cannot fold the never-written
  // canary to its initialiser: it must really be read through FS.
  const volatile uint64_t& canary = rt::t_tls_canary;
  if (canary != rt::tls_canary_value) rt::exit(rt::tls_failure_exit_code);
  // SAFETY: RING_VADDR (checked above) is mapped user RW by the kernel before entry.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the ring page's fixed ABI address
  auto* page = reinterpret_cast<RingPage*>(ring);
  Result<UserRing<HardwareAtomics>> attached =
      UserRing<HardwareAtomics>::attach(*page, rt::g_atomics);
  if (!attached) rt::exit(rt::startup_failure_exit_code);
  // SAFETY: CAPSET_VADDR (checked above) is mapped user R-- when the kernel passes it.
  const auto* capset_page =
      // NOLINTNEXTLINE(performance-no-int-to-ptr): the CapSet page's fixed ABI address
      capset == 0 ? nullptr : reinterpret_cast<const CapSetPage*>(capset);
  rt::Runtime& runtime = rt::g_runtime.emplace(*page, std::move(attached).take(), pid, capset_page);
  rt::exit(capos_main(runtime));
}
