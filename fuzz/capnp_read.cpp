// fuzz/capnp_read.cpp — arbitrary bytes into lib/capnp's freestanding reader, with no schema.
//
// Every pointer reached from the root is followed in every way a schema could ask for (struct,
// each of the eight list element sizes, text, data, capability), recursively, and every element
// of every list is read at every width. The reader's promises are checked on each step:
//   - every Text/Data view lies inside the input, and a text is followed by its NUL;
//   - the traversal budget only decreases, and following a pointer twice gives the same answer;
//   - struct sections and list elements are readable (ASan watches each read);
//   - TrailingBytes::Reject accepts exactly the inputs Allow accepts whose message ends the input,
//     and rejects the others with TrailingBytes;
//   - reading one element past the end of a list fails with IndexOutOfRange.
// Work per input is bounded by the reader's own limits (traversal budget proportional to the
// input, nesting limit), which this harness relies on rather than adding its own.
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz/capnp_mutator.h"
#include "fuzz/fuzz_support.h"
#include "lib/capnp/message_reader.h"
#include "lib/capnp/reader.h"

namespace capos::fuzz {
namespace {

using capnp::CapnpResult;
using capnp::ElementSize;
using capnp::ListReader;
using capnp::MessageReader;
using capnp::PointerReader;
using capnp::StructReader;

// Elements read per list: enough to reach both ends and a few in between.
constexpr uint32_t ELEMENTS_PER_LIST = 8;

constexpr std::array<ElementSize, 8> ALL_SIZES = {
    ElementSize::Void,      ElementSize::Bit,
    ElementSize::Byte,      ElementSize::TwoBytes,
    ElementSize::FourBytes, ElementSize::EightBytes,
    ElementSize::Pointer,   ElementSize::InlineComposite};

class Walker {
 public:
  Walker(ByteView input, const MessageReader& reader) : m_input(input), m_reader(reader) {}

  void pointer(const PointerReader& p) {
    after_follow();
    if (p.is_null()) {
      // Defaults: an empty struct, empty lists and blobs, no capability; nothing to follow.
      const auto s = p.get_struct();
      FUZZ_CHECK(s.has_value() && s->data_bytes() == 0 && s->pointer_count() == 0);
      const auto cap = p.get_capability();
      FUZZ_CHECK(cap.has_value() && !cap->has_value());
      const auto text = p.get_text();
      FUZZ_CHECK(text.has_value() && text->empty());
      after_follow();
      return;
    }
    const CapnpResult<StructReader> s = p.get_struct();
    after_follow();
    if (s.has_value()) {
      const CapnpResult<StructReader> again = p.get_struct();
      FUZZ_CHECK(!again.has_value() || (again->data_bytes() == s->data_bytes() &&
                                        again->pointer_count() == s->pointer_count()));
      after_follow();
      structure(*s);
    }
    for (ElementSize expected : ALL_SIZES) {
      const CapnpResult<ListReader> l = p.get_list(expected);
      after_follow();
      if (l.has_value()) list(*l);
    }
    const CapnpResult<ByteView> text = p.get_text();
    after_follow();
    if (text.has_value()) {
      inside_input(*text);
      // The NUL that get_text() checked and stripped is the byte after the view.
      FUZZ_CHECK(text->data() + text->size() < m_input.data() + m_input.size());
      FUZZ_CHECK(text->data()[text->size()] == 0);
      const CapnpResult<ByteView> again = p.get_text();
      FUZZ_CHECK(!again.has_value() ||
                 (again->data() == text->data() && again->size() == text->size()));
      after_follow();
    }
    const CapnpResult<ByteView> bytes = p.get_data();
    after_follow();
    if (bytes.has_value()) inside_input(*bytes);
    const auto cap = p.get_capability();
    if (cap.has_value()) FUZZ_CHECK(cap->has_value());
  }

  void structure(const StructReader& s) {
    FUZZ_CHECK(s.data_bytes() <= m_input.size());
    FUZZ_CHECK(uint64_t{s.pointer_count()} * 8 <= m_input.size());
    // Scalars at both ends of the data section and one past it (which reads the default).
    const uint32_t end = s.data_bytes();
    for (uint32_t offset : {0U, end >= 8 ? end - 8 : 0U, end}) {
      (void)s.get_u64(offset);
      (void)s.get_u8(offset);
    }
    FUZZ_CHECK(s.get_u64(end, 0x1234) == 0x1234);
    (void)s.get_bool(end == 0 ? 0 : end * 8 - 1);
    for (uint16_t i = 0; i < s.pointer_count() && i < 64; ++i) pointer(s.pointer(i));
    // Beyond the pointer section: a null pointer.
    FUZZ_CHECK(s.pointer(s.pointer_count()).is_null());
  }

  void list(const ListReader& l) {
    const uint32_t size = l.size();
    for (uint32_t i = 0; i < size && i < ELEMENTS_PER_LIST; ++i) element(l, i);
    if (size > ELEMENTS_PER_LIST) element(l, size - 1);
    // One past the end: scalars read 0, the rest fail with IndexOutOfRange (the list-bounds
    // limit; corpus seed-limit-IndexOutOfRange.bin reaches it).
    FUZZ_CHECK(l.get_u64(size) == 0 && !l.get_bool(size));
    const auto past = l.get_struct(size);
    FUZZ_CHECK(!past.has_value() && past.error() == capnp::CapnpError::IndexOutOfRange);
    const auto past_pointer = l.pointer(size);
    FUZZ_CHECK(!past_pointer.has_value() &&
               past_pointer.error() == capnp::CapnpError::IndexOutOfRange);
  }

  void element(const ListReader& l, uint32_t i) {
    (void)l.get_u8(i);
    (void)l.get_u16(i);
    (void)l.get_u32(i);
    (void)l.get_u64(i);
    (void)l.get_bool(i);
    const auto s = l.get_struct(i);
    after_follow();
    if (s.has_value()) structure(*s);
    const auto p = l.pointer(i);
    if (p.has_value()) pointer(*p);
    const auto text = l.get_text(i);
    after_follow();
    if (text.has_value()) inside_input(*text);
    const auto bytes = l.get_data(i);
    after_follow();
    if (bytes.has_value()) inside_input(*bytes);
    const auto inner = l.get_list(i, ElementSize::Byte);
    after_follow();
    if (inner.has_value()) list(*inner);
  }

 private:
  void inside_input(ByteView view) const {
    if (view.empty()) return;
    FUZZ_CHECK(view.data() >= m_input.data());
    FUZZ_CHECK(view.data() + view.size() <= m_input.data() + m_input.size());
  }

  // The budget never grows between two observations.
  void after_follow() {
    const uint64_t remaining = m_reader.traversal_remaining_words();
    FUZZ_CHECK(remaining <= m_last_remaining);
    m_last_remaining = remaining;
  }

  ByteView m_input;
  const MessageReader& m_reader;
  uint64_t m_last_remaining = UINT64_MAX;
};

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capos;
  const ByteView input(data, size);
  // The README's advice for hostile messages: a budget proportional to the message.
  const uint64_t budget = size < 64 ? 64 : size;  // = 8 x its words
  capnp::MessageReader allow(
      capnp::ReaderOptions{budget, capnp::DEFAULT_NESTING_LIMIT, capnp::TrailingBytes::Allow});
  const auto parsed = allow.parse(input);
  capnp::MessageReader reject(
      capnp::ReaderOptions{budget, capnp::DEFAULT_NESTING_LIMIT, capnp::TrailingBytes::Reject});
  const auto strict = reject.parse(input);
  FUZZ_CHECK(strict.has_value() == (parsed.has_value() && allow.message_bytes() == size));
  // Where only the trailing bytes differ, Reject says so (seed-limit-TrailingBytes.bin).
  if (parsed.has_value() && !strict.has_value()) {
    FUZZ_CHECK(strict.error() == capnp::CapnpError::TrailingBytes);
  }
  if (!parsed.has_value()) return 0;
  FUZZ_CHECK(allow.message_bytes() <= size);
  FUZZ_CHECK(allow.segment_count() >= 1 && allow.segment_count() <= capnp::MAX_SEGMENTS);
  FUZZ_CHECK(allow.traversal_remaining_words() == budget);

  fuzz::Walker walker(input, allow);
  const auto root = allow.root_pointer();
  if (root.has_value()) walker.pointer(*root);
  const auto root_struct = allow.root();
  if (root_struct.has_value()) walker.structure(*root_struct);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  return capos::fuzz::mutate_capnp(data, size, max_size, seed);
}
