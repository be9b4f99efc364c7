#include "kernel/arch/x86_64/serial.h"

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/cpu.h"

namespace capos::kernel::x86_64 {

namespace {

// 16550 register offsets from the base port.
constexpr uint16_t data_register = 0;        // DLAB=0: THR/RBR; DLAB=1: divisor low
constexpr uint16_t interrupt_enable = 1;     // DLAB=0: IER; DLAB=1: divisor high
constexpr uint16_t fifo_control = 2;         // FCR (write)
constexpr uint16_t line_control = 3;         // LCR
constexpr uint16_t modem_control = 4;        // MCR
constexpr uint16_t line_status = 5;          // LSR
constexpr uint8_t line_control_dlab = 0x80;  // divisor latch access
constexpr uint8_t line_control_8n1 = 0x03;
constexpr uint8_t fifo_enable_and_clear = 0xc7;  // enable, clear both, 14-byte trigger
constexpr uint8_t modem_dtr_rts = 0x03;          // OUT2 clear: the UART raises no IRQ
constexpr uint8_t status_transmit_empty = 0x20;
constexpr uint16_t divisor_115200 = 1;
// Bounded wait for the transmitter: a missing UART must not hang the kernel (the byte is
// dropped instead). Under QEMU the transmitter is always ready.
constexpr uint32_t transmit_spin_limit = 100000;

constinit const SerialPort g_com1{COM1_PORT};

}  // namespace

uint16_t SerialPort::register_port(uint16_t offset) const {
  return static_cast<uint16_t>(m_base + offset);
}

void SerialPort::init() const {
  out8(register_port(interrupt_enable), 0);
  out8(register_port(line_control), line_control_dlab);
  out8(register_port(data_register), static_cast<uint8_t>(divisor_115200 & 0xff));
  out8(register_port(interrupt_enable), static_cast<uint8_t>(divisor_115200 >> 8));
  out8(register_port(line_control), line_control_8n1);
  out8(register_port(fifo_control), fifo_enable_and_clear);
  out8(register_port(modem_control), modem_dtr_rts);
}

void SerialPort::write_byte(uint8_t byte) const {
  for (uint32_t spin = 0; spin < transmit_spin_limit; ++spin) {
    if ((in8(register_port(line_status)) & status_transmit_empty) != 0) break;
  }
  out8(register_port(data_register), byte);
}

void SerialPort::write(std::span<const char> text) const {
  for (const char character : text) {
    if (character == '\n') write_byte('\r');
    write_byte(static_cast<uint8_t>(character));
  }
}

const SerialPort& com1() { return g_com1; }

}  // namespace capos::kernel::x86_64
