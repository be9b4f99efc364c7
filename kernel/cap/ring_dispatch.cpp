#include "kernel/cap/ring_dispatch.h"

#include "lib/core/panic.h"

namespace capos::kernel {

namespace {

// A string literal's bytes, at most the schema's 256-byte message bound.
ByteView message_bytes(const char* message) {
  constexpr size_t max_message_bytes = 256;
  size_t length = 0;
  // SAFETY: `message` is a NUL-terminated string literal (CallFailure's contract); the loop
  // stops at its NUL or the bound, never past the literal.
  while (length < max_message_bytes && message[length] != '\0') ++length;
  // SAFETY: the literal's own bytes: `length` stops at its NUL or the bound, never past it.
  return bytes_of(std::span<const char>(message, length));
}

capnp::CapnpResult<uint32_t> build_exception(MutableByteView window, gen::ExceptionType type,
                                             ByteView message) {
  gen::InPlaceMessage built;
  TRY(built.start(window));
  const gen::CapException::Builder exception =
      TRY(gen::init_root<gen::CapException>(built.builder()));
  exception.set_type(type);
  TRY(exception.set_message(message));
  return built.finish();
}

}  // namespace

void read_xfer_descs(ByteView bytes, std::span<XferDesc> out) {
  KASSERT(bytes.size() == out.size_bytes());
  for (size_t i = 0; i < out.size(); ++i) {
    const ByteView desc = bytes.subspan(i * sizeof(XferDesc), sizeof(XferDesc));
    // Offsets per lib/ring/abi.h (static_asserted there); in range by the subspan above.
    out[i] = XferDesc{
        .cap_id = load_le<uint32_t>(desc, 0).value_or(0),
        .mode = load_le<uint8_t>(desc, 4).value_or(0),
        .flags = load_le<uint8_t>(desc, 5).value_or(0),
        .reserved16 = load_le<uint16_t>(desc, 6).value_or(0),
        .reserved64 = load_le<uint64_t>(desc, 8).value_or(0),
    };
  }
}

EncodedException encode_exception(MutableByteView window, const CallFailure& failure) {
  const capnp::CapnpResult<uint32_t> full =
      build_exception(window, failure.exception, message_bytes(failure.message));
  if (full) return {*full, Error::ApplicationException};
  for (uint8_t& byte : window) byte = 0;  // drop what the failed attempt wrote
  const capnp::CapnpResult<uint32_t> bare = build_exception(window, failure.exception, ByteView());
  if (bare) return {*bare, Error::ApplicationExceptionTruncated};
  for (uint8_t& byte : window) byte = 0;
  return {0, Error::ApplicationExceptionTruncated};
}

namespace {

// [start, start + RING_PAGE_SIZE) and [address, address + length) share a byte. Written so
// that nothing wraps: `address < page_end` and `start - address < length` (when address is
// below the page) never overflow for any u64 inputs.
bool overlaps_page(uint64_t address, uint64_t length, uint64_t start) {
  if (length == 0) return false;
  const uint64_t page_end = start + RING_PAGE_SIZE;  // both pages end below 2^47
  if (address >= page_end) return false;
  return address >= start || start - address < length;
}

}  // namespace

bool overlaps_shared_pages(uint64_t address, uint64_t length) {
  return overlaps_page(address, length, RING_VADDR) || overlaps_page(address, length, CAPSET_VADDR);
}

}  // namespace capos::kernel
