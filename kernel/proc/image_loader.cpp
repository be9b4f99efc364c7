#include "kernel/proc/image_loader.h"

#include <optional>

#include "kernel/mem/direct_map.h"
#include "kernel/mem/physical_memory.h"
#include "lib/core/checked.h"
#include "lib/ring/abi.h"

namespace capos::kernel {

namespace {

constexpr uint64_t page_size = Arch::page_size;

static_assert(user_tls_vaddr >= USER_SEGMENT_LIMIT && user_tls_vaddr % page_size == 0);
static_assert(user_tls_vaddr + elf::MAX_TLS_SIZE + page_size + user_tcb_bytes <
                  USER_STACK_TOP - user_stack_bytes - page_size,
              "TLS region below the stack guard");

PageAccess access_of(const elf::LoadSegment& segment) {
  if (segment.executable()) return PageAccess::ReadExecute;  // lib/elf: never also writable
  return segment.writable() ? PageAccess::ReadWrite : PageAccess::ReadOnly;
}

// Maps `pages` zeroed pages from `first`.
Result<void> map_range(Arch::PageTable& table, FrameLedger& ledger, uint64_t first, uint64_t pages,
                       PageAccess access, UserImage& image) {
  for (uint64_t i = 0; i < pages; ++i) {
    TRY(map_user_page(table, ledger, first + i * page_size, access));
    ++image.frames;
  }
  return {};
}

Result<void> load_tls(Arch::PageTable& table, FrameLedger& ledger, const elf::ElfImage& elf,
                      const elf::TlsTemplate& tls, UserImage& image) {
  // Variant II: the block ends at the thread pointer, which the block's alignment divides
  // (lld: TP offset of a symbol = its offset - alignTo(p_memsz, p_align)).
  const uint64_t block = TRY(align_up(tls.memory_size, tls.alignment));
  const uint64_t total = block + user_tcb_bytes;
  const uint64_t pages = TRY(align_up(total, page_size)) / page_size;
  TRY(map_range(table, ledger, user_tls_vaddr, pages, PageAccess::ReadWrite, image));
  TRY(fill_user_pages(table, user_tls_vaddr, elf.file_bytes(tls)));
  image.thread_pointer = user_tls_vaddr + block;
  // The TCB's first word is the thread pointer itself (%fs:0 reads give the TLS base).
  const uint64_t self = image.thread_pointer;
  std::array<uint8_t, sizeof(uint64_t)> self_bytes{};
  for (size_t i = 0; i < self_bytes.size(); ++i)
    self_bytes[i] = static_cast<uint8_t>(self >> (8 * i));
  return fill_user_pages(table, image.thread_pointer, self_bytes);
}

}  // namespace

Result<uint64_t> map_user_page(Arch::PageTable& table, FrameLedger& ledger,
                               uint64_t virtual_address, PageAccess access) {
  FrameLedger::Reservation charge = TRY(ledger.reserve(ResourceClass::FrameGrants, 1));
  const uint64_t frame = TRY(mem::allocate_zeroed_frame());
  TRY(table.map(PageMapping{
      .virtual_address = virtual_address,
      .physical_address = frame,
      .size = PageSize::Base,
      .access = access,
      .privilege = PagePrivilege::User,
  }));
  ledger.commit(std::move(charge));
  return frame;
}

Result<void> fill_user_pages(const Arch::PageTable& table, uint64_t virtual_address,
                             ByteView bytes) {
  uint64_t done = 0;
  while (done < bytes.size()) {
    const uint64_t address = TRY(checked_add<uint64_t>(virtual_address, done));
    const std::optional<PageLookup> page = table.lookup(address);
    if (!page.has_value() || !page->user) return Error::NotFound;
    const uint64_t in_page = page_size - (address % page_size);
    const uint64_t chunk = bytes.size() - done < in_page ? bytes.size() - done : in_page;
    uint8_t* target = mem::physical_to_virtual<uint8_t>(page->physical_address, chunk);
    // SAFETY: `target` is the direct-map alias of a frame this process's loader just mapped
    // (kernel-owned, not yet running); chunk bytes stay within that page.
    __builtin_memcpy(target, bytes.subspan(done, chunk).data(), chunk);
    done += chunk;
  }
  return {};
}

Result<UserImage> load_user_image(Arch::PageTable& table, FrameLedger& ledger,
                                  const elf::ElfImage& elf) {
  UserImage image{};
  for (const elf::LoadSegment& segment : elf.segments) {
    const uint64_t pages = (segment.page_end() - segment.page_start()) / page_size;
    TRY(map_range(table, ledger, segment.page_start(), pages, access_of(segment), image));
    TRY(fill_user_pages(table, segment.virtual_address, elf.file_bytes(segment)));
  }
  TRY(map_range(table, ledger, USER_STACK_TOP - user_stack_bytes, user_stack_bytes / page_size,
                PageAccess::ReadWrite, image));
  if (elf.tls.has_value()) TRY(load_tls(table, ledger, elf, *elf.tls, image));
  image.entry = elf.entry;
  image.stack_top = USER_STACK_TOP;
  return image;
}

}  // namespace capos::kernel
