#include "kernel/arch/x86_64/pic.h"

#include "kernel/arch/x86_64/cpu.h"

namespace capos::kernel::x86_64 {

namespace {

// Ports and command words (Intel 8259A data sheet).
constexpr uint16_t master_command = 0x20;
constexpr uint16_t master_data = 0x21;
constexpr uint16_t slave_command = 0xa0;
constexpr uint16_t slave_data = 0xa1;
constexpr uint8_t icw1_init_with_icw4 = 0x11;  // ICW1: init, edge triggered, cascade, ICW4 follows
constexpr uint8_t icw3_master_slave_on_irq2 = 0x04;
constexpr uint8_t icw3_slave_identity = 0x02;
constexpr uint8_t icw4_8086_mode = 0x01;
constexpr uint8_t ocw2_end_of_interrupt = 0x20;  // non-specific EOI
constexpr uint8_t ocw3_read_isr = 0x0b;
constexpr uint8_t all_masked = 0xff;
constexpr unsigned lines_per_controller = 8;

}  // namespace

void pic_mask_all() {
  out8(master_data, all_masked);
  out8(slave_data, all_masked);
}

void pic_init() {
  pic_mask_all();
  out8(master_command, icw1_init_with_icw4);
  io_wait();
  out8(slave_command, icw1_init_with_icw4);
  io_wait();
  out8(master_data, pic_master_vector_base);  // ICW2
  io_wait();
  out8(slave_data, pic_slave_vector_base);
  io_wait();
  out8(master_data, icw3_master_slave_on_irq2);  // ICW3
  io_wait();
  out8(slave_data, icw3_slave_identity);
  io_wait();
  out8(master_data, icw4_8086_mode);  // ICW4
  io_wait();
  out8(slave_data, icw4_8086_mode);
  io_wait();
  pic_mask_all();  // initialisation leaves the mask register cleared
}

bool pic_in_service(unsigned irq) {
  const bool slave = irq >= lines_per_controller;
  const uint16_t port = slave ? slave_command : master_command;
  out8(port, ocw3_read_isr);
  const uint8_t in_service = in8(port);
  return (in_service & (1U << (irq % lines_per_controller))) != 0;
}

void pic_end_of_interrupt(unsigned irq) {
  if (irq >= lines_per_controller) out8(slave_command, ocw2_end_of_interrupt);
  out8(master_command, ocw2_end_of_interrupt);
}

void pic_end_of_interrupt_master() { out8(master_command, ocw2_end_of_interrupt); }

}  // namespace capos::kernel::x86_64
