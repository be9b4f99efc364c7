// fuzz/ring_dispatch.cpp — the kernel side of the ring (lib/ring KernelRing::enter with the
// SQE/transfer decoding of lib/ring/sqe.h) under arbitrary SQ contents and indices, driven by a
// fake kernel dispatcher over fake capability objects and a fake user address space
// (ring_fake_kernel.h, ring_fakes.h). The input is a program: submit structured SQEs, write
// user memory (params, transfer descriptors), change PTEs, enter the kernel with a budget (in
// "interrupt context", where CALLs are declined), reap, fire timers — and, in hostile mode,
// scribble on SQ slots and on the user-written indices, and map the ring page writable so
// result buffers can overwrite it mid-entry.
//
// Invariants after every entry: a corrupt index pair consumes nothing and sets the flag; else
// consumed = completed + deferred <= min(budget, SQES_PER_ENTRY) (bounded work: the SQ is read
// exactly once per consumed SQE, plus a declined one), the page mirrors the kernel's indices,
// and the kernel's owed count equals the fake kernel's. Every CQE is written at the next CQ
// index (CheckingAtomics). While the user is honest: no entry ever reports corruption, a CQE
// never overwrites an unreaped one (no CQE lost under back-pressure), every CQE answers a
// consumed SQE exactly once with a result within its buffer, immediate completions arrive in
// SQ order, and after draining, every submitted SQE got exactly one CQE.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "fuzz/ring_fake_kernel.h"
#include "fuzz/ring_fakes.h"
#include "lib/ring/abi.h"
#include "lib/ring/kernel_ring.h"
#include "lib/ring/user_ring.h"

namespace capos::fuzz {
namespace {

// User pages of the fake address space (SPEC §4 user half).
constexpr uint64_t RW_PAGE = 0x10000;  // and RW_PAGE + PAGE: two contiguous RW pages
constexpr uint64_t RO_PAGE = 0x12000;
constexpr uint64_t HOLE = 0x13000;
constexpr uint64_t SUPERVISOR_PAGE = 0x14000;
constexpr uint64_t LAST_PAGE = USER_HALF_END - PAGE;

constexpr std::array<uint64_t, 14> ADDRESSES = {
    0,          RW_PAGE,       RW_PAGE + 0xff8,          RW_PAGE + PAGE - 8, RW_PAGE + 2 * PAGE - 8,
    RO_PAGE,    HOLE,          SUPERVISOR_PAGE,          LAST_PAGE,          LAST_PAGE + 0xff8,
    RING_VADDR, USER_HALF_END, 0xffff'8000'0000'0000ULL, UINT64_MAX - 7};
constexpr std::array<uint32_t, 11> LENGTHS = {0,  1,    8,    16,   32,        48,
                                              64, 4095, 4096, 8192, UINT32_MAX};

struct SeqRecord {
  CapSqe sqe{};
  bool consumed = false;
  bool immediate = false;  // completed during its entry (not deferred)
  bool reaped = false;
};

class Harness {
 public:
  Harness(FuzzedDataProvider& in, bool honest, uint32_t first_index)
      : m_in(in),
        m_honest(honest),
        m_page(std::make_unique<RingPage>()),
        m_atomics(*m_page, first_index),
        m_kernel(*m_page, m_atomics, first_index),
        m_user(attach()),
        m_fake(m_memory) {
    m_atomics.honest_user = honest;
    m_atomics.reaped_index = first_index;
    m_memory.map(RW_PAGE, {true, true});
    m_memory.map(RW_PAGE + PAGE, {true, true});
    m_memory.map(RO_PAGE, {true, false});
    m_memory.map(SUPERVISOR_PAGE, {false, true});
    m_memory.map(LAST_PAGE, {true, true});
    // The ring page itself: readable by the user; writable through result buffers only when
    // the user is hostile (an honest user never aims a result buffer at its own indices).
    m_memory.map(RING_VADDR, {true, !honest}, reinterpret_cast<uint8_t*>(m_page.get()));
  }

  void run() {
    for (int step = 0; step < 512 && m_in.remaining_bytes() > 0; ++step) {
      switch (m_in.ConsumeIntegralInRange<int>(0, m_honest ? 9 : 13)) {
        case 0:
        case 1:
        case 2: submit(); break;
        case 3:
        case 4: enter(); break;
        case 5: reap(m_in.ConsumeIntegralInRange<uint32_t>(0, CQ_ENTRIES + 1)); break;
        case 6: fire_timer(); break;
        case 7: write_memory(); break;
        case 8: write_descriptors(); break;
        case 9: change_pte(); break;
        case 10: write_raw_slot(); break;
        case 11: store_index(m_page->sq_tail, m_user.sq_tail()); break;
        case 12: store_index(m_page->cq_head, m_user.cq_head()); break;
        default: m_user.republish(); break;
      }
    }
    if (m_honest) drain();
    post(m_fake.cancel_all());
    FUZZ_CHECK(m_kernel.deferred() == 0);
  }

 private:
  UserRing<CheckingAtomics> attach() {
    auto user = UserRing<CheckingAtomics>::attach(*m_page, m_atomics);
    FUZZ_CHECK(user.has_value());
    return std::move(user).take();
  }

  uint64_t address() {
    return ADDRESSES[m_in.ConsumeIntegralInRange<size_t>(0, ADDRESSES.size() - 1)] +
           m_in.ConsumeIntegralInRange<uint64_t>(0, 16);
  }
  uint32_t length() { return LENGTHS[m_in.ConsumeIntegralInRange<size_t>(0, LENGTHS.size() - 1)]; }
  template <typename T>
  T mostly_zero() {
    return m_in.ConsumeProbability<float>() < 0.9F ? T{0} : m_in.ConsumeIntegral<T>();
  }

  void submit() {
    CapSqe sqe{};
    sqe.opcode = m_in.ConsumeBool() ? m_in.ConsumeIntegralInRange<uint8_t>(0, 5)
                                    : m_in.ConsumeIntegral<uint8_t>();
    sqe.flags = mostly_zero<uint8_t>();
    sqe.method_id = m_in.ConsumeIntegralInRange<uint16_t>(0, 9);
    sqe.cap_id = m_in.ConsumeBool() ? m_in.ConsumeIntegralInRange<uint32_t>(0, CAP_SLOTS + 1)
                                    : m_in.ConsumeIntegral<uint32_t>();
    sqe.params_addr = address();
    sqe.params_len = length();
    sqe.result_addr = address();
    sqe.result_len = length();
    const bool transfers = m_in.ConsumeBool();
    sqe.xfer_addr = transfers ? address() : mostly_zero<uint64_t>();
    sqe.xfer_count = transfers ? m_in.ConsumeIntegralInRange<uint32_t>(0, MAX_XFER_DESCS + 1)
                               : mostly_zero<uint32_t>();
    sqe.call_id = m_in.ConsumeIntegralInRange<uint32_t>(0, 6);
    sqe.pipeline_dep = mostly_zero<uint32_t>();
    sqe.pipeline_field = mostly_zero<uint32_t>();
    sqe.user_data = m_honest ? m_records.size() : m_in.ConsumeIntegral<uint64_t>();
    const auto submitted = m_user.submit(sqe);
    if (!submitted) {
      FUZZ_CHECK(!m_honest || submitted.error() == Error::WouldBlock);
      return;
    }
    if (m_honest) m_records.push_back({sqe, false, false, false});
  }

  void enter() {
    const uint32_t budget = m_in.ConsumeIntegralInRange<uint32_t>(0, SQES_PER_ENTRY + 4);
    m_fake.interrupt_context = m_in.ConsumeProbability<float>() < 0.2F;
    const uint32_t sq_head = m_kernel.sq_head();
    const uint32_t cq_tail = m_kernel.cq_tail();
    const uint32_t corrupt = m_kernel.corrupt_count();
    const uint32_t cq_full = m_kernel.cq_full_count();
    const uint64_t calls = m_fake.calls;
    const uint64_t reads = m_atomics.sqe_reads;
    const uint64_t writes = m_atomics.cqe_writes;
    const uint32_t deferred_before = m_kernel.deferred();

    auto report = m_kernel.enter(m_fake, budget);
    m_fake.interrupt_context = false;
    if (!report) {
      FUZZ_CHECK(!m_honest);  // an honest user never corrupts its indices
      FUZZ_CHECK(report.error() == Error::RingCorrupt);
      FUZZ_CHECK(m_kernel.sq_head() == sq_head && m_kernel.cq_tail() == cq_tail);
      FUZZ_CHECK(m_fake.calls == calls && m_atomics.sqe_reads == reads);
      FUZZ_CHECK((m_kernel.flags() & RING_FLAG_CORRUPT) != 0);
      FUZZ_CHECK((m_page->flags & RING_FLAG_CORRUPT) != 0);
      FUZZ_CHECK(m_kernel.corrupt_count() == (corrupt == UINT32_MAX ? corrupt : corrupt + 1));
      return;
    }
    const EntryReport& r = *report;
    FUZZ_CHECK(r.consumed == r.completed + r.deferred);
    FUZZ_CHECK(r.consumed <= budget && r.consumed <= SQES_PER_ENTRY);
    FUZZ_CHECK(m_kernel.sq_head() - sq_head == r.consumed);
    FUZZ_CHECK(m_kernel.cq_tail() - cq_tail == r.completed);
    FUZZ_CHECK(m_atomics.cqe_writes - writes == r.completed);
    const uint64_t dispatched = m_fake.calls - calls;
    FUZZ_CHECK(dispatched == r.consumed + (r.stop == EntryStop::Declined ? 1 : 0));
    FUZZ_CHECK(m_atomics.sqe_reads - reads == dispatched);
    FUZZ_CHECK(m_kernel.deferred() - deferred_before == r.deferred);
    FUZZ_CHECK(m_kernel.deferred() == m_fake.owed());
    FUZZ_CHECK(m_kernel.deferred() <= CQ_ENTRIES);
    FUZZ_CHECK((m_kernel.flags() & RING_FLAG_CORRUPT) == 0);
    FUZZ_CHECK(m_page->sq_head == m_kernel.sq_head() && m_page->cq_tail == m_kernel.cq_tail());
    FUZZ_CHECK(m_page->flags == m_kernel.flags());
    if (r.stop == EntryStop::CqFull) {
      FUZZ_CHECK(m_kernel.cq_full_count() == (cq_full == UINT32_MAX ? cq_full : cq_full + 1));
    }
    if (m_honest) {
      for (uint32_t i = 0; i < r.consumed; ++i) {
        SeqRecord& record = m_records.at(static_cast<size_t>(m_consumed_seq++));
        record.consumed = true;
      }
      if (r.stop == EntryStop::SqEmpty) FUZZ_CHECK(m_kernel.sq_head() == m_user.sq_tail());
      // Which of them completed immediately is told by the CQEs written this entry.
      for (uint32_t i = 0; i < r.completed; ++i) {
        const CapCqe& cqe = m_page->cq[(cq_tail + i) % CQ_ENTRIES];
        m_records.at(static_cast<size_t>(cqe.user_data)).immediate = true;
      }
    }
    std::vector<CapCqe> ready = std::move(m_fake.ready);
    m_fake.ready.clear();
    post(ready);
  }

  void post(const std::vector<CapCqe>& cqes) {
    for (const CapCqe& cqe : cqes) {
      const uint32_t before = m_kernel.cq_tail();
      FUZZ_CHECK(m_kernel.post_deferred(cqe).has_value());
      FUZZ_CHECK(m_kernel.cq_tail() == before + 1 && m_page->cq_tail == m_kernel.cq_tail());
    }
    FUZZ_CHECK(m_kernel.deferred() == m_fake.owed());
  }

  void fire_timer() {
    const auto cqe = m_fake.fire_timer();
    if (cqe) post({*cqe});
  }

  void reap(uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
      const auto cqe = m_user.reap();
      if (!cqe) {
        FUZZ_CHECK(!m_honest || cqe.error() == Error::WouldBlock);
        return;
      }
      m_atomics.reaped_index = m_user.cq_head();
      FUZZ_CHECK(cqe->reserved == 0 || !m_honest);
      if (m_honest) check_reaped(*cqe);
    }
  }

  void check_reaped(const CapCqe& cqe) {
    FUZZ_CHECK(cqe.user_data < m_records.size());
    SeqRecord& record = m_records[static_cast<size_t>(cqe.user_data)];
    FUZZ_CHECK(record.consumed && !record.reaped);  // exactly one CQE per consumed SQE
    record.reaped = true;
    FUZZ_CHECK(cqe.result >= TRANSPORT_CODE_MIN);
    if (cqe.result > 0) FUZZ_CHECK(static_cast<uint32_t>(cqe.result) <= record.sqe.result_len);
    FUZZ_CHECK(cqe.cap_count <= MAX_XFER_DESCS);
    FUZZ_CHECK(((cqe.flags & CQE_FLAG_CAPS) != 0) == (cqe.cap_count > 0));
    if (record.immediate) {
      FUZZ_CHECK(cqe.user_data >= m_last_immediate || m_last_immediate == UINT64_MAX);
      m_last_immediate = cqe.user_data;
    }
  }

  void write_memory() {
    const uint64_t at = address();
    const auto bytes = m_in.ConsumeBytes<uint8_t>(m_in.ConsumeIntegralInRange<size_t>(0, 64));
    // The honest user leaves its ring page alone.
    if (m_honest && at >= RING_VADDR && at < RING_VADDR + PAGE) return;
    m_memory.poke(at, bytes);
  }

  void write_descriptors() {
    const uint64_t at = address();
    if (at >= RING_VADDR && at < RING_VADDR + PAGE && m_honest) return;
    const uint32_t count = m_in.ConsumeIntegralInRange<uint32_t>(1, MAX_XFER_DESCS);
    for (uint32_t i = 0; i < count; ++i) {
      XferDesc desc{};
      desc.cap_id = m_in.ConsumeIntegralInRange<uint32_t>(0, CAP_SLOTS);
      desc.mode = m_in.ConsumeIntegralInRange<uint8_t>(0, 3);
      desc.flags = mostly_zero<uint8_t>();
      desc.reserved16 = mostly_zero<uint16_t>();
      desc.reserved64 = mostly_zero<uint64_t>();
      std::array<uint8_t, sizeof desc> raw{};
      std::memcpy(raw.data(), &desc, sizeof desc);
      m_memory.poke(at + i * sizeof desc, raw);
    }
  }

  void change_pte() {
    static constexpr std::array<uint64_t, 4> pages = {RW_PAGE, RW_PAGE + PAGE, RO_PAGE, LAST_PAGE};
    const uint64_t page = pages[m_in.ConsumeIntegralInRange<size_t>(0, pages.size() - 1)];
    m_memory.set_pte(page, {m_in.ConsumeBool(), m_in.ConsumeBool()});
  }

  void write_raw_slot() {
    const uint32_t slot = m_in.ConsumeIntegralInRange<uint32_t>(0, SQ_ENTRIES - 1);
    const auto bytes = m_in.ConsumeBytes<uint8_t>(sizeof(CapSqe));
    if (!bytes.empty()) std::memcpy(&m_page->sq[slot], bytes.data(), bytes.size());
  }

  void store_index(uint32_t& word, uint32_t honest_value) {
    const uint32_t delta = m_in.ConsumeIntegral<uint32_t>();
    word = m_in.ConsumeBool() ? honest_value + (delta % 40) - 20 : delta;
  }

  // Honest user: enter, reap and cancel until every submitted SQE has its CQE.
  void drain() {
    for (int round = 0; round < 64; ++round) {
      reap(CQ_ENTRIES);
      post(m_fake.cancel_all());
      reap(CQ_ENTRIES);
      if (m_kernel.sq_head() == m_user.sq_tail() && m_kernel.deferred() == 0) break;
      const uint32_t sq_head = m_kernel.sq_head();
      const auto report = m_kernel.enter(m_fake, SQES_PER_ENTRY);
      FUZZ_CHECK(report.has_value());
      for (uint32_t i = sq_head; i != m_kernel.sq_head(); ++i) {
        m_records.at(static_cast<size_t>(m_consumed_seq++)).consumed = true;
      }
      for (uint32_t i = 0; i < report->completed; ++i) {
        const CapCqe& cqe = m_page->cq[(m_kernel.cq_tail() - report->completed + i) % CQ_ENTRIES];
        m_records.at(static_cast<size_t>(cqe.user_data)).immediate = true;
      }
    }
    post(m_fake.cancel_all());
    reap(CQ_ENTRIES + 1);
    FUZZ_CHECK(m_kernel.sq_head() == m_user.sq_tail());
    for (const SeqRecord& record : m_records) FUZZ_CHECK(record.consumed && record.reaped);
  }

  FuzzedDataProvider& m_in;
  bool m_honest;
  std::unique_ptr<RingPage> m_page;  // value-initialised: zero-filled, as the kernel maps it
  CheckingAtomics m_atomics;
  KernelRing<CheckingAtomics> m_kernel;
  UserRing<CheckingAtomics> m_user;
  FakeAddressSpace m_memory;
  FakeKernel m_fake;
  std::vector<SeqRecord> m_records;  // honest mode: by user_data = submission order
  uint64_t m_consumed_seq = 0;
  uint64_t m_last_immediate = UINT64_MAX;
};

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool honest = in.ConsumeBool();
  static constexpr std::array<uint32_t, 3> firsts = {0, UINT32_MAX - 20, 0x8000'0000U};
  const uint32_t first_index = firsts[in.ConsumeIntegralInRange<size_t>(0, firsts.size() - 1)];
  capos::fuzz::Harness harness(in, honest, first_index);
  harness.run();
  return 0;
}
