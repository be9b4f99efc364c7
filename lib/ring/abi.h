// lib/ring/abi.h — ring ABI v1 (SPEC §4): the byte layouts and numbers shared by the kernel,
// the userspace runtime, host tools, tests and the model checker. docs/abi.md is the prose
// version of this file.
//
// Every layout is a standard-layout, trivially copyable struct with no padding bytes, pinned by
// static_asserts on its size and on every field offset. A change to anything here is an ABI
// change: it needs RING_ABI_VERSION bumped and a note in docs/abi.md ("ABI versioning").
// ABI constants shared with assembly and userspace use UPPER_SNAKE (STYLE.md); field names
// follow SPEC §4 verbatim (params_len, not params_length) so the prose and the code grep alike.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace capos {

static_assert(std::endian::native == std::endian::little, "SPEC §4: all integers little-endian");

inline constexpr uint32_t RING_ABI_VERSION = 1;

// Address space (SPEC §4 "Address-space constants"). The user half is [begin, end).
inline constexpr uint64_t USER_HALF_BEGIN = 0x0000'0000'0000'1000;
inline constexpr uint64_t USER_HALF_END = 0x0000'8000'0000'0000;
inline constexpr uint64_t RING_VADDR = 0x0000'7FFF'FFFF'E000;          // one page, user RW
inline constexpr uint64_t CAPSET_VADDR = 0x0000'7FFF'FFFF'C000;        // one page, user RO
inline constexpr uint64_t USER_STACK_TOP = 0x0000'7FFF'FFF0'0000;      // grows down, guard below
inline constexpr uint64_t USER_SEGMENT_LIMIT = 0x0000'7FFF'0000'0000;  // ELF segments end <= this
inline constexpr uint64_t RING_PAGE_SIZE = 4096;

// Syscalls (rax) and cap_enter timeouts (rsi).
inline constexpr uint64_t SYS_CAP_ENTER = 0;
inline constexpr uint64_t SYS_EXIT = 1;
inline constexpr uint64_t TIMEOUT_NEVER_BLOCK = 0;
inline constexpr uint64_t TIMEOUT_INFINITE = UINT64_MAX;

// Ring geometry. Indices are free-running u32 counters; slot = index % entries, which is exact
// across the u32 wrap because both counts are powers of two dividing 2^32.
inline constexpr uint32_t SQ_ENTRIES = 16;
inline constexpr uint32_t CQ_ENTRIES = 32;
inline constexpr uint32_t SQES_PER_ENTRY = 16;  // fairness budget of one cap_enter
inline constexpr uint32_t MAX_XFER_DESCS = 4;   // per CALL or RETURN
static_assert(std::has_single_bit(SQ_ENTRIES) && std::has_single_bit(CQ_ENTRIES));

// Flag bits.
inline constexpr uint32_t RING_FLAG_CORRUPT = 1U << 0;  // ring page `flags`: last check failed
inline constexpr uint32_t CQE_FLAG_CAPS = 1U << 0;      // CQE `flags`: result-cap records present

// CapSet page.
inline constexpr uint32_t CAPSET_MAGIC = 0x54455343;  // "CSET" read as little-endian bytes
inline constexpr uint16_t CAPSET_VERSION = 1;
inline constexpr uint32_t CAPSET_MAX_ENTRIES = 63;
inline constexpr size_t CAPSET_NAME_BYTES = 40;

// SQE opcodes. The wire field is a raw u8 (any value can arrive); this is the decoded form.
enum class Opcode : uint8_t { Nop = 0, Call = 1, Recv = 2, Return = 3, Release = 4 };
inline constexpr uint8_t FIRST_RESERVED_OPCODE = 5;  // 5 (FINISH) and above: CAP_ERR_BAD_OPCODE

// XferDesc modes (0 is deliberately invalid so a zeroed descriptor is rejected).
enum class TransferMode : uint8_t { Copy = 1, Move = 2 };

// Transport codes: a negative CQE `result` or cap_enter return. TransportCode::X is SPEC's
// CAP_ERR_X (transport_code_name() gives that spelling).
enum class TransportCode : int32_t {  // NOLINT(performance-enum-size): the wire field is i32
  Invalid = -1,
  BadOpcode = -2,
  BadCap = -3,
  BadInterface = -4,
  BadMethod = -5,
  Fault = -6,
  TooBig = -7,
  Quota = -8,
  BadXfer = -9,
  BadCallId = -10,
  PeerGone = -11,
  Cancelled = -12,
  ApplicationException = -13,
  ApplicationExceptionTruncated = -14,
  RingCorrupt = -15,
  TimedOut = -16,
};
inline constexpr int32_t TRANSPORT_CODE_MIN = -16;

[[nodiscard]] constexpr int32_t to_raw(TransportCode code) { return static_cast<int32_t>(code); }
[[nodiscard]] constexpr uint8_t to_raw(Opcode opcode) { return static_cast<uint8_t>(opcode); }
[[nodiscard]] constexpr uint8_t to_raw(TransferMode mode) { return static_cast<uint8_t>(mode); }

// Submission queue entry, written by the user. Every field is untrusted.
struct CapSqe {
  uint8_t opcode;           // Opcode
  uint8_t flags;            // reserved, 0 in v1
  uint16_t method_id;       // CALL
  uint32_t cap_id;          // target capability
  uint64_t user_data;       // echoed in the CQE
  uint64_t params_addr;     // CALL/RETURN payload
  uint32_t params_len;      //
  uint32_t result_len;      // result buffer (CALL/RECV)
  uint64_t result_addr;     //
  uint64_t xfer_addr;       // XferDesc[xfer_count] (CALL/RETURN)
  uint32_t xfer_count;      // <= MAX_XFER_DESCS
  uint32_t call_id;         // RETURN: the call being answered
  uint32_t pipeline_dep;    // reserved, 0 in v1
  uint32_t pipeline_field;  // reserved, 0 in v1
};
static_assert(sizeof(CapSqe) == 64 && alignof(CapSqe) == 8);
static_assert(offsetof(CapSqe, opcode) == 0 && offsetof(CapSqe, flags) == 1);
static_assert(offsetof(CapSqe, method_id) == 2 && offsetof(CapSqe, cap_id) == 4);
static_assert(offsetof(CapSqe, user_data) == 8 && offsetof(CapSqe, params_addr) == 16);
static_assert(offsetof(CapSqe, params_len) == 24 && offsetof(CapSqe, result_len) == 28);
static_assert(offsetof(CapSqe, result_addr) == 32 && offsetof(CapSqe, xfer_addr) == 40);
static_assert(offsetof(CapSqe, xfer_count) == 48 && offsetof(CapSqe, call_id) == 52);
static_assert(offsetof(CapSqe, pipeline_dep) == 56 && offsetof(CapSqe, pipeline_field) == 60);

// Completion queue entry, written by the kernel.
struct CapCqe {
  uint64_t user_data;  // from the SQE
  int32_t result;      // >= 0: bytes written to the result buffer; < 0: TransportCode
  uint32_t flags;      // CQE_FLAG_CAPS
  uint32_t call_id;    // RECV: the call to RETURN
  uint32_t cap_count;  // result-cap records after the payload
  uint64_t reserved;   // 0
};
static_assert(sizeof(CapCqe) == 32 && alignof(CapCqe) == 8);
static_assert(offsetof(CapCqe, user_data) == 0 && offsetof(CapCqe, result) == 8);
static_assert(offsetof(CapCqe, flags) == 12 && offsetof(CapCqe, call_id) == 16);
static_assert(offsetof(CapCqe, cap_count) == 20 && offsetof(CapCqe, reserved) == 24);

// Transfer descriptor (array at CapSqe::xfer_addr).
struct XferDesc {
  uint32_t cap_id;
  uint8_t mode;         // TransferMode
  uint8_t flags;        // reserved, 0 in v1
  uint16_t reserved16;  // 0
  uint64_t reserved64;  // 0
};
static_assert(sizeof(XferDesc) == 16 && alignof(XferDesc) == 8);
static_assert(offsetof(XferDesc, cap_id) == 0 && offsetof(XferDesc, mode) == 4);
static_assert(offsetof(XferDesc, flags) == 5 && offsetof(XferDesc, reserved16) == 6);
static_assert(offsetof(XferDesc, reserved64) == 8);

// Result-cap record: follows the payload in a result buffer at the next 8-byte boundary.
struct ResultCapRecord {
  uint32_t cap_id;
  uint32_t reserved;  // 0
  uint64_t interface_id;
};
static_assert(sizeof(ResultCapRecord) == 16 && alignof(ResultCapRecord) == 8);
static_assert(offsetof(ResultCapRecord, cap_id) == 0 && offsetof(ResultCapRecord, reserved) == 4);
static_assert(offsetof(ResultCapRecord, interface_id) == 8);

// At the start of a RECV's result buffer; then params_len bytes, then cap records.
struct EndpointMessageHeader {
  uint32_t call_id;
  uint16_t method_id;
  uint16_t flags;  // 0 in v1
  uint64_t badge;
  uint32_t params_len;
  uint32_t cap_count;
  uint64_t interface_id;
};
static_assert(sizeof(EndpointMessageHeader) == 32 && alignof(EndpointMessageHeader) == 8);
static_assert(offsetof(EndpointMessageHeader, call_id) == 0);
static_assert(offsetof(EndpointMessageHeader, method_id) == 4);
static_assert(offsetof(EndpointMessageHeader, flags) == 6);
static_assert(offsetof(EndpointMessageHeader, badge) == 8);
static_assert(offsetof(EndpointMessageHeader, params_len) == 16);
static_assert(offsetof(EndpointMessageHeader, cap_count) == 20);
static_assert(offsetof(EndpointMessageHeader, interface_id) == 24);

// CapSet page (at CAPSET_VADDR, read-only to the user).
struct CapSetHeader {
  uint32_t magic;    // CAPSET_MAGIC
  uint16_t version;  // CAPSET_VERSION
  uint16_t count;    // <= CAPSET_MAX_ENTRIES
  uint8_t reserved[56];
};
static_assert(sizeof(CapSetHeader) == 64);
static_assert(offsetof(CapSetHeader, magic) == 0 && offsetof(CapSetHeader, version) == 4);
static_assert(offsetof(CapSetHeader, count) == 6 && offsetof(CapSetHeader, reserved) == 8);

struct CapSetEntry {
  char name[CAPSET_NAME_BYTES];  // NUL-padded
  uint32_t cap_id;
  uint32_t reserved32;
  uint64_t interface_id;
  uint64_t reserved64;
};
static_assert(sizeof(CapSetEntry) == 64 && alignof(CapSetEntry) == 8);
static_assert(offsetof(CapSetEntry, name) == 0 && offsetof(CapSetEntry, cap_id) == 40);
static_assert(offsetof(CapSetEntry, reserved32) == 44);
static_assert(offsetof(CapSetEntry, interface_id) == 48);
static_assert(offsetof(CapSetEntry, reserved64) == 56);

struct alignas(RING_PAGE_SIZE) CapSetPage {
  CapSetHeader header;
  CapSetEntry entries[CAPSET_MAX_ENTRIES];  // manifest order
};
static_assert(sizeof(CapSetPage) == RING_PAGE_SIZE);
static_assert(offsetof(CapSetPage, header) == 0 && offsetof(CapSetPage, entries) == 64);

// The ring page (at RING_VADDR, user RW). Each user-written index has a cache line of its own.
// `writer` says who stores the word; the other side only loads it. The kernel never trusts a
// word of this page: its own copies of sq_head, cq_tail, flags and counters are authoritative.
struct alignas(RING_PAGE_SIZE) RingPage {
  uint32_t sq_head;  // kernel (mirror)
  uint8_t reserved_4[60];
  uint32_t sq_tail;  // user
  uint8_t reserved_68[60];
  uint32_t cq_head;  // user
  uint8_t reserved_132[60];
  uint32_t cq_tail;        // kernel
  uint32_t sq_entries;     // kernel, = SQ_ENTRIES
  uint32_t cq_entries;     // kernel, = CQ_ENTRIES
  uint32_t flags;          // kernel, RING_FLAG_CORRUPT
  uint32_t corrupt_count;  // kernel, saturating
  uint32_t cq_full_count;  // kernel, saturating
  uint8_t reserved_216[40];
  CapSqe sq[SQ_ENTRIES];  // user
  CapCqe cq[CQ_ENTRIES];  // kernel
  uint8_t reserved_2304[1792];
};
static_assert(sizeof(RingPage) == RING_PAGE_SIZE);
static_assert(offsetof(RingPage, sq_head) == 0 && offsetof(RingPage, sq_tail) == 64);
static_assert(offsetof(RingPage, cq_head) == 128 && offsetof(RingPage, cq_tail) == 192);
static_assert(offsetof(RingPage, sq_entries) == 196 && offsetof(RingPage, cq_entries) == 200);
static_assert(offsetof(RingPage, flags) == 204 && offsetof(RingPage, corrupt_count) == 208);
static_assert(offsetof(RingPage, cq_full_count) == 212);
static_assert(offsetof(RingPage, sq) == 256 && offsetof(RingPage, cq) == 1280);
static_assert(offsetof(RingPage, reserved_2304) == 2304);

// Layouts are copied as bytes across the boundary: no padding, no hidden state.
template <typename T>
concept AbiLayout = std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T> &&
                    std::has_unique_object_representations_v<T>;
static_assert(AbiLayout<CapSqe> && AbiLayout<CapCqe> && AbiLayout<XferDesc>);
static_assert(AbiLayout<ResultCapRecord> && AbiLayout<EndpointMessageHeader>);
static_assert(AbiLayout<CapSetHeader> && AbiLayout<CapSetEntry>);
static_assert(AbiLayout<CapSetPage> && AbiLayout<RingPage>);

}  // namespace capos
