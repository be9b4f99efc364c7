// user/rt/clients.h — typed clients of the kernel capabilities a process finds in its CapSet,
// on lib/gen's client stubs (params built in place) and result readers.
//
// Every call is synchronous (Runtime::submit_and_wait). Failures are the CQE's transport code
// (Result<T, TransportCode>): a negative CQE result as the kernel reported it, TOO_BIG when the
// params do not fit the call buffer, INVALID when the kernel's reply does not parse, and the
// ring's own failures mapped to RING_CORRUPT / INVALID.
#pragma once

#include <cstdint>

#include "lib/cap/cap_id.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/gen/capos.capnp.h"
#include "lib/ring/abi.h"
#include "user/rt/runtime.h"

namespace capos::rt {

template <typename T>
using CallResult = Result<T, TransportCode>;

// Submits a prepared SQE and returns the result bytes (cqe.result of them).
[[nodiscard]] CallResult<ByteView> call(Runtime& runtime, const capnp::CapnpResult<CapSqe>& sqe);

class ConsoleClient {
 public:
  explicit ConsoleClient(CapId cap) : m_client(cap) {}
  [[nodiscard]] CapId cap_id() const { return m_client.cap_id(); }
  [[nodiscard]] CallResult<void> write_line(Runtime& runtime, ByteView text) const;
  [[nodiscard]] CallResult<void> write(Runtime& runtime, ByteView data) const;

 private:
  gen::Console::Client m_client;
};

class BootPackageClient {
 public:
  explicit BootPackageClient(CapId cap) : m_client(cap) {}
  [[nodiscard]] CallResult<uint64_t> manifest_size(Runtime& runtime) const;
  // Copies up to destination.size() (at most 4096) bytes from `offset`; returns the count.
  [[nodiscard]] CallResult<size_t> read_manifest(Runtime& runtime, uint64_t offset,
                                                 MutableByteView destination) const;

 private:
  gen::BootPackage::Client m_client;
};

struct CapInfo {
  CapId cap_id;
  uint64_t interface_id;
  uint64_t badge;
};

class CapabilityManagerClient {
 public:
  explicit CapabilityManagerClient(CapId cap) : m_client(cap) {}
  // Fills `out` with the caller's live caps in slot order; returns how many there are (may
  // exceed out.size(), then only the first out.size() are filled).
  [[nodiscard]] CallResult<uint32_t> list(Runtime& runtime, std::span<CapInfo> out) const;

 private:
  gen::CapabilityManager::Client m_client;
};

}  // namespace capos::rt
