// kernel/arch/x86_64/serial.h — a polled 16550 UART on COM1: the kernel console and the test
// oracle (tests/qemu read it).
//
// No interrupts: init() leaves IER = 0 and MCR.OUT2 clear. Not synchronised (single CPU,
// interrupts off while the kernel prints).
#pragma once

#include <cstdint>
#include <span>

namespace capos::kernel::x86_64 {

class SerialPort {
 public:
  explicit constexpr SerialPort(uint16_t base) : m_base(base) {}

  // 115200 baud, 8N1, FIFOs on.
  void init() const;
  // Writes `text`, translating "\n" into "\r\n".
  void write(std::span<const char> text) const;

 private:
  [[nodiscard]] uint16_t register_port(uint16_t offset) const;
  void write_byte(uint8_t byte) const;

  uint16_t m_base;
};

// COM1, the only console.
const SerialPort& com1();

}  // namespace capos::kernel::x86_64
