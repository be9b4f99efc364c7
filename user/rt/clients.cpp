#include "user/rt/clients.h"

#include "lib/capnp/message_reader.h"
#include "lib/ring/transport.h"

namespace capos::rt {

namespace {

// Parses the results of a call as the root struct S (fully validated).
template <typename S>
class Results {
 public:
  [[nodiscard]] CallResult<typename S::Reader> parse(ByteView bytes) {
    if (!m_message.parse(bytes)) return TransportCode::Invalid;
    const capnp::CapnpResult<typename S::Reader> root = gen::read_root<S>(m_message);
    if (!root || !root->validate()) return TransportCode::Invalid;
    return *root;
  }

 private:
  capnp::MessageReader m_message;
};

}  // namespace

CallResult<ByteView> call(Runtime& runtime, const capnp::CapnpResult<CapSqe>& sqe) {
  if (!sqe) return TransportCode::TooBig;
  const Result<CapCqe> cqe = runtime.submit_and_wait(*sqe);
  if (!cqe) return to_transport_code(cqe.error());  // the one mapping (lib/ring/transport.h)
  if (cqe->result < 0) return static_cast<TransportCode>(cqe->result);
  return runtime.result_bytes(*cqe);
}

CallResult<void> ConsoleClient::write_line(Runtime& runtime, ByteView text) const {
  TRY(call(runtime, m_client.write_line(runtime.buffers(), runtime.next_user_data(), text)));
  return {};
}

CallResult<void> ConsoleClient::write(Runtime& runtime, ByteView data) const {
  TRY(call(runtime, m_client.write(runtime.buffers(), runtime.next_user_data(), data)));
  return {};
}

CallResult<uint64_t> BootPackageClient::manifest_size(Runtime& runtime) const {
  const ByteView bytes =
      TRY(call(runtime, m_client.manifest_size(runtime.buffers(), runtime.next_user_data())));
  Results<gen::BootPackage::ManifestSizeResults> results;
  return TRY(results.parse(bytes)).get_size();
}

CallResult<size_t> BootPackageClient::read_manifest(Runtime& runtime, uint64_t offset,
                                                    MutableByteView destination) const {
  const auto max_bytes =
      static_cast<uint32_t>(destination.size() < 4096 ? destination.size() : 4096);
  auto fill =
      [&](const gen::BootPackage::ReadManifestParams::Builder& params) -> capnp::CapnpResult<void> {
    params.set_offset(offset);
    params.set_max_bytes(max_bytes);
    return {};
  };
  const ByteView bytes =
      TRY(call(runtime, m_client.read_manifest(runtime.buffers(), runtime.next_user_data(), fill)));
  Results<gen::BootPackage::ReadManifestResults> results;
  const gen::BootPackage::ReadManifestResults::Reader reader = TRY(results.parse(bytes));
  const capnp::CapnpResult<ByteView> data = reader.get_data();
  if (!data || data->size() > destination.size()) return TransportCode::Invalid;
  for (size_t i = 0; i < data->size(); ++i) destination[i] = (*data)[i];
  return data->size();
}

CallResult<uint32_t> CapabilityManagerClient::list(Runtime& runtime, std::span<CapInfo> out) const {
  const ByteView bytes =
      TRY(call(runtime, m_client.list(runtime.buffers(), runtime.next_user_data())));
  Results<gen::CapabilityManager::ListResults> results;
  const gen::CapabilityManager::ListResults::Reader reader = TRY(results.parse(bytes));
  const capnp::CapnpResult<gen::StructList<gen::CapabilityInfo>::Reader> list =
      reader.get_capabilities();
  if (!list) return TransportCode::Invalid;
  for (uint32_t i = 0; i < list->size() && i < out.size(); ++i) {
    const capnp::CapnpResult<gen::CapabilityInfo::Reader> info = list->get(i);
    if (!info) return TransportCode::Invalid;
    out[i] = CapInfo{info->get_cap_id(), info->get_interface_id(), info->get_badge()};
  }
  return list->size();
}

}  // namespace capos::rt
