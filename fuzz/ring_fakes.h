// fuzz/ring_fakes.h — the host stand-ins the ring_dispatch harness runs lib/ring against: a
// fake user address space behind a fake page table, and the checking atomics policy.
//
// FakeAddressSpace plays validate_user_buffer + copy_in/copy_out (seed §4 "User buffer
// validation"): the range is checked first (no wrap, inside the user half), then every page's
// PTE (present, user, writable for copy_out), and only then are bytes moved, page by page —
// each page is its own host allocation, so a copy that ran past a page would be caught by
// ASan. Every successful copy_out is logged so the harness can check a CQE's result against
// the bytes really written.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "lib/ring/abi.h"
#include "lib/ring/atomics.h"

namespace capos::fuzz {

inline constexpr uint64_t PAGE = 4096;

struct Pte {
  bool user = true;
  bool writable = true;
};

class FakeAddressSpace {
 public:
  // Maps one page at `vaddr` (page aligned). `backing` null: a fresh zeroed page of its own.
  void map(uint64_t vaddr, Pte pte, uint8_t* backing = nullptr) {
    Page page;
    page.pte = pte;
    if (backing == nullptr) {
      page.owned = std::make_unique<uint8_t[]>(PAGE);
      std::memset(page.owned.get(), 0, PAGE);
      page.bytes = page.owned.get();
    } else {
      page.bytes = backing;
    }
    m_pages[vaddr / PAGE] = std::move(page);
  }
  void set_pte(uint64_t vaddr, Pte pte) {
    auto it = m_pages.find(vaddr / PAGE);
    if (it != m_pages.end()) it->second.pte = pte;
  }

  // True iff [addr, addr + length) may be read (or written) by the user. Length 0 is always
  // valid and touches nothing.
  [[nodiscard]] bool valid(uint64_t addr, uint64_t length, bool write) const {
    if (length == 0) return true;
    if (addr > UINT64_MAX - length) return false;  // wraps
    const uint64_t end = addr + length;
    if (addr < USER_HALF_BEGIN || end > USER_HALF_END) return false;
    for (uint64_t page = addr / PAGE; page <= (end - 1) / PAGE; ++page) {
      auto it = m_pages.find(page);
      if (it == m_pages.end() || !it->second.pte.user) return false;
      if (write && !it->second.pte.writable) return false;
    }
    return true;
  }

  [[nodiscard]] bool copy_in(uint64_t addr, std::span<uint8_t> out) const {
    if (!valid(addr, out.size(), false)) return false;
    size_t done = 0;
    while (done < out.size()) {
      const uint64_t at = addr + done;
      const size_t in_page = static_cast<size_t>(at % PAGE);
      const size_t chunk = std::min(out.size() - done, static_cast<size_t>(PAGE) - in_page);
      std::memcpy(out.data() + done, m_pages.at(at / PAGE).bytes + in_page, chunk);
      done += chunk;
    }
    return true;
  }

  [[nodiscard]] bool copy_out(uint64_t addr, std::span<const uint8_t> in) {
    if (!valid(addr, in.size(), true)) return false;
    size_t done = 0;
    while (done < in.size()) {
      const uint64_t at = addr + done;
      const size_t in_page = static_cast<size_t>(at % PAGE);
      const size_t chunk = std::min(in.size() - done, static_cast<size_t>(PAGE) - in_page);
      std::memcpy(m_pages.at(at / PAGE).bytes + in_page, in.data() + done, chunk);
      done += chunk;
    }
    if (!in.empty()) writes.push_back({addr, in.size()});
    return true;
  }

  // The user writing its own memory (no PTE check: it is the harness setting up contents).
  void poke(uint64_t addr, std::span<const uint8_t> in) {
    for (size_t i = 0; i < in.size(); ++i) {
      auto it = m_pages.find((addr + i) / PAGE);
      if (it != m_pages.end()) it->second.bytes[(addr + i) % PAGE] = in[i];
    }
  }

  struct Write {
    uint64_t addr;
    uint64_t length;
  };
  std::vector<Write> writes;  // every successful copy_out since the last clear()

 private:
  struct Page {
    Pte pte;
    uint8_t* bytes = nullptr;
    std::unique_ptr<uint8_t[]> owned;
  };
  std::map<uint64_t, Page> m_pages;  // by page number
};

// Plain single-threaded accesses (one thread plays both sides), counted and checked: every CQE
// the kernel writes goes to the slot of the next CQ index in order, and — while the user side
// is honest — never over a CQE the user has not reaped yet.
class CheckingAtomics {
 public:
  CheckingAtomics(RingPage& page, uint32_t first_index)
      : next_cqe_index(first_index), m_page(&page) {}

  uint32_t load(uint32_t& word, std::memory_order /*order*/) { return word; }
  void store(uint32_t& word, uint32_t value, std::memory_order /*order*/) { word = value; }
  CapSqe read_sqe(CapSqe& slot) {
    ++sqe_reads;
    return slot;
  }
  void write_sqe(CapSqe& slot, const CapSqe& value) { slot = value; }
  CapCqe read_cqe(CapCqe& slot) { return slot; }
  void write_cqe(CapCqe& slot, const CapCqe& value) {
    FUZZ_CHECK(&slot == &m_page->cq[next_cqe_index % CQ_ENTRIES]);
    if (honest_user) FUZZ_CHECK(next_cqe_index - reaped_index < CQ_ENTRIES);  // no CQE lost
    ++next_cqe_index;
    ++cqe_writes;
    slot = value;
  }

  uint64_t sqe_reads = 0;
  uint64_t cqe_writes = 0;
  uint32_t next_cqe_index;    // index of the next CQE the kernel must write
  uint32_t reaped_index = 0;  // honest user: the cq_head it published
  bool honest_user = true;

 private:
  RingPage* m_page;
};
static_assert(RingAtomics<CheckingAtomics>);

}  // namespace capos::fuzz
