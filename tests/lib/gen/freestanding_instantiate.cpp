// Compiled with the kernel's flags only (never linked): instantiates every generated client
// stub and dispatcher of both schemas, so their template bodies are checked freestanding too.
#include <cstdint>

#include "lib/core/error.h"
#include "lib/core/result.h"
#include "lib/gen/capos.capnp.h"
#include "lib/gen/gen_test.capnp.h"

namespace capos::gen::freestanding {

struct AnyCall {};

// One server type for every interface: each decode step succeeds without touching anything and
// each invoke step does nothing.
struct AnyServer {
#define CAPOS_HANDLER(name)                                                         \
  template <typename P, typename R>                                                 \
  Result<NoPlan> decode_##name(AnyCall& /*call*/, const P& /*p*/, const R& /*r*/) { \
    return NoPlan{};                                                                \
  }                                                                                 \
  void invoke_##name(AnyCall& /*call*/, NoPlan /*plan*/) {}
  CAPOS_HANDLER(write)
  CAPOS_HANDLER(write_line)
  CAPOS_HANDLER(now)
  CAPOS_HANDLER(sleep)
  CAPOS_HANDLER(alloc_frame)
  CAPOS_HANDLER(alloc_contiguous)
  CAPOS_HANDLER(info)
  CAPOS_HANDLER(map)
  CAPOS_HANDLER(unmap)
  CAPOS_HANDLER(protect)
  CAPOS_HANDLER(make_client)
  CAPOS_HANDLER(spawn)
  CAPOS_HANDLER(wait)
  CAPOS_HANDLER(manifest_size)
  CAPOS_HANDLER(read_manifest)
  CAPOS_HANDLER(list)
  CAPOS_HANDLER(add)
  CAPOS_HANDLER(describe)
  CAPOS_HANDLER(submit)
  CAPOS_HANDLER(reset)
  CAPOS_HANDLER(collect)
#undef CAPOS_HANDLER
};

template <typename Interface>
uint32_t run(uint16_t method_id, ByteView params, MutableByteView result) {
  AnyServer server;
  AnyCall call;
  const auto outcome = Interface::dispatch(server, call, method_id, params, result);
  return outcome.has_value() ? *outcome : 0;
}

uint32_t dispatch_all(uint16_t method_id, ByteView params, MutableByteView result) {
  return run<Console>(method_id, params, result) + run<Timer>(method_id, params, result) +
         run<FrameAllocator>(method_id, params, result) +
         run<MemoryObject>(method_id, params, result) +
         run<VirtualMemory>(method_id, params, result) + run<Endpoint>(method_id, params, result) +
         run<ClientEndpoint>(method_id, params, result) +
         run<ProcessSpawner>(method_id, params, result) +
         run<ProcessHandle>(method_id, params, result) +
         run<BootPackage>(method_id, params, result) +
         run<CapabilityManager>(method_id, params, result) +
         run<Calculator>(method_id, params, result) + run<Silent>(method_id, params, result);
}

uint16_t call_all(const CallBuffers& buffers) {
  uint16_t sum = 0;
  auto add = [&sum](const CapnpResult<CapSqe>& sqe) {
    if (sqe.has_value()) sum = static_cast<uint16_t>(sum + sqe->method_id);
  };
  add(Console::Client(1).write(buffers, 0, ByteView{}));
  add(Console::Client(1).write_line(buffers, 0, ByteView{}));
  add(Timer::Client(1).now(buffers, 0));
  add(VirtualMemory::Client(1).protect(buffers, 0, 1, 2, 3));
  add(ProcessSpawner::Client(1).spawn(
      buffers, 0, [](const ProcessSpawner::SpawnParams::Builder& params) -> CapnpResult<void> {
        TRY(params.init_grants(1));
        return {};
      }));
  add(BootPackage::Client(1).read_manifest(buffers, 0, 0, 4096));
  add(Calculator::Client(1).describe(buffers, 0, ByteView{}, ByteView{}, Color::Red, false));
  add(Calculator::Client(1).submit(
      buffers, 0, [](const Request::Builder&) -> CapnpResult<void> { return {}; }));
  return sum;
}

}  // namespace capos::gen::freestanding
