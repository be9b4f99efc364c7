// Builds Multiboot2 boot information byte strings for the parser tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace capos::kernel::boot::test {

class MbiBuilder {
 public:
  MbiBuilder() : m_bytes(8, 0) {}

  MbiBuilder& raw_tag(uint32_t type, const std::vector<uint8_t>& payload) {
    put32(type);
    put32(static_cast<uint32_t>(8 + payload.size()));
    m_bytes.insert(m_bytes.end(), payload.begin(), payload.end());
    while (m_bytes.size() % 8 != 0) m_bytes.push_back(0);
    return *this;
  }
  MbiBuilder& string_tag(uint32_t type, const std::string& text) {
    std::vector<uint8_t> payload(text.begin(), text.end());
    payload.push_back(0);
    return raw_tag(type, payload);
  }
  MbiBuilder& command_line(const std::string& text) { return string_tag(1, text); }
  MbiBuilder& loader_name(const std::string& text) { return string_tag(2, text); }
  MbiBuilder& module(uint32_t start, uint32_t end, const std::string& name) {
    std::vector<uint8_t> payload;
    append32(payload, start);
    append32(payload, end);
    payload.insert(payload.end(), name.begin(), name.end());
    payload.push_back(0);
    return raw_tag(3, payload);
  }
  struct Region {
    uint64_t base;
    uint64_t length;
    uint32_t type;
  };
  MbiBuilder& memory_map(const std::vector<Region>& regions, uint32_t entry_size = 24,
                         uint32_t version = 0) {
    std::vector<uint8_t> payload;
    append32(payload, entry_size);
    append32(payload, version);
    for (const Region& region : regions) {
      const size_t start = payload.size();
      append64(payload, region.base);
      append64(payload, region.length);
      append32(payload, region.type);
      payload.resize(start + entry_size, 0);
    }
    return raw_tag(6, payload);
  }
  MbiBuilder& end_tag() {
    put32(0);
    put32(8);
    return *this;
  }
  // Fills in total_size and returns the bytes.
  std::vector<uint8_t> build() const {
    std::vector<uint8_t> bytes = m_bytes;
    const auto total = static_cast<uint32_t>(bytes.size());
    for (size_t i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(total >> (8 * i));
    return bytes;
  }

  static void append32(std::vector<uint8_t>& out, uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  static void append64(std::vector<uint8_t>& out, uint64_t value) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }

 private:
  void put32(uint32_t value) { append32(m_bytes, value); }

  std::vector<uint8_t> m_bytes;
};

// What GRUB hands capOS under QEMU -m 128M (shape taken from a real boot).
inline MbiBuilder typical_mbi() {
  MbiBuilder builder;
  builder.command_line("capos.selftest=smap")
      .loader_name("GRUB 2.06")
      .module(0x200000, 0x200099, "manifest")
      .memory_map({{0, 0x9fc00, 1},
                   {0x9fc00, 0x400, 2},
                   {0xf0000, 0x10000, 2},
                   {0x100000, 0x7ee0000, 1},
                   {0x7fe0000, 0x20000, 2},
                   {0xfffc0000, 0x40000, 2}});
  builder.raw_tag(14, std::vector<uint8_t>(20, 0xab));  // ACPI RSDP: skipped
  builder.end_tag();
  return builder;
}

}  // namespace capos::kernel::boot::test
